"""Tariff and maintenance services called directly: wording choices, rounding, the 7-day window."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from ivr.services import info
from tests.support.catalog import add_notice, add_tariffs, service_context

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("low", "high", "outcome", "words"),
    [
        (900, 900, "single", {"info_power_min": 900, "info_power_min_unit": "VA"}),
        (3500, 5500, "range", {"info_power_min": 3500, "info_power_max": 5500, "info_power_max_unit": "VA"}),
        (6600, 200_000, "range", {"info_power_min": 6600, "info_power_max": 200, "info_power_max_unit": "kVA"}),
        (6600, None, "from", {"info_power_min": 6600, "info_power_min_unit": "VA"}),
        (200_001, None, "above", {"info_power_min": 200, "info_power_min_unit": "kVA"}),
        (250_000, 300_000, "range", {"info_power_min": 250, "info_power_min_unit": "kVA", "info_power_max": 300}),
        (200_500, None, "from", {"info_power_min": 200_500, "info_power_min_unit": "VA"}),
    ],
)
def test_power_range_wording(low: int, high: int | None, outcome: str, words: dict) -> None:
    got_outcome, got = info.power_range(low, high)
    assert got_outcome == outcome
    assert {key: got[key] for key in words} == words


@pytest.mark.parametrize(("raw", "spoken"), [("R-1M", "R 1 M"), ("B-2", "B 2"), ("I-3", "I 3"), ("P-1", "P 1")])
def test_tariff_class_is_spelled_for_a_voice(raw: str, spoken: str) -> None:
    assert info.spoken_class(raw) == spoken


def test_rates_are_rounded_half_up_to_whole_rupiah_and_json_safe(db_session, regions) -> None:
    add_tariffs(db_session, (("R-1", 900, 900, "1699.50"), ("R-1", 1300, 1300, "1699.49"), ("B-2", 6600, None, "9.99")))
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    result = info.tariffs(context, {"group": "1"})

    assert result.outcome == "found"
    queue = result.vars["info_tariff_queue"]
    assert [item["info_tariff_rate"] for item in queue] == [1700, 1699]
    assert all(isinstance(item["info_tariff_rate"], int) for item in queue)
    assert json.loads(json.dumps(result.vars)) == result.vars


def test_the_latest_effective_row_wins_and_future_rows_wait(db_session, regions) -> None:
    add_tariffs(db_session, (("R-1", 1300, 1300, "1352.00"),), effective=date(2024, 1, 1))
    add_tariffs(db_session, (("R-1", 1300, 1300, "1444.70"),), effective=date(2025, 1, 1))
    add_tariffs(db_session, (("R-1", 1300, 1300, "1600.00"),), effective=date(2026, 3, 3))  # tomorrow
    rows = info.current_tariffs(db_session, ("R",), date(2026, 3, 2))

    assert [str(row.rate_per_kwh) for row in rows] == ["1444.70"]


def test_social_and_public_group_takes_both_letters_ordered_by_power(db_session, regions) -> None:
    add_tariffs(db_session)
    rows = info.current_tariffs(db_session, info.TARIFF_GROUPS["4"], date(2026, 3, 2))
    assert [(row.tariff_class, row.power_min_va) for row in rows] == [("S-2", 900), ("P-1", 6600)]


def test_an_empty_group_and_an_unknown_key(db_session, regions) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    assert info.tariffs(context, {"group": "3"}).outcome == "none"
    assert info.tariffs(context, {"group": "9"}).outcome == "none"
    assert not info.is_tariff_group("9") and not info.is_tariff_group("") and info.is_tariff_group("4")


def test_the_loop_pops_one_item_at_a_time(db_session, regions) -> None:
    add_tariffs(db_session, (("R-1", 900, 900, "605.00"), ("R-2", 3500, 5500, "1699.53")))
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    queue = info.tariffs(context, {"group": "1"}).vars["info_tariff_queue"]

    first = info.next_tariff(context, {"queue": queue})
    second = info.next_tariff(context, {"queue": first.vars["info_tariff_queue"]})
    done = info.next_tariff(context, {"queue": second.vars["info_tariff_queue"]})
    assert (first.outcome, first.vars["info_tariff_class"]) == ("single", "R 1")
    assert len(first.vars["info_tariff_queue"]) == 1
    assert (second.outcome, second.vars["info_power_max"]) == ("range", 5500)
    assert "outcome" not in second.vars
    assert (done.outcome, done.vars) == ("done", {"info_tariff_queue": []})
    assert info.next_tariff(context, {"queue": None}).outcome == "done"


def test_maintenance_window_edges_and_regions(db_session, regions) -> None:
    bekasi = regions["BEKASI"]
    hour = timedelta(hours=1)
    add_notice(db_session, bekasi, NOW - 3 * hour, NOW, "ended exactly now")
    add_notice(db_session, bekasi, NOW + timedelta(days=7), NOW + timedelta(days=7) + hour, "starts at the horizon")
    add_notice(db_session, bekasi, NOW + timedelta(days=7) - hour, NOW + timedelta(days=7), "last hour in")
    add_notice(db_session, bekasi, NOW - hour, NOW + hour, "under way")
    add_notice(db_session, regions["KUPANG"], NOW + hour, NOW + 2 * hour, "other region")
    context = service_context(db_session, bekasi, now=NOW)

    assert [n.area for n in info.upcoming_notices(context)] == ["under way", "last hour in"]
    assert info.upcoming_notices(service_context(db_session, None, now=NOW)) == []


def test_notice_vars_are_local_strings_in_the_callers_zone(db_session, regions) -> None:
    start = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    add_notice(db_session, regions["JAYAPURA"], start, start + timedelta(hours=2), "  Kelurahan  Entrop ", "Tiang baru")
    context = service_context(db_session, regions["JAYAPURA"], now=NOW, timezone="Asia/Jayapura")
    result = info.maintenance(context, {})
    item = info.next_notice(context, {"queue": result.vars["info_notice_queue"]})

    assert item.outcome == "item"
    assert item.vars["info_notice_date"] == "2026-03-04"
    assert (item.vars["info_notice_start"], item.vars["info_notice_end"]) == ("01:00", "03:00")
    assert item.vars["info_notice_area"] == "Kelurahan Entrop"
    assert item.vars["info_notice_reason"] == "Tiang baru."
    assert json.loads(json.dumps(result.vars)) == result.vars
