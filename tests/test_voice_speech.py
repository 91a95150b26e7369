"""Speech input on the phone line: signed webhooks with SpeechResult/Confidence in, TwiML out, then the records.

Callers may say what they could press: a menu choice, an id or a stand (digits or number words),
yes or no. A transcript the recogniser is unsure of, or one that names nothing, is never guessed
at: the caller is asked again, and after a second miss at a node, by keys only.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallEvent, Reading
from ivr.app import create_app
from ivr.extensions import runtime
from ivr.stats import figures
from tests.conftest import AUTH_TOKEN, DEFAULT_NOW
from tests.support.readings import IDPEL, METER
from tests.support.twilio import FakeTwilio

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def _events(db_session, call_sid: str, kind: str) -> list[CallEvent]:
    db_session.expire_all()
    call = db_session.scalar(select(Call).where(Call.call_sid == call_sid))
    stmt = select(CallEvent).where(CallEvent.call_id == call.id, CallEvent.kind == kind).order_by(CallEvent.seq)
    return list(db_session.scalars(stmt))


def test_a_spoken_menu_choice_in_indonesian_is_taken_and_recorded(twilio: FakeTwilio, db_session) -> None:
    menu = twilio.start()
    assert menu.gather.get("input") == "dtmf speech"
    assert "Sebutkan keperluan Anda" in menu.spoken()

    reply = twilio.say("saya mau cek tagihan", confidence=0.87)

    assert "ID pelanggan" in reply.spoken()
    [event] = _events(db_session, twilio.call_sid, "input")
    assert event.node == "menu"
    assert event.detail == {
        "digits": "1",
        "mode": "speech",
        "transcript": "saya mau cek tagihan",
        "confidence": 0.87,
    }


def test_a_spoken_menu_choice_in_english_is_heard_in_english(twilio: FakeTwilio) -> None:
    twilio.start()
    menu = twilio.press("9")
    assert menu.gather.get("language") == "en-US"
    assert "check my bill" in menu.gather.get("hints").split(", ")
    assert "Say what you need" in menu.spoken()

    reply = twilio.say("Check my bill, please.")

    assert "Enter your twelve digit customer ID" in reply.spoken()
    assert reply.gather.get("language") == "en-US"


def test_an_id_and_a_stand_spoken_as_digits_and_number_words_are_read_back_and_confirmed_by_voice(
    twilio: FakeTwilio, db_session, meter
) -> None:
    twilio.start()
    ask_id = twilio.say("lapor stand meter")
    assert ask_id.gather.get("input") == "dtmf speech"
    assert ask_id.gather.get("speechTimeout") == "3"  # digit groups are said with pauses
    assert "$OOV_CLASS_DIGIT_SEQUENCE" in ask_id.gather.get("hints")

    twilio.say("satu empat nol nol nol nol nol nol nol nol satu")  # the meter number, word by word
    confirm = twilio.say("lima ribu seratus lima puluh")
    assert "Angka stand lima, satu, lima, nol" in confirm.spoken()
    done = twilio.say("ya benar")

    assert "kami terima" in done.spoken()
    db_session.expire_all()
    [reading] = db_session.scalars(select(Reading).where(Reading.call_sid == twilio.call_sid))
    assert (reading.stand, reading.period) == (5150, date(2026, 11, 1))
    meter_said, stand_said, yes = _events(db_session, twilio.call_sid, "input")[1:]
    assert meter_said.detail["digits"] == METER
    assert meter_said.detail["transcript"] == " ".join(["#"] * 11)  # what was said for an id is not kept
    assert stand_said.detail["transcript"] == "# # # # #"  # lima ribu seratus lima puluh
    assert (yes.node, yes.detail["digits"], yes.detail["transcript"]) == ("confirm_stand", "1", "ya benar")


def test_an_idpel_spoken_as_numerals_in_groups_opens_the_bill(twilio: FakeTwilio, meter) -> None:
    twilio.start()
    twilio.say("tagihan")
    reply = twilio.say(f"{IDPEL[:4]} {IDPEL[4:8]} {IDPEL[8:]}")  # how a recogniser writes spoken digits

    assert "Tagihan Oktober dua ribu dua puluh enam" in reply.spoken()


def test_low_confidence_is_asked_again_then_by_keys_only(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    first = twilio.say("tagihan", confidence=0.31)

    assert "kurang jelas mendengar" in first.spoken()
    assert first.gather.get("input") == "dtmf speech"  # once more by voice
    assert "tekan 1" in first.spoken()
    second = twilio.say("tagihan", confidence=0.2)

    assert "Silakan gunakan tombol" in second.spoken()
    assert second.gather.get("input") == "dtmf"
    assert second.gather.get("hints") is None
    assert "Sebutkan" not in second.spoken()
    reply = twilio.press("1")  # keys still work, and nothing was guessed
    assert "ID pelanggan" in reply.spoken()
    misses = _events(db_session, twilio.call_sid, "speech_missed")
    assert [(m.detail["reason"], m.detail["attempt"], m.detail["keys_only"]) for m in misses] == [
        ("low_confidence", 1, False),
        ("low_confidence", 2, True),
    ]
    assert misses[0].detail["confidence"] == 0.31
    assert _events(db_session, twilio.call_sid, "invalid_input") == []  # a miss is not a wrong key
    [taken] = _events(db_session, twilio.call_sid, "input")
    assert taken.detail == {"digits": "1", "mode": "keys"}


def test_words_naming_no_choice_are_not_guessed(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    reply = twilio.say("halo selamat pagi apa kabar")
    twice = twilio.say("bukan tagihan")  # a negation is not a choice either

    assert "kurang jelas mendengar" in reply.spoken()
    assert twice.gather.get("input") == "dtmf"
    reasons = [m.detail["reason"] for m in _events(db_session, twilio.call_sid, "speech_missed")]
    assert reasons == ["not_understood", "not_understood"]


def test_a_number_not_offered_is_a_wrong_choice_like_its_key(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    reply = twilio.say("8")

    assert "pilihan tersebut tidak tersedia" in reply.spoken()
    [wrong] = _events(db_session, twilio.call_sid, "invalid_input")
    assert (wrong.detail["digits"], wrong.detail["mode"]) == ("8", "speech")


def test_misses_across_the_call_turn_speech_off_for_the_rest_of_it(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    for language in ("english", "bahasa indonesia", "english"):  # one miss at each menu, then understood
        assert twilio.say("eh", confidence=0.1).gather.get("input") == "dtmf speech"
        twilio.say(language)
    fourth = twilio.say("eh", confidence=0.1)  # the first miss at this node, the fourth in the call

    assert fourth.gather.get("input") == "dtmf"
    assert "Please use the keys" in fourth.spoken()
    assert twilio.press("9").gather.get("input") == "dtmf"  # and at every node after it
    misses = _events(db_session, twilio.call_sid, "speech_missed")
    assert [(m.detail["attempt"], m.detail["keys_only"]) for m in misses] == [(1, False)] * 3 + [(1, True)]


def test_keys_and_speech_mix_in_one_call(twilio: FakeTwilio, db_session, meter) -> None:
    twilio.start()
    twilio.press("2")
    twilio.say(f"nomor meter saya {METER}")
    twilio.press("05150")
    done = twilio.say("iya")

    assert "kami terima" in done.spoken()
    modes = [e.detail["mode"] for e in _events(db_session, twilio.call_sid, "input")]
    assert modes == ["keys", "speech", "keys", "speech"]


def test_a_retried_speech_webhook_replays_its_reply(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    action = twilio.action_url
    first = twilio.say("tagihan")
    again = twilio.post(action, {"SpeechResult": "tagihan", "Confidence": "0.9"})

    assert again.body == first.body
    assert len(_events(db_session, twilio.call_sid, "input")) == 1


@pytest.mark.parametrize(
    ("transcript", "confidence"),
    [
        ("tagi\x00han", "0.9"),  # a NUL byte: never reaches a JSON column
        ("tagihan " * 400, "0.9"),  # oversized
        ("tagihan", "not-a-number"),  # a confidence that is no number is no confidence
        ("tagihan", "nan"),
        ("", "0.9"),  # nothing said
    ],
)
def test_odd_speech_fields_get_a_clear_answer(twilio: FakeTwilio, transcript: str, confidence: str) -> None:
    twilio.start()
    reply = twilio.post(twilio.action_url, {"SpeechResult": transcript, "Confidence": confidence})

    assert reply.status_code == 200
    assert reply.gather is not None  # asked again, or on to the bill: valid TwiML either way
    assert reply.spoken()


def test_speech_can_be_switched_off_for_a_deployment(app: Flask, settings_overrides, regions) -> None:
    keys_only = create_app({**settings_overrides, "speech_input": False})
    try:
        twilio = FakeTwilio(client=keys_only.test_client(), auth_token=AUTH_TOKEN)
        menu = twilio.start()
        assert menu.gather.get("input") == "dtmf"
        assert menu.gather.get("hints") is None
        assert menu.gather.get("language") is None
        assert "Sebutkan" not in menu.spoken()
        assert "tekan 1" in menu.spoken()
    finally:
        runtime(keys_only).database.dispose()


def test_a_flow_can_switch_speech_off_at_one_node(app: Flask, settings_overrides, regions, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    main_menu = yaml.safe_load((flows / "main_menu.yaml").read_text(encoding="utf-8"))
    main_menu["nodes"]["menu"]["speech"] = False  # e.g. a menu whose words the recogniser keeps mishearing
    (flows / "main_menu.yaml").write_text(yaml.safe_dump(main_menu, allow_unicode=True), encoding="utf-8")
    edited = create_app({**settings_overrides, "flows_dir": flows})
    try:
        twilio = FakeTwilio(client=edited.test_client(), auth_token=AUTH_TOKEN)
        menu = twilio.start()
        assert menu.gather.get("input") == "dtmf"
        assert "Sebutkan" not in menu.spoken()
        ask_id = twilio.press("1")
        assert ask_id.gather.get("input") == "dtmf speech"  # the next node hears speech again
    finally:
        runtime(edited).database.dispose()


def test_how_callers_answered_reaches_the_call_row_and_the_funnel(client, db_session, regions) -> None:
    spoken, misheard, pressed = (FakeTwilio(client=client, auth_token=AUTH_TOKEN) for _ in range(3))
    for call in (spoken, misheard, pressed):
        call.start()
    spoken.say("tagihan")
    misheard.say("eh", confidence=0.2)
    misheard.press("1")
    pressed.press("1")
    for call in (spoken, misheard, pressed):
        call.hang_up()

    db_session.expire_all()
    rows = {c.call_sid: c.input_modes for c in db_session.scalars(select(Call))}
    assert rows[spoken.call_sid] == "main_menu.menu:s"
    assert rows[misheard.call_sid] == "main_menu.menu:km"
    assert rows[pressed.call_sid] == "main_menu.menu:k"
    day = DEFAULT_NOW.date()
    [main_menu] = [f for f in figures.funnel(db_session, figures.StatsRange(day, day)) if f.flow == "main_menu"]
    [menu] = [n for n in main_menu.speech if n.node == "menu"]
    assert (menu.answered, menu.spoke, menu.misheard) == (3, 2, 1)
