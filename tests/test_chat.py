"""The terminal chat simulator against the real app: over the test client, and over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from db.models import Call, Reading
from ivr.cli import chat
from ivr.cli.chat import ChatError, ChatSimulator, Outgoing, parse_messages
from tests.conftest import AUTH_TOKEN
from tests.support.live_server import serving
from tests.support.readings import METER

BASE = "http://localhost"


class FlaskTransport:
    """Sends the simulator's signed posts through the Flask test client, and keeps what it sent."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.sent: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        self.sent.append((url, dict(data), dict(headers)))
        response = self.client.post(url, data=data, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class CannedTransport:
    """Answers every message with the same response, for replies the real app never gives."""

    def __init__(self, status: int, body: str) -> None:
        self.response = (status, body)

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        return self.response


def _lines(shown: list[str]) -> list[str]:
    """What the terminal shows, a line each (one output call prints a whole message)."""
    return "\n".join(shown).splitlines()


def _chat(app: Flask, sender: str = "whatsapp:+6281234567890") -> tuple[ChatSimulator, FlaskTransport, list[str]]:
    shown: list[str] = []
    transport = FlaskTransport(app)
    return ChatSimulator(BASE, AUTH_TOKEN, sender=sender, transport=transport, output=shown.append), transport, shown


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


# -- the script --------------------------------------------------------------------------------


def test_parse_messages_splits_on_bars_and_turns_photo_words_into_images() -> None:
    messages = parse_messages(" 2 |14000000001| 5.150 |ya|Photo|foto", photo_url="https://example.test/m.png")

    assert [m.body for m in messages[:4]] == ["2", "14000000001", "5.150", "ya"]
    assert not any(m.photo for m in messages[:4])
    assert [(m.photo, m.photo_url, m.content_type) for m in messages[4:]] == [
        (True, "https://example.test/m.png", "image/png"),
        (True, "https://example.test/m.png", "image/png"),
    ]


def test_parse_messages_refuses_an_empty_message_naming_it() -> None:
    with pytest.raises(ValueError, match=re.escape("message 2 of '2||3' is empty")):
        parse_messages("2||3")


def test_cli_rejects_an_empty_scripted_message() -> None:
    result = CliRunner().invoke(chat.chat_command, ["--messages", "menu| |2"])

    assert result.exit_code == 2
    assert "message 2" in result.output


# -- against the real app ------------------------------------------------------------------------


def test_meter_reading_with_photo_lands_on_the_reading(app: Flask, db_session, meter) -> None:
    simulator, transport, shown = _chat(app)

    replies = simulator.run(parse_messages("2|1|5.150|ya|photo"))  # 1: the account of the sender's own phone

    assert len(replies) == 5
    lines = _lines(shown)
    assert "< 1. Akun berakhiran 0001" in lines
    assert "< Angka stand 5150 untuk akun berakhiran 0001." in lines
    assert "< Terima kasih, angka stand 5150 kami terima." in lines
    reading = db_session.scalars(select(Reading).where(Reading.source != "officer")).one()
    assert (reading.stand, reading.status, reading.source) == (5150, "accepted", "whatsapp")
    photo_sent = transport.sent[-1][1]
    assert (photo_sent["NumMedia"], photo_sent["MediaContentType0"], photo_sent["Body"]) == ("1", "image/jpeg", "")
    assert re.fullmatch(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w{32}/Messages/SM\w{32}/Media/ME\w{32}",
                        photo_sent["MediaUrl0"])  # fmt: skip
    assert reading.media_url == photo_sent["MediaUrl0"]
    assert replies[-1].messages[0].startswith(f"Terima kasih, foto meter untuk laporan {reading.reference}")


def test_a_photo_sent_first_is_kept_for_the_reading(app: Flask, db_session, meter) -> None:
    simulator, _, shown = _chat(app, sender="+6281234567891")
    photo_url = "https://example.test/meter.jpg"

    simulator.run(parse_messages(f"photo|2|{METER}|5150|ya", photo_url=photo_url))

    assert f"> [photo image/jpeg] {photo_url}" in shown
    reading = db_session.scalars(select(Reading).where(Reading.source != "officer")).one()
    assert (reading.source, reading.media_url, reading.media_type) == ("sms", photo_url, "image/jpeg")


def test_every_message_has_a_fresh_sid_and_is_signed_like_twilio(app: Flask, regions) -> None:
    simulator, transport, _ = _chat(app)

    replies = simulator.run([Outgoing("menu"), Outgoing("9"), Outgoing("4")])

    sids = [data["MessageSid"] for _, data, _ in transport.sent]
    assert all(re.fullmatch(r"SM[0-9a-f]{32}", sid) for sid in sids)
    assert len(set(sids)) == 3
    assert [reply.message_sid for reply in replies] == sids
    validator = RequestValidator(AUTH_TOKEN)
    for url, data, headers in transport.sent:
        assert url == f"{BASE}/messaging/incoming"
        assert validator.validate(url, data, headers["X-Twilio-Signature"])
        assert (data["From"], data["To"], data["WaId"]) == (
            "whatsapp:+6281234567890",
            "whatsapp:+6281100000123",
            "6281234567890",
        )
        assert data["SmsMessageSid"] == data["MessageSid"]


def test_sms_sender_writes_to_the_sms_number(app: Flask, db_session, regions) -> None:
    simulator, transport, _ = _chat(app, sender="+6281234567891")

    simulator.send(Outgoing("menu"))

    data = transport.sent[0][1]
    assert (data["To"], "WaId" in data) == ("+6281100000123", False)
    call = db_session.scalars(select(Call)).one()
    assert (call.channel, call.caller) == ("sms", "+6281234567891")


def test_chat_command_over_http_prints_what_the_customer_reads(app: Flask, regions, live_server: str) -> None:
    result = CliRunner().invoke(
        app.cli, ["chat", "--url", live_server, "--messages", "menu|9|4|menu|0"], env={"TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "WHATSAPP from whatsapp:+6281234567890 to whatsapp:+6281100000123"
    assert [line for line in lines if line.startswith(">")] == ["> menu", "> 9", "> 4", "> menu", "> 0"]
    assert "< Halo, ini layanan pelanggan PLN 123." in lines
    assert "< You have chosen English." in lines
    assert "< Type your ticket or reference number (10 digits)." in lines
    assert "< Hello, this is PLN customer service 123." in lines  # menu starts over, in English
    assert lines[-3:] == [
        "< One of our agents will call you back. Reply with the number of your choice:",
        "< 1. Call this number",
        "< 2. Call another number",
    ]


def test_chat_command_interactive_with_photo_command(app: Flask, db_session, meter, live_server: str) -> None:
    typed = "2\n\n1\n5150\nya\n/photo https://example.test/meter.png\n/help\n/quit\nnot sent\n"
    result = CliRunner().invoke(
        app.cli, ["chat", "--url", live_server], input=typed, env={"TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    )

    assert result.exit_code == 0, result.output
    assert "> [photo image/png] https://example.test/meter.png" in result.output
    assert "> 5150" not in result.output  # what was typed is on the screen already
    assert "unknown command /help" in result.output
    assert "not sent" not in result.output
    reading = db_session.scalars(select(Reading).where(Reading.source != "officer")).one()
    assert (reading.stand, reading.media_url) == (5150, "https://example.test/meter.png")


def test_chat_command_ends_at_end_of_input(app: Flask, regions, live_server: str) -> None:
    env = {"TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    result = CliRunner().invoke(app.cli, ["chat", "--url", live_server], input="menu\n", env=env)

    assert result.exit_code == 0, result.output
    assert "< Halo, ini layanan pelanggan PLN 123." in result.output


@pytest.mark.parametrize(
    ("token", "hint"),
    [("wrong-token", "TWILIO_AUTH_TOKEN must be the server's"), ("", "set TWILIO_AUTH_TOKEN")],
)
def test_chat_command_explains_a_refused_signature(
    app: Flask, db_session, regions, live_server: str, token: str, hint: str
) -> None:
    result = CliRunner().invoke(
        app.cli, ["chat", "--url", live_server, "--messages", "menu|9"], env={"TWILIO_AUTH_TOKEN": token}
    )

    assert result.exit_code == 1
    assert "ERROR: the server answered 403 to message SM" in result.output
    assert hint in result.output
    assert [line for line in result.output.splitlines() if line.startswith(">")] == ["> menu"]  # stops there
    assert db_session.scalars(select(Call)).all() == []


def test_chat_command_cannot_reach_the_server() -> None:
    result = CliRunner().invoke(chat.chat_command, ["--url", "http://127.0.0.1:9", "--messages", "menu"])

    assert result.exit_code == 1
    assert "could not reach the IVR server at http://127.0.0.1:9" in result.output


# -- replies the real app does not give ----------------------------------------------------------


def test_an_empty_response_is_no_reply() -> None:
    shown: list[str] = []
    simulator = ChatSimulator(BASE, None, transport=CannedTransport(200, "<Response/>"), output=shown.append)

    reply = simulator.send(Outgoing("halo"))

    assert (reply.messages, shown) == ([], ["> halo", "  (no reply)"])


def test_several_messages_with_body_and_media_are_shown_in_order() -> None:
    body = (
        "<Response><Message>Satu\nDua</Message>"
        "<Message><Body>Tiga</Body><Media>https://example.test/a.jpg</Media></Message></Response>"
    )
    shown: list[str] = []
    simulator = ChatSimulator(BASE, None, transport=CannedTransport(200, body), output=shown.append)

    reply = simulator.send(Outgoing("x"))

    assert reply.messages == ["Satu\nDua", "Tiga"]
    assert shown == ["> x", "< Satu\n< Dua", "< Tiga", "< [media] https://example.test/a.jpg"]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "boom", "answered 500"),
        (200, "not xml", "is not XML"),
        (200, "<Html/>", "<Html>, not <Response>"),
        (200, "<Response><Say>hi</Say></Response>", "<Say> is not a Messaging TwiML verb"),
    ],
)
def test_a_broken_reply_is_an_error(status: int, body: str, reason: str) -> None:
    simulator = ChatSimulator(BASE, None, transport=CannedTransport(status, body), output=lambda _: None)

    with pytest.raises(ChatError, match=re.escape(reason)) as raised:
        simulator.send(Outgoing("x"))

    assert (raised.value.status, raised.value.body) == (status, body)
