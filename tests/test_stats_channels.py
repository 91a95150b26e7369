"""Statistics per channel: SMS and WhatsApp conversations next to the hand-counted voice week.

The text conversations below are written the way the voice calls of tests/support/stats.py are
(opened in progress, ended under `rollup.tracking`), in the same week. Every expected number was
counted from the tables here, not computed:

WhatsApp, 16-22 Nov: W1-W5 ended (W6 never ended, W7 is 00:10 on the 23rd in Bekasi). W1, W2, W5
self-served, W3 went quiet in the main menu, W4 asked for a callback. Readings R3 (Kupang, from the
fixed week) and RW; complaint CW opened in W5, still open; callback of W4.
SMS, 16-22 Nov: S1, S3 self-served, S2 went quiet. Reading RS, flagged; complaint CS opened in S3,
resolved three hours later.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from db.models import CHANNELS, SMS, VOICE, WHATSAPP, Call, CallbackRequest, Complaint, Reading
from ivr.api.spec import document
from ivr.calls.outcome import derive_outcome
from ivr.stats import export, figures, rollup
from ivr.stats.figures import ALL_CHANNELS, RangeError, StatsRange
from ivr.stats.request import range_from_args
from ivr.stats.rollup import tracking
from tests.support.console import add_staff, bearer, log_in, token_for
from tests.support.factories import add_customer
from tests.support.openapi import check
from tests.support.stats import WEEK_END, WEEK_START, WIB, WITA, add_call_row, add_fixed_history, local

WEEK = "from=2026-11-16&to=2026-11-22"
FIGURE = re.compile(r'data-figure="(\w+)">([^<]*)<')


@dataclass(frozen=True)
class Text:
    """One text conversation: where, when, which flows, how it ended (None: still going)."""

    name: str
    channel: str
    region: str
    zone: ZoneInfo
    day: int
    hour: int
    minute: int
    flows: str
    last_node: str
    completed: str = ""
    ends: bool = True
    callback: bool = False


TEXTS: tuple[Text, ...] = (
    Text("W1", WHATSAPP, "BEKASI", WIB, 16, 10, 0, "bill,main_menu", "bill.result", "bill"),
    Text("W2", WHATSAPP, "BEKASI", WIB, 16, 10, 30, "main_menu,meter_reading", "meter_reading.done", "meter_reading"),
    Text("W3", WHATSAPP, "BEKASI", WIB, 17, 14, 0, "main_menu", "main_menu.menu"),
    Text("W4", WHATSAPP, "KUPANG", WITA, 19, 9, 0, "agent,main_menu", "agent.callback", callback=True),
    Text("W5", WHATSAPP, "KUPANG", WITA, 19, 9, 20, "complaint,main_menu", "complaint.done", "complaint"),
    Text("W6", WHATSAPP, "BEKASI", WIB, 20, 8, 0, "main_menu", "main_menu.menu", ends=False),
    Text("W7", WHATSAPP, "BEKASI", WIB, 23, 0, 10, "bill,main_menu", "bill.result", "bill"),
    Text("S1", SMS, "KUPANG", WITA, 18, 11, 0, "main_menu,token_history", "token_history.done", "token_history"),
    Text("S2", SMS, "BEKASI", WIB, 18, 12, 0, "main_menu", "main_menu.menu"),
    Text("S3", SMS, "KUPANG", WITA, 18, 12, 0, "complaint,main_menu", "complaint.done", "complaint"),
)

WHATSAPP_WEEK = {
    "offered": 5,
    "handled": 0,
    "self_served": 3,  # W1, W2, W5
    "containment_rate": 3 / 5,
    "abandoned": 1,
    "abandoned_in_menu": 1,  # W3
    "queued": 0,
    "answered": 0,
    "abandoned_in_queue": 0,
    "service_level": None,
    "average_speed_of_answer": None,
    "longest_wait": 0,
    "callback_requested": 1,  # W4
    "callbacks_requested": 1,  # W4's
    "callbacks_fulfilled": 0,
    "median_time_to_callback": None,
    "readings_submitted": 2,  # R3, RW
    "readings_accepted": 2,
    "readings_flagged": 1,  # R3
    "complaints_opened": 1,  # CW
    "complaints_resolved": 0,
    "complaints_backlog": 1,
    "median_time_to_resolve": None,
}
SMS_WEEK = {
    "offered": 3,
    "self_served": 2,  # S1, S3
    "abandoned_in_menu": 1,  # S2
    "queued": 0,
    "callbacks_requested": 0,
    "readings_submitted": 1,  # RS
    "readings_accepted": 0,
    "readings_flagged": 1,
    "complaints_opened": 1,  # CS
    "complaints_resolved": 1,
    "complaints_backlog": 0,
    "median_time_to_resolve": 3 * 3600,
}


def _write(session: Session, text: Text, region_id: int) -> Call:
    started = local(text.zone, text.day, text.hour, text.minute)
    call = add_call_row(
        session, call_sid=f"CHtext{text.name}", channel=text.channel, region_id=region_id, started=started,
        flows=text.flows, completed=text.completed, last_node=text.last_node,
    )  # fmt: skip
    if text.ends:
        with tracking(session, call):
            call.self_served = bool(text.completed)
            call.callback_requested_at = started + timedelta(minutes=2) if text.callback else None
            call.ended_at = started + timedelta(minutes=30)  # a text conversation expires after going quiet
            call.final_status = "completed"
            call.outcome = derive_outcome(call)
    return call


def add_text_history(session: Session, regions: dict[str, int]) -> dict[str, Call]:
    """The conversations above, with the callback, readings and complaints they left."""
    calls = {text.name: _write(session, text, regions[text.region]) for text in TEXTS}
    w4 = calls["W4"]
    session.add(
        CallbackRequest(
            call_id=w4.id,
            call_sid=w4.call_sid,
            channel=w4.channel,
            region_id=regions["KUPANG"],
            number="+6281234567890",
            reason="agent",
            language="id",
            requested_at=local(WITA, 19, 9, 2),
        )
    )
    _, bekasi_meter = add_customer(session, regions["BEKASI"], idpel="532110000093", meter_number="14000000093")
    _, kupang_meter = add_customer(session, regions["KUPANG"], idpel="532110000094", meter_number="14000000094")
    readings = [
        ("RW", bekasi_meter.id, WHATSAPP, "accepted", None, calls["W2"].call_sid, local(WIB, 16, 10, 33)),
        ("RS", kupang_meter.id, SMS, "flagged", "far_above_usual_use", None, local(WITA, 18, 11, 4)),
    ]
    session.add_all(
        Reading(
            reference=f"4{index:09d}",
            meter_id=meter,
            period=date(2026, 11, 1),
            stand=2000 + index,
            status=status,
            source=source,
            flag_reason=flag,
            call_sid=sid,
            submitted_at=at,
        )
        for index, (_, meter, source, status, flag, sid, at) in enumerate(readings, start=1)
    )
    complaints = [
        ("CW", "W5", "no_power", local(WITA, 19, 9, 25), None),
        ("CS", "S3", "outage_area", local(WITA, 18, 12, 2), local(WITA, 18, 15, 2)),
    ]
    session.add_all(
        Complaint(
            ticket_number=f"5{index:09d}",
            category=category,
            region_id=regions["KUPANG"],
            call_sid=calls[opened_in].call_sid,
            channel=calls[opened_in].channel,
            created_at=opened,
            updated_at=resolved or opened,
            resolved_at=resolved,
            status="resolved" if resolved else "open",
        )
        for index, (_, opened_in, category, opened, resolved) in enumerate(complaints, start=1)
    )
    session.flush()
    return calls


@pytest.fixture
def history(db_session, regions):
    fixed = add_fixed_history(db_session, regions)
    db_session.commit()
    return fixed


@pytest.fixture
def texts(db_session, regions, history) -> dict[str, str]:
    calls = add_text_history(db_session, regions)
    db_session.commit()
    return {name: call.call_sid for name, call in calls.items()}


def week(channel: str = VOICE, region_id: int | None = None) -> StatsRange:
    return StatsRange(WEEK_START, WEEK_END, region_id, channel)


def assert_figures(actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value), name


# -- the figures ------------------------------------------------------------------------------


def _voice_view(session: Session) -> tuple[object, ...]:
    return (
        figures.summary(session, week()),
        figures.series(session, week(), "day"),
        figures.series(session, StatsRange(date(2026, 11, 18), date(2026, 11, 18)), "hour"),
        figures.funnel(session, week()),
        list(export.call_records(session, week())),
    )


def test_voice_figures_are_unchanged_by_text_conversations(db_session, regions, history) -> None:
    before = _voice_view(db_session)
    add_text_history(db_session, regions)
    db_session.flush()
    after = _voice_view(db_session)

    assert after == before
    summary = after[0]
    assert (summary.figures["offered"], summary.figures["self_served"]) == (14, 2)  # tests/test_stats_figures.py
    assert (summary.figures["callbacks_requested"], summary.figures["complaints_opened"]) == (2, 4)
    assert summary.figures["readings_submitted"] == 2  # R1, R2: not R3 (WhatsApp), RW or RS
    assert len(after[4]) == 15


@pytest.mark.parametrize(("channel", "expected"), [(WHATSAPP, WHATSAPP_WEEK), (SMS, SMS_WEEK)])
def test_text_channels_match_hand_count(db_session, texts, channel, expected) -> None:
    assert_figures(figures.summary(db_session, week(channel)).figures, expected)


def test_whatsapp_by_region(db_session, regions, texts) -> None:
    kupang = figures.summary(db_session, week(WHATSAPP, regions["KUPANG"])).figures
    bekasi = figures.summary(db_session, week(WHATSAPP, regions["BEKASI"])).figures
    assert_figures(kupang, {"offered": 2, "callbacks_requested": 1, "complaints_opened": 1, "readings_submitted": 1})
    assert_figures(bekasi, {"offered": 3, "callbacks_requested": 0, "complaints_opened": 0, "readings_submitted": 1})


def test_text_peak_series_and_funnel(db_session, texts) -> None:
    whatsapp = figures.summary(db_session, week(WHATSAPP))
    sms = figures.summary(db_session, week(SMS))
    assert (whatsapp.peak_hour, whatsapp.peak_hour_calls) == (datetime(2026, 11, 16, 10), 2)  # W1, W2 (tie: 19th 09:00)
    assert (sms.peak_hour, sms.peak_hour_calls) == (datetime(2026, 11, 18, 12), 2)  # S2 in Bekasi, S3 in Kupang
    assert whatsapp.complaints_by_category["no_power"] == {"opened": 1, "resolved": 0, "backlog": 1}
    assert [p.figures["offered"] for p in figures.series(db_session, week(WHATSAPP), "day")] == [2, 1, 0, 2, 0, 0, 0]
    assert [p.figures["offered"] for p in figures.series(db_session, week(SMS), "day")] == [0, 0, 3, 0, 0, 0, 0]
    flows = [(f.flow, f.reached, f.completed, f.gave_up_at) for f in figures.funnel(db_session, week(WHATSAPP))]
    assert flows == [
        ("main_menu", 5, 0, [("menu", 1)]),
        ("agent", 1, 0, []),
        ("bill", 1, 1, []),
        ("complaint", 1, 1, []),
        ("meter_reading", 1, 1, []),
    ]


def test_a_rebuild_gives_the_same_text_figures(db_session, texts) -> None:
    live = {channel: figures.summary(db_session, week(channel)).figures for channel in CHANNELS}
    assert rollup.rebuild(db_session) == 15 + 9  # every ended call and conversation, in range or not
    assert {channel: figures.summary(db_session, week(channel)).figures for channel in CHANNELS} == live


def test_complaints_count_under_the_channel_they_were_reported_on(db_session, regions, history, texts) -> None:
    """From a voice call: voice; without a channel (an agent's, an import): voice too; from S2: SMS."""
    common = {"category": "billing", "region_id": regions["BEKASI"], "created_at": local(WIB, 18, 9)}
    db_session.add_all(
        [
            Complaint(ticket_number="6000000001", call_sid=history.call_sids["B2"], **common),
            Complaint(ticket_number="6000000002", call_sid="CAnot-a-call", **common),
            Complaint(ticket_number="6000000003", call_sid=texts["S2"], channel=SMS, **common),
        ]
    )
    db_session.flush()
    opened = {channel: figures.summary(db_session, week(channel)).figures["complaints_opened"] for channel in CHANNELS}
    assert opened == {VOICE: 4 + 2, SMS: 1 + 1, WHATSAPP: 1}


@pytest.mark.parametrize(
    ("args", "channel"),
    [({}, VOICE), ({"channel": ""}, VOICE), ({"channel": " sms "}, SMS), ({"channel": WHATSAPP}, WHATSAPP)],
)
def test_the_channel_is_read_from_the_query(args, channel) -> None:
    assert range_from_args(args, today=WEEK_END, service_level_seconds=20).channel == channel


@pytest.mark.parametrize("value", ["fax", "WhatsApp", "phone"])
def test_an_unknown_channel_says_which_there_are(value) -> None:
    with pytest.raises(RangeError, match="channel must be one of voice, sms, whatsapp"):
        range_from_args({"channel": value}, today=WEEK_END, service_level_seconds=20)


def test_all_channels_are_the_sum_of_the_three(db_session, regions, texts) -> None:
    """Counts add up channel by channel; the split says each one's part; queue figures stay the phone's."""
    each = {channel: figures.summary(db_session, week(channel)).figures for channel in CHANNELS}
    together = figures.summary(db_session, week(ALL_CHANNELS)).figures
    for name in SUMMED:
        assert together[name] == sum(each[channel][name] for channel in CHANNELS), name
    assert together["offered"] == 14 + 5 + 3
    assert together["containment_rate"] == pytest.approx((2 + 3 + 2) / (14 + 5 + 3))
    for name in ("queued", "answered", "service_level", "average_speed_of_answer", "longest_wait"):
        assert together[name] == each[VOICE][name], name
    split = [
        (s.channel, s.offered, s.self_served, s.callbacks_requested)
        for s in figures.channel_split(db_session, week(ALL_CHANNELS))
    ]
    assert split == [(VOICE, 14, 2, 2), (SMS, 3, 2, 0), (WHATSAPP, 5, 3, 1)]
    kupang = figures.summary(db_session, week(ALL_CHANNELS, regions["KUPANG"])).figures
    assert kupang["offered"] == sum(
        figures.summary(db_session, week(channel, regions["KUPANG"])).figures["offered"] for channel in CHANNELS
    )
    assert sum(p.figures["offered"] for p in figures.series(db_session, week(ALL_CHANNELS), "day")) == 22
    assert len(list(export.call_records(db_session, week(ALL_CHANNELS)))) == 15 + 6 + 3


SUMMED = (
    "offered", "self_served", "abandoned", "handled", "callbacks_requested", "callbacks_fulfilled",
    "readings_submitted", "readings_accepted", "readings_flagged", "complaints_opened", "complaints_resolved",
    "complaints_backlog",
)  # fmt: skip


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture
def token(db_session, regions) -> str:
    raw = token_for(db_session, add_staff(db_session, regions)["spv"])
    db_session.commit()
    return raw


def get_json(client: FlaskClient, token: str, path: str, query: str) -> dict:
    response = client.get(f"/api/v1{path}?{query}", headers=bearer(token))
    body = check(response, "get", path)
    assert response.status_code == 200, body
    return body


def get_csv(client: FlaskClient, token: str, path: str, query: str) -> tuple[list[dict[str, str]], str]:
    response = client.get(f"/api/v1{path}?{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return rows, response.headers["Content-Disposition"]


def test_the_contract_lists_the_channels_of_the_code() -> None:
    assert document()["components"]["parameters"]["StatsChannel"]["schema"]["enum"] == [*CHANNELS, ALL_CHANNELS]


def test_api_summary_of_whatsapp(client, token, texts) -> None:
    body = get_json(client, token, "/stats/summary", f"{WEEK}&channel=whatsapp")
    assert body["range"]["channel"] == "whatsapp"
    assert_figures(body["figures"], WHATSAPP_WEEK)
    assert body["peak_hour"] == {"start": "2026-11-16T10:00", "calls": 2}
    assert body["complaints_by_category"]["no_power"] == {"opened": 1, "resolved": 0, "backlog": 1}
    voice = get_json(client, token, "/stats/summary", WEEK)
    assert voice["range"]["channel"] == "voice" and voice["figures"]["offered"] == 14


def test_api_series_and_funnel_of_whatsapp(client, token, texts) -> None:
    series = get_json(client, token, "/stats/series", f"{WEEK}&channel=whatsapp&bucket=day")
    funnel = get_json(client, token, "/stats/funnel", f"{WEEK}&channel=whatsapp")
    assert series["range"]["channel"] == funnel["range"]["channel"] == "whatsapp"
    assert [p["figures"]["offered"] for p in series["points"]] == [2, 1, 0, 2, 0, 0, 0]
    by_flow = {flow["flow"]: flow for flow in funnel["flows"]}
    assert (by_flow["main_menu"]["reached"], by_flow["main_menu"]["gave_up_at"]) == (5, [{"node": "menu", "calls": 1}])
    assert "token_history" not in by_flow  # S1 was an SMS conversation; K4 a phone call


def test_api_csv_of_whatsapp(client, token, texts) -> None:
    summary, name = get_csv(client, token, "/stats/summary.csv", f"{WEEK}&channel=whatsapp")
    values = {row["name"]: row["value"] for row in summary if not row["category"]}
    assert (values["offered"], values["self_served"], values["callbacks_requested"]) == ("5", "3", "1")
    assert name == 'attachment; filename="summary-2026-11-16-to-2026-11-22-whatsapp.csv"'
    series, _ = get_csv(client, token, "/stats/series.csv", f"{WEEK}&channel=whatsapp")
    assert [row["offered"] for row in series] == ["2", "1", "0", "2", "0", "0", "0"]
    funnel, _ = get_csv(client, token, "/stats/funnel.csv", f"{WEEK}&channel=whatsapp")
    assert {row["flow"]: row["reached"] for row in funnel}["main_menu"] == "5"
    calls, name = get_csv(client, token, "/stats/calls.csv", f"{WEEK}&channel=whatsapp")
    assert sorted(row["call_sid"] for row in calls) == [texts[f"W{n}"] for n in range(1, 7)]  # W6 in progress
    assert name.endswith('calls-2026-11-16-to-2026-11-22-whatsapp.csv"')
    voice, name = get_csv(client, token, "/stats/calls.csv", WEEK)
    assert len(voice) == 15 and not any(row["call_sid"].startswith("CHtext") for row in voice)
    assert name.endswith('calls-2026-11-16-to-2026-11-22.csv"')


def test_api_summary_of_all_channels(client, token, texts) -> None:
    together = get_json(client, token, "/stats/summary", f"{WEEK}&channel=all")
    each = {channel: get_json(client, token, "/stats/summary", f"{WEEK}&channel={channel}") for channel in CHANNELS}

    assert together["range"]["channel"] == "all"
    assert "phone calls only" in together["range"]["channel_note"]
    for name in SUMMED:
        assert together["figures"][name] == sum(body["figures"][name] for body in each.values()), name
    assert together["channels"] == [
        {
            "channel": channel,
            "offered": body["figures"]["offered"],
            "self_served": body["figures"]["self_served"],
            "callbacks_requested": body["figures"]["callbacks_requested"],
        }
        for channel, body in each.items()
    ]
    assert "channels" not in each[VOICE] and "channel_note" not in each[VOICE]["range"]
    _, name = get_csv(client, token, "/stats/summary.csv", f"{WEEK}&channel=all")
    assert name == 'attachment; filename="summary-2026-11-16-to-2026-11-22-all.csv"'


@pytest.mark.parametrize(
    "path", ["/stats/summary", "/stats/series", "/stats/funnel", "/stats/summary.csv", "/stats/calls.csv"]
)
def test_api_bad_channel_is_400_and_says_why(client, token, path) -> None:
    response = client.get(f"/api/v1{path}?{WEEK}&channel=fax", headers=bearer(token))
    assert response.status_code == 400
    assert "channel must be one of voice, sms, whatsapp" in check(response, "get", path)["error"]


# -- the console ------------------------------------------------------------------------------


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def test_console_picks_the_channel(client, db_session, regions, texts) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    html = page(client, f"/console/stats?{WEEK}&channel=whatsapp")
    shown = dict(FIGURE.findall(html))

    assert re.findall(r'<option value="(\w+)"[^>]*>(Telepon|SMS|WhatsApp)</option>', html) == [
        ("voice", "Telepon"),
        ("sms", "SMS"),
        ("whatsapp", "WhatsApp"),
    ]
    assert '<option value="whatsapp" selected>WhatsApp</option>' in html
    assert "<h1>Statistik: WhatsApp</h1>" in html and "<title>Statistik · WhatsApp" in html
    assert (shown["offered"], shown["self_served"], shown["containment_rate"]) == ("5", "3", "60%")
    assert (shown["callbacks_requested"], shown["readings_submitted"], shown["complaints_opened"]) == ("1", "2", "1")
    assert shown["service_level"] == "-"
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="(/console/stats/\w+\.csv\?[^"]*)"', html)]
    assert len(links) == 4 and all("channel=whatsapp" in link for link in links)
    calls = client.get(next(link for link in links if "/calls.csv" in link))
    assert len(list(csv.DictReader(io.StringIO(calls.get_data(as_text=True))))) == 6  # W1-W6


