"""`bench/load.py --saturate`: webhooks/s of the service and of the baseline, measured in turn.

The servers run under the Procfile's gunicorn line (same --workers/--threads), started once on
their own ports: the baseline (bench/baseline_app.py: signature check, constant TwiML), the
service on the scratch database and Redis namespace, and with `--previous DIR` the service as
another checkout has it (a worktree of the previous commit), on the same database. `--callers`
async callers (bench/swarm.py) with no think time place calls back to back (incoming; keys 7, 9,
*, 0 while the reply has a Gather; status), for `--seconds` against each server in turn, for
`--rounds` rounds; only webhooks completed within each window count. Each call's webhooks are
signed before its window (swarm.sign_ahead; --no-sign-ahead signs them on the way out), so that
signing takes no CPU from the servers while they are measured. Each line also gives the
workers' CPU per webhook (/proc), the generator's own CPU use and what other processes used,
so a baseline held back by the generator or a busy machine shows. With `--profile`, py-spy
samples the service's workers throughout.
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field

import swarm
from counters import SERVING, Others, cpu_ms, gunicorn_workers, named, processes
from rig import BASELINE, ROOT, SERVICE, TOKEN, gunicorn, percentile


@dataclass
class Server:
    name: str
    base: str
    app: str
    actions: list[str] = field(default_factory=list)  # the Gather actions a call meets (signed ahead)
    calls: int = 0  # calls to sign ahead for the next window: the last window's, and a margin


def saturated(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """One round against one server: callers with no think time for exactly `--seconds`."""
    kits = swarm.sign_ahead(server.base, TOKEN, server.calls, server.actions) if args.sign_ahead else None
    workers, others, spy = gunicorn_workers(server.app), Others(), processes("py-spy")
    before, spy_before = cpu_ms(workers), cpu_ms(spy)
    stores = {name: named(name) for name in SERVING}  # PostgreSQL's and Redis's own CPU: the data tier's share
    stores_before = {name: cpu_ms(pids) for name, pids in stores.items()}
    run = swarm.run_swarm(server.base, TOKEN, args.callers, args.seconds, window=True, client=args.client, kits=kits)
    every = [value for values in run.stats.latencies.values() for value in values]
    done = max(1, len(every) + run.stats.late)
    server_ms = (cpu_ms(workers) - before) / done
    stores_ms = {name: (cpu_ms(pids) - stores_before[name]) / done for name, pids in stores.items()}
    server.calls = int(run.stats.calls * 1.3) + args.callers
    print(f"  {server.name:8} {len(every) / run.elapsed:7.1f} webhooks/s  p50 {percentile(every, 0.5) * 1000:6.1f} ms"
          f"  p99 {percentile(every, 0.99) * 1000:6.1f} ms  errors {sum(run.stats.errors.values())}  "
          f"workers {server_ms:.2f} ms CPU/webhook")  # fmt: skip
    signed = f", {run.signed_now} signed in the window" if args.sign_ahead else ", signed in the window"
    print(f"           {run.generator()}{signed}; {others.note()}", flush=True)
    print("           data tier CPU per webhook: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in stores_ms.items()))
    if spy:
        share = (cpu_ms(spy) - spy_before) / 1000 / run.elapsed
        print(f"           py-spy (--profile, on the service's workers) used {share * 100:.0f}% of a core")
    if run.stats.problems:
        print("           errors: " + ", ".join(f"{why} x{count}" for why, count in run.stats.problems.most_common()))
    return {"rate": len(every) / run.elapsed, "cpu": server_ms, **stores_ms}


def run(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Baseline and service (and `--previous`) up at once, measured in turn; their webhooks/s ratios per round."""
    settings = {"workers": args.workers, "threads": args.threads}
    baseline_env = {"PYTHONPATH": str(ROOT / "bench"), "TWILIO_AUTH_TOKEN": TOKEN}
    with ExitStack() as stack:
        servers = [Server("baseline", stack.enter_context(gunicorn(BASELINE, args.port, baseline_env, **settings)),
                          BASELINE)]  # fmt: skip
        if args.previous is not None:
            previous_env = {**env, "REDIS_NAMESPACE": env["REDIS_NAMESPACE"] + "-previous"}
            base = stack.enter_context(gunicorn(SERVICE, args.port + 2, previous_env, **settings,
                                                checkout=args.previous.resolve()))  # fmt: skip
            servers.append(Server("previous", base, SERVICE))
        base = stack.enter_context(gunicorn(SERVICE, args.port + 1, env, **settings, profile=args.profile))
        servers.append(Server("service", base, SERVICE))
        for server in servers:  # warm-up, not reported: first requests, pools, caches; how many calls a window takes
            server.actions = swarm.gather_actions(server.base, TOKEN)
            warm = swarm.run_swarm(server.base, TOKEN, args.callers, 3, window=True, client=args.client)
            server.calls = int(warm.stats.calls * args.seconds / 3 * 1.3) + args.callers
            print(f"{server.name}: a call meets the Gather actions {server.actions}")
        ratios: dict[str, list[float]] = defaultdict(list)
        for number in range(1, args.rounds + 1):
            print(f"round {number}")
            figures = {server.name: saturated(server, args) for server in servers}
            for name, figure in figures.items():
                if name != "baseline":
                    ratios[f"{name}/baseline webhooks/s"].append(figure["rate"] / figures["baseline"]["rate"])
                    ratios[f"{name}/baseline workers' CPU per webhook"].append(
                        figure["cpu"] / figures["baseline"]["cpu"] if figures["baseline"]["cpu"] else float("nan")
                    )
            if "previous" in figures:
                ratios["service/previous webhooks/s"].append(figures["service"]["rate"] / figures["previous"]["rate"])
            print("  ratios: " + ", ".join(f"{name} {values[-1]:.3f}" for name, values in ratios.items()), flush=True)
    print(f"\nover {args.rounds} rounds (median, min-max):")
    for name, values in ratios.items():
        print(f"  {name:45} {statistics.median(values):6.3f}  {min(values):.3f}-{max(values):.3f}")
    if args.profile:
        print(f"py-spy samples of the service's workers (collapsed stacks): {args.profile}")
