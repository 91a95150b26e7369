"""What the fault drill (bench/drill.py) breaks: its own redis-server, PostgreSQL connections, gunicorn workers."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import time
from pathlib import Path

import redis
from rig import HOST
from sqlalchemy import create_engine, text


class ScratchRedis:
    """A redis-server of the drill's own on a loopback port: restarting it harms nothing else."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                   "--daemonize", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(50):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process, _ = None, self.process.wait(timeout=10)


def _stat(path: str) -> list[str]:
    """A /proc stat line after the command name: state, parent pid, ..."""
    try:
        return Path(path).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def children(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (zombies not yet reaped are left out)."""
    stats = {int(entry): _stat(f"/proc/{entry}/stat") for entry in os.listdir("/proc") if entry.isdigit()}
    return [child for child, fields in stats.items() if fields[1:2] == [str(pid)] and fields[0] != "Z"]


def gunicorn_workers() -> list[int]:
    """The web workers: children of the gunicorn master this process started."""
    masters = [pid for pid in children(os.getpid()) if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [worker for master in masters for worker in children(master)]


def busy_worker(workers: list[int], seconds: float) -> tuple[int, bool]:
    """A worker with a request thread on the CPU right now, so the kill lands mid-request; else any."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in workers:
            threads = [tid for tid in os.listdir(f"/proc/{pid}/task") if tid != str(pid)]
            if any(_stat(f"/proc/{pid}/task/{tid}/stat")[:1] == ["R"] for tid in threads):
                return pid, True
        time.sleep(0.001)
    return random.choice(workers), False


def terminate_backends(admin_url: str, database: str) -> int:
    """pg_terminate_backend every connection to the scratch database (the drill's own is elsewhere)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        query = text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = :name AND pid <> pg_backend_pid()"
        )
        killed = conn.execute(query, {"name": database}).scalar_one()
    admin.dispose()
    return int(killed)
