"""Turn engine output into TwiML: the twilio library's documents, byte for byte, written directly.

The twilio library builds an ElementTree per reply and serialises it: about 0.3 ms for a menu with
three prompts, the largest share of a menu webhook's own CPU. Here each verb is written with the
same escaping ElementTree uses and the same attribute order the library uses (sorted), and a
prompt's `<Say>` is kept once written (prompts repeat across calls). tests/test_twiml.py holds
every renderer to the library's output. Characters XML 1.0 cannot carry are dropped, where the
library would write a document Twilio cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ivr.engine.model import Hangup, Turn, Utterance, Wait

LANGUAGE_TAGS = {"id": "id-ID", "en": "en-US"}
# How long silence after speech ends it: "auto" (the recogniser decides) for a word or two; a
# number is said in groups with pauses between them, so it gets seconds of its own.
SPEECH_TIMEOUT: dict[str, Attribute] = {"menu": "auto", "confirm": "auto", "collect": 3}
MAX_HINTS = 100  # Twilio takes up to 500 phrases; a node with more is listening for too much
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
Attribute = str | int | bool | None


@dataclass(frozen=True)
class VoiceSettings:
    """Which text-to-speech voice speaks each language, and how long a gather waits."""

    voices: Mapping[str, str]
    gather_timeout: int


# -- writing XML as ElementTree does -------------------------------------------------------------


def _text(value: str) -> str:
    value = _NOT_XML.sub("", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def _attribute(value: str) -> str:
    value = _text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#09;")
    return value


def _element(name: str, attributes: Mapping[str, Attribute], inner: str = "") -> str:
    """One element; attributes sorted by name and None left out, as the twilio library writes them."""
    written = "".join(
        f' {key}="{_attribute(str(value).lower() if isinstance(value, bool) else str(value))}"'
        for key, value in sorted(attributes.items())
        if value is not None
    )
    return f"<{name}{written}>{inner}</{name}>" if inner else f"<{name}{written} />"


def _document(*verbs: str) -> str:
    return DECLARATION + _element("Response", {}, "".join(verbs))


@lru_cache(maxsize=4096)
def _say(text: str, voice: str | None, language: str) -> str:
    return _element("Say", {"language": language, "voice": voice}, _text(text))


def _play(url: str) -> str:
    return _element("Play", {}, _text(url))


def _speak(utterances: Iterable[Utterance], voice: VoiceSettings) -> str:
    return "".join(
        _play(u.audio_url)
        if u.audio_url
        else _say(u.text, voice.voices.get(u.language), LANGUAGE_TAGS.get(u.language, u.language))
        for u in utterances
    )


def _redirect(url: str) -> str:
    return _element("Redirect", {"method": "POST"}, _text(url))


# -- the replies ----------------------------------------------------------------------------------


def _told(utterances: list[Utterance]) -> int:
    """How many utterances come before the question: up to the last result, which no key may cut off."""
    return max((index + 1 for index, u in enumerate(utterances) if u.result), default=0)


def render_turn(turn: Turn, *, step_url: str, no_input_url: str, voice: VoiceSettings, language: str = "id") -> str:
    """TwiML for a turn that waits or hangs up: prompts inside <Gather> so callers can type (or speak) ahead.

    A result (and what leads up to it) is spoken before the <Gather>: a key press cannot cut it off.
    Where the answer may be spoken, the <Gather> listens in the call's `language` for the node's words.
    """
    ending = turn.ending
    if isinstance(ending, Wait) and ending.kind == "record":
        record: dict[str, Attribute] = {
            "action": step_url,
            "finishOnKey": "#",
            "maxLength": ending.max_seconds,
            "method": "POST",
            "playBeep": True,
            "timeout": 5,
            "trim": "trim-silence",
        }
        return _document(_speak(turn.utterances, voice), _element("Record", record), _redirect(no_input_url))
    if isinstance(ending, Wait):
        gather: dict[str, Attribute] = {
            "action": step_url,
            "actionOnEmptyResult": False,
            "finishOnKey": ending.finish_on_key or "",
            "input": "dtmf",
            "method": "POST",
            "numDigits": ending.max_length,
            "timeout": voice.gather_timeout,
        }
        if ending.speech:
            gather |= _speech(ending.kind, ending.hints, language)
        told = _told(turn.utterances)
        answer, question = _speak(turn.utterances[:told], voice), _speak(turn.utterances[told:], voice)
        return _document(answer, _element("Gather", gather, question), _redirect(no_input_url))
    assert isinstance(ending, Hangup), f"{type(ending).__name__} is rendered elsewhere"
    return _document(_speak(turn.utterances, voice), _element("Hangup", {}))


@lru_cache(maxsize=1024)
def _speech(kind: str, hints: tuple[str, ...], language: str) -> dict[str, Attribute]:
    """The <Gather> attributes that let a caller speak (no speechModel: Twilio picks one per language)."""
    return {
        "input": "dtmf speech",
        "language": LANGUAGE_TAGS.get(language, language),
        "hints": ", ".join(hints[:MAX_HINTS]) or None,
        "speechTimeout": SPEECH_TIMEOUT.get(kind, "auto"),
    }


def render_enqueue(utterances: list[Utterance], *, queue: str, action: str, wait_url: str, voice: VoiceSettings) -> str:
    """Speak, then put the caller in `queue`; Twilio calls `action` when they leave it."""
    enqueue = {"action": action, "method": "POST", "waitUrl": wait_url, "waitUrlMethod": "POST"}
    return _document(_speak(utterances, voice), _element("Enqueue", enqueue, _text(queue)))


def render_wait(
    utterances: list[Utterance], *, hold_music_url: str | None, voice: VoiceSettings, offer_action: str | None = None
) -> str:
    """One turn of the hold loop: a message (inside a one-key <Gather> when offering), then hold audio."""
    spoken = _speak(utterances, voice)
    if offer_action:
        gather: dict[str, Attribute] = {
            "action": offer_action,
            "input": "dtmf",
            "method": "POST",
            "numDigits": 1,
            "timeout": 1,
        }
        spoken = _element("Gather", gather, spoken)
    hold = _play(hold_music_url) if hold_music_url else _element("Pause", {"length": 20})
    return _document(spoken, hold)


def render_leave(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Take the caller out of the queue; Twilio then requests the <Enqueue> action (QueueResult=leave)."""
    return _document(_speak(utterances, voice), _element("Leave", {}))


