"""Statistics over the API: JSON against the contract, CSV parsed as CSV, role rules, bad parameters.

Expected numbers come from the hand-counted week in tests/support/stats.py (see test_stats_figures.py).
"""

from __future__ import annotations

import csv
import io

import pytest

from db.models.stats import SERVICE_LEVEL_THRESHOLDS
from ivr.api.spec import document
from ivr.stats.definitions import CALL_FIGURES, FIGURES
from ivr.stats.figures import BUCKETS
from tests.support.console import add_user, bearer, token_for
from tests.support.openapi import check
from tests.support.stats import add_fixed_history

WEEK = "from=2026-11-16&to=2026-11-22"
JSON_PATHS = ("/stats/summary", "/stats/series", "/stats/funnel", "/stats/definitions")
CSV_PATHS = ("/stats/summary.csv", "/stats/series.csv", "/stats/funnel.csv", "/stats/calls.csv")


@pytest.fixture
def tokens(db_session, regions) -> dict[str, str]:
    users = {
        "agent": add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"]),
        "supervisor": add_user(db_session, "spv", "supervisor"),
        "admin": add_user(db_session, "root", "admin"),
    }
    result = {name: token_for(db_session, user) for name, user in users.items()}
    db_session.commit()
    return result


@pytest.fixture
def history(db_session, regions):
    fixed = add_fixed_history(db_session, regions)
    db_session.commit()
    return fixed


def get_json(client, token: str, path: str, query: str = WEEK) -> dict:
    response = client.get(f"/api/v1{path}?{query}", headers=bearer(token))
    body = check(response, "get", path)
    assert response.status_code == 200, body
    return body


