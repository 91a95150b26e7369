"""Published information (menu 7): tariffs, planned maintenance and announcements per region, and the app link.

Nothing here is prompt text: the flow speaks the values, so a tariff change in the database is
what callers hear the next minute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import VOICE, MaintenanceNotice, OutboxMessage, Tariff
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.services import announcements
from ivr.services.context import Notification, ServiceContext

# Menu key -> tariff class letters: households, business, industry, social and public.
TARIFF_GROUPS: dict[str, tuple[str, ...]] = {"1": ("R",), "2": ("B",), "3": ("I",), "4": ("S", "P")}
KVA_FROM_VA = 200_000  # from here on PLN publishes powers in kVA ("above 200 kVA")
MAINTENANCE_HORIZON = timedelta(days=7)
# A spoken list longer than this is no use to a caller (and each item costs the engine two steps).
MAX_SPOKEN_ITEMS = 10
TARIFF_QUEUE = "info_tariff_queue"
NOTICE_QUEUE = "info_notice_queue"
NEWS_QUEUE = "info_news_queue"
APP_LINK_SMS = "information.app_link_sms"  # the prompt the SMS is written from, and its outbox purpose


def is_tariff_group(value: str) -> bool:
    """A key of the tariff-group menu (used as a flow validator)."""
    return value in TARIFF_GROUPS


def _pop(queue_var: str, queue: Any) -> ServiceResult:
    """The list loop: the next item's vars, with its outcome choosing how the flow speaks it."""
    items = list(queue or [])
    if not items:
        return ServiceResult("done", {queue_var: []})
    item = dict(items[0])
    outcome = item.pop("outcome", "item")
    return ServiceResult(outcome, {**item, queue_var: items[1:]})


# -- tariffs ----------------------------------------------------------------------------------


def current_tariffs(session: Session, letters: tuple[str, ...], today: date) -> list[Tariff]:
    """Rows of these classes in force today: the latest effective row per class and power."""
    query = (
        select(Tariff)
        .where(Tariff.effective_from <= today)
        .order_by(Tariff.power_min_va, Tariff.tariff_class, Tariff.effective_from.desc(), Tariff.id.desc())
    )
    latest: dict[tuple[str, int], Tariff] = {}
    for row in session.scalars(query):
        if row.tariff_class.split("-")[0].upper() in letters:
            latest.setdefault((row.tariff_class, row.power_min_va), row)
    return list(latest.values())[:MAX_SPOKEN_ITEMS]


