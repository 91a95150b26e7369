"""The supervisors' dashboard on the hand-counted week (tests/support/stats.py): tiles, charts, access."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from db.models import FlowDayStats
from ivr.console import nav, stats
from ivr.console.stats import span
from ivr.console.translate import ENGLISH
from tests.support.console import add_staff, add_user, choose_language, log_in
from tests.support.stats import add_fixed_history

WEEK = "?from=2026-11-16&to=2026-11-22"
FIGURE = re.compile(r'data-figure="(\w+)">([^<]*)<')


@pytest.fixture
def people(db_session, regions) -> None:
    add_staff(db_session, regions)
    add_user(db_session, "boss", "admin")
    db_session.commit()


@pytest.fixture
def history(db_session, regions, people) -> None:
    add_fixed_history(db_session, regions)
    db_session.commit()


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def figures(html: str) -> dict[str, str]:
    """Every figure the tiles show, by name."""
    return dict(FIGURE.findall(html))


def chart(html: str, name: str) -> ET.Element:
    """One chart's SVG, parsed as XML (which also proves it is well formed)."""
    match = re.search(rf'<svg [^>]*data-chart="{name}".*?</svg>', html, re.S)
    assert match, f"no {name} chart"
    return ET.fromstring(match.group(0))


def test_supervisor_sees_the_week_in_figures(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    shown = figures(page(client, "/console/stats" + WEEK))
    assert shown["offered"] == "14"
    assert shown["handled"] == "4"
    assert (shown["abandoned"], shown["abandoned_in_menu"], shown["abandoned_in_queue"]) == ("4", "2", "2")
    assert (shown["containment_rate"], shown["self_served"]) == ("14,3%", "2")
    assert shown["service_level"] == "20%"
    assert shown["average_speed_of_answer"] == "0:28"  # (15 + 45 + 25) / 3
    assert shown["average_handle_time"] == "3:27"  # (300 + 120 + 200) / 3
    assert shown["longest_wait"] == "1:30"
    assert shown["peak_hour"] == "16 Nov 2026 09.00"
    assert (shown["callbacks_requested"], shown["callbacks_fulfilled"], shown["median_time_to_callback"]) == (
        "2",
        "1",
        "2:00:00",
    )
    # R1, R2 by phone; R3 came by WhatsApp and counts there (tests/test_stats_channels.py)
    assert (shown["readings_submitted"], shown["readings_accepted"], shown["readings_flagged"]) == ("2", "1", "1")
    assert (shown["complaints_opened"], shown["complaints_resolved"], shown["complaints_backlog"]) == ("4", "3", "3")
    assert shown["median_time_to_resolve"] == "2 hari"


def test_tiles_explain_themselves_from_the_definitions(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    assert 'title="Panggilan dilayani mandiri / panggilan masuk."' in html
    assert "<h3>Panggilan masuk</h3>" in html
    assert "dijawab dalam 20 detik" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&region_id={BEKASI}", {"offered": "7", "service_level": "33,3%", "complaints_opened": "3"}),
        ("&region_id={KUPANG}", {"offered": "7", "service_level": "0%", "callbacks_fulfilled": "0"}),
        ("&region_id={KUPANG}", {"median_time_to_callback": "-"}),
        ("&service_level=30", {"service_level": "40%"}),
        ("&service_level=45&bucket=week", {"service_level": "60%", "offered": "14"}),
    ],
)
def test_region_and_threshold_change_the_numbers(client: FlaskClient, regions, history, query, expected) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK + query.format(**regions))
    shown = figures(html)
    assert {name: shown[name] for name in expected} == expected


def test_the_form_keeps_the_choices(client: FlaskClient, regions, history) -> None:
    log_in(client, "spv")
    html = page(client, f"/console/stats{WEEK}&region_id={regions['KUPANG']}&bucket=week&service_level=45")
    assert f'<option value="{regions["KUPANG"]}" selected>UP3 Kupang</option>' in html
    assert '<option value="week" selected>' in html
    assert '<option value="45" selected>' in html
    assert 'name="from" value="2026-11-16"' in html