def test_console_defaults_to_the_phone(client, db_session, regions, texts) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    html = page(client, f"/console/stats?{WEEK}")
    assert '<option value="voice" selected>Telepon</option>' in html and "<h1>Statistik: Telepon</h1>" in html
    assert dict(FIGURE.findall(html))["offered"] == "14"
    sms = dict(FIGURE.findall(page(client, f"/console/stats?{WEEK}&channel=sms")))
    assert (sms["offered"], sms["median_time_to_resolve"]) == ("3", "3:00:00")


def test_console_shows_all_channels_with_a_split(client, db_session, regions, texts) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    html = page(client, f"/console/stats?{WEEK}&channel=all")
    shown = dict(FIGURE.findall(html))
    each = {c: dict(FIGURE.findall(page(client, f"/console/stats?{WEEK}&channel={c}"))) for c in CHANNELS}
    split = re.findall(
        r'<tr data-channel="(\w+)"><td>[^<]+</td><td class="offered">(\d+)</td><td class="self-served">(\d+)</td>'
        r'<td>[^<]+</td><td class="callbacks">(\d+)</td>',
        html,
    )

    assert '<option value="all" selected>Semua saluran</option>' in html and "<h1>Statistik: Semua saluran</h1>" in html
    assert "hanya dari telepon" in html
    for name in ("offered", "self_served", "callbacks_requested", "readings_submitted", "complaints_opened"):
        assert int(shown[name]) == sum(int(figures_[name]) for figures_ in each.values()), name
    assert split == [(c, each[c]["offered"], each[c]["self_served"], each[c]["callbacks_requested"]) for c in CHANNELS]
    assert '<tr data-channel="' not in page(client, f"/console/stats?{WEEK}&channel=sms")