def _power(name: str, va: int) -> dict[str, Any]:
    """A power as a number and its unit, kVA for large whole-kVA values (as PLN publishes them)."""
    if va >= KVA_FROM_VA and va % 1000 == 0:
        return {name: va // 1000, f"{name}_unit": "kVA"}
    return {name: va, f"{name}_unit": "VA"}


def power_range(low: int, high: int | None) -> tuple[str, dict[str, Any]]:
    """How a power range is said: one power, "from - to", "and above", or "above" (min is X + 1)."""
    if high is None:
        if low % 100 == 1:
            return "above", _power("info_power_min", low - 1)
        return "from", _power("info_power_min", low)
    if high == low:
        return "single", _power("info_power_min", low)
    return "range", {**_power("info_power_min", low), **_power("info_power_max", high)}


def spoken_class(tariff_class: str) -> str:
    """ "R-1M" -> "R 1 M", so a voice reads letters and digits instead of "minus"."""
    return re.sub(r"(?<=\d)(?=[A-Za-z])|-", " ", tariff_class).strip()


def _tariff_item(row: Tariff) -> dict[str, Any]:
    outcome, powers = power_range(row.power_min_va, row.power_max_va)
    rate = Decimal(str(row.rate_per_kwh)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return {
        "outcome": outcome,
        "info_tariff_class": spoken_class(row.tariff_class),
        "info_tariff_rate": int(rate),
        **powers,
    }


def tariffs(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Queue the tariffs of the chosen group for the flow to read one by one."""
    letters = TARIFF_GROUPS.get(str(args.get("group")), ())
    rows = current_tariffs(context.session, letters, context.local_now.date())
    if not rows:
        return ServiceResult("none", {TARIFF_QUEUE: []})
    return ServiceResult("found", {TARIFF_QUEUE: [_tariff_item(row) for row in rows]})


def next_tariff(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Pop the next tariff; the outcome says which power wording the flow uses."""
    return _pop(TARIFF_QUEUE, args.get("queue"))


# -- planned maintenance ----------------------------------------------------------------------


def upcoming_notices(context: ServiceContext) -> list[MaintenanceNotice]:
    """The caller's region's notices under way or starting within the horizon, soonest first."""
    if context.region_id is None:
        return []
    query = (
        select(MaintenanceNotice)
        .where(
            MaintenanceNotice.region_id == context.region_id,
            MaintenanceNotice.ends_at > context.now,
            MaintenanceNotice.starts_at < context.now + MAINTENANCE_HORIZON,
        )
        .order_by(MaintenanceNotice.starts_at, MaintenanceNotice.id)
        .limit(MAX_SPOKEN_ITEMS)
    )
    return list(context.session.scalars(query))


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text.endswith(".") else f"{text}."


def _notice_item(context: ServiceContext, notice: MaintenanceNotice) -> dict[str, Any]:
    start, end = context.local(notice.starts_at), context.local(notice.ends_at)
    return {
        "outcome": "item" if start.date() == end.date() else "spanning",
        "info_notice_date": start.date().isoformat(),
        "info_notice_start": start.strftime("%H:%M"),
        "info_notice_end_date": end.date().isoformat(),
        "info_notice_end": end.strftime("%H:%M"),
        "info_notice_area": " ".join(notice.area.split()),
        "info_notice_reason": _sentence(notice.reason or ""),
    }


def maintenance(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Queue the planned maintenance callers in this region should know about."""
    notices = upcoming_notices(context)
    if not notices:
        return ServiceResult("none", {NOTICE_QUEUE: []})
    return ServiceResult("found", {NOTICE_QUEUE: [_notice_item(context, n) for n in notices]})


def next_notice(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Pop the next notice; `spanning` when it ends on a later local day than it starts."""
    return _pop(NOTICE_QUEUE, args.get("queue"))


# -- announcements ----------------------------------------------------------------------------


def news(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Queue the announcements in force in the caller's region, newest first, in the caller's language."""
    rows = announcements.current(context.session, context.region_id, context.now)
    if not rows:
        return ServiceResult("none", {NEWS_QUEUE: []})
    items = [{"info_news_text": announcements.text_for(row, context.language)} for row in rows]
    return ServiceResult("found", {NEWS_QUEUE: items})


def next_news(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    return _pop(NEWS_QUEUE, args.get("queue"))


# -- the app link -----------------------------------------------------------------------------


def _app_link_asked(context: ServiceContext) -> bool:
    """This call already has the app link on its way (in this turn or an earlier one)."""
    if any(message.prompt == APP_LINK_SMS for message in context.outbox):
        return True
    query = select(OutboxMessage.id).where(
        OutboxMessage.call_sid == context.conversation_id, OutboxMessage.purpose == APP_LINK_SMS
    )
    return context.session.scalar(query.limit(1)) is not None


def app_link(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The app link: written in a text conversation; over a call, one SMS per call to a mobile caller."""
    if context.channel != VOICE:
        return ServiceResult("text")
    if not (context.caller_is_mobile and context.sms_enabled):
        return ServiceResult("no_sms")
    if _app_link_asked(context):
        return ServiceResult("already")
    context.outbox.append(Notification(to=context.caller, prompt=APP_LINK_SMS, variables={}, language=context.language))
    return ServiceResult("queued")


def register(registry: ServiceRegistry) -> None:
    """Offer this module's services (and validators) to flow files by name."""
    registry.add_validator("tariff_group", is_tariff_group)
    registry.add("info.tariffs", tariffs, {"found", "none"})
    registry.add("info.next_tariff", next_tariff, {"single", "range", "from", "above", "done"})
    registry.add("info.maintenance", maintenance, {"found", "none"})
    registry.add("info.next_notice", next_notice, {"item", "spanning", "done"})
    registry.add("info.news", news, {"found", "none"})
    registry.add("info.next_news", next_news, {"item", "done"})
    registry.add("info.app_link", app_link, {"queued", "already", "no_sms", "text"})
