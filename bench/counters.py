"""Counters read around a batch of webhooks: Redis, PostgreSQL and the gunicorn workers' CPU.

- Redis: calls per command (`INFO commandstats`) and the server's read events
  (`total_reads_processed` in `INFO stats`), a proxy for round trips: a pipeline or a MULTI
  block sent in one write is one read event, however many commands it holds. Both are
  server-wide, so --costs gives the service a redis-server of its own. One reading is one
  `INFO commandstats stats`; what the readings themselves add is measured on an empty window
  (`Probe.calibrate`) and taken off.
- PostgreSQL: `pg_stat_database` of the scratch database (transactions committed and rolled
  back, rows inserted, updated, deleted), read over a connection to another database so the
  reader's own transactions are not counted. PostgreSQL 15 flushes a backend's statistics
  lazily: at once when it goes idle if its last flush is over 1 s old, otherwise only when its
  idle timer fires, PGSTAT_IDLE_INTERVAL = 10 s later (measured here: a burst of transactions
  shows its first one at once and the rest after 10.0 s). So a reading waits until the batch
  is at least 10.5 s old and the counters have not moved for a second (`Probe.settle`).
- CPU: utime + stime of the gunicorn workers (children of the master) from /proc/<pid>/stat,
  clock ticks turned into ms.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
PG_IDLE_FLUSH = 10.5  # seconds: PGSTAT_IDLE_INTERVAL (10 s) and a margin
PG_FIELDS = ("xacts", "inserted", "updated", "deleted")


def _stat(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the command name: state, ppid, ... (fields 3 onwards)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def descendants(root: int) -> dict[int, int]:
    """Every live process below `root`: pid -> parent pid."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(entry)) and fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    below, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        below.update({pid: parents[pid] for pid in frontier})
    return below


def gunicorn_workers(app: str, root: int | None = None) -> list[int]:
    """The workers serving `app` (e.g. "ivr:create_app()"): gunicorn processes whose parent is one too.

    Found among this process's descendants, so it also works with py-spy between us and the master.
    """
    below = descendants(root or os.getpid())

    def serves(pid: int) -> bool:
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return any(b"gunicorn" in word for word in words) and app.encode() in words

    return sorted(pid for pid, parent in below.items() if serves(pid) and serves(parent))


def processes(word: str) -> list[int]:
    """This process's descendants with `word` in their command line (e.g. "py-spy")."""
    found = []
    for pid in descendants(os.getpid()):
        try:
            if word.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def named(command: str) -> list[int]:
    """Every process whose command name is `command` (e.g. "postgres": the server and every backend)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == command:
                found.append(int(entry))
        except OSError:
            continue
    return found


def cpu_ms(pids: list[int]) -> float:
    """utime + stime of `pids` (all their threads), in ms."""
    return sum(int(fields[11]) + int(fields[12]) for pid in pids if (fields := _stat(pid))) * TICK_MS


SERVING = ("postgres", "redis-server")  # shared servers: part of the system under test


class Others:
    """CPU used by processes outside this process's tree (other than PostgreSQL and Redis) since start.

    The machine is shared: a test suite run by someone else takes the cores the servers need, so
    every figure measured while it ran is suspect.
    """

    def __init__(self) -> None:
        self.started, self.before, self.jiffies = time.monotonic(), self._outside(), self._jiffies()

    @staticmethod
    def _jiffies() -> tuple[int, int]:
        """(busy, total) clock ticks of every core since boot, from /proc/stat."""
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]  # no guest
        idle = ticks[3] + ticks[4]  # idle, iowait
        return sum(ticks) - idle, sum(ticks)

    @staticmethod
    def _outside() -> dict[int, float]:
        ours = set(descendants(os.getpid())) | {os.getpid()}
        usage = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in ours:
                try:
                    raw = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                name, fields = raw[raw.find("(") + 1 : raw.rfind(")")], raw.rsplit(")", 1)[1].split()
                if name not in SERVING:
                    usage[int(entry)] = (int(fields[11]) + int(fields[12])) * TICK_MS
        return usage

    def share(self) -> float:
        """Their CPU since start, as a share of one core (processes that ended meanwhile are missed)."""
        after, elapsed = self._outside(), time.monotonic() - self.started
        used = sum(ms - self.before.get(pid, 0.0) for pid, ms in after.items())
        return used / 1000 / elapsed if elapsed else 0.0

    def note(self) -> str:
        """The machine's busy share (all cores) and the others' share of one core since start."""
        share, (busy, total) = self.share(), self._jiffies()
        machine = (busy - self.jiffies[0]) / max(1, total - self.jiffies[1])
        warning = "  WARNING: the machine was busy with other work" if share > 0.1 else ""
        return f"machine {machine * 100:.0f}% busy, other processes {share * 100:.0f}% of a core{warning}"


@dataclass
class Reading:
    redis_calls: Counter[str] = field(default_factory=Counter)  # per command
    redis_reads: int = 0
    cpu_ms: float = 0.0
    pg: dict[str, int] = field(default_factory=dict)


@dataclass
class Delta:
    """What happened between two readings, the readings' own Redis traffic taken off."""

    redis_calls: Counter[str]
    redis_reads: int
    cpu_ms: float
    pg: dict[str, int]

    @property
    def redis_commands(self) -> int:
        return sum(self.redis_calls.values())


