"""Telling customers their ticket moved: a text message queued in the outbox with the agent's change.

The rule lives here, so the console and the API notify alike: when a complaint or service
request is taken up (in_progress), resolved or closed, its customer gets one message with the
number, the new status in words and the agent's note, in the language the ticket was filed in.
It goes to WhatsApp when the ticket came in over WhatsApp, otherwise by SMS to a mobile: the
number the ticket came from, then its callback number, then the customer's phone on file. The
row is written in the change's own transaction (nothing sent for a change rolled back), and only
when messaging is configured; the history entry says how the customer was told, or why not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import SMS, WHATSAPP, Call, Complaint, Customer, ServiceRequest, TicketUpdate
from db.models.tickets import CLOSED, IN_PROGRESS, RESOLVED
from ivr.engine.prompts import TEXT, PromptCatalog
from ivr.notify.outbox import Outgoing, enqueue
from ivr.notify.senders import WHATSAPP_PREFIX
from ivr.phone.numbers import mask, parse_caller
from ivr.services.notes import plain_note

NOTIFIED_STATUSES = frozenset({IN_PROGRESS, RESOLVED, CLOSED})
"""What customers are told of: taken up, resolved, closed. Not a note alone, nor a reopening."""
NOTE_MAX_CHARS = 280
"""The note's share of the message: with the rest, three SMS segments at most (GSM-7, 153 each)."""
NOT_CONFIGURED, NO_NUMBER = "not_configured", "no_number"
Ticket = Complaint | ServiceRequest


@dataclass(frozen=True)
class TicketNotices:
    """What writing a notice needs from the app: the prompts, their constants, the channels that can send."""

    prompts: PromptCatalog
    constants: Mapping[str, Any]
    channels: frozenset[str]  # empty when messaging is not configured


@dataclass(frozen=True)
class Address:
    channel: str
    to: str  # E.164, or whatsapp:+62... for WhatsApp

    @property
    def masked(self) -> str:
        return mask(self.to.removeprefix(WHATSAPP_PREFIX))


def outbox_key(kind: str, number: str) -> str:
    """The outbox rows of one ticket's notices: `call_sid` is this, `step` the history entry's id."""
    return f"{kind}:{number}"


def bounded_note(note: str | None) -> str | None:
    """The note as plain words (markup gone, one line: notes.plain_note), cut to NOTE_MAX_CHARS at a word."""
    return plain_note(note, NOTE_MAX_CHARS)


def _mobile(number: str | None) -> str | None:
    caller = parse_caller(number)
    return caller.value if caller.is_phone and caller.is_mobile else None


def address(session: Session, ticket: Ticket, channels: frozenset[str]) -> Address | None:
    """Where the customer hears of it: their WhatsApp when they wrote from there, else a mobile by SMS."""
    call = session.scalar(select(Call).where(Call.call_sid == ticket.call_sid)) if ticket.call_sid else None
    if call is not None and call.channel == WHATSAPP and WHATSAPP in channels:
        texter = parse_caller(call.caller)
        if texter.is_phone:
            return Address(WHATSAPP, WHATSAPP_PREFIX + texter.value)
    if SMS not in channels:
        return None
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    for candidate in (call.caller if call else None, ticket.callback_number, customer.phone if customer else None):
        number = _mobile(candidate)
        if number is not None:
            return Address(SMS, number)
    return None


def render(notices: TicketNotices, kind: str, number: str, status: str, note: str | None, language: str) -> str:
    """The message in the ticket's language: which ticket, its new status in words, the note if any."""
    prompts = notices.prompts
    status_words = prompts.render(f"notices.status.{status}", language, {}, TEXT).text
    variables = {**notices.constants, "reference": number, "status_words": status_words}
    parts = [prompts.render(f"notices.{kind}", language, variables, TEXT).text]
    bounded = bounded_note(note)
    if bounded is not None:
        parts.append(prompts.render("notices.note", language, {"note": bounded}, TEXT).text)
    return " ".join(parts)


def notify_status_change(
    session: Session, notices: TicketNotices, kind: str, ticket: Ticket, update: TicketUpdate
) -> None:
    """Queue the customer's message for a change they are told of, and note on `update` how (or why not).

    `update` must be flushed (its id keys the outbox row); the caller commits both together.
    """
    if update.new_status == update.old_status or update.new_status not in NOTIFIED_STATUSES:
        return
    if not notices.channels:
        update.notice = NOT_CONFIGURED
        return
    to = address(session, ticket, notices.channels)
    if to is None:
        update.notice = NO_NUMBER
        return
    number = ticket.ticket_number if isinstance(ticket, Complaint) else ticket.reference
    body = render(notices, kind, number, update.new_status, update.note, ticket.language)
    message = Outgoing(purpose=f"notices.{kind}", to=to.to, body=body, channel=to.channel)
    # Keyed by the history entry: one message per change told of, whatever else shares the outbox.
    enqueue(session, outbox_key(kind, number), update.id, [message], update.at)
    update.notice, update.notice_to = to.channel, to.masked
