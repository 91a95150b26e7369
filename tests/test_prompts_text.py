"""Every prompt reads well as a text message: no keypad wording, numbers written, menus as numbered lists."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from ivr.config import PROJECT_ROOT
from ivr.engine import text_format
from ivr.engine.loader import load_flows
from ivr.engine.model import CollectNode, ConfirmNode, MenuNode, Node, RecordNode
from ivr.engine.prompts import TEXT, PromptCatalog, load_prompts
from ivr.engine.runtime import MAX_TYPED_MESSAGE
from ivr.services import build_registry, requests

FLOWS_DIR = PROJECT_ROOT / "flows"
LANGUAGES = ("id", "en")

# Wording that only makes sense on a phone keypad or to a listener.
VOICE_WORDING = re.compile(
    r"\b(tekan|menekan|pagar|bintang|dengarkan|mendengarkan|setelah nada|"
    r"press|hash|star|pound|listen|hear|after the tone|digit by digit)\b|#",
    re.IGNORECASE,
)
# Numbers and units spelled in words ("dua belas angka", "one two three", "kilowatt jam"): a screen
# shows "12", "123", "kWh". "satu" and "one" are left out: ordinary words too ("salah satu", "one of").
SPELLED_OUT = re.compile(
    r"\b(nol|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|belas|puluh|ratus|ribu|"
    r"zero|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|thousand|kilowatt)\b",
    re.IGNORECASE,
)
NUMBERED_LINE = re.compile(r"^\s*(\d{1,2}|[*#])[.)]\s", re.MULTILINE)


@pytest.fixture(scope="module")
def catalog() -> PromptCatalog:
    return load_prompts(FLOWS_DIR / "prompts")


@pytest.fixture(scope="module")
def flows(catalog: PromptCatalog):
    return load_flows(FLOWS_DIR, catalog, build_registry())


def _sample(index: int, name: str, filter_name: str | None) -> Any:
    """A plausible value for a placeholder, distinct per name so a repeated read-back shows."""
    samples: dict[str | None, Any] = {
        "digits": str(532012345600 + index),
        "groups": f"1234567890123456{index:04d}",
        "number": 1200 + index,
        "rupiah": Decimal(1234567 + index),
        "kwh": Decimal("250.5") + index,
        "date": date(2026, 11, 1 + index % 28),
        "month": date(2026, 1 + index % 12, 1),
        "time": time(8, index % 60),
    }
    return samples.get(filter_name, name.upper())


@pytest.fixture(scope="module")
def variables(catalog: PromptCatalog) -> dict[str, Any]:
    """One sample per placeholder name used anywhere in the catalogue."""
    found = {p for entries in catalog._entries.values() for entry in entries.values() for p in entry.placeholders()}
    ordered = sorted(found, key=lambda p: (p[0], p[1] or ""))
    return {name: _sample(index, name, flt) for index, (name, flt) in enumerate(ordered)}


def _keys(catalog: PromptCatalog) -> list[str]:
    return sorted(catalog._entries["id"])


def _text(catalog: PromptCatalog, variables: dict[str, Any], keys: tuple[str, ...] | list[str], language: str) -> str:
    """What one turn sends: the prompts' text, one per line."""
    return "\n".join(catalog.render(key, language, variables, medium=TEXT).text for key in keys)


def _nodes(flows, kind: type[Node]) -> list[Any]:
    return [node for flow in flows.flows.values() for node in flow.nodes.values() if isinstance(node, kind)]