def get_csv(client, token: str, path: str, query: str = WEEK) -> tuple[list[dict[str, str]], object]:
    response = client.get(f"/api/v1{path}?{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True)))), response


def test_the_contract_lists_the_same_choices_as_the_code() -> None:
    parameters = document()["components"]["parameters"]
    assert parameters["ServiceLevel"]["schema"]["enum"] == list(SERVICE_LEVEL_THRESHOLDS)
    assert parameters["Bucket"]["schema"]["enum"] == list(BUCKETS)


def test_summary_of_the_week(client, tokens, history) -> None:
    body = get_json(client, tokens["supervisor"], "/stats/summary")

    assert body["range"]["from"] == "2026-11-16" and body["range"]["to"] == "2026-11-22"
    assert body["range"]["region_id"] is None and body["range"]["service_level_seconds"] == 20
    assert body["range"]["channel"] == "voice"
    figures = body["figures"]
    assert (figures["offered"], figures["handled"], figures["longest_wait"]) == (14, 4, 90)
    assert figures["service_level"] == pytest.approx(0.2)
    assert body["peak_hour"] == {"start": "2026-11-16T09:00", "calls": 4}
    assert body["complaints_by_category"]["billing"] == {"opened": 1, "resolved": 0, "backlog": 1}


def test_summary_of_one_region_and_threshold(client, tokens, regions, history) -> None:
    query = f"{WEEK}&region_id={regions['BEKASI']}&service_level=45"
    body = get_json(client, tokens["admin"], "/stats/summary", query)

    assert body["range"]["region_id"] == regions["BEKASI"] and body["range"]["service_level_seconds"] == 45
    assert body["figures"]["offered"] == 7
    assert body["figures"]["service_level"] == pytest.approx(2 / 3)  # B3 and B4 within 45 s, of 3


def test_a_range_without_calls_has_no_ratios_and_no_peak(client, tokens, history) -> None:
    body = get_json(client, tokens["supervisor"], "/stats/summary", "from=2026-11-20&to=2026-11-21")
    assert body["figures"]["offered"] == 0
    assert body["figures"]["service_level"] is None
    assert body["peak_hour"] is None


def test_series_by_day_and_week(client, tokens, history) -> None:
    daily = get_json(client, tokens["supervisor"], "/stats/series", f"{WEEK}&bucket=day")
    weekly = get_json(client, tokens["supervisor"], "/stats/series", f"{WEEK}&bucket=week")

    assert daily["bucket"] == "day"
    assert [p["start"] for p in daily["points"]] == [f"2026-11-{day}T00:00" for day in range(16, 23)]
    assert [p["figures"]["offered"] for p in daily["points"]] == [5, 3, 2, 4, 0, 0, 0]
    assert daily["points"][4]["figures"]["service_level"] is None
    assert [(p["start"], p["figures"]["offered"]) for p in weekly["points"]] == [("2026-11-16T00:00", 14)]


def test_series_by_hour_is_local_wall_clock(client, tokens, history) -> None:
    body = get_json(client, tokens["supervisor"], "/stats/series", "from=2026-11-16&to=2026-11-16&bucket=hour")
    busy = {p["start"]: p["figures"]["offered"] for p in body["points"] if p["figures"]["offered"]}
    assert len(body["points"]) == 24
    assert busy == {"2026-11-16T00:00": 1, "2026-11-16T09:00": 4}


def test_funnel(client, tokens, history) -> None:
    body = get_json(client, tokens["supervisor"], "/stats/funnel")
    by_flow = {flow["flow"]: flow for flow in body["flows"]}

    assert [flow["flow"] for flow in body["flows"]][:2] == ["main_menu", "agent"]
    assert (by_flow["main_menu"]["reached"], by_flow["main_menu"]["gave_up"]) == (14, 1)
    assert by_flow["meter_reading"]["gave_up_at"] == [{"node": "ask_id", "calls": 1}]
    assert by_flow["token_history"]["completion_rate"] == 1.0
    assert by_flow["main_menu"]["speech_by_node"] == [
        {"node": "menu", "answered": 4, "spoke": 3, "misheard": 1, "spoke_rate": 0.75, "misheard_rate": 1 / 3}
    ]
    assert by_flow["agent"]["speech_by_node"] == []


def test_definitions(client, tokens) -> None:
    body = get_json(client, tokens["supervisor"], "/stats/definitions", "")
    assert [item["name"] for item in body["figures"]] == [figure.name for figure in FIGURES]
    assert body["figures"][0]["label"] == "Calls offered" and body["funnel"] and "not understood" in body["speech"]


@pytest.mark.parametrize("path", JSON_PATHS + CSV_PATHS)
def test_supervisors_and_admins_only(client, tokens, path) -> None:
    url = f"/api/v1{path}?{WEEK}"
    for role in ("supervisor", "admin"):
        assert client.get(url, headers=bearer(tokens[role])).status_code == 200, role
    forbidden = client.get(url, headers=bearer(tokens["agent"]))
    unauthenticated = client.get(url)
    assert forbidden.status_code == 403 and check(forbidden, "get", path)["error"]
    assert unauthenticated.status_code == 401 and check(unauthenticated, "get", path)["error"]


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/stats/summary", "from=last-week", "from must be a date"),
        ("/stats/summary", "from=2026-11-22&to=2026-11-16", "ends before it starts"),
        ("/stats/summary", "from=2024-01-01&to=2026-01-01", "400 days"),
        ("/stats/funnel", "service_level=25", "service_level must be one of"),
        ("/stats/summary.csv", "region_id=bekasi", "region_id must be a whole number"),
        ("/stats/calls.csv", "region_id=999999", "region_id 999999 is not a region"),
        ("/stats/series", "bucket=month", "bucket must be one of hour, day, week"),
        ("/stats/series.csv", "bucket=minute", "bucket must be one of"),
        ("/stats/series", "bucket=hour&from=2026-10-01&to=2026-11-22", "hourly buckets are limited"),
        ("/stats/series.csv", "bucket=hour&from=2026-10-01&to=2026-11-22", "hourly buckets are limited"),
        ("/stats/summary", "service_level=0", "service_level must be one of"),
        ("/stats/series.csv", "channel=telegram", "channel must be one of voice, sms, whatsapp"),
    ],
)
def test_bad_parameters_are_400_and_say_why(client, tokens, path, query, message) -> None:
    response = client.get(f"/api/v1{path}?{query}", headers=bearer(tokens["supervisor"]))
    assert response.status_code == 400
    assert message in check(response, "get", path)["error"]


def test_summary_csv(client, tokens, history) -> None:
    rows, response = get_csv(client, tokens["supervisor"], "/stats/summary.csv")
    figures = {row["name"]: row for row in rows if not row["category"]}
    categories = {(row["name"], row["category"]): row["value"] for row in rows if row["category"]}

    assert response.headers["Content-Disposition"] == 'attachment; filename="summary-2026-11-16-to-2026-11-22.csv"'
    assert list(rows[0]) == ["name", "label", "unit", "value", "category"]
    assert figures["offered"]["value"] == "14" and figures["offered"]["label"] == "Calls offered"
    assert float(figures["service_level"]["value"]) == pytest.approx(0.2)
    assert figures["service_level"]["unit"] == "ratio"
    assert figures["longest_wait"]["value"] == "90"
    assert figures["peak_hour"]["value"] == "2026-11-16T09:00" and figures["peak_hour_calls"]["value"] == "4"
    assert categories[("complaints_resolved", "no_power")] == "2"
    assert categories[("complaints_backlog", "other")] == "1"


