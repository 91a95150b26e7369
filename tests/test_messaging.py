"""The messaging webhook itself: signatures, conversations, retries, floods, bad input, outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from db.models import Call, CallbackRequest, CallEvent
from ivr.conversations.sweep import close_idle_conversations
from ivr.extensions import runtime
from ivr.messaging.inbound import LOGGED_BODY_CHARS, InboundMessage
from ivr.state.redis_store import RedisStateStore
from tests.conftest import AUTH_TOKEN, DEFAULT_NOW
from tests.support.journeys import set_clock
from tests.support.messaging import FakeMessenger
from tests.support.outages import break_database, break_state_store, restore_database


@pytest.fixture
def whatsapp(client, regions) -> FakeMessenger:
    return FakeMessenger(client, AUTH_TOKEN, channel="whatsapp")


@pytest.fixture
def sms(client, regions) -> FakeMessenger:
    return FakeMessenger(client, AUTH_TOKEN, channel="sms", number="+6281298765432")


MAIN_MENU = ["1", "2", "3", "4", "5", "6", "7", "9", "0"]  # the numbered lines of the main menu


def _conversations(db_session, channel: str | None = None) -> list[Call]:
    db_session.expire_all()
    query = select(Call).order_by(Call.id)
    if channel:
        query = query.where(Call.channel == channel)
    return list(db_session.scalars(query))


def _events(db_session, call: Call, kind: str | None = None) -> list[CallEvent]:
    query = select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)
    if kind:
        query = query.where(CallEvent.kind == kind)
    return list(db_session.scalars(query))


def _menu_lines(reply) -> list[str]:
    """The numbered lines of a reply: the options a texting customer can choose from."""
    return [line.split(".")[0] for line in reply.lines if line[:1].isdigit() and line[1:2] in ".)"]


# -- the webhook contract -------------------------------------------------------------------------


def test_forged_signature_is_rejected_and_nothing_is_stored(whatsapp: FakeMessenger, db_session) -> None:
    reply = whatsapp.post(whatsapp.params("2"), signature="forged")

    assert reply.status_code == 403
    assert _conversations(db_session) == []


def test_signature_over_other_parameters_is_rejected(whatsapp: FakeMessenger, db_session) -> None:
    signed = whatsapp.params("2")
    sent = {**signed, "Body": "1"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/messaging/incoming", signed)
    assert whatsapp.post(sent, signature=signature).status_code == 403
    assert _conversations(db_session) == []


@pytest.mark.parametrize(("channel", "number"), [("whatsapp", "+6281234567890"), ("sms", "+6281298765432")])
def test_first_message_greets_with_the_numbered_main_menu_and_opens_a_conversation(
    client, regions, db_session, channel: str, number: str
) -> None:
    customer = FakeMessenger(client, AUTH_TOKEN, channel=channel, number=number)
    reply = customer.send("Halo")

    assert reply.status_code == 200
    assert len(reply.messages) == 1
    assert _menu_lines(reply) == MAIN_MENU
    [conversation] = _conversations(db_session)
    assert (conversation.channel, conversation.caller, conversation.outcome) == (channel, number, "in_progress")
    assert conversation.call_sid == customer.sent_sids[0]
    assert conversation.region_id == regions["NASIONAL"]  # a mobile number has no area code
    [message] = _events(db_session, conversation, "message")
    assert message.detail["body"] == "Halo"


def test_messages_from_one_address_continue_one_conversation(whatsapp: FakeMessenger, sms, db_session) -> None:
    whatsapp.send("Halo")
    whatsapp.send("7")
    sms.send("Halo")

    rows = _conversations(db_session)
    assert [(row.channel, row.caller) for row in rows] == [("whatsapp", whatsapp.number), ("sms", sms.number)]
    assert [e.detail["body"] for e in _events(db_session, rows[0], "message")] == ["Halo", "7"]
    assert "information" in rows[0].flows_reached


def test_a_known_choice_as_first_message_skips_the_menu(whatsapp: FakeMessenger, db_session) -> None:
    reply = whatsapp.send("2")

    assert _menu_lines(reply) == []
    assert "meter" in reply.lines[-1].lower()  # straight to "type your meter number"
    [conversation] = _conversations(db_session)
    assert conversation.flows_reached == "main_menu,meter_reading"


def test_retried_message_sid_is_handled_once_and_answered_the_same(whatsapp: FakeMessenger, db_session) -> None:
    whatsapp.send("Halo")
    params = whatsapp.params("7")
    first = whatsapp.post(params)
    again = whatsapp.post(params)

    assert again.body == first.body
    [conversation] = _conversations(db_session)
    assert len(_events(db_session, conversation, "message")) == 2
    assert [e.detail.get("digits") for e in _events(db_session, conversation, "input")] == ["7"]


def test_menu_and_zero_start_over(whatsapp: FakeMessenger, db_session) -> None:
    whatsapp.send("Halo")
    whatsapp.send("2")
    restarted = whatsapp.send("MENU")
    assert _menu_lines(restarted) == MAIN_MENU
    whatsapp.send("2")
    assert _menu_lines(whatsapp.send(" 0 ")) == MAIN_MENU

    [conversation] = _conversations(db_session)
    assert len(_events(db_session, conversation, "restart")) == 2


def test_zero_in_the_main_menu_still_reaches_a_person(whatsapp: FakeMessenger, db_session) -> None:
    whatsapp.send("Halo")
    offer = whatsapp.send("0")

    assert _menu_lines(offer) == ["1", "2"]
    done = whatsapp.send("1")
    [conversation] = _conversations(db_session)
    assert conversation.outcome == "callback_requested"
    assert conversation.ended_at is not None
    assert _menu_lines(done) == []  # said goodbye: the next message starts a new conversation
    [callback] = db_session.scalars(select(CallbackRequest)).all()
    assert (callback.number, callback.reason, callback.call_sid) == (whatsapp.number, "message", conversation.call_sid)


def test_after_the_idle_time_a_message_starts_a_fresh_conversation(
    app: Flask, whatsapp: FakeMessenger, db_session
) -> None:
    whatsapp.send("Halo")
    whatsapp.send("2")
    idle = runtime(app).settings.messaging_idle_minutes
    later = DEFAULT_NOW + timedelta(minutes=idle + 1)
    set_clock(app, later)
    _expire_conversations(app)

    reply = whatsapp.send("14000000001")

    assert _menu_lines(reply) == MAIN_MENU  # a fresh start, not the id
    first, second = _conversations(db_session)
    assert first.outcome == "hung_up_in_menu"
    assert first.final_status == "expired"
    assert first.ended_at == DEFAULT_NOW
    assert second.ended_at is None


def _expire_conversations(app: Flask) -> None:
    """What the idle time does to the state store, without waiting for it: the conversations' states go."""
    store = runtime(app).store
    if isinstance(store, RedisStateStore):
        client = store.client
        for key in client.scan_iter(f"{runtime(app).settings.redis_namespace}:chat:*"):
            if key.endswith(b"}"):  # the conversation itself, not its remembered replies
                client.delete(key)
    else:
        for key in [key for key in store._values if key.endswith("}")]:
            del store._values[key]


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "👍", "🙏🏻 terima kasih", "\u200b"])
def test_empty_or_emoji_messages_get_the_question_again(whatsapp: FakeMessenger, db_session, body: str) -> None:
    whatsapp.send("Halo")
    reply = whatsapp.send(body)

    assert reply.status_code == 200
    assert _menu_lines(reply) == MAIN_MENU
    [conversation] = _conversations(db_session)
    assert conversation.outcome == "in_progress"


