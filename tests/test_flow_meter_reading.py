"""Menu 2, self meter reading: window in local time, read-back, plausibility, replacement, SMS."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Reading
from db.references import READING_PREFIX, is_reference
from ivr.extensions import runtime
from tests.conftest import AUTH_TOKEN
from tests.support.factories import add_customer
from tests.support.journeys import RecordingSender, choose, set_clock
from tests.support.readings import IN_WINDOW, METER
from tests.support.twilio import FakeTwilio


def _readings(db_session) -> list[Reading]:
    db_session.expire_all()
    return list(db_session.scalars(select(Reading).where(Reading.source != "officer").order_by(Reading.id)))


def _report(twilio: FakeTwilio, stand: str, *, english: bool = False):
    choose(twilio, "2", english=english)
    twilio.press(METER)
    return twilio.press(stand)


def test_reading_is_read_back_confirmed_and_stored(twilio: FakeTwilio, db_session, meter) -> None:
    confirm = _report(twilio, "05150")
    done = twilio.press("1")

    assert "Angka stand nol, lima, satu, lima, nol untuk akun berakhiran nol, nol, nol, satu." in confirm.spoken()
    assert confirm.gather.get("numDigits") == "1"
    [reading] = _readings(db_session)
    assert (reading.stand, reading.status, reading.source, reading.period) == (
        5150,
        "accepted",
        "ivr",
        date(2026, 11, 1),
    )
    assert reading.call_sid == twilio.call_sid
    assert is_reference(reading.reference, READING_PREFIX)
    spoken = done.spoken()
    assert "Terima kasih, angka stand nol, lima, satu, lima, nol kami terima." in spoken
    assert "Nomor referensi Anda " + ", ".join(_words(reading.reference)) in spoken
    assert "seratus lima puluh kilowatt jam" in spoken  # 5150 - 5000


def _words(digits: str) -> list[str]:
    names = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
    return [names[int(d)] for d in digits]


def test_two_re_enters_the_reading(twilio: FakeTwilio, db_session, meter) -> None:
    _report(twilio, "5105")
    which = twilio.press("2")
    assert which.spoken() == "Ubah angka stand, tekan 1. Ubah akun, tekan 2."
    again = twilio.press("1")
    assert again.says()[0].text.startswith("Masukkan angka stand meter")
    twilio.press("5150")
    twilio.press("1")
    assert [r.stand for r in _readings(db_session)] == [5150]


def test_outside_the_window_says_when_it_opens_and_stores_nothing(
    app: Flask, twilio: FakeTwilio, db_session, meter
) -> None:
    set_clock(app, datetime(2026, 11, 27, 17, 30, tzinfo=UTC))  # 00:30 WIB on the 28th: window closed
    choose(twilio, "2")
    reply = twilio.press(METER)

    assert "mulai tanggal dua puluh empat Desember dua ribu dua puluh enam" in reply.spoken()
    assert "sampai tanggal dua puluh tujuh Desember" in reply.spoken()
    assert _readings(db_session) == []


def test_the_window_follows_the_regions_own_clock(app: Flask, twilio: FakeTwilio, db_session, regions) -> None:
    """23 Nov 15:30 UTC is still the 23rd in Bekasi (WIB) but already the 24th in Jayapura (WIT)."""
    set_clock(app, datetime(2026, 11, 23, 15, 30, tzinfo=UTC))
    add_customer(db_session, regions["JAYAPURA"], idpel="911100000001", meter_number="45000000001")
    add_customer(db_session, regions["BEKASI"])
    db_session.commit()
    twilio.caller = "+62967531234"
    choose(twilio, "2")
    papua = twilio.press("45000000001")

    other = FakeTwilio(client=twilio.client, auth_token=twilio.auth_token)
    choose(other, "2")
    bekasi = other.press(METER)

    assert papua.says()[0].text.startswith("Masukkan angka stand meter")
    assert "di luar jadwal baca meter mandiri" in bekasi.spoken()


def test_prepaid_meter_needs_no_reading(app: Flask, twilio: FakeTwilio, db_session, regions) -> None:
    set_clock(app, IN_WINDOW)
    add_customer(db_session, regions["BEKASI"], payment_type="prepaid")
    db_session.commit()
    choose(twilio, "2")
    assert "tidak perlu dilaporkan" in twilio.press(METER).spoken()
    assert _readings(db_session) == []


@pytest.mark.parametrize(
    ("stand", "warning", "reason"),
    [
        ("4990", "lebih kecil dari angka stand terakhir kami, yaitu lima, nol, nol, nol", "lower_than_last_accepted"),
        (
            "6000",
            "jauh di atas pemakaian Anda biasanya, sekitar seratus lima puluh kilowatt jam",
            "far_above_usual_use",
        ),
    ],
)
def test_implausible_reading_is_confirmed_once_more_then_flagged(
    twilio: FakeTwilio, db_session, meter, stand: str, warning: str, reason: str
) -> None:
    _report(twilio, stand)
    asked = twilio.press("1")
    done = twilio.press("1")

    assert warning in asked.spoken()
    [reading] = _readings(db_session)
    assert (reading.status, reading.flag_reason) == ("flagged", reason)
    assert "akan diperiksa oleh petugas kami" in done.spoken()


def test_implausible_reading_can_be_re_entered_instead(twilio: FakeTwilio, db_session, meter) -> None:
    _report(twilio, "4990")
    twilio.press("1")
    twilio.press("2")
    twilio.press("5100")
    twilio.press("1")
    assert [(r.stand, r.status) for r in _readings(db_session)] == [(5100, "accepted")]


def test_a_second_reading_replaces_the_first_only_after_confirmation(
    twilio: FakeTwilio, client, db_session, meter
) -> None:
    _report(twilio, "5100")
    twilio.press("1")
    first_ref = _readings(db_session)[0].reference

    keep = FakeTwilio(client=client, auth_token=twilio.auth_token)
    choose(keep, "2")
    asked = keep.press(METER)
    keep.press("2")
    exists = "Akun berakhiran nol, nol, nol, satu sudah punya laporan angka stand untuk periode baca meter ini"
    assert exists in asked.spoken()
    assert "lima, satu, nol, nol" not in asked.spoken()  # not the registered phone: not told the stand
    assert [r.status for r in _readings(db_session)] == ["accepted"]

    replace = FakeTwilio(client=client, auth_token=twilio.auth_token)
    choose(replace, "2")
    replace.press(METER)
    replace.press("1")
    replace.press("5120")
    replace.press("1")
    old, new = _readings(db_session)
    assert (old.reference, old.status) == (first_ref, "replaced")
    assert (new.stand, new.status, new.replaces_id) == (5120, "accepted", old.id)


def test_a_retried_confirmation_stores_one_reading(twilio: FakeTwilio, db_session, meter) -> None:
    _report(twilio, "5150")
    action = twilio.action_url
    first = twilio.post(action, {"Digits": "1"})
    retry = twilio.post(action, {"Digits": "1"})

    assert retry.body == first.body
    assert len(_readings(db_session)) == 1


def test_sms_confirmation_goes_to_a_mobile_through_the_outbox(
    app: Flask, twilio: FakeTwilio, db_session, meter
) -> None:
    sender = RecordingSender()
    runtime(app).core.sender = sender
    twilio.caller = "+6281234567890"  # the customer's own phone: the account is offered, not asked for
    choose(twilio, "2")
    twilio.press("1")
    twilio.press("5150")
    offer = twilio.press("1")
    queued = twilio.press("1")

    assert "konfirmasi melalui SMS, tekan 1" in offer.spoken()
    assert "akan kami kirim melalui SMS" in queued.spoken()
    reference = _readings(db_session)[0].reference
    assert sender.asked == 0  # the webhooks only wrote it down; the outbox worker sends it
    assert app.test_cli_runner().invoke(args=["send-outbox"]).exit_code == 0
    assert sender.sent == [
        ("+6281234567890", f"PLN: Angka stand 5150 untuk meter ***0001 telah kami terima. No. referensi {reference}.")
    ]


def test_no_sms_offer_to_a_landline(app: Flask, twilio: FakeTwilio, meter) -> None:
    runtime(app).core.sender = RecordingSender()
    _report(twilio, "5150")
    done = twilio.press("1")
    assert "SMS" not in done.spoken()


def test_english_reading(twilio: FakeTwilio, db_session, meter) -> None:
    confirm = _report(twilio, "5150", english=True)
    done = twilio.press("1")
    assert "Reading five, one, five, zero for the account ending zero, zero, zero, one." in confirm.spoken()
    assert "Thank you, your reading five, one, five, zero has been accepted." in done.spoken()
    assert "one hundred fifty kilowatt hours" in done.spoken()


def test_garbage_stand_is_refused_with_a_reason(twilio: FakeTwilio, db_session, meter) -> None:
    choose(twilio, "2")
    twilio.press(METER)
    reply = twilio.press("12a4")
    assert reply.says()[0].text.startswith("Maaf, angka stand hanya berisi angka")
    assert _readings(db_session) == []


# -- a reading window across a month end (start day after end day) ---------------------------------


def _window(db_session, meter, start: int, end: int) -> None:
    meter.customer.reading_window_start_day, meter.customer.reading_window_end_day = start, end
    db_session.commit()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 27, 17, 30, tzinfo=UTC),  # 00:30 WIB on 28 December: the window opens
        datetime(2026, 12, 31, 16, 30, tzinfo=UTC),  # 23:30 WIB on New Year's Eve
        datetime(2027, 1, 3, 16, 30, tzinfo=UTC),  # 23:30 WIB on 3 January: the window's last day
    ],
)
def test_a_window_across_the_year_end_is_open_on_both_sides(
    app: Flask, twilio: FakeTwilio, db_session, meter, moment: datetime
) -> None:
    _window(db_session, meter, 28, 3)
    set_clock(app, moment)
    _report(twilio, "05150")
    twilio.press("1")

    [reading] = _readings(db_session)
    assert (reading.stand, reading.status, reading.period) == (5150, "accepted", date(2026, 12, 1))


@pytest.mark.parametrize(
    ("moment", "opens", "closes"),
    [
        (  # 23:30 WIB on 27 December: not yet
            datetime(2026, 12, 27, 16, 30, tzinfo=UTC),
            "dua puluh delapan Desember dua ribu dua puluh enam",
            "tiga Januari dua ribu dua puluh tujuh",
        ),
        (  # 00:30 WIB on 4 January: over, next is January's
            datetime(2027, 1, 3, 17, 30, tzinfo=UTC),
            "dua puluh delapan Januari dua ribu dua puluh tujuh",
            "tiga Februari dua ribu dua puluh tujuh",
        ),
    ],
)
def test_outside_a_window_across_the_year_end_names_its_real_dates(
    app: Flask, twilio: FakeTwilio, db_session, meter, moment: datetime, opens: str, closes: str
) -> None:
    _window(db_session, meter, 28, 3)
    set_clock(app, moment)
    choose(twilio, "2")
    spoken = twilio.press(METER).spoken()

    assert "di luar jadwal baca meter mandiri" in spoken
    assert f"mulai tanggal {opens} sampai tanggal {closes}" in spoken
    assert _readings(db_session) == []


def test_outside_a_window_across_a_month_end_in_english(app: Flask, twilio: FakeTwilio, db_session, meter) -> None:
    _window(db_session, meter, 25, 5)
    set_clock(app, datetime(2026, 12, 6, 3, 0, tzinfo=UTC))  # 10:00 WIB on 6 December
    choose(twilio, "2", english=True)
    spoken = twilio.press(METER).spoken()

    assert (
        "from December twenty-fifth, two thousand twenty-six until January fifth, two thousand twenty-seven" in spoken
    )


def test_one_window_across_a_month_end_is_one_reading_period(app: Flask, client, db_session, meter) -> None:
    """A reading on 30 November and another on 2 December fall in the same window: the second replaces it."""
    _window(db_session, meter, 25, 5)
    set_clock(app, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    first = FakeTwilio(client=client, auth_token=AUTH_TOKEN)
    _report(first, "5100")
    first.press("1")

    set_clock(app, datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    second = FakeTwilio(client=client, auth_token=AUTH_TOKEN)
    second.caller = "+6281234567890"  # the customer's own phone: told the stand already reported
    choose(second, "2")
    asked = second.press("1")  # the account offered to its own phone
    second.press("1")  # replace it
    second.press("5120")
    second.press("1")

    assert "sudah melaporkan angka stand lima, satu, nol, nol untuk periode baca meter ini" in asked.spoken()
    old, new = _readings(db_session)
    assert (old.status, old.period) == ("replaced", date(2026, 11, 1))
    assert (new.stand, new.status, new.period) == (5120, "accepted", date(2026, 11, 1))


def test_a_window_across_the_year_end_follows_the_regions_clock(
    app: Flask, twilio: FakeTwilio, db_session, regions
) -> None:
    """3 Jan 15:30 UTC is still the 3rd in Bekasi (WIB) but already the 4th in Jayapura (WIT): closed there."""
    set_clock(app, datetime(2027, 1, 3, 15, 30, tzinfo=UTC))
    add_customer(db_session, regions["JAYAPURA"], idpel="911100000001", meter_number="45000000001", window=(28, 3))
    add_customer(db_session, regions["BEKASI"], window=(28, 3))
    db_session.commit()
    twilio.caller = "+62967531234"
    choose(twilio, "2")
    papua = twilio.press("45000000001")

    other = FakeTwilio(client=twilio.client, auth_token=twilio.auth_token)
    choose(other, "2")
    bekasi = other.press(METER)

    assert "di luar jadwal baca meter mandiri" in papua.spoken()
    assert "mulai tanggal dua puluh delapan Januari" in papua.spoken()
    assert bekasi.says()[0].text.startswith("Masukkan angka stand meter")
