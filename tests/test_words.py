"""Words instead of keys: the word lists in flows/words/, the matcher's rules, and broken word files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ivr.engine.errors import FlowDefinitionError
from ivr.engine.loader import load_flows
from ivr.engine.model import CollectNode, ConfirmNode, MenuNode
from ivr.engine.prompts import load_prompts
from ivr.engine.speech import LANGUAGES
from ivr.engine.words import hints, match
from ivr.services import build_registry
from tests.support.words import FLOWS_DIR, flow_set, vocabulary
from tests.test_engine import FIXTURE_FLOWS, make_registry

FLOW_FILES = sorted(FLOWS_DIR.glob("*.yaml"))


def heard(flow: str, node: str, text: str, language: str = "id") -> str | None:
    return match(vocabulary(), flow_set().node(flow, node), text, language)


# -- every choice of every flow has words -------------------------------------------------------


@pytest.mark.parametrize("path", FLOW_FILES, ids=[p.stem for p in FLOW_FILES])
def test_every_menu_option_has_words_in_every_language(path: Path) -> None:
    flow = flow_set().flows[path.stem]
    for node in flow.nodes.values():
        if isinstance(node, MenuNode):
            for language in LANGUAGES:
                words = vocabulary().choices.get(language, {}).get(node.qualified, {})
                assert set(words) == set(node.options), f"{node.qualified} ({language}): words for {sorted(words)}"


def test_every_one_key_choice_has_words_for_the_keys_it_accepts() -> None:
    registry = build_registry()
    one_key = [
        node
        for flow in flow_set().flows.values()
        for node in flow.nodes.values()
        if isinstance(node, CollectNode) and node.max_length == 1 and node.validator
    ]
    assert {node.qualified for node in one_key} >= {"information.ask_group", "service_request.choose_kind"}
    for node in one_key:
        validator = registry.get_validator(node.validator or "")
        assert validator is not None
        accepted = {key for key in "0123456789" if validator(key)}
        for language in LANGUAGES:
            assert set(vocabulary().choices[language][node.qualified]) == accepted, node.qualified


def test_yes_and_no_are_data_in_every_language() -> None:
    for language in LANGUAGES:
        assert vocabulary().answers[language]["yes"] and vocabulary().answers[language]["no"]
    assert ("ya",) in vocabulary().yes_no and ("tidak",) in vocabulary().yes_no


def test_every_phrase_leads_to_its_own_key_in_either_call_language() -> None:
    nodes = {node.qualified: node for flow in flow_set().flows.values() for node in flow.nodes.values()}
    checked = 0
    for language, by_node in vocabulary().choices.items():
        for qualified, by_key in by_node.items():
            for key, phrases in by_key.items():
                for phrase in phrases:
                    for call_language in LANGUAGES:
                        assert match(vocabulary(), nodes[qualified], phrase, call_language) == key, (
                            f"{language} '{phrase}' at {qualified}"
                        )
                        checked += 1
    confirm = ConfirmNode(id="confirm", flow="demo")
    for language, answers in vocabulary().answers.items():
        for answer, key in (("yes", "1"), ("no", "2")):
            for phrase in answers[answer]:
                assert match(vocabulary(), confirm, phrase, language) == key, phrase
    assert checked > 500


# -- the matcher's rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "key"),
    [
        ("cek tagihan", "id", "1"),
        ("Cek Tagihan!", "id", "1"),
        ("saya mau cek tagihan listrik bulan ini", "id", "1"),
        ("informasi tagihan", "id", "1"),  # the longest phrase wins over "informasi" (7)
        ("tolong tekan dua", "id", "2"),  # a lone key, fillers around it
        ("tiga", "id", "3"),
        ("3", "id", "3"),
        ("yang nomor 4 saja", "id", "4"),
        ("mati lampu dari tadi pagi", "id", "3"),
        ("tidak ada listrik", "id", "3"),  # "tidak" inside a phrase is no negation
        ("riwayat token", "id", "5"),
        ("bahasa inggris", "id", "9"),
        ("I want to check my bill please", "en", "1"),
        ("report my meter reading", "en", "2"),
        ("press five", "en", "5"),
        ("talk to an agent", "en", "0"),
        # both languages are heard whatever the call's language
        ("cek tagihan", "en", "1"),
        ("my bill", "id", "1"),
        ("cek bill", "id", "1"),
    ],
)
def test_main_menu_words(text: str, language: str, key: str) -> None:
    assert heard("main_menu", "menu", text, language) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "halo",
        "bukan tagihan",  # a negation left over
        "not my bill",
        "tagihan atau token",  # two choices named
        "tagihan listrik padam",  # two phrases as long as each other overlap and disagree
        "8",  # not an option
        "delapan",
        "tagihan 2",  # a phrase and another key
        "tidaktagihan",  # words are whole words
        "oh",  # not a zero on its own
        "satu juta",
        " ".join(["tagihan"] * 61),  # a story, not a choice
    ],
)
def test_main_menu_refuses_rather_than_guesses(text: str) -> None:
    assert heard("main_menu", "menu", text) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ya", "1"),
        ("ya benar", "1"),
        ("iya dong", "1"),
        ("tidak salah", "1"),  # the longest phrase wins
        ("yes please", "1"),
        ("satu", "1"),
        ("tidak", "2"),
        ("tidak benar", "2"),
        ("salah, ulangi", "2"),
        ("no that's wrong", "2"),
        ("dua", "2"),
        ("ya tidak", None),
        ("no, 1", None),
        ("mungkin", None),
        ("not sure", None),
        ("tidakk", None),
    ],
)
def test_confirm_words(text: str, key: str | None) -> None:
    assert heard("meter_reading", "confirm_stand", text) == key


def test_other_menus_hear_their_own_words() -> None:
    assert heard("complaint", "choose_category", "kabel putus di depan rumah") == "4"
    assert heard("complaint", "customer_menu", "tidak tahu") == "2"
    assert heard("complaint", "customer_menu", "ya saya tahu") == "1"
    assert heard("meter_reading", "ask_sms", "tidak usah") == "2"
    assert heard("agent", "offer_closed", "call me back on another number", "en") == "2"
    assert heard("bill", "after", "kembali ke menu utama") == "1"
    assert heard("main_menu", "anything_else_again", "sudah cukup, terima kasih") == "2"
    assert heard("meter_reading", "offer_two", "akun kedua") == "2"


def test_a_number_at_a_collect_node() -> None:
    assert heard("meter_reading", "ask_stand", "lima ribu seratus lima puluh") == "5150"
    assert heard("meter_reading", "ask_stand", "angka saya 5150") == "5150"
    assert heard("bill", "ask_id", "five three two oh", "en") == "5320"
    assert heard("agent", "ask_number", "nomor saya nol delapan satu dua", "en") == "0812"  # fillers of both
    assert heard("agent", "ask_number", "my number is oh eight one two", "id") == "0812"
    assert heard("meter_reading", "ask_stand", "tagihan") is None


def test_a_one_key_choice_hears_words_and_numbers() -> None:
    assert heard("service_request", "choose_kind", "tambah daya") == "2"
    assert heard("service_request", "ask_power", "1.300 VA") == "1"
    assert heard("service_request", "ask_power", "dua ribu dua ratus") == "2"
    assert heard("service_request", "ask_power", "tiga") == "3"
    assert heard("information", "ask_group", "rumah ibadah") == "4"


def test_hints_are_the_words_of_the_node_in_the_call_language() -> None:
    menu = flow_set().node("main_menu", "menu")
    assert "cek tagihan" in hints(vocabulary(), menu, "id")
    assert "check my bill" in hints(vocabulary(), menu, "en")
    assert "cek tagihan" not in hints(vocabulary(), menu, "en")
    confirm = flow_set().node("meter_reading", "confirm_stand")
    assert {"ya", "tidak"} <= set(hints(vocabulary(), confirm, "id"))


# -- broken word files ----------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FIXTURE_FLOWS, target)
    return target


def _load(directory: Path) -> None:
    load_flows(directory, load_prompts(directory / "prompts"), make_registry([]))


def _write(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


MENU_WORDS = Path("words/id/main_menu.yaml")


def wide(text: str) -> str:
    """The full-width form some phone keyboards type (NFKC makes it plain)."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    ("file", "data", "node", "message"),
    [
        (MENU_WORDS, {"menu": {"1": ["stand meter"], "5": ["token"]}}, "menu", "option '5' is not offered here"),
        (MENU_WORDS, {"lobby": {"1": ["stand meter"]}}, "lobby", "flow 'main_menu' has no node 'lobby'"),
        (MENU_WORDS, {"hello": {"1": ["halo"]}}, "hello", "only menu and one-key collect"),
        (MENU_WORDS, {"menu": {"1": ["Stand Meter"]}}, "menu", "write 'Stand Meter' as 'stand meter'"),
        (MENU_WORDS, {"menu": {"1": ["stand  meter"]}}, "menu", "as 'stand meter'"),
        (MENU_WORDS, {"menu": {"1": ["stand meter!"]}}, "menu", "as 'stand meter'"),
        (MENU_WORDS, {"menu": {"1": [wide("token")]}}, "menu", "as 'token'"),  # full-width: not NFKC
        (MENU_WORDS, {"menu": {"1": ["..."]}}, "menu", "has no words"),
        (MENU_WORDS, {"menu": {"1": [""]}}, "menu", "should be non-empty"),
        (MENU_WORDS, {"menu": {"1": []}}, "menu", "should be non-empty"),
        (MENU_WORDS, {"menu": {"1": [True]}}, "menu", "quote the word"),
        (MENU_WORDS, {"menu": {"1": ["meter"], "0": ["meter"]}}, "menu", "'meter' leads to both '0'"),
        (Path("words/en/main_menu.yaml"), {"menu": {"0": ["stand meter"]}}, "menu", "leads to both '1'"),
        (Path("words/id/reading.yaml"), {"confirm": {"1": ["ya"]}}, "confirm", "hears the yes/no words"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_broken_words_name_file_and_node(broken: Path, file: Path, data: object, node: str, message: str) -> None:
    _write(broken / file, data)
    with pytest.raises(FlowDefinitionError) as raised:
        _load(broken)
    text = str(raised.value)
    assert text.startswith(str(broken / file)), text
    assert f"node '{node}'" in text
    assert message in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("fillers"), "'fillers' is a required property"),
        (lambda d: d.update({"maybe": ["mungkin"]}), "'maybe' was unexpected"),
        (lambda d: d.update({"no": ["tidak", "benar"]}), "'benar' leads to both '1'"),
    ],
)
def test_broken_common_words_name_the_file(broken: Path, change, message: str) -> None:
    path = broken / "words" / "id" / "common.yaml"
    data = {{True: "yes", False: "no"}.get(k, k): v for k, v in yaml.safe_load(path.read_text()).items()}
    change(data)
    _write(path, data)
    with pytest.raises(FlowDefinitionError, match=str(path)) as raised:
        _load(broken)
    assert message in str(raised.value)


def test_words_for_a_flow_that_does_not_exist(broken: Path) -> None:
    _write(broken / "words" / "id" / "billing.yaml", {"menu": {"1": ["tagihan"]}})
    with pytest.raises(FlowDefinitionError, match=r"billing\.yaml: no flow 'billing'"):
        _load(broken)


def test_every_language_needs_its_words(broken: Path) -> None:
    shutil.rmtree(broken / "words" / "en")
    with pytest.raises(FlowDefinitionError, match=r"words/en: no words for language 'en'"):
        _load(broken)
    (broken / "words" / "en").mkdir()
    with pytest.raises(FlowDefinitionError, match=r"no common\.yaml"):
        _load(broken)


def test_bare_yes_and_no_keys_mean_the_words(broken: Path) -> None:
    path = broken / "words" / "id" / "common.yaml"
    path.write_text(path.read_text().replace('"yes":', "yes:").replace('"no":', "no:"))
    _load(broken)
