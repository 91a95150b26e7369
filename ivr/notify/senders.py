"""Senders of text messages (SMS, and WhatsApp when its sender is set), off unless Twilio credentials are configured.

A sender sends synchronously and says how it went: the outbox worker calls it, never a web
thread, so waiting on the provider holds nobody's call.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from db.models import SMS, WHATSAPP
from ivr.phone.numbers import mask

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 10.0
"""How long one request to the provider may take before the attempt counts as failed."""


class SendError(Exception):
    """The provider did not take the message; `permanent` when trying again cannot help (a bad number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


WHATSAPP_PREFIX = "whatsapp:"
"""A message addressed `whatsapp:+62...` goes over WhatsApp, from the WhatsApp sender."""


class SmsSender(Protocol):
    enabled: bool
    channels: frozenset[str]  # what it can send now: sms, whatsapp; empty when off

    def send(self, to: str, body: str) -> str:
        """Send one message; the provider's id for it, or SendError."""
        ...


class DisabledSender:
    """Used when no account SID or sender number is configured: nothing is offered, nothing goes out."""

    enabled = False
    channels: frozenset[str] = frozenset()

    def send(self, to: str, body: str) -> str:
        raise SendError("SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_SMS_FROM)", permanent=True)


class TwilioSmsSender:
    """Sends through Twilio's Messages API, one request per message, with a bounded wait."""

    enabled = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        whatsapp_from: str | None = None,
        http_client: Any = None,
    ) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        # Twilio's client logs eight INFO lines per request; our own line per message is enough.
        quiet = logging.getLogger(f"{__name__}.twilio_http")
        quiet.setLevel(logging.WARNING)
        client = http_client or TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS, logger=quiet)
        self._client = Client(account_sid, auth_token, http_client=client)
        self._from = from_number
        self._whatsapp_from = whatsapp_from.removeprefix(WHATSAPP_PREFIX) if whatsapp_from else None
        self.channels = frozenset({SMS, WHATSAPP} if self._whatsapp_from else {SMS})

    def send(self, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioRestException

        sender = self._from
        if to.startswith(WHATSAPP_PREFIX):
            if self._whatsapp_from is None:
                raise SendError("WhatsApp is not configured (TWILIO_WHATSAPP_FROM)", permanent=True)
            sender = WHATSAPP_PREFIX + self._whatsapp_from
        try:
            message = self._client.messages.create(to=to, from_=sender, body=body)
        except TwilioRestException as exc:
            # A 4xx (a bad or unreachable number, a blocked body) will fail again; 429 and 5xx may not.
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise SendError(f"Twilio {exc.status} (code {exc.code}): {exc.msg}", permanent=permanent) from exc
        except Exception as exc:  # the network: a timeout, a refused connection
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        log.info("SMS %s sent to %s", message.sid, mask(to))
        return str(message.sid)


def make_sender(
    account_sid: str | None, auth_token: str | None, from_number: str | None, whatsapp_from: str | None = None
) -> SmsSender:
    """Twilio when an account SID, token and SMS sender are set (WhatsApp too when its sender is); else off."""
    if account_sid and auth_token and from_number:
        return TwilioSmsSender(account_sid, auth_token, from_number, whatsapp_from=whatsapp_from)
    return DisabledSender()
