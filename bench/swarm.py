"""A low-overhead load generator: thousands of simulated callers as coroutines in one process.

The generator shares the machine's cores with gunicorn, PostgreSQL and Redis, so every
microsecond it spends is taken from the server under test. Each caller is a coroutine; each
webhook is signed as Twilio signs it (`RequestValidator.compute_signature` over the URL and the
form) and POSTed on a connection of its own with `Connection: close`, as Twilio does: a
hand-written HTTP/1.1 request, the response read to EOF, its status line and body parsed. A reply
that is not HTTP 200 with an XML `<Response>` root counts as an error, with its reason. Callers
follow `<Gather action=...>` exactly as bench/load.py's Caller does.

The HTTP client it posts with, and why that one, is bench/webhook_client.py.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webhook_client import CLIENTS, Client, cpu_seconds

from db.seed import DEMO_DIALED_NUMBERS

SATURATE_KEYS = ("7", "9", "*", "0")  # the keys --saturate presses, each while the reply has a Gather


@dataclass
class Stats:
    """What every caller saw (the same fields as bench/load.py's Tally, so its report() reads both).

    `until`: webhooks that complete after it are counted in `late` only (a fixed measuring window).
    """

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    in_call: int = 0
    held: list[int] = field(default_factory=list)
    until: float = float("inf")
    late: int = 0

    def record(self, kind: str, seconds: float, problem: str = "") -> None:
        if time.monotonic() > self.until:
            self.late += 1
            return
        self.latencies[kind].append(seconds)
        if problem:
            self.errors[kind] += 1
            self.problems[problem] += 1


async def webhook(
    client: Client, stats: Stats, kind: str, path: str, params: dict[str, str], ahead: bytes | None = None
) -> ET.Element | None:
    started = time.perf_counter()
    reply = await client.post(path, params, ahead)
    stats.record(kind, time.perf_counter() - started, reply.problem)
    return reply.doc


def call_params(sid: str | None = None) -> dict[str, str]:
    """A new call from a Jakarta landline to the Bekasi number, as Twilio posts it."""
    return {"CallSid": sid or f"CA{random.getrandbits(128):032x}", "AccountSid": "AC" + "0" * 32,
            "From": "+62215551234", "To": DEMO_DIALED_NUMBERS["BEKASI"], "CallStatus": "ringing"}  # fmt: skip


def scripts(postpaid: list[str]) -> list[tuple[str, list[str]]]:
    """The calls callers place: what they press, Gather by Gather (then they hang up)."""
    idpel = random.choice(postpaid)
    return [
        ("bill", ["1", f"{idpel}#"]),
        ("meter_reading", ["2", f"{idpel}#", f"{random.randint(1000, 99999)}#", "1", "1"]),
        ("complaint", ["3", "5", "2", "1", "2"]),
        ("agent", ["0"]),
        ("hang_up_mid_flow", ["2"]),
    ]


@dataclass
class Kit:
    """One call's webhooks signed and encoded ahead of a measuring window, keyed (path, key pressed)."""

    params: dict[str, str]
    requests: dict[tuple[str, str], bytes]


def step_params(params: dict[str, str], key: str) -> dict[str, str]:
    return {**params, "CallStatus": "in-progress", "Digits": key}


def status_params(params: dict[str, str]) -> dict[str, str]:
    return {**params, "CallStatus": "completed", "CallDuration": "30"}


def sign_ahead(
    base: str, token: str, calls: int, actions: list[str], keys: tuple[str, ...] = SATURATE_KEYS
) -> deque[Kit]:
    """`calls` calls' webhooks signed now, for the Gather actions a call met before (`gather_actions`).

    Signing and form-encoding are a fifth of the generator's CPU per webhook; done here, before
    the window, they are not taken from the server under test. A reply whose action differs
    from the expected one is signed on the way out as usual (counted in Client.signed_now).
    """
    client, kits = Client(base, token), deque()
    for _ in range(calls):
        params = call_params()
        requests = {("/voice/incoming", ""): client.request("/voice/incoming", params),
                    ("/voice/status", ""): client.request("/voice/status", status_params(params))}  # fmt: skip
        for action, key in zip(actions, keys, strict=False):
            requests[action, key] = client.request(action, step_params(params, key))
        kits.append(Kit(params, requests))
    return kits


def gather_actions(base: str, token: str, keys: tuple[str, ...] = SATURATE_KEYS) -> list[str]:
    """The Gather actions one call meets pressing `keys`, in order (what `sign_ahead` signs for)."""

    async def probe() -> list[str]:
        client, params, actions = Client(base, token), call_params(), []
        doc = (await client.post("/voice/incoming", params)).doc
        for key in keys:
            gather = doc.find("Gather") if doc is not None else None
            if gather is None:
                break
            actions.append(gather.get("action", ""))
            doc = (await client.post(actions[-1], step_params(params, key))).doc
        await client.post("/voice/status", status_params(params))
        return actions

    return asyncio.run(probe())


async def place_call(
    client: Client, stats: Stats, keys: list[str] | tuple[str, ...], think: float, kit: Kit | None = None
) -> None:
    """One call: incoming, each key to the previous reply's Gather action (while there is one), status."""

    async def pause() -> None:
        if think:
            await asyncio.sleep(think * random.uniform(0.5, 1.5))

    params, ahead = (kit.params, kit.requests) if kit else (call_params(), {})
    doc = await webhook(client, stats, "incoming", "/voice/incoming", params, ahead.get(("/voice/incoming", "")))
    for key in keys:
        gather = doc.find("Gather") if doc is not None else None
        if gather is None:
            break
        await pause()
        action = gather.get("action", "")
        doc = await webhook(client, stats, "step", action, step_params(params, key), ahead.get((action, key)))
    await pause()
    await webhook(client, stats, "status", "/voice/status", status_params(params), ahead.get(("/voice/status", "")))


async def caller(stats: Stats, deadline: float, delay: float, call: Callable[[], Awaitable[None]]) -> None:
    """Places calls one after another from `delay` until `deadline`; the call under way is finished."""
    await asyncio.sleep(delay)
    while time.monotonic() < deadline:
        stats.calls += 1
        stats.in_call += 1
        try:
            await call()
        finally:
            stats.in_call -= 1


@dataclass
class Run:
    stats: Stats
    elapsed: float  # seconds the rates are over: the window, or until the last caller hung up
    cpu: float  # the generator's own CPU seconds over the same span
    lag: list[float] = field(default_factory=list)  # how late the event loop woke a 0.1 s sleep, s
    signed_now: int = 0  # webhooks signed during the run rather than ahead of it

    @property
    def webhooks(self) -> int:
        return sum(len(values) for values in self.stats.latencies.values())

    @property
    def cpu_share(self) -> float:
        """The generator's CPU use as a share of one core."""
        return self.cpu / self.elapsed if self.elapsed else 0.0

    def generator(self) -> str:
        """One line on the generator's own load, with a warning when it may be the bottleneck."""
        every = self.webhooks + self.stats.late
        lag = sorted(self.lag)[int(0.99 * len(self.lag))] if self.lag else 0.0
        line = (f"generator: {self.cpu_share * 100:.0f}% of one core, {self.cpu / max(every, 1) * 1e3:.2f} ms CPU "
                f"per webhook, event-loop lag p99 {lag * 1000:.1f} ms")  # fmt: skip
        if self.cpu_share > 0.7 or lag > 0.02:
            line += "  WARNING: the generator may be the bottleneck"
        return line


async def _swarm(
    stats: Stats, callers: int, seconds: float, ramp: float, window: bool, call: Callable[[], Awaitable[None]]
) -> Run:
    loop = asyncio.get_running_loop()
    started, cpu_started = time.monotonic(), cpu_seconds()
    deadline = started + seconds
    at_deadline: list[float] = []
    if window:
        stats.until = deadline
        loop.call_at(loop.time() + seconds, lambda: at_deadline.append(cpu_seconds()))
    lag: list[float] = []

    async def sample() -> None:
        """Calls up every 0.5 s; how late the loop wakes a 0.1 s sleep (a busy generator answers late)."""
        for tick in itertools.count():
            if tick % 5 == 0:
                stats.held.append(stats.in_call)
            planned = time.monotonic() + 0.1
            await asyncio.sleep(0.1)
            lag.append(max(0.0, time.monotonic() - planned))

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(caller(stats, deadline, ramp * i / callers, call) for i in range(callers)))
    sampler.cancel()
    if window:
        return Run(stats, seconds, (at_deadline or [cpu_seconds()])[0] - cpu_started, lag)
    return Run(stats, time.monotonic() - started, cpu_seconds() - cpu_started, lag)


def run_swarm(
    base: str, token: str, callers: int, seconds: float, think: float = 0.0,
    postpaid: list[str] | None = None, ramp: float = 0.0, window: bool = False, client: str = "sockets",
    kits: deque[Kit] | None = None,
) -> Run:  # fmt: skip
    """`callers` coroutines placing calls until `seconds` are up, then finishing the call they are on.

    With `postpaid` (and usually `think`), callers follow load.py's scripts; without, each call
    presses SATURATE_KEYS, taking its webhooks from `kits` (signed ahead) while there are any.
    `ramp`: callers start spread over that many seconds. `window`: only webhooks completed
    within `seconds` count, and the rates are over exactly that span.
    """
    stats = Stats()
    http = CLIENTS[client](base, token)

    def call() -> Awaitable[None]:
        if postpaid:
            return place_call(http, stats, random.choice(scripts(postpaid))[1], think)
        return place_call(http, stats, SATURATE_KEYS, think, kits.popleft() if kits else None)

    run = asyncio.run(_swarm(stats, callers, seconds, ramp, window, call))
    run.signed_now = http.signed_now
    return run
