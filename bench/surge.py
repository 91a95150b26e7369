"""Surge drill: three times the measured capacity for a minute; callers beyond it hear "busy".

Runs the service as bench/load.py does (gunicorn with the Procfile's settings on loopback, a
scratch PostgreSQL database seeded with demo data, Redis) with MAX_ACTIVE_CALLS set to
`--capacity`, the largest load `bench/load.py --find-capacity` measured. `--capacity` callers
call throughout: once they are all on the line, for `--seconds`; then for `--surge-seconds` twice
as many again join them; once the last of those has hung up, the same `--capacity` callers go on
for `--seconds` more, and the two `--seconds` phases are compared. A caller who hears that
every line is busy asks for a callback half the time, otherwise hangs up and dials again a little
later, as people do. Callers are the fault drill's (bench/drill.py): they answer what they hear,
write down what they are told was saved, and act as Twilio on a failed webhook (Voice Fallback URL).

It passes when no webhook went without TwiML, none needed the fallback during the surge (nobody
timed out), everything callers were told was saved is in the database, and once the surge is over
the same load is served as it was before it (p99 within 1.25x of the p99 before, no failed
webhook). Run by hand, not in CI:

    .venv/bin/python bench/surge.py --capacity 200
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

from drill import DrillCaller, Ledger, Phase, check, summary
from rig import P99_TARGET, demo_database, demo_postpaid, gunicorn, percentile, server_options, service_env

# Compared: "before" and "after", each with every steady caller on the line; "arriving" (callers
# dialling in over the first seconds) and "leaving" (each finishing the call they are on) carry less.
PHASES = ("arriving", "before", "surge", "draining", "after", "leaving")
ARRIVALS = 4  # callers dial in spread over this many think times, not in one instant
RECOVERED_RATIO = 1.25  # after the surge, p99 back within this of the same load before it
BUSY = "semua saluran kami sedang sibuk"  # flows/prompts/id/busy.yaml, busy.all_lines_busy


@dataclass
class SurgeLedger(Ledger):
    """The drill's ledger, plus who heard "busy" and how many calls were up, per phase."""

    busy_calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PHASES, 0))
    in_call: int = 0
    held: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in PHASES})


class SurgeCaller(DrillCaller):
    """A drill caller who, told every line is busy, takes a callback or dials again later."""

    def __init__(self, base: str, ledger: SurgeLedger, customers: list[str], think: float, deadline: float) -> None:
        super().__init__(base, ledger, customers, think, deadline)
        self.surge_ledger = ledger
        self.heard_busy = False

    def run(self) -> None:
        time.sleep(random.uniform(0, self.think * ARRIVALS))
        while time.monotonic() < self.deadline:
            self.heard_busy = False
            with self.ledger.lock:
                self.surge_ledger.in_call += 1
            try:
                self._place(random.choice(["reading", "reading", "complaint", "callback", "hang_up"]))
            finally:
                with self.ledger.lock:
                    self.surge_ledger.in_call -= 1
            if self.heard_busy:
                time.sleep(self.think * random.uniform(3, 8))  # dial again a little later

    def _answer(self, heard: str, goal: str, facts: dict[str, str], tries: int, done: bool) -> str | None:
        if BUSY in heard:
            return "1" if random.random() < 0.5 else None  # a callback to this number, or hang up
        return super()._answer(heard, goal, facts, tries, done)

    def _note(self, sid: str, heard: str, first: bool) -> bool:
        if first and BUSY in heard:
            self.heard_busy = True
            with self.ledger.lock:
                self.surge_ledger.busy_calls[self.ledger.phase] += 1
        return super()._note(sid, heard, first)


def crowd(
    base: str, ledger: SurgeLedger, customers: list[str], size: int, think: float, until: float
) -> list[SurgeCaller]:
    """`size` callers starting now, placing calls until `until`."""
    callers = [SurgeCaller(base, ledger, customers, think, until) for _ in range(size)]
    for caller in callers:
        caller.start()
    return callers


