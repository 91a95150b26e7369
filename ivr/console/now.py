"""The screen pop: the caller an agent was just bridged to, on /console/now without a reload.

The page asks a small JSON endpoint once a second (`POLL_SECONDS`) which call the agent has in
hand (ivr/queues/in_hand.py, written by the bridge webhook). Short polling rather than server-sent
events: a poll is one cheap read of the call-state store, needs no long-lived connection tying up
a gunicorn worker per open console, and passes any proxy or load balancer unchanged; a second's
delay is well inside the two the agent can wait. The database is read only when the call in hand
differs from the one the page shows, and the answer then carries the call already rendered by
Jinja (escaped there, like every page), so the script only swaps one element.

Any role may take calls from the agent line, so the page is open to all staff; the menu offers it
to agents. Each user sees only their own call in hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from db.models import AGENT
from ivr.auth.roles import STAFF, Principal
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.headers import CONTENT_SECURITY_POLICY
from ivr.console.language import viewer_language
from ivr.console.translate import t
from ivr.console.work import CATEGORY_LABELS
from ivr.extensions import runtime
from ivr.queries import call_actions
from ivr.queries.screen_pop import ScreenPop, screen_pop
from ivr.queries.tickets import TicketError
from ivr.queues import in_hand
from ivr.queues.in_hand import InHand
from ivr.services.tickets import CATEGORIES
from ivr.state import StateStoreError

log = logging.getLogger(__name__)

POLL_SECONDS = 1
# The console's policy, plus this page's own script and its polls (both from the app itself).
POP_POLICY = CONTENT_SECURITY_POLICY + "; script-src 'self'; connect-src 'self'"

nav.add("console.now", "Panggilan saat ini", (AGENT,), order=5)


def _key(principal: Principal) -> str:
    return runtime().core.keys.agent_user(principal.id)


def _in_hand(principal: Principal) -> InHand | None:
    """The user's caller in hand; raises StateStoreError when the store cannot be read."""
    return in_hand.in_hand(runtime().store, _key(principal))


def _pop(principal: Principal, hand: InHand) -> ScreenPop | None:
    with runtime().database.session() as db:
        return screen_pop(db, principal, hand.call_sid)


def flow_titles(names: tuple[str, ...]) -> list[str]:
    """Menu options as the viewer reads them (their labels live in flows/*.yaml)."""
    flows, language = runtime().engine.flows.flows, viewer_language()
    return [flows[name].title(language) if name in flows else name for name in names]


def _shown(principal: Principal, hand: InHand | None) -> dict[str, Any]:
    """What console/_now.html shows for the call in hand (read from the database)."""
    pop = _pop(principal, hand) if hand is not None else None
    customer = pop.call.customer if pop is not None else None
    return {
        "hand": hand,
        "pop": pop,
        "flows": flow_titles(pop.flows) if pop is not None else [],
        # Twilio's QueueTime counts the last queue only (not the wait before an overflow); ours may lag.
        "waited": max(hand.queue_seconds, (pop.call.queue_seconds or 0) if pop else 0) if hand else 0,
        "customer_link": customer is not None and principal.may_see_region(customer.region.id),
        "categories": [(category, t(CATEGORY_LABELS.get(category, category))) for category in CATEGORIES],
    }


def _with_script(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POP_POLICY
    return response


@blueprint.get("/now")
@login_required(*STAFF)
def now() -> ResponseReturnValue:
    """The caller in hand, or a word that nobody is; the page's script keeps it current."""
    principal = require_user()
    try:
        hand, unavailable = _in_hand(principal), False
    except StateStoreError:
        log.warning("screen pop: call-state store unreadable", exc_info=True)
        hand, unavailable = None, True
    return _page(principal, hand, unavailable)


def _page(principal: Principal, hand: InHand | None, unavailable: bool = False, **told: Any) -> Response:
    page = render_template(
        "console/now.html",
        **_shown(principal, hand),
        shown=hand.call_sid if hand else "",
        unavailable=unavailable,
        poll_seconds=POLL_SECONDS,
        **told,
    )
    return _with_script(Response(page, status=400 if told.get("error") else 200))


def _act(opened: Callable[[Principal, str], str]) -> ResponseReturnValue:
    """Run an action for the call the form names, then show the page with what it did (or why not)."""
    principal = require_user()
    call_sid = request.form.get("call_sid", "")[:64]
    try:
        hand = _in_hand(principal)
    except StateStoreError:
        hand = None
    try:
        done = opened(principal, call_sid)
    except LookupError:
        return _page(principal, hand, error=t("Panggilan tidak ditemukan."))
    except TicketError as error:
        return _page(principal, hand, error=str(error))
    return _page(principal, hand, done=done)


@blueprint.post("/now/ticket")
@login_required(*STAFF)
def now_ticket() -> ResponseReturnValue:
    """Open a complaint for the caller (one per call and category: a second click gets the same one)."""

    def opened(principal: Principal, call_sid: str) -> str:
        with runtime().database.session() as db:
            ticket = call_actions.open_ticket(
                db,
                principal,
                call_sid,
                request.form.get("category", ""),
                request.form.get("note", ""),
                runtime().clock.now(),
            )
            db.commit()
        if ticket.new:
            return t("Tiket {n} dibuat.", n=ticket.reference)
        return t("Tiket {n} sudah ada untuk panggilan ini.", n=ticket.reference)

    return _act(opened)


@blueprint.post("/now/callback")
@login_required(*STAFF)
def now_callback() -> ResponseReturnValue:
    """Book a callback to the caller's own number (one per call)."""

    def opened(principal: Principal, call_sid: str) -> str:
        with runtime().database.session() as db:
            booked = call_actions.book_callback(db, principal, call_sid, runtime().clock.now())
            db.commit()
        if booked is None:
            raise TicketError(t("Penelepon tidak punya nomor yang bisa ditelepon balik."))
        return t("Panggil balik dicatat.") if booked.new else t("Panggil balik untuk panggilan ini sudah tercatat.")

    return _act(opened)


@blueprint.get("/now/poll")
@login_required(*STAFF)
def now_poll() -> ResponseReturnValue:
    """{"state": "idle" | "call" | "unavailable"}; with `html` when the call differs from `?shown=`."""
    principal = require_user()
    try:
        hand = _in_hand(principal)
    except StateStoreError:
        log.warning("screen pop: call-state store unreadable", exc_info=True)
        return jsonify(state="unavailable"), 503
    shown = request.args.get("shown", "")[:64]
    answer: dict[str, Any] = {"state": "idle", "call_sid": None}
    if hand is not None:
        answer = {"state": "call", "call_sid": hand.call_sid, "caller": hand.caller,
                  "queue_seconds": hand.queue_seconds}  # fmt: skip
    if (hand.call_sid if hand else "") != shown:
        answer["html"] = render_template("console/_now.html", **_shown(principal, hand))
    return jsonify(answer)


@blueprint.post("/now/done")
@login_required(*STAFF)
def now_done() -> ResponseReturnValue:
    """The agent moved on ("Selesai"): clear the caller, unless another one was bridged since."""
    principal = require_user()
    try:
        in_hand.put_down(runtime().store, _key(principal), request.form.get("call_sid", "")[:64])
    except StateStoreError:
        log.warning("screen pop: could not clear the call in hand", exc_info=True)
    return redirect(url_for("console.now"))
