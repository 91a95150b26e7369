"""Numbers, amounts, dates and times as a text message shows them, in both languages."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from ivr.engine import text_format
from ivr.engine.prompts import FILTERS, TEXT, TEXT_FILTERS, PromptCatalog, PromptEntry


@pytest.mark.parametrize(
    ("value", "expected"),
    [("532012345678", "532012345678"), ("53-2012 3456.78", "532012345678"), ("0812", "0812"), ("", "")],
)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_digits_are_written_as_digits(value: str, expected: str, lang: str) -> None:
    assert text_format.digits(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678901234567890", "1234 5678 9012 3456 7890"),
        ("1234-5678-9012-3456-7890", "1234 5678 9012 3456 7890"),
        ("123456", "1234 56"),
        ("1234", "1234"),
        ("", ""),
    ],
)
def test_a_token_is_grouped_by_four(value: str, expected: str) -> None:
    assert text_format.digit_groups(value, "id") == expected
    assert text_format.digit_groups(value, "en") == expected


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        (0, "0", "0"),
        (7, "7", "7"),
        (1234, "1.234", "1,234"),
        (1_300_000, "1.300.000", "1,300,000"),
        (-1234, "-1.234", "-1,234"),
        (10**18, "1.000.000.000.000.000.000", "1,000,000,000,000,000,000"),
    ],
)
def test_numbers_take_the_languages_thousands_separator(value: int, id_text: str, en_text: str) -> None:
    assert text_format.number(value, "id") == id_text
    assert text_format.number(value, "en") == en_text


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        (Decimal(0), "Rp0", "Rp0"),
        (Decimal(1234567), "Rp1.234.567", "Rp1,234,567"),
        (Decimal("1234567.50"), "Rp1.234.568", "Rp1,234,568"),  # whole Rupiah, half up
        (Decimal("1234567.49"), "Rp1.234.567", "Rp1,234,567"),
        (Decimal("-1234"), "-Rp1.234", "-Rp1,234"),  # a credit: the sign before the currency
        (Decimal("-0.4"), "Rp0", "Rp0"),  # rounds to nothing: no "-Rp0"
        (Decimal("1E+3"), "Rp1.000", "Rp1,000"),
        (Decimal("1E+30"), "Rp1" + ".000" * 10, "Rp1" + ",000" * 10),
    ],
)
def test_rupiah(value: Decimal, id_text: str, en_text: str) -> None:
    assert text_format.rupiah(value, "id") == id_text
    assert text_format.rupiah(value, "en") == en_text


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        (Decimal(0), "0 kWh", "0 kWh"),
        (Decimal("250.5"), "250,5 kWh", "250.5 kWh"),
        (Decimal("250.50"), "250,5 kWh", "250.5 kWh"),
        (Decimal("32.47"), "32,47 kWh", "32.47 kWh"),  # to the hundredth, as a token receipt shows
        (Decimal("32.475"), "32,48 kWh", "32.48 kWh"),
        (Decimal("1234.04"), "1.234,04 kWh", "1,234.04 kWh"),
        (Decimal("1234.00"), "1.234 kWh", "1,234 kWh"),
        (Decimal("-0.004"), "0 kWh", "0 kWh"),
        (Decimal("-1.5"), "-1,5 kWh", "-1.5 kWh"),
    ],
)
def test_kwh(value: Decimal, id_text: str, en_text: str) -> None:
    assert text_format.kwh(value, "id") == id_text
    assert text_format.kwh(value, "en") == en_text


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_an_amount_that_is_not_a_number_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        text_format.rupiah(value, "id")
    with pytest.raises(ValueError, match="non-finite"):
        text_format.kwh(value, "en")


@pytest.mark.parametrize(
    ("day", "id_text", "en_text"),
    [
        (date(2026, 11, 24), "24 November 2026", "24 November 2026"),
        (date(2026, 1, 1), "1 Januari 2026", "1 January 2026"),
        (date(2026, 8, 17), "17 Agustus 2026", "17 August 2026"),
        (date(2024, 2, 29), "29 Februari 2024", "29 February 2024"),
    ],
)
def test_dates_and_months(day: date, id_text: str, en_text: str) -> None:
    assert text_format.date_text(day, "id") == id_text
    assert text_format.date_text(day, "en") == en_text
    assert text_format.month_text(day, "id") == id_text.split(" ", 1)[1]
    assert text_format.month_text(day, "en") == en_text.split(" ", 1)[1]


@pytest.mark.parametrize(
    ("moment", "id_text", "en_text"),
    [
        (time(8, 0), "08.00", "08:00"),
        (time(0, 5), "00.05", "00:05"),
        (time(23, 59, 59), "23.59", "23:59"),
        (time(12, 30), "12.30", "12:30"),
    ],
)
def test_times_on_a_24_hour_clock(moment: time, id_text: str, en_text: str) -> None:
    assert text_format.time_text(moment, "id") == id_text
    assert text_format.time_text(moment, "en") == en_text


@pytest.mark.parametrize(
    "call",
    [
        lambda: text_format.digits("1", "fr"),
        lambda: text_format.digit_groups("1", "fr"),
        lambda: text_format.number(1, "fr"),
        lambda: text_format.rupiah(Decimal(1), "fr"),
        lambda: text_format.kwh(Decimal(1), "fr"),
        lambda: text_format.date_text(date(2026, 1, 1), "fr"),
        lambda: text_format.month_text(date(2026, 1, 1), "fr"),
        lambda: text_format.time_text(time(8), "fr"),
    ],
)
def test_an_unknown_language_is_refused(call) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        call()


def test_text_has_a_filter_for_every_voice_filter() -> None:
    assert TEXT_FILTERS.keys() == FILTERS.keys()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "id",
            "532012345678 | 1234 5678 9012 3456 7890 | 1.300 | Rp1.234.567 | 250,5 kWh | 24 November 2026 "
            "| November 2026 | 08.30 | 19.05",
        ),
        (
            "en",
            "532012345678 | 1234 5678 9012 3456 7890 | 1,300 | Rp1,234,567 | 250.5 kWh | 24 November 2026 "
            "| November 2026 | 08:30 | 19:05",
        ),
    ],
)
def test_a_text_prompt_uses_the_text_filters_on_values_as_services_return_them(lang: str, expected: str) -> None:
    template = (
        "{a|digits} | {b|groups} | {c|number} | {d|rupiah} | {e|kwh} | {f|date} | {g|month} | {h|time} | {i|time}"
    )
    catalog = PromptCatalog({lang: {"k": PromptEntry(say=template)}})
    values = {
        "a": "5320-1234-5678",
        "b": "12345678901234567890",
        "c": "1300",
        "d": 1234567,
        "e": "250.50",
        "f": "2026-11-24",
        "g": date(2026, 11, 1),
        "h": "08:30",
        "i": datetime(2026, 11, 24, 19, 5),
    }
    assert catalog.render("k", lang, values, medium=TEXT).text == expected