def test_a_very_long_message_is_cut_before_it_is_stored(whatsapp: FakeMessenger, db_session) -> None:
    whatsapp.send("Halo")
    reply = whatsapp.send("9" * 5000)

    assert reply.status_code == 200
    [conversation] = _conversations(db_session)
    [_, message] = _events(db_session, conversation, "message")
    assert len(message.detail["body"]) == LOGGED_BODY_CHARS
    assert message.detail["cut"] is True
    assert all(len(str(e.detail)) < 1000 for e in _events(db_session, conversation))


@pytest.mark.parametrize("content_type", ["audio/ogg", "video/mp4", "application/pdf", "text/vcard"])
def test_unsupported_media_is_refused_politely(whatsapp: FakeMessenger, db_session, content_type: str) -> None:
    whatsapp.send("Halo")
    reply = whatsapp.send("", media=[("https://api.twilio.com/media/ME1", content_type)])

    assert reply.status_code == 200
    assert "foto" in reply.text.lower()
    assert _menu_lines(reply) == MAIN_MENU
    [conversation] = _conversations(db_session)
    [refused] = _events(db_session, conversation, "media_refused")
    assert refused.detail == {"types": [content_type]}


def test_a_flood_is_rate_limited_politely_once_and_every_message_is_kept(
    app: Flask, whatsapp: FakeMessenger, sms: FakeMessenger, db_session
) -> None:
    limit = runtime(app).settings.messaging_rate_limit
    runtime(app).messaging.limiter.clock = lambda: 1_000_000.0  # one window throughout
    replies = [whatsapp.send("*") for _ in range(limit + 5)]

    allowed, warned, quiet = replies[:limit], replies[limit], replies[limit + 1 :]
    assert all(r.messages for r in allowed)
    assert len(warned.messages) == 1 and "terlalu banyak" in warned.text
    assert all(r.status_code == 200 and r.messages == [] for r in quiet)
    assert sms.send("Halo").messages  # another address is not limited
    [conversation] = _conversations(db_session, "whatsapp")
    messages = _events(db_session, conversation, "message")
    assert len(messages) == limit + 5
    assert sum(1 for m in messages if m.detail.get("rate_limited")) == 5


