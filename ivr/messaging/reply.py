"""Text replies as Messaging TwiML, built with the twilio library."""

from __future__ import annotations

from collections.abc import Iterable

from twilio.twiml.messaging_response import MessagingResponse

from ivr.engine.model import Event, Utterance

MAX_MESSAGE_CHARS = 1600  # Twilio's limit for one message body
LOGGED_REPLY_CHARS = 500  # what the conversation's timeline keeps of a reply
REPLY_EVENT = "reply"


def join(utterances: Iterable[Utterance]) -> str:
    """The prompts of one turn as one message, a line each."""
    return "\n".join(u.text.strip() for u in utterances if u.text.strip())


def sent(text: str, flow: str | None, node: str | None) -> Event:
    """The `reply` event a conversation's timeline keeps of what it answered: the text, bounded."""
    detail: dict[str, object] = {"body": text[:LOGGED_REPLY_CHARS]}
    if len(text) > LOGGED_REPLY_CHARS:
        detail["cut"] = True
    return Event(REPLY_EVENT, flow, node, detail)


def split(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Cut a long reply at line ends (or hard, for a single over-long line) into sendable parts."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current:
        parts.append(current)
    return parts


def render(text: str) -> str:
    """<Response> with one <Message> per part, or an empty <Response/> when there is nothing to say."""
    response = MessagingResponse()
    for part in split(text):
        response.message(part)
    return str(response)
