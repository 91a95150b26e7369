"""Fault drill: calls keep going while Redis restarts, PostgreSQL connections die and a web worker is killed.

Runs the service as bench/load.py does (gunicorn with the Procfile's settings on loopback, a
scratch PostgreSQL database seeded with demo data) but on a redis-server of its own, so that
restarting it harms nothing else. Callers listen to what they are told and answer like people
(a meter reading, a complaint, a callback request, a hang-up mid-flow); when a webhook fails they
act as Twilio does and request the Voice Fallback URL with ErrorCode and ErrorUrl. Afterwards every
reading, ticket and callback a caller was told was saved is looked up in the database. It exits
non-zero if one is missing or if any webhook ended without valid TwiML. Run by hand, not in CI:

    .venv/bin/python bench/drill.py
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from faults import ScratchRedis, busy_worker, gunicorn_workers, terminate_backends
from load import Caller, Tally  # also puts the project root on sys.path
from rig import HOST, ROOT, demo_database, demo_postpaid, gunicorn, percentile, server_options, service_env
from sqlalchemy import make_url, select

from db.models import Call, CallbackRequest, CallEvent, Complaint, Reading
from db.seed import DEMO_DIALED_NUMBERS
from db.session import Database

PHASES = ("steady", "redis restart", "pg kill", "worker kill")
DIGIT_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
APOLOGY = "sistem kami sedang mengalami gangguan"
MAIN_MENU = "Tagihan, tekan 1"
# What a caller presses when they hear a prompt (flows/prompts/id/*.yaml), most specific first.
ANSWERS = [
    ("Untuk menggantinya dengan angka baru, tekan 1", "1"),
    ("Jika Anda yakin angka ini benar, tekan 1", "1"),
    ("untuk akun berakhiran", "1"),  # the read-back of the stand, naming the account
    ("Masukkan angka stand meter", "{stand}#"),
    ("nomor meter sebelas angka, atau ID pelanggan", "{idpel}#"),
    ("konfirmasi melalui SMS", "2"),
    ("Listrik di rumah Anda padam, tekan 1", "5"),  # the complaint's category: other
    ("Jika Anda mengetahui ID pelanggan atau nomor meter", "2"),
    ("Jika benar, tekan 1. Untuk nomor lain", "1"),  # the callback number read back
    ("merekam keterangan singkat", "2"),
    ("di nomor yang Anda gunakan sekarang, tekan 1", "1"),
]
GOALS = {"reading": "2", "complaint": "3", "callback": "0", "hang_up": "2"}
TOLD = {
    "reading": re.compile(r"[Aa]ngka stand ([a-z, ]+?) (?:telah )?kami (?:terima|catat).*?referensi Anda ([a-z, ]+)\."),
    "ticket": re.compile(r"Nomor tiket Anda(?: adalah)? ([a-z, ]+)\."),
    "callback": re.compile(r"Petugas kami akan menghubungi Anda kembali secepatnya"),
}


def spoken_digits(words: str) -> str:
    """'dua, nol, satu' -> '201': how a caller writes down a number read to them."""
    return "".join(str(DIGIT_WORDS.index(word)) if word in DIGIT_WORDS else "?" for word in re.findall(r"\w+", words))


@dataclass
class Phase:
    webhooks: int = 0
    primary_failed: int = 0
    fallback_used: int = 0
    no_twiml: int = 0
    latencies: list[float] = field(default_factory=list)


@dataclass
class Ledger:
    """Per-phase webhook figures and what callers heard, merged under one lock."""

    phase: str = PHASES[0]
    phases: dict[str, Phase] = field(default_factory=lambda: {name: Phase() for name in PHASES})
    told: dict[str, list[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(list))
    calls: list[str] = field(default_factory=list)
    restarted: set[str] = field(default_factory=set)
    apologised: set[str] = field(default_factory=set)
    claim_waits: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def webhook(self, phase: str, seconds: float, fallback: bool, ok: bool) -> None:
        with self.lock:
            figures = self.phases[phase]
            figures.webhooks += 1
            figures.latencies.append(seconds)
            figures.primary_failed += fallback
            figures.fallback_used += fallback and ok
            figures.no_twiml += not ok


class DrillCaller(Caller):
    """A caller who listens: answers the prompt they hear, and writes down what they are told was saved."""

    def __init__(self, base: str, ledger: Ledger, customers: list[str], think: float, deadline: float) -> None:
        super().__init__(base, Tally(), customers, think, deadline)
        self.ledger = ledger

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            self._place(random.choice(["reading", "reading", "complaint", "callback", "hang_up"]))

    def _place(self, goal: str) -> None:
        """One call: listen, answer, follow redirects and the agent line, then the status callback."""
        sid = "CA" + uuid.uuid4().hex
        params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+62215551234",
                  "To": DEMO_DIALED_NUMBERS["BEKASI"], "CallStatus": "ringing"}  # fmt: skip
        facts = {"idpel": random.choice(self.postpaid), "stand": str(random.randint(1000, 99999))}
        with self.ledger.lock:
            self.ledger.calls.append(sid)
        doc, tries, waiting_since = self._webhook("/voice/incoming", params), 0, None
        params["CallStatus"], turns, redirects, done = "in-progress", 0, 0, False
        while doc is not None and turns < 16 and redirects < 60:
            text_heard = " ".join((say.text or "") for say in doc.iter("Say"))
            done = self._note(sid, text_heard, first=turns + redirects == 0) or done
            if [child.tag for child in doc] == ["Pause", "Redirect"]:  # the step is claimed: wait, ask again
                waiting_since, redirects = waiting_since or time.monotonic(), redirects + 1
                time.sleep(float(doc[0].get("length", "1")))
                doc = self._webhook(doc[1].text or "", params)
                continue
            turns += 1
            if waiting_since is not None:
                with self.ledger.lock:
                    self.ledger.claim_waits.append(time.monotonic() - waiting_since)
                waiting_since = None
            gather, dial = doc.find("Gather"), doc.find("Dial")
            if gather is not None:
                key = self._answer(text_heard, goal, facts, tries, done)
                if key is None:
                    break
                tries += MAIN_MENU in text_heard
                self._pause()
                doc = self._webhook(gather.get("action", ""), {**params, "Digits": key})
            elif dial is not None and dial.get("action"):  # the agent line after an apology: nobody answers
                time.sleep(0.2)
                doc = self._webhook(dial.get("action", ""), {**params, "DialCallStatus": "no-answer"})
            else:
                break  # <Hangup>, <Enqueue> (holding for an agent) or nothing more to do
        self._pause()
        self._request("/voice/status", {**params, "CallStatus": "completed", "CallDuration": "30"})  # no fallback

    def _answer(self, heard: str, goal: str, facts: dict[str, str], tries: int, done: bool) -> str | None:
        """The key this caller presses, or None to hang up."""
        if MAIN_MENU in heard:  # the main menu: pursue the goal, at most twice
            return GOALS[goal] if tries < 2 and not done else None
        if goal == "hang_up":
            return None
        return next((key.format(**facts) for prompt, key in ANSWERS if prompt in heard), None)

    def _note(self, sid: str, heard: str, first: bool) -> bool:
        """Write down a restart, an apology and anything told saved; True when something was."""
        told = False
        with self.ledger.lock:
            if not first and "Selamat datang" in heard:
                self.ledger.restarted.add(sid)
            if APOLOGY in heard:
                self.ledger.apologised.add(sid)
            for kind, pattern in TOLD.items():
                for match in pattern.finditer(heard):
                    self.ledger.told[kind].append((sid, *(spoken_digits(group) for group in match.groups())))
                    told = True
        return told

    def _webhook(self, path: str, params: dict[str, str]) -> ET.Element | None:
        """As Twilio: the webhook, and on failure the Voice Fallback URL with ErrorCode and ErrorUrl."""
        phase, started = self.ledger.phase, time.perf_counter()
        doc, code = self._request(path, params)
        if doc is None:
            doc, _ = self._request("/voice/fallback", {**params, "ErrorCode": code, "ErrorUrl": self.base + path})
        self.ledger.webhook(phase, time.perf_counter() - started, fallback=code != "", ok=doc is not None)
        return doc

    def _request(self, path: str, params: dict[str, str]) -> tuple[ET.Element | None, str]:
        """Valid TwiML, or None and the error code Twilio would report."""
        try:
            response = self._send(path, params)
        except requests.RequestException:
            return None, "11205"  # HTTP connection failure (timeouts included)
        if not 200 <= response.status_code < 300:
            return None, "11200"
        try:
            doc = ET.fromstring(response.text)
        except ET.ParseError:
            return None, "12100"
        return (doc, "") if doc.tag == "Response" else (None, "12100")


def drill(args: argparse.Namespace, ledger: Ledger, own_redis: ScratchRedis, admin_url: str, scratch: str) -> None:
    """The faults, in turn, with a quiet period after each; every action printed with its time."""
    began = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - began:6.1f} s] {message}", flush=True)

    say(f"phase steady: {args.callers} callers, think {args.think} s")
    time.sleep(args.quiet)
    ledger.phase = "redis restart"
    own_redis.stop()
    say(f"redis: stopped (port {own_redis.port}); call state and step claims are gone")
    time.sleep(args.redis_down)
    own_redis.start()
    say(f"redis: started again on port {own_redis.port}, empty")
    time.sleep(args.quiet)
    ledger.phase = "pg kill"
    say(f"postgres: pg_terminate_backend on {terminate_backends(admin_url, scratch)} connections to {scratch}")
    time.sleep(args.quiet)
    ledger.phase = "worker kill"
    for _ in range(args.kills):  # several kills aimed at busy workers: requests in flight die with them
        before = gunicorn_workers()
        victim, busy = busy_worker(before, 3.0)
        os.kill(victim, signal.SIGKILL)
        say(f"gunicorn: SIGKILL worker {victim} of {before} ({'mid-request' if busy else 'maybe idle'})")
        while victim in gunicorn_workers() or len(gunicorn_workers()) < len(before):
            time.sleep(0.05)
        say(f"gunicorn: the master respawned it; workers {gunicorn_workers()}")
        time.sleep(2 * args.think)
    time.sleep(args.after_kill)
    say("callers stop placing new calls; finishing the ones in progress")


def check(database_url: str, ledger: Ledger) -> list[str]:
    """Look up everything a caller was told was saved, and every call's row; return what failed."""
    failures: list[str] = []

    def verify(label: str, told: list[tuple[str, ...]], found: Callable[[tuple[str, ...]], bool]) -> None:
        missing = [item for item in told if not found(item)]
        print(f"  {'ok     ' if not missing else 'MISSING'} {label}: {len(told) - len(missing)} of {len(told)} found"
              + "".join(f"\n          missing: {item}" for item in missing))  # fmt: skip
        failures.extend(f"{label}: {item}" for item in missing)

    database = Database(database_url)
    with database.session() as session:
        print("\nchecks (told saved -> in the database):")
        readings = {r.reference: (r.call_sid, str(r.stand)) for r in session.scalars(select(Reading))}
        verify("readings (reference, stand, call)", ledger.told["reading"], lambda t: readings.get(t[2]) == t[:2])
        tickets = dict(session.execute(select(Complaint.ticket_number, Complaint.call_sid)).tuples().all())
        verify("complaint tickets (number, call)", ledger.told["ticket"], lambda t: tickets.get(t[1]) == t[0])
        callbacks = set(session.scalars(select(CallbackRequest.call_sid)))
        verify("callback requests (call)", sorted(set(ledger.told["callback"])), lambda t: t[0] in callbacks)
        rows = dict(session.execute(select(Call.call_sid, Call.final_status)).tuples().all())
        placed = [(sid,) for sid in ledger.calls]
        verify("calls placed with a calls row", placed, lambda t: t[0] in rows)
        starts = session.execute(
            select(Call.call_sid, CallEvent.detail)
            .join(CallEvent, CallEvent.call_id == Call.id)
            .where(CallEvent.kind == "call_started")
        ).tuples()
        lost = {sid for sid, detail in starts if (detail or {}).get("note") == "state_missing"}
    database.dispose()
    unended = sum(1 for sid in ledger.calls if rows.get(sid) is None)
    print(f"\ncalls without a final status (their status callback died with a worker; the sweeper closes them): "
          f"{unended}")  # fmt: skip
    print(f"continued after lost call state (event note state_missing): {len(lost)} calls "
          f"(callers who heard the greeting again: {len(ledger.restarted)})")  # fmt: skip
    print(f"ended politely (apology, then the agent line): {len(ledger.apologised)} calls")
    waits = ledger.claim_waits
    print(f"waited on a claimed step (Pause + Redirect): {len(waits)} times, longest {max(waits, default=0):.1f} s")
    return failures