def test_a_flood_holds_no_turn_and_waits_for_none(app: Flask, whatsapp: FakeMessenger) -> None:
    """Every message over the limit is answered at once: after it the sender's turn is free."""
    rt = runtime(app)
    rt.messaging.limiter.clock = lambda: 1_000_000.0
    waits: list[float] = []
    rt.messaging.pause = waits.append  # a message that waits for its turn would show here
    address = InboundMessage.from_form(whatsapp.params("*")).address
    for _ in range(rt.settings.messaging_rate_limit + 5):
        whatsapp.send("*")
        assert rt.store.claim(rt.core.keys.chat_lock(address), token="probe")  # free after every message
        rt.store.release(rt.core.keys.chat_lock(address), "probe")
    assert waits == []


def test_over_the_limit_a_message_does_not_wait_for_a_busy_turn(
    app: Flask, whatsapp: FakeMessenger, db_session
) -> None:
    """Another message holds the turn (a slow one): one over the limit is answered now, not in 5 s."""
    rt = runtime(app)
    rt.messaging.limiter.clock = lambda: 1_000_000.0
    for _ in range(rt.settings.messaging_rate_limit):
        whatsapp.send("*")
    waits: list[float] = []
    rt.messaging.pause = waits.append
    address = InboundMessage.from_form(whatsapp.params("*")).address
    assert rt.store.claim(rt.core.keys.chat_lock(address), token="SMbusy")

    warned, quiet = whatsapp.send("*"), whatsapp.send("*")

    assert waits == []
    assert "terlalu banyak" in warned.text and quiet.status_code == 200 and quiet.messages == []
    assert not rt.store.claim(rt.core.keys.chat_lock(address), token="probe")  # still the busy message's
    [conversation] = _conversations(db_session)
    assert len(_events(db_session, conversation, "message")) == rt.settings.messaging_rate_limit


def test_a_crash_in_a_turn_lets_the_next_message_in(app: Flask, whatsapp: FakeMessenger, monkeypatch) -> None:
    rt = runtime(app)
    whatsapp.send("Halo")

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(rt.messaging, "_handle", crash)
    assert "gangguan" in whatsapp.send("1").text
    monkeypatch.undo()
    waits: list[float] = []
    rt.messaging.pause = waits.append

    assert whatsapp.send("7").messages and waits == []


def test_the_limit_resets_with_the_next_window(app: Flask, whatsapp: FakeMessenger) -> None:
    settings = runtime(app).settings
    runtime(app).messaging.limiter.clock = lambda: 1_000_000.0
    for _ in range(settings.messaging_rate_limit + 1):
        whatsapp.send("*")
    assert "terlalu banyak" in whatsapp.last.text
    runtime(app).messaging.limiter.clock = lambda: 10**10  # the next window

    assert _menu_lines(whatsapp.send("*")) == MAIN_MENU


# -- outages --------------------------------------------------------------------------------------


def test_database_down_apologises_keeps_the_message_and_writes_it_later(
    app: Flask, whatsapp: FakeMessenger, db_session
) -> None:
    whatsapp.send("Halo")
    working = break_database(app)
    try:
        down = whatsapp.send("7")
    finally:
        restore_database(app, working)
    after = whatsapp.send("7")

    assert down.status_code == 200 and "gangguan" in down.text
    assert after.messages and "gangguan" not in after.text
    [conversation] = _conversations(db_session)
    bodies = [e.detail["body"] for e in _events(db_session, conversation, "message")]
    assert bodies == ["Halo", "7", "7"]
    assert [e.detail["error"] for e in _events(db_session, conversation, "error")] == ["OperationalError"]


def test_state_store_down_apologises_and_keeps_the_message(app: Flask, whatsapp: FakeMessenger, db_session) -> None:
    break_state_store(app)
    reply = whatsapp.send("2")

    assert reply.status_code == 200 and "gangguan" in reply.text
    [conversation] = _conversations(db_session)
    assert conversation.outcome == "error"
    assert [e.detail["body"] for e in _events(db_session, conversation, "message")] == ["2"]


