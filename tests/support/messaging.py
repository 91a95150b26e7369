"""Act as Twilio Messaging against the Flask test client: signed form posts in, parsed TwiML out."""

from __future__ import annotations

import itertools
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from tests.support.twilio import BASE_URL

INCOMING = "/messaging/incoming"
UTILITY_WHATSAPP = "whatsapp:+6281100000123"
UTILITY_SMS = "+6281100000123"
PHOTO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC00/Messages/MM01/Media/ME01"
_numbers = itertools.count(1)


@dataclass
class TextReply:
    """One webhook response, parsed as Messaging TwiML."""

    status_code: int
    body: str
    root: ET.Element | None = None

    @property
    def messages(self) -> list[str]:
        assert self.root is not None
        return [(message.text or "") for message in self.root.iter("Message")]

    @property
    def text(self) -> str:
        return "\n".join(self.messages)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.split("\n") if line.strip()]


@dataclass
class FakeMessenger:
    """One customer texting the utility over SMS or WhatsApp."""

    client: FlaskClient
    auth_token: str
    channel: str = "whatsapp"
    number: str = "+6281234567890"
    last: TextReply | None = None
    sent_sids: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}" if self.channel == "whatsapp" else self.number

    def post(self, params: dict[str, str], *, signature: str | None = None) -> TextReply:
        url = urljoin(BASE_URL + "/", INCOMING.lstrip("/"))
        sent = signature if signature is not None else RequestValidator(self.auth_token).compute_signature(url, params)
        response = self.client.post(url, data=params, headers={"X-Twilio-Signature": sent})
        reply = TextReply(response.status_code, response.get_data(as_text=True))
        if response.status_code == 200:
            reply.root = ET.fromstring(reply.body)
            assert reply.root.tag == "Response"
        self.last = reply
        return reply

    def params(
        self, body: str = "", *, sid: str | None = None, media: list[tuple[str, str]] | None = None
    ) -> dict[str, str]:
        sid = sid or "SM" + uuid.uuid4().hex
        self.sent_sids.append(sid)
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.address,
            "To": UTILITY_WHATSAPP if self.channel == "whatsapp" else UTILITY_SMS,
            "Body": body,
            "NumMedia": str(len(media or [])),
        }
        for index, (url, content_type) in enumerate(media or []):
            params[f"MediaUrl{index}"] = url
            params[f"MediaContentType{index}"] = content_type
        return params

    def send(self, body: str = "", *, sid: str | None = None, media: list[tuple[str, str]] | None = None) -> TextReply:
        return self.post(self.params(body, sid=sid, media=media))

    def photo(self, body: str = "", content_type: str = "image/jpeg", url: str = PHOTO_URL) -> TextReply:
        return self.send(body, media=[(url, content_type)])
