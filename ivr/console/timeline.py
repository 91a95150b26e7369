"""A call's timeline as sentences in the viewer's language, a heading per flow entered; and menu paths in words.

The raw events say `input`, `main_menu.menu`, `digits: 3`; an agent wants "Chose 3 · Outage or
complaint". Option names come from the prompts' numbered text lines (as `flask words` lists
them), flows' names from their labels, the words from ivr/console/sentences.py. Nodes the caller
only passed through are folded; every event still shows in the raw list behind a toggle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.console.formatting import duration, phone
from ivr.console.sentences import (
    CREATES,
    FOLLOWS_ENTRY,
    LABELS,
    QUIET,
    QUIET_PREFIXES,
    SENTENCES,
    SERVICES,
    WORDS,
)
from ivr.engine.model import CollectNode, ConfirmNode, FlowSet, MenuNode, Node, RecordNode, WaitingNode
from ivr.engine.prompts import PLACEHOLDER, TEXT, PromptCatalog
from ivr.engine.words_table import offers
from ivr.queries.calls import CallDetail, EventRow
from ivr.queries.outbox import OutboxRow

MAX_QUOTED = 200  # characters of a message, a reply or a transcript quoted in a sentence
SHOWN_OPTIONS = 4  # options named when a menu is reached; "…" says there are more
MASKED_TAIL = 4  # digits of a number a caller entered that stay visible
# What a collect node's value is, by the variable it fills; any other one-digit collect is a choice.
ENTRY_NAMES = {
    "account_id": "idpel",
    "stand": "stand",
    "status_reference": "reference",
    "callback_input": "phone",
    "callback_digits": "phone",
    "request_callback": "phone",
}
NOT_MASKED = frozenset({"stand"})  # a meter reading is no identifier


@dataclass
class Line:
    """One sentence: when, what, and the kind of event it tells (a CSS class, and the raw events' numbers)."""

    at: datetime
    text: str
    kind: str
    seqs: list[int] = field(default_factory=list)


@dataclass
class Section:
    """The sentences of one stretch in one flow; `title` is the flow's label (None before any flow)."""

    flow: str | None
    title: str | None
    lines: list[Line] = field(default_factory=list)


def sentence(key: str, language: str, /, **values: Any) -> str:
    """The sentence for an event kind in `language` (Indonesian if unknown); a missing value shows as "?"."""
    table = SENTENCES.get(language, SENTENCES["id"])
    template = table.get(key)
    if template is None:
        template, values = table["unknown"], {"kind": key}
    return template.format_map(_Missing(values))


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def masked(value: str) -> str:
    """A number a caller entered, down to its last digits ("…7095"); short ones stay as they are."""
    return value if len(value) <= MASKED_TAIL else "…" + value[-MASKED_TAIL:]


def option_label(node: Node, key: str, flows: FlowSet, prompts: PromptCatalog, language: str) -> str:
    """What a key stands for at a node: its prompt's numbered line, else its first word in flows/words, else ""."""
    offered = _offers(node, prompts, language)
    if offered.get(key):
        return offered[key]
    phrases = flows.words.choices.get(language, {}).get(node.qualified, {}).get(key, ())
    if phrases:
        return phrases[0]
    if isinstance(node, MenuNode) and node.options.get(key, "").startswith("@"):
        target, _, _ = node.options[key][1:].partition(".")
        if target in flows.flows:
            return flows.flows[target].title(language)
    return ""


def _offers(node: Node, prompts: PromptCatalog, language: str) -> dict[str, str]:
    try:
        return offers(node, prompts, language)
    except Exception:  # a prompt missing in this language: name no option rather than break the page
        return {}


def menu_path_words(path: Sequence[str], flows: FlowSet, prompts: PromptCatalog, language: str) -> list[str]:
    """A callback's menu path ("flow.node", ...) as people read it: flows by label, menu choices by name."""
    words: list[str] = []
    previous: Node | None = None
    for step in path:
        flow_name, _, node_id = step.partition(".")
        flow = flows.flows.get(flow_name)
        node = flow.nodes.get(node_id) if flow else None
        if flow is None or node is None:
            words.append(step)  # a node since renamed: its id is all there is
        elif previous is None or previous.flow != flow_name:
            words.append(flow.title(language))
        elif isinstance(previous, MenuNode):
            key = next((k for k, target in previous.options.items() if target in (node_id, f"@{step}")), None)
            label = option_label(previous, key, flows, prompts, language) if key else ""
            if label:
                words.append(label)
        previous = node
    return [word for i, word in enumerate(words) if i == 0 or word != words[i - 1]]


def build(
    call: CallDetail,
    events: Sequence[EventRow],
    outbox: Sequence[OutboxRow],
    flows: FlowSet,
    prompts: PromptCatalog,
    language: str,
) -> list[Section]:
    """The call's sentences, grouped by the flow they happened in, outgoing messages among them."""
    builder = _Builder(call, flows, prompts, language)
    for item in _merged(events, outbox):
        if isinstance(item, OutboxRow):
            builder.outbox(item)
        else:
            builder.event(item)
    return [section for section in builder.sections if section.lines]


def _merged(events: Sequence[EventRow], outbox: Sequence[OutboxRow]) -> Iterable[EventRow | OutboxRow]:
    waiting = list(outbox)
    for event in events:
        while waiting and waiting[0].created_at < event.at:
            yield waiting.pop(0)
        yield event
    yield from waiting


class _Builder:
    """Walks the events once, keeping what the next sentence needs (the last line, what was created so far)."""

    def __init__(self, call: CallDetail, flows: FlowSet, prompts: PromptCatalog, language: str) -> None:
        self.call, self.flows, self.prompts = call, flows, prompts
        self.language = language if language in SENTENCES else "id"
        self.words, self.labels = WORDS[self.language], LABELS[self.language]
        self.sections = [Section(None, None)]
        self.created: dict[str, int] = {}
        self.last_node: str | None = None

    # -- output -------------------------------------------------------------------------------

    def add(self, event: EventRow, text: str, kind: str | None = None) -> None:
        self.sections[-1].lines.append(Line(event.at, text, kind or event.kind, [event.seq]))

    def say(self, event: EventRow, key: str, /, **values: Any) -> None:
        self.add(event, sentence(key, self.language, **values))

    def fold(self, event: EventRow) -> None:
        """No sentence of its own: its number joins the line before (for the raw list's anchors)."""
        lines = self.sections[-1].lines
        if lines:
            lines[-1].seqs.append(event.seq)

    # -- events --------------------------------------------------------------------------------

    def event(self, event: EventRow) -> None:
        detail = event.detail if isinstance(event.detail, dict) else {}
        handler = getattr(self, f"on_{event.kind}", None)
        try:
            if handler is not None:
                handler(event, detail)
            elif event.kind in SENTENCES[self.language]:
                self.say(event, event.kind, **{k: _short(v) for k, v in detail.items()})
            else:
                self.say(event, "unknown", kind=event.kind)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):  # an odd detail: say what it was
            self.say(event, "unknown", kind=event.kind)
        if event.kind != "node":
            self.last_node = None

    def on_node(self, event: EventRow, detail: dict[str, Any]) -> None:
        node = self._node(event)
        if event.flow and event.flow != self.sections[-1].flow and event.flow in self.flows.flows:
            self.sections.append(Section(event.flow, self.flows.flows[event.flow].title(self.language)))
        here = f"{event.flow}.{event.node}"
        if node is None or not isinstance(node, WaitingNode | RecordNode) or here == self.last_node:
            self.fold(event)
            return
        self.last_node = here
        if isinstance(node, RecordNode):
            self.say(event, "node_record")
        elif named := [f"{k} · {v}" for k, v in _offers(node, self.prompts, self.language).items()]:
            options = ", ".join(named[:SHOWN_OPTIONS]) + (", …" if len(named) > SHOWN_OPTIONS else "")
            self.say(event, "node_menu", options=options)
        elif isinstance(node, MenuNode):
            self.say(event, "node_menu", options=", ".join(node.options))
        else:
            self.say(event, "node_question", question=self._question(node))

    def on_call_started(self, event: EventRow, detail: dict[str, Any]) -> None:
        region = f" ({self.call.region.name})" if self.call.region else ""
        values = {"caller": phone(str(detail.get("caller") or self.call.caller)), "region": region}
        values["dialed"] = phone(str(detail.get("dialed") or self.call.dialed))
        if detail.get("channel") and detail["channel"] != "voice":
            channel = self.labels["channel"].get(detail["channel"], str(detail["channel"]))
            self.say(event, "conversation_started", channel=channel, **values)
        else:
            self.say(event, "call_started", **values)

    def on_input(self, event: EventRow, detail: dict[str, Any]) -> None:
        node, digits = self._node(event), str(detail.get("digits") or "")
        if detail.get("mode") == "speech":
            choice = self._choice(node, digits)
            self.say(event, "input_speech", transcript=_short(detail.get("transcript") or ""),
                     confidence=_confidence(detail.get("confidence")), choice=choice)  # fmt: skip
        elif isinstance(node, ConfirmNode):
            self.say(event, "input_answer", answer=self.words["yes" if digits == "1" else "no"])
        elif isinstance(node, CollectNode) and node.into in ENTRY_NAMES:
            value = digits.removesuffix("#")
            what = self._entry_name(node, value)
            self.say(event, "input_entry", what=what, value=value if node.into in NOT_MASKED else masked(value))
        elif isinstance(node, MenuNode | CollectNode):
            self.say(event, "input_choice", choice=self._choice(node, digits))
        else:
            self.say(event, "input", value=masked(digits))

    def on_invalid_input(self, event: EventRow, detail: dict[str, Any]) -> None:
        node, digits = self._node(event), str(detail.get("digits") or "")
        count = self._count(node, detail, "invalid")
        reason = str(detail.get("reason") or "")
        if isinstance(node, CollectNode) and node.max_length > 1:
            refused = self.labels["refused"].get(reason, reason)
            self.say(event, "invalid_entry", reason=refused, value=masked(digits.removesuffix("#")), count=count)
        else:
            self.say(event, "invalid_input", value=_short(digits), count=count)

    def on_no_input(self, event: EventRow, detail: dict[str, Any]) -> None:
        self.say(event, "no_input", count=self._count(self._node(event), detail, "no_input"))

    def on_speech_missed(self, event: EventRow, detail: dict[str, Any]) -> None:
        reason = str(detail.get("reason") or "")
        self.say(event, "speech_missed", transcript=_short(detail.get("transcript") or ""),
                 confidence=_confidence(detail.get("confidence")), reason=self.labels["miss"].get(reason, reason),
                 keys_only=self.words["keys_only"] if detail.get("keys_only") else "")  # fmt: skip

    def on_service(self, event: EventRow, detail: dict[str, Any]) -> None:
        service, outcome = str(detail.get("service") or ""), str(detail.get("outcome") or "")
        if service in QUIET or service.startswith(QUIET_PREFIXES):
            self.fold(event)
            return
        table = SERVICES[self.language]
        text = table.get((service, outcome), table.get((service, "*")))
        if text == "":
            self.fold(event)
            return
        if text is None:
            self.say(event, "service", service=service, outcome=outcome)
            return
        text = text.format(ref=self._created(service))
        lines = self.sections[-1].lines
        if service in FOLLOWS_ENTRY and lines and lines[-1].kind == "input":
            lines[-1].text += ", " + text
            lines[-1].seqs.append(event.seq)
        else:
            self.add(event, text[:1].upper() + text[1:])

    def on_transfer(self, event: EventRow, detail: dict[str, Any]) -> None:
        self.say(event, "transfer", urgent=self.words["urgent"] if detail.get("priority") == "urgent" else "")

    def on_enqueued(self, event: EventRow, detail: dict[str, Any]) -> None:
        urgent = self.words["urgent"] if detail.get("urgent") else ""
        self.say(event, "enqueued", queue=str(detail.get("queue") or "?"), urgent=urgent)

    def on_answered(self, event: EventRow, detail: dict[str, Any]) -> None:
        agent = self.call.agent
        same = agent is not None and (detail.get("agent_id") in (None, agent.id))
        name = self.words["agent"].format(name=agent.full_name or agent.username) if agent and same else None
        self.say(event, "answered", agent=name or self.words["an_agent"], waited=duration(detail.get("queue_time")))

    def on_queue_result(self, event: EventRow, detail: dict[str, Any]) -> None:
        result = str(detail.get("result") or "")
        self.say(event, "queue_result", result=self.labels["queue"].get(result, result),
                 waited=duration(detail.get("queue_time")))  # fmt: skip

    def on_dial_result(self, event: EventRow, detail: dict[str, Any]) -> None:
        status = str(detail.get("status") or "")
        self.say(event, "dial_result", status=self.labels["status"].get(status, status))

    def on_language(self, event: EventRow, detail: dict[str, Any]) -> None:
        after = str(detail.get("after") or "")
        self.say(event, "language", language=self.labels["language"].get(after, after))

    def on_message(self, event: EventRow, detail: dict[str, Any]) -> None:
        body = _quoted(detail.get("body")) if detail.get("body") else self.words["no_text"]
        media = detail.get("media")
        extra = self.words["attachments"].format(count=len(media)) if isinstance(media, list) and media else ""
        extra += self.words["cut"] if detail.get("cut") else ""
        extra += self.words["rate_limited"] if detail.get("rate_limited") else ""
        self.say(event, "message", body=body + extra)

    def on_reply(self, event: EventRow, detail: dict[str, Any]) -> None:
        body = f'"{detail["body"]}"' if detail.get("body") else self.words["no_text"]  # bounded when stored
        self.say(event, "reply", body=body + (self.words["cut"] if detail.get("cut") else ""))

    def on_media_refused(self, event: EventRow, detail: dict[str, Any]) -> None:
        types = detail.get("types")
        self.say(event, "media_refused", types=", ".join(map(str, types)) if isinstance(types, list) else "?")

    def on_call_ended(self, event: EventRow, detail: dict[str, Any]) -> None:
        status = str(detail.get("status") or "")
        label = self.labels["status"].get(status, status)
        if self.call.channel != "voice":
            self.say(event, "conversation_ended", status=label)
        else:
            self.say(event, "call_ended", status=label, duration=duration(self.call.duration_seconds))

    def outbox(self, message: OutboxRow) -> None:
        values = {
            "channel": self.labels["channel"].get(message.channel, message.channel),
            "to": phone(message.to_number),
            "status": self.labels["outbox"].get(message.status, message.status),
            "body": _quoted(message.body),
        }
        text = sentence("outbox", self.language, **values)
        self.sections[-1].lines.append(Line(message.created_at, text, "outbox"))

    # -- helpers ---------------------------------------------------------------------------------

    def _node(self, event: EventRow) -> Node | None:
        flow = self.flows.flows.get(event.flow or "")
        return flow.nodes.get(event.node or "") if flow else None

    def _choice(self, node: Node | None, digits: str) -> str:
        if node is None:
            return digits
        if isinstance(node, ConfirmNode):
            return self.words["yes" if digits == "1" else "no"] if digits in ("1", "2") else digits
        label = option_label(node, digits, self.flows, self.prompts, self.language)
        return f"{digits} · {label}" if label else digits

    def _entry_name(self, node: CollectNode, value: str) -> str:
        name = ENTRY_NAMES[node.into]
        if name == "idpel" and len(value) == 11:  # the account may be given by its meter number
            name = "meter"
        return self.words[name]

    def _question(self, node: Node) -> str:
        for key in node.prompt:
            try:
                written = self.prompts.written(key, self.language, TEXT)
            except Exception:
                continue
            first = next((line.strip() for line in written.splitlines() if line.strip()), "")
            if first:
                return _short(PLACEHOLDER.sub("…", first))
        return node.id.replace("_", " ")

    def _count(self, node: Node | None, detail: dict[str, Any], which: str) -> str:
        attempt = detail.get("attempt")
        if not isinstance(attempt, int):
            return ""
        if isinstance(node, WaitingNode):
            limit = node.retry.max_no_input if which == "no_input" else node.retry.max_invalid
            return self.words["count"].format(attempt=attempt, limit=limit)
        return self.words["attempt"].format(attempt=attempt)

    def _created(self, service: str) -> str:
        """What the nth run of a creating service made: the call's nth complaint, request or reading."""
        kind = CREATES.get(service)
        if kind is None:
            return ""
        n = self.created[kind] = self.created.get(kind, 0) + 1
        made = getattr(self.call, kind, ())
        if len(made) < n:
            return ""
        item = made[n - 1]
        return str(getattr(item, "ticket_number", None) or getattr(item, "reference", ""))


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def _quoted(value: Any) -> str:
    return f'"{_short(value or "")}"'


def _confidence(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f" ({value:.2f})"
