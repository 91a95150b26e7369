"""Every event kind the engine and the adapters write has a sentence, in Indonesian and in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from ivr.app import create_app
from ivr.config import PROJECT_ROOT
from ivr.console import sentences
from ivr.console.timeline import build, masked, sentence
from ivr.engine.model import FlowSet
from ivr.engine.prompts import PromptCatalog
from ivr.extensions import runtime
from ivr.queries.calls import EventRow

# Where kinds are written: turn.record("x"), Event("x", ...), _fail(node, turn, "x"), _notice(call, "y.x"), REPLY_EVENT.
WRITERS = (
    re.compile(r'\brecord\("(\w+)"'),
    re.compile(r'\bEvent\("(\w+)"'),
    re.compile(r'\b_fail\(node, turn, "(\w+)"'),
    re.compile(r'\b_notice\(\s*call, "[\w.]*?\.(\w+)"'),
    re.compile(r'^REPLY_EVENT = "(\w+)"', re.MULTILINE),
)
LANGUAGES = ("id", "en")
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def written_kinds() -> set[str]:
    source = "\n".join(path.read_text() for path in (PROJECT_ROOT / "ivr").rglob("*.py"))
    return {kind for pattern in WRITERS for kind in pattern.findall(source)}


KINDS = sorted(written_kinds())


def test_the_kinds_are_found() -> None:
    expected = {"node", "input", "invalid_input", "no_input", "speech_missed", "call_started", "call_ended",
                "enqueued", "answered", "queue_result", "message", "reply", "media_refused", "error"}  # fmt: skip
    assert expected <= set(KINDS)
    assert len(KINDS) >= 30


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    database = tmp_path_factory.mktemp("timeline") / "timeline.sqlite3"
    return create_app({"env": "test", "twilio_auth_token": "t", "database_url": f"sqlite:///{database}"})


@pytest.fixture(scope="module")
def loaded(app: Flask) -> tuple[FlowSet, PromptCatalog]:
    engine = runtime(app).engine
    return engine.flows, engine.prompts


def a_call(channel: str = "voice") -> Any:
    return SimpleNamespace(caller="+62215551234", dialed="+62218850123", region=None, agent=None, channel=channel,
                           duration_seconds=192, complaints=(), requests=(), readings=())  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_written_has_a_sentence(loaded: tuple[FlowSet, PromptCatalog], kind: str, language: str) -> None:
    flows, prompts = loaded
    event = EventRow(seq=1, at=AT, kind=kind, flow="main_menu", node="menu", detail={})
    [section] = build(a_call(), [event], [], flows, prompts, language)
    [line] = section.lines
    unknown = sentence("unknown", language, kind=kind)
    assert line.text and line.text != unknown


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_kind_or_odd_detail_gets_a_neutral_sentence(
    loaded: tuple[FlowSet, PromptCatalog], language: str
) -> None:
    flows, prompts = loaded
    events = [
        EventRow(1, AT, "from_the_future", None, None, {"x": 1}),
        EventRow(2, AT, "input", "nowhere", "gone", {"digits": ["not", "a", "string"]}),
        EventRow(3, AT, "enqueued", None, None, "not a dict"),  # type: ignore[arg-type]
    ]
    [section] = build(a_call(), events, [], flows, prompts, language)
    assert (
        section.lines[0].text
        == {
            "id": "Kejadian from_the_future",
            "en": "Event from_the_future",
        }[language]
    )
    assert len(section.lines) == 3


def test_both_languages_have_the_same_words() -> None:
    for table in (sentences.SENTENCES, sentences.WORDS, sentences.LABELS, sentences.SERVICES):
        assert table["id"].keys() == table["en"].keys()
    for group in sentences.LABELS["id"]:
        assert sentences.LABELS["id"][group].keys() == sentences.LABELS["en"][group].keys()


def test_numbers_keep_their_last_four_digits() -> None:
    assert masked("532110007095") == "…7095"
    assert masked("1234") == "1234"
