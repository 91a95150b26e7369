"""Security headers on every console response: a strict CSP, no framing, no sniffing, no caching.

The console has no inline scripts and no inline styles (its CSS and its one script, the refresh of
the home and live pages, are in ivr/console/static), so the policy allows styles, scripts, images
and fetches from the app itself and nothing else. Pages hold personal data, so no
browser or proxy keeps them (`no-store`); only the static CSS may be cached.
"""

from __future__ import annotations

from flask import Response, request

from ivr.console.blueprint import blueprint

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@blueprint.after_request
def secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response
