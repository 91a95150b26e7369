"""Twilio request signatures: every voice and messaging webhook must carry a valid one.

Twilio signs the full URL followed by every POST parameter, sorted by name, each name with each
of its values (sorted), with HMAC-SHA1 under the account's auth token. Computed here in one pass
over the form: the twilio library's validator computes two signatures per request and compares
them in Python (about 0.17 ms a webhook); this computes the one the URL calls for and tries the
URL with (or without) its default port, as the library does, only when that one does not match.
tests/test_signatures.py holds it to the library's own `compute_signature`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Request, abort, current_app, request
from werkzeug.datastructures import MultiDict

from ivr.edge import without_nul

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"http": 80, "https": 443}


def signed_url(req: Request, public_base_url: str | None) -> str:
    """The URL Twilio signed: the public one when we sit behind a proxy that rewrites it."""
    if not public_base_url:
        return req.url
    path = req.full_path if req.query_string else req.path
    return public_base_url.rstrip("/") + path


def signature(auth_token: str, url: str, form: MultiDict[str, str]) -> str:
    """Twilio's signature of a form POST to `url`: every value of every parameter counts."""
    payload = url + "".join(name + value for name in sorted(set(form)) for value in sorted(set(form.getlist(name))))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _other_port_form(url: str) -> str:
    """The URL with its scheme's default port written out, or left out if it was written."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None or parts.hostname is None:
        return url
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    credentials = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
    if parts.port is None:
        netloc = f"{credentials}{host}:{default}"
    elif parts.port == default:
        netloc = f"{credentials}{host}"
    else:
        return url
    return urlunsplit(parts._replace(netloc=netloc))


def is_valid_signature(req: Request, auth_token: str, public_base_url: str | None) -> bool:
    given = req.headers.get("X-Twilio-Signature", "")
    if not given:
        return False
    url = signed_url(req, public_base_url)
    if hmac.compare_digest(signature(auth_token, url, req.form), given):
        return True
    other = _other_port_form(url)
    return other != url and hmac.compare_digest(signature(auth_token, other, req.form), given)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reject (403) any request whose X-Twilio-Signature does not match, before it touches state."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = current_app.extensions["ivr"].settings
        if settings.validate_twilio_signature and not is_valid_signature(
            request, settings.twilio_auth_token, settings.public_base_url
        ):
            log.warning("rejected webhook with a bad signature: %s %s", request.method, request.path)
            abort(403)
        request.form = without_nul(request.form)  # checked as sent; read without what no column can hold
        return view(*args, **kwargs)

    return wrapper
