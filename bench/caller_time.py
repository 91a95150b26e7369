"""How long a caller spends to get what they phoned for: prompts answered, words heard, about how long.

Each journey is one call placed through signed Twilio webhooks on an in-process app (SQLite in
a temporary directory, in-process call state), with a customer of its own created for it, on a
fixed clock inside the customer's reading window. No key sequence is fixed: after every reply
the bench asks the call-state store where the call waits (`flow.node`) and answers from the
journey's map, then from general rules (`general_answer`), so it keeps working while prompts and
menus change; a node it has no answer for stops it with the node and what the caller just heard.

A journey ends at its result: the first utterance that speaks the result's variable (the
reading's reference, the bill's amount, the ticket number) as the prompts render it. Words are
counted in every <Say> from the greeting up to and including that utterance (spoken text as
rendered: a digit read one by one is one word); "about" is words / 2.5 words a second, the
Indonesian speech rate, used for English too. Prompts answered counts the <Gather>s answered
(a <Record> is answered with a recording, as Twilio posts it, and not counted). The caller
listens to every prompt to its end (no typing ahead); an English caller presses the main menu's
language key first, so English journeys include the Indonesian greeting and menu.

A journey is a `Journey` in JOURNEYS: its name, whether it calls from the customer's registered
number, a map from `flow.node` to keys (`@flow` for "the menu key leading to that flow"), the
nodes that give the result, and the variable that carries it. A journey that cannot reach its
result (a node without an answer, an answer refused, the call ending) stops the run with exit
status 2 and a message naming the node and what it said. Run by hand:

    .venv/bin/python bench/caller_time.py                       # Indonesian, plain table
    .venv/bin/python bench/caller_time.py --language both --markdown
    .venv/bin/python bench/caller_time.py --check               # exit 1 above the issue's targets
    .venv/bin/python bench/caller_time.py -v                    # every turn: node, keys, words heard
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bench.caller_app import DIALED, TOKEN, Account, add_account, bench_app
from db.models import Call, CallEvent
from ivr.conversations.model import Conversation
from ivr.engine.model import CollectNode, ConfirmNode, FlowSet, MenuNode, Node, SetLanguageNode
from ivr.engine.prompts import FILTERS
from ivr.engine.state import ConversationState
from ivr.extensions import runtime

WORDS_PER_SECOND = 2.5  # Indonesian speech; the same rate is used for English
BASE_URL = "http://localhost"
UNKNOWN_CALLER = "+6281398760000"  # a mobile no customer has registered
STAND = "05150"  # 150 kWh above the last reading (5000): plausible
RECORDING = {
    "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0bench",
    "RecordingDuration": "12",
}
MAX_TURNS = 40
MAX_ANSWERS_PER_NODE = 3
REFUSED = ("invalid_input", "no_input")  # events of a turn whose answer the flow did not take
TARGETS = {  # the targets, checked by --check: journey -> (max prompts, max words)
    "meter reading, recognised caller": (4, 150),
    "bill, recognised caller": (None, 100),
}

# -- journeys ---------------------------------------------------------------------------------

READING = {"main_menu.menu": "@meter_reading", "meter_reading.ask_stand": STAND}
BILL = {"main_menu.menu": "@bill"}
COMPLAINT = {
    "main_menu.menu": "@complaint",
    "complaint.choose_category": "1",  # no power at home: routine
    "complaint.customer_menu": "1",  # I know my customer number
    "complaint.callback_menu": "1",  # call me back on this number
    "complaint.offer_recording": "1",  # record a description
}


@dataclass(frozen=True)
class Journey:
    """A caller's errand: who calls, what they answer where, and what they came for.

    `answers` maps `flow.node` (or an fnmatch pattern such as `complaint.*`) to the keys pressed
    there; `@flow` presses the key of the current menu that leads to that flow. Nodes not in the
    map get `general_answer`. The result is the first <Say> that speaks `result` (a variable and
    the prompt filter it is spoken with); passing one of `result_nodes` without hearing it stops
    the bench, since the journey's definition no longer matches the flows.
    """

    name: str
    registered_caller: bool  # phones from the customer's registered number, or from an unknown one
    answers: Mapping[str, str]
    result_nodes: tuple[str, ...]
    result: tuple[str, str]


READING_DONE = ("meter_reading.accepted", "meter_reading.flagged")
TICKET_DONE = ("complaint.ticket_created", "complaint.urgent_transfer", "complaint.urgent_callback")
JOURNEYS = (
    Journey("meter reading, recognised caller", True, READING, READING_DONE, result=("reference", "digits")),
    Journey("meter reading, unknown number", False, READING, READING_DONE, result=("reference", "digits")),
    Journey("bill, recognised caller", True, BILL, ("bill.summary",), result=("bill_amount", "rupiah")),
    Journey("bill, unknown number", False, BILL, ("bill.summary",), result=("bill_amount", "rupiah")),
    Journey("complaint, customer id and recording", False, COMPLAINT, TICKET_DONE, result=("ticket_number", "digits")),
)


class JourneyError(RuntimeError):
    """A journey could not reach its result; the message names the journey, the node and what was said."""


def general_answer(node: Node, account: Account) -> str | None:
    """Answers for nodes a journey does not name, from what the node is; None when there is none."""
    name = node.id.lower()
    if "account" in name or "offer" in name or "recognis" in name or "recogniz" in name:
        return "1"  # take the account offered for the caller's number
    if isinstance(node, ConfirmNode):
        return "1"
    if isinstance(node, CollectNode) and node.validator == "customer_id":
        return account.meter_number
    return None


def language_key(flows: FlowSet, node: Node, language: str, wanted: str) -> str | None:
    """The key of a menu's language switch, while the call is not yet in the wanted language."""
    if language == wanted or not isinstance(node, MenuNode):
        return None
    for key, target in node.options.items():
        if isinstance(flows.node(*flows.resolve(node.flow, target)), SetLanguageNode):
            return key
    return None


