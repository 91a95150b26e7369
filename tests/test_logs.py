"""Logs: one JSON object a line with the request's context; customers masked, Twilio's ids whole."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import logs
from ivr.config import ConfigError, Settings
from ivr.extensions import runtime
from ivr.logs import JsonFormatter, install_masking, mask_digits
from tests.support.twilio import FakeTwilio

CALL_SID = "CA0123456789abcdef0123456789abcdef"
MESSAGE_SID = "SM12345678901234567890123456789012"  # digits only: kept whole all the same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("idpel 532110000001 not found", "idpel ********0001 not found"),
        ("token 12345678901234567890", "token ****************7890"),
        ("token 1234-5678-9012-3456-7890", "token ****-****-****-****-7890"),
        ("token 1234 5678 9012 3456 7890", "token **** **** **** **** 7890"),
        ("step 3 of call CA12", "step 3 of call CA12"),
        ("meter=14000000001,", "meter=*******0001,"),
        ("q=0812-1300-0000", "q=****-****-0000"),
        ("from +62 812 3456 7890", "from +** *** **** 7890"),
        ("from whatsapp:+6281234567890", "from whatsapp:+*********7890"),
        ("line (021) 555-0100", "line (***) ***-0100"),
        ("line 021 5550100 or 0812 1300 0000", "line *** ***0100 or **** **** 0000"),
        ("GET /c?q=0812-1300-0000 302", "GET /c?q=****-****-0000 302"),
        (f"call {CALL_SID} step 12", f"call {CALL_SID} step 12"),
        (f"message {MESSAGE_SID}", f"message {MESSAGE_SID}"),
        ("at 2026-11-23 10:00:00.123 for 45 s", "at 2026-11-23 10:00:00.123 for 45 s"),
        ("redis at 127.0.0.1:6379", "redis at 127.0.0.1:6379"),
    ],
)
def test_customer_numbers_are_masked_and_twilio_ids_and_dates_kept(text: str, expected: str) -> None:
    assert mask_digits(text) == expected


def test_masking_applies_to_messages_and_arguments(caplog) -> None:
    install_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("ivr.anything").info("lookup %s from %s", "532110000001", "+6281234567890")
        logging.getLogger("werkzeug").info("customer 14000000001 called")
        logging.getLogger("ivr.anything").info("failed: %s", ValueError("caller 081213000000 unknown"))

    assert "532110000001" not in caplog.text
    assert "14000000001" not in caplog.text
    assert "081213000000" not in caplog.text
    assert "********0001" in caplog.text
    assert "+*********7890" in caplog.text


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the process writes in production: the root logger's lines through the JSON formatter."""
    install_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line is one JSON object (json.loads fails the test otherwise)."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def access_lines(stream: io.StringIO, path: str) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line["logger"] == "ivr.access" and line["path"] == path]


def test_a_webhook_logs_one_json_line_with_its_request_id_call_sid_and_node(
    twilio: FakeTwilio, json_log: io.StringIO
) -> None:
    twilio.start()
    reply = twilio.post(twilio.action_url or "", {"Digits": "9"}, headers={"X-Request-Id": "req-42.a"})

    assert reply.headers["X-Request-Id"] == "req-42.a"
    [line] = access_lines(json_log, "/voice/step")
    assert {"time", "level", "logger", "message", "request_id", "call_sid", "path", "status", "latency_ms"} <= set(line)
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-42.a"
    assert line["call_sid"] == twilio.call_sid  # whole: the call can be followed
    assert line["status"] == 200
    assert line["latency_ms"] > 0
    assert line["message"].startswith("POST /voice/step?step=1 200")
    assert (line["kind"], line["outcome"]) == ("voice.step", "ok")
    assert line["flow_node"] == "main_menu.menu"  # where the caller is now
    assert "5551234" not in json_log.getvalue()  # the caller's number (+62215551234) is never whole