def test_the_default_range_is_the_last_seven_days(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats")  # the app's clock says Monday 23 Nov 2026
    assert 'name="from" value="2026-11-17"' in html and 'name="to" value="2026-11-23"' in html


def test_volume_chart_has_a_stack_per_day_as_tall_as_the_calls(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    svg = chart(page(client, "/console/stats" + WEEK), "chart-volume")
    assert svg.get("role") == "img" and svg.findtext("title") == "Volume panggilan"
    columns = svg.findall("g[@class='column']")
    assert len(columns) == 7
    assert len(svg.findall(".//rect")) == 7 * 4  # handled, self-served, abandoned, other
    heights = [sum(float(rect.get("height", 0)) for rect in column.findall("rect")) for column in columns]
    offered = [5, 3, 2, 4, 0, 0, 0]
    assert heights == pytest.approx([heights[0] * n / 5 for n in offered], abs=0.2)
    assert columns[0].find("rect/title").text == "16 Nov 2026 · Ditangani agen: 2"


def test_every_chart_has_a_title_and_a_data_table(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    for name in ("chart-volume", "chart-service-level", "chart-complaints", "chart-funnel"):
        svg = chart(html, name)
        assert svg.findtext("title") and svg.findtext("desc")
        assert svg.get("aria-labelledby") == f"{name}-title {name}-desc"
    assert html.count('<details class="data">') == 3
    level = chart(html, "chart-service-level")
    assert len(level.findall("circle")) == 3  # queued calls on the 16th, 17th and 19th only: no other points
    assert len(chart(html, "chart-complaints").findall(".//rect")) == 5 * 3


def test_hourly_buckets(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    svg = chart(page(client, "/console/stats?from=2026-11-16&to=2026-11-16&bucket=hour"), "chart-volume")
    assert len(svg.findall("g[@class='column']")) == 24


def test_menu_usage_table_and_funnel(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    rows = re.findall(r'<tr data-flow="(\w+)">\s*<td>[^<]*</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>', html)
    assert rows[:2] == [("main_menu", "14", "0"), ("agent", "8", "0")]
    assert ("bill", "2", "1") in rows
    assert '<span class="node">ask_id</span> (1)' in html
    assert len(chart(html, "chart-funnel").findall("g[@class='flow']")) == len(rows)


SPEECH_ROW = re.compile(
    r'<tr data-node="(\w+)">\s*<td><span class="node">\w+</span></td>\s*<td>(\d+)</td>'
    r"\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>"
)


def speech_tables(html: str) -> dict[str, list[tuple[str, ...]]]:
    """Each "speech by node" table's rows, by flow."""
    tables = re.findall(r'<table class="speech" data-flow="(\w+)">(.*?)</table>', html, re.S)
    return {flow: SPEECH_ROW.findall(body) for flow, body in tables}


def test_speech_by_node_tables(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    assert "Ucapan per langkah" in html
    assert speech_tables(html) == {  # only flows where someone spoke, in funnel order
        "main_menu": [("menu", "4", "3 (75%)", "1 (33,3%)")],
        "bill": [("account", "2", "1 (50%)", "0 (0%)")],
        "meter_reading": [("ask_id", "1", "1 (100%)", "1 (100%)")],
    }
    assert "Belum ada jawaban lisan" not in html
    early_week = page(client, "/console/stats?from=2026-11-16&to=2026-11-18")  # B1 and B2 only: nobody in bill
    assert set(speech_tables(early_week)) == {"main_menu", "meter_reading"}


def test_node_and_flow_names_from_the_data_are_escaped(client: FlaskClient, db_session, regions, history) -> None:
    hostile = "<script>alert(1)</script>"
    common = {"region_id": regions["BEKASI"], "channel": "voice", "day": date(2026, 11, 18), "calls": 3}
    db_session.add_all(
        [
            FlowDayStats(flow="bill", measure="gave_up", node=hostile, **common),
            FlowDayStats(flow="bill", measure="input", node=hostile, **common),
            FlowDayStats(flow="bill", measure="spoke", node=hostile, **common),
            FlowDayStats(flow='<img src=x onerror="x()">', measure="reached", node="", **common),
        ]
    )
    db_session.commit()
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert '<span class="node">&lt;script&gt;alert(1)&lt;/script&gt;</span> (3)' in html
    assert '<tr data-node="&lt;script&gt;alert(1)&lt;/script&gt;">' in html
    assert "&lt;img src=x onerror=&#34;x()&#34;&gt;" in html
    chart(html, "chart-funnel")  # still well-formed


def test_an_empty_range_shows_dashes_not_zero_percent(client: FlaskClient, people) -> None:
    log_in(client, "boss")  # admins see statistics too
    html = page(client, "/console/stats" + WEEK)
    shown = figures(html)
    assert (shown["offered"], shown["service_level"], shown["containment_rate"]) == ("0", "-", "-")
    assert (shown["peak_hour"], shown["average_speed_of_answer"]) == ("-", "-")
    assert "Belum ada panggilan di menu" in html
    assert "Belum ada jawaban lisan" in html and not speech_tables(html)
    assert len(chart(html, "chart-volume").findall("g[@class='column']")) == 7


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-11-22&to=2026-11-16", "the range ends before it starts"),
        ("?from=2024-01-01&to=2026-01-01", "ranges are limited to 400 days"),
        ("?from=16-11-2026", "from must be a date like 2026-11-23"),
        ("?service_level=25", "service_level must be one of"),
        ("?bucket=minute", "bucket must be one of hour, day, week"),
        ("?region_id=999999", "region_id 999999 is not a region"),
        ("?region_id=abc", "region_id must be a whole number"),
        ("?from=2026-10-01&to=2026-11-22&bucket=hour", "hourly buckets are limited to ranges of 31 days"),
        ("?channel=telegram", "channel must be one of voice, sms, whatsapp"),
    ],
)
def test_a_bad_range_is_explained_with_400(client: FlaskClient, people, query, message) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + query, 400)
    assert re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message), html)
    assert "<svg" not in html and "data-figure" not in html
    assert 'action="/console/stats"' in html  # the form is there to fix it


def test_agents_are_refused_and_see_no_menu_entry(client: FlaskClient, people) -> None:
    log_in(client, "agent.bekasi")
    page(client, "/console/stats", 403)
    assert 'href="/console/stats"' not in page(client, "/console/")
    log_in(client, "spv")
    assert 'href="/console/stats"' in page(client, "/console/")


def test_strangers_are_sent_to_log_in(client: FlaskClient, people) -> None:
    response = client.get("/console/stats" + WEEK)
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0:00"),
        (28.33, "0:28"),
        (90, "1:30"),
        (3599.6, "1:00:00"),
        (7200, "2:00:00"),
        (86400 * 2, "2 hari"),
        (90000, "1 hari 1 jam"),
    ],
)
def test_durations_read_as_minutes_hours_or_days(seconds, text) -> None:
    assert span(seconds) == text


