"""Prompt catalogue: one YAML file per language, templates with typed placeholders.

A template says `{name}` or `{name|filter}`; filters turn values into words a voice reads
naturally (digit by digit, Rupiah, dates). Placeholders are matched by a strict pattern, never
`str.format`, so a caller's input can never reach attribute lookups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ivr.engine import speech, text_format, yaml_text
from ivr.engine.errors import FlowDefinitionError, PromptError
from ivr.engine.model import Utterance

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\|([a-z_]+))?\}")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    return value if isinstance(value, time) else time.fromisoformat(str(value))


Filter = Callable[[Any, str], str]
VOICE, TEXT = "voice", "text"
MEDIA = (VOICE, TEXT)

FILTERS: dict[str, Filter] = {
    "digits": lambda v, lang: speech.digits(str(v), lang),
    "groups": lambda v, lang: speech.digit_groups(str(v), lang),
    "number": lambda v, lang: speech.number_words(int(v), lang),
    "rupiah": lambda v, lang: speech.rupiah(Decimal(str(v)), lang),
    "kwh": lambda v, lang: speech.kwh(Decimal(str(v)), lang),
    "date": lambda v, lang: speech.date_words(_as_date(v), lang),
    "month": lambda v, lang: speech.month_words(_as_date(v), lang),
    "time": lambda v, lang: speech.time_words(_as_time(v), lang),
}
TEXT_FILTERS: dict[str, Filter] = {
    "digits": lambda v, lang: text_format.digits(str(v), lang),
    "groups": lambda v, lang: text_format.digit_groups(str(v), lang),
    "number": lambda v, lang: text_format.number(int(v), lang),
    "rupiah": lambda v, lang: text_format.rupiah(Decimal(str(v)), lang),
    "kwh": lambda v, lang: text_format.kwh(Decimal(str(v)), lang),
    "date": lambda v, lang: text_format.date_text(_as_date(v), lang),
    "month": lambda v, lang: text_format.month_text(_as_date(v), lang),
    "time": lambda v, lang: text_format.time_text(_as_time(v), lang),
}


@dataclass(frozen=True)
class PromptEntry:
    """What a prompt says aloud (`say`), and (`text`) what it writes where that wording does not fit."""

    say: str
    audio: str | None = None
    text: str | None = None
    lang: str | None = None

    def placeholders(self) -> set[tuple[str, str | None]]:
        found = set(PLACEHOLDER.findall(self.say))
        if self.text:
            found |= set(PLACEHOLDER.findall(self.text))
        return {(name, flt or None) for name, flt in found}


class PromptCatalog:
    """All prompts in all languages, validated so every key exists in every language."""

    def __init__(self, entries: Mapping[str, Mapping[str, PromptEntry]]) -> None:
        self._entries = entries

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def has(self, key: str) -> bool:
        return all(key in by_key for by_key in self._entries.values())

    def written(self, key: str, language: str, medium: str = VOICE) -> str:
        """A prompt as its file writes it, placeholders unfilled: for tables that describe a flow, not for callers."""
        try:
            entry = self._entries[language][key]
        except KeyError as exc:
            raise PromptError(f"no prompt '{key}' in language '{language}'") from exc
        return (entry.text or entry.say) if medium == TEXT else entry.say

    def render(self, key: str, language: str, variables: Mapping[str, Any], medium: str = VOICE) -> Utterance:
        """Fill a prompt's placeholders for one language and medium; a recorded file wins when fixed.

        In text the `text` variant is used when there is one, and numbers are written, not spelled.
        """
        try:
            entry = self._entries[language][key]
        except KeyError as exc:
            raise PromptError(f"no prompt '{key}' in language '{language}'") from exc
        filters = TEXT_FILTERS if medium == TEXT else FILTERS

        def fill(match: re.Match[str]) -> str:
            name, filter_name = match.group(1), match.group(2)
            if name not in variables or variables[name] is None:
                raise PromptError(f"prompt '{key}' needs variable '{name}'")
            value = variables[name]
            return filters[filter_name](value, language) if filter_name else str(value)

        if medium == TEXT:
            return Utterance(key=key, text=PLACEHOLDER.sub(fill, entry.text or entry.say), language=language)
        text = PLACEHOLDER.sub(fill, entry.say)
        audio = entry.audio if entry.audio and not entry.placeholders() else None
        return Utterance(key=key, text=text, language=entry.lang or language, audio_url=audio)


def _flatten(data: Mapping[str, Any], file: str, prefix: str = "") -> dict[str, PromptEntry]:
    out: dict[str, PromptEntry] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, str):
            out[key] = PromptEntry(say=value)
        elif isinstance(value, Mapping) and "say" in value:
            unknown = set(value) - {"say", "audio", "text", "lang"}
            if unknown:
                raise FlowDefinitionError(f"prompt '{key}' has unknown fields {sorted(unknown)}", file=file)
            out[key] = PromptEntry(
                say=str(value["say"]), audio=value.get("audio"), text=value.get("text"), lang=value.get("lang")
            )
        elif isinstance(value, Mapping):
            out.update(_flatten(value, file, f"{key}."))
        else:
            raise FlowDefinitionError(f"prompt '{key}' must be text or a mapping", file=file)
    return out


def _check_template(entry: PromptEntry, key: str, file: str) -> None:
    for template in filter(None, (entry.say, entry.text)):
        leftover = PLACEHOLDER.sub("", template)
        if "{" in leftover or "}" in leftover:
            raise FlowDefinitionError(f"prompt '{key}' has a malformed placeholder", file=file)
    for name, filter_name in entry.placeholders():
        if filter_name and filter_name not in FILTERS:
            raise FlowDefinitionError(f"prompt '{key}' uses unknown filter '{filter_name}' on '{name}'", file=file)


def _load_language(directory: Path, language: str) -> dict[str, tuple[PromptEntry, str]]:
    """Merge every `<directory>/<language>/*.yaml`; a key defined twice is an error."""
    folder = directory / language
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise FlowDefinitionError(f"no prompt files for language '{language}'", file=str(folder))
    merged: dict[str, tuple[PromptEntry, str]] = {}
    for path in files:
        raw = yaml_text.parse(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, Mapping):
            raise FlowDefinitionError("a prompt file must be a mapping of keys", file=str(path))
        for key, entry in _flatten(raw, str(path)).items():
            if key in merged:
                raise FlowDefinitionError(f"prompt '{key}' is also defined in {merged[key][1]}", file=str(path))
            _check_template(entry, key, str(path))
            merged[key] = (entry, str(path))
    return merged


def load_prompts(directory: Path, languages: tuple[str, ...] = speech.LANGUAGES) -> PromptCatalog:
    """Load `<lang>/*.yaml` for each language and check the languages agree key by key."""
    loaded = {language: _load_language(directory, language) for language in languages}
    reference_language = languages[0]
    reference = loaded[reference_language]
    for language, entries in loaded.items():
        for key in reference.keys() - entries.keys():
            raise FlowDefinitionError(
                f"prompt '{key}' is missing in language '{language}'", file=str(directory / language)
            )
        for key in entries.keys() - reference.keys():
            raise FlowDefinitionError(
                f"prompt '{key}' is missing in language '{reference_language}'",
                file=str(directory / reference_language),
            )
        for key, (entry, path) in entries.items():
            if entry.lang is not None and entry.lang not in languages:
                raise FlowDefinitionError(f"prompt '{key}' names unknown language '{entry.lang}'", file=path)
            names = {name for name, _ in entry.placeholders()}
            expected = {name for name, _ in reference[key][0].placeholders()}
            if names != expected:
                raise FlowDefinitionError(
                    f"prompt '{key}' uses variables {sorted(names)} but '{reference_language}' uses {sorted(expected)}",
                    file=path,
                )
    return PromptCatalog({language: {k: e for k, (e, _) in entries.items()} for language, entries in loaded.items()})
