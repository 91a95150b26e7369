"""The web edge: what every request must meet before a view (or the signature check) reads it.

Each rule is here once, for the webhooks, the console and the API alike:

- size: a body over MAX_REQUEST_BYTES is refused (413) from its Content-Length, unread, and a form
  of more than MAX_FORM_FIELDS fields is refused (413) before it is parsed. Twilio's webhooks are a
  few kilobytes of at most a few dozen fields; a 9 MB form of a million fields once cost a worker
  seconds and hundreds of megabytes before its signature was even checked.
- NUL bytes: PostgreSQL's text cannot hold one. A NUL in a URL, a query or a console/API body is a
  400. A webhook's form may carry one (Twilio signs what it got): the signature is checked over the
  form as sent, then the views see it without NULs (ivr/signatures.py), so a caller still gets TwiML.
- whole numbers in URLs: the `int` converter matches only what an Integer column holds, so
  /api/v1/complaints/2147483648 is a 404 instead of a database error; query arguments go through
  `db.models.whole_number` (ivr/api/params.py, the console's pages, the statistics' filters).
- proxies: with TRUSTED_PROXY_HOPS set, the scheme, host and port Twilio used come from that many
  proxies' X-Forwarded-* headers (werkzeug's ProxyFix), and from nothing else a client sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from db.models import INT_MAX
from ivr.config import Settings

MAX_REQUEST_BYTES = 64 * 1024  # the largest body anyone may send: a WhatsApp message with ten photos is ~5 KB
MAX_FORM_FIELDS = 200  # a form's fields (url-encoded or multipart); Twilio sends a few dozen
# Blueprints whose every view is a Twilio webhook: their forms keep NULs until the signature is checked.
WEBHOOKS = frozenset({"voice", "messaging"})
NUL = "\x00"


class ColumnIntConverter(IntegerConverter):
    """`<int:...>` as a URL part: only the ids an Integer column can hold match (else 404)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None, max: int = INT_MAX) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)


def register(app: Flask, settings: Settings) -> None:
    """Limits, the bounded `int` converter and the guard; before any blueprint adds its routes."""
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        MAX_FORM_PARTS=MAX_FORM_FIELDS,
    )
    app.url_map.converters["int"] = ColumnIntConverter
    app.before_request(guard)
    hops = settings.trusted_proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]  # how Flask documents wrapping it


def guard() -> None:
    """Refuse, cheaply and before any view, what no view should have to think about."""
    if NUL in request.path or _any_nul(request.args.items(multi=True)):
        abort(400, description="NUL bytes are not allowed")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # A url-encoded form's fields are counted on the raw bytes, one '&' a field: werkzeug bounds only multipart's.
    urlencoded = request.mimetype == "application/x-www-form-urlencoded"
    if urlencoded and request.get_data(cache=True).count(b"&") >= MAX_FORM_FIELDS:
        abort(413, description=f"more than {MAX_FORM_FIELDS} form fields")
    if request.blueprint in WEBHOOKS:
        return  # their NULs go after the signature check, not with a 400 (Twilio would play an error)
    if _any_nul(request.form.items(multi=True)) or (request.is_json and _unstorable(request.get_json(silent=True))):
        abort(400, description="NUL bytes (and lone surrogates) are not allowed")


def without_nul(form: ImmutableMultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    """The form as views may read it: names and values without NUL bytes (or the form itself, when clean)."""
    if not _any_nul(form.items(multi=True)):
        return form
    return ImmutableMultiDict(
        [(name.replace(NUL, ""), value.replace(NUL, "")) for name, value in form.items(multi=True)]
    )


def _any_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any(NUL in name or NUL in value for name, value in pairs)


def _unstorable(value: Any) -> bool:
    """JSON holding a string PostgreSQL cannot store: a NUL, or a lone surrogate ("\\ud800" decodes to one)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return True
        return NUL in value
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False
