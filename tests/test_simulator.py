"""Tests for the terminal call simulator, run against a tiny in-process fake IVR app."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ivr.cli import simulator
from ivr.cli.simulator import DEFAULT_CONFIDENCE, CallSimulator, Speech, parse_script

BASE = "http://ivr.test"
TOKEN = "test-auth-token"
Handler = Callable[[dict[str, str], dict[str, list[str]]], "str | tuple[int, str]"]


@dataclass
class Received:
    url: str
    path: str
    data: dict[str, str]
    headers: dict[str, str]


class FakeIvrApp:
    """A Transport that routes by URL path to small functions returning TwiML, like a server."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.received: list[Received] = []

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        parts = urlsplit(url)
        self.received.append(Received(url, parts.path, dict(data), dict(headers)))
        if parts.path == "/voice/status":
            return 204, ""
        handler = self.routes.get(parts.path)
        if handler is None:
            return 404, "not found"
        result = handler(data, parse_qs(parts.query))
        return (200, result) if isinstance(result, str) else result

    def webhooks(self) -> list[Received]:
        return [r for r in self.received if r.path != "/voice/status"]

    def status_callbacks(self) -> list[Received]:
        return [r for r in self.received if r.path == "/voice/status"]


def twiml(*verbs: object) -> str:
    response = VoiceResponse()
    for verb in verbs:
        response.append(verb)
    return str(response)


def gather(**attrs: object) -> Gather:
    g = Gather(**attrs)
    g.say("Tekan satu untuk tagihan.", language="id-ID")
    return g


def place(app: FakeIvrApp, script: str | None = "", token: str | None = TOKEN, **kw: object):
    lines: list[str] = []
    sim = CallSimulator(BASE, token, transport=app, output=lines.append, **kw)
    parsed = parse_script(script) if script is not None else None
    result = sim.call("+62215551234", "+62215550123", script=parsed)
    return result, lines


def menu_app(action: str = "/voice/step?seq=2", incoming_path: str = "/voice/incoming", **attrs):
    """Gather on the incoming URL; the step endpoint echoes nothing and hangs up."""
    hangup = VoiceResponse()
    hangup.say("Terima kasih.", language="id-ID")
    hangup.hangup()
    routes: dict[str, Handler] = {
        incoming_path: lambda d, q: twiml(gather(action=action, **attrs)),
        "/voice/step": lambda d, q: str(hangup),
        "/voice/menu/step": lambda d, q: str(hangup),
    }
    return FakeIvrApp(routes)


# --- parse_script ------------------------------------------------------------------------


def test_parse_script_tokens() -> None:
    assert parse_script(" 2\t123456789012#  _ - * !\n") == [
        "2",
        "123456789012#",
        None,
        None,
        "*",
        "!",
    ]


@pytest.mark.parametrize("token", ["12a", "1-2", "!!", "+62"])
def test_parse_script_rejects_bad_token_naming_it(token: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(token))):
        parse_script(f"1 {token} 2")


def test_call_validates_a_hand_written_script() -> None:
    sim = CallSimulator(BASE, TOKEN, transport=menu_app(), output=lambda _: None)
    with pytest.raises(ValueError, match="'x1'"):
        sim.call("+62215551234", "+62215550123", script=["x1"])


def test_parse_script_spoken_turns() -> None:
    script = """2 "say:cek tagihan" say:cek_tagihan@0.35 'say:  bayar   listrik ' "say:that's all@1" 1"""
    assert parse_script(script) == [
        "2",
        Speech("cek tagihan", DEFAULT_CONFIDENCE),
        Speech("cek tagihan", 0.35),
        Speech("bayar listrik"),
        Speech("that's all", 1.0),
        "1",
    ]


@pytest.mark.parametrize("token", ["say:", "say:_", "say:@0.5", "say:tagihan@1.5", "say:tagihan@x", "say:tagihan@"])
def test_parse_script_rejects_bad_spoken_turn_naming_it(token: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(token))):
        parse_script(f"1 {token} 2")


def test_parse_script_unclosed_quote_says_so() -> None:
    with pytest.raises(ValueError, match="quote"):
        parse_script("1 say:that's_all")


# --- signing and call fields -------------------------------------------------------------


