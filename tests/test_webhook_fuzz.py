"""Hostile but correctly signed webhooks, in any order: never a 5xx, always TwiML, nothing stored with a NUL.

Property-based (hypothesis), bounded to run in seconds on the embedded backend: each example is a
short run of posts to the voice and messaging webhooks for a few CallSids (known and unknown), with
digits, NUL bytes, long values, repeated keys and out-of-order status callbacks. A crash the
adapters' last-resort handlers turn into an apology still fails the test, through the log.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.conftest import AUTH_TOKEN
from tests.support.backends import Backend
from tests.support.stored import holds_nul, stored_text
from tests.support.twilio import BASE_URL, FakeTwilio

PATHS = (
    "/voice/incoming",
    "/voice/step?step=1",
    "/voice/step?step=2",
    "/voice/step?step=3&timeout=1",
    "/voice/status",
    "/voice/fallback",
    "/voice/dial-result",
    "/voice/queue/wait",
    "/voice/queue/choice",
    "/voice/queue/result",
    "/voice/queue/bridge",
    "/voice/agent/incoming",
    "/voice/agent/done",
    "/voice/agent/status",
    "/messaging/incoming",
)
KEYS = (
    "From", "To", "CallStatus", "Digits", "SpeechResult", "Confidence", "CallDuration", "QueueTime",
    "QueuePosition", "QueueResult", "DialCallStatus", "DialCallDuration", "ErrorUrl", "ErrorCode",
    "RecordingUrl", "RecordingDuration", "ParentCallSid", "Body", "NumMedia", "MediaUrl0",
    "MediaContentType0", "Direction", "CallerCountry",
)  # fmt: skip
SIDS = ("CA" + "1" * 32, "CA" + "2" * 32, "CAunknown", "", "CA\x00", "SM" + "3" * 32)

hostile_text = st.one_of(
    st.text(alphabet="0123456789*#", max_size=30),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(["\x00", "a", "1", "+", "é", "<", "&", "\n"]), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled", "queued"]),
    st.sampled_from(["+62215551234", "whatsapp:+6281234567890", "+62380123", "client:agent", "anonymous", ""]),
    st.sampled_from(["https://api.twilio.com/x", "http://[", "https://ivr/voice/step?step=99999999999999"]),
    st.integers(min_value=1000, max_value=8000).map(lambda n: "9" * n),  # long, well inside the body limit
)
field = st.tuples(st.sampled_from(KEYS), hostile_text)
post = st.tuples(st.sampled_from(PATHS), st.sampled_from(SIDS), st.lists(field, max_size=8))


@pytest.fixture
def embedded_only(backend: Backend) -> None:
    if backend.name != "embedded":
        pytest.skip("fuzzed on the embedded backend (the NUL and range rules are checked on PostgreSQL in test_edge)")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(posts=st.lists(post, min_size=1, max_size=5))
def test_hostile_signed_webhooks_always_get_twiml(
    embedded_only, twilio: FakeTwilio, db_session, caplog: pytest.LogCaptureFixture, posts
) -> None:
    caplog.clear()
    for path, sid, fields in posts:
        form = MultiDict([("CallSid", sid), ("MessageSid", sid), *fields])
        url = BASE_URL + path
        response = twilio.client.post(url, data=form, headers={"X-Twilio-Signature": twilio.sign(url, form)})

        assert response.status_code == 200, (path, response.status_code)
        root = ET.fromstring(response.get_data(as_text=True))
        assert root.tag == "Response"
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and "unhandled error" in r.getMessage()]
    assert crashes == [], crashes[0].exc_info if crashes else None
    assert not holds_nul(stored_text(db_session))


def test_the_fuzzed_form_is_signed_as_twilio_signs_it(twilio: FakeTwilio) -> None:
    """The fuzz test's signatures are the real ones: a wrong one is refused."""
    url = BASE_URL + "/voice/incoming"
    form = MultiDict([("CallSid", "CA1"), ("Digits", "1"), ("Digits", "2")])
    signed = twilio.sign(url, form)
    assert twilio.client.post(url, data=form, headers={"X-Twilio-Signature": signed}).status_code == 200
    form.add("Digits", "3")
    assert twilio.client.post(url, data=form, headers={"X-Twilio-Signature": signed}).status_code == 403
    assert twilio.auth_token == AUTH_TOKEN


def test_a_call_first_seen_by_its_status_callback_is_not_answered_with_an_empty_body(twilio: FakeTwilio) -> None:
    """Found by the fuzz test on PostgreSQL + Redis: the saved state of an ended call has no reply to repeat."""
    twilio.hang_up("canceled", 0)
    reply = twilio.start()
    assert reply.status_code == 200 and reply.hangs_up
