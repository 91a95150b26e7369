"""Load drill: many concurrent simulated callers against the service run the production way.

Starts gunicorn (the Procfile's command and settings) on loopback, on a scratch PostgreSQL
database and Redis namespace seeded with demo data, and lets `--callers` threads each place one
call after another for `--seconds`: a bill check, a meter reading, a complaint, a queue for an
agent, or a hang-up mid-flow, with think time between key presses and the status callback at the
end, every request signed as Twilio signs it. The same callers are first run against
`bench/baseline_app.py` (constant TwiML) under the same gunicorn settings, and the report gives
the service's figures as ratios to that baseline. Run by hand, not in CI:

    .venv/bin/python bench/load.py --callers 20 --seconds 60
    .venv/bin/python bench/load.py --saturate --rounds 3 --seconds 20    # webhooks/s, service vs baseline
    .venv/bin/python bench/load.py --costs                               # what one webhook of each kind costs
    .venv/bin/python bench/load.py --find-capacity --think 6 --callers 250 --seconds 30

--saturate (bench/saturate.py): `--callers` (16) callers with no think time placing calls back
to back (incoming, keys 7 9 * 0 while there is a Gather, status), against the baseline and the
service, both up at once on two ports, alternately for `--rounds` rounds. --find-capacity: the
service, then the baseline, each doubled then bisected to the most concurrent callers with
p99 < 200 ms and no errors. Both use the asyncio generator (bench/swarm.py) and print its own
CPU use. --costs: bench/costs.py. The default run keeps the thread callers below (bench/drill.py
and bench/surge.py build on them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/; rig puts the project root on the path

import swarm
import webhook_client
from counters import Others
from rig import (
    BASELINE,
    HOST,
    P99_TARGET,
    ROOT,
    SERVICE,
    TOKEN,
    demo_database,
    demo_postpaid,
    gunicorn,
    percentile,
    server_options,
    service_env,
)
from swarm import scripts

from db.seed import DEMO_DIALED_NUMBERS


@dataclass
class Tally:
    """What every caller thread saw, merged under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    in_call: int = 0
    held: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str = "") -> None:
        """One webhook's latency; `problem` says why it gave no TwiML (empty when it did)."""
        with self.lock:
            self.latencies[kind].append(seconds)
            if problem:
                self.errors[kind] += 1
                self.problems[problem] += 1

    def call_begins(self) -> None:
        with self.lock:
            self.in_call += 1
            self.calls += 1

    def call_ends(self) -> None:
        with self.lock:
            self.in_call -= 1


class Caller(threading.Thread):
    """Places calls until the deadline, one at a time, as one person on the phone would."""

    def __init__(
        self, base: str, tally: Tally, postpaid: list[str], think: float, deadline: float, ramp: float = 0.0
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.tally, self.postpaid = base, tally, postpaid
        self.think, self.deadline, self.ramp = think, deadline, ramp
        self.http = requests.Session()
        self.validator = RequestValidator(TOKEN)

    def run(self) -> None:
        time.sleep(self.ramp)  # callers come in over the first seconds, not all in the same instant
        while time.monotonic() < self.deadline:
            _, keys = random.choice(scripts(self.postpaid))
            self.tally.call_begins()
            try:
                self._call(keys)
            finally:
                self.tally.call_ends()

    def _call(self, keys: list[str]) -> None:
        params = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": "+62215551234",
            "To": DEMO_DIALED_NUMBERS["BEKASI"],
            "CallStatus": "ringing",
        }
        doc = self._post("incoming", "/voice/incoming", params)
        for key in keys:
            gather = doc.find("Gather") if doc is not None else None
            if gather is None:
                break
            self._pause()
            doc = self._post("step", gather.get("action", ""), {**params, "CallStatus": "in-progress", "Digits": key})
        self._pause()
        self._post("status", "/voice/status", {**params, "CallStatus": "completed", "CallDuration": "30"})

    def _pause(self) -> None:
        time.sleep(self.think * random.uniform(0.5, 1.5))

    def _send(self, path: str, params: dict[str, str]) -> requests.Response:
        """One webhook as Twilio sends it: signed, on a connection of its own.

        A kept-alive connection could be closed by the server (gunicorn's keep-alive is 2 s) just as
        a caller who thought for 2 s sends the next press, and would count as a failure Twilio never sees.
        """
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.base + path, params)}
        return self.http.post(self.base + path, data=params, headers={**headers, "Connection": "close"}, timeout=15)

    def _post(self, kind: str, path: str, params: dict[str, str]) -> ET.Element | None:
        started = time.perf_counter()
        problem = ""
        try:
            response = self._send(path, params)
            doc = ET.fromstring(response.text) if response.status_code == 200 else None
            problem = "" if doc is not None and doc.tag == "Response" else f"HTTP {response.status_code}"
        except (requests.RequestException, ET.ParseError) as exc:
            doc, problem = None, type(exc).__name__
        self.tally.record(kind, time.perf_counter() - started, problem)
        return doc


