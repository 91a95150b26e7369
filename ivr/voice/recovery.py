"""The numbers' Voice Fallback URL: Twilio posts here (with ErrorCode, ErrorUrl) when a webhook failed.

Twilio only asks the fallback once it has given up on the first request, so that request's reply
will never be heard: go on from where the call safely is, and never store anything twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from urllib.parse import SplitResult, parse_qs, urlsplit

from ivr import telemetry
from ivr.conversations.model import Conversation
from ivr.state import StateStoreError
from ivr.voice import twiml
from ivr.voice.form import to_int
from ivr.voice.gateway import INCOMING_URL, STEP_URL, VoiceGateway

log = logging.getLogger(__name__)

WAIT_SECONDS = 1.0  # how long the fallback waits for a failed request's own reply to land


def _error_url(raw: str) -> SplitResult:
    """The URL that failed; an unreadable one (a bracket with no IPv6 address in it) is no URL of ours."""
    try:
        return urlsplit(raw)
    except ValueError:
        return urlsplit("")


def fallback(gateway: VoiceGateway, form: Mapping[str, str]) -> str:
    """Twilio got no TwiML from `ErrorUrl`; go on where we safely can."""
    failed = _error_url(form.get("ErrorUrl", ""))
    query = parse_qs(failed.query)
    log.warning(
        "fallback for call %s: error %s at %s", form.get("CallSid", ""), form.get("ErrorCode", "")[:8], failed.path
    )
    if failed.path.endswith(STEP_URL):
        telemetry.FALLBACKS.labels("step").inc()
        no_input = query.get("timeout") == ["1"]
        return gateway.step(
            form,
            to_int((query.get("step") or [""])[0]),
            no_input,
            on_claimed=lambda call: take_over(gateway, form, call, no_input),
        )
    if failed.path.endswith(INCOMING_URL):
        telemetry.FALLBACKS.labels("incoming").inc()
        return gateway.incoming(form)
    telemetry.FALLBACKS.labels("other").inc()
    call = gateway.core.load(gateway.key(form.get("CallSid", ""))) or gateway.new_call(form)
    if call.closed:  # its final status came first: nobody is on the line to apologise to
        return twiml.render_ending([], gateway.config.voice)
    return gateway.apology(call.language, call.agent_number, cause="fallback")


def take_over(gateway: VoiceGateway, form: Mapping[str, str], call: Conversation, no_input: bool) -> str:
    """Wait briefly for the failed request's reply; if none lands (its worker died), handle the step here."""
    step, key = call.step, gateway.key(call.sid)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        landed = gateway.core.load(key)
        if landed is not None and landed.step > step:
            telemetry.TAKEOVERS.labels("replayed").inc()
            return landed.last_reply
    try:
        first = gateway.core.store.claim(gateway.core.keys.call_claim(call.sid, step, "fallback"))
    except StateStoreError:
        telemetry.TAKEOVERS.labels("store_down").inc()
        return gateway.state_store_down(form, call)
    if not first:  # a second fallback for the same step: the first one's reply is on its way
        telemetry.TAKEOVERS.labels("asked_to_wait").inc()
        return twiml.render_retry_later(f"{STEP_URL}?step={step}")
    log.warning("call %s step %s: taking over from a failed request", call.sid, step)
    telemetry.TAKEOVERS.labels("handled").inc()
    return gateway.answer(call, form, no_input)