def test_summary_csv_leaves_missing_ratios_empty(client, tokens, regions, history) -> None:
    rows, response = get_csv(
        client, tokens["supervisor"], "/stats/summary.csv", f"{WEEK}&region_id={regions['KUPANG']}"
    )
    figures = {row["name"]: row["value"] for row in rows if not row["category"]}
    assert figures["median_time_to_callback"] == ""
    assert figures["offered"] == "7"
    assert response.headers["Content-Disposition"].endswith('-2026-11-22-kupang.csv"')


def test_series_csv_has_a_row_per_day_and_a_column_per_call_figure(client, tokens, history) -> None:
    rows, response = get_csv(client, tokens["supervisor"], "/stats/series.csv", f"{WEEK}&bucket=day")

    assert list(rows[0]) == ["start", *CALL_FIGURES]
    assert len(rows) == 7
    assert [int(row["offered"]) for row in rows] == [5, 3, 2, 4, 0, 0, 0]
    assert rows[0]["start"] == "2026-11-16T00:00" and rows[4]["service_level"] == ""
    assert "series-day-2026-11-16-to-2026-11-22.csv" in response.headers["Content-Disposition"]


def test_funnel_csv(client, tokens, history) -> None:
    rows, _ = get_csv(client, tokens["supervisor"], "/stats/funnel.csv")
    by_flow = {row["flow"]: row for row in rows}
    assert by_flow["main_menu"]["reached"] == "14" and by_flow["main_menu"]["gave_up_at"] == "menu:1"
    assert (by_flow["main_menu"]["speech_by_node"], by_flow["agent"]["speech_by_node"]) == ("menu:4/3/1", "")


def test_calls_csv_streams_the_calls_of_the_range_on_their_own_clocks(client, tokens, history) -> None:
    rows, response = get_csv(client, tokens["supervisor"], "/stats/calls.csv")
    by_sid = {row["call_sid"]: row for row in rows}

    assert response.headers["Content-Disposition"] == 'attachment; filename="calls-2026-11-16-to-2026-11-22.csv"'
    assert set(by_sid) == {history.call_sids[name] for name in history.call_sids if name != "B7"}
    b8, b9, k1 = (by_sid[history.call_sids[name]] for name in ("B8", "B9", "K1"))
    assert b8["started_at"] == "2026-11-16T00:30:00+07:00" and b8["region_code"] == "BEKASI"
    assert k1["started_at"] == "2026-11-16T09:30:00+08:00" and k1["answered"] == "true"
    assert k1["queue_seconds"] == "25" and k1["flows_reached"] == "agent,main_menu"
    assert (b9["outcome"], b9["ended_at"]) == ("in_progress", "")
    assert b8["caller"] == "+6281234567890"
    assert (b8["input_modes"], by_sid[history.call_sids["K4"]]["input_modes"]) == ("", "main_menu.menu:ms")
    assert rows[0]["call_sid"] == history.call_sids["B8"]  # 17:30 UTC on the 15th: the earliest instant


@pytest.mark.parametrize(("path", "streamed"), [("/stats/calls.csv", True), ("/stats/summary.csv", False)])
def test_only_the_call_records_are_streamed(app, tokens, path, streamed) -> None:
    """calls.csv answers with a generator (a month of calls never sits in memory); the figures are small."""
    with app.test_request_context(f"/api/v1{path}?{WEEK}", headers=bearer(tokens["supervisor"])):
        response = app.full_dispatch_request()
        assert response.status_code == 200
        assert response.is_streamed is streamed
        assert response.get_data(as_text=True).startswith("call_sid," if streamed else "name,")
        response.close()


def test_calls_csv_of_one_region(client, tokens, regions, history) -> None:
    rows, _ = get_csv(client, tokens["admin"], "/stats/calls.csv", f"{WEEK}&region_id={regions['KUPANG']}")
    assert sorted(row["call_sid"] for row in rows) == [f"CAfixedK{n}" for n in range(1, 8)]
    assert {row["region_code"] for row in rows} == {"KUPANG"}
