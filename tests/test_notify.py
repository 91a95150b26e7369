"""The Twilio SMS sender: the Messages API request, lasting errors told from passing ones, off when unconfigured."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.notify.senders import DisabledSender, SendError, TwilioSmsSender, make_sender

MESSAGE_SID = "SM" + "0" * 32


class RecordingHttpClient(HttpClient):
    """Stands in for the network: records the request Twilio's client would send."""

    def __init__(self, status: int = 201, body: str = '{"sid": "' + MESSAGE_SID + '", "status": "queued"}') -> None:
        super().__init__(logging.getLogger("test.twilio.http"), is_async=False)
        self.requests: list[dict[str, Any]] = []
        self.status = status
        self.body = body

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        self.requests.append({"method": method, "url": url, "data": data, "auth": auth})
        return Response(self.status, self.body)


def _sender(http: HttpClient) -> TwilioSmsSender:
    return TwilioSmsSender("AC" + "1" * 32, "token", "+62215550199", http_client=http)


def test_message_is_posted_to_the_messages_api_and_its_sid_returned() -> None:
    http = RecordingHttpClient()
    assert _sender(http).send("+6281234567890", "PLN: Angka stand 5150 diterima.") == MESSAGE_SID

    [request] = http.requests
    assert request["method"] == "POST"
    assert request["url"].endswith(f"/Accounts/AC{'1' * 32}/Messages.json")
    data = request["data"] if isinstance(request["data"], dict) else parse_qs(request["data"])
    assert data["To"] == "+6281234567890"
    assert data["From"] == "+62215550199"
    assert data["Body"] == "PLN: Angka stand 5150 diterima."


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (429, False), (400, True)])
def test_a_failing_api_raises_a_send_error_saying_whether_to_retry(status: int, permanent: bool) -> None:
    http = RecordingHttpClient(status, '{"code": 21211, "message": "The To number is not valid.", "status": 400}')
    with pytest.raises(SendError) as failed:
        _sender(http).send("+6281234567890", "hello")
    assert failed.value.permanent is permanent
    assert f"Twilio {status}" in str(failed.value)


def test_the_network_failing_is_worth_a_retry() -> None:
    class Down(RecordingHttpClient):
        def request(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    with pytest.raises(SendError) as failed:
        _sender(Down()).send("+6281234567890", "hello")
    assert failed.value.permanent is False
    assert "ConnectionError" in str(failed.value)


def test_sending_is_off_without_credentials() -> None:
    assert isinstance(make_sender(None, "token", "+62215550199"), DisabledSender)
    assert isinstance(make_sender("AC1", "token", None), DisabledSender)
    assert make_sender("AC1", "token", "+62215550199").enabled is True
    with pytest.raises(SendError):
        DisabledSender().send("+6281234567890", "hello")


def test_a_whatsapp_address_is_sent_from_the_whatsapp_sender() -> None:
    http = RecordingHttpClient()
    sender = TwilioSmsSender("AC" + "1" * 32, "token", "+62215550199", whatsapp_from="+6281100000123", http_client=http)
    assert sender.channels == frozenset({"sms", "whatsapp"})

    sender.send("whatsapp:+6281234567890", "PLN: Tiket pengaduan 3000000001 sudah selesai ditangani.")
    sender.send("+6281234567890", "PLN: SMS")

    sent = [r["data"] if isinstance(r["data"], dict) else parse_qs(r["data"]) for r in http.requests]
    assert [(d["To"], d["From"]) for d in sent] == [
        ("whatsapp:+6281234567890", "whatsapp:+6281100000123"),
        ("+6281234567890", "+62215550199"),
    ]


def test_without_a_whatsapp_sender_whatsapp_is_not_offered_and_refused_for_good() -> None:
    http = RecordingHttpClient()
    sender = _sender(http)
    assert sender.channels == frozenset({"sms"})
    with pytest.raises(SendError) as failure:
        sender.send("whatsapp:+6281234567890", "hello")
    assert failure.value.permanent is True and http.requests == []
    assert make_sender(None, "token", "+62215550199", "+6281100000123").channels == frozenset()
    assert make_sender("AC1", "token", "+62215550199", "whatsapp:+6281100000123").channels == {"sms", "whatsapp"}
