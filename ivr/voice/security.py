"""Twilio request signatures: every voice and messaging webhook must carry a valid one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Request, abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def signed_url(req: Request, public_base_url: str | None) -> str:
    """The URL Twilio signed: the public one when we sit behind a proxy that rewrites it."""
    if not public_base_url:
        return req.url
    path = req.full_path if req.query_string else req.path
    return public_base_url.rstrip("/") + path


def is_valid_signature(req: Request, auth_token: str, public_base_url: str | None) -> bool:
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(auth_token)
    return bool(validator.validate(signed_url(req, public_base_url), req.form.to_dict(), signature))


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
        return view(*args, **kwargs)

    return wrapper
