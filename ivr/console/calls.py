"""The calls list and one call's page: what happened on the line or in the messages, within the viewer's region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from db.models import CHANNELS, DEFAULT_TIMEZONE, VOICE
from ivr.auth.roles import STAFF, Principal
from ivr.auth.sessions import login_required, require_user
from ivr.calls.outcome import OUTCOMES
from ivr.console import nav
from ivr.console import timeline as sentences
from ivr.console.blueprint import blueprint
from ivr.console.formatting import LANGUAGE_LABELS, MESSAGE_STATUS_LABELS, ZONE_NAMES, link
from ivr.console.language import viewer_language
from ivr.console.translate import t
from ivr.console.work import page_arg
from ivr.extensions import runtime
from ivr.queries.calls import CallFilter, EventRow, get_call, list_calls, visible_regions
from ivr.queries.customers import RegionRef
from ivr.queries.outbox import OutboxRow, call_messages

OUTCOME_LABELS = {
    "in_progress": "Sedang berlangsung",
    "hung_up_in_menu": "Ditutup di menu",
    "self_served": "Selesai mandiri",
    "ended_by_ivr": "Diakhiri IVR",
    "queued": "Dalam antrean",
    "abandoned_in_queue": "Ditutup saat antre",
    "answered_by_agent": "Dijawab agen",
    "callback_requested": "Minta ditelepon balik",
    "transferred": "Dialihkan ke agen",
    "agent_unavailable": "Agen tidak tersedia",
    "error": "Gangguan sistem",
}
CHANNEL_LABELS = {"voice": "Telepon", "sms": "SMS", "whatsapp": "WhatsApp"}
FILTER_KEYS = ("from", "to", "region", "caller", "outcome", "flow", "channel")

nav.add("console.calls", "Panggilan", STAFF, order=10)


def link_to(endpoint: str, **values: Any) -> str | None:
    """A URL for another console page, or None when that feature is not installed (no link then)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def message_media(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """A `message` event's attachments as {url, type, href}; href is None when it may not be linked."""
    media = detail.get("media")
    found = []
    for item in media if isinstance(media, list) else []:
        url = item.get("url") if isinstance(item, dict) else item
        kind = item.get("type") if isinstance(item, dict) else None
        found.append({"url": str(url or ""), "type": str(kind or ""), "href": link(url)})
    return found


MISS_REASONS = {"low_confidence": "kurang yakin", "not_understood": "tidak cocok dengan pilihan"}
MAX_TRANSCRIPT = 200  # characters of what the caller said shown in the timeline


@dataclass(frozen=True)
class Heard:
    """What the recogniser heard for an `input` (mode speech) or `speech_missed` event, as the timeline shows it."""

    transcript: str
    confidence: str  # two decimals, or "" when the recogniser gave none
    understood: bool
    digits: str  # the key the words stood for (understood only)
    reason: str  # why not understood, in Indonesian
    keys_only: bool  # after this miss the node asks for keys only


def _confidence(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:.2f}"


def heard(event: EventRow) -> Heard | None:
    """The speech of an event, or None for an event that carries none (keys, text, anything else)."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    understood = event.kind == "input" and detail.get("mode") == "speech"
    if not (understood or event.kind == "speech_missed"):
        return None
    reason = str(detail.get("reason") or "")
    return Heard(
        transcript=str(detail.get("transcript") or "")[:MAX_TRANSCRIPT],
        confidence=_confidence(detail.get("confidence")),
        understood=understood,
        digits=str(detail.get("digits") or "") if understood else "",
        reason=MISS_REASONS.get(reason, reason),
        keys_only=bool(detail.get("keys_only")) and not understood,
    )


def flow_labels() -> dict[str, str]:
    """The flows as the viewer reads them, in menu order (their labels live in flows/*.yaml)."""
    return runtime().engine.flows.titles(viewer_language())


def menu_path_words(path: Sequence[str]) -> list[str]:
    """A callback's menu path ("flow.node", ...) in words, in the viewer's language (flow labels, menu choices)."""
    engine = runtime().engine
    return sentences.menu_path_words(path, engine.flows, engine.prompts, viewer_language())


@blueprint.context_processor
def call_labels() -> dict[str, Any]:
    """Indonesian names for outcomes, languages and channels (templates pass them through t()), menu options in the
    viewer's language, for every console template."""
    return {
        "outcome_labels": OUTCOME_LABELS,
        "flow_labels": flow_labels(),
        "language_labels": LANGUAGE_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "link_to": link_to,
        "menu_path_words": menu_path_words,
    }


def _local_day(text: str, zone: ZoneInfo) -> datetime | None:
    """Midnight of a YYYY-MM-DD day on the given clock; None for anything else."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def build_filter(
    args: MultiDict[str, str], regions: list[RegionRef], principal: Principal
) -> tuple[CallFilter, dict[str, str], list[str], str]:
    """The filter from the query string: (filter, the form's values, problems to show, the time zone used)."""
    form = {key: args.get(key, "").strip()[:128] for key in FILTER_KEYS}
    problems: list[str] = []
    by_code = {region.code: region for region in regions}
    region = by_code.get(form["region"])
    if form["region"] and region is None:
        problems.append(t("Wilayah tidak dikenal."))
        form["region"] = ""
    own = next((r for r in regions if r.id == principal.region_id), None)
    zone_name = (
        region.timezone if region else (own.timezone if own and not principal.sees_all_regions else DEFAULT_TIMEZONE)
    )
    zone = ZoneInfo(zone_name)
    bounds: dict[str, datetime | None] = {}
    for key, label in (("from", "Tanggal awal"), ("to", "Tanggal akhir")):
        bounds[key] = _local_day(form[key], zone) if form[key] else None
        if form[key] and bounds[key] is None:
            problems.append(t("{label} harus berformat TTTT-BB-HH.", label=t(label)))
            form[key] = ""
    until = bounds["to"] + timedelta(days=1) if bounds["to"] else None  # the whole last day
    for key, allowed, label in (
        ("outcome", OUTCOMES, "Hasil"),
        ("flow", tuple(flow_labels()), "Menu"),
        ("channel", CHANNELS, "Saluran"),
    ):
        if form[key] and form[key] not in allowed:
            problems.append(t("{label} tidak dikenal.", label=t(label)))
            form[key] = ""
    filt = CallFilter(
        since=bounds["from"],
        until=until,
        region_id=region.id if region else None,
        caller=form["caller"] or None,
        outcome=form["outcome"] or None,
        flow=form["flow"] or None,
        channel=form["channel"] or None,
    )
    return filt, form, problems, zone_name


@blueprint.get("/calls")
@login_required(*STAFF)
def calls() -> ResponseReturnValue:
    """The call log, newest first, narrowed by the filter form; agents see their region only."""
    principal = require_user()
    with runtime().database.session() as db:
        regions = visible_regions(db, principal)
        filt, form, problems, timezone = build_filter(request.args, regions, principal)
        page = list_calls(db, principal, filt, page=page_arg())
    kept: dict[str, Any] = {key: value for key, value in form.items() if value}  # url_for's **values
    return render_template(
        "console/calls.html",
        page=page,
        form=form,
        problems=problems,
        zone=ZONE_NAMES.get(timezone, timezone),
        timezone=timezone,  # the list's clock: rows from several zones show in order on it
        regions=regions,
        outcomes=OUTCOMES,
        flows=tuple(flow_labels()),
        channels=CHANNELS,
        prev_url=url_for("console.calls", **kept, page=page.page - 1) if page.has_prev else None,
        next_url=url_for("console.calls", **kept, page=page.page + 1) if page.has_next else None,
    )


@blueprint.get("/calls/<call_sid>")
@login_required(*STAFF)
def call(call_sid: str) -> ResponseReturnValue:
    """One call: its record and timeline in the region's clock; 404 when missing or not visible."""
    principal = require_user()
    with runtime().database.session() as db:
        detail = get_call(db, principal, call_sid)
        messages = call_messages(db, detail.call_sid) if detail is not None else ()
    if detail is None:
        abort(404)
    zone = detail.region.timezone if detail.region else DEFAULT_TIMEZONE
    channel = t(CHANNEL_LABELS.get(detail.channel, detail.channel))
    heading = (
        t("Panggilan {call_sid}", call_sid=detail.call_sid)
        if detail.channel == VOICE
        else t("Percakapan {channel} {call_sid}", channel=channel, call_sid=detail.call_sid)
    )
    engine = runtime().engine
    return render_template(
        "console/call.html",
        call=detail,
        sections=sentences.build(detail, detail.events, messages, engine.flows, engine.prompts, viewer_language()),
        timeline=timeline(detail.events, messages),
        message_status_labels=MESSAGE_STATUS_LABELS,
        zone=zone,
        heading=heading,
        https_link=link,
        message_media=message_media,
        heard=heard,
    )


def timeline(events: Sequence[EventRow], messages: Sequence[OutboxRow]) -> list[EventRow | OutboxRow]:
    """The call's events with its outgoing messages among them, each after the events of the turn that wrote it."""
    merged: list[EventRow | OutboxRow] = []
    waiting = list(messages)
    for event in events:
        while waiting and waiting[0].created_at < event.at:
            merged.append(waiting.pop(0))
        merged.append(event)
    return merged + waiting
