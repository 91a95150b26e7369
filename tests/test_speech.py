import re
from datetime import date, time
from decimal import Decimal

import pytest

from ivr.engine import speech
from ivr.engine.speech import (
    date_words,
    digit_groups,
    digits,
    kwh,
    number_words,
    rupiah,
    time_words,
)

NUMBERS = [
    (0, "nol", "zero"),
    (1, "satu", "one"),
    (7, "tujuh", "seven"),
    (10, "sepuluh", "ten"),
    (11, "sebelas", "eleven"),
    (12, "dua belas", "twelve"),
    (19, "sembilan belas", "nineteen"),
    (20, "dua puluh", "twenty"),
    (21, "dua puluh satu", "twenty-one"),
    (99, "sembilan puluh sembilan", "ninety-nine"),
    (100, "seratus", "one hundred"),
    (101, "seratus satu", "one hundred one"),
    (110, "seratus sepuluh", "one hundred ten"),
    (111, "seratus sebelas", "one hundred eleven"),
    (115, "seratus lima belas", "one hundred fifteen"),
    (200, "dua ratus", "two hundred"),
    (999, "sembilan ratus sembilan puluh sembilan", "nine hundred ninety-nine"),
    (1000, "seribu", "one thousand"),
    (1001, "seribu satu", "one thousand one"),
    (1100, "seribu seratus", "one thousand one hundred"),
    (2000, "dua ribu", "two thousand"),
    (11_000, "sebelas ribu", "eleven thousand"),
    (100_000, "seratus ribu", "one hundred thousand"),
    (101_000, "seratus satu ribu", "one hundred one thousand"),
    (1_000_000, "satu juta", "one million"),
    (1_001_000, "satu juta seribu", "one million one thousand"),
    (
        1_250_500,
        "satu juta dua ratus lima puluh ribu lima ratus",
        "one million two hundred fifty thousand five hundred",
    ),
    (1_000_000_000, "satu miliar", "one billion"),
    (2_000_000_001, "dua miliar satu", "two billion one"),
    (1_000_000_000_000, "satu triliun", "one trillion"),
    (
        999_999_999_999_999,
        (
            "sembilan ratus sembilan puluh sembilan triliun "
            "sembilan ratus sembilan puluh sembilan miliar "
            "sembilan ratus sembilan puluh sembilan juta "
            "sembilan ratus sembilan puluh sembilan ribu "
            "sembilan ratus sembilan puluh sembilan"
        ),
        (
            "nine hundred ninety-nine trillion nine hundred ninety-nine billion "
            "nine hundred ninety-nine million nine hundred ninety-nine thousand "
            "nine hundred ninety-nine"
        ),
    ),
    (-5, "minus lima", "minus five"),
    (-1000, "minus seribu", "minus one thousand"),
]


@pytest.mark.parametrize(("n", "id_text", "en_text"), NUMBERS)
def test_number_words(n, id_text, en_text):
    assert number_words(n, "id") == id_text
    assert number_words(n, "en") == en_text


@pytest.mark.parametrize("n", [1_000_000_000_000_000, -1_000_000_000_000_000])
def test_number_words_out_of_range(n):
    with pytest.raises(ValueError, match="out of range"):
        number_words(n, "id")


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("0812", "id", "nol, delapan, satu, dua"),
        ("0812", "en", "zero, eight, one, two"),
        ("12-3", "id", "satu, dua, tiga"),
        ("12-3", "en", "one, two, three"),
        ("9", "id", "sembilan"),
        ("", "id", ""),
        ("", "en", ""),
        ("abc", "en", ""),
    ],
)
def test_digits(value, lang, expected):
    assert digits(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "size", "expected"),
    [
        ("12345678", "id", 4, "satu, dua, tiga, empat. lima, enam, tujuh, delapan"),
        ("12345678", "en", 4, "one, two, three, four. five, six, seven, eight"),
        ("1234 5678-90", "en", 4, "one, two, three, four. five, six, seven, eight. nine, zero"),
        ("123456", "id", 3, "satu, dua, tiga. empat, lima, enam"),
        ("", "id", 4, ""),
    ],
)
def test_digit_groups(value, lang, size, expected):
    assert digit_groups(value, lang, size) == expected


def test_digit_groups_token_default_size():
    token = "0123 4567 8901 2345 6789"
    assert digit_groups(token, "en") == (
        "zero, one, two, three. four, five, six, seven. eight, nine, zero, one. "
        "two, three, four, five. six, seven, eight, nine"
    )


def test_digit_groups_rejects_bad_size():
    with pytest.raises(ValueError, match="group size"):
        digit_groups("1234", "id", 0)


@pytest.mark.parametrize(
    ("amount", "id_text", "en_text"),
    [
        (125000, "seratus dua puluh lima ribu rupiah", "one hundred twenty-five thousand rupiah"),
        (0, "nol rupiah", "zero rupiah"),
        (1000, "seribu rupiah", "one thousand rupiah"),
        (
            Decimal("1500.50"),
            "seribu lima ratus satu rupiah",
            "one thousand five hundred one rupiah",
        ),
        (Decimal("1500.49"), "seribu lima ratus rupiah", "one thousand five hundred rupiah"),
        (Decimal("0.5"), "satu rupiah", "one rupiah"),
        (Decimal("0.4"), "nol rupiah", "zero rupiah"),
        (Decimal("2.5"), "tiga rupiah", "three rupiah"),
    ],
)
def test_rupiah(amount, id_text, en_text):
    assert rupiah(amount, "id") == id_text
    assert rupiah(amount, "en") == en_text


