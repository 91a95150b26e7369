"""A low-overhead load generator: thousands of simulated callers as coroutines in one process.

The generator shares the machine's cores with gunicorn, PostgreSQL and Redis, so every
microsecond it spends is taken from the server under test. Each caller is a coroutine; each
webhook is signed as Twilio signs it (`RequestValidator.compute_signature` over the URL and the
form) and POSTed on a connection of its own with `Connection: close`, as Twilio does: a
hand-written HTTP/1.1 request, the response read to EOF, its status line and body parsed. A reply
that is not HTTP 200 with an XML `<Response>` root counts as an error, with its reason. Callers
follow `<Gather action=...>` exactly as bench/load.py's Caller does.

Which client, and why (`Client`; `--client streams` in load.py picks the other): the generator's
own CPU per webhook, user + system (getrusage), against bench/baseline_app.py under gunicorn,
16 callers back to back, on this 2-core VM with nothing else running (two runs each):

    non-blocking socket on the event loop (Client)        0.65-0.76 ms
    asyncio streams, open_connection (StreamsClient)      0.87-0.95 ms
    aiohttp, ClientSession(TCPConnector(force_close))     1.23-1.62 ms  (a /tmp script, not kept)
    Client, each call's webhooks signed ahead             0.49-0.51 ms  (sign_ahead, --saturate)

Streams cost a transport, a protocol, a reader, a writer and several futures per connection;
aiohttp a request and a response object and header multidicts on top. A one-shot form POST needs
none of them: `Client` connects a non-blocking socket (on loopback the handshake is over when
connect() returns), sends, and waits on the loop only for the reply (add_reader). What remains
is mostly fixed: the kernel's share of a loopback TCP connection (connect and close, which also
run the server side's part), XML parsing, one event-loop wake-up, and, unless signed ahead,
signing (HMAC-SHA1) and form encoding. It matters: 0.3 ms of extra generator CPU per webhook
cost the baseline a fifth of its webhooks/s (about 700 -> 575/s) in a test run.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import os
import random
import re
import resource
import socket
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, urlencode, urlsplit

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.seed import DEMO_DIALED_NUMBERS

TIMEOUT = 15.0  # seconds; Twilio's own webhook timeout
SATURATE_KEYS = ("7", "9", "*", "0")  # the keys --saturate presses, each while the reply has a Gather


def raise_fd_limit() -> int:
    """RLIMIT_NOFILE up to the hard limit: every caller in a webhook holds a socket."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def cpu_seconds() -> float:
    """This process's own CPU time (user + system), all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Reply:
    status: int
    doc: ET.Element | None  # the <Response> element; None when the reply is not valid TwiML
    problem: str  # why it is not valid TwiML; empty when it is
    body: bytes = b""


def parse(raw: bytes) -> Reply:
    """A whole HTTP/1.1 response (read to EOF): HTTP 200 with a `<Response>` XML root, or a problem."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        return Reply(0, None, "truncated response" if raw else "empty response")
    status_line, _, headers = head.partition(b"\r\n")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return Reply(0, None, "bad status line")
    status = int(parts[1])
    if status != 200:
        return Reply(status, None, f"HTTP {status}", body)
    headers = headers.lower()
    if b"transfer-encoding: chunked" in headers:
        body = dechunk(body)
    try:
        doc = ET.fromstring(body)
    except ET.ParseError:
        return Reply(status, None, "not XML", body)
    return Reply(status, doc, "" if doc.tag == "Response" else f"<{doc.tag}> root", body)


def dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def form(params: dict[str, str]) -> bytes:
    """application/x-www-form-urlencoded, as urlencode() gives it, at a fraction of its cost for plain values."""
    return "&".join(
        f"{key}={value if _PLAIN(value) else quote_plus(value)}" if _PLAIN(key) else urlencode({key: value})
        for key, value in params.items()
    ).encode()


async def _ready(register: Callable[..., object], unregister: Callable[[int], object], fd: int) -> None:
    """Until `fd` is readable (register=loop.add_reader) or writable (loop.add_writer)."""
    ready = asyncio.get_running_loop().create_future()
    register(fd, ready.set_result, None)
    try:
        await ready
    finally:
        unregister(fd)


class Client:
    """Signs and POSTs webhooks to one server, each on a connection of its own (Connection: close).

    A non-blocking socket driven by the event loop (add_reader/add_writer): no transport, stream
    or protocol objects per webhook. On loopback the handshake is done by the time connect()
    returns, so the request is sent at once; the loop waits only for the reply.
    """

    def __init__(self, base: str, token: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(base)
        self.base, self.timeout = base, timeout
        self.address = (parts.hostname or "", parts.port or 80)
        self.sign = RequestValidator(token).compute_signature
        self.signed_now = 0  # webhooks signed on the way out, not ahead
        self.head = (f"Host: {parts.netloc}\r\nUser-Agent: TwilioProxy/1.1\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n")  # fmt: skip

    def request(self, path: str, params: dict[str, str]) -> bytes:
        body = form(params)
        signature = self.sign(self.base + path, params)
        return (f"POST {path} HTTP/1.1\r\n{self.head}X-Twilio-Signature: {signature}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip

    async def post(self, path: str, params: dict[str, str], request: bytes | None = None) -> Reply:
        """The webhook, signed now unless `request` holds it signed ahead."""
        if request is None:
            request, self.signed_now = self.request(path, params), self.signed_now + 1
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self.exchange(request)
        except (OSError, TimeoutError) as exc:
            return Reply(0, None, type(exc).__name__)
        return parse(raw)

    async def exchange(self, request: bytes) -> bytes:
        """Connect, send `request`, read the response to EOF, close."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            fd = sock.fileno()
            error = sock.connect_ex(self.address)
            if error not in (0, errno.EINPROGRESS):
                raise OSError(error, os.strerror(error))
            view, chunks = memoryview(request), []
            while view:
                try:
                    view = view[sock.send(view) :]
                except BlockingIOError:  # still connecting, or the send buffer is full
                    await _ready(loop.add_writer, loop.remove_writer, fd)
                    if error := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        raise OSError(error, os.strerror(error)) from None
            while True:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    await _ready(loop.add_reader, loop.remove_reader, fd)
                    continue
                if not data:
                    return b"".join(chunks)
                chunks.append(data)
        finally:
            sock.close()


class StreamsClient(Client):
    """The same webhooks written on asyncio streams (open_connection); kept to measure against."""

    async def exchange(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(*self.address)
        try:
            writer.write(request)
            return await reader.read()
        finally:
            writer.close()


CLIENTS = {"sockets": Client, "streams": StreamsClient}


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
