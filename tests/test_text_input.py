"""What a customer types, read as the keys a caller would have pressed at each kind of node."""

from __future__ import annotations

import pytest

from ivr.engine.model import CollectNode, ConfirmNode, MenuNode, WaitingNode
from ivr.engine.text_input import as_keys as typed_as_keys
from ivr.engine.text_input import is_restart
from tests.support.words import vocabulary

MENU = MenuNode(id="menu", flow="main_menu", options={"1": "@bill", "2": "@meter_reading", "0": "@agent"})
MENU_WITHOUT_ZERO = MenuNode(id="after", flow="bill", options={"1": "lookup", "2": "ask_id"})
CONFIRM = ConfirmNode(id="confirm", flow="meter_reading", yes="check", no="ask_stand")
NUMBER = CollectNode(id="ask_id", flow="bill", into="customer_id", min_length=11, max_length=12)
ONE_KEY = CollectNode(id="ask_group", flow="information", into="group", max_length=1, finish_on_key="")


def as_keys(node: WaitingNode, body: str, language: str = "id") -> str:
    """The keys `body` stands for, with the words in flows/words/."""
    return typed_as_keys(node, body, vocabulary(), language)


def wide(text: str) -> str:
    """The full-width form some phone keyboards (Chinese and Japanese input methods) type."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ("1", "1"),
        ("1.", "1"),
        (" 1 ", "1"),
        ("(2)", "2"),
        ("2)", "2"),
        ("0!", "0"),
        (wide("1"), "1"),
        (wide("1."), "1"),
        ("1\ufe0f\u20e3", "1"),  # the keycap emoji 1️⃣
        ("1 👍", "1"),
        ("*", "*"),  # the repeat key stays a key
        ("tagihan", "1"),  # a word of the option (flows/words/id/main_menu.yaml)
        ("Cek tagihan!", "1"),
        ("saya mau lapor stand meter", "2"),
        ("pilihan dua", "2"),
        ("bicara dengan petugas", "0"),
        ("token", "token"),  # 5 is not an option of this test menu: refused
        ("bukan tagihan", "bukan tagihan"),  # a negation left over: refused, never guessed
        ("12", "12"),
        ("👍", "👍"),  # nothing but an emoji: kept, so the engine refuses it
        ("", ""),
        ("   ", ""),
    ],
)
def test_menu_choice(body: str, keys: str) -> None:
    assert as_keys(MENU, body) == keys


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ("1", "1"),
        ("Ya", "1"),
        ("ya", "1"),
        ("YA!", "1"),
        ("Iya.", "1"),
        ("yes", "1"),
        ("OK 👍", "1"),
        (wide("ya"), "1"),
        ("benar", "1"),
        ("2", "2"),
        ("TIDAK ", "2"),
        ("tidak.", "2"),
        ("No", "2"),
        ("gak", "2"),
        ("enggak", "2"),
        ("salah", "2"),
        ("2\ufe0f\u20e3", "2"),
        ("mungkin", "mungkin"),  # neither: refused by the engine
        ("ya tidak", "ya tidak"),
        ("ya benar", "1"),
        ("Iya, sudah benar.", "1"),
        ("tidak benar", "2"),  # the longest phrase wins
        ("tidak salah", "1"),
        ("yes that's right", "1"),
        ("nope", "2"),
        ("3", "3"),
        ("", ""),
    ],
)
def test_confirmation(body: str, keys: str) -> None:
    assert as_keys(CONFIRM, body) == keys


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ("532012345678", "532012345678"),
        ("5320 1234 5678", "532012345678"),
        ("5320-1234 5678.9", "5320123456789"),  # separators go; the length check is the engine's
        ("53.2012.345678", "532012345678"),
        ("532012345678#", "532012345678"),
        ("(021) 555-0123", "0215550123"),
        ("0812/3456/7890", "081234567890"),
        (wide("532012345678"), "532012345678"),
        ("ID 5320", "5320"),  # a few words leading up to the number introduce it
        ("my meter number is 1400 0000 001", "14000000001"),
        ("bukan 5320", "bukan5320"),  # a negation is not a lead-in: the engine refuses it
        ("5320 salah", "5320salah"),  # words after the number are not dropped either
        ("lima tiga dua nol", "5320"),  # number words are read (tokens.py, spoken_numbers.py)
        ("nomor saya nol delapan satu dua", "0812"),
        ("lima ribu seratus lima puluh", "5150"),
        ("lima tagihan", "limatagihan"),
        ("👍", "👍"),
        ("", ""),
    ],
)
def test_number_entry(body: str, keys: str) -> None:
    assert as_keys(NUMBER, body) == keys


@pytest.mark.parametrize(
    ("body", "keys"), [("3", "3"), ("3.", "3"), ("3\ufe0f\u20e3", "3"), (wide("3"), "3"), ("3#", "3#")]
)
def test_one_key_choice_has_no_finish_key_to_drop(body: str, keys: str) -> None:
    assert as_keys(ONE_KEY, body) == keys


@pytest.mark.parametrize(
    ("node", "body", "restart"),
    [
        (MENU, "menu", True),
        (MENU, "MENU", True),
        (MENU, " Menu. ", True),
        (MENU, "mulai", True),
        (MENU, "0", False),  # 0 is the agent here
        (MENU, "menu utama", False),
        (MENU_WITHOUT_ZERO, "0", True),
        (MENU_WITHOUT_ZERO, wide("0"), True),
        (MENU_WITHOUT_ZERO, "1", False),
        (CONFIRM, "0", True),
        (CONFIRM, "ya", False),
        (NUMBER, "menu", True),
        (NUMBER, "0", True),
        (NUMBER, "0812", False),
        (None, "menu", True),
        (None, "0", True),
        (MENU, "", False),
        (MENU, "👍", False),
    ],
)
def test_is_restart(node, body: str, restart: bool) -> None:
    assert is_restart(node, body) is restart


def test_number_words_in_english_at_a_number_prompt() -> None:
    assert as_keys(NUMBER, "five three two oh", "en") == "5320"
    assert as_keys(NUMBER, "forty six thousand eight hundred", "en") == "46800"


def test_words_of_a_one_key_choice() -> None:
    node = CollectNode(id="ask_power", flow="service_request", into="key", max_length=1, finish_on_key="")
    assert as_keys(node, "1.300 VA") == "1"
    assert as_keys(node, "dua ribu dua ratus") == "2"
    assert as_keys(node, "tiga") == "3"


def test_an_international_indonesian_number_is_read_as_the_national_one() -> None:
    node = CollectNode(id="ask_callback", flow="complaint", into="callback_digits", finish_on_key="#")
    assert as_keys(node, "+62 812-3456-7890") == "081234567890"
    assert as_keys(node, "+44 20 7946 0000") == "+442079460000"  # refused later: not digits
