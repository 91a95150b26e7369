"""The Twilio SMS sender builds the right Messages API request, and stays off when unconfigured."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any
from urllib.parse import parse_qs

from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.notify import DisabledSender, TwilioSmsSender, make_sender


class InlineExecutor:
    """Runs submitted work at once, so the test sees the request."""

    def submit(self, fn, *args: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future


class RecordingHttpClient(HttpClient):
    """Stands in for the network: records the request Twilio's client would send."""

    def __init__(self, status: int = 201) -> None:
        super().__init__(logging.getLogger("test.twilio.http"), is_async=False)
        self.requests: list[dict[str, Any]] = []
        self.status = status

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        self.requests.append({"method": method, "url": url, "data": data, "auth": auth})
        return Response(self.status, '{"sid": "SM' + "0" * 32 + '", "status": "queued"}')


def test_message_is_posted_to_the_messages_api() -> None:
    http = RecordingHttpClient()
    sender = TwilioSmsSender("AC" + "1" * 32, "token", "+62215550199", http_client=http, executor=InlineExecutor())
    sender.send("+6281234567890", "PLN: Angka stand 5150 diterima.")

    [request] = http.requests
    assert request["method"] == "POST"
    assert request["url"].endswith(f"/Accounts/AC{'1' * 32}/Messages.json")
    data = request["data"] if isinstance(request["data"], dict) else parse_qs(request["data"])
    assert data["To"] == "+6281234567890"
    assert data["From"] == "+62215550199"
    assert data["Body"] == "PLN: Angka stand 5150 diterima."


def test_a_failing_api_is_logged_not_raised(caplog) -> None:
    http = RecordingHttpClient(status=500)
    sender = TwilioSmsSender("AC" + "1" * 32, "token", "+62215550199", http_client=http, executor=InlineExecutor())
    sender.send("+6281234567890", "hello")
    assert "SMS to" in caplog.text
    assert "failed" in caplog.text


def test_sending_is_off_without_credentials() -> None:
    assert isinstance(make_sender(None, "token", "+62215550199"), DisabledSender)
    assert isinstance(make_sender("AC1", "token", None), DisabledSender)
    assert make_sender("AC1", "token", "+62215550199").enabled is True
