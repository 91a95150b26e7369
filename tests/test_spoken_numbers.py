"""Numbers said in words, Indonesian and English, read back as the digits a caller would press.

The property tests speak numbers with the app's own voice (speech.number_words, speech.digits,
what callers hear read back) and check the parser hears the same number.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.engine.speech import LANGUAGES, digit_groups, digits, number_words
from ivr.engine.spoken_numbers import spoken_digits
from ivr.engine.tokens import words


def heard(text: str, language: str = "id") -> str | None:
    return spoken_digits(words(text), language)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # digit by digit
        ("lima tiga dua satu", "id", "5321"),
        ("nol delapan satu dua", "id", "0812"),
        ("kosong delapan satu dua", "id", "0812"),
        ("five three two", "en", "532"),
        ("oh eight one two", "en", "0812"),
        ("zero eight one two", "en", "0812"),
        ("double five", "en", "55"),
        ("triple seven", "en", "777"),
        ("oh double eight one", "en", "0881"),
        # numbers built from words
        ("empat puluh enam ribu delapan ratus", "id", "46800"),
        ("seratus", "id", "100"),
        ("sebelas", "id", "11"),
        ("dua belas", "id", "12"),
        ("sepuluh", "id", "10"),
        ("seribu", "id", "1000"),
        ("sejuta", "id", "1000000"),
        ("satu juta dua ratus ribu", "id", "1200000"),
        ("dua ribu dua puluh enam", "id", "2026"),
        ("seribu lima", "id", "1005"),
        ("forty six thousand eight hundred", "en", "46800"),
        ("forty-six thousand, eight hundred", "en", "46800"),
        ("a hundred", "en", "100"),
        ("one hundred and five", "en", "105"),
        ("two thousand and five", "en", "2005"),
        ("a million", "en", "1000000"),
        # digits in the transcript are kept, pieces are written one after the other
        ("5 3 2 1", "id", "5321"),
        ("5321", "id", "5321"),
        ("0812 3456", "id", "08123456"),
        ("53 20 lima", "id", "53205"),
        ("5,321", "en", "5321"),
        ("46 ribu 800", "id", "46800"),
        ("lima tiga dua puluh", "id", "5320"),
        ("thirty four fifty six", "en", "3456"),
        ("nol delapan satu dua, tiga puluh empat, lima puluh enam", "id", "08123456"),
        # the other language is heard too, one language per number
        ("lima tiga", "en", "53"),
        ("five three", "id", "53"),
    ],
)
def test_spoken_numbers(text: str, language: str, expected: str) -> None:
    assert heard(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "id"),
        ("tagihan", "id"),
        ("lima tagihan", "id"),  # an unknown word: not a number
        ("puluh", "id"),  # a multiplier with nothing to multiply
        ("ribu", "id"),
        ("hundred", "en"),
        ("ratus ratus", "id"),
        ("tiga lima ribu", "id"),  # 35000, or 3 and 5000? refused
        ("lima ribu tiga ribu", "id"),
        ("dua ribu 0812", "id"),
        ("double", "en"),
        ("double twenty", "en"),
        ("oh", "en"),  # a sigh, not a zero
        ("five tiga", "en"),  # two languages in one number
        ("and", "en"),
        ("two thousand and", "en"),
    ],
)
def test_unsure_is_refused(text: str, language: str) -> None:
    assert heard(text, language) is None


LANGUAGE = st.sampled_from(LANGUAGES)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=999_999_999), language=LANGUAGE)
def test_a_number_spoken_by_the_app_is_heard_back(n: int, language: str) -> None:
    assert heard(number_words(n, language), language) == str(n)


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet="0123456789", min_size=1, max_size=20), language=LANGUAGE)
def test_digits_read_one_by_one_are_heard_back_with_leading_zeros(value: str, language: str) -> None:
    assert heard(digits(value, language), language) == value
    assert heard(digit_groups(value, language), language) == value
    assert heard(" ".join(value), language) == value


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=999_999_999), language=LANGUAGE)
def test_heard_in_the_other_language_too(n: int, language: str) -> None:
    other = next(lang for lang in LANGUAGES if lang != language)
    assert heard(number_words(n, other), language) == str(n)
