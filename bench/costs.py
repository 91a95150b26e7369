"""What one webhook of each kind costs the service: `bench/load.py --costs`.

The service runs as load.py runs it (the Procfile's gunicorn line, a scratch PostgreSQL database
seeded with the demo) but on a redis-server of its own: Redis counts commands server-wide, and
anything else using the shared server would be counted as the service's. Autovacuum is switched
off on the scratch tables so that its transactions are not counted either.

Everything a batch needs is prepared first (calls queued for an agent, an agent user with a
phone, a warm-up of every kind), outside any measuring window. Then, kind after kind, N
webhooks of only that kind are sent one at a time, and the counters (bench/counters.py) are
read before and after: Redis commands and read events, PostgreSQL transactions and rows, the
web workers' CPU. Each kind's batch works on what the previous batches left: the calls opened by
`incoming` take the `menu step`, then hang up (`status`); the agent calls opened by `agent
incoming` are the ones that take the queued callers (`queue bridge`); the WhatsApp senders who
opened a conversation send its next turn. Every reply is checked to be what the kind says
(a main-menu Gather, an <Enqueue>, an empty <Response/>, ...), and at the end the database is
asked whether every incoming made a call, every status closed one, every bridge recorded the agent.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from counters import Delta, Probe, gunicorn_workers
from faults import ScratchRedis
from rig import TOKEN, gunicorn, service_env
from sqlalchemy import func, make_url, select, text
from swarm import call_params
from webhook_client import Client

from db.models import Call, Region, User
from db.session import Database
from ivr.phone.numbers import parse_caller

APP = "ivr:create_app()"
AGENT_PHONE = "+6281299990001"
WHATSAPP_TO = "whatsapp:+6281100000123"
APOLOGY = "sistem kami sedang mengalami gangguan"
REFUSED = ("terlalu banyak pesan", "kirim pesan Anda kembali beberapa saat lagi")  # rate limited, try later
Check = Callable[[ET.Element], str]  # "" when the reply is what the kind says, else why not


def says(doc: ET.Element) -> str:
    return " ".join((element.text or "") for element in doc.iter() if element.tag in ("Say", "Message", "Body"))


def expect(what: str, test: Callable[[ET.Element], bool]) -> Check:
    return lambda doc: "apology" if APOLOGY in says(doc) else ("" if test(doc) else f"not {what}")


MENU = expect("a menu Gather", lambda doc: "/voice/step" in getattr(doc.find("Gather"), "attrib", {}).get("action", ""))
ENQUEUE = expect("an <Enqueue>", lambda doc: doc.find("Enqueue") is not None)
EMPTY = expect("an empty <Response/>", lambda doc: len(doc) == 0)
HOLD = expect("a hold turn", lambda doc: doc.find("Play") is not None or doc.find("Pause") is not None)
AGENT_DIAL = expect("<Dial><Queue>", lambda doc: doc.find("Dial/Queue") is not None)
CONNECTING = expect("a <Say>", lambda doc: doc.find("Say") is not None)
MESSAGE = expect(
    "an answered <Message>", lambda doc: doc.find("Message") is not None and not any(no in says(doc) for no in REFUSED)
)


def next_step(action: str) -> Check:
    """A main-menu Gather one step on from `action` (a call restarted for lost state would be at step 1)."""
    want = f"/voice/step?step={int(action.rsplit('=', 1)[1]) + 1}" if "step=" in action else ""

    def check(doc: ET.Element) -> str:
        return MENU(doc) or ("" if doc.find("Gather").get("action") == want else "not the next step")  # type: ignore[union-attr]

    return check


@dataclass
class Batch:
    kind: str
    webhooks: list[tuple[str, dict[str, str], Check]]
    latencies: list[float] = field(default_factory=list)
    wrong: Counter[str] = field(default_factory=Counter)
    docs: list[ET.Element | None] = field(default_factory=list)


class Costs:
    """The prepared calls and senders, and the batches built on them, kind after kind."""

    def __init__(self, client: Client, samples: int, tag: int) -> None:
        self.client, self.n = client, samples
        self.sids: dict[str, list[str]] = {}
        self.actions: dict[str, str] = {}
        self.senders = [f"whatsapp:+62812{tag:04d}{i:04d}" for i in range(samples)]  # new to the service

    async def send(self, batch: Batch) -> Batch:
        for path, params, check in batch.webhooks:
            started = time.perf_counter()
            reply = await self.client.post(path, params)
            batch.latencies.append(time.perf_counter() - started)
            batch.docs.append(reply.doc)
            if problem := reply.problem or check(reply.doc):  # type: ignore[arg-type]
                batch.wrong[problem] += 1
        return batch

    async def queued(self, count: int) -> list[str]:
        """`count` calls holding for an agent: incoming, `0` (and `3`, wait, when offered a callback)."""
        sids = []
        for _ in range(count):
            params = call_params()
            doc = (await self.client.post("/voice/incoming", params)).doc
            for key in ("0", "3"):
                gather = doc.find("Gather") if doc is not None else None
                if gather is None:
                    break
                doc = (await self.client.post(gather.get("action", ""), {**params, "Digits": key})).doc
            if doc is None or ENQUEUE(doc):
                reply = ET.tostring(doc, encoding="unicode") if doc is not None else "no TwiML"
                raise SystemExit(f"preparing queued calls: no <Enqueue> but {reply}")
            sids.append(params["CallSid"])
        return sids

    async def prepare(self) -> None:
        self.sids["wait"], self.sids["bridge"] = await self.queued(self.n), await self.queued(self.n)

    def batches(self) -> list[tuple[str, Callable[[], Batch]]]:
        """(kind, the batch built when its turn comes) in the order they run."""
        n, sids, queue = self.n, self.sids, {"QueueSid": "QU" + "0" * 32}

        def incoming() -> Batch:
            sids["menu"] = [call_params()["CallSid"] for _ in range(n)]
            return Batch("incoming", [("/voice/incoming", call_params(sid), MENU) for sid in sids["menu"]])

        def step() -> Batch:
            """Key 9 (switch language) or * (repeat) at the main menu; the reply must be the menu's next step."""
            keys = {sid: "9*"[i % 2] for i, sid in enumerate(sids["menu"])}
            return Batch("menu step", [(self.actions[sid], {**call_params(sid), "CallStatus": "in-progress",
                         "Digits": key}, next_step(self.actions[sid])) for sid, key in keys.items()])  # fmt: skip

        def status() -> Batch:
            done = {"CallStatus": "completed", "CallDuration": "40"}
            return Batch("status", [("/voice/status", {**call_params(sid), **done}, EMPTY) for sid in sids["menu"]])

        def wait() -> Batch:
            return Batch("queue wait", [("/voice/queue/wait", {**call_params(sid), **queue, "CallStatus": "in-progress",
                         "QueuePosition": str(i % 4 + 1), "QueueTime": "30"}, HOLD)
                         for i, sid in enumerate(sids["wait"])])  # fmt: skip

        def result() -> Batch:
            hangup = {**queue, "CallStatus": "completed", "QueueResult": "hangup", "QueueTime": "45"}
            return Batch("queue result", [("/voice/queue/result", {**call_params(sid), **hangup}, EMPTY)
                                          for sid in sids["wait"]])  # fmt: skip

        def agent() -> Batch:
            sids["agent"] = [call_params()["CallSid"] for _ in range(n)]
            return Batch("agent incoming", [("/voice/agent/incoming", {**call_params(sid), "From": AGENT_PHONE},
                                             AGENT_DIAL) for sid in sids["agent"]])  # fmt: skip

        def bridge() -> Batch:
            return Batch("queue bridge", [("/voice/queue/bridge", {**call_params(sid), **queue, "QueueTime": "50",
                         "DequeingCallSid": agent_sid, "CallStatus": "in-progress"}, CONNECTING)
                         for sid, agent_sid in zip(sids["bridge"], sids["agent"], strict=True)])  # fmt: skip

        def message(kind: str, body: str) -> Callable[[], Batch]:
            return lambda: Batch(kind, [("/messaging/incoming", {"MessageSid": f"SM{random.getrandbits(128):032x}",
                                 "AccountSid": "AC" + "0" * 32, "From": sender, "To": WHATSAPP_TO, "Body": body,
                                 "NumMedia": "0"}, MESSAGE) for sender in self.senders])  # fmt: skip

        return [("incoming", incoming), ("menu step", step), ("status", status), ("queue wait", wait),
                ("queue result", result), ("agent incoming", agent), ("queue bridge", bridge),
                ("message (new conversation)", message("message (new conversation)", "Halo")),
                ("message (next turn)", message("message (next turn)", "9"))]  # fmt: skip

    def remember(self, batch: Batch) -> None:
        """The Gather each call of the batch is at, for the next batch to answer."""
        if batch.kind in ("incoming", "menu step"):
            for sid, doc in zip(self.sids["menu"], batch.docs, strict=True):
                gather = doc.find("Gather") if doc is not None else None
                self.actions[sid] = gather.get("action", "") if gather is not None else "/voice/step"


