"""Webhook signatures: Twilio's algorithm, every value of a repeated parameter, the URL's port either way."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.signatures import _other_port_form, signature
from tests.support.twilio import FakeTwilio

TOKEN = "test-auth-token-not-a-secret"
names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
values = st.text(max_size=20)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(names, values), max_size=8), query=st.sampled_from(["", "?step=3", "?a=1&b=2"]))
def test_the_signature_is_the_twilio_librarys(pairs: list[tuple[str, str]], query: str) -> None:
    form = MultiDict(pairs)
    url = f"https://ivr.example.co.id/voice/step{query}"
    assert signature(TOKEN, url, form) == RequestValidator(TOKEN).compute_signature(url, form)


@pytest.mark.parametrize(
    ("url", "other"),
    [
        ("https://ivr.example.co.id/voice/step?step=1", "https://ivr.example.co.id:443/voice/step?step=1"),
        ("https://ivr.example.co.id:443/voice/step", "https://ivr.example.co.id/voice/step"),
        ("http://localhost/voice/incoming", "http://localhost:80/voice/incoming"),
        ("http://localhost:8000/voice/incoming", "http://localhost:8000/voice/incoming"),  # not a default port
    ],
)
def test_the_url_is_also_tried_with_its_default_port_written_or_left_out(url: str, other: str) -> None:
    assert _other_port_form(url) == other


def test_a_repeated_parameter_is_checked_on_every_value(twilio: FakeTwilio, db_session) -> None:
    """A signature over the first value alone must not let a second value in (Twilio signs them all)."""
    url = "http://localhost/voice/incoming"
    params = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.dialed}
    first_only = RequestValidator(TOKEN).compute_signature(url, params)
    repeated = MultiDict([*params.items(), ("From", "+62811000000")])
    refused = twilio.client.post(url, data=repeated, headers={"X-Twilio-Signature": first_only})
    every_value = RequestValidator(TOKEN).compute_signature(url, repeated)
    accepted = twilio.client.post(url, data=repeated, headers={"X-Twilio-Signature": every_value})

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_a_signature_for_the_url_with_its_port_is_accepted(twilio: FakeTwilio) -> None:
    url = "http://localhost/voice/incoming"
    params = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.dialed}
    with_port = RequestValidator(TOKEN).compute_signature("http://localhost:80/voice/incoming", params)
    assert twilio.client.post(url, data=params, headers={"X-Twilio-Signature": with_port}).status_code == 200