@pytest.mark.parametrize(
    ("amount", "id_text", "en_text"),
    [
        (123, "seratus dua puluh tiga kilowatt jam", "one hundred twenty-three kilowatt hours"),
        (Decimal("12.5"), "dua belas koma lima kilowatt jam", "twelve point five kilowatt hours"),
        (Decimal("12.50"), "dua belas koma lima kilowatt jam", "twelve point five kilowatt hours"),
        (Decimal("12.0"), "dua belas kilowatt jam", "twelve kilowatt hours"),
        (Decimal("0.05"), "nol koma nol lima kilowatt jam", "zero point zero five kilowatt hours"),
        (Decimal("3.25"), "tiga koma dua lima kilowatt jam", "three point two five kilowatt hours"),
        (0, "nol kilowatt jam", "zero kilowatt hours"),
        (1, "satu kilowatt jam", "one kilowatt hour"),
        (
            Decimal("-0.5"),
            "minus nol koma lima kilowatt jam",
            "minus zero point five kilowatt hours",
        ),
    ],
)
def test_kwh(amount, id_text, en_text):
    assert kwh(amount, "id") == id_text
    assert kwh(amount, "en") == en_text


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amounts_rejected(amount):
    with pytest.raises(ValueError, match="non-finite"):
        kwh(amount, "id")
    with pytest.raises(ValueError, match="non-finite"):
        rupiah(amount, "en")


@pytest.mark.parametrize(
    ("d", "id_text", "en_text"),
    [
        (
            date(2026, 11, 23),
            "dua puluh tiga November dua ribu dua puluh enam",
            "November twenty-third, two thousand twenty-six",
        ),
        (
            date(2026, 1, 1),
            "satu Januari dua ribu dua puluh enam",
            "January first, two thousand twenty-six",
        ),
        (
            date(2025, 2, 2),
            "dua Februari dua ribu dua puluh lima",
            "February second, two thousand twenty-five",
        ),
        (
            date(2024, 3, 3),
            "tiga Maret dua ribu dua puluh empat",
            "March third, two thousand twenty-four",
        ),
        (date(2000, 5, 5), "lima Mei dua ribu", "May fifth, two thousand"),
        (
            date(2030, 8, 8),
            "delapan Agustus dua ribu tiga puluh",
            "August eighth, two thousand thirty",
        ),
        (
            date(2026, 6, 9),
            "sembilan Juni dua ribu dua puluh enam",
            "June ninth, two thousand twenty-six",
        ),
        (
            date(2026, 7, 11),
            "sebelas Juli dua ribu dua puluh enam",
            "July eleventh, two thousand twenty-six",
        ),
        (
            date(2026, 12, 12),
            "dua belas Desember dua ribu dua puluh enam",
            "December twelfth, two thousand twenty-six",
        ),
        (
            date(2026, 4, 20),
            "dua puluh April dua ribu dua puluh enam",
            "April twentieth, two thousand twenty-six",
        ),
        (
            date(2026, 9, 21),
            "dua puluh satu September dua ribu dua puluh enam",
            "September twenty-first, two thousand twenty-six",
        ),
        (
            date(2026, 10, 22),
            "dua puluh dua Oktober dua ribu dua puluh enam",
            "October twenty-second, two thousand twenty-six",
        ),
        (
            date(2026, 10, 30),
            "tiga puluh Oktober dua ribu dua puluh enam",
            "October thirtieth, two thousand twenty-six",
        ),
        (
            date(1999, 12, 31),
            "tiga puluh satu Desember seribu sembilan ratus sembilan puluh sembilan",
            "December thirty-first, one thousand nine hundred ninety-nine",
        ),
    ],
)
def test_date_words(d, id_text, en_text):
    assert date_words(d, "id") == id_text
    assert date_words(d, "en") == en_text


@pytest.mark.parametrize(
    ("t", "id_text", "en_text"),
    [
        (time(8, 15), "pukul delapan lewat lima belas", "eight fifteen a.m."),
        (time(14, 0), "pukul empat belas tepat", "two p.m."),
        (time(12, 0), "pukul dua belas tepat", "twelve noon"),
        (time(0, 0), "pukul nol tepat", "twelve midnight"),
        (time(8, 5), "pukul delapan lewat lima", "eight oh five a.m."),
        (time(0, 30), "pukul nol lewat tiga puluh", "twelve thirty a.m."),
        (time(12, 1), "pukul dua belas lewat satu", "twelve oh one p.m."),
        (time(23, 59), "pukul dua puluh tiga lewat lima puluh sembilan", "eleven fifty-nine p.m."),
        (time(9, 10), "pukul sembilan lewat sepuluh", "nine ten a.m."),
        (time(7, 0, 45), "pukul tujuh tepat", "seven a.m."),
    ],
)
def test_time_words(t, id_text, en_text):
    assert time_words(t, "id") == id_text
    assert time_words(t, "en") == en_text


@pytest.mark.parametrize(
    "call",
    [
        lambda lang: speech.number_words(5, lang),
        lambda lang: speech.digits("", lang),
        lambda lang: speech.digit_groups("", lang),
        lambda lang: speech.rupiah(5, lang),
        lambda lang: speech.kwh(5, lang),
        lambda lang: speech.date_words(date(2026, 1, 1), lang),
        lambda lang: speech.time_words(time(8, 0), lang),
    ],
)
@pytest.mark.parametrize("lang", ["jv", "ID", ""])
def test_unknown_language_raises(call, lang):
    with pytest.raises(ValueError, match=re.escape(f"unsupported language: {lang!r}")):
        call(lang)


def test_languages_constant():
    assert speech.LANGUAGES == ("id", "en")


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (date(2026, 11, 1), "id", "November dua ribu dua puluh enam"),
        (date(2026, 1, 15), "en", "January two thousand twenty-six"),
    ],
)
def test_month_words(value: date, lang: str, expected: str) -> None:
    assert speech.month_words(value, lang) == expected
