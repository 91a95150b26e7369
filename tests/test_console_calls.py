"""Console calls, customers and live pages: real calls through webhooks, seen by agents and supervisors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from db.models import WHATSAPP, CallEvent, Complaint, Customer, Meter, Reading
from ivr.console import live as live_view
from ivr.extensions import runtime
from ivr.state import StateStoreError
from tests.conftest import DEFAULT_NOW
from tests.support.calls import (
    A_AT,
    ESCAPED_SCRIPT,
    HOSTILE_SIP,
    IDPEL,
    KUPANG_IDPEL,
    KUPANG_METER,
    METER,
    PHONE,
    SCRIPT,
    Scenario,
    insert_call,
    live_rows,
    phone_call,
    place_scenario,
    row_sids,
)
from tests.support.catalog import add_purchase
from tests.support.console import add_staff, choose_language, log_in
from tests.support.factories import DIALED, add_bill
from tests.support.journeys import set_clock
from tests.support.tickets import RECORDING_URL
from tests.support.twilio import FakeTwilio

KUPANG_PHONE_CALLER = "+623808215555"


@pytest.fixture
def people(db_session, regions) -> None:
    add_staff(db_session, regions)


@pytest.fixture
def calls(app: Flask, twilio: FakeTwilio, db_session, regions, people) -> Scenario:
    return place_scenario(app, twilio, db_session, regions)


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def listed(client: FlaskClient, query: str = "") -> list[str]:
    return row_sids(page(client, "/console/calls" + query))


# -- who sees which calls -------------------------------------------------------------------------


def test_agents_see_their_region_and_supervisors_see_all(client: FlaskClient, calls: Scenario) -> None:
    log_in(client, "agent.bekasi")
    assert listed(client) == [calls.bekasi, calls.hostile]
    assert listed(client, "?region=KUPANG") == [calls.bekasi, calls.hostile]  # another region is not a choice
    page(client, f"/console/calls/{calls.kupang}", 404)
    page(client, f"/console/calls/{calls.anonymous}", 404)  # national business
    page(client, "/console/calls/CAnothing", 404)

    log_in(client, "agent.kupang")
    assert listed(client) == [calls.kupang]
    page(client, f"/console/calls/{calls.bekasi}", 404)

    log_in(client, "spv")
    assert listed(client) == calls.all_newest_first


def test_the_calls_pages_need_a_login(client: FlaskClient, calls: Scenario) -> None:
    assert client.get("/console/calls").status_code == 302
    assert client.get(f"/console/calls/{calls.bekasi}").status_code == 302
    assert client.get("/console/live").status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?from=2026-11-23&to=2026-11-23", ["jayapura", "bekasi", "hostile"]),  # WIB days: B is 23:30 on the 22nd
        ("?from=2026-11-23&to=2026-11-23&region=KUPANG", ["kupang"]),  # ...but 00:30 WITA on the 23rd
        ("?to=2026-11-22", ["kupang", "anonymous"]),
        ("?region=BEKASI", ["bekasi", "hostile"]),
        ("?caller=0215551234", ["bekasi"]),
        ("?caller=%2B62+21+5551234", ["bekasi"]),
        ("?caller=anonymous", ["anonymous"]),
        ("?outcome=callback_requested", ["kupang"]),
        ("?outcome=hung_up_in_menu", ["hostile", "anonymous"]),
        ("?flow=bill", ["bekasi"]),
        ("?flow=complaint", ["jayapura"]),
        ("?flow=agent", ["kupang"]),
        ("?flow=bill&region=KUPANG", []),
    ],
)
def test_each_filter_narrows_the_list(client: FlaskClient, calls: Scenario, query: str, expected: list[str]) -> None:
    log_in(client, "spv")
    assert listed(client, query) == [getattr(calls, name) for name in expected]


def test_bad_filter_values_are_explained_not_applied(client: FlaskClient, calls: Scenario) -> None:
    log_in(client, "spv")
    html = page(client, "/console/calls?from=23-11-2026&outcome=nope&region=MARS")
    assert row_sids(html) == calls.all_newest_first
    for message in ("Tanggal awal harus berformat", "Hasil tidak dikenal", "Wilayah tidak dikenal"):
        assert message in html


def test_pages_are_stable_and_the_pager_keeps_the_filters(client: FlaskClient, db_session, regions, people) -> None:
    start = DEFAULT_NOW - timedelta(hours=2)
    made = [
        insert_call(db_session, f"CApage{i:03d}", regions["BEKASI"], start + timedelta(minutes=i // 3))
        for i in range(65)
    ]
    insert_call(db_session, "CAelsewhere", regions["KUPANG"], start)
    db_session.commit()
    expected = [c.call_sid for c in sorted(made, key=lambda c: (c.started_at, c.id), reverse=True)]
    log_in(client, "spv")

    first = page(client, "/console/calls?region=BEKASI")
    second = page(client, "/console/calls?region=BEKASI&page=2")

    assert row_sids(first) + row_sids(second) == expected
    assert len(row_sids(first)) == 50
    assert 'href="/console/calls?region=BEKASI&amp;page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'href="/console/calls?region=BEKASI&amp;page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    assert row_sids(page(client, "/console/calls?region=BEKASI&page=2")) == row_sids(second)


# -- one call ------------------------------------------------------------------------------------


def test_call_page_shows_caller_timeline_in_local_time_and_the_customer(client: FlaskClient, calls: Scenario) -> None:
    log_in(client, "agent.bekasi")
    html = page(client, f"/console/calls/{calls.bekasi}")

    assert '<span class="caller-national">(021) 5551234</span>' in html
    assert '<code class="caller-raw">+62215551234</code>' in html
    assert "UP3 Bekasi" in html
    assert "23 Nov 2026 10.00 WIB" in html
    assert "<td>10.00.00 WIB</td>" in html
    assert "WIT<" not in html
    assert "bill.ask_id" in html and f"digits: <code>{IDPEL}#</code>" in html
    assert "Selesai mandiri" in html and "0:42" in html
    assert f'href="/console/customers/{calls.customer_id}"' in html


def test_call_page_in_wit_and_what_the_call_created(client: FlaskClient, calls: Scenario, db_session) -> None:
    log_in(client, "spv")
    html = page(client, f"/console/calls/{calls.jayapura}")
    [complaint] = db_session.query(Complaint).filter_by(call_sid=calls.jayapura).all()

    assert "<td>12.00.00 WIT</td>" in html
    assert "10.00.00 WIB" not in html
    assert complaint.ticket_number in html
    assert "complaint.record_description" in html

    kupang = page(client, f"/console/calls/{calls.kupang}")
    assert "<td>00.30.00 WITA</td>" in kupang
    assert "Permintaan telepon balik" in kupang and "Ke (0380) 8211234" in kupang
    assert "Minta ditelepon balik" in kupang


def test_a_recording_is_a_link_only_when_it_is_https(client: FlaskClient, calls: Scenario, db_session) -> None:
    db_session.add(
        Complaint(ticket_number="3000000077", category="other", call_sid=calls.bekasi, recording_url=RECORDING_URL)
    )
    db_session.commit()
    log_in(client, "spv")

    safe = page(client, f"/console/calls/{calls.bekasi}")
    hostile = page(client, f"/console/calls/{calls.jayapura}")

    assert f'<a href="{RECORDING_URL}"' in safe
    assert 'href="javascript' not in hostile
    assert "javascript:alert(&#39;" + ESCAPED_SCRIPT in hostile
    assert SCRIPT not in hostile


def test_what_callers_sent_is_escaped_in_list_and_detail(client: FlaskClient, calls: Scenario) -> None:
    log_in(client, "agent.bekasi")
    listing = page(client, "/console/calls")
    detail = page(client, f"/console/calls/{calls.hostile}")
    searched = page(client, "/console/calls?caller=" + HOSTILE_SIP.replace("<", "%3C").replace(">", "%3E"))

    for html in (listing, detail, searched):
        assert ESCAPED_SCRIPT in html
        assert SCRIPT not in html
    assert f"sip:{ESCAPED_SCRIPT}@x" in listing
    assert detail.count(ESCAPED_SCRIPT) >= 3  # caller (national + raw) and the keys pressed
    assert row_sids(searched) == [calls.hostile]


# -- text conversations --------------------------------------------------------------------------

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def insert_conversation(session, region_id: int, photo: str = PHOTO, sid: str = "SMchat1") -> str:
    """A WhatsApp conversation as ivr/messaging writes it: a script typed, a photo sent, a reading made of it."""
    call = insert_call(session, sid, region_id, A_AT + timedelta(hours=1), caller=PHONE, flows=("meter_reading",))
    call.channel = WHATSAPP
    detail = {"sid": sid, "body": SCRIPT, "media": [{"url": photo, "type": "image/jpeg"}]}
    session.add(CallEvent(call_id=call.id, seq=2, at=call.started_at, kind="message", detail=detail))
    meter = session.query(Meter).filter_by(meter_number=METER).one()
    session.add(
        Reading(
            reference="2000000055", meter_id=meter.id, period=date(2026, 11, 1), stand=5200, status="flagged",
            source=WHATSAPP, call_sid=sid, media_url=photo, media_type="image/jpeg",
        )
    )  # fmt: skip
    session.commit()
    return sid


def test_the_list_shows_the_channel_and_filters_by_it(
    client: FlaskClient, calls: Scenario, db_session, regions
) -> None:
    chat = insert_conversation(db_session, regions["BEKASI"])
    log_in(client, "agent.bekasi")

    texts = page(client, "/console/calls?channel=whatsapp")
    voice = page(client, "/console/calls?channel=voice")

    assert row_sids(texts) == [chat]
    assert '<td class="channel">WhatsApp</td>' in texts and '<td class="channel">Telepon</td>' not in texts
    assert '<option value="whatsapp" selected>WhatsApp</option>' in texts
    assert row_sids(voice) == [calls.bekasi, calls.hostile]  # the conversation is not a phone call
    assert '<td class="channel">WhatsApp</td>' not in voice and '<td class="channel">Telepon</td>' in voice
    assert listed(client, "?channel=sms") == []
    assert listed(client) == [chat, calls.bekasi, calls.hostile]
    log_in(client, "agent.kupang")
    assert listed(client, "?channel=whatsapp") == []


def test_an_unknown_channel_is_explained_not_applied(client: FlaskClient, calls: Scenario, db_session, regions) -> None:
    chat = insert_conversation(db_session, regions["BEKASI"])
    log_in(client, "spv")
    html = page(client, "/console/calls?channel=fax")
    assert "Saluran tidak dikenal." in html
    assert row_sids(html) == [chat, *calls.all_newest_first]


def test_a_conversation_page_escapes_what_was_typed_and_links_the_photo(
    client: FlaskClient, calls: Scenario, db_session, regions
) -> None:
    chat = insert_conversation(db_session, regions["BEKASI"])
    log_in(client, "agent.bekasi")
    html = page(client, f"/console/calls/{chat}")

    assert f"<h1>Percakapan WhatsApp {chat}</h1>" in html
    assert '<dd class="channel">WhatsApp</dd>' in html
    assert f'<span class="message-body">{ESCAPED_SCRIPT}</span>' in html
    assert SCRIPT not in html
    assert f'<a href="{PHOTO}" rel="noopener noreferrer" target="_blank">Lihat lampiran</a>' in html  # timeline
    assert f'<a href="{PHOTO}" rel="noopener noreferrer" target="_blank">Lihat foto</a>' in html  # the reading
    assert "2000000055" in html and "5200" in html
    voice = page(client, f"/console/calls/{calls.bekasi}")
    assert f"<h1>Panggilan {calls.bekasi}</h1>" in voice and '<dd class="channel">Telepon</dd>' in voice


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        f"data:text/html,{SCRIPT}",
        "https:/no-host",
    ],
)
def test_a_photo_url_that_is_not_https_is_shown_not_linked(
    client: FlaskClient, calls: Scenario, db_session, regions, url: str
) -> None:
    chat = insert_conversation(db_session, regions["BEKASI"], photo=url)
    log_in(client, "spv")
    html = page(client, f"/console/calls/{chat}")

    assert "Lihat foto" not in html and "Lihat lampiran" not in html
    assert html.count(f"<code>{escape(url)}</code>") == 2  # in the timeline and the readings table
    assert SCRIPT not in html
    for shown in (escape(url), escape(url.strip())):
        assert f'href="{shown}' not in html


# -- speech in the timeline ----------------------------------------------------------------------

SPOKEN = [
    ("speech_missed", {"reason": "low_confidence", "attempt": 1, "transcript": "cek tagih", "confidence": 0.31,
                       "keys_only": False}),
    ("speech_missed", {"reason": "not_understood", "attempt": 2, "transcript": SCRIPT, "confidence": None,
                       "keys_only": True}),
    ("input", {"digits": "1", "mode": "speech", "transcript": "cek tagihan", "confidence": 0.82}),
    ("input", {"digits": "2", "mode": "keys"}),
]  # fmt: skip


def test_the_timeline_shows_what_was_said_and_what_was_not_understood(
    client: FlaskClient, db_session, regions, people
) -> None:
    call = insert_call(db_session, "CAspoken", regions["BEKASI"], A_AT, flows=("main_menu",))
    for seq, (kind, detail) in enumerate(SPOKEN, start=2):
        db_session.add(CallEvent(call_id=call.id, seq=seq, at=A_AT, kind=kind, flow="main_menu", node="menu",
                                 detail=detail))  # fmt: skip
    db_session.commit()
    log_in(client, "agent.bekasi")
    html = page(client, "/console/calls/CAspoken")

    assert (
        '<span class="speech">diucapkan "<span class="transcript">cek tagihan</span>"'
        ' <span class="confidence">(0.82)</span> &rarr; <code>1</code></span>'
    ) in html
    assert (
        '<span class="speech speech-missed">tidak dipahami: "<span class="transcript">cek tagih</span>"'
        ' <span class="confidence">(0.31)</span> · kurang yakin</span>'
    ) in html
    assert (
        f'tidak dipahami: "<span class="transcript">{ESCAPED_SCRIPT}</span>" · tidak cocok dengan pilihan'
        " · kini hanya tombol</span>"
    ) in html
    assert SCRIPT not in html
    assert "<span>digits: <code>2</code></span>, <span>mode: <code>keys</code></span>" in html


# -- customers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [IDPEL, METER, "081234567890", "+62 812-3456-7890"])
def test_customer_lookup_by_idpel_meter_or_phone(client: FlaskClient, calls: Scenario, query: str) -> None:
    log_in(client, "agent.bekasi")
    html = page(client, "/console/customers?q=" + query.replace("+", "%2B"))
    assert html.count('<tr class="customer-row">') == 1
    assert f'href="/console/customers/{calls.customer_id}"' in html


@pytest.mark.parametrize("query", [KUPANG_IDPEL, KUPANG_METER, "081299990000"])
def test_agents_find_only_their_regions_customers(client: FlaskClient, calls: Scenario, query: str) -> None:
    log_in(client, "agent.bekasi")
    assert '<tr class="customer-row">' not in page(client, f"/console/customers?q={query}")
    page(client, f"/console/customers/{calls.kupang_customer_id}", 404)
    log_in(client, "spv")
    assert f'href="/console/customers/{calls.kupang_customer_id}"' in page(client, f"/console/customers?q={query}")
    page(client, f"/console/customers/{calls.kupang_customer_id}")


def test_customer_page_bills_tokens_and_calls(client: FlaskClient, calls: Scenario, db_session) -> None:
    customer = db_session.get(Customer, calls.customer_id)
    meter = db_session.query(Meter).filter_by(meter_number=METER).one()
    for month in range(1, 11):
        add_bill(db_session, customer, DEFAULT_NOW.date().replace(month=month, day=1), kwh=100 + month, amount=200_000)
    add_purchase(db_session, meter, DEFAULT_NOW - timedelta(days=3), "12345678901234567890")
    insert_call(db_session, "CAfromphone", customer.region_id, DEFAULT_NOW, caller=customer.phone)
    db_session.commit()
    log_in(client, "agent.bekasi")

    html = page(client, f"/console/customers/{calls.customer_id}")

    assert "<code>1234 5678 9012 3456 7890</code>" in html
    assert "12345678901234567890" not in html
    assert "Okt 2026" in html and "Jan 2026" in html
    assert "Rp 200.000" in html
    assert row_sids(html) == ["CAfromphone"]
    choose_language(client, "en")
    html = page(client, f"/console/customers/{calls.customer_id}")
    assert "IDR 200,000" in html and "Oct 2026" in html and "Rp 200.000" not in html
    page(client, "/console/customers/999999", 404)


@pytest.mark.parametrize(
    ("window", "shown"),
    [((24, 27), "tanggal 24\u201327, setiap bulan"), ((25, 5), "tanggal 25\u20135 bulan berikutnya")],
)
def test_customer_page_says_when_a_reading_window_ends_the_month_after(
    client: FlaskClient, calls: Scenario, db_session, window: tuple[int, int], shown: str
) -> None:
    customer = db_session.get(Customer, calls.customer_id)
    customer.reading_window_start_day, customer.reading_window_end_day = window
    db_session.commit()
    log_in(client, "agent.bekasi")

    assert shown in page(client, f"/console/customers/{calls.customer_id}")


# -- live ----------------------------------------------------------------------------------------


@pytest.fixture
def on_the_line(app: Flask, twilio: FakeTwilio, people, monkeypatch: pytest.MonkeyPatch) -> None:
    """Now (pinned) 95 s after DEFAULT_NOW: two Bekasi callers (one waiting), one Kupang, one national."""
    set_clock(app, DEFAULT_NOW)
    phone_call(twilio, "+62215550001", DIALED["BEKASI"]).start()
    waiting = phone_call(twilio, "+62215550002", DIALED["BEKASI"])
    waiting.start()
    assert waiting.press("0").queue_name == "BEKASI"
    phone_call(twilio, KUPANG_PHONE_CALLER, DIALED["KUPANG"]).start()
    phone_call(twilio, "anonymous", DIALED["NASIONAL"]).start()
    monkeypatch.setattr(live_view, "now", lambda: DEFAULT_NOW.timestamp() + 95)


def test_live_numbers_for_a_supervisor(client: FlaskClient, on_the_line) -> None:
    log_in(client, "spv")
    response = client.get("/console/live")
    rows = live_rows(response.get_data(as_text=True))

    nobody = "Tidak ada yang menunggu"
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in response.get_data(as_text=True)
    assert rows["BEKASI"] == {"in-menu": "1", "waiting": "1", "longest": "1:35", "agents": "0", "urgent-waiting": "0"}
    assert rows["KUPANG"] == {"in-menu": "1", "waiting": "0", "longest": nobody, "agents": "0", "urgent-waiting": "0"}
    assert rows["NASIONAL"]["in-menu"] == "1"
    assert rows["JAYAPURA"] == {"in-menu": "0", "waiting": "0", "longest": nobody, "agents": "0", "urgent-waiting": "0"}


@pytest.mark.parametrize(
    ("username", "own", "other"), [("agent.bekasi", "BEKASI", "KUPANG"), ("agent.kupang", "KUPANG", "BEKASI")]
)
def test_agents_see_their_region_and_the_national_queue_live(
    client: FlaskClient, on_the_line, username: str, own: str, other: str
) -> None:
    log_in(client, username)
    rows = live_rows(page(client, "/console/live"))
    assert set(rows) == {own, "NASIONAL"}
    assert rows[own]["in-menu"] == "1"


def test_live_page_says_so_when_the_board_is_down(app: Flask, client: FlaskClient, people) -> None:
    class DeadBoard:
        def snapshot(self, now: float):
            raise StateStoreError("down")

    runtime(app).core.store.board = DeadBoard()
    log_in(client, "spv")
    html = page(client, "/console/live", 503)
    assert "tidak tersedia" in html


# -- across time zones, in either language --------------------------------------------------------

STARTED = re.compile(r'<td class="started"><a [^>]*>([^<]*)</a>(?:<br><span class="muted local">([^<]*)</span>)?</td>')


def test_calls_from_several_zones_are_listed_and_shown_on_one_clock(
    client: FlaskClient, db_session, regions, people
) -> None:
    """Jayapura's 11:30 WIT is before Bekasi's 10:00 WIB: newest first, on the list's WIB clock."""
    insert_call(db_session, "CAjayapura", regions["JAYAPURA"], datetime(2026, 11, 23, 2, 30, tzinfo=UTC))
    insert_call(db_session, "CAbekasi", regions["BEKASI"], datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    db_session.commit()
    log_in(client, "spv")

    html = page(client, "/console/calls")
    assert row_sids(html) == ["CAbekasi", "CAjayapura"]
    assert STARTED.findall(html) == [
        ("23 Nov 2026 10.00 WIB", ""),
        ("23 Nov 2026 09.30 WIB", "23 Nov 2026 11.30 WIT setempat"),
    ]

    choose_language(client, "en")
    html = page(client, "/console/calls")
    assert row_sids(html) == ["CAbekasi", "CAjayapura"]
    assert STARTED.findall(html) == [
        ("Nov 23, 2026, 10:00\u202fAM WIB", ""),
        ("Nov 23, 2026, 9:30\u202fAM WIB", "Nov 23, 2026, 11:30\u202fAM WIT local"),
    ]

    # Jayapura on its own: one zone, its own clock, nothing beneath
    assert STARTED.findall(page(client, "/console/calls?region=JAYAPURA")) == [("Nov 23, 2026, 11:30\u202fAM WIT", "")]


class TestBrand:
    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "utility_name": "Listrik Nusantara"}

    def test_the_console_is_branded_with_the_configured_utility(self, client: FlaskClient, people) -> None:
        log_in(client, "spv")
        html = page(client, "/console/calls")
        assert (
            ">Listrik Nusantara 123 Konsol</a>" in html and "<title>Panggilan · Listrik Nusantara 123</title>" in html
        )
        assert "PLN" not in html


def test_the_brand_defaults_to_pln_and_the_header_speaks_the_viewers_language(client: FlaskClient, people) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats")
    assert ">PLN 123 Konsol</a>" in html and ">Panggilan</a>" in html and "<button>Keluar</button>" in html
    choose_language(client, "en")
    html = page(client, "/console/stats")
    assert ">PLN 123 Console</a>" in html and ">Calls</a>" in html and ">Statistics</a>" in html
    assert "<button>Log out</button>" in html and "<title>Statistics · Voice · PLN 123</title>" in html