def sample_calls_up(ledger: SurgeLedger, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        with ledger.lock:
            ledger.held[ledger.phase].append(ledger.in_call)


def report(ledger: SurgeLedger) -> bool:
    """Per-phase figures; True when the service was back under the target after the surge."""
    summary(ledger)
    print(f"\n{'phase':10} {'busy':>6} {'calls up max':>12} {'mean':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for name in PHASES:
        latencies, held = ledger.phases[name].latencies, ledger.held[name] or [0]
        print(f"{name:10} {ledger.busy_calls[name]:6} {max(held):12} {statistics.mean(held):6.0f} "
              f"{percentile(latencies, 0.5) * 1000:8.1f} {percentile(latencies, 0.95) * 1000:8.1f}")  # fmt: skip
    before, after = ledger.phases["before"], ledger.phases["after"]
    ratio = percentile(after.latencies, 0.99) / percentile(before.latencies, 0.99)
    recovered = ratio <= RECOVERED_RATIO and after.primary_failed == 0 and after.no_twiml == 0
    print(f"\nafter the surge, p99 is {ratio:.2f}x the p99 before it (recovered: at most {RECOVERED_RATIO}x, "
          f"no failed webhook): {recovered}; under the capacity target (p99 < {P99_TARGET * 1000:.0f} ms) "
          f"before: {percentile(before.latencies, 0.99) < P99_TARGET}")  # fmt: skip
    return recovered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capacity", type=int, required=True, help="MAX_ACTIVE_CALLS: the measured capacity")
    parser.add_argument("--surge-seconds", type=float, default=60, help="how long three times the load lasts")
    parser.add_argument("--seconds", type=float, default=30, help="steady load before and after the surge")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a caller takes per prompt")
    server_options(parser, port=8795)
    args = parser.parse_args()

    ledger = SurgeLedger(phase=PHASES[0], phases={name: Phase() for name in PHASES})
    with demo_database(args.pg_admin_url) as database_url:
        customers = demo_postpaid(database_url)
        env = service_env(database_url, args.redis_url, MAX_ACTIVE_CALLS=str(args.capacity), MAX_WAIT_SECONDS="1")
        print(f"gunicorn --workers {args.workers} --threads {args.threads} --timeout 15 on port {args.port}; "
              f"MAX_ACTIVE_CALLS={args.capacity}; think {args.think} s")  # fmt: skip
        with gunicorn("ivr:create_app()", args.port, env, args.workers, args.threads) as base:
            stop = threading.Event()
            threading.Thread(target=sample_calls_up, args=(ledger, stop), daemon=True).start()
            began = time.monotonic()
            steady = crowd(base, ledger, customers, args.capacity, args.think, math.inf)
            time.sleep(args.think * ARRIVALS)
            ledger.phase = "before"
            print(f"[{time.monotonic() - began:5.0f} s] before: {args.capacity} callers on the line", flush=True)
            time.sleep(args.seconds)
            ledger.phase = "surge"
            print(f"[{time.monotonic() - began:5.0f} s] surge: {2 * args.capacity} more callers", flush=True)
            surge = crowd(base, ledger, customers, 2 * args.capacity, args.think, time.monotonic() + args.surge_seconds)
            time.sleep(args.surge_seconds)
            ledger.phase = "draining"
            print(f"[{time.monotonic() - began:5.0f} s] the surge callers finish their calls", flush=True)
            for caller in surge:
                caller.join(timeout=120)
            ledger.phase = "after"
            print(f"[{time.monotonic() - began:5.0f} s] after: the surge callers have hung up; "
                  f"{args.capacity} callers for {args.seconds:.0f} s", flush=True)  # fmt: skip
            time.sleep(args.seconds)
            ledger.phase = "leaving"
            for caller in steady:
                caller.deadline = time.monotonic()  # each finishes the call it is on, then stops
            for caller in steady:
                caller.join(timeout=120)
            stop.set()
        recovered = report(ledger)
        failures = check(database_url, ledger)
    surge = ledger.phases["surge"]
    no_twiml = sum(figures.no_twiml for figures in ledger.phases.values())
    passed = recovered and not failures and not no_twiml and surge.primary_failed == 0
    print(f"\nsurge: {ledger.busy_calls['surge']} calls heard 'busy', {surge.primary_failed} webhooks timed out or "
          f"failed; webhooks without TwiML: {no_twiml}; told-saved checks failed: {len(failures)}")  # fmt: skip
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