def test_every_request_is_signed_over_the_exact_url() -> None:
    app = menu_app()
    place(app, "1")
    assert [r.url for r in app.received] == [
        f"{BASE}/voice/incoming",
        f"{BASE}/voice/step?seq=2",
        f"{BASE}/voice/status",
    ]
    validator = RequestValidator(TOKEN)
    for req in app.received:
        signature = req.headers["X-Twilio-Signature"]
        assert validator.validate(req.url, req.data, signature), req.url
        assert not RequestValidator("wrong-token").validate(req.url, req.data, signature)
    step = app.received[1]
    bare_url = step.url.split("?")[0]  # the query string is part of what is signed
    assert not validator.validate(bare_url, step.data, step.headers["X-Twilio-Signature"])


def test_no_signature_without_token() -> None:
    app = menu_app()
    place(app, "1", token=None)
    assert all("X-Twilio-Signature" not in r.headers for r in app.received)
    assert len(app.received) == 3


def test_call_fields_like_twilio() -> None:
    app = menu_app()
    result, _ = place(app, "1")
    first, second = app.webhooks()
    assert re.fullmatch(r"CA[0-9a-f]{32}", result.call_sid)
    assert re.fullmatch(r"AC[0-9a-f]{32}", first.data["AccountSid"])
    for req in app.received:
        assert req.data["CallSid"] == result.call_sid
        assert req.data["AccountSid"] == first.data["AccountSid"]
        assert req.data["From"] == req.data["Caller"] == "+62215551234"
        assert req.data["To"] == req.data["Called"] == "+62215550123"
        assert req.data["Direction"] == "inbound"
        assert req.data["ApiVersion"] == "2010-04-01"
    assert first.data["CallStatus"] == "ringing"
    assert second.data["CallStatus"] == "in-progress"
    assert "Digits" not in first.data


def test_given_call_sid_is_used() -> None:
    app = menu_app()
    sim = CallSimulator(BASE, TOKEN, transport=app, output=lambda _: None)
    result = sim.call("+62215551234", "+62215550123", script=[], call_sid="CA" + "ab" * 16)
    assert result.call_sid == "CA" + "ab" * 16
    assert {r.data["CallSid"] for r in app.received} == {"CA" + "ab" * 16}


# --- Gather --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incoming_path", "action", "expected"),
    [
        ("/voice/incoming", "/voice/step?seq=2", f"{BASE}/voice/step?seq=2"),
        ("/voice/incoming", "step?seq=2", f"{BASE}/voice/step?seq=2"),
        ("/voice/menu/main", "step?seq=2", f"{BASE}/voice/menu/step?seq=2"),
    ],
)
def test_gather_digits_post_to_action_resolved_against_current_url(
    incoming_path: str, action: str, expected: str
) -> None:
    app = menu_app(action=action, incoming_path=incoming_path)
    if incoming_path != "/voice/incoming":  # reach the menu via a Redirect first
        redirect = VoiceResponse()
        redirect.redirect(incoming_path)
        app.routes["/voice/incoming"] = lambda d, q: str(redirect)
    result, _ = place(app, "2")
    step = app.webhooks()[-1]
    assert step.url == expected
    assert step.data["Digits"] == "2"
    assert "FinishedOnKey" not in step.data
    assert result.outcome == "hangup"


def test_gather_without_action_posts_back_to_current_url() -> None:
    calls = []

    def incoming(data: dict[str, str], query: dict[str, list[str]]) -> str:
        calls.append(data.get("Digits"))
        if "Digits" in data:
            return twiml(VoiceResponse().hangup())
        return twiml(gather())

    app = FakeIvrApp({"/voice/incoming": incoming})
    place(app, "7")
    assert calls == [None, "7"]
    assert app.webhooks()[1].url == f"{BASE}/voice/incoming"


def test_finish_key_is_stripped_and_reported() -> None:
    app = menu_app()
    place(app, "123456789012#")
    step = app.webhooks()[1]
    assert step.data["Digits"] == "123456789012"
    assert step.data["FinishedOnKey"] == "#"


def test_num_digits_keeps_only_the_first_digits() -> None:
    app = menu_app(num_digits=1)
    place(app, "21#")
    step = app.webhooks()[1]
    assert step.data["Digits"] == "2"
    assert "FinishedOnKey" not in step.data