def add_agent(database_url: str) -> None:
    """As `flask add-agent --region BEKASI` does: a user with the agent's phone; autovacuum off."""
    database = Database(database_url)
    with database.session() as session:
        region = session.scalar(select(Region.id).where(Region.code == "BEKASI"))
        session.add(User(username="load-agent", full_name="Load Agent", password_hash="!", role="agent",
                         region_id=region, phone=parse_caller(AGENT_PHONE).value))  # fmt: skip
        tables = session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
        for table in tables:
            session.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'))
    database.dispose()


def verify(database_url: str, costs: Costs) -> list[str]:
    """Ask the database (after every window) whether the webhooks did what their replies said."""
    database, failures = Database(database_url), []
    with database.session() as session:
        menu = costs.sids["menu"]
        rows = session.scalar(select(func.count()).select_from(Call).where(Call.call_sid.in_(menu)))
        closed = session.scalar(select(func.count()).select_from(Call).where(
            Call.call_sid.in_(menu), Call.final_status == "completed"))  # fmt: skip
        bridged = session.scalar(select(func.count()).select_from(Call).where(
            Call.call_sid.in_(costs.sids["bridge"]), Call.agent_id.is_not(None)))  # fmt: skip
        numbers = [parse_caller(sender).value for sender in costs.senders]
        chats = session.scalar(select(func.count()).select_from(Call).where(
            Call.channel == "whatsapp", Call.caller.in_(numbers)))  # fmt: skip
    database.dispose()
    for what, found in [("incoming made a calls row", rows), ("status closed the call", closed),
                        ("bridge recorded the agent", bridged), ("one conversation per sender", chats)]:  # fmt: skip
        print(f"  {'ok     ' if found == costs.n else 'WRONG  '} {what}: {found} of {costs.n}")
        if found != costs.n:
            failures.append(what)
    return failures