def summary(ledger: Ledger) -> int:
    """Per-phase figures; returns how many webhooks ended without valid TwiML."""
    print(f"\n{'phase':14} {'webhooks':>8} {'primary failed':>14} {'fallback used':>13} {'no TwiML':>8} {'p99 ms':>8}")
    for name, figures in ledger.phases.items():
        print(f"{name:14} {figures.webhooks:8} {figures.primary_failed:14} {figures.fallback_used:13} "
              f"{figures.no_twiml:8} {percentile(figures.latencies, 0.99) * 1000:8.1f}")  # fmt: skip
    return sum(figures.no_twiml for figures in ledger.phases.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=25, help="concurrent callers (each places calls in turn)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a caller takes per prompt")
    parser.add_argument("--quiet", type=float, default=15, help="seconds of quiet before and after each fault")
    parser.add_argument("--redis-down", type=float, default=1.5, help="seconds Redis stays stopped")
    parser.add_argument("--kills", type=int, default=3, help="workers killed, one after another")
    parser.add_argument("--after-kill", type=float, default=32, help="seconds after the last kill (claims: 30 s)")
    server_options(parser, port=8785, redis=False)  # the drill runs a redis-server of its own
    args = parser.parse_args()

    own_redis = ScratchRedis()
    ledger = Ledger()
    with demo_database(args.pg_admin_url) as database_url:
        scratch = make_url(database_url).database or ""
        customers = demo_postpaid(database_url)
        own_redis.start()
        # MAX_WAIT_SECONDS=1: asking for an agent is answered with a callback offer, which callers take
        env = service_env(database_url, own_redis.url, MAX_WAIT_SECONDS="1")
        print(f"gunicorn --workers {args.workers} --threads {args.threads} --timeout 15 on {HOST}:{args.port}; "
              f"redis-server on {HOST}:{own_redis.port}; database {scratch}; log var/load-{args.port}.log")  # fmt: skip
        try:
            with gunicorn("ivr:create_app()", args.port, env, args.workers, args.threads) as base:
                deadline = time.monotonic() + 3 * args.quiet + args.redis_down + args.after_kill + 3 * args.kills
                callers = [DrillCaller(base, ledger, customers, args.think, deadline) for _ in range(args.callers)]
                for caller in callers:
                    caller.start()
                drill(args, ledger, own_redis, args.pg_admin_url, scratch)
                for caller in callers:
                    caller.join(timeout=120)
        finally:
            own_redis.stop()
        no_twiml = summary(ledger)
        server_log = (ROOT / "var" / f"load-{args.port}.log").read_text(errors="replace")
        print(f"fallback requests the server saw: {server_log.count('fallback for call')}, of which it took over a "
              f"step claimed by a killed request: {server_log.count('taking over from a failed request')}")  # fmt: skip
        failures = check(database_url, ledger)
    told = {kind: len(items) for kind, items in ledger.told.items()}
    print(f"\ntold saved: {told}; checks failed: {len(failures)}; webhooks without valid TwiML: {no_twiml}")
    print("PASS" if not failures and not no_twiml else "FAIL")
    return 1 if failures or no_twiml else 0


if __name__ == "__main__":
    raise SystemExit(main())