class Probe:
    """Reads Redis, PostgreSQL and the workers' CPU; `fast()` at once, `settle()` when PG has flushed."""

    def __init__(self, redis_url: str, pg_admin_url: str, database: str, app: str) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.redis.ping()  # connect (and its handshake) now, not inside a window
        self.pg = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.database, self.app = database, app
        self.own_calls: Counter[str] = Counter()
        self.own_reads = 0

    def fast(self) -> Reading:
        """Redis and CPU, which count at once."""
        info = self.redis.execute_command("INFO", "commandstats", "stats")
        calls = Counter({name.removeprefix("cmdstat_"): int(stats["calls"])
                         for name, stats in info.items() if name.startswith("cmdstat_")})  # fmt: skip
        return Reading(calls, int(info["total_reads_processed"]), cpu_ms(gunicorn_workers(self.app)))

    def pg_now(self) -> dict[str, int]:
        query = text(
            "SELECT xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted"
            " FROM pg_stat_database WHERE datname = :name"
        )
        with self.pg.connect() as conn:
            row = conn.execute(query, {"name": self.database}).one()
        return dict(zip(PG_FIELDS, map(int, row), strict=True))

    def settle(self, reading: Reading, last_activity: float) -> Reading:
        """Fill in PostgreSQL once every backend's statistics are flushed (see the module docstring)."""
        previous, steady_since = self.pg_now(), time.monotonic()
        while True:
            time.sleep(0.25)
            now = self.pg_now()
            if now != previous:
                previous, steady_since = now, time.monotonic()
            elif time.monotonic() - last_activity >= PG_IDLE_FLUSH and time.monotonic() - steady_since >= 1.0:
                reading.pg = now
                return reading

    def delta(self, before: Reading, after: Reading) -> Delta:
        calls = after.redis_calls.copy()
        calls.subtract(before.redis_calls)
        calls.subtract(self.own_calls)
        return Delta(
            +calls,  # drops commands that did not run
            after.redis_reads - before.redis_reads - self.own_reads,
            after.cpu_ms - before.cpu_ms,
            {name: after.pg[name] - before.pg[name] for name in PG_FIELDS},
        )

    def calibrate(self) -> None:
        """What one reading adds to Redis (two readings back to back); taken off every delta from then on."""
        one, two = self.fast(), self.fast()
        calls = two.redis_calls.copy()
        calls.subtract(one.redis_calls)
        self.own_calls, self.own_reads = +calls, two.redis_reads - one.redis_reads
