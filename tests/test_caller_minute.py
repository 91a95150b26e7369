"""The caller's minute: prompts answered and words heard before the result, for a recognised caller.

Words are counted in the TwiML <Say>s from the greeting up to and including the result (a digit read
one by one is a word). An English caller is counted from the English menu, after pressing 9.
Targets: a reading in at most 4 answered prompts and 150 words up to its reference; a bill in 100 words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from tests.support.factories import add_bill, add_customer
from tests.support.readings import METER
from tests.support.twilio import FakeTwilio

WORD = re.compile(r"\w+")
PHONE = "+6281234567890"  # the registered phone of the `meter` fixture's customer
REFERENCE = {"id": "referensi", "en": "reference"}
PAID = {"id": "Sudah dibayar", "en": "It is paid"}


@dataclass(frozen=True)
class Journey:
    prompts: int  # answered by the caller
    words: int


def walk(twilio: FakeTwilio, keys: list[str], result: Callable[[str], bool], language: str) -> Journey:
    """Start a call, switch language if asked, press `keys`; count up to the first <Say> that is the result."""
    replies = [twilio.start()]
    if language == "en":
        replies = [twilio.press("9")]  # the English caller's journey starts at the English menu
    replies += [twilio.press(key) for key in keys]
    heard = 0
    for say in (say for reply in replies for say in reply.says()):
        heard += len(WORD.findall(say.text or ""))
        if result(say.text or ""):
            return Journey(len(keys), heard)
    raise AssertionError(f"no result heard after {keys}: {replies[-1].spoken()}")


def _reading(twilio: FakeTwilio, language: str, first_key: str) -> Journey:
    return walk(twilio, ["2", first_key, "05150", "1"], lambda text: REFERENCE[language] in text, language)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_recognised_caller_reports_a_reading_within_the_minute(twilio: FakeTwilio, meter, language: str) -> None:
    twilio.caller = PHONE
    journey = _reading(twilio, language, "1")  # "1": the account ending 0001 is theirs
    assert journey.prompts <= 4
    assert journey.words <= 150, journey


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_recognised_caller_hears_the_bill_within_forty_seconds(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], phone=PHONE)
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()
    twilio.caller = PHONE
    journey = walk(twilio, ["1", "1"], lambda text: PAID[language] in text, language)
    assert journey.prompts <= 2
    assert journey.words <= 100, journey


def test_an_unrecognised_caller_types_the_meter_number_in_as_many_prompts(twilio: FakeTwilio, meter) -> None:
    journey = _reading(twilio, "id", METER)
    assert journey.prompts <= 4
    assert journey.words <= 150, journey