def test_console_bad_channel_is_explained(client, db_session, regions) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    html = page(client, "/console/stats?channel=fax", 400)
    assert re.search(r'<p class="error" role="alert">[^<]*channel must be one of voice, sms, whatsapp', html)
    assert "<h1>Statistik</h1>" in html and "data-figure" not in html


# -- flask stats-report -----------------------------------------------------------------------


def report(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["stats-report", *args])


def test_report_for_whatsapp(app, texts, tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    outcome = report(app, "--from", "2026-11-16", "--to", "2026-11-22", "--channel", "whatsapp", "--calls", str(calls))
    printed = dict(
        re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in outcome.output.splitlines() if line.startswith("  ")
    )
    assert outcome.exit_code == 0, outcome.output
    assert "Statistics 2026-11-16 to 2026-11-22, all regions, WhatsApp conversations" in outcome.output
    assert (printed["Calls offered"], printed["Self-served calls"], printed["Readings submitted"]) == ("5", "3", "2")
    assert len(list(csv.DictReader(io.StringIO(calls.read_text())))) == 6
    voice = report(app, "--from", "2026-11-16", "--to", "2026-11-22")
    assert "all regions, phone calls" in voice.output
    every = report(app, "--from", "2026-11-16", "--to", "2026-11-22", "--channel", "all")
    assert every.exit_code == 0, every.output
    assert "all regions, every channel (queue figures from phone calls only)" in every.output
    sms = report(app, "--from", "2026-11-16", "--to", "2026-11-22", "--channel", "sms")
    offered = {name: _calls_offered(result.output) for name, result in (("all", every), ("voice", voice), ("sms", sms))}
    offered["whatsapp"] = _calls_offered(outcome.output)
    assert offered["all"] == offered["voice"] + offered["whatsapp"] + offered["sms"]


def _calls_offered(printed: str) -> int:
    line = next(line for line in printed.splitlines() if line.strip().startswith("Calls offered"))
    return int(re.split(r"\s{2,}", line.strip())[1])


def test_report_rejects_an_unknown_channel(app, regions) -> None:
    outcome = report(app, "--channel", "fax")
    assert outcome.exit_code != 0 and "'fax' is not one of 'voice', 'sms', 'whatsapp', 'all'" in outcome.output