def test_no_input_falls_through_to_following_redirect() -> None:
    first = VoiceResponse()
    first.append(gather(action="/voice/step"))
    first.say("Kami tidak menerima masukan.", language="id-ID")
    first.redirect("/voice/incoming?retry=1")
    retry = twiml(gather(action="/voice/step"))
    app = menu_app()
    app.routes["/voice/incoming"] = lambda d, q: retry if q.get("retry") else str(first)
    result, lines = place(app, "_ 3")
    urls = [r.url for r in app.webhooks()]
    assert urls == [
        f"{BASE}/voice/incoming",
        f"{BASE}/voice/incoming?retry=1",
        f"{BASE}/voice/step",
    ]
    assert "Digits" not in app.webhooks()[1].data
    assert app.webhooks()[2].data["Digits"] == "3"
    assert "SAY [id-ID]: Kami tidak menerima masukan." in lines
    assert [h.kind for h in result.heard if h.kind in ("input", "no-input")] == [
        "no-input",
        "input",
    ]


def test_relative_redirect_is_resolved_against_current_url() -> None:
    app = menu_app()
    app.routes["/voice/incoming"] = lambda d, q: twiml(VoiceResponse().redirect("menu/main"))
    app.routes["/voice/menu/main"] = lambda d, q: twiml(VoiceResponse().redirect("step?seq=3"))
    result, _ = place(app)
    assert [r.url for r in app.webhooks()] == [
        f"{BASE}/voice/incoming",
        f"{BASE}/voice/menu/main",
        f"{BASE}/voice/menu/step?seq=3",
    ]
    assert all("Digits" not in r.data for r in app.webhooks())
    assert result.outcome == "hangup"


def test_speech_only_gather_ignores_keys() -> None:
    app = menu_app(input="speech")
    result, _ = place(app, "1")
    assert [r.path for r in app.webhooks()] == ["/voice/incoming"]
    assert result.outcome == "hangup"


def test_action_on_empty_result_posts_without_digits() -> None:
    app = menu_app(action_on_empty_result=True)
    place(app, "_")
    assert [r.path for r in app.webhooks()] == ["/voice/incoming", "/voice/step"]
    assert "Digits" not in app.webhooks()[1].data


def test_play_pause_and_timeouts_count_towards_duration() -> None:
    response = VoiceResponse()
    response.play("https://cdn.test/welcome.wav")
    response.pause(length=2)
    response.append(Gather(timeout=7))
    app = FakeIvrApp({"/voice/incoming": lambda d, q: str(response)})
    result, lines = place(app, "_")
    assert lines[:3] == ["PLAY: https://cdn.test/welcome.wav", "PAUSE: 2s", "KEYS: (no input)"]
    assert (result.heard[0].kind, result.heard[0].text) == ("play", "https://cdn.test/welcome.wav")
    assert result.duration == 9  # 2 s pause + 7 s Gather timeout


def test_lone_finish_key_counts_as_no_input() -> None:
    app = menu_app()
    result, _ = place(app, "#")
    assert [r.path for r in app.webhooks()] == ["/voice/incoming"]
    assert result.outcome == "hangup"  # fell off the end of the document


# --- spoken turns ----------------------------------------------------------------------------

# What the voice adapter renders where speech is on: canned here, so these tests do not depend on it.
SPEECH_MENU = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/step?seq=2" input="dtmf speech" language="id-ID" hints="tagihan, cek tagihan" '
    'speechTimeout="auto" numDigits="1" timeout="6">'
    '<Say language="id-ID">Tagihan, tekan 1. Atau sebutkan keperluan Anda.</Say>'
    "</Gather><Redirect>/voice/incoming?retry=1</Redirect></Response>"
)


def speech_app() -> FakeIvrApp:
    app = menu_app()
    app.routes["/voice/incoming"] = lambda d, q: SPEECH_MENU
    return app


