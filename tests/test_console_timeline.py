"""The call page tells what happened in sentences, in the viewer's language: real calls and conversations in."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import CallEvent, Complaint
from tests.conftest import AUTH_TOKEN
from tests.support.calls import (
    A_AT,
    BEKASI_CALLER,
    IDPEL,
    SCRIPT,
    Scenario,
    phone_call,
    place_scenario,
)
from tests.support.console import add_staff, csrf_from, log_in
from tests.support.factories import DIALED, add_customer
from tests.support.journeys import set_clock
from tests.support.messaging import FakeMessenger
from tests.support.twilio import FakeTwilio

PATH = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"  # between the steps of a menu path


class Timeline(HTMLParser):
    """The sentences of a call page: (flow heading, [sentence, ...]) per section, and the raw events' kinds."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[str]]] = []
        self.raw_kinds: list[str] = []
        self.in_raw = False
        self._field: str | None = None
        self._cell = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and "timeline-flow" in classes:
            self.sections.append(("", []))
        elif tag == "h3" and "flow-title" in classes:
            self._field = "title"
        elif tag == "span" and "sentence-text" in classes:
            self.sections[-1][1].append("")
            self._field = "sentence"
        elif tag == "details" and "raw-events" in classes:
            self.in_raw = True
        elif tag == "tr" and self.in_raw:
            self._cell = 0
        elif tag == "td" and self.in_raw:
            self._cell += 1
            self._field = "kind" if self._cell == 3 else None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h3", "span", "td"):
            self._field = None
        if tag == "details":
            self.in_raw = False

    def handle_data(self, data: str) -> None:
        if self._field == "title":
            self.sections[-1] = (self.sections[-1][0] + data, self.sections[-1][1])
        elif self._field == "sentence":
            self.sections[-1][1][-1] += data
        elif self._field == "kind":
            self.raw_kinds.append(data.strip())

    @property
    def titles(self) -> list[str]:
        return [title for title, _ in self.sections]

    @property
    def sentences(self) -> list[str]:
        return [sentence for _, lines in self.sections for sentence in lines]


def timeline(client: FlaskClient, call_sid: str) -> Timeline:
    response = client.get(f"/console/calls/{call_sid}")
    assert response.status_code == 200
    return Timeline(response.get_data(as_text=True))


def in_english(client: FlaskClient) -> None:
    response = client.post("/console/language", data={"language": "en", "csrf_token": csrf_from(client, "/console/")})
    assert response.status_code == 302


@pytest.fixture
def people(db_session, regions) -> None:
    add_staff(db_session, regions)


@pytest.fixture
def customer(db_session, regions) -> None:
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number="14000000001", phone="+6281234567890")
    db_session.commit()


def test_a_call_in_sentences_grouped_by_flow(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, people, customer
) -> None:
    set_clock(app, A_AT)
    call = phone_call(twilio, BEKASI_CALLER, DIALED["BEKASI"])
    call.start()
    call.silence()
    call.press("8")
    call.say("cek tagihan", 0.87)
    call.press(IDPEL + "#")
    call.hang_up(duration=192)
    log_in(client, "agent.bekasi")

    page = timeline(client, call.call_sid)

    assert page.titles == ["", "Menu utama", "1 · Tagihan", "Menu utama"]  # back at "anything else?"
    start, menu, bill, ending = (lines for _, lines in page.sections)
    assert start == ["Menelepon (021) 5551234 ke (021) 8850123 (UP3 Bekasi)"]
    assert menu[0].startswith("Mendengar pilihan: 1 · Informasi tagihan, 2 · Lapor angka stand meter")
    assert menu[1:] == [
        "Tidak ada input (1 dari 3)",
        "Pilihan tidak tersedia: 8 (1 dari 3)",
        'Mengucapkan "cek tagihan" (0.87) → 1 · Informasi tagihan',
    ]
    assert bill[0].startswith("Ditanya: Silakan ketik ID pelanggan")
    assert bill[1:] == ["Memasukkan IDPEL …0001, pelanggan ditemukan, belum ada tagihan", "Mendapat yang dicari"]
    assert IDPEL not in " ".join(page.sentences)  # the number is masked in the sentences
    assert ending == ["Mendengar pilihan: 1 · Menu utama, 2 · Selesai, 0 · Bicara dengan petugas",
                      "Panggilan berakhir: selesai, 3:12"]  # fmt: skip
    assert {"call_started", "node", "no_input", "invalid_input", "input", "call_ended"} <= set(page.raw_kinds)

    in_english(client)
    english = timeline(client, call.call_sid)
    assert english.titles == ["", "Main menu", "1 · Bill", "Main menu"]
    assert english.sentences[0] == "Called (021) 8850123 from (021) 5551234 (UP3 Bekasi)"
    assert "No input (1 of 3)" in english.sentences
    assert "Not an option: 8 (1 of 3)" in english.sentences
    assert any(s.startswith('Said "cek tagihan" (0.87) → 1 · ') for s in english.sentences)
    assert "Entered customer ID …0001, customer found, no bill yet" in english.sentences
    assert english.sentences[-1] == "Call ended: completed, 3:12"