def test_the_request_id_is_twilios_idempotency_token_or_a_new_one(twilio: FakeTwilio, json_log: io.StringIO) -> None:
    token = "a3c1b2d4-0000-4f2c-b0d7-2bc13b42b4f1-19"
    first = twilio.post("/voice/incoming", {"CallStatus": "ringing"}, headers={"I-Twilio-Idempotency-Token": token})
    unsafe = twilio.post(twilio.action_url or "", {"Digits": "*"}, headers={"X-Request-Id": "<script> " + "x" * 200})

    assert first.headers["X-Request-Id"] == token
    generated = unsafe.headers["X-Request-Id"]
    assert len(generated) == 32 and set(generated) <= set("0123456789abcdef")
    assert [line["request_id"] for line in access_lines(json_log, "/voice/step")] == [generated]


def test_a_traceback_masks_the_caller_but_keeps_the_call_sid(
    app: Flask, twilio: FakeTwilio, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error quotes its parameters; the traceback must not give the caller's number away."""
    twilio.start()

    def crash(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError(f"INSERT failed [parameters: ('+6281234567890', '532110000001', '{twilio.call_sid}')]")

    monkeypatch.setattr(runtime(app).voice, "step", crash)
    reply = twilio.press("1")

    assert reply.status_code == 200 and reply.hangs_up  # the caller hears the last-resort apology
    [error] = [line for line in lines(json_log) if line["level"] == "ERROR"]
    assert error["call_sid"] == twilio.call_sid
    assert "Traceback (most recent call last)" in error["exception"]
    assert "RuntimeError: INSERT failed [parameters: ('+*********7890', '********0001'" in error["exception"]
    assert f"'{twilio.call_sid}')]" in error["exception"]
    text = json_log.getvalue()
    assert "6281234567890" not in text and "532110000001" not in text
    [line] = access_lines(json_log, "/voice/step")
    assert line["outcome"] == "apology"


def test_the_request_line_masks_the_query_string(client: FlaskClient, json_log: io.StringIO) -> None:
    response = client.get("/console/customers?q=0812-1300-0000")

    [line] = access_lines(json_log, "/console/customers")
    assert line["message"] == f"GET /console/customers?q=****-****-0000 {response.status_code}"
    assert "0812-1300" not in json_log.getvalue()
    assert response.headers["X-Request-Id"] == line["request_id"]


def test_a_text_message_logs_its_message_sid_whole(client: FlaskClient, regions, json_log: io.StringIO) -> None:
    from tests.conftest import AUTH_TOKEN
    from tests.support.messaging import FakeMessenger

    texter = FakeMessenger(client, AUTH_TOKEN)
    texter.send("Halo", sid=MESSAGE_SID)

    [line] = access_lines(json_log, "/messaging/incoming")
    assert line["message_sid"] == MESSAGE_SID
    assert (line["kind"], line["outcome"]) == ("messaging.incoming", "ok")
    assert "6281234567890" not in json_log.getvalue()  # the sender, whatsapp:+6281234567890


def test_text_format_names_the_request_and_masks_too() -> None:
    install_masking()
    logs.begin_request("req-1", "/voice/step")
    logs.bind_sid("call_sid", CALL_SID)
    try:
        record = logging.getLogger("ivr.test").makeRecord("ivr.test", logging.INFO, __file__, 1, "from %s",
                                                          ("081213000000",), None)  # fmt: skip
        text = logs.TextFormatter().format(record)
    finally:
        logs.end_request()
    assert text.endswith(f"INFO ivr.test: from ********0000 [req-1 {CALL_SID}]")


@pytest.mark.parametrize(
    ("env", "log_format", "effective"),
    [
        ("development", None, "text"),
        ("production", None, "json"),
        ("test", None, "json"),
        ("development", "json", "json"),
    ],
)
def test_log_format_defaults_to_text_only_in_development(env: str, log_format: str | None, effective: str) -> None:
    assert Settings(env=env, log_format=log_format).effective_log_format == effective


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        Settings(env="test", twilio_auth_token="t", log_format="xml").check()


def test_gunicorns_logs_go_through_the_same_formatter() -> None:
    """gunicorn.conf.py hands this to gunicorn: its error log propagates to the root's JSON handler."""
    config = logs.dict_config("json")
    logging.config.dictConfig({key: value for key, value in config.items() if key != "root"})  # pytest's root stays
    assert isinstance(logs.formatter("json"), JsonFormatter)
    assert config["loggers"]["gunicorn.error"]["propagate"] is True
    assert config["formatters"]["ivr"] == {"()": "ivr.logs.formatter", "log_format": "json"}