def test_an_unreadable_rate_counter_lets_messages_through(app: Flask, whatsapp: FakeMessenger) -> None:
    rt = runtime(app)
    if not isinstance(rt.store, RedisStateStore):
        pytest.skip("the in-process counter cannot be unreadable")
    rt.messaging.limiter.clock = lambda: 1_000_000.0
    address = InboundMessage.from_form(whatsapp.params("Halo")).address
    rt.store.client.set(rt.core.keys.chat_rate(address, rt.messaging.limiter.window()), "not a number")

    assert _menu_lines(whatsapp.send("Halo")) == MAIN_MENU


def test_unexpected_crash_still_answers_with_a_message(app: Flask, whatsapp: FakeMessenger, monkeypatch) -> None:
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runtime(app).messaging, "incoming", crash)
    reply = whatsapp.send("Halo")

    assert reply.status_code == 200
    assert "gangguan" in reply.text


def test_a_message_waits_for_the_one_before_it_instead_of_overwriting_it(
    app: Flask, whatsapp: FakeMessenger, db_session
) -> None:
    """A photo and its caption arrive together: the second request waits for the first's turn."""
    whatsapp.send("Halo")
    rt = runtime(app)
    gateway, keys = rt.messaging, rt.core.keys
    address = InboundMessage.from_form(whatsapp.params("1")).address
    assert rt.store.claim(keys.chat_lock(address), 30, token="SM-other")  # another message is running
    pauses: list[float] = []

    def other_request_finishes(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:  # it chose "7" and saved the conversation one step on
            finished = rt.core.load(keys.chat(address))
            finished.state.move_to("information", "choose")
            finished.step += 1
            rt.core.save(keys.chat(address), finished, 600, release=(keys.chat_lock(address), "SM-other"))

    gateway.pause = other_request_finishes
    reply = whatsapp.send("1")

    assert len(pauses) == 3
    assert reply.messages
    [conversation] = _conversations(db_session)
    [typed] = [e for e in _events(db_session, conversation, "input") if e.detail["digits"] == "1"]
    assert (typed.flow, typed.node) == ("information", "choose")  # answered where the other left off


def test_two_first_messages_at_once_open_one_conversation(app: Flask, whatsapp: FakeMessenger, db_session) -> None:
    rt = runtime(app)
    gateway, keys = rt.messaging, rt.core.keys
    first = whatsapp.params("Halo")
    address = InboundMessage.from_form(first).address
    assert rt.store.claim(keys.chat_lock(address), 30, token=first["MessageSid"])  # "Halo" is being handled
    pauses: list[float] = []

    def other_request_finishes(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:  # "Halo" opens the conversation meanwhile, then lets the next message in
            rt.store.release(keys.chat_lock(address), first["MessageSid"])
            gateway.incoming(first)

    gateway.pause = other_request_finishes
    whatsapp.send("7")

    assert len(pauses) == 2
    [conversation] = _conversations(db_session)
    assert [e.detail["body"] for e in _events(db_session, conversation, "message")] == ["Halo", "7"]
    assert "information" in conversation.flows_reached


def test_the_sweeper_closes_conversations_nobody_wrote_in_for_the_idle_time(
    app: Flask, whatsapp: FakeMessenger, sms: FakeMessenger, db_session
) -> None:
    idle = timedelta(minutes=runtime(app).settings.messaging_idle_minutes)
    whatsapp.send("Halo")
    set_clock(app, DEFAULT_NOW + idle - timedelta(minutes=1))
    sms.send("Halo")

    with runtime(app).database.session() as session:
        closed = close_idle_conversations(session, DEFAULT_NOW + idle + timedelta(seconds=30), idle)

    assert closed == 1
    quiet, active = _conversations(db_session)
    assert (quiet.channel, quiet.final_status, quiet.ended_at, quiet.outcome) == (
        "whatsapp",
        "expired",
        DEFAULT_NOW,
        "hung_up_in_menu",
    )
    assert active.ended_at is None


def test_the_sweep_command_reports_idle_conversations(app: Flask, whatsapp: FakeMessenger, db_session) -> None:
    set_clock(app, datetime.now(UTC) - timedelta(hours=2))
    whatsapp.send("Halo")
    set_clock(app, datetime.now(UTC))  # two hours later, the sweep runs (on the app's clock too)

    result = app.test_cli_runner().invoke(args=["sweep-calls"])

    assert result.exit_code == 0, result.output
    assert "1 idle conversations" in result.output
    [conversation] = _conversations(db_session)
    assert conversation.final_status == "expired"
