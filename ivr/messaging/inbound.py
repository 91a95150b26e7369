"""One inbound Twilio message, read defensively: bounded text, at most a few attachments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from db.models import SMS, WHATSAPP
from ivr.phone.numbers import CallerId, parse_caller

MAX_BODY_CHARS = 1000  # what the flows see of one message; Twilio itself allows 1,600
LOGGED_BODY_CHARS = 200  # what the conversation's timeline keeps of it
MAX_MEDIA = 10  # Twilio sends at most ten attachments with one message
MAX_MEDIA_URL = 500
MAX_SID = 64


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str

    @property
    def is_image(self) -> bool:
        """Only photos are taken: an image type, fetched from Twilio over https."""
        return self.content_type.startswith("image/") and self.url.startswith("https://")


@dataclass(frozen=True)
class InboundMessage:
    """What the customer sent, from whom, over which channel."""

    sid: str
    channel: str
    sender: CallerId
    address: str  # the channel and number, e.g. "whatsapp:+6281234567890": one conversation each
    to: str
    body: str
    cut: bool  # the body was longer than MAX_BODY_CHARS
    media: tuple[Media, ...]

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> InboundMessage:
        raw_from = (form.get("From") or "").strip()
        channel = WHATSAPP if raw_from.lower().startswith("whatsapp:") else SMS
        sender = parse_caller(raw_from)
        body = (form.get("Body") or "").replace("\x00", "")
        return cls(
            sid=(form.get("MessageSid") or form.get("SmsMessageSid") or "")[:MAX_SID],
            channel=channel,
            sender=sender,
            address=conversation_address(channel, sender.value),
            to=(form.get("To") or "").strip()[:128],
            body=body[:MAX_BODY_CHARS],
            cut=len(body) > MAX_BODY_CHARS,
            media=_media(form),
        )

    @property
    def dialed(self) -> str:
        """The utility's number the customer wrote to, without the channel prefix."""
        return self.to.removeprefix("whatsapp:")

    def timeline_detail(self) -> dict[str, object]:
        """The message as the conversation's timeline keeps it: bounded, with its attachments."""
        detail: dict[str, object] = {"sid": self.sid, "body": self.body[:LOGGED_BODY_CHARS]}
        if self.cut or len(self.body) > LOGGED_BODY_CHARS:
            detail["cut"] = True
        if self.media:
            detail["media"] = [{"url": m.url, "type": m.content_type} for m in self.media]
        return detail


def conversation_address(channel: str, number: str) -> str:
    """What a conversation is keyed by: its channel and the customer's number."""
    return f"{channel}:{number}"


def _media(form: Mapping[str, str]) -> tuple[Media, ...]:
    raw = (form.get("NumMedia") or "0").strip()
    count = min(int(raw), MAX_MEDIA) if raw.isdigit() else 0
    found = []
    for index in range(count):
        url = (form.get(f"MediaUrl{index}") or "").strip()
        if url:
            kind = (form.get(f"MediaContentType{index}") or "").strip().lower()[:64]
            found.append(Media(url=url[:MAX_MEDIA_URL], content_type=kind))
    return tuple(found)