# -- one call -------------------------------------------------------------------------------


@dataclass
class Turn:
    """One reply the caller heard, and what they gave back to it."""

    state: ConversationState  # the call's state after this reply: where it waits, its variables
    passed: list[str]  # the nodes this reply went through (flow.node), in order
    says: list[str]
    answer: str | None = None  # keys pressed, "(recording)", or None for the reply carrying the result

    @property
    def waiting_at(self) -> str:
        return f"{self.state.flow}.{self.state.node}"


@dataclass
class Outcome:
    journey: Journey
    language: str
    prompts: int = 0
    words: int = 0
    recordings_played: int = 0  # <Play> of a recorded prompt: heard, but no words to count
    turns: list[Turn] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.words / WORDS_PER_SECOND


def count_words(text: str) -> int:
    """Words of the spoken text as rendered: "satu, dua" is two, "Rp" one, "123" one."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


class PhoneCall:
    """One simulated call: signed form posts in, parsed TwiML out, as Twilio sends them."""

    def __init__(self, app: Flask, caller: str) -> None:
        self.app, self.client, self.validator = app, app.test_client(), RequestValidator(TOKEN)
        self.sid = "CA" + uuid.uuid4().hex
        self.caller = caller
        self.seen_events = 0

    def post(self, path: str, extra: Mapping[str, str] | None = None) -> ET.Element:
        params = {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": DIALED,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **(extra or {}),
        }
        url = BASE_URL + path
        signature = self.validator.compute_signature(url, params)
        response = self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        if response.status_code != 200:
            raise JourneyError(f"{path} answered HTTP {response.status_code}")
        return ET.fromstring(response.get_data(as_text=True))

    def conversation(self) -> Conversation:
        """The call as the call-state store keeps it between webhooks."""
        parts = runtime(self.app)
        found = parts.core.load(parts.voice.key(self.sid))
        if found is None:
            raise JourneyError(f"no call state for {self.sid}")
        return found

    def new_events(self) -> list[tuple[str, str]]:
        """(kind, flow.node) of the call's events recorded since the last time asked (each turn writes its own)."""
        query = (
            select(CallEvent.seq, CallEvent.kind, CallEvent.flow, CallEvent.node)
            .join(Call)
            .where(Call.call_sid == self.sid, CallEvent.seq > self.seen_events)
            .order_by(CallEvent.seq)
        )
        with runtime(self.app).database.session() as session:
            rows = session.execute(query).all()
        if rows:
            self.seen_events = rows[-1].seq
        return [(row.kind, f"{row.flow}.{row.node}") for row in rows]