def test_spoken_turn_is_sent_as_speech_result_and_confidence() -> None:
    app = speech_app()
    result, lines = place(app, "'say:cek tagihan@0.35'", think_seconds=4.0)
    step = app.webhooks()[1]
    assert step.url == f"{BASE}/voice/step?seq=2"
    assert (step.data["SpeechResult"], step.data["Confidence"]) == ("cek tagihan", "0.35")
    assert "Digits" not in step.data and "FinishedOnKey" not in step.data
    assert RequestValidator(TOKEN).validate(step.url, step.data, step.headers["X-Twilio-Signature"])
    said = [h for h in result.heard if h.kind == "speech"]
    assert [(h.text, h.language, h.confidence) for h in said] == [("cek tagihan", "id-ID", 0.35)]
    assert "SAID: cek tagihan (confidence 0.35)" in lines
    assert result.duration == 4  # thinking and saying it, not the Gather's timeout
    assert result.outcome == "hangup"


def test_spoken_turn_default_confidence_and_keys_still_work_at_a_speech_prompt() -> None:
    app = speech_app()
    app.routes["/voice/step"] = lambda d, q: SPEECH_MENU  # the menu again after every answer
    place(app, "say:tagihan 1")
    first, second = app.webhooks()[1:]
    assert (first.data["SpeechResult"], first.data["Confidence"]) == ("tagihan", f"{DEFAULT_CONFIDENCE:g}")
    assert second.data["Digits"] == "1"
    assert "SpeechResult" not in second.data and "Confidence" not in second.data


def test_speech_at_a_keys_only_prompt_is_not_heard() -> None:
    first = VoiceResponse()
    first.append(gather(action="/voice/step", input="dtmf", timeout=6))
    first.redirect("/voice/incoming?retry=1")
    app = menu_app()
    app.routes["/voice/incoming"] = lambda d, q: twiml(gather(action="/voice/step")) if q.get("retry") else str(first)
    result, lines = place(app, "say:cek_tagihan 1")
    assert [r.url for r in app.webhooks()] == [
        f"{BASE}/voice/incoming",
        f"{BASE}/voice/incoming?retry=1",  # fell through, as on silence
        f"{BASE}/voice/step",
    ]
    assert all("SpeechResult" not in r.data for r in app.received)
    assert "SAID (not heard: this prompt takes keys only): cek tagihan" in lines
    assert [(h.kind, h.text) for h in result.heard if h.kind in ("speech", "input", "no-input")] == [
        ("speech", "cek tagihan"),
        ("input", "1"),
    ]


def test_speech_at_a_keys_only_prompt_with_action_on_empty_result_posts_nothing_said() -> None:
    app = menu_app(action_on_empty_result=True)  # no input attribute: keys only, as Twilio defaults
    place(app, "say:tagihan")
    step = app.webhooks()[1]
    assert step.path == "/voice/step"
    assert not {"SpeechResult", "Confidence", "Digits"} & step.data.keys()


def test_hand_written_script_may_hold_spoken_turns() -> None:
    app = speech_app()
    app.routes["/voice/step"] = lambda d, q: SPEECH_MENU
    sim = CallSimulator(BASE, TOKEN, transport=app, output=lambda _: None)
    sim.call("+62215551234", "+62215550123", script=["say:cek tagihan", Speech("bill", 0.5)])
    assert [(r.data["SpeechResult"], r.data["Confidence"]) for r in app.webhooks()[1:]] == [
        ("cek tagihan", f"{DEFAULT_CONFIDENCE:g}"),
        ("bill", "0.5"),
    ]


# --- ending the call ------------------------------------------------------------------------


def test_hangup_ends_the_call_and_later_verbs_are_not_heard() -> None:
    response = VoiceResponse()
    response.say("Selamat datang.", language="id-ID")
    response.hangup()
    response.say("never heard")
    app = FakeIvrApp({"/voice/incoming": lambda d, q: str(response)})
    result, lines = place(app, "1")
    assert result.outcome == "hangup"
    assert [(h.kind, h.text, h.language) for h in result.heard[:1]] == [("say", "Selamat datang.", "id-ID")]
    assert all("never heard" not in h.text for h in result.heard)
    assert lines[-1] == "HANGUP"
    assert result.requests == 1


