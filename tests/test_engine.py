"""The engine on its own: every node kind, retries, services, read-back. No Flask, no Twilio."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from ivr.engine.errors import ServiceError
from ivr.engine.loader import load_flows
from ivr.engine.model import CollectNode, Hangup, Keys, NoInput, Transfer, Wait
from ivr.engine.prompts import load_prompts
from ivr.engine.runtime import RESULT_VAR, Engine
from ivr.engine.services import ServiceRegistry, ServiceResult

FIXTURE_FLOWS = Path(__file__).parent / "fixtures" / "flows"
APP_FLOWS = Path(__file__).parents[1] / "flows"
KNOWN_METER = "14123456789"


def make_registry(calls: list[dict]) -> ServiceRegistry:
    registry = ServiceRegistry()

    @registry.service("demo.lookup", outcomes={"found", "unknown"})
    def lookup(context, args):
        calls.append({"context": context, **args})
        if args["meter"] == "99999999999":
            raise ConnectionError("database went away")
        if args["meter"] == KNOWN_METER:
            return ServiceResult("found", {"name": "Siti", "amount": 125000})
        return ServiceResult("unknown")

    @registry.validator("not_all_zero")
    def not_all_zero(value: str) -> bool:
        return set(value) != {"0"}

    return registry


@pytest.fixture
def service_calls() -> list[dict]:
    return []


@pytest.fixture
def engine(service_calls) -> Engine:
    registry = make_registry(service_calls)
    prompts = load_prompts(FIXTURE_FLOWS / "prompts")
    return Engine(load_flows(FIXTURE_FLOWS, prompts, registry), prompts, registry)


def texts(turn) -> list[str]:
    return [u.text for u in turn.utterances]


def test_start_speaks_until_the_first_waiting_node(engine: Engine) -> None:
    state = engine.new_state("id")
    turn = engine.start(state)

    assert texts(turn) == ["Halo.", "Tekan 1 untuk stand meter."]
    assert replace(turn.ending, hints=()) == Wait(kind="menu", max_length=1, finish_on_key=None, speech=True)
    assert [(e.kind, e.node) for e in turn.events] == [("node", "hello"), ("node", "menu")]


def test_collect_confirm_and_service_walk_with_digit_by_digit_read_back(engine: Engine, service_calls) -> None:
    state = engine.new_state("id")
    engine.start(state)
    ask = engine.handle(state, Keys("1"))
    assert texts(ask) == ["Masukkan nomor meter diakhiri pagar."]
    assert replace(ask.ending, hints=()) == Wait(kind="collect", max_length=12, finish_on_key="#", speech=True)

    stand = engine.handle(state, Keys(KNOWN_METER + "#"), context="ctx")
    assert texts(stand) == ["Masukkan angka stand."]
    assert service_calls == [{"context": "ctx", "meter": KNOWN_METER}]
    assert state.vars["name"] == "Siti"

    confirm = engine.handle(state, Keys("0452"))
    assert texts(confirm) == [
        "Stand nol, empat, lima, dua untuk Siti, tagihan seratus dua puluh lima ribu rupiah. "
        "Tekan 1 jika benar, 2 untuk mengulang."
    ]
    again = engine.handle(state, Keys("2"))
    assert texts(again) == ["Masukkan angka stand."]
    engine.handle(state, Keys("453"))
    done = engine.handle(state, Keys("1"))
    assert texts(done) == ["Tersimpan."]
    assert done.ending == Hangup()
    assert state.ended is True
    assert state.vars["stand"] == "453"


@pytest.mark.parametrize(
    ("digits", "reason"),
    [
        ("1234", "too_short"),
        ("1234567890123", "too_long"),
        ("1412345678a", "not_digits"),
        ("00000000000", "rejected"),
        ("١٢٣٤٥٦٧٨٩٠١", "not_digits"),
    ],
)
def test_collect_rejects_bad_ids_with_a_reason(engine: Engine, digits: str, reason: str) -> None:
    state = engine.new_state("id")
    engine.start(state)
    engine.handle(state, Keys("1"))
    turn = engine.handle(state, Keys(digits))

    assert texts(turn) == ["Nomor meter tidak valid.", "Masukkan nomor meter diakhiri pagar."]
    assert [(e.kind, e.detail.get("reason")) for e in turn.events] == [("invalid_input", reason)]
    assert "meter" not in state.vars


def test_unknown_result_branches_and_reads_the_id_back(engine: Engine) -> None:
    state = engine.new_state("en")
    engine.start(state)
    engine.handle(state, Keys("1"))
    turn = engine.handle(state, Keys("14000000001"))

    assert texts(turn)[0] == "Meter one, four, zero, zero, zero, zero, zero, zero, zero, zero, one is not registered."
    assert [e.kind for e in turn.events][-2:] == ["node", "node"]
    assert state.node == "ask_meter"


def test_failing_service_raises_with_context(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    engine.handle(state, Keys("1"))
    with pytest.raises(ServiceError) as raised:
        engine.handle(state, Keys("99999999999"))

    assert (raised.value.flow, raised.value.node) == ("reading", "lookup")
    assert "ConnectionError" in str(raised.value)


def test_per_node_retry_limit_then_on_fail(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    first = engine.handle(state, NoInput())
    second = engine.handle(state, NoInput())

    assert texts(first) == ["Tidak ada masukan.", "Tekan 1 untuk stand meter."]
    assert texts(second) == ["Sampai jumpa."]  # menu allows 2 silences, then on_fail
    assert second.ending == Hangup()


def test_retry_counters_reset_when_the_node_changes(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    engine.handle(state, NoInput())
    engine.handle(state, Keys("1"))
    assert (state.node, state.no_input_count) == ("ask_meter", 0)


def test_cross_flow_on_fail_and_invalid_limit(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    engine.handle(state, Keys("1"))
    engine.handle(state, Keys("1"))
    engine.handle(state, Keys("2"))
    turn = engine.handle(state, Keys("3"))

    assert texts(turn) == ["Sampai jumpa."]
    assert (state.flow, state.node) == ("main_menu", "goodbye")


def test_language_node_and_transfer(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    english = engine.handle(state, Keys("9"))
    assert texts(english) == ["Press 1 for meter reading."]
    assert [e.detail for e in english.events if e.kind == "language"] == [{"before": "id", "after": "en"}]
    agent = engine.handle(state, Keys("0"))
    assert agent.ending == Transfer(target="agent")


def test_a_state_pointing_at_a_removed_node_restarts_at_the_menu(engine: Engine) -> None:
    state = engine.new_state("id")
    state.flow, state.node = "reading", "gone_after_deploy"
    turn = engine.handle(state, Keys("1"))

    assert turn.events[0].kind == "state_reset"
    assert texts(turn) == ["Halo.", "Tekan 1 untuk stand meter."]


def test_collect_node_carries_its_declared_limits(engine: Engine) -> None:
    node = engine.flows.node("reading", "ask_meter")
    assert isinstance(node, CollectNode)
    assert (node.min_length, node.max_length, node.validator) == (11, 12, "not_all_zero")
    assert node.retry.max_no_input == 3  # default when the flow does not say


def test_a_bounded_loop_ends_after_max_visits_and_resets_on_a_new_entry(engine: Engine) -> None:
    state = engine.new_state("id")
    engine.start(state)
    engine.handle(state, Keys("1"))
    first = engine.handle(state, Keys("14000000001"))
    second = engine.handle(state, Keys("14000000002"))
    third = engine.handle(state, Keys("14000000003"))

    assert texts(first)[0].startswith("Nomor meter satu, empat")
    assert texts(second)[0].startswith("Nomor meter satu, empat")
    assert texts(third) == ["Sampai jumpa."]
    assert [e.kind for e in third.events if e.kind == "visits_exceeded"] == ["visits_exceeded"]
    # Coming back into the flow later starts the count again.
    again = engine.new_state("id")
    again.visits = {"reading.unknown": 2}
    again.move_to("main_menu", "menu")
    again.move_to("reading", "ask_meter")
    assert again.visits == {}


# -- results: the answer, remembered to hear again ------------------------------------------------


def _result_engine(tmp_path: Path, *, goodbye: bool = True) -> Engine:
    """A small flow set: a menu, result nodes (two of them in one turn by "4"), hear it again, a goodbye."""
    (tmp_path / "prompts" / "id").mkdir(parents=True)
    (tmp_path / "prompts" / "en").mkdir(parents=True)
    prompts = (
        "demo:\n  done: Tercatat.\n  ticket: Tiket {ticket|digits}.\n  more: Ada lagi?\n"
        "  again: '{last_result}'\n  bye: Sampai jumpa.\n"
        "common:\n  no_input: Tidak ada masukan.\n  invalid_choice: Pilihan salah.\n"
    )
    for language in ("id", "en"):
        (tmp_path / "prompts" / language / "demo.yaml").write_text(prompts, encoding="utf-8")
    options = {"1": "again", "2": "done", "3": "goodbye", "4": "twice"}
    nodes = {
        "more": {"kind": "menu", "prompt": ["demo.more"], "options": options},
        "done": {"kind": "say", "prompt": ["demo.done"], "next": "ticket"},
        "ticket": {"kind": "say", "result": True, "prompt": ["demo.ticket"], "next": "more"},
        "twice": {"kind": "say", "result": True, "prompt": ["demo.ticket"], "next": "ticket"},
        "again": {"kind": "say", "result": True, "prompt": ["demo.again"], "next": "more"},
        "goodbye": {"kind": "hangup", "prompt": ["demo.bye"]},
    }
    if not goodbye:
        nodes["goodbye"] = {"kind": "transfer", "to": "agent"}
    flow = {"flow": "main_menu", "start": "more", "defaults": {"on_fail": "goodbye"}, "nodes": nodes}
    (tmp_path / "main_menu.yaml").write_text(yaml.safe_dump(flow), encoding="utf-8")
    for language in ("id", "en"):  # the words every flow set needs: yes and no (this menu has none of its own)
        (tmp_path / "words" / language).mkdir(parents=True)
        shutil.copy(APP_FLOWS / "words" / language / "common.yaml", tmp_path / "words" / language / "common.yaml")
    registry = ServiceRegistry()
    catalog = load_prompts(tmp_path / "prompts")
    return Engine(load_flows(tmp_path, catalog, registry), catalog, registry)


def test_a_result_is_marked_and_remembered_as_said(tmp_path: Path) -> None:
    engine = _result_engine(tmp_path)
    state = engine.new_state("id", {"ticket": "301"})
    assert RESULT_VAR not in state.vars and [u.result for u in engine.start(state).utterances] == [False]
    turn = engine.handle(state, Keys("2"))

    assert [(u.text, u.result) for u in turn.utterances] == [
        ("Tercatat.", False),
        ("Tiket tiga, nol, satu.", True),
        ("Ada lagi?", False),
    ]
    assert state.vars[RESULT_VAR] == "Tiket tiga, nol, satu."
    again = engine.handle(state, Keys("1"))
    assert [(u.text, u.result) for u in again.utterances] == [("Tiket tiga, nol, satu.", True), ("Ada lagi?", False)]
    assert state.vars[RESULT_VAR] == "Tiket tiga, nol, satu."


def test_a_later_turns_result_replaces_the_last_and_results_of_one_turn_are_one_answer(tmp_path: Path) -> None:
    engine = _result_engine(tmp_path)
    state = engine.new_state("id", {"ticket": "301"}, medium="text")
    engine.start(state)
    engine.handle(state, Keys("2"))
    assert state.vars[RESULT_VAR] == "Tiket 301."
    state.vars["ticket"] = "302"
    engine.handle(state, Keys("4"))  # two results in one turn: one answer, a line each in text
    assert state.vars[RESULT_VAR] == "Tiket 302.\nTiket 302."

    state.vars["ticket"] = "303"
    engine.handle(state, Keys("2"))
    assert state.vars[RESULT_VAR] == "Tiket 303."


def test_restart_forgets_the_last_result_and_end_says_goodbye(tmp_path: Path) -> None:
    engine = _result_engine(tmp_path)
    state = engine.new_state("id", {"ticket": "301"}, medium="text")
    engine.start(state)
    engine.handle(state, Keys("2"))
    restarted = engine.restart(state)
    assert RESULT_VAR not in state.vars
    assert [u.text for u in restarted.utterances] == ["Ada lagi?"]
    ended = engine.end(state)

    assert [u.text for u in ended.utterances] == ["Sampai jumpa."]
    assert isinstance(ended.ending, Hangup)
    assert state.ended is True
    assert [e.kind for e in ended.events] == ["end", "node", "hangup"]


def test_end_without_a_goodbye_node_just_hangs_up(tmp_path: Path) -> None:
    engine = _result_engine(tmp_path, goodbye=False)
    state = engine.new_state("id", {"ticket": "301"}, medium="text")
    engine.start(state)
    ended = engine.end(state)

    assert ended.utterances == [] and isinstance(ended.ending, Hangup)
    assert state.ended is True
