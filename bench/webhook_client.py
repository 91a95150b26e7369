"""The load generator's HTTP side: one signed form POST per webhook, as Twilio sends it.

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
import os
import re
import resource
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode, urlsplit

from twilio.request_validator import RequestValidator

TIMEOUT = 15.0  # seconds; Twilio's own webhook timeout


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
