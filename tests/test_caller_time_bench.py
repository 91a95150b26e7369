"""bench/caller_time.py still plays every journey to its result on the flows as they are.

The bench is run by hand; this keeps it from rotting when the flows change. Its figures are not
held to the issue's targets here (`--check` does that, by hand).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from bench import caller_time
from ivr.extensions import runtime

LANGUAGES = ("id", "en")


@pytest.fixture(scope="module")
def bench_app() -> Iterator[tuple[Flask, int]]:
    with caller_time.bench_app() as app_and_region:
        yield app_and_region


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("journey", caller_time.JOURNEYS, ids=lambda journey: journey.name)
def test_the_journey_reaches_its_result(
    bench_app: tuple[Flask, int], journey: caller_time.Journey, language: str
) -> None:
    app, region_id = bench_app
    number = caller_time.JOURNEYS.index(journey) + 1 + LANGUAGES.index(language) * len(caller_time.JOURNEYS)
    account = caller_time.add_account(runtime(app).database, region_id, number)

    outcome = caller_time.run_journey(app, journey, language, account)

    assert outcome.prompts > 0
    assert outcome.words > 0
    last = outcome.turns[-1]
    assert last.answer is None  # the reply that carried the result was not answered
    assert outcome.words == sum(caller_time.count_words(text) for turn in outcome.turns for text in turn.says)


def test_words_are_counted_as_spoken() -> None:
    assert caller_time.count_words("Nomor referensi Anda adalah dua, enam, tiga.") == 7
    assert caller_time.count_words("tekan 1 - atau tekan bintang") == 5


# -- flows the journeys were not written for ------------------------------------------------


def test_a_recognised_caller_takes_the_offered_account(bench_app: tuple[Flask, int]) -> None:
    app, region_id = bench_app
    known = caller_time.run_journey(
        app, caller_time.JOURNEYS[0], "id", caller_time.add_account(runtime(app).database, region_id, 98)
    )

    assert [(turn.waiting_at, turn.answer) for turn in known.turns][:4] == [
        ("main_menu.menu", "2"),
        ("meter_reading.offer_one", "1"),
        ("meter_reading.ask_stand", caller_time.STAND),
        ("meter_reading.confirm_stand", "1"),
    ]


def test_a_node_without_an_answer_stops_the_journey_naming_it(bench_app: tuple[Flask, int]) -> None:
    journey = replace(caller_time.JOURNEYS[0], answers={"main_menu.menu": "@meter_reading"})  # no stand to give
    app, region_id = bench_app
    account = caller_time.add_account(runtime(app).database, region_id, 99)

    with pytest.raises(caller_time.JourneyError, match=r"no answer for meter_reading\.ask_stand .*Masukkan angka"):
        caller_time.run_journey(app, journey, "id", account)
