"""`bench/load.py --saturate`: webhooks/s of the service and of the baseline, measured alternately.

Both servers run under the Procfile's gunicorn line (same --workers/--threads), started once on
two ports: the baseline (bench/baseline_app.py: signature check, constant TwiML) and the service
on the scratch database and Redis namespace. `--callers` async callers (bench/swarm.py) with no
think time place calls back to back (incoming; keys 7, 9, *, 0 while the reply has a Gather;
status), for `--seconds` against the baseline, then the service, and so on for `--rounds`
rounds; only webhooks completed within each window count. Each call's webhooks are signed
before its window (swarm.sign_ahead; --no-sign-ahead signs them on the way out), so that
signing takes no CPU from the servers while they are measured. Each line also gives the
workers' CPU per webhook (/proc), the generator's own CPU use and what other processes used,
so a baseline held back by the generator or a busy machine shows. With `--profile`, py-spy
samples the service's workers throughout.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field

import swarm
from counters import Others, cpu_ms, gunicorn_workers, processes
from load import BASELINE, ROOT, SERVICE, TOKEN, gunicorn, percentile


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
    run = swarm.run_swarm(server.base, TOKEN, args.callers, args.seconds, window=True, client=args.client, kits=kits)
    every = [value for values in run.stats.latencies.values() for value in values]
    server_ms = (cpu_ms(workers) - before) / max(1, len(every) + run.stats.late)
    server.calls = int(run.stats.calls * 1.3) + args.callers
    print(f"  {server.name:8} {len(every) / run.elapsed:7.1f} webhooks/s  p50 {percentile(every, 0.5) * 1000:6.1f} ms"
          f"  p99 {percentile(every, 0.99) * 1000:6.1f} ms  errors {sum(run.stats.errors.values())}  "
          f"workers {server_ms:.2f} ms CPU/webhook")  # fmt: skip
    signed = f", {run.signed_now} signed in the window" if args.sign_ahead else ", signed in the window"
    print(f"           {run.generator()}{signed}; {others.note()}", flush=True)
    if spy:
        share = (cpu_ms(spy) - spy_before) / 1000 / run.elapsed
        print(f"           py-spy (--profile, on the service's workers) used {share * 100:.0f}% of a core")
    if run.stats.problems:
        print("           errors: " + ", ".join(f"{why} x{count}" for why, count in run.stats.problems.most_common()))
    return {"rate": len(every) / run.elapsed, "cpu": server_ms}


def run(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Baseline and service up at once, measured alternately; the ratio of their webhooks/s per round."""
    settings = {"workers": args.workers, "threads": args.threads}
    baseline_env = {"PYTHONPATH": str(ROOT / "bench"), "TWILIO_AUTH_TOKEN": TOKEN}
    with gunicorn(BASELINE, args.port, baseline_env, **settings) as baseline_base, gunicorn(
        SERVICE, args.port + 1, env, **settings, profile=args.profile) as service_base:  # fmt: skip
        servers = [Server("baseline", baseline_base, BASELINE), Server("service", service_base, SERVICE)]
        for server in servers:  # warm-up, not reported: first requests, pools, caches; how many calls a window takes
            server.actions = swarm.gather_actions(server.base, TOKEN)
            warm = swarm.run_swarm(server.base, TOKEN, args.callers, 3, window=True, client=args.client)
            server.calls = int(warm.stats.calls * args.seconds / 3 * 1.3) + args.callers
            print(f"{server.name}: a call meets the Gather actions {server.actions}")
        ratios, cpu_ratios = [], []
        for number in range(1, args.rounds + 1):
            print(f"round {number}")
            baseline, service = (saturated(server, args) for server in servers)
            ratios.append(service["rate"] / baseline["rate"])
            cpu_ratios.append(service["cpu"] / baseline["cpu"] if baseline["cpu"] else float("nan"))
            print(f"  ratio service/baseline: webhooks/s {ratios[-1]:.3f}, workers' CPU per webhook "
                  f"{cpu_ratios[-1]:.1f}x", flush=True)  # fmt: skip
    print(f"\nwebhooks/s service/baseline over {len(ratios)} rounds: median {statistics.median(ratios):.3f}, "
          f"min {min(ratios):.3f}, max {max(ratios):.3f}; workers' CPU per webhook service/baseline: "
          f"median {statistics.median(cpu_ratios):.1f}x")  # fmt: skip
    if args.profile:
        print(f"py-spy samples of the service's workers (collapsed stacks): {args.profile}")
