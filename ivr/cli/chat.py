"""Terminal chat simulator that plays Twilio Messaging's part of an SMS or WhatsApp conversation.

Each line the developer types becomes one inbound message posted to `/messaging/incoming`, signed
like Twilio's; the Messaging TwiML that comes back is printed as the customer would read it, one
block per <Message>. A photo is sent as Twilio sends media: a URL and a content type, never bytes.
"""

from __future__ import annotations

import mimetypes
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import click
import requests

from ivr.cli.webhooks import TOKEN_HELP, RequestsTransport, SignedPoster, Transport

INCOMING = "/messaging/incoming"
WHATSAPP_PREFIX = "whatsapp:"
UTILITY_NUMBER = "+6281100000123"  # the demo's SMS/WhatsApp number; it routes to the national region
PHOTO_WORDS = frozenset({"photo", "foto"})
QUIT_WORDS = frozenset({"/quit", "/exit"})
INTERACTIVE_HELP = "Type a message and press Enter; /photo [url] sends a photo of the meter, /quit (or Ctrl-D) ends."


class ChatError(Exception):
    """The server answered a message with something Twilio would not deliver to the customer."""

    def __init__(self, reason: str, status: int, body: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Outgoing:
    """One message the customer sends: text, or a photo of the meter (optionally captioned)."""

    body: str = ""
    photo: bool = False
    photo_url: str | None = None  # None: a made-up link like Twilio's media URLs, new per message

    @property
    def content_type(self) -> str:
        guessed = mimetypes.guess_type(self.photo_url.split("?")[0])[0] if self.photo_url else None
        return guessed or "image/jpeg"


@dataclass
class ChatReply:
    """What came back for one message: the texts of its <Message> elements, in order."""

    message_sid: str
    messages: list[str]
    media: list[str]


def parse_messages(text: str, photo_url: str | None = None) -> list[Outgoing]:
    """Turn e.g. "2|14000000001|5150|ya|photo" into messages; `photo` or `foto` sends an image."""
    items = [item.strip() for item in text.split("|")]
    for position, item in enumerate(items, 1):
        if not item:
            raise ValueError(f"message {position} of {text!r} is empty")
    return [photo(photo_url) if item.lower() in PHOTO_WORDS else Outgoing(item) for item in items]


def photo(url: str | None = None) -> Outgoing:
    """A picture of the meter, at url or at a link made up like Twilio's when it is sent."""
    return Outgoing(photo=True, photo_url=url or None)


def channel_of(sender: str) -> str:
    """Twilio marks WhatsApp addresses with a prefix; a bare number is SMS."""
    return "whatsapp" if sender.lower().startswith(WHATSAPP_PREFIX) else "sms"


def default_to(sender: str) -> str:
    """The utility's number on the sender's channel: WhatsApp talks to WhatsApp, SMS to SMS."""
    return WHATSAPP_PREFIX + UTILITY_NUMBER if channel_of(sender) == "whatsapp" else UTILITY_NUMBER


class ChatSimulator:
    """Acts as Twilio Messaging for one customer texting the server at base_url."""

    def __init__(
        self,
        base_url: str,
        auth_token: str | None,
        sender: str = "whatsapp:+6281234567890",
        to: str | None = None,
        transport: Transport | None = None,
        output: Callable[[str], None] | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + INCOMING
        self.poster = SignedPoster(auth_token, transport or RequestsTransport())
        self.sender = sender
        self.to = to or default_to(sender)
        self.output = output or print
        self.account_sid = "AC" + secrets.token_hex(16)

    def send(self, message: Outgoing, *, echo: bool = True) -> ChatReply:
        """Post one message as Twilio would, print the reply, and return it; ChatError if it fails."""
        sid = "SM" + secrets.token_hex(16)
        params = self._fields(sid, message)
        self._show_sent(params, echo)
        status, body = self.poster.post(self.url, params)
        reply = _parse_reply(sid, status, body)
        self._show_reply(reply)
        return reply

    def run(self, messages: Sequence[Outgoing]) -> list[ChatReply]:
        """Send a scripted conversation, stopping at the first message that fails."""
        return [self.send(message) for message in messages]

    def interact(self, ask: Callable[[str], str] = input, photo_url: str | None = None) -> int:
        """Send what the developer types until /quit or end of input; returns the messages sent."""
        self.output(INTERACTIVE_HELP)
        sent = 0
        while True:
            try:
                line = ask("you> ").strip()
            except EOFError:
                self.output("")  # end the prompt's line
                return sent
            if line.lower() in QUIT_WORDS:
                return sent
            message = self._typed(line, photo_url)
            if message is not None:
                self.send(message, echo=False)  # the terminal shows what was typed already
                sent += 1

    def _typed(self, line: str, photo_url: str | None) -> Outgoing | None:
        if not line:
            return None  # Twilio never delivers an empty message
        command, _, argument = line.partition(" ")
        if command.lower() == "/photo":
            return photo(argument.strip() or photo_url)
        if command.startswith("/") and command != "/":
            self.output(f"unknown command {command}: {INTERACTIVE_HELP}")
            return None
        return Outgoing(line)

    def _fields(self, sid: str, message: Outgoing) -> dict[str, str]:
        """The parameters of Twilio's inbound message webhook."""
        fields = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": self.sender,
            "To": self.to,
            "Body": message.body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        if channel_of(self.sender) == "whatsapp":
            fields["WaId"] = self.sender[len(WHATSAPP_PREFIX) :].lstrip("+")
        if message.photo:
            url = message.photo_url or self._media_url(sid)
            fields |= {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": message.content_type}
        return fields

    def _media_url(self, sid: str) -> str:
        """Where Twilio would keep the attachment; the server stores the link, it never fetches it."""
        media_sid = "ME" + secrets.token_hex(16)
        return f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media/{media_sid}"

    def _show_sent(self, fields: dict[str, str], echo: bool) -> None:
        if fields["Body"] and echo:
            self.output(f"> {fields['Body']}")
        if fields["NumMedia"] != "0":
            self.output(f"> [photo {fields['MediaContentType0']}] {fields['MediaUrl0']}")

    def _show_reply(self, reply: ChatReply) -> None:
        if not reply.messages and not reply.media:
            self.output("  (no reply)")
        for text in reply.messages:
            self.output("\n".join(f"< {line}" if line else "<" for line in text.split("\n")))
        for url in reply.media:
            self.output(f"< [media] {url}")


def _parse_reply(sid: str, status: int, body: str) -> ChatReply:
    """Read Messaging TwiML: <Response> holding <Message> elements (text, or <Body> and <Media>)."""
    if status != 200:
        raise ChatError(f"the server answered {status} to message {sid}", status, body)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ChatError(f"the reply to message {sid} is not XML ({exc})", status, body) from exc
    if root.tag != "Response":
        raise ChatError(f"the reply's root element is <{root.tag}>, not <Response>", status, body)
    texts: list[str] = []
    media: list[str] = []
    for message in root:
        if message.tag != "Message":
            raise ChatError(f"<{message.tag}> is not a Messaging TwiML verb", status, body)
        parts = [message.text or ""] + [(child.text or "") for child in message if child.tag == "Body"]
        texts.append("".join(parts).strip())
        media += [(child.text or "").strip() for child in message if child.tag == "Media"]
    return ChatReply(sid, [text for text in texts if text], media)


def forbidden_hint(auth_token: str | None) -> str:
    """What to check when the server refuses the signature (403)."""
    if not auth_token:
        return "Hint: the server validates signatures; set TWILIO_AUTH_TOKEN (make chat uses the demo token)."
    return (
        "Hint: the server refused the signature; TWILIO_AUTH_TOKEN must be the server's, and --url the "
        "address it sees (PUBLIC_BASE_URL)."
    )


_MESSAGES_HELP = 'Scripted messages separated by |, e.g. "2|14000000001|5150|ya|photo"; photo (or foto) sends a photo.'


@click.command("chat")
@click.option("--url", default="http://127.0.0.1:5000", help="Base URL of the running IVR server.")
@click.option(
    "--from",
    "sender",
    default="whatsapp:+6281234567890",
    help="The customer's address (From): whatsapp:+62... for WhatsApp, a bare number for SMS.",
)
@click.option("--to", "to", default=None, help=f"The utility's address (To); default: {UTILITY_NUMBER}, same channel.")
@click.option("--messages", default=None, help=_MESSAGES_HELP)
@click.option("--photo", "photo_url", default=None, help="URL of the photo to send (default: a made-up Twilio link).")
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", default=None, help=TOKEN_HELP)
def chat_command(
    url: str, sender: str, to: str | None, messages: str | None, photo_url: str | None, auth_token: str | None
) -> None:
    """Text a running IVR server over simulated SMS or WhatsApp, acting as Twilio Messaging."""
    try:
        script = parse_messages(messages, photo_url) if messages is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--messages") from exc
    simulator = ChatSimulator(url, auth_token, sender=sender, to=to, output=click.echo)
    click.echo(f"{channel_of(sender).upper()} from {sender} to {simulator.to}")
    try:
        if script is None:
            simulator.interact(photo_url=photo_url)
        else:
            simulator.run(script)
    except requests.RequestException as exc:
        raise click.ClickException(f"could not reach the IVR server at {url}: {exc}") from exc
    except ChatError as exc:
        click.echo(f"ERROR: {exc}\n{exc.body[:500]}")
        if exc.status == 403:
            click.echo(forbidden_hint(auth_token))
        raise click.ClickException(str(exc)) from exc
