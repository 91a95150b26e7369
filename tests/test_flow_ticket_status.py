"""Menu 4, ticket and request status, through signed webhooks: status, last change, note; nothing leaks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from ivr.engine import speech
from tests.support.factories import DIALED, add_customer
from tests.support.journeys import choose, set_clock
from tests.support.tickets import (
    NOW,
    add_complaint,
    add_reading,
    add_request,
    call_events,
    press_all,
)
from tests.support.twilio import FakeTwilio

TICKET, REQUEST = "3123456789", "6234567890"
NOTE = "Petugas pelayanan teknik sedang menuju lokasi."
CHANGED = NOW - timedelta(hours=20)  # 22 Nov 06:00 UTC = 13:00 WIB = 15:00 WIT


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def ticket(db_session, regions):
    complaint = add_complaint(
        db_session, regions["BEKASI"], ticket_number=TICKET, status="in_progress", updated_at=CHANGED, last_note=NOTE
    )
    db_session.commit()
    return complaint


def test_complaint_status_with_note_in_indonesian_and_wib(twilio: FakeTwilio, db_session, ticket) -> None:
    ask = choose(twilio, "4")
    reply = twilio.press(TICKET)

    assert ask.gather.get("finishOnKey") == "#"
    assert ask.gather.get("numDigits") == "10"
    assert "sepuluh angka nomor tiket" in ask.spoken()
    texts = [say.text for say in reply.root.findall("Say")]  # the answer: before the <Gather>, not cut off
    assert texts[0] == f"Tiket pengaduan nomor {speech.digits(TICKET, 'id')}."
    assert texts[1] == "Status: sedang ditangani petugas."
    assert texts[2] == "Diperbarui dua puluh dua November dua ribu dua puluh enam, pukul tiga belas tepat WIB."
    assert texts[3:5] == ["Catatan petugas:", NOTE]
    assert len(texts) == 5
    asked = [say.text for say in reply.gather.findall("Say")]
    assert asked[0] == "Ada lagi yang bisa kami bantu? Tekan 1 untuk menu utama, tekan 2 untuk mengakhiri."
    assert reply.gather.get("numDigits") == "1"


def test_complaint_status_in_english_and_wit(twilio: FakeTwilio, db_session, ticket) -> None:
    twilio.dialed = DIALED["JAYAPURA"]
    choose(twilio, "4", english=True)
    reply = twilio.press(TICKET)

    says = reply.root.findall("Say")
    texts = [say.text for say in says]
    assert texts[0] == f"Complaint ticket number {speech.digits(TICKET, 'en')}."
    assert texts[1] == "Status: being handled by our officers."
    assert texts[2] == "Updated November twenty-second, two thousand twenty-six, at three p.m. WIT."
    assert texts[3] == "The officer's last note, in Indonesian:"
    assert (texts[4], says[4].get("language")) == (NOTE, "id-ID")
    assert says[3].get("language") == "en-US"


@pytest.mark.parametrize(
    ("english", "intro", "state", "no_note"),
    [
        (False, "Permohonan layanan nomor", "Status: diterima, menunggu penanganan.", "Belum ada catatan petugas."),
        (True, "Service request number", "Status: received, waiting to be handled.", "No note from our officers yet."),
    ],
)
def test_request_status_without_a_note(twilio: FakeTwilio, db_session, regions, english, intro, state, no_note) -> None:
    add_request(db_session, regions["BEKASI"], reference=REQUEST, updated_at=NOW - timedelta(hours=3))
    db_session.commit()
    choose(twilio, "4", english=english)
    spoken = twilio.press(REQUEST).spoken()

    assert intro in spoken
    assert state in spoken
    assert no_note in spoken
    assert ("six a.m. WIB" if english else "pukul enam tepat WIB") in spoken


@pytest.mark.parametrize(
    ("status", "reviewed", "note", "heard", "when"),
    [
        ("accepted", False, None, "angka stand meter diterima", "pukul empat tepat WIB"),
        ("flagged", False, None, "sedang diperiksa petugas", "pukul empat tepat WIB"),
        ("rejected", True, "Foto meter tidak terbaca.", "angka stand meter tidak dapat", "pukul delapan tepat WIB"),
    ],
)
def test_reading_status_in_words(twilio: FakeTwilio, db_session, regions, status, reviewed, note, heard, when) -> None:
    _, meter = add_customer(db_session, regions["BEKASI"])
    add_reading(
        db_session,
        meter,
        reference="2345678901",
        status=status,
        submitted_at=NOW - timedelta(hours=5),
        reviewed_at=NOW - timedelta(hours=1) if reviewed else None,
        review_note=note,
    )
    db_session.commit()
    choose(twilio, "4")
    spoken = twilio.press("2345678901").spoken()

    assert "Laporan stand meter nomor" in spoken
    assert f"Status: {heard}" in spoken
    assert when in spoken
    assert (note or "Belum ada catatan petugas.") in spoken


def test_unknown_number_reveals_nothing_and_may_be_retried(twilio: FakeTwilio, db_session, ticket) -> None:
    choose(twilio, "4")
    missing = twilio.press("3999999999")
    found = press_all(twilio, "1", TICKET)

    assert missing.says()[0].text == f"Maaf, nomor {speech.digits('3999999999', 'id')} tidak kami temukan."
    assert "Untuk nomor lain, tekan 1. Jika tidak, tekan 2." in missing.spoken()
    assert "Status:" not in missing.spoken()
    assert NOTE not in missing.spoken()
    assert "sedang ditangani" in found.spoken()


def test_a_reference_of_another_type_is_not_found(twilio: FakeTwilio, db_session, ticket) -> None:
    choose(twilio, "4")
    reply = twilio.press("6" + TICKET[1:])  # the ticket's digits behind a request's type digit

    assert "tidak kami temukan" in reply.spoken()
    assert "Tiket pengaduan" not in reply.spoken()


def test_anything_else_after_an_unknown_number(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "4")
    twilio.press("3999999999")
    reply = twilio.press("2")

    assert [say.text for say in reply.says()] == [
        "Ada lagi yang bisa kami bantu? Tekan 1 untuk menu utama, tekan 2 untuk mengakhiri.",  # nothing to hear again
        "Petugas, tekan 0.",
    ]
    assert twilio.press("1").says()[1].text.startswith("Tagihan, tekan 1")  # after "Sebutkan keperluan Anda ..."


def test_three_unknown_numbers_lead_to_an_agent(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "4")
    replies = []
    for attempt in range(3):
        replies.append(twilio.press(f"300000000{attempt}"))
        if attempt < 2:
            twilio.press("1")

    assert replies[1].gather is not None
    last = replies[2]
    assert last.gather is None
    assert last.queue_name == "BEKASI"
    assert "juga tidak kami temukan" in last.spoken()
    assert "kesulitan" in last.spoken()


def test_garbage_input_says_why_and_three_failures_reach_an_agent(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "4")
    short = twilio.press("12345")
    wrong_type = twilio.press("9123456789")
    garbage = twilio.press("31*4567890")

    for reply in (short, wrong_type):
        assert reply.says()[0].text.startswith("Maaf, nomor tidak sesuai. Nomor tiket atau referensi")
        assert reply.gather.get("numDigits") == "10"
    assert garbage.queue_name == "BEKASI"
    reasons = [e.detail["reason"] for e in call_events(db_session, twilio.call_sid) if e.kind == "invalid_input"]
    assert reasons == ["too_short", "rejected", "not_digits"]


def test_the_call_timeline_shows_the_lookup(twilio: FakeTwilio, db_session, ticket) -> None:
    choose(twilio, "4")
    twilio.press(TICKET)

    events = [e for e in call_events(db_session, twilio.call_sid) if e.flow == "ticket_status"]
    assert [(e.kind, e.node) for e in events] == [
        ("node", "ask_reference"),
        ("input", "ask_reference"),
        ("node", "lookup"),
        ("service", "lookup"),
        ("node", "complaint_intro"),
        ("served", "complaint_intro"),
        ("node", "state"),
        ("service", "state"),
        ("node", "is_in_progress"),
        ("node", "note"),
        ("service", "note"),
        ("node", "with_note"),
    ]
    assert events[1].detail["digits"] == TICKET
    assert [e.detail["outcome"] for e in events if e.kind == "service"] == ["complaint", "in_progress", "note"]


# -- an agent's note with markup is read as plain words --------------------------------------------

MARKED_UP = (
    "<p><b>Petugas</b> &amp; tim&nbsp;teknik **sedang menuju** lokasi.</p>\n\n"
    '<break time="10s"/><prosody rate="x-slow">Cek</prosody> https://pln.example/peta?id=1&amp;x=2 '
    "&lt;speak&gt;estimasi&lt;/speak&gt; _2 jam_ [peta gangguan](https://pln.example/g)."
)
PLAIN = "Petugas & tim teknik sedang menuju lokasi. Cek estimasi 2 jam peta gangguan."


@pytest.mark.parametrize("english", [False, True])
def test_a_note_with_markup_is_spoken_as_plain_words(twilio: FakeTwilio, db_session, regions, english) -> None:
    add_complaint(db_session, regions["BEKASI"], ticket_number=TICKET, updated_at=CHANGED, last_note=MARKED_UP)
    db_session.commit()
    choose(twilio, "4", english=english)
    reply = twilio.press(TICKET)

    says = reply.says()
    [note] = [say for say in says if say.text == PLAIN]
    assert (note.get("language"), list(note)) == ("id-ID", [])  # plain text: no SSML child elements
    everything = " ".join(say.text or "" for say in says)
    for leftover in ("<", ">", "*", "_", "http", "pln.example", "time=", "prosody", "nbsp", "&amp;", "&lt;"):
        assert leftover not in everything


def test_a_long_note_is_cut_at_a_word(twilio: FakeTwilio, db_session, regions) -> None:
    note = "Petugas   kami\n\nakan  datang. " * 40  # 1,120 characters with runs of spaces and blank lines
    add_complaint(db_session, regions["BEKASI"], ticket_number=TICKET, updated_at=CHANGED, last_note=note)
    db_session.commit()
    choose(twilio, "4")
    texts = [say.text or "" for say in twilio.press(TICKET).says()]

    [heard] = [text for text in texts if text.startswith("Petugas kami akan datang.")]
    assert len(heard) <= 300
    assert heard.endswith("...") and "  " not in heard
    assert heard[: -len("...")].split(" ")[-1] in {"Petugas", "kami", "akan", "datang."}
