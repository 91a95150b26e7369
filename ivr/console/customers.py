"""Customer lookup and the customer page: account, meters, bills, readings, tokens, tickets, calls."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from ivr.auth.roles import STAFF
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.extensions import runtime
from ivr.queries.customer_page import get_customer
from ivr.queries.customers import lookup_customers

PAYMENT_LABELS = {"postpaid": "Pascabayar", "prepaid": "Prabayar"}

nav.add("console.customers", "Pelanggan", STAFF, order=15)


@blueprint.get("/customers")
@login_required(*STAFF)
def customers() -> ResponseReturnValue:
    """Find a customer by IDPEL, meter number or phone; agents find their region's customers only."""
    principal = require_user()
    query = request.args.get("q", "").strip()[:64]
    found = []
    if query:
        with runtime().database.session() as db:
            found = lookup_customers(db, principal, query)
    return render_template("console/customers.html", query=query, found=found, payment_labels=PAYMENT_LABELS)


@blueprint.get("/customers/<int:customer_id>")
@login_required(*STAFF)
def customer(customer_id: int) -> ResponseReturnValue:
    """One customer's page; 404 when missing or outside the agent's region."""
    principal = require_user()
    with runtime().database.session() as db:
        detail = get_customer(db, principal, customer_id)
    if detail is None:
        abort(404)
    return render_template(
        "console/customer.html",
        detail=detail,
        c=detail.customer,
        zone=detail.customer.region.timezone,
        payment_labels=PAYMENT_LABELS,
    )