def run_callers(base: str, callers: int, seconds: float, think: float, postpaid: list[str]) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    # Spread the first calls over one call's length, as calls would arrive on a real line.
    ramp = min(seconds / 4, think * 6)
    threads = [Caller(base, tally, postpaid, think, deadline, ramp * i / callers) for i in range(callers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        with tally.lock:
            tally.held.append(tally.in_call)
        time.sleep(0.5)
    return tally, time.monotonic() - started


def report(name: str, tally: Tally, elapsed: float) -> dict[str, float]:
    every = [value for values in tally.latencies.values() for value in values]
    print(f"\n{name}: {tally.calls} calls, {len(every)} webhooks in {elapsed:.0f} s "
          f"({len(every) / elapsed:.1f}/s), calls held: max {max(tally.held, default=0)}, "
          f"mean {statistics.mean(tally.held or [0]):.1f}, errors {sum(tally.errors.values())}")  # fmt: skip
    for kind, values in sorted(tally.latencies.items()):
        print(f"  {kind:9} n={len(values):6}  p50 {percentile(values, 0.5) * 1000:7.1f} ms  "
              f"p95 {percentile(values, 0.95) * 1000:7.1f} ms  p99 {percentile(values, 0.99) * 1000:7.1f} ms  "
              f"errors {tally.errors.get(kind, 0)}")  # fmt: skip
    if tally.problems:
        print("  errors: " + ", ".join(f"{problem} x{count}" for problem, count in tally.problems.most_common()))
    return {
        "rate": len(every) / elapsed,
        "p50": percentile(every, 0.5),
        "p99": percentile(every, 0.99),
        "errors": sum(tally.errors.values()),
        "held": statistics.mean(tally.held or [0]),
    }


def within_target(figures: dict[str, float]) -> bool:
    """The capacity criterion: every webhook's p99 under 200 ms and not one error."""
    return figures["p99"] < P99_TARGET and figures["errors"] == 0


def find_capacity(name: str, base: str, args: argparse.Namespace, postpaid: list[str]) -> int:
    """Double the callers until the target is missed, then bisect to within 10 %; the largest that held.

    Async callers (bench/swarm.py), arriving spread over about one call's length, as today.
    """
    held, missed, callers = 0, None, args.callers
    ramp = min(args.seconds / 4, args.think * 6)
    while callers > held:
        others = Others()
        run = swarm.run_swarm(base, TOKEN, callers, args.seconds, args.think, postpaid, ramp, client=args.client)
        figures = report(f"{name}, {callers} callers", run.stats, run.elapsed)  # type: ignore[arg-type]
        print(f"  {run.generator()}; {others.note()}", flush=True)
        if within_target(figures):
            held = callers
        else:
            missed = callers
        if missed is not None and missed - held <= max(2, held // 10):
            break
        callers = callers * 2 if missed is None else (held + missed) // 2
        time.sleep(args.think * 2)  # let the last calls' status callbacks land before the next level
    return held


def print_ratios(service: dict[str, float], baseline: dict[str, float]) -> None:
    print(f"\nratio to baseline: p50 {service['p50'] / baseline['p50']:.1f}x, "
          f"p99 {service['p99'] / baseline['p99']:.1f}x; "
          f"webhooks/s {service['rate'] / baseline['rate']:.2f}x")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, help="concurrent callers (each places calls in turn); "
                        "default 20, with --saturate 16")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=60, help="how long each run lasts")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a caller takes per menu")
    server_options(parser, port=8765)
    parser.add_argument("--profile", type=Path, help="py-spy the service's workers; collapsed stacks to this file")
    parser.add_argument(
        "--find-capacity", action="store_true",
        help="from --callers, double then bisect to the most callers with p99 < 200 ms and no errors",
    )  # fmt: skip
    parser.add_argument("--saturate", action="store_true", help="no think time: webhooks/s, service vs baseline")
    parser.add_argument("--rounds", type=int, default=3, help="--saturate: baseline/service rounds")
    parser.add_argument("--previous", type=Path, help="--saturate: also serve this checkout (e.g. a worktree of "
                        "the previous commit) on the same database, measured in turn with the others")  # fmt: skip
    parser.add_argument("--no-sign-ahead", dest="sign_ahead", action="store_false",
                        help="--saturate: sign webhooks on the way out, not before each window")  # fmt: skip
    parser.add_argument("--costs", action="store_true", help="what one webhook of each kind costs (bench/costs.py)")
    parser.add_argument("--cost-samples", type=int, default=200, help="--costs: webhooks of each kind")
    parser.add_argument("--client", choices=sorted(webhook_client.CLIENTS), default="sockets",
                        help="the async generator's HTTP client (bench/swarm.py)")  # fmt: skip
    args = parser.parse_args()
    args.callers = args.callers or (16 if args.saturate else 20)
    print(f"open files limit raised to {webhook_client.raise_fd_limit()}")

    settings = {"workers": args.workers, "threads": args.threads}
    baseline_app = (BASELINE, args.port, {"PYTHONPATH": str(ROOT / "bench"), "TWILIO_AUTH_TOKEN": TOKEN})
    with demo_database(args.pg_admin_url) as database_url:
        postpaid = demo_postpaid(database_url)
        env = service_env(database_url, args.redis_url)
        pace = "no think time" if args.saturate else f"think {args.think} s"
        pace = f"{args.cost_samples} webhooks of each kind" if args.costs else f"{pace}, {args.seconds:.0f} s per run"
        print(f"gunicorn --workers {args.workers} --threads {args.threads} --timeout 15 on {HOST}; {pace}")
        if args.costs:
            import costs  # here, not at the top: it imports this module back for the server helpers

            return costs.run(args, database_url)
        if args.saturate:
            import saturate  # here, not at the top: it imports this module back for the server helpers

            saturate.run(args, env)
            return 0
        if args.find_capacity:
            with gunicorn(SERVICE, args.port + 1, env, **settings, profile=args.profile) as base:
                capacity = find_capacity("service", base, args, postpaid)
            with gunicorn(*baseline_app, **settings) as base:
                baseline = find_capacity("baseline", base, args, postpaid)
            print(f"\ncapacity (p99 < {P99_TARGET * 1000:.0f} ms, no errors; gunicorn --workers {args.workers} "
                  f"--threads {args.threads}, think {args.think} s): service {capacity} concurrent calls, baseline "
                  f"{baseline}; service/baseline {capacity / baseline if baseline else float('nan'):.2f}")  # fmt: skip
            return 0
        with gunicorn(*baseline_app, **settings) as base:
            baseline = report("baseline", *run_callers(base, args.callers, args.seconds, args.think, postpaid))
        with gunicorn(SERVICE, args.port + 1, env, **settings, profile=args.profile) as base:
            service = report("service", *run_callers(base, args.callers, args.seconds, args.think, postpaid))
        print_ratios(service, baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