class Caller:
    """Plays one journey: answers wherever the call waits, until the result is heard."""

    def __init__(self, app: Flask, journey: Journey, language: str, account: Account) -> None:
        self.flows: FlowSet = runtime(app).engine.flows
        self.journey, self.language, self.account = journey, language, account
        self.call = PhoneCall(app, account.phone if journey.registered_caller else UNKNOWN_CALLER)
        self.outcome = Outcome(journey, language)
        self.answered: dict[str, int] = {}

    def fail(self, why: str, says: list[str]) -> JourneyError:
        return JourneyError(f"{self.journey.name} ({self.language}): {why}; it said: {' | '.join(says) or '(nothing)'}")

    def play(self) -> Outcome:
        doc = self.call.post("/voice/incoming", {"CallStatus": "ringing"})
        try:
            for _ in range(MAX_TURNS):
                turn = self.hear(doc)
                if self.reached(turn):
                    break
                doc = self.answer(doc, turn)
            else:
                raise self.fail(f"no result after {MAX_TURNS} replies", [])
        finally:
            self.call.post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})
        self.outcome.words = sum(count_words(text) for turn in self.outcome.turns for text in turn.says)
        return self.outcome

    def hear(self, doc: ET.Element) -> Turn:
        """The reply's <Say>s, where the call now waits and the nodes it passed; an answer not taken fails."""
        says = [say.text or "" for say in doc.iter("Say")]
        self.outcome.recordings_played += len(doc.findall(".//Play"))
        state = self.call.conversation().state
        passed = []
        for kind, node in self.call.new_events():
            if kind in REFUSED:
                given = self.outcome.turns[-1].answer if self.outcome.turns else None
                raise self.fail(f"{node} did not take {given!r} ({kind})", says)
            if kind == "node":
                passed.append(node)
        turn = Turn(state, passed, says)
        self.outcome.turns.append(turn)
        return turn

    def reached(self, turn: Turn) -> bool:
        """Whether this reply carries the result; if so its <Say>s are cut after the one that speaks it."""
        name, filter_name = self.journey.result
        value = turn.state.vars.get(name)
        spoken = None if value is None else FILTERS[filter_name](value, turn.state.language)
        for index, text in enumerate(turn.says):
            if spoken and spoken in text:
                turn.says = turn.says[: index + 1]
                return True
        if reached := [node for node in turn.passed if node in self.journey.result_nodes]:
            raise self.fail(f"the call passed {reached[0]} but no <Say> speaks {name} as {spoken!r}", turn.says)
        return False

    def answer(self, doc: ET.Element, turn: Turn) -> ET.Element:
        """Give the reply what it waits for: a recording to a <Record>, keys to a <Gather>."""
        if (record := doc.find("Record")) is not None:
            turn.answer = "(recording)"
            return self.call.post(record.get("action", ""), RECORDING)
        gather = doc.find("Gather")
        if gather is None:
            ending = ", ".join(child.tag for child in doc)
            raise self.fail(f"the call ended ({ending}) at {turn.waiting_at} before the result", turn.says)
        turn.answer = self.keys(turn)
        self.outcome.prompts += 1
        return self.call.post(gather.get("action", ""), {"Digits": turn.answer})

    def keys(self, turn: Turn) -> str:
        """What the caller presses where the call waits: language first, then the journey's map, then the rules."""
        where, said = turn.waiting_at, turn.says
        flow, _, node_id = where.partition(".")
        node = self.flows.flows[flow].nodes.get(node_id) if flow in self.flows.flows else None
        if node is None:
            raise self.fail(f"the call waits at {where}, which no flow has", said)
        self.answered[where] = self.answered.get(where, 0) + 1
        if self.answered[where] > MAX_ANSWERS_PER_NODE:
            raise self.fail(f"answered {where} {MAX_ANSWERS_PER_NODE} times without reaching the result", said)
        answers = self.journey.answers
        pattern = next((p for p in answers if fnmatch.fnmatchcase(where, p)), None)
        keys = (
            language_key(self.flows, node, turn.state.language, self.language)
            or answers.get(where)
            or (answers[pattern] if pattern else None)
            or general_answer(node, self.account)
        )
        if keys is None:
            raise self.fail(f"no answer for {where} ({type(node).__name__})", said)
        if not keys.startswith("@"):
            return keys
        for key, target in getattr(node, "options", {}).items():
            if target == keys:
                return key
        raise self.fail(f"{where} offers no option leading to {keys}", said)


