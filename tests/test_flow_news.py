"""Menu 7, announcements and the PLN Mobile app link, through signed webhooks (voice, SMS and WhatsApp)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import QUEUED, OutboxMessage
from ivr.config import DEFAULT_APP_LINK, ConfigError, Settings, settings_from_env
from ivr.extensions import runtime
from tests.conftest import AUTH_TOKEN
from tests.support.catalog import add_announcement
from tests.support.factories import DIALED
from tests.support.journeys import RecordingSender, choose, set_clock
from tests.support.messaging import FakeMessenger
from tests.support.twilio import FakeTwilio, Reply

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB, 09:00 WITA, 10:00 WIT
MOBILE = "+6281234567890"
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def sender(app: Flask) -> RecordingSender:
    """SMS sending configured (the outbox is written; nothing is sent by a web request)."""
    fake = RecordingSender()
    runtime(app).core.sender = fake
    return fake


@pytest.fixture
def news(db_session, regions) -> None:
    """Around NOW: what Bekasi and Jayapura callers may hear, and what nobody hears any more or yet."""
    bekasi, jayapura = regions["BEKASI"], regions["JAYAPURA"]
    add_announcement(db_session, bekasi, NOW - 3 * DAY, NOW + DAY, "Kantor Bekasi tutup.", "Bekasi office closed.")
    add_announcement(db_session, None, NOW - DAY, NOW + 9 * DAY, "Unduh PLN Mobile.", "Get PLN Mobile.")
    add_announcement(db_session, jayapura, NOW - 2 * DAY, NOW + DAY, "Khusus Jayapura.")
    add_announcement(db_session, bekasi, NOW + timedelta(minutes=1), NOW + DAY, "Belum mulai.")
    add_announcement(db_session, bekasi, NOW - 3 * DAY, NOW, "Sudah selesai tepat sekarang.")
    add_announcement(db_session, bekasi, NOW - DAY, NOW + DAY, "Diakhiri admin.", ended_at=NOW - timedelta(hours=1))
    db_session.commit()


def _texts(reply: Reply) -> list[str]:
    return [(say.text or "").strip() for say in reply.says()]


def _news(twilio: FakeTwilio, *, english: bool = False) -> Reply:
    choose(twilio, "7", english=english)
    return twilio.press("3")


def _outbox(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# -- announcements by voice -----------------------------------------------------------------------


def test_the_information_menu_offers_news_and_the_app_link(twilio: FakeTwilio) -> None:
    spoken = choose(twilio, "7").spoken()

    assert "Untuk berita dan pengumuman di wilayah Anda, tekan 3." in spoken
    assert "Untuk menerima tautan aplikasi PLN Mobile melalui SMS, tekan 4." in spoken


def test_a_caller_hears_the_current_announcements_of_their_region_newest_first(twilio: FakeTwilio, news) -> None:
    reply = _news(twilio)

    assert _texts(reply)[:3] == [
        "Berikut pengumuman terbaru untuk wilayah Anda.",
        "Unduh PLN Mobile.",  # every region, started a day ago
        "Kantor Bekasi tutup.",  # Bekasi's own, started three days ago
    ]
    assert _texts(reply)[3:] == [  # the ending every task has: 3 reads them again
        "Ada lagi yang bisa kami bantu? Tekan 1 untuk menu utama, tekan 2 untuk mengakhiri.",
        "Untuk mendengar lagi, tekan 3.",
    ]
    assert reply.gather is not None and reply.gather.get("numDigits") == "1"


def test_another_region_hears_its_own_and_every_regions(twilio: FakeTwilio, news) -> None:
    twilio.dialed = DIALED["JAYAPURA"]
    assert _texts(_news(twilio))[1:3] == ["Unduh PLN Mobile.", "Khusus Jayapura."]


def test_english_callers_hear_the_english_text_in_an_english_voice(twilio: FakeTwilio, news) -> None:
    says = _news(twilio, english=True).says()

    assert [say.text for say in says[:3]] == [
        "Here are the latest announcements for your area.",
        "Get PLN Mobile.",
        "Bekasi office closed.",
    ]
    assert {say.get("language") for say in says} == {"en-US"}


def test_at_most_three_are_read(twilio: FakeTwilio, db_session, regions) -> None:
    for n in range(1, 6):
        add_announcement(db_session, regions["BEKASI"], NOW - n * timedelta(hours=1), NOW + DAY, f"Berita {n}.")
    db_session.commit()

    assert _texts(_news(twilio))[1:4] == ["Berita 1.", "Berita 2.", "Berita 3."]
    assert "Berita 4." not in twilio.last.spoken()


def test_no_news_says_so_and_asks_if_there_is_anything_else(twilio: FakeTwilio, db_session, regions) -> None:
    add_announcement(db_session, regions["JAYAPURA"], NOW - DAY, NOW + DAY, "Khusus Jayapura.")
    db_session.commit()
    reply = _news(twilio)

    assert _texts(reply)[0] == "Saat ini tidak ada pengumuman untuk wilayah Anda."
    assert "Khusus Jayapura" not in reply.spoken()
    assert "Ada lagi yang bisa kami bantu?" in reply.spoken()


def test_markup_is_spoken_as_plain_text_and_escaped_in_twiml(twilio: FakeTwilio, db_session, regions) -> None:
    text = '<Hangup/> <speak>Listrik & "air"</speak>'
    add_announcement(db_session, regions["BEKASI"], NOW - DAY, NOW + DAY, text)
    db_session.commit()
    reply = _news(twilio)

    assert _texts(reply)[1] == text
    assert not reply.hangs_up and "<Hangup/>" not in reply.body and "&lt;Hangup/&gt;" in reply.body


def test_hear_again_then_silence_says_goodbye(twilio: FakeTwilio, news) -> None:
    first = _news(twilio)
    again = twilio.press("3")
    goodbye = twilio.silence()

    assert _texts(again) == _texts(first)
    assert goodbye.hangs_up and goodbye.dial_number is None


def test_start_and_end_are_the_announcements_own_moments_on_every_clock(
    app: Flask, twilio: FakeTwilio, db_session, regions
) -> None:
    """09:00-17:00 WITA is 01:00-09:00 UTC: heard from its first minute, not in its last."""
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    add_announcement(db_session, regions["KUPANG"], start, start + timedelta(hours=8), "Kupang pukul sembilan.")
    db_session.commit()
    heard = {}
    for moment in (
        start - timedelta(seconds=1),
        start,
        start + timedelta(hours=8, seconds=-1),
        start + timedelta(hours=8),
    ):
        set_clock(app, moment)
        call = FakeTwilio(client=twilio.client, auth_token=AUTH_TOKEN, dialed=DIALED["KUPANG"])
        heard[moment.strftime("%H:%M:%S")] = "Kupang pukul sembilan." in _news(call).spoken()

    assert heard == {"00:59:59": False, "01:00:00": True, "08:59:59": True, "09:00:00": False}


# -- announcements as text ------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_a_text_conversation_lists_them_as_text(client, db_session, regions, news, channel: str) -> None:
    """A mobile number has no area code: the conversation is the national region's, so every region's news."""
    add_announcement(db_session, regions["NASIONAL"], NOW - 2 * DAY, NOW + DAY, "Nasional <b>penting</b>.")
    db_session.commit()
    messenger = FakeMessenger(client, AUTH_TOKEN, channel=channel)
    messenger.send("Halo")
    menu = messenger.send("7")
    reply = messenger.send("3")

    assert "3. Berita dan pengumuman di wilayah Anda" in menu.lines and "4. Tautan aplikasi PLN Mobile" in menu.lines
    assert reply.lines[:3] == [
        "Pengumuman terbaru untuk wilayah Anda:",
        "- Unduh PLN Mobile.",
        "- Nasional <b>penting</b>.",
    ]
    assert "3. Tampilkan lagi" in reply.lines
    assert "Kantor Bekasi" not in reply.text and "&lt;b&gt;" in reply.body


def test_a_text_conversation_in_english(client, news) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    messenger.send("Halo")
    messenger.send("9")
    messenger.send("7")
    reply = messenger.send("3")

    assert reply.lines[:2] == ["Latest announcements for your area:", "- Get PLN Mobile."]


# -- the app link ---------------------------------------------------------------------------------


def _ask_for_the_link(twilio: FakeTwilio, *, english: bool = False) -> Reply:
    choose(twilio, "7", english=english)
    return twilio.press("4")


def test_a_mobile_caller_gets_the_link_by_sms_once_per_call(twilio: FakeTwilio, db_session, sender) -> None:
    twilio.caller = MOBILE
    first = _ask_for_the_link(twilio)
    twilio.press("1")  # anything else? the main menu
    twilio.press("7")
    second = twilio.press("4")

    assert "Tautan aplikasi PLN Mobile akan segera kami kirim melalui SMS ke nomor Anda." in first.spoken()
    assert "sudah kami kirim" in second.spoken()
    assert "Ada lagi yang bisa kami bantu?" in second.spoken()
    [row] = _outbox(db_session)
    assert (row.call_sid, row.to_number, row.status, row.purpose) == (
        twilio.call_sid, MOBILE, QUEUED, "information.app_link_sms"
    )  # fmt: skip
    assert row.body == f"PLN: Unduh aplikasi PLN Mobile di {DEFAULT_APP_LINK}"
    assert sender.asked == 0  # the outbox worker sends it, never the web request


def test_a_retried_webhook_queues_no_second_sms(twilio: FakeTwilio, db_session, sender) -> None:
    twilio.caller = MOBILE
    choose(twilio, "7")
    action = twilio.action_url
    first = twilio.post(action, {"Digits": "4"})
    retry = twilio.post(action, {"Digits": "4"})

    assert retry.body == first.body
    assert len(_outbox(db_session)) == 1


def test_each_call_may_ask_once_and_in_its_language(client, db_session, regions, sender) -> None:
    calls = [FakeTwilio(client=client, auth_token=AUTH_TOKEN, caller=MOBILE) for _ in range(2)]
    _ask_for_the_link(calls[0])
    _ask_for_the_link(calls[1], english=True)

    rows = _outbox(db_session)
    assert [row.call_sid for row in rows] == [call.call_sid for call in calls]
    assert rows[1].body == f"PLN: Download the PLN Mobile app at {DEFAULT_APP_LINK}"


def _no_sms(twilio: FakeTwilio, db_session, caller: str) -> None:
    twilio.caller = caller
    reply = _ask_for_the_link(twilio)

    assert "Mohon maaf, kami tidak dapat mengirim SMS ke nomor ini." in reply.spoken()
    assert "Ada lagi yang bisa kami bantu?" in reply.spoken()
    assert _outbox(db_session) == []


def test_no_sms_to_a_landline(twilio: FakeTwilio, db_session, sender) -> None:
    _no_sms(twilio, db_session, "+62215551234")


def test_no_sms_when_sending_is_not_configured(app: Flask, twilio: FakeTwilio, db_session) -> None:
    assert not runtime(app).core.sender.enabled
    _no_sms(twilio, db_session, MOBILE)


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_a_text_conversation_gets_the_link_in_the_reply(client, db_session, regions, channel: str) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel=channel)
    messenger.send("Halo")
    messenger.send("7")
    reply = messenger.send("4")

    assert reply.lines[0] == f"Unduh aplikasi PLN Mobile di {DEFAULT_APP_LINK}"
    assert _outbox(db_session) == []


class TestAConfiguredLink:
    LINK = "https://contoh.pln.co.id/aplikasi"

    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "app_link_url": self.LINK}

    def test_is_the_one_sent(self, twilio: FakeTwilio, db_session, sender) -> None:
        twilio.caller = MOBILE
        _ask_for_the_link(twilio)
        assert [row.body for row in _outbox(db_session)] == [f"PLN: Unduh aplikasi PLN Mobile di {self.LINK}"]


def test_the_link_setting_is_read_from_the_environment_and_checked() -> None:
    assert Settings().app_link_url == DEFAULT_APP_LINK
    assert settings_from_env({"APP_LINK_URL": "https://pln.id/m"}).app_link_url == "https://pln.id/m"
    base = {"env": "test", "twilio_auth_token": "t"}
    Settings(**base).check()
    for bad in ("http://www.pln.co.id/pln-mobile", "pln.co.id", "https://pln.co.id/" + "a" * 90, "https://a b.id"):
        with pytest.raises(ConfigError, match="APP_LINK_URL"):
            Settings(**base, app_link_url=bad).check()
