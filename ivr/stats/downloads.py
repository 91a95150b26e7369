"""The statistics CSV files as HTTP downloads, the same for the API (token) and the console (session)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date

from flask import Response, request

from db.session import Database
from ivr.extensions import runtime
from ivr.stats import export, figures
from ivr.stats.request import bucket_from_args, range_from_args, region_code, today_in

KINDS = ("summary", "series", "funnel", "calls")
ROUTE = "/stats/<any(summary, series, funnel, calls):kind>.csv"  # the same path under /api/v1 and /console


def _response(lines: Iterable[str], name: str) -> Response:
    """A CSV attachment; `lines` may be a generator, which the response then streams."""
    response = Response(lines, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_download(
    kind: str, args: Mapping[str, str], *, database: Database, today: date, service_level_seconds: int
) -> Response:
    """One CSV for the range in `args`; raises RangeError (a 400 for the caller) for a bad range."""
    bucket = bucket_from_args(args) if kind == "series" else "day"
    stats_range = range_from_args(args, today=today, service_level_seconds=service_level_seconds)
    with database.session() as session:
        code = region_code(session, stats_range)
        if kind == "summary":
            lines = list(export.summary_lines(figures.summary(session, stats_range)))
        elif kind == "series":
            lines = list(export.series_lines(figures.series(session, stats_range, bucket)))
        elif kind == "funnel":
            lines = list(export.funnel_lines(figures.funnel(session, stats_range)))
        elif kind != "calls":
            raise ValueError(f"unknown statistics download {kind!r}")
    if kind == "calls":

        def stream() -> Iterator[str]:
            with database.session() as session:
                yield from export.call_lines(export.call_records(session, stats_range))

        return _response(stream(), export.filename("calls", stats_range, code))
    name = f"series-{bucket}" if kind == "series" else kind
    return _response(lines, export.filename(name, stats_range, code))


def requested(kind: str) -> Response:
    """The CSV this request asks for, on the app's database and clock; RangeError for a bad range."""
    return csv_download(
        kind,
        request.args,
        database=runtime().database,
        today=today_in(runtime().clock.now()),
        service_level_seconds=runtime().settings.service_level_seconds,
    )