def run_journey(app: Flask, journey: Journey, language: str, account: Account) -> Outcome:
    """Place the journey's call until its result is heard; raises JourneyError when it cannot get there."""
    return Caller(app, journey, language, account).play()


def run_all(languages: list[str], journeys: tuple[Journey, ...] = JOURNEYS) -> list[Outcome]:
    """Every journey in every language, each on a customer of its own, on one app."""
    outcomes = []
    with bench_app() as (app, region_id):
        for language in languages:
            for journey in journeys:
                account = add_account(runtime(app).database, region_id, len(outcomes) + 1)
                outcomes.append(run_journey(app, journey, language, account))
    return outcomes


# -- output -----------------------------------------------------------------------------------


def table(outcomes: list[Outcome], markdown: bool) -> str:
    both = len({outcome.language for outcome in outcomes}) > 1
    rows = [
        (f"{o.journey.name}{f' ({o.language})' if both else ''}", str(o.prompts), str(o.words), f"{o.seconds:.0f} s")
        for o in outcomes
    ]
    head = ("journey", "prompts answered", "words heard", "about")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    width = max(len(row[0]) for row in [head, *rows])
    fmt = f"{{:<{width}}}  {{:>16}}  {{:>11}}  {{:>6}}"
    return "\n".join(fmt.format(*row) for row in [head, *rows])


def transcript(outcome: Outcome) -> str:
    lines = [f"== {outcome.journey.name} ({outcome.language})"]
    for turn in outcome.turns:
        words = sum(count_words(text) for text in turn.says)
        lines.append(f"  [{words:3d} words] {' | '.join(turn.says)}")
        lines.append(f"      waiting at {turn.waiting_at} -> {turn.answer if turn.answer is not None else 'RESULT'}")
    return "\n".join(lines)


def over_targets(outcomes: list[Outcome]) -> list[str]:
    """Each journey above the issue's targets (prompts, words), said in a line."""
    failures = []
    for outcome in outcomes:
        max_prompts, max_words = TARGETS.get(outcome.journey.name, (None, None))
        if max_prompts is not None and outcome.prompts > max_prompts:
            failures.append(f"{outcome.journey.name} ({outcome.language}): {outcome.prompts} prompts > {max_prompts}")
        if max_words is not None and outcome.words > max_words:
            failures.append(f"{outcome.journey.name} ({outcome.language}): {outcome.words} words > {max_words}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", choices=["id", "en", "both"], default="id")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a journey is above the issue's targets: "
        "recognised reading 4 prompts / 150 words, recognised bill 100 words",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every turn of every journey")
    args = parser.parse_args()
    languages = ["id", "en"] if args.language == "both" else [args.language]
    try:
        outcomes = run_all(languages)
    except JourneyError as exc:
        print(f"caller_time: {exc}", file=sys.stderr)
        return 2
    if args.verbose:
        print("\n\n".join(transcript(outcome) for outcome in outcomes), end="\n\n")
    print(table(outcomes, args.markdown))
    print(
        f"\nabout = words / {WORDS_PER_SECOND} words a second (Indonesian speech rate; the same for English); "
        "words from the greeting to the utterance that carries the result"
    )
    if played := sum(outcome.recordings_played for outcome in outcomes):
        print(f"NOTE: {played} recorded prompts (<Play>) were heard and are not counted in the words")
    if args.check:
        failures = over_targets(outcomes)
        for failure in failures:
            print(f"ABOVE TARGET  {failure}")
        if failures:
            return 1
        print("within the targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
