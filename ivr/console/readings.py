"""Reviewing flagged meter readings: accept one as the new baseline, or reject it with a reason."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ivr.auth.roles import STAFF
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.formatting import link
from ivr.console.translate import said
from ivr.console.work import now, page_arg
from ivr.extensions import runtime
from ivr.queries.readings import ReviewError, list_flagged_readings, review_reading

PER_PAGE = 25
FLAG_LABELS = {
    "lower_than_last_accepted": "Lebih rendah dari stand terakhir yang diterima",
    "far_above_usual_use": "Jauh di atas pemakaian biasa",
}
SOURCE_LABELS = {"ivr": "Telepon 123", "sms": "SMS", "whatsapp": "WhatsApp", "officer": "Petugas catat meter"}
MESSAGES = {"accepted": "Pembacaan diterima.", "rejected": "Pembacaan ditolak."}


def _page(error: str | None = None, failed: int | None = None, reason: str = "") -> ResponseReturnValue:
    with runtime().database.session() as db:
        page = list_flagged_readings(db, require_user(), page_arg(), PER_PAGE)
    page_html = render_template(
        "console/readings.html", page=page, flags=FLAG_LABELS, sources=SOURCE_LABELS, link=link,
        message=MESSAGES.get(request.args.get("msg", "")), error=error, failed=failed, reason=reason,
    )  # fmt: skip
    return page_html, 422 if error else 200


@blueprint.get("/readings")
@login_required(*STAFF)
def readings() -> ResponseReturnValue:
    """Flagged readings, oldest first, each next to the stand it was compared with."""
    return _page()


@blueprint.post("/readings/<int:id>/review")
@login_required(*STAFF)
def review(id: int) -> ResponseReturnValue:
    """Accept or reject one reading; a rejection needs a reason (the caller hears it in menu 4)."""
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    reason = request.form.get("reason", "")
    try:
        with runtime().database.session() as db:
            review_reading(db, require_user(), id, decision == "accept", reason, now())
    except (LookupError, PermissionError):
        abort(404)
    except ReviewError as problem:
        return _page(said(problem), id, reason)
    return redirect(url_for("console.readings", msg=f"{decision}ed"))


nav.add("console.readings", "Baca meter", STAFF, order=23)
