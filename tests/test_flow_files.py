"""Every flow in flows/ loads and is checked; broken flows stop start-up naming file and node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ivr.config import PROJECT_ROOT
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.loader import load_flows
from ivr.engine.model import MenuNode
from ivr.engine.prompts import PLACEHOLDER, load_prompts
from ivr.engine.speech import LANGUAGES
from ivr.services import build_registry
from tests.test_engine import FIXTURE_FLOWS, make_registry

FLOWS_DIR = PROJECT_ROOT / "flows"
FLOW_FILES = sorted(FLOWS_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def flow_set():
    prompts = load_prompts(FLOWS_DIR / "prompts")
    return load_flows(FLOWS_DIR, prompts, build_registry()), prompts


@pytest.mark.parametrize("path", FLOW_FILES, ids=[p.stem for p in FLOW_FILES])
def test_every_flow_is_labelled_in_every_language(flow_set, path: Path) -> None:
    flow = flow_set[0].flows[path.stem]
    for language in LANGUAGES:
        assert flow.label.get(language, "").strip(), f"{path.name} has no {language} label"


def test_flows_are_listed_by_label_in_menu_order(flow_set) -> None:
    titles = flow_set[0].titles("en")
    assert set(titles) == {path.stem for path in FLOW_FILES}
    menu = [name for name, title in titles.items() if title[0].isdigit()]
    assert menu[:3] == ["agent", "bill", "meter_reading"]
    assert titles["bill"] == "1 · Bill" and flow_set[0].titles("id")["bill"] == "1 · Tagihan"


def test_a_label_in_an_unknown_language_stops_start_up(tmp_path: Path) -> None:
    target = tmp_path / "flows"
    shutil.copytree(FIXTURE_FLOWS, target)
    path = next(p for p in sorted(target.glob("*.yaml")))
    raw = yaml.safe_load(path.read_text())
    raw["label"] = {"fr": "Facture"}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(FlowDefinitionError, match=path.name):
        load_flows(target, load_prompts(target / "prompts"), make_registry([]))


@pytest.mark.parametrize("path", FLOW_FILES, ids=[p.stem for p in FLOW_FILES])
def test_flow_file_is_valid_and_every_prompt_renders_in_both_languages(flow_set, path: Path) -> None:
    flows, prompts = flow_set
    flow = flows.flows[path.stem]
    for node in flow.nodes.values():
        for key in node.prompt:
            for language in ("id", "en"):
                # Fill every placeholder with a plausible value for its filter, so filters run too.
                variables = {name: SAMPLES.get(flt, "1") for name, flt in _placeholders(prompts, key, language)}
                variables.setdefault("utility_name", "PLN")
                assert prompts.render(key, language, variables).text.strip()


SAMPLES = {"date": "2026-11-23", "month": "2026-11-01", "time": "08:30", "groups": "12345678901234567890"}


def _placeholders(prompts, key: str, language: str) -> set[tuple[str, str]]:
    entry = prompts._entries[language][key]
    return set(PLACEHOLDER.findall(entry.say))


def test_main_menu_offers_the_design_numbering(flow_set) -> None:
    flows, _ = flow_set
    menu = flows.node("main_menu", "menu")
    assert isinstance(menu, MenuNode)
    assert sorted(menu.options) == ["0", "1", "2", "3", "4", "5", "6", "7", "9"]


# -- broken flows -------------------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A writable copy of the fixture flow set to break one thing in."""
    target = tmp_path / "flows"
    shutil.copytree(FIXTURE_FLOWS, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def _load(directory: Path) -> None:
    load_flows(directory, load_prompts(directory / "prompts"), make_registry([]))


@pytest.mark.parametrize(
    ("file", "change", "node", "message"),
    [
        (
            "main_menu.yaml",
            lambda d: d["nodes"]["menu"]["options"].update({"2": "nowhere"}),
            "menu",
            "option '2' points to unknown node 'nowhere'",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"]["menu"]["options"].update({"3": "@nosuchflow"}),
            "menu",
            "points to unknown '@nosuchflow'",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"].update({"orphan": {"kind": "hangup"}}),
            "orphan",
            "unreachable from start node 'hello'",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"].update({"hello": {"kind": "play_music", "next": "menu"}}),
            "hello",
            "unknown node kind 'play_music'",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"]["hello"].update({"prompt": ["demo.not_written"]}),
            "hello",
            "prompt 'demo.not_written' is missing",
        ),
        ("main_menu.yaml", lambda d: d["nodes"]["menu"].pop("options"), "menu", "'options' is a required property"),
        ("main_menu.yaml", lambda d: d.pop("defaults"), "menu", "on_fail is not set"),
        (
            "reading.yaml",
            lambda d: d["nodes"]["lookup"].update({"service": "demo.missing"}),
            "lookup",
            "unknown service 'demo.missing'",
        ),
        ("reading.yaml", lambda d: d["nodes"]["lookup"]["results"].pop("unknown"), "lookup", "missing ['unknown']"),
        (
            "reading.yaml",
            lambda d: d["nodes"]["ask_meter"].update({"validator": "luhn"}),
            "ask_meter",
            "unknown validator 'luhn'",
        ),
        (
            "reading.yaml",
            lambda d: d["nodes"]["ask_stand"].update({"min_length": 9}),
            "ask_stand",
            "min_length is above max_length",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"]["hello"].update({"result": True, "prompt": []}),
            "hello",
            "a result node must say something",
        ),
        (
            "main_menu.yaml",
            lambda d: d["nodes"]["menu"].update({"result": True}),
            "menu",
            "Additional properties are not allowed ('result' was unexpected)",
        ),
    ],
)
def test_broken_flow_names_file_and_node(broken: Path, file: str, change, node: str, message: str) -> None:
    _edit(broken / file, change)
    with pytest.raises(FlowDefinitionError) as raised:
        _load(broken)

    text = str(raised.value)
    assert text.startswith(str(broken / file))
    assert f"node '{node}'" in text
    assert message in text


def test_bare_yes_and_no_keys_mean_the_words(broken: Path) -> None:
    path = broken / "reading.yaml"
    path.write_text(path.read_text().replace('"yes": saved', "yes: saved").replace('"no": ask_stand', "no: ask_stand"))
    _load(broken)


def test_prompt_missing_in_one_language_is_named(broken: Path) -> None:
    _edit(broken / "prompts" / "en" / "demo.yaml", lambda d: d["demo"].pop("saved"))
    with pytest.raises(FlowDefinitionError, match=r"prompts/en: prompt 'demo.saved' is missing in language 'en'"):
        _load(broken)


def test_a_prompt_defined_in_two_files_is_refused(broken: Path) -> None:
    (broken / "prompts" / "id" / "extra.yaml").write_text("demo:\n  saved: Sudah.\n")
    with pytest.raises(FlowDefinitionError, match=r"extra\.yaml: prompt 'demo.saved' is also defined in .*demo\.yaml"):
        _load(broken)


def test_prompt_variables_must_agree_across_languages(broken: Path) -> None:
    _edit(broken / "prompts" / "en" / "demo.yaml", lambda d: d["demo"].update({"unknown": "Meter {meter_id} unknown."}))
    with pytest.raises(FlowDefinitionError, match="uses variables"):
        _load(broken)


def test_unknown_filter_is_refused(broken: Path) -> None:
    _edit(broken / "prompts" / "id" / "demo.yaml", lambda d: d["demo"].update({"unknown": "Meter {meter|morse}."}))
    with pytest.raises(FlowDefinitionError, match="unknown filter 'morse'"):
        _load(broken)


def test_invalid_yaml_names_the_file(broken: Path) -> None:
    (broken / "main_menu.yaml").write_text("flow: main_menu\nnodes: [unclosed\n")
    with pytest.raises(FlowDefinitionError, match=r"main_menu\.yaml: not valid YAML"):
        _load(broken)


def test_app_refuses_to_start_with_a_broken_flow(tmp_path: Path) -> None:
    from ivr import create_app

    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    _edit(flows / "main_menu.yaml", lambda d: d["nodes"]["menu"]["options"].update({"2": "nowhere"}))
    with pytest.raises(FlowDefinitionError, match=r"main_menu\.yaml: node 'menu': option '2' points to unknown"):
        create_app(
            {
                "env": "test",
                "twilio_auth_token": "t",
                "flows_dir": flows,
                "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            }
        )


def test_an_edited_flow_or_words_file_is_read_again(tmp_path: Path) -> None:
    """Files are parsed once per version (path, mtime, size): an edit is a new version, read afresh."""
    directory = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, directory)
    prompts = load_prompts(directory / "prompts")
    before = load_flows(directory, prompts, build_registry())
    again = load_flows(directory, prompts, build_registry())
    assert again.flows["bill"] is before.flows["bill"]  # the same version: not parsed twice

    bill = yaml.safe_load((directory / "bill.yaml").read_text(encoding="utf-8"))
    bill["label"] = {"id": "1 · Tagihan listrik Anda", "en": "1 · Your electricity bill"}
    (directory / "bill.yaml").write_text(yaml.safe_dump(bill, allow_unicode=True), encoding="utf-8")
    words = directory / "words" / "id" / "main_menu.yaml"
    words.write_text(words.read_text(encoding="utf-8").replace("[tagihan,", "[tagihanku, tagihan,"), encoding="utf-8")
    edited = load_flows(directory, prompts, build_registry())

    assert edited.flows["bill"].title("id") == "1 · Tagihan listrik Anda"
    assert "tagihanku" in edited.words.choices["id"]["main_menu.menu"]["1"]
    (directory / "bill.yaml").write_text("flow: [not, a, mapping", encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match="not valid YAML"):
        load_flows(directory, prompts, build_registry())