def _numbered(text: str) -> list[str]:
    return NUMBERED_LINE.findall(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_prompt_keeps_voice_wording_in_text(catalog: PromptCatalog, variables, language: str) -> None:
    voice_only = {}
    for key in _keys(catalog):
        text = _text(catalog, variables, [key], language)
        found = VOICE_WORDING.findall(text) + SPELLED_OUT.findall(text)
        if found:
            voice_only[key] = found
    assert voice_only == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_prompt_fills_its_placeholders_and_writes_a_number_once(
    catalog: PromptCatalog, variables, language: str
) -> None:
    for key in _keys(catalog):
        text = _text(catalog, variables, [key], language)
        assert text.strip(), key
        assert "{" not in text and "}" not in text, key
        compact = re.sub(r"\s", "", text)
        for name, filter_name in catalog._entries[language][key].placeholders():
            if filter_name in ("digits", "groups"):  # read back twice is for the ear
                assert compact.count(str(variables[name])) == 1, f"{key} writes {name} twice"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_lists_exactly_its_options_one_per_line(
    flows, catalog: PromptCatalog, variables, language: str
) -> None:
    menus = _nodes(flows, MenuNode)
    assert len(menus) >= 15
    for menu in menus:
        listed = _numbered(_text(catalog, variables, menu.prompt, language))
        assert sorted(listed) == sorted(menu.options), menu.qualified


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_key_choices_list_what_their_validator_accepts(
    flows, catalog: PromptCatalog, variables, language: str
) -> None:
    registry = build_registry()
    choices = [node for node in _nodes(flows, CollectNode) if node.max_length == 1 and not node.finish_on_key]
    assert len(choices) >= 3
    for node in choices:
        listed = _numbered(_text(catalog, variables, node.prompt, language))
        accepted = [key for key in "0123456789" if registry.get_validator(node.validator)(key)]
        assert sorted(listed) == accepted, node.qualified


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_power_list_writes_the_services_steps_in_order(catalog: PromptCatalog, variables, language: str) -> None:
    text = _text(catalog, variables, ["service_request.ask_power"], language)
    listed = re.findall(r"^(\d)\. (.+) VA$", text, re.MULTILINE)
    steps = [(str(key), text_format.number(va, language)) for key, va in enumerate(requests.POWER_STEPS_VA, start=1)]
    assert listed == steps


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirmations_ask_for_a_typed_yes_or_no(flows, catalog: PromptCatalog, variables, language: str) -> None:
    yes, no = {"id": ("YA", "TIDAK"), "en": ("YES", "NO")}[language]
    confirms = _nodes(flows, ConfirmNode)
    assert len(confirms) >= 8
    for node in confirms:
        text = _text(catalog, variables, node.prompt, language)
        assert re.search(rf"\b{yes}\b", text) and re.search(rf"\b{no}\b", text), node.qualified


@pytest.mark.parametrize("language", LANGUAGES)
def test_number_entry_asks_to_type(flows, catalog: PromptCatalog, variables, language: str) -> None:
    verb = {"id": r"\b(ketik|tulis|kirim)", "en": r"\b(type|send|write)"}[language]
    collects = [node for node in _nodes(flows, CollectNode) if node.finish_on_key]
    assert len(collects) >= 8
    for node in collects:
        assert re.search(verb, _text(catalog, variables, node.prompt, language), re.IGNORECASE), node.qualified


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_recording_becomes_one_typed_message_of_bounded_length(
    flows, catalog: PromptCatalog, variables, language: str
) -> None:
    for node in _nodes(flows, RecordNode):
        assert str(MAX_TYPED_MESSAGE) in _text(catalog, variables, node.prompt, language), node.qualified


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_menu_text_offers_the_agent_and_the_way_back(catalog: PromptCatalog, variables, language: str) -> None:
    text = _text(catalog, variables, ["main_menu.agent_and_repeat"], language)
    assert re.search(r"^0\. ", text, re.MULTILINE)
    assert "MENU" in text
    other = {"id": "English", "en": "Bahasa Indonesia"}[language]
    assert _text(catalog, variables, ["main_menu.language_option"], language) == f"9. {other}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_voice_keeps_its_keypad_wording(catalog: PromptCatalog, variables, language: str) -> None:
    menu = [catalog.render(key, language, variables).text for key in ("main_menu.options", "bill.ask_id")]
    assert all(VOICE_WORDING.search(text) for text in menu)
