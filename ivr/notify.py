"""Outgoing text messages (SMS confirmations), off unless Twilio credentials are configured."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, Protocol

from ivr.phone.numbers import mask

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    enabled: bool

    def send(self, to: str, body: str) -> None:
        """Queue a message; failures are logged, never raised into a caller's request."""
        ...


class DisabledSender:
    """Used when no account SID or sender number is configured."""

    enabled = False

    def send(self, to: str, body: str) -> None:
        log.info("SMS to %s not sent: SMS is not configured", mask(to))


class TwilioSmsSender:
    """Sends through Twilio's Messages API on a small worker pool, so webhooks never wait on it."""

    enabled = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        http_client: Any = None,
        executor: Executor | None = None,
    ) -> None:
        from twilio.rest import Client

        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._from = from_number
        self._executor = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="sms")

    def send(self, to: str, body: str) -> None:
        self._executor.submit(self._send, to, body)

    def _send(self, to: str, body: str) -> None:
        try:
            message = self._client.messages.create(to=to, from_=self._from, body=body)
            log.info("SMS %s sent to %s", message.sid, mask(to))
        except Exception:
            log.exception("SMS to %s failed", mask(to))


def make_sender(account_sid: str | None, auth_token: str | None, from_number: str | None) -> SmsSender:
    if account_sid and auth_token and from_number:
        return TwilioSmsSender(account_sid, auth_token, from_number)
    return DisabledSender()