@pytest.fixture
def calls(app: Flask, twilio: FakeTwilio, db_session, regions, people) -> Scenario:
    return place_scenario(app, twilio, db_session, regions)


def test_what_a_call_created_and_its_callback_path_in_words(client: FlaskClient, calls: Scenario, db_session) -> None:
    [complaint] = db_session.scalars(select(Complaint).where(Complaint.call_sid == calls.jayapura)).all()
    log_in(client, "spv")

    made = timeline(client, calls.jayapura)
    assert made.titles == ["", "Menu utama", "3 · Gangguan / pengaduan", "Menu utama"]
    assert "Memilih 3 · Gangguan atau pengaduan" in made.sections[1][1]
    complaint_lines = made.sections[2][1]
    assert "Memilih 1 · Listrik di rumah atau tempat saya padam" in complaint_lines
    assert "Meninggalkan rekaman (12 detik)" in complaint_lines
    assert f"Tiket {complaint.ticket_number} dibuat" in complaint_lines
    assert not any(line.startswith("Sistem:") for line in made.sentences)  # every service here has words

    kupang = timeline(client, calls.kupang)
    assert "Permintaan telepon balik dicatat" in kupang.sentences
    html = client.get(f"/console/calls/{calls.kupang}").get_data(as_text=True)
    assert f'<p class="menu-path">Jalur menu: Menu utama {PATH} 0 · Bicara dengan agen</p>' in html
    listed = client.get("/console/callbacks").get_data(as_text=True)
    assert f">Menu utama {PATH} 0 · Bicara dengan agen</td>" in listed

    in_english(client)
    assert f"Ticket {complaint.ticket_number} created" in timeline(client, calls.jayapura).sentences
    assert "Callback request taken" in timeline(client, calls.kupang).sentences
    listed = client.get("/console/callbacks").get_data(as_text=True)
    assert f">Main menu {PATH} 0 · Talk to an agent</td>" in listed


def test_what_a_caller_keyed_is_escaped_in_the_sentences(client: FlaskClient, calls: Scenario) -> None:
    log_in(client, "spv")
    response = client.get(f"/console/calls/{calls.hostile}")
    html = response.get_data(as_text=True)

    assert f"Pilihan tidak tersedia: {SCRIPT} (1 dari 3)" in Timeline(html).sentences  # as text, once parsed
    assert SCRIPT not in html


def test_a_conversation_shows_what_was_written_and_what_was_answered(
    app: Flask, client: FlaskClient, people, customer, db_session
) -> None:
    set_clock(app, A_AT)
    whatsapp = FakeMessenger(client, AUTH_TOKEN, channel="whatsapp")
    whatsapp.send("Halo <b>PLN</b>")
    whatsapp.send("8")
    menu_reply = whatsapp.send("1")
    conversation = whatsapp.sent_sids[0]
    replies = db_session.scalars(select(CallEvent.detail).where(CallEvent.kind == "reply")).all()
    log_in(client, "spv")

    page = timeline(client, conversation)

    start, menu, bill = page.sections
    assert start[1] == [
        "Mulai percakapan WhatsApp dari 0812-3456-7890 ke 0811-0000-0123 (Kontak Nasional)",
        'Pesan masuk: "Halo <b>PLN</b>"',  # as text: the page escapes it
    ]
    said = menu[1]
    assert said[1] == f'Balasan terkirim: "{replies[0]["body"]}"'
    assert said[1].startswith('Balasan terkirim: "Halo, ini layanan pelanggan PLN 123.')
    assert said[2:4] == ['Pesan masuk: "8"', "Pilihan tidak tersedia: 8 (1 dari 3)"]
    assert said[4].startswith('Balasan terkirim: "Maaf, balasan Anda tidak kami kenali.')
    assert said[5:] == ['Pesan masuk: "1"', "Memilih 1 · Informasi tagihan"]
    assert bill == ("1 · Tagihan", [
        "Mendengar pilihan: 1 · Akun berakhiran …, 2 · Akun lain",
        f'Balasan terkirim: "{menu_text(menu_reply)}"',
    ])  # fmt: skip
    assert len(replies) == 3  # one per message answered

    in_english(client)
    english = timeline(client, conversation)
    assert english.sentences[:2] == [
        "Started a WhatsApp conversation from 0812-3456-7890 to 0811-0000-0123 (Kontak Nasional)",
        'Message received: "Halo <b>PLN</b>"',
    ]
    assert english.sentences[3].startswith('Reply sent: "Halo, ini layanan pelanggan PLN 123.')
    assert "Not an option: 8 (1 of 3)" in english.sentences


def menu_text(reply: object) -> str:
    return getattr(reply, "text", "")
