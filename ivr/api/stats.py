"""Supervisor statistics over the API: the figures as JSON and CSV, and the raw call records as streamed CSV.

Supervisors and admins only. Ranges are whole local days of one channel (voice by default, or
sms / whatsapp) or of all three summed (`all`), read by ivr/stats/request.py, the same parser as
the console; bucket and peak-hour times are local wall clock without an offset.
"""

from __future__ import annotations

import dataclasses

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from ivr.api.blueprint import blueprint
from ivr.api.errors import BadRequest
from ivr.auth.roles import STATISTICS
from ivr.auth.tokens import api_auth
from ivr.extensions import runtime
from ivr.stats import downloads, export, figures
from ivr.stats.definitions import FIGURES, FUNNEL_DEFINITION, SPEECH_DEFINITION
from ivr.stats.figures import ALL_CHANNELS, ALL_CHANNELS_NOTE, FlowFunnel, RangeError, StatsRange
from ivr.stats.request import bucket_from_args, range_from_args, region_code, today_in

TIMEZONE_NOTE = (
    "Days and hours are local: each call counts on its own region's clock (calls without a region on "
    "the national one), so times without an offset are wall-clock times summed across regions."
)


def _range(session: Session) -> StatsRange:
    """The range the query asks for; a bad range or an unknown region is a 400."""
    try:
        stats_range = range_from_args(
            request.args,
            today=today_in(runtime().clock.now()),
            service_level_seconds=runtime().settings.service_level_seconds,
        )
        region_code(session, stats_range)
        return stats_range
    except RangeError as exc:
        raise BadRequest(str(exc)) from exc


def _bucket() -> str:
    try:
        return bucket_from_args(request.args)
    except RangeError as exc:
        raise BadRequest(str(exc)) from exc


def _range_json(stats_range: StatsRange) -> dict[str, object]:
    found: dict[str, object] = {
        "from": stats_range.start.isoformat(),
        "to": stats_range.end.isoformat(),
        "region_id": stats_range.region_id,
        "channel": stats_range.channel,
        "service_level_seconds": stats_range.service_level_seconds,
        "timezone_note": TIMEZONE_NOTE,
    }
    if stats_range.channel == ALL_CHANNELS:
        found["channel_note"] = ALL_CHANNELS_NOTE
    return found


def _funnel_json(flow: FlowFunnel) -> dict[str, object]:
    return {
        "flow": flow.flow,
        "reached": flow.reached,
        "completed": flow.completed,
        "gave_up": flow.gave_up,
        "completion_rate": flow.completion_rate,
        "gave_up_at": [{"node": node, "calls": calls} for node, calls in flow.gave_up_at],
        "speech_by_node": [
            {
                "node": node.node,
                "answered": node.answered,
                "spoke": node.spoke,
                "misheard": node.misheard,
                "spoke_rate": node.spoke_rate,
                "misheard_rate": node.misheard_rate,
            }
            for node in flow.speech
        ],
    }


@blueprint.get("/stats/summary")
@api_auth(*STATISTICS)
def stats_summary() -> ResponseReturnValue:
    """The headline figures of a range, the peak hour and complaints per category."""
    with runtime().database.session() as session:
        stats_range = _range(session)
        result = figures.summary(session, stats_range)
        split = figures.channel_split(session, stats_range) if stats_range.channel == ALL_CHANNELS else None
    peak = {"start": export.wall_clock(result.peak_hour), "calls": result.peak_hour_calls} if result.peak_hour else None
    body: dict[str, object] = {
        "range": _range_json(stats_range),
        "figures": result.figures,
        "peak_hour": peak,
        "complaints_by_category": result.complaints_by_category,
    }
    if split is not None:
        body["channels"] = [dataclasses.asdict(share) for share in split]
    return jsonify(body)


@blueprint.get("/stats/series")
@api_auth(*STATISTICS)
def stats_series() -> ResponseReturnValue:
    """Call figures per hour, day or week of the range, every bucket present."""
    bucket = _bucket()
    with runtime().database.session() as session:
        stats_range = _range(session)
        try:
            points = figures.series(session, stats_range, bucket)
        except RangeError as exc:
            raise BadRequest(str(exc)) from exc
    return jsonify(
        range=_range_json(stats_range),
        bucket=bucket,
        points=[{"start": export.wall_clock(point.start), "figures": point.figures} for point in points],
    )


@blueprint.get("/stats/funnel")
@api_auth(*STATISTICS)
def stats_funnel() -> ResponseReturnValue:
    """Per flow: reached, completed, the nodes where callers gave up, and how each node was answered."""
    with runtime().database.session() as session:
        stats_range = _range(session)
        flows = figures.funnel(session, stats_range)
    return jsonify(range=_range_json(stats_range), flows=[_funnel_json(flow) for flow in flows])


@blueprint.get("/stats/definitions")
@api_auth(*STATISTICS)
def stats_definitions() -> ResponseReturnValue:
    """What each figure means, from the one place it is defined (also docs/statistics.md)."""
    items = [
        {"name": f.name, "label": f.label, "unit": f.unit, "group": f.group, "definition": f.definition}
        for f in FIGURES
    ]
    return jsonify(figures=items, funnel=FUNNEL_DEFINITION, speech=SPEECH_DEFINITION)


@blueprint.get(downloads.ROUTE)
@api_auth(*STATISTICS)
def stats_csv(kind: str) -> ResponseReturnValue:
    """The figures, the series, the funnel or every call started in the range (streamed), as CSV."""
    try:
        return downloads.requested(kind)
    except RangeError as exc:
        raise BadRequest(str(exc)) from exc
