"""Posting to the IVR's webhooks the way Twilio does, shared by the call and the chat simulators.

Form-encoded POSTs with Twilio's User-Agent and, when the auth token is known, the
X-Twilio-Signature computed over the exact URL and parameters, so the server checks them as it
checks Twilio's own requests.
"""

from __future__ import annotations

from typing import Protocol

import requests
from twilio.request_validator import RequestValidator

TOKEN_HELP = "Auth token to sign requests with, as Twilio does (default: $TWILIO_AUTH_TOKEN)."


class Transport(Protocol):
    """How webhooks reach the server; tests swap in an in-process fake app."""

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]: ...


class RequestsTransport:
    """Real HTTP. The 15 s timeout mirrors Twilio's webhook limit and keeps a hung server from
    hanging the terminal."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.session = requests.Session()
        self.timeout = timeout

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        resp = self.session.post(url, data=data, headers=headers, timeout=self.timeout)
        if "charset" not in resp.headers.get("Content-Type", "").lower():
            resp.encoding = "utf-8"  # requests would assume Latin-1 for text/* without a charset
        return resp.status_code, resp.text


class SignedPoster:
    """Sends webhooks as Twilio would: its User-Agent, and its signature when a token is given."""

    def __init__(self, auth_token: str | None, transport: Transport) -> None:
        # Without a token nothing is signed, for servers running with validation switched off.
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.transport = transport

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        headers = {"User-Agent": "TwilioProxy/1.1"}
        if self.validator is not None:
            headers["X-Twilio-Signature"] = self.validator.compute_signature(url, params)
        return self.transport.post(url, params, headers)
