"""Shared steps for self-service tests: a fixed clock, and walking into a menu option."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ivr.extensions import runtime
from tests.support.twilio import FakeTwilio, Reply


def set_clock(app: Flask, moment: datetime) -> None:
    """Make every part of this app (webhooks, console, API) see `moment` (UTC) as now."""
    runtime(app).clock.pin(moment)


def choose(twilio: FakeTwilio, option: str, *, english: bool = False) -> Reply:
    """Start a call and pick a main-menu option (after switching to English if asked)."""
    twilio.start()
    if english:
        twilio.press("9")
    return twilio.press(option)


class RecordingSender:
    """An SMS sender that keeps what it was asked to send (stands in for Twilio's API).

    `failures` are raised, one per send, before it starts taking messages; `asked` counts every
    send, so a test can tell the web requests asked for none.
    """

    enabled = True
    channels = frozenset({"sms", "whatsapp"})

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures = list(failures or [])
        self.asked = 0

    def send(self, to: str, body: str) -> str:
        self.asked += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))
        return f"SM{len(self.sent):032d}"