def test_the_dashboard_links_its_csv_downloads_with_the_same_range(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK + "&bucket=week")
    links = re.findall(r'href="(/console/stats/\w+\.csv\?[^"]*)"', html)
    assert len(links) == 4
    assert all("from=2026-11-16" in link and "to=2026-11-22" in link for link in links)
    series = next(link for link in links if "/series.csv" in link).replace("&amp;", "&")
    response = client.get(series)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["start"], row["offered"]) for row in rows] == [("2026-11-16T00:00", "14")]


def test_csv_downloads_follow_the_dashboards_rules(app, client: FlaskClient, history) -> None:
    agent = app.test_client()
    log_in(agent, "agent.bekasi")
    assert agent.get("/console/stats/calls.csv" + WEEK).status_code == 403
    log_in(client, "spv")
    bad = client.get("/console/stats/summary.csv?from=2026-11-22&to=2026-11-16")
    assert bad.status_code == 400 and "ends before it starts" in bad.get_data(as_text=True)
    calls = client.get("/console/stats/calls.csv" + WEEK)
    assert calls.headers["Content-Disposition"].endswith('calls-2026-11-16-to-2026-11-22.csv"')
    assert len(list(csv.DictReader(io.StringIO(calls.get_data(as_text=True))))) == 15  # B1-B6, B8, B9, K1-K7


def test_every_figure_has_an_indonesian_label_and_definition() -> None:
    from ivr.stats.definitions import FIGURES

    assert all(figure.label_id.strip() and figure.definition_id.strip() for figure in FIGURES)
    assert all(figure.definition_id != figure.definition for figure in FIGURES)


# -- the viewer's language ------------------------------------------------------------------------


def test_figures_dates_and_definitions_in_indonesian_then_english(client: FlaskClient, history) -> None:
    log_in(client, "spv")
    html = page(client, "/console/stats" + WEEK)
    shown = figures(html)
    assert (shown["containment_rate"], shown["peak_hour"]) == ("14,3%", "16 Nov 2026 09.00")
    assert "<summary>Apa artinya?</summary>" in html and "<h3>Panggilan masuk</h3>" in html
    assert "<strong>Dilayani mandiri</strong>: Panggilan yang mencapai langkah bertanda served" in html
    assert "Per alur: panggilan yang mencapainya" in html and "Per flow:" not in html
    assert "16 Nov 2026 s.d. 22 Nov 2026" in html

    choose_language(client, "en")
    html = page(client, "/console/stats" + WEEK)
    shown = figures(html)
    assert (shown["containment_rate"], shown["peak_hour"]) == ("14.3%", "Nov 16, 2026, 9:00\u202fAM")
    assert shown["median_time_to_resolve"] == "2 d"
    assert "<h1>Statistics: Voice</h1>" in html and "<summary>What does it mean?</summary>" in html
    assert "<h3>Calls offered</h3>" in html and 'title="Self-served calls / calls offered."' in html
    assert "<strong>Self-served calls</strong>: Calls that reached a node marked served" in html
    assert "Per flow: calls that reached it" in html and "Per alur" not in html
    assert "<h2>Menu usage</h2>" in html and "<h2>Speech by node</h2>" in html
    assert "Nov 16, 2026 to Nov 22, 2026" in html
    assert "answered within 20 s" in html and ">Call volume<" in html

    choose_language(client, "id")
    assert figures(page(client, "/console/stats" + WEEK))["containment_rate"] == "14,3%"


def test_every_console_word_has_an_english_entry() -> None:
    console = Path(__file__).parent.parent / "ivr" / "console"
    sources = [*console.glob("*.py"), *console.glob("templates/console/*.html")]
    sources.remove(console / "translate.py")
    called = {m.group(2) for path in sources for m in re.finditer(r"""\bt\((["'])(.+?)\1""", path.read_text())}
    assert "Statistik" in called and "Apa artinya?" in called
    listed = {entry.label for entry in nav._ENTRIES.values()} | {label for _, label in stats.EXPORTS}
    listed |= {*stats.CHANNEL_LABELS.values(), *stats.BUCKET_LABELS.values(), *dict(stats.FUNNEL_LEGEND).values()}
    assert sorted((called | listed) - set(ENGLISH)) == []