def test_status_callback_sent_once_with_completed_and_duration() -> None:
    app = menu_app(action="/voice/incoming")  # every answer leads back to the same menu
    result, _ = place(app, "1 2 3", think_seconds=4.0)
    callbacks = app.status_callbacks()
    assert len(callbacks) == 1
    data = callbacks[0].data
    assert data["CallStatus"] == "completed"
    assert data["CallDuration"] == "12" == str(result.duration)
    assert data["CallSid"] == result.call_sid
    assert RequestValidator(TOKEN).validate(callbacks[0].url, data, callbacks[0].headers["X-Twilio-Signature"])
    assert result.status_callback_code == 204
    assert result.requests == len(app.webhooks()) == 4
    assert result.outcome == "caller-hangup"  # the script ran out at the fourth menu


def test_caller_hangup_bang_ends_early() -> None:
    app = menu_app()
    result, lines = place(app, "! 1")
    assert result.outcome == "caller-hangup"
    assert [r.path for r in app.received] == ["/voice/incoming", "/voice/status"]
    assert app.status_callbacks()[0].data["CallStatus"] == "completed"
    assert app.status_callbacks()[0].data["CallDuration"] == "1"  # at least one second
    assert "HANGUP (caller)" in lines


def test_dial_transfers_without_following_its_action() -> None:
    response = VoiceResponse()
    dial = Dial(action="/voice/after-dial")
    dial.number("+62215550999")
    response.append(dial)
    app = FakeIvrApp({"/voice/incoming": lambda d, q: str(response)})
    result, lines = place(app)
    assert result.outcome == "transferred"
    assert (result.heard[-1].kind, result.heard[-1].text) == ("transfer", "+62215550999")
    assert "TRANSFER: +62215550999" in lines
    assert [r.path for r in app.received] == ["/voice/incoming", "/voice/status"]


def test_enqueue_ends_as_queued() -> None:
    response = VoiceResponse()
    response.enqueue("pelanggan")
    app = FakeIvrApp({"/voice/incoming": lambda d, q: str(response)})
    result, lines = place(app)
    assert result.outcome == "queued"
    assert (result.heard[-1].kind, result.heard[-1].text) == ("queue", "pelanggan")
    assert lines[-1] == "QUEUE: pelanggan"
    assert len(app.status_callbacks()) == 1


def test_end_of_document_hangs_up() -> None:
    app = FakeIvrApp({"/voice/incoming": lambda d, q: twiml()})
    result, _ = place(app)
    assert result.outcome == "hangup"
    assert len(app.status_callbacks()) == 1


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ((500, twiml(VoiceResponse().hangup())), 500),  # valid TwiML does not save a 500
        ((200, "<Response><Say>oops"), 200),
        ((200, "<Html><Say>oops</Say></Html>"), 200),
    ],
)
def test_server_error_or_bad_xml_is_application_error(response: tuple[int, str], status: int) -> None:
    app = FakeIvrApp({"/voice/incoming": lambda d, q: response})
    result, lines = place(app, "1")
    assert result.outcome == "application-error"
    assert (result.error_status, result.error_body) == (status, response[1])
    assert result.heard[-1].kind == "error"
    assert lines[0].startswith(f"ERROR: {status}")
    assert len(app.status_callbacks()) == 1


def test_unknown_verb_is_application_error() -> None:
    app = FakeIvrApp({"/voice/incoming": lambda d, q: "<Response><Shout>hi</Shout></Response>"})
    result, _ = place(app)
    assert result.outcome == "application-error"


def test_loop_limit() -> None:
    loop = VoiceResponse()
    loop.redirect("/voice/incoming")
    app = FakeIvrApp({"/voice/incoming": lambda d, q: str(loop)})
    result, _ = place(app, max_requests=5)
    assert result.outcome == "loop-limit"
    assert result.requests == 5
    assert len(app.webhooks()) == 5
    assert len(app.status_callbacks()) == 1


# --- interactive mode and the click command --------------------------------------------------


def test_interactive_answers_then_eof_hangs_up() -> None:
    answers = iter(["1-2", "5", ""])
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    app = menu_app(action="/voice/incoming")
    sim = CallSimulator(BASE, TOKEN, transport=app, output=lambda _: None)
    result = sim.call("+62215551234", "+62215550123", ask=ask)
    assert [r.data.get("Digits") for r in app.webhooks()] == [None, "5"]
    assert [h.kind for h in result.heard if h.kind in ("input", "no-input")] == [
        "input",
        "no-input",
    ]
    assert result.outcome == "hangup"  # the empty line timed out and the document ended
    assert prompts == ["keys> "] * 3  # "1-2" was rejected and asked again