def render_say(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Speak only (e.g. on the caller's side just before an agent is bridged)."""
    return _document(_speak(utterances, voice))


def render_agent_dial(
    utterances: list[Utterance],
    *,
    queue: str,
    bridge_url: str,
    done_url: str,
    voice: VoiceSettings,
    timeout: int = 600,
) -> str:
    """Tell the agent who is next, then take the first caller from `queue` (waiting `timeout` s at most)."""
    take = _element("Queue", {"method": "POST", "url": bridge_url}, _text(queue))
    dial = _element("Dial", {"action": done_url, "method": "POST", "timeout": timeout}, take)
    return _document(_speak(utterances, voice), dial)


def render_hold(utterances: list[Utterance], seconds: int, url: str, voice: VoiceSettings) -> str:
    """Speak, stay silent `seconds`, then ask `url` again (an agent's line while nobody waits)."""
    return _document(_speak(utterances, voice), _element("Pause", {"length": seconds}), _redirect(url))


def render_redirect(utterances: list[Utterance], url: str, voice: VoiceSettings) -> str:
    return _document(_speak(utterances, voice), _redirect(url))


def render_apology(
    apology: list[Utterance], *, agent_number: str | None, dial_url: str, goodbye: list[Utterance], voice: VoiceSettings
) -> str:
    """What a caller hears when something broke: an apology, then an agent if we have one."""
    if agent_number:
        then = _element("Dial", {"action": dial_url, "method": "POST", "timeout": 30}, _text(agent_number))
    else:
        then = _speak(goodbye, voice) + _element("Hangup", {})
    return _document(_speak(apology, voice), then)


def render_ending(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Speak and hang up (used after a dial ends and for calls already over)."""
    return _document(_speak(utterances, voice), _element("Hangup", {}))


def render_retry_later(url: str) -> str:
    """A concurrent duplicate waits a second and asks again; by then the reply is stored."""
    return _document(_element("Pause", {"length": 1}), _redirect(url))


def empty_response() -> str:
    return _document()
