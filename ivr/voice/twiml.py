"""Turn engine output into TwiML with the twilio library (never string concatenation)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.engine.model import Hangup, Turn, Utterance, Wait

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


def render_turn(turn: Turn, *, step_url: str, no_input_url: str, voice: VoiceSettings) -> str:
    """TwiML for a turn that waits or hangs up: prompts inside <Gather> so callers can type ahead."""
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
    else:
        assert isinstance(ending, Hangup), f"{type(ending).__name__} is rendered elsewhere"
        _speak(response, turn.utterances, voice)
        response.hangup()
    return str(response)


def render_enqueue(utterances: list[Utterance], *, queue: str, action: str, wait_url: str, voice: VoiceSettings) -> str:
    """Speak, then put the caller in `queue`; Twilio calls `action` when they leave it."""
    response = VoiceResponse()
    _speak(response, utterances, voice)
    response.enqueue(queue, action=action, method="POST", wait_url=wait_url, wait_url_method="POST")
    return str(response)


def render_wait(
    utterances: list[Utterance], *, hold_music_url: str | None, voice: VoiceSettings, offer_action: str | None = None
) -> str:
    """One turn of the hold loop: a message (inside a one-key <Gather> when offering), then hold audio."""
    response = VoiceResponse()
    if offer_action:
        gather = response.gather(input="dtmf", num_digits=1, action=offer_action, method="POST", timeout=1)
        _speak(gather, utterances, voice)
    else:
        _speak(response, utterances, voice)
    if hold_music_url:
        response.play(hold_music_url)
    else:
        response.pause(length=20)
    return str(response)


def render_leave(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Take the caller out of the queue; Twilio then requests the <Enqueue> action (QueueResult=leave)."""
    response = VoiceResponse()
    _speak(response, utterances, voice)
    response.leave()
    return str(response)


def render_say(utterances: list[Utterance], voice: VoiceSettings) -> str:
    """Speak only (e.g. on the caller's side just before an agent is bridged)."""
    response = VoiceResponse()
    _speak(response, utterances, voice)
    return str(response)


def render_agent_dial(
    utterances: list[Utterance], *, queue: str, bridge_url: str, done_url: str, voice: VoiceSettings
) -> str:
    """Tell the agent who is next, then take the first caller from `queue`."""
    response = VoiceResponse()
    _speak(response, utterances, voice)
    dial = response.dial(action=done_url, method="POST", timeout=600)
    dial.queue(queue, url=bridge_url, method="POST")
    return str(response)


def render_redirect(utterances: list[Utterance], url: str, voice: VoiceSettings) -> str:
    response = VoiceResponse()
    _speak(response, utterances, voice)
    response.redirect(url, method="POST")
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
