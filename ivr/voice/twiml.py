"""Turn engine output into TwiML with the twilio library (never string concatenation)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.engine.model import Hangup, Transfer, Turn, Utterance, Wait

LANGUAGE_TAGS = {"id": "id-ID", "en": "en-US"}


@dataclass(frozen=True)
class VoiceSettings:
    """Which text-to-speech voice speaks each language, and how long a gather waits."""

    voices: Mapping[str, str]
    gather_timeout: int


def _speak(target: VoiceResponse | Gather, utterances: Iterable[Utterance], voice: VoiceSettings) -> None:
    for utterance in utterances:
        if utterance.audio_url:
            target.play(utterance.audio_url)
        else:
            target.say(
                utterance.text,
                voice=voice.voices.get(utterance.language),
                language=LANGUAGE_TAGS.get(utterance.language, utterance.language),
            )


def render_turn(
    turn: Turn,
    *,
    step_url: str,
    no_input_url: str,
    dial_url: str,
    agent_number: str | None,
    fallback: list[Utterance],
    voice: VoiceSettings,
) -> str:
    """TwiML for a turn: prompts inside <Gather> so callers can type ahead."""
    response = VoiceResponse()
    ending = turn.ending
    if isinstance(ending, Wait) and ending.kind == "record":
        _speak(response, turn.utterances, voice)
        response.record(
            action=step_url,
            method="POST",
            max_length=ending.max_seconds,
            finish_on_key="#",
            play_beep=True,
            timeout=5,
            trim="trim-silence",
        )
        response.redirect(no_input_url, method="POST")
    elif isinstance(ending, Wait):
        gather = response.gather(
            input="dtmf",
            action=step_url,
            method="POST",
            timeout=voice.gather_timeout,
            num_digits=ending.max_length,
            finish_on_key=ending.finish_on_key or "",
            action_on_empty_result=False,
        )
        _speak(gather, turn.utterances, voice)
        response.redirect(no_input_url, method="POST")
    elif isinstance(ending, Transfer):
        _speak(response, turn.utterances, voice)
        _dial_or_end(response, agent_number, dial_url, fallback, voice)
    else:
        assert isinstance(ending, Hangup)
        _speak(response, turn.utterances, voice)
        response.hangup()
    return str(response)


def _dial_or_end(
    response: VoiceResponse, agent_number: str | None, dial_url: str, fallback: list[Utterance], voice: VoiceSettings
) -> None:
    if agent_number:
        response.dial(agent_number, action=dial_url, method="POST", timeout=30)
    else:
        _speak(response, fallback, voice)
        response.hangup()


def render_apology(
    apology: list[Utterance], *, agent_number: str | None, dial_url: str, goodbye: list[Utterance], voice: VoiceSettings
) -> str:
    """What a caller hears when something broke: an apology, then an agent if we have one."""
    response = VoiceResponse()
    _speak(response, apology, voice)
    _dial_or_end(response, agent_number, dial_url, goodbye, voice)
    return str(response)


def render_ending(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Speak and hang up (used after a dial ends and for calls already over)."""
    response = VoiceResponse()
    _speak(response, utterances, voice)
    response.hangup()
    return str(response)


def render_retry_later(url: str) -> str:
    """A concurrent duplicate waits a second and asks again; by then the reply is stored."""
    response = VoiceResponse()
    response.pause(length=1)
    response.redirect(url, method="POST")
    return str(response)


def empty_response() -> str:
    return str(VoiceResponse())
