"""The main menu through signed webhooks: what the caller hears, and what lands in the database."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Call, CallEvent
from tests.support.factories import DIALED
from tests.support.twilio import FakeTwilio


def _call(db_session, call_sid: str) -> Call:
    return db_session.scalars(select(Call).where(Call.call_sid == call_sid)).one()


def _events(db_session, call_sid: str) -> list[CallEvent]:
    call = _call(db_session, call_sid)
    return list(db_session.scalars(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)))


def test_new_call_hears_the_menu_in_indonesian_inside_a_gather(twilio: FakeTwilio) -> None:
    reply = twilio.start()

    assert reply.status_code == 200
    assert reply.verbs == ["Gather", "Redirect"]
    gather = reply.gather
    assert gather.get("numDigits") == "1"
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "id-ID"
    assert "cek tagihan" in gather.get("hints").split(", ")
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("action").startswith("/voice/step?step=")
    says = gather.findall("Say")
    assert len(says) == 5
    assert says[0].get("language") == "id-ID"
    assert says[0].get("voice") == "Google.id-ID-Standard-A"
    assert "Selamat datang" in says[0].text
    assert "Sebutkan" in says[1].text
    assert "tekan 1" in says[2].text
    # "For English, press 9" is spoken by the English voice even in the Indonesian menu.
    assert says[3].get("language") == "en-US"
    assert "timeout=1" in reply.find("Redirect").text


def test_nine_switches_to_english_for_the_rest_of_the_call(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    reply = twilio.press("9")

    languages = {say.get("language") for say in reply.gather.findall("Say")}
    assert "You have chosen English" in reply.spoken()
    assert languages == {"en-US", "id-ID"}  # the English menu offers Indonesian in Indonesian
    reply = twilio.press("1")
    assert "Enter your twelve digit customer ID" in reply.spoken()
    assert reply.gather.findall("Say")[-1].get("language") == "en-US"

    twilio.hang_up()
    assert _call(db_session, twilio.call_sid).language == "en"


def test_star_repeats_the_menu_without_counting_as_a_failure(twilio: FakeTwilio, db_session) -> None:
    first = twilio.start()
    repeated = twilio.press("*")

    menu_texts = [say.text for say in first.gather.findall("Say")][1:]
    assert [say.text for say in repeated.gather.findall("Say")] == menu_texts
    kinds = [event.kind for event in _events(db_session, twilio.call_sid)]
    assert kinds.count("repeat") == 1
    assert "invalid_input" not in kinds


def test_zero_queues_the_caller_for_the_dialed_regions_agents(twilio: FakeTwilio, db_session) -> None:
    twilio.dialed = DIALED["KUPANG"]
    twilio.start()
    reply = twilio.press("0")

    assert reply.verbs == ["Say", "Enqueue"]
    enqueue = reply.find("Enqueue")
    assert (enqueue.text, enqueue.get("action"), enqueue.get("waitUrl")) == (
        "KUPANG",
        "/voice/queue/result",
        "/voice/queue/wait",
    )
    call = _call(db_session, twilio.call_sid)
    assert (call.outcome, call.queue_name) == ("queued", "KUPANG")
    steps = [(event.kind, event.node) for event in _events(db_session, twilio.call_sid)][-6:]
    assert steps == [
        ("input", "menu"),
        ("node", "check"),
        ("service", "check"),
        ("node", "queue"),
        ("transfer", "queue"),
        ("enqueued", "queue"),
    ]


def test_invalid_key_says_why_and_asks_again(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    reply = twilio.press("8")

    says = reply.gather.findall("Say")
    assert says[0].text.startswith("Maaf, pilihan tersebut tidak tersedia")
    assert len(says) == 5  # the apology, then the whole question again
    event = [e for e in _events(db_session, twilio.call_sid) if e.kind == "invalid_input"]
    assert len(event) == 1
    assert event[0].detail["digits"] == "8"
    assert event[0].detail["mode"] == "keys"
    assert event[0].node == "menu"


def test_three_silences_lead_to_an_agent(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    first = twilio.silence()
    second = twilio.silence()
    third = twilio.silence()

    assert first.gather.findall("Say")[0].text.startswith("Maaf, kami belum menerima")
    assert second.gather is not None
    assert third.gather is None
    assert third.queue_name == "BEKASI"
    assert "kesulitan" in third.spoken()
    kinds = [event.kind for event in _events(db_session, twilio.call_sid)]
    assert kinds.count("no_input") == 3
    assert "retries_exhausted" in kinds


def test_call_record_after_hang_up_in_menu(twilio: FakeTwilio, db_session, regions) -> None:
    twilio.start()
    twilio.press("8")
    twilio.hang_up(duration=37)

    call = _call(db_session, twilio.call_sid)
    assert call.caller == "+62215551234"
    assert call.caller_kind == "phone"
    assert call.dialed == DIALED["BEKASI"]
    assert call.region_id == regions["BEKASI"]
    assert call.routed_by == "dialed"
    assert call.language == "id"
    assert call.final_status == "completed"
    assert call.duration_seconds == 37
    assert call.outcome == "hung_up_in_menu"
    assert call.started_at.tzinfo is not None
    assert call.ended_at >= call.started_at
    events = _events(db_session, twilio.call_sid)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [(e.kind, e.node) for e in events] == [
        ("call_started", None),
        ("node", "welcome"),
        ("node", "menu"),
        ("invalid_input", "menu"),
        ("call_ended", "menu"),
    ]
