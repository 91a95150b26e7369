"""Agents' work queues: complaints, service requests and callback requests, worked one by one."""

from __future__ import annotations

from datetime import datetime

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from db.models import TICKET_STATUSES, whole_number
from ivr.auth.roles import STAFF
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.formatting import LANGUAGE_LABELS, MESSAGE_STATUS_LABELS, link
from ivr.console.translate import said, t
from ivr.extensions import runtime
from ivr.queries import callbacks as callback_queries
from ivr.queries import tickets
from ivr.queries.tickets import ACTIVE, STATUS_LABELS, TicketError

PER_PAGE = 25
KIND_PAGES = {"complaint": ("complaints", "complaint", "Pengaduan"), "request": ("requests", "request", "Permohonan")}
CATEGORY_LABELS = {
    "no_power": "Listrik padam (rumah)",
    "outage_area": "Padam satu lingkungan",
    "billing": "Tagihan",
    "dangerous_installation": "Instalasi berbahaya",
    "other": "Lainnya",
    "new_connection": "Pasang baru",
    "power_change": "Ubah daya",
    "temporary": "Sambung sementara",
}
# Why the caller asked for a callback (ivr/services/agents.py `callback_reason`).
REASON_LABELS = {
    "closed": "Di luar jam layanan",
    "long_wait": "Antrean panjang",
    "while_waiting": "Diminta saat menunggu",
    "requested": "Diminta penelepon",
    "busy": "Semua saluran sibuk",
    "message": "Lewat pesan",
    "urgent": "Laporan darurat",
}
# How the customer was told of a change (ivr/services/notices.py); a queued one names the masked number.
NOTICE_LABELS = {
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "not_configured": "Tidak dikirim: SMS belum dikonfigurasi",
    "no_number": "Tidak dikirim: tidak ada nomor ponsel",
}
MESSAGES = {"saved": "Perubahan disimpan.", "done": "Panggil balik ditandai selesai."}
LABELS = {
    "statuses": STATUS_LABELS,
    "categories": CATEGORY_LABELS,
    "reasons": REASON_LABELS,
    "notices": NOTICE_LABELS,
    "languages": LANGUAGE_LABELS,
    "message_statuses": MESSAGE_STATUS_LABELS,
}


def now() -> datetime:
    """The app's one clock (the voice gateway's), so the console and the IVR agree on time."""
    return runtime().clock.now()


def age(seconds: int) -> str:
    """How long a ticket has waited, as a work queue shows it: '45 menit', '5 jam', '3 hari' (in English: '45 min')."""
    if seconds < 3600:
        return t("{minutes} menit", minutes=seconds // 60)
    if seconds < 86400:
        return t("{hours} jam", hours=seconds // 3600)
    return t("{days} hari", days=seconds // 86400)


def page_arg() -> int:
    """The page asked for (1 when none is); anything but a page number is a 400, never a 500 from the database."""
    raw = request.args.get("page", "").strip()
    page = whole_number(raw, minimum=1) if raw else 1
    if page is None:
        abort(400, description=t("Nomor halaman tidak valid."))
    return page


def _kind_pages(kind: str) -> tuple[str, str, str]:
    if kind not in KIND_PAGES:
        abort(404)
    return KIND_PAGES[kind]


@blueprint.get("/complaints", defaults={"kind": "complaint"}, endpoint="complaints")
@blueprint.get("/requests", defaults={"kind": "request"}, endpoint="requests")
@login_required(*STAFF)
def ticket_list(kind: str) -> ResponseReturnValue:
    """A work queue for one kind and status (default: what is still to do)."""
    list_endpoint, _, title = _kind_pages(kind)
    status = request.args.get("status", ACTIVE)
    chosen = None if status == "all" else status
    if chosen is not None and chosen != ACTIVE and chosen not in TICKET_STATUSES:
        abort(404)
    with runtime().database.session() as db:
        page = tickets.list_tickets(db, require_user(), kind, chosen, page_arg(), PER_PAGE, now=now())
    tabs = [(ACTIVE, "Perlu ditangani"), *((s, STATUS_LABELS[s]) for s in TICKET_STATUSES), ("all", "Semua")]
    return render_template(
        "console/tickets.html", page=page, kind=kind, title=title, tabs=tabs, status=status,
        list_endpoint=list_endpoint, labels=LABELS, age=age,
    )  # fmt: skip


@blueprint.route("/complaints/<int:id>", methods=["GET", "POST"], defaults={"kind": "complaint"}, endpoint="complaint")
@blueprint.route("/requests/<int:id>", methods=["GET", "POST"], defaults={"kind": "request"}, endpoint="request")
@login_required(*STAFF)
def ticket_page(kind: str, id: int) -> ResponseReturnValue:
    """One ticket: details, recording, history, and the form that changes it."""
    list_endpoint, endpoint, title = _kind_pages(kind)
    user = require_user()
    error, typed = None, {"status": "", "note": ""}
    if request.method == "POST":
        typed = {"status": request.form.get("status", ""), "note": request.form.get("note", "")}
        try:
            with runtime().database.session() as db:
                notices = runtime().core.ticket_notices()
                tickets.update_ticket(
                    db, user, kind, id, typed["status"] or None, typed["note"], now(), notices=notices
                )
        except (LookupError, PermissionError):
            abort(404)
        except TicketError as problem:
            error = said(problem)
        else:
            return redirect(url_for(f"console.{endpoint}", id=id, msg="saved"))
    with runtime().database.session() as db:
        ticket = tickets.get_ticket(db, user, kind, id, now=now())
    if ticket is None:
        abort(404)
    return render_template(
        "console/ticket.html", ticket=ticket, title=title, list_endpoint=list_endpoint, endpoint=endpoint,
        labels=LABELS, age=age, recording=link(ticket.recording_url), error=error, typed=typed,
        message=MESSAGES.get(request.args.get("msg", "")),
    ), 422 if error else 200  # fmt: skip


def _callbacks_page(error: str | None = None) -> ResponseReturnValue:
    with runtime().database.session() as db:
        rows = callback_queries.list_callbacks(db, require_user())
    message = MESSAGES.get(request.args.get("msg", ""))
    page = render_template("console/callbacks.html", rows=rows, labels=LABELS, error=error, message=message)
    return page, 422 if error else 200


@blueprint.get("/callbacks")
@login_required(*STAFF)
def callbacks() -> ResponseReturnValue:
    """Callers waiting to be phoned back, first asked first."""
    return _callbacks_page()


@blueprint.post("/callbacks/<int:id>/done")
@login_required(*STAFF)
def callback_done(id: int) -> ResponseReturnValue:
    """The agent phoned the caller back: take it off the list, with an optional note."""
    try:
        with runtime().database.session() as db:
            callback_queries.complete_callback(db, require_user(), id, request.form.get("note"), now())
    except (LookupError, PermissionError):
        abort(404)
    except TicketError as problem:
        return _callbacks_page(str(problem))
    return redirect(url_for("console.callbacks", msg="done"))


nav.add("console.complaints", "Pengaduan", STAFF, order=20)
nav.add("console.requests", "Permohonan", STAFF, order=21)
nav.add("console.callbacks", "Panggil balik", STAFF, order=22)
