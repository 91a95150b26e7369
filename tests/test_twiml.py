"""The TwiML writer gives exactly the twilio library's documents (the library is the oracle here)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from ivr.engine.model import Hangup, Turn, Utterance, Wait
from ivr.voice import twiml

VOICE = twiml.VoiceSettings(voices={"id": "Google.id-ID-Standard-A", "en": "Google.en-US-Standard-C"}, gather_timeout=6)


def _speak(target, utterances) -> None:
    for u in utterances:
        if u.audio_url:
            target.play(u.audio_url)
        else:
            target.say(u.text, voice=VOICE.voices.get(u.language), language=twiml.LANGUAGE_TAGS.get(u.language))


def library_turn(turn: Turn, step_url: str, no_input_url: str, language: str = "id") -> str:
    response = VoiceResponse()
    ending = turn.ending
    if isinstance(ending, Wait) and ending.kind == "record":
        _speak(response, turn.utterances)
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
        told = max((i + 1 for i, u in enumerate(turn.utterances) if u.result), default=0)
        _speak(response, turn.utterances[:told])  # the answer: before the gather, where no key cuts it off
        speech = {}
        if ending.speech:
            speech = {
                "language": twiml.LANGUAGE_TAGS[language],
                "hints": ", ".join(ending.hints) or None,
                "speech_timeout": twiml.SPEECH_TIMEOUT[ending.kind],
            }
        gather = response.gather(
            input="dtmf speech" if ending.speech else "dtmf",
            action=step_url,
            method="POST",
            timeout=VOICE.gather_timeout,
            num_digits=ending.max_length,
            finish_on_key=ending.finish_on_key or "",
            action_on_empty_result=False,
            **speech,
        )
        _speak(gather, turn.utterances[told:])
        response.redirect(no_input_url, method="POST")
    else:
        _speak(response, turn.utterances)
        response.hangup()
    return str(response)


def library_others(utterances: list[Utterance]) -> dict[str, tuple[str, str]]:
    """(ours, the library's) for every other renderer, on the same utterances."""
    pairs: dict[str, tuple[str, str]] = {}
    r = VoiceResponse()
    _speak(r, utterances)
    r.enqueue(
        "BEKASI", action="/voice/queue/result", method="POST", wait_url="/voice/queue/wait", wait_url_method="POST"
    )
    ours = twiml.render_enqueue(
        utterances, queue="BEKASI", action="/voice/queue/result", wait_url="/voice/queue/wait", voice=VOICE
    )
    pairs["enqueue"] = (ours, str(r))
    for music in (None, "https://example.org/hold.mp3"):
        for offer in (None, "/voice/queue/choice"):
            r = VoiceResponse()
            if offer:
                _speak(r.gather(input="dtmf", num_digits=1, action=offer, method="POST", timeout=1), utterances)
            else:
                _speak(r, utterances)
            r.play(music) if music else r.pause(length=20)
            pairs[f"wait {music} {offer}"] = (
                twiml.render_wait(utterances, hold_music_url=music, voice=VOICE, offer_action=offer),
                str(r),
            )
    r = VoiceResponse()
    _speak(r, utterances)
    r.leave()
    pairs["leave"] = (twiml.render_leave(utterances, VOICE), str(r))
    r = VoiceResponse()
    _speak(r, utterances)
    pairs["say"] = (twiml.render_say(utterances, VOICE), str(r))
    r = VoiceResponse()
    _speak(r, utterances)
    r.dial(action="/voice/agent/done", method="POST", timeout=600).queue(
        "BEKASI", url="/voice/queue/bridge", method="POST"
    )
    pairs["agent dial"] = (
        twiml.render_agent_dial(
            utterances, queue="BEKASI", bridge_url="/voice/queue/bridge", done_url="/voice/agent/done", voice=VOICE
        ),
        str(r),
    )
    r = VoiceResponse()
    _speak(r, utterances)
    r.dial(action="/voice/agent/done", method="POST", timeout=20).queue(
        "BEKASI-DARURAT", url="/voice/queue/bridge", method="POST"
    )
    pairs["agent dial, timeout"] = (
        twiml.render_agent_dial(
            utterances,
            queue="BEKASI-DARURAT",
            bridge_url="/voice/queue/bridge",
            done_url="/voice/agent/done",
            voice=VOICE,
            timeout=20,
        ),
        str(r),
    )
    r = VoiceResponse()
    _speak(r, utterances)
    r.pause(length=10)
    r.redirect("/voice/agent/incoming?again=1", method="POST")
    pairs["hold"] = (twiml.render_hold(utterances, 10, "/voice/agent/incoming?again=1", VOICE), str(r))
    r = VoiceResponse()
    _speak(r, utterances)
    r.redirect("/voice/agent/incoming", method="POST")
    pairs["redirect"] = (twiml.render_redirect(utterances, "/voice/agent/incoming", VOICE), str(r))
    for agent in (None, "+622150000000"):
        r = VoiceResponse()
        _speak(r, utterances)
        if agent:
            r.dial(agent, action="/voice/dial-result", method="POST", timeout=30)
        else:
            _speak(r, utterances[:1])
            r.hangup()
        ours = twiml.render_apology(
            utterances, agent_number=agent, dial_url="/voice/dial-result", goodbye=utterances[:1], voice=VOICE
        )
        pairs[f"apology {agent}"] = (ours, str(r))
    r = VoiceResponse()
    _speak(r, utterances)
    r.hangup()
    pairs["ending"] = (twiml.render_ending(utterances, VOICE), str(r))
    r = VoiceResponse()
    r.pause(length=1)
    r.redirect("/voice/step?step=3", method="POST")
    pairs["retry later"] = (twiml.render_retry_later("/voice/step?step=3"), str(r))
    pairs["empty"] = (twiml.empty_response(), str(VoiceResponse()))
    return pairs


# Text XML 1.0 can carry (the library writes the rest unescaped, into a document nobody can parse).
xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    max_size=40,
)
utterance = st.builds(
    Utterance,
    key=st.just("k"),
    text=xml_text,
    language=st.sampled_from(["id", "en"]),
    audio_url=st.one_of(st.none(), st.just("https://example.org/a&b.mp3")),
    result=st.booleans(),
)
ending = st.one_of(
    st.builds(Hangup),
    st.builds(
        Wait,
        kind=st.sampled_from(["menu", "collect", "confirm"]),
        max_length=st.integers(1, 20),
        finish_on_key=st.sampled_from([None, "#", ""]),
        speech=st.booleans(),
        hints=st.lists(xml_text, max_size=4).map(tuple),
    ),
    st.builds(
        Wait, kind=st.just("record"), max_length=st.just(0), finish_on_key=st.just("#"), max_seconds=st.integers(1, 120)
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    utterances=st.lists(utterance, max_size=4),
    ending=ending,
    step=st.integers(0, 99),
    language=st.sampled_from(["id", "en"]),
)
def test_a_turn_is_the_librarys_document(utterances: list[Utterance], ending, step: int, language: str) -> None:
    turn = Turn(utterances=utterances, ending=ending, events=[])
    step_url = f"/voice/step?step={step}"
    no_input = f"{step_url}&timeout=1"
    ours = twiml.render_turn(turn, step_url=step_url, no_input_url=no_input, voice=VOICE, language=language)
    assert ours == library_turn(turn, step_url, no_input, language)
    ET.fromstring(ours.encode())


@settings(max_examples=100, deadline=None)
@given(utterances=st.lists(utterance, min_size=1, max_size=3))
def test_every_other_reply_is_the_librarys_document(utterances: list[Utterance]) -> None:
    for name, (ours, theirs) in library_others(utterances).items():
        assert ours == theirs, name


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\ufffe"])
def test_characters_xml_cannot_carry_are_dropped_so_the_reply_still_parses(control: str) -> None:
    said = Utterance(key="k", text=f"nomor{control}satu", language="id")
    reply = twiml.render_say([said], VOICE)
    assert [say.text for say in ET.fromstring(reply.encode()).iter("Say")] == ["nomorsatu"]


def test_a_result_is_spoken_before_the_gather_and_the_question_inside_it() -> None:
    said = [
        Utterance(key="done", text="Laporan tercatat.", language="id"),
        Utterance(key="ticket", text="Nomor tiket tiga.", language="id", result=True),
        Utterance(key="ask", text="Ada lagi?", language="id"),
    ]
    turn = Turn(utterances=said, ending=Wait(kind="menu", max_length=1, finish_on_key=None), events=[])
    root = ET.fromstring(twiml.render_turn(turn, step_url="/s", no_input_url="/s?t=1", voice=VOICE).encode())

    assert [child.tag for child in root] == ["Say", "Say", "Gather", "Redirect"]
    assert [say.text for say in root.findall("Say")] == ["Laporan tercatat.", "Nomor tiket tiga."]
    assert [say.text for say in root.find("Gather").iter("Say")] == ["Ada lagi?"]