def test_interactive_eof_is_caller_hangup() -> None:
    answers = iter(["5"])

    def ask(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    app = menu_app(action="/voice/incoming")
    sim = CallSimulator(BASE, TOKEN, transport=app, output=lambda _: None)
    result = sim.call("+62215551234", "+62215550123", ask=ask)
    assert result.outcome == "caller-hangup"
    assert [r.data.get("Digits") for r in app.webhooks()] == [None, "5"]


def test_interactive_words_are_spoken() -> None:
    answers = iter(["cek tagihan", "say:bayar_listrik@0.4", "say:@2"])

    def ask(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    app = speech_app()
    app.routes["/voice/step"] = lambda d, q: SPEECH_MENU
    lines: list[str] = []
    sim = CallSimulator(BASE, TOKEN, transport=app, output=lines.append)
    result = sim.call("+62215551234", "+62215550123", ask=ask)
    assert [(r.data["SpeechResult"], r.data["Confidence"]) for r in app.webhooks()[1:]] == [
        ("cek tagihan", f"{DEFAULT_CONFIDENCE:g}"),
        ("bayar listrik", "0.4"),
    ]
    assert any(line.startswith("INVALID: ") and "'say:@2'" in line for line in lines)
    assert result.outcome == "caller-hangup"


@pytest.mark.parametrize(
    ("body", "exit_code"),
    [(twiml(VoiceResponse().hangup()), 0), ((500, "boom"), 1)],
)
def test_cli_exit_code(body: object, exit_code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    app = FakeIvrApp({"/voice/incoming": lambda d, q: body})
    monkeypatch.setattr(simulator, "RequestsTransport", lambda: app)
    result = CliRunner().invoke(simulator.simulate_command, ["--url", BASE, "--digits", "1"])
    assert result.exit_code == exit_code, result.output
    assert app.received[0].url == f"{BASE}/voice/incoming"


def test_cli_rejects_bad_digits() -> None:
    result = CliRunner().invoke(simulator.simulate_command, ["--digits", "1 x"])
    assert result.exit_code == 2
    assert "'x'" in result.output


def test_cli_sends_a_quoted_spoken_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    app = speech_app()
    monkeypatch.setattr(simulator, "RequestsTransport", lambda: app)
    result = CliRunner().invoke(simulator.simulate_command, ["--url", BASE, "--digits", "'say:cek tagihan'"])
    assert result.exit_code == 0, result.output
    assert app.webhooks()[1].data["SpeechResult"] == "cek tagihan"
    assert "SAID: cek tagihan" in result.output


def test_cli_rejects_a_bad_spoken_turn() -> None:
    result = CliRunner().invoke(simulator.simulate_command, ["--digits", "1 say:tagihan@2"])
    assert result.exit_code == 2
    assert "'say:tagihan@2'" in result.output


def test_requests_transport_over_real_http() -> None:
    """One round trip through a socket: form encoding, headers, and UTF-8 without a charset."""
    seen: list[tuple[str, dict[str, list[str]], str | None]] = []
    body = twiml(VoiceResponse().say("Tagihan Anda — lunas ✓", language="id-ID")).encode()

    class TwimlHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append((self.path, parse_qs(form), self.headers.get("X-Twilio-Signature")))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")  # deliberately no charset
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), TwimlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        sim = CallSimulator(base, TOKEN, output=lambda _: None)
        result = sim.call("+62215551234", "+62215550123", script=[])
    finally:
        server.shutdown()
        server.server_close()
    assert result.heard[0].text == "Tagihan Anda — lunas ✓"
    assert [path for path, _, _ in seen] == ["/voice/incoming", "/voice/status"]
    path, form, signature = seen[0]
    params = {k: v[0] for k, v in form.items()}
    assert params["CallStatus"] == "ringing"
    assert signature is not None
    assert RequestValidator(TOKEN).validate(f"{base}{path}", params, signature)