def table(rows: list[tuple[Batch, Delta]], samples: int) -> None:
    print(f"\nper webhook ({samples} of each kind, sent one at a time)"
          "          redis           postgres (rows)       workers")  # fmt: skip
    print(f"{'kind':28} {'p50 ms':>7} {'commands':>9} {'reads*':>7} {'xacts':>7} {'ins':>5} {'upd':>5} {'del':>5} "
          f"{'CPU ms':>7}  checks")  # fmt: skip
    for batch, delta in rows:
        n = len(batch.webhooks)
        checks = "ok" if not batch.wrong else ", ".join(f"{why} x{count}" for why, count in batch.wrong.items())
        pg = {name: value / n for name, value in delta.pg.items()}
        print(f"{batch.kind:28} {statistics.median(batch.latencies) * 1000:7.1f} {delta.redis_commands / n:9.2f} "
              f"{delta.redis_reads / n:7.2f} {pg['xacts']:7.2f} {pg['inserted']:5.2f} {pg['updated']:5.2f} "
              f"{pg['deleted']:5.2f} {delta.cpu_ms / n:7.2f}  {checks}")  # fmt: skip
    print("* reads: the Redis server's read events (total_reads_processed), a proxy for round trips")
    print("\nRedis commands per webhook, by command:")
    for batch, delta in rows:
        n = len(batch.webhooks)
        names = ", ".join(f"{name} {count / n:.2f}" for name, count in delta.redis_calls.most_common())
        print(f"  {batch.kind:28} {names}")


def run(args: argparse.Namespace, database_url: str) -> int:
    """Measure every kind; non-zero when a reply or the database says a sample was not what it claims."""
    samples, workers, threads = args.cost_samples, args.workers, args.threads
    add_agent(database_url)
    own_redis = ScratchRedis()
    own_redis.start()
    try:
        env = service_env(database_url, own_redis.url)
        with gunicorn(APP, args.port + 1, env, workers, threads) as base:
            database = make_url(database_url).database or ""
            probe = Probe(own_redis.url, args.pg_admin_url, database, APP)
            print(f"service on {base}, database {database}, a redis-server of its own on {own_redis.url}; "
                  f"workers {gunicorn_workers(APP)}")  # fmt: skip
            costs, rows = asyncio.run(measure(Client(base, TOKEN), probe, samples))
    finally:
        own_redis.stop()
    table(rows, samples)
    print("\nchecks in the database:")
    failures = verify(database_url, costs)
    wrong = sum(sum(batch.wrong.values()) for batch, _ in rows)
    return 1 if wrong or failures else 0


async def measure(client: Client, probe: Probe, samples: int) -> tuple[Costs, list[tuple[Batch, Delta]]]:
    tag = random.randrange(1000, 9999)
    warm = Costs(client, 10, tag - 1)  # every kind once through, so no batch pays for a worker's first request
    await warm.prepare()
    for _, build in warm.batches():
        warm.remember(await warm.send(build()))
    costs = Costs(client, samples, tag)
    print(f"preparing: {2 * samples} calls queued for an agent (outside every window)", flush=True)
    await costs.prepare()
    probe.calibrate()
    print(
        f"a counter reading itself costs Redis {dict(probe.own_calls)}, {probe.own_reads} read events "
        "(taken off below); each reading waits for PostgreSQL's statistics (>= 10.5 s)",
        flush=True,
    )
    settled = probe.settle(probe.fast(), time.monotonic()).pg
    rows = []
    for _, build in costs.batches():
        batch = build()
        before = probe.fast()
        before.pg = settled
        await costs.send(batch)
        await asyncio.sleep(0.05)  # the last request's own after-response work
        after = probe.settle(probe.fast(), time.monotonic())
        settled = after.pg
        costs.remember(batch)
        rows.append((batch, probe.delta(before, after)))
        print(f"  {batch.kind}: {len(batch.webhooks)} webhooks, {sum(batch.wrong.values())} not what they claim",
              flush=True)  # fmt: skip
    return costs, rows
