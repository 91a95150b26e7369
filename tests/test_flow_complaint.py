"""Menu 3, outage reports and complaints, through signed webhooks: what callers hear, what agents get."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call
from ivr.engine import speech
from tests.support.factories import DIALED, add_customer
from tests.support.journeys import choose, set_clock
from tests.support.tickets import (
    NOW,
    RECORDING_URL,
    add_notice,
    add_outage_reports,
    call_events,
    complaints,
    post_recording,
    press_all,
    read_once,
    report,
)
from tests.support.twilio import FakeTwilio, Reply

CALLER_READ_BACK = "nol, dua, satu, lima, lima, lima, satu, dua, tiga, empat"  # FakeTwilio's +62215551234
IDPEL = "532110000001"


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)


# -- categories and the ticket --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "category"), [("1", "no_power"), ("2", "outage_area"), ("3", "billing"), ("5", "other")]
)
def test_each_routine_category_opens_a_ticket_read_back_once(twilio: FakeTwilio, db_session, regions, key, category):
    reply = report(twilio, key)

    [complaint] = complaints(db_session)
    assert complaint.category == category
    assert complaint.urgent is False
    assert read_once(reply, complaint.ticket_number)
    assert "Petugas kami akan segera menindaklanjuti" in reply.spoken()
    assert reply.gather is not None  # anything else? (not the whole main menu)
    assert "Ada lagi yang bisa kami bantu?" in reply.spoken()
    assert "Tagihan, tekan 1" not in reply.spoken()
    assert reply.find("Dial") is None


def test_ticket_row_and_call_timeline(twilio: FakeTwilio, db_session, regions) -> None:
    report(twilio, "3")

    [complaint] = complaints(db_session)
    assert complaint.ticket_number.startswith("3")
    assert len(complaint.ticket_number) == 10
    assert (complaint.category, complaint.status) == ("billing", "open")
    assert complaint.region_id == regions["BEKASI"]
    assert complaint.callback_number == "+62215551234"
    assert (complaint.customer_id, complaint.recording_url) == (None, None)
    assert complaint.call_sid == twilio.call_sid
    assert complaint.created_at == complaint.updated_at
    assert complaint.created_at.isoformat() == "2026-11-23T02:00:00+00:00"
    events = [e for e in call_events(db_session, twilio.call_sid) if e.flow == "complaint"]
    assert [(e.kind, e.node) for e in events] == [
        ("node", "begin"), ("service", "begin"),
        ("node", "choose_category"), ("input", "choose_category"),
        ("node", "billing"), ("service", "billing"),
        ("node", "customer_account"), ("service", "customer_account"),  # not recognised: asked
        ("node", "customer_menu"), ("input", "customer_menu"),
        ("node", "callback"), ("service", "callback"),
        ("node", "callback_menu"), ("input", "callback_menu"),
        ("node", "after_callback"), ("service", "after_callback"),
        ("node", "offer_recording"), ("input", "offer_recording"),
        ("node", "create"), ("service", "create"),
        ("node", "ticket_created"),
        ("served", "ticket_created"),
    ]  # fmt: skip
    assert [e.detail["digits"] for e in events if e.kind == "input"] == ["3", "2", "1", "2"]
    outcomes = [e.detail["outcome"] for e in events if e.kind == "service"]
    assert outcomes == ["none", "routine", "none", "phone", "routine", "routine"]


@pytest.mark.parametrize("region", ["BEKASI", "KUPANG"])
def test_dangerous_installation_is_urgent_and_goes_straight_to_the_regions_agent(
    twilio: FakeTwilio, db_session, regions, region: str
) -> None:
    twilio.dialed = DIALED[region]
    choose(twilio, "3")
    warned = twilio.press("4")
    reply = twilio.press("1")  # call me back on this number -> ticket, then the agent

    assert "jauhi kabel atau instalasi tersebut" in warned.spoken()
    assert CALLER_READ_BACK in warned.spoken()  # no customer number or recording asked for
    assert reply.verbs[-1] == "Enqueue"
    assert reply.queue_name == f"{region}-DARURAT"  # the region's urgent tier, which agents take first
    [complaint] = complaints(db_session)
    assert (complaint.category, complaint.urgent) == ("dangerous_installation", True)
    assert complaint.region_id == regions[region]
    spoken = reply.spoken()
    assert read_once(reply, complaint.ticket_number)
    assert spoken.index("tetap menjauh dari lokasi") > spoken.rindex("Nomor tiket")
    assert "hubungkan dengan petugas" in spoken
    call = db_session.scalars(select(Call).where(Call.call_sid == twilio.call_sid)).one()
    assert (call.queue_name, call.urgent) == (region, True)
    twilio.hang_up()  # hung up while waiting for an agent
    db_session.expire_all()
    assert db_session.scalars(select(Call).where(Call.call_sid == twilio.call_sid)).one().outcome == (
        "abandoned_in_queue"
    )


def test_english_caller_hears_the_ticket_in_english(twilio: FakeTwilio, db_session, regions) -> None:
    reply = report(twilio, "2", english=True)

    [complaint] = complaints(db_session)
    assert read_once(reply, complaint.ticket_number, "en")
    assert "Your ticket number is" in reply.spoken()
    assert {say.get("language") for say in reply.says()[:2]} == {"en-US"}


# -- customer number ------------------------------------------------------------------------------


def test_known_customer_number_is_linked_to_the_ticket(twilio: FakeTwilio, db_session, regions) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL)
    db_session.commit()
    choose(twilio, "3")
    ask = press_all(twilio, "1", "1")
    found = twilio.press(IDPEL)
    press_all(twilio, "1", "2")

    assert ask.gather.get("finishOnKey") == "#"
    assert ask.gather.get("numDigits") == "12"
    assert "data pelanggan Anda sudah kami temukan" in found.spoken()
    assert CALLER_READ_BACK in found.spoken()
    assert complaints(db_session)[0].customer_id == customer.id


def test_unknown_customer_number_may_be_retried_then_skipped(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    press_all(twilio, "1", "1")
    replies = []
    for _ in range(3):
        replies.append(twilio.press("532119999999"))
        if len(replies) < 3:
            twilio.press("1")  # try again

    assert all("tidak terdaftar" in r.spoken() for r in replies[:2])
    assert speech.digits("532119999999", "id") in replies[0].spoken()
    assert "Untuk mencoba lagi, tekan 1" in replies[1].spoken()
    assert "tidak terdaftar" not in replies[2].spoken()
    assert "tanpa nomor pelanggan" in replies[2].spoken()
    assert CALLER_READ_BACK in replies[2].spoken()  # on to the callback number
    kinds = [e.kind for e in call_events(db_session, twilio.call_sid)]
    assert kinds.count("visits_exceeded") == 1


def test_malformed_customer_number_says_why(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    reply = press_all(twilio, "1", "1", "12345")

    assert reply.says()[0].text.startswith("Maaf, nomor tersebut tidak sesuai")
    assert reply.gather.get("numDigits") == "12"
    [event] = [e for e in call_events(db_session, twilio.call_sid) if e.kind == "invalid_input"]
    assert (event.node, event.detail["reason"]) == ("ask_customer", "too_short")


# -- callback number ------------------------------------------------------------------------------


def test_another_callback_number_is_read_back_confirmed_and_stored(twilio: FakeTwilio, db_session, regions) -> None:
    twilio.caller = "+6281234567890"
    choose(twilio, "3")
    offered = press_all(twilio, "1", "2")
    ask = twilio.press("2")  # enter another number
    confirm = twilio.press("081298765432")
    press_all(twilio, "1", "2")

    assert "nomor nol, delapan, satu, dua, tiga, empat, lima, enam, tujuh, delapan, sembilan, nol." in offered.spoken()
    assert ask.gather.get("finishOnKey") == "#"
    assert "nol, delapan, satu, dua, sembilan, delapan, tujuh, enam, lima, empat, tiga, dua" in confirm.spoken()
    assert complaints(db_session)[0].callback_number == "+6281298765432"


@pytest.mark.parametrize("caller", ["anonymous", "sip:budi@pbx.example.co.id"])
def test_caller_without_a_phone_number_must_enter_one(twilio: FakeTwilio, db_session, regions, caller: str) -> None:
    twilio.caller = caller
    choose(twilio, "3")
    ask = press_all(twilio, "2", "2")
    press_all(twilio, "0215559876", "1", "2")

    assert "tidak terbaca" in ask.spoken()
    assert "Masukkan nomor telepon yang dapat kami hubungi" in ask.spoken()
    assert "tekan 1" not in ask.spoken()  # no "call me back on this number" choice
    assert complaints(db_session)[0].callback_number == "+62215559876"


def test_bad_phone_numbers_are_refused_and_lose_nothing(twilio: FakeTwilio, db_session, regions) -> None:
    twilio.caller = "anonymous"
    choose(twilio, "3")
    short = press_all(twilio, "1", "2", "0812")
    garbage = twilio.press("08*12")
    confirm = twilio.press("081298765432")
    again = twilio.press("2")  # not what I meant: enter it again
    press_all(twilio, "081211112222", "1", "2")

    for reply in (short, garbage):
        assert reply.says()[0].text.startswith("Maaf, nomor telepon tidak valid")
        assert reply.gather.get("finishOnKey") == "#"
    assert "nol, delapan, satu, dua, sembilan" in confirm.spoken()
    assert "Masukkan nomor telepon yang dapat kami hubungi" in again.spoken()
    assert complaints(db_session)[0].callback_number == "+6281211112222"
    reasons = [e.detail["reason"] for e in call_events(db_session, twilio.call_sid) if e.kind == "invalid_input"]
    assert reasons == ["too_short", "not_digits"]


# -- recording --------------------------------------------------------------------------------------


def _to_recording(twilio: FakeTwilio) -> Reply:
    choose(twilio, "3")
    return press_all(twilio, "2", "2", "1", "1")


def test_recorded_description_goes_on_the_ticket(twilio: FakeTwilio, db_session, regions) -> None:
    offer = _to_recording(twilio)
    reply = post_recording(twilio, seconds=12)

    assert offer.verbs == ["Say", "Record", "Redirect"]
    record = offer.find("Record")
    assert record.get("maxLength") == "60"
    assert record.get("finishOnKey") == "#"
    assert record.get("action").startswith("/voice/step?step=")
    assert "setelah nada" in offer.spoken()
    [complaint] = complaints(db_session)
    assert complaint.recording_url == RECORDING_URL
    assert read_once(reply, complaint.ticket_number)
    [event] = [e for e in call_events(db_session, twilio.call_sid) if e.kind == "recording"]
    assert event.detail == {"url": RECORDING_URL, "seconds": 12}


def test_silence_at_the_tone_files_the_ticket_without_a_recording(twilio: FakeTwilio, db_session, regions) -> None:
    _to_recording(twilio)
    reply = twilio.silence()  # Twilio falls through to the <Redirect> after <Record>

    [complaint] = complaints(db_session)
    assert complaint.recording_url is None
    assert read_once(reply, complaint.ticket_number)
    kinds = [e.kind for e in call_events(db_session, twilio.call_sid)]
    assert kinds.count("no_recording") == 1
    assert "recording" not in kinds


# -- what the area already knows ---------------------------------------------------------------------


def test_active_maintenance_is_told_before_the_categories(twilio: FakeTwilio, db_session, regions) -> None:
    add_notice(db_session, regions["BEKASI"])  # until 08:00 UTC = 15:00 WIB
    db_session.commit()
    reply = choose(twilio, "3")

    texts = [say.text for say in reply.gather.findall("Say")]
    assert len(texts) == 2
    assert "pemeliharaan jaringan terencana di Perumahan Grand Wisata, Tambun Selatan" in texts[0]
    assert "hingga dua puluh tiga November dua ribu dua puluh enam, pukul lima belas tepat WIB" in texts[0]
    assert texts[1].startswith("Listrik di rumah Anda padam, tekan 1")


def test_maintenance_end_is_told_in_wit_and_english_in_papua(twilio: FakeTwilio, db_session, regions) -> None:
    add_notice(db_session, regions["JAYAPURA"], area="Kelurahan Entrop, Jayapura Selatan")
    db_session.commit()
    twilio.dialed = DIALED["JAYAPURA"]
    reply = choose(twilio, "3", english=True)

    assert "planned maintenance is under way in Kelurahan Entrop" in reply.spoken()
    assert "until November twenty-third, two thousand twenty-six, five p.m. WIT" in reply.spoken()


def test_known_outage_is_told_before_the_categories(twilio: FakeTwilio, db_session, regions) -> None:
    add_outage_reports(db_session, regions["BEKASI"], 3)
    db_session.commit()
    reply = choose(twilio, "3")

    texts = [say.text for say in reply.gather.findall("Say")]
    assert len(texts) == 2
    assert "gangguan listrik di wilayah UP3 Bekasi sudah kami terima" in texts[0]
    assert "pemeliharaan" not in texts[0]


def test_without_notice_or_outage_the_categories_come_first(twilio: FakeTwilio, db_session, regions) -> None:
    add_outage_reports(db_session, regions["BEKASI"], 2)
    add_notice(db_session, regions["KUPANG"])
    db_session.commit()
    reply = choose(twilio, "3")

    texts = [say.text for say in reply.gather.findall("Say")]
    assert len(texts) == 1
    assert texts[0].startswith("Listrik di rumah Anda padam, tekan 1")
    assert "tekan 5" in texts[0]


# -- retries and repeats -------------------------------------------------------------------------------


def test_retried_webhook_replays_and_opens_one_ticket(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    press_all(twilio, "1", "2", "1")
    action = twilio.action_url
    first = twilio.press("2")
    retry = twilio.post(action, {"Digits": "2"})

    assert retry.body == first.body
    assert len(complaints(db_session)) == 1


def test_repeating_a_report_in_one_call_gives_the_same_ticket(twilio: FakeTwilio, db_session, regions) -> None:
    first = report(twilio, "1")
    number = complaints(db_session)[0].ticket_number
    again = press_all(twilio, "1", "3", "1", "2", "1", "2")  # main menu, and the same report

    assert len(complaints(db_session)) == 1
    assert read_once(first, number)
    assert read_once(again, number)
    press_all(twilio, "1", "3", "3", "2", "1", "2")  # a billing complaint in the same call is a ticket of its own
    assert [c.category for c in complaints(db_session)] == ["no_power", "billing"]


# -- failures ----------------------------------------------------------------------------------------


def test_three_wrong_keys_at_the_categories_lead_to_an_agent(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    first = twilio.press("8")
    second = twilio.press("9")
    third = twilio.press("0")

    assert first.says()[0].text.startswith("Maaf, pilihan tersebut tidak tersedia")
    assert second.gather is not None
    assert third.gather is None
    assert third.queue_name == "BEKASI"
    assert "kesulitan" in third.spoken()
    assert complaints(db_session) == []
    kinds = [e.kind for e in call_events(db_session, twilio.call_sid)]
    assert kinds.count("invalid_input") == 3
    assert kinds.count("retries_exhausted") == 1


def test_silence_at_the_recording_offer_still_files_the_ticket(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    press_all(twilio, "1", "2", "1")
    replies = [twilio.silence() for _ in range(3)]

    assert replies[0].says()[0].text.startswith("Maaf, kami belum menerima pilihan Anda")
    [complaint] = complaints(db_session)
    assert complaint.recording_url is None
    assert read_once(replies[2], complaint.ticket_number)
    assert replies[2].find("Dial") is None


# -- the caller's minute ---------------------------------------------------------------------------


@pytest.mark.parametrize(("english", "budget"), [(False, 170), (True, 180)])
def test_a_complaint_with_an_id_and_a_recording_is_short(
    twilio: FakeTwilio, db_session, regions, english: bool, budget: int
) -> None:
    """From the categories to "anything else?": 6 answers, few words (266 and 295 before the trim)."""
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL)
    db_session.commit()
    replies = [choose(twilio, "3", english=english)]
    replies += [twilio.press(key) for key in ("1", "1", IDPEL, "1", "1")]
    replies.append(post_recording(twilio))

    words = sum(len(reply.spoken().split()) for reply in replies)
    assert words <= budget
    assert len(complaints(db_session)) == 1
    assert complaints(db_session)[0].recording_url == RECORDING_URL
