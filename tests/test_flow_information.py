"""Menu 7, tariffs and planned maintenance, through signed webhooks: spoken from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Tariff
from tests.support.catalog import add_notice, add_tariffs, says_starting
from tests.support.factories import DIALED
from tests.support.journeys import choose, set_clock
from tests.support.twilio import FakeTwilio

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB, 10:00 WIT
AREA = "Perumahan Grand Wisata, Tambun Selatan"


@pytest.fixture(autouse=True)
def clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def tariffs(db_session, regions) -> list[Tariff]:
    rows = add_tariffs(db_session)
    db_session.commit()
    return rows


def _tariff_lines(reply) -> list[str]:
    return says_starting(reply, "Golongan") or says_starting(reply, "Class")


def _hear_group(twilio: FakeTwilio, group: str, *, english: bool = False):
    choose(twilio, "7", english=english)
    twilio.press("1")
    return twilio.press(group)


def test_household_tariffs_are_read_row_by_row_from_the_table(twilio: FakeTwilio, tariffs) -> None:
    choose(twilio, "7")
    groups = twilio.press("1")
    reply = twilio.press("1")

    assert "Rumah tangga, tekan 1" in groups.spoken()
    assert _tariff_lines(reply) == [
        "Golongan R 1, daya sembilan ratus VA, enam ratus lima rupiah per kilowatt jam.",
        "Golongan R 1, daya seribu tiga ratus VA, seribu empat ratus empat puluh lima rupiah per kilowatt jam.",
        "Golongan R 2, daya tiga ribu lima ratus VA sampai lima ribu lima ratus VA, "
        "seribu tujuh ratus rupiah per kilowatt jam.",
        "Golongan R 3, daya enam ribu enam ratus VA ke atas, seribu tujuh ratus rupiah per kilowatt jam.",
    ]
    assert reply.gather.findall("Say")[-1].text == "Untuk golongan lain, tekan 4."
    assert reply.gather.findall("Say")[-3].text.startswith("Ada lagi yang bisa kami bantu?")
    assert reply.root.findall("Say") == []  # a list of tariffs is no answer to keep: a key may cut it short


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (
            "2",
            [
                "Golongan B 2, daya enam ribu enam ratus VA sampai dua ratus kVA, "
                "seribu empat ratus empat puluh lima rupiah per kilowatt jam.",
                "Golongan B 3, daya di atas dua ratus kVA, seribu seratus lima belas rupiah per kilowatt jam.",
            ],
        ),
        ("3", ["Golongan I 3, daya di atas dua ratus kVA, seribu seratus lima belas rupiah per kilowatt jam."]),
        (
            "4",
            [
                "Golongan S 2, daya sembilan ratus VA, enam ratus lima rupiah per kilowatt jam.",
                "Golongan P 1, daya enam ribu enam ratus VA sampai dua ratus kVA, "
                "seribu tujuh ratus rupiah per kilowatt jam.",
            ],
        ),
    ],
)
def test_each_group_hears_only_its_classes(twilio: FakeTwilio, tariffs, group: str, expected: list[str]) -> None:
    assert _tariff_lines(_hear_group(twilio, group)) == expected


def test_a_rate_changed_in_the_database_is_what_callers_hear(twilio: FakeTwilio, db_session, tariffs) -> None:
    row = db_session.scalars(select(Tariff).where(Tariff.tariff_class == "R-1", Tariff.power_min_va == 1300)).one()
    row.rate_per_kwh = Decimal("1512.49")
    db_session.commit()
    lines = _tariff_lines(_hear_group(twilio, "1"))

    assert "Golongan R 1, daya seribu tiga ratus VA, seribu lima ratus dua belas rupiah per kilowatt jam." in lines
    assert not any("empat puluh lima rupiah" in line for line in lines)
    db_session.expire_all()
    assert db_session.get(Tariff, row.id).rate_per_kwh == Decimal("1512.49")  # rounded for speech only


def test_a_future_tariff_is_not_read_yet(twilio: FakeTwilio, db_session, tariffs) -> None:
    add_tariffs(db_session, (("R-1", 900, 900, "999.00"),), effective=(NOW + timedelta(days=30)).date())
    db_session.commit()
    lines = _tariff_lines(_hear_group(twilio, "1"))

    assert lines[0] == "Golongan R 1, daya sembilan ratus VA, enam ratus lima rupiah per kilowatt jam."
    assert len(lines) == 4


def test_a_group_without_tariffs_says_so_and_asks_again(twilio: FakeTwilio, db_session, regions) -> None:
    add_tariffs(db_session, (("R-1", 900, 900, "605.00"),))
    db_session.commit()
    reply = _hear_group(twilio, "3")

    assert reply.says()[0].text.startswith("Maaf, tarif golongan ini belum tersedia")
    assert _tariff_lines(reply) == []
    assert "Industri, tekan 3" in reply.spoken()


def test_after_the_tariffs_hear_again_another_group_or_the_main_menu(twilio: FakeTwilio, tariffs) -> None:
    first = _hear_group(twilio, "3")
    again = twilio.press("3")
    groups = twilio.press("4")
    social = twilio.press("4")
    menu = twilio.press("1")

    assert _tariff_lines(again) == _tariff_lines(first)
    assert "Rumah tangga, tekan 1" in groups.spoken()
    assert _tariff_lines(social)[0].startswith("Golongan S 2")
    assert "Tarif dan pemeliharaan, tekan 7" in menu.spoken()


def test_english_tariffs(twilio: FakeTwilio, tariffs) -> None:
    lines = _tariff_lines(_hear_group(twilio, "2", english=True))

    assert lines == [
        "Class B 2, six thousand six hundred VA to two hundred kVA, "
        "one thousand four hundred forty-five rupiah per kilowatt hour.",
        "Class B 3, above two hundred kVA, one thousand one hundred fifteen rupiah per kilowatt hour.",
    ]


# -- planned maintenance ----------------------------------------------------------------------


def _notices(db_session, regions) -> None:
    """Bekasi and Jayapura notices around NOW; only some are within the seven days ahead."""
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    for code in ("BEKASI", "JAYAPURA"):
        region = regions[code]
        add_notice(db_session, region, utc(2026, 3, 8, 16, 0), utc(2026, 3, 8, 16, 30), f"Nanti {code}")
        add_notice(
            db_session, region, utc(2026, 3, 3, 2, 0), utc(2026, 3, 3, 8, 0), f"Besok {code}", "Penggantian trafo"
        )
    add_notice(db_session, regions["BEKASI"], utc(2026, 2, 28, 2, 0), utc(2026, 2, 28, 8, 0), "Sudah lewat")
    add_notice(db_session, regions["BEKASI"], utc(2026, 3, 9, 2, 0), utc(2026, 3, 9, 8, 0), "Terlalu jauh")
    db_session.commit()


def _maintenance(twilio: FakeTwilio, *, english: bool = False):
    choose(twilio, "7", english=english)
    return twilio.press("2")


def test_maintenance_in_wib_is_read_in_order_with_area_and_reason(twilio: FakeTwilio, db_session, regions) -> None:
    _notices(db_session, regions)
    reply = _maintenance(twilio)

    spoken = [(say.text or "").strip() for say in reply.says()]
    assert spoken[0].startswith("Jadwal pemeliharaan jaringan di wilayah Anda, tujuh hari ke depan")
    assert spoken[1:5] == [
        "Tanggal tiga Maret dua ribu dua puluh enam, pukul sembilan tepat sampai pukul lima belas tepat "
        "waktu setempat, di lokasi:",
        "Besok BEKASI. Penggantian trafo.",
        "Tanggal delapan Maret dua ribu dua puluh enam, pukul dua puluh tiga tepat sampai "
        "pukul dua puluh tiga lewat tiga puluh waktu setempat, di lokasi:",
        "Nanti BEKASI.",
    ]
    assert "JAYAPURA" not in reply.spoken()
    assert "Sudah lewat" not in reply.spoken() and "Terlalu jauh" not in reply.spoken()
    assert spoken[-2:] == [
        "Ada lagi yang bisa kami bantu? Tekan 1 untuk menu utama, tekan 2 untuk mengakhiri.",
        "Untuk mendengar lagi, tekan 3.",
    ]


def test_the_same_notices_in_wit_are_read_in_jayapura_time(twilio: FakeTwilio, db_session, regions) -> None:
    _notices(db_session, regions)
    twilio.dialed = DIALED["JAYAPURA"]
    spoken = [(say.text or "").strip() for say in _maintenance(twilio).says()]

    assert spoken[1].startswith(
        "Tanggal tiga Maret dua ribu dua puluh enam, pukul sebelas tepat sampai pukul tujuh belas"
    )
    assert spoken[3].startswith("Tanggal sembilan Maret dua ribu dua puluh enam, pukul satu tepat sampai")
    assert spoken[4] == "Nanti JAYAPURA."


def test_maintenance_under_way_and_overnight_work(twilio: FakeTwilio, db_session, regions) -> None:
    add_notice(db_session, regions["BEKASI"], NOW - timedelta(hours=1), NOW + timedelta(hours=2), "Sedang berjalan")
    start = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 22:00 WIB until 03:00 the next day
    add_notice(db_session, regions["BEKASI"], start, start + timedelta(hours=5), "Malam hari", "Perantingan pohon")
    db_session.commit()
    spoken = [(say.text or "").strip() for say in _maintenance(twilio).says()]

    assert spoken[1].startswith("Tanggal dua Maret dua ribu dua puluh enam, pukul tujuh tepat sampai pukul sepuluh")
    assert spoken[2] == "Sedang berjalan."
    assert spoken[3] == (
        "Mulai tanggal empat Maret dua ribu dua puluh enam, pukul dua puluh dua tepat, sampai tanggal "
        "lima Maret dua ribu dua puluh enam, pukul tiga tepat waktu setempat, di lokasi:"
    )
    assert spoken[4] == "Malam hari. Perantingan pohon."


def test_no_maintenance_planned_says_so_and_asks_what_else(twilio: FakeTwilio, db_session, regions) -> None:
    add_notice(db_session, regions["JAYAPURA"], NOW + timedelta(days=1), NOW + timedelta(days=1, hours=3), AREA)
    db_session.commit()
    reply = _maintenance(twilio)

    assert reply.says()[0].text == "Tidak ada jadwal pemeliharaan di wilayah Anda dalam beberapa hari ke depan."
    assert "Ada lagi yang bisa kami bantu?" in reply.spoken() and "tekan 3" not in reply.spoken()


def test_hear_maintenance_again_then_silence_ends_politely(twilio: FakeTwilio, db_session, regions) -> None:
    _notices(db_session, regions)
    first = _maintenance(twilio)
    again = twilio.press("3")
    bye = twilio.silence()

    assert [s.text for s in again.says()] == [s.text for s in first.says()]
    assert bye.spoken() == "Terima kasih telah menghubungi PLN. Sampai jumpa."
    assert bye.verbs == ["Say", "Hangup"]


def test_english_maintenance_reads_indonesian_places_in_an_indonesian_voice(
    twilio: FakeTwilio, db_session, regions
) -> None:
    _notices(db_session, regions)
    says = _maintenance(twilio, english=True).says()

    assert says[1].text == "On March third, two thousand twenty-six, from nine a.m. to three p.m. local time, at:"
    assert says[1].get("language") == "en-US"
    assert says[2].text == "Besok BEKASI. Penggantian trafo."
    assert says[2].get("language") == "id-ID"


def test_english_no_maintenance(twilio: FakeTwilio, regions) -> None:
    reply = _maintenance(twilio, english=True)
    assert reply.says()[0].text == "No maintenance is planned in your area in the coming days."


def test_three_invalid_choices_in_the_submenu_lead_to_an_agent(twilio: FakeTwilio) -> None:
    choices = choose(twilio, "7")
    twilio.press("5")
    twilio.press("8")
    third = twilio.press("0")

    assert "Jadwal pemeliharaan di wilayah Anda, tekan 2" in choices.spoken()
    assert third.queue_name == "BEKASI"
    assert "kesulitan" in third.spoken()


def test_a_busy_week_reads_the_first_ten_notices_in_one_turn(twilio: FakeTwilio, db_session, regions) -> None:
    for day in range(12):
        start = NOW + timedelta(hours=12 * day + 1)
        add_notice(db_session, regions["BEKASI"], start, start + timedelta(hours=2), f"Gardu {day + 1}")
    db_session.commit()
    reply = _maintenance(twilio)

    areas = [say.text.strip() for say in reply.says() if (say.text or "").startswith("Gardu")]
    assert areas == [f"Gardu {n}." for n in range(1, 11)]
    assert reply.gather.get("numDigits") == "1"
