"""Terminal call simulator that plays Twilio's part of an inbound call.

Lets a developer walk through the IVR without a phone, a Twilio account or a public URL. It only
speaks HTTP: form-encoded webhooks signed like Twilio's, and the TwiML that comes back is walked
the way Twilio Voice walks it, so the server runs the same code paths as on a real call.
Words said (`say:cek tagihan`) are posted as Twilio posts speech, SpeechResult and Confidence,
and only where the <Gather>'s input takes speech; elsewhere the caller is not heard.
"""

from __future__ import annotations

import math
import re
import secrets
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urljoin

import click
import requests

from ivr.cli.webhooks import TOKEN_HELP, RequestsTransport, SignedPoster, Transport

HANGUP = "!"
_NO_INPUT = {"_", "-"}
_KEYS = re.compile(r"[0-9*#]+")
SAY = "say:"  # a spoken turn: say:cek tagihan, say:cek_tagihan, say:cek tagihan@0.35
DEFAULT_CONFIDENCE = 0.92  # a clear caller; a low one (say:...@0.3) is how a recogniser signals a guess
_SPOKEN = ("Say", "Play", "Pause")
_DIAL_TARGETS = ("Number", "Client", "Sip", "Queue", "Conference")
# Real TwiML voice verbs the simulator cannot act out; they are skipped with a note.
_NOT_SIMULATED = {"Record", "Leave", "Connect", "Refer", "Pay", "Start", "Stop", "Echo", "Sms"}


@dataclass(frozen=True)
class Speech:
    """A spoken answer, sent as Twilio sends speech: SpeechResult and Confidence, no Digits."""

    text: str
    confidence: float = DEFAULT_CONFIDENCE


Answer = str | Speech | None  # keys (or ! to hang up), words said, or None for silence


def parse_script(text: str) -> list[Answer]:
    """Turn e.g. `2 "say:cek tagihan" 123456789012# _ !` into Gather answers, so a call can be replayed unattended.

    Split as a shell splits (quotes keep a spoken phrase together); in say:cek_tagihan underscores are spaces.
    """
    try:
        tokens = shlex.split(text)
    except ValueError as exc:  # "No closing quotation": an apostrophe ("that's") needs the phrase in quotes
        raise ValueError(f'cannot split the script ({exc}): quote a phrase with an apostrophe in "..."') from exc
    return [_parse_token(token) for token in tokens]


def _parse_token(token: str) -> Answer:
    if token in _NO_INPUT:
        return None
    if token == HANGUP or _KEYS.fullmatch(token):
        return token
    if token.startswith(SAY):
        return _parse_speech(token)
    raise ValueError(
        f"invalid token {token!r}: use keys 0-9 * #, _ or - for no input, ! to hang up, say:words to speak"
    )


def _parse_speech(token: str) -> Speech:
    """say:cek_tagihan@0.35 -> Speech("cek tagihan", 0.35); the confidence is optional."""
    said, at, suffix = token.removeprefix(SAY).rpartition("@")
    if not at:
        said, suffix = suffix, str(DEFAULT_CONFIDENCE)
    try:
        confidence = float(suffix)
    except ValueError:
        confidence = math.nan  # refused just below, with the same message
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"invalid confidence in {token!r}: write it from 0 to 1, e.g. say:cek_tagihan@0.35")
    text = " ".join(said.replace("_", " ").split())
    if not text:
        raise ValueError(f"nothing said in {token!r}: write the words after say:, e.g. say:cek_tagihan")
    return Speech(text, confidence)


def _parse_typed(line: str) -> Answer:
    """A line typed at the prompt: keys as in a script, or words (with or without say:) to speak them."""
    if line.startswith(SAY):
        return _parse_speech(line)
    if any(char.isalpha() for char in line):
        return _parse_speech(SAY + line)
    return _parse_token(line)


@dataclass
class Heard:
    """One thing the caller heard or did, in order, so tests can assert on the conversation."""

    # "say" | "play" | "input" | "speech" | "no-input" | "transfer" | "queue" | "hangup" | "error"
    kind: str
    text: str
    language: str | None = None
    confidence: float | None = None  # of a "speech" turn, as sent


@dataclass
class SimulatedCall:
    """How one simulated call went; error_* hold the response that broke the call, if any."""

    call_sid: str
    # "hangup" | "transferred" | "queued" | "caller-hangup" | "application-error" | "loop-limit"
    outcome: str
    heard: list[Heard]
    requests: int  # webhook requests sent, excluding the status callback
    status_callback_code: int | None
    duration: int = 0  # the CallDuration reported in the status callback
    error_status: int | None = None
    error_body: str | None = None


class _CallEnded(Exception):
    """Raised with the call's outcome to unwind the walk from wherever the call ends."""


class CallSimulator:
    """Acts as Twilio Voice for inbound calls to the server at base_url."""

    def __init__(
        self,
        base_url: str,
        auth_token: str | None,
        transport: Transport | None = None,
        output: Callable[[str], None] | None = None,
        think_seconds: float = 3.0,
        max_requests: int = 200,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.poster = SignedPoster(auth_token, transport or RequestsTransport())
        self.output = output or print
        self.think_seconds = think_seconds  # simulated only; the simulator never sleeps
        self.max_requests = max_requests  # a server that redirects forever must not hang us
        self.account_sid = "AC" + secrets.token_hex(16)

    def call(
        self,
        caller: str,
        dialed: str,
        script: list[Answer] | None = None,
        ask: Callable[[str], str] | None = None,
        call_sid: str | None = None,
    ) -> SimulatedCall:
        """Place one inbound call, walk it to its end, then send the status callback.

        With a script, each entry answers one <Gather> and the caller hangs up when it runs out;
        without one, answers are read from ask (default input()).
        """
        if script is not None:
            script = [
                answer if answer is None or isinstance(answer, Speech) else _parse_token(answer) for answer in script
            ]
        sid = call_sid or "CA" + secrets.token_hex(16)
        fields = {"CallSid": sid, "AccountSid": self.account_sid, "From": caller, "To": dialed}
        fields |= {"Caller": caller, "Called": dialed, "Direction": "inbound"}
        fields["ApiVersion"] = "2010-04-01"
        return _Call(self, fields, None if script is None else iter(script), ask or input).run()


@dataclass
class _Call:
    """State of one call in progress, kept apart so one CallSimulator can place many calls."""

    sim: CallSimulator
    fields: dict[str, str]  # sent with every request, as Twilio does
    answers: Iterator[Answer] | None  # None: interactive, read from ask
    ask: Callable[[str], str]
    heard: list[Heard] = field(default_factory=list)
    requests: int = 0
    elapsed: float = 0.0  # simulated seconds, reported as CallDuration
    last: tuple[int, str] = (0, "")  # latest webhook response
    error: tuple[int | None, str | None] = (None, None)

    def run(self) -> SimulatedCall:
        url = self.sim.base_url + "/voice/incoming"
        extra: dict[str, str] = {}
        try:
            while True:
                url, extra = self._walk(self._fetch(url, extra), url)
        except _CallEnded as ended:
            outcome = ended.args[0]
        duration = max(1, math.ceil(self.elapsed))
        status = {**self.fields, "CallStatus": "completed", "CallDuration": str(duration)}
        code, _ = self._send(self.sim.base_url + "/voice/status", status)
        return SimulatedCall(self.fields["CallSid"], outcome, self.heard, self.requests, code, duration, *self.error)

    def _send(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        return self.sim.poster.post(url, params)

    def _fetch(self, url: str, extra: dict[str, str]) -> ET.Element:
        if self.requests >= self.sim.max_requests:
            text = f"loop limit: {self.requests} requests without the call ending"
            self._note("error", text, f"ERROR: {text}")
            raise _CallEnded("loop-limit")
        status = "ringing" if self.requests == 0 else "in-progress"
        self.last = self._send(url, {**self.fields, "CallStatus": status, **extra})
        self.requests += 1
        if self.last[0] != 200:
            self._fail(f"from {url}")
        try:
            root = ET.fromstring(self.last[1])
        except ET.ParseError as exc:
            self._fail(f"response from {url} is not XML ({exc})")
        if root.tag != "Response":
            self._fail(f"root element is <{root.tag}>, not <Response>")
        return root

    def _fail(self, reason: str) -> NoReturn:
        """What a caller hears as "an application error has occurred"."""
        code, body = self.last
        self.error = (code, body)
        self._note("error", f"{code} {reason}", f"ERROR: {code} {reason}\n{body[:500]}")
        raise _CallEnded("application-error")

    def _note(
        self, kind: str, text: str, line: str, language: str | None = None, confidence: float | None = None
    ) -> None:
        self.heard.append(Heard(kind, text, language, confidence))
        self.sim.output(line)

    def _end(self, kind: str, text: str, line: str, outcome: str) -> NoReturn:
        self._note(kind, text, line)
        raise _CallEnded(outcome)

    def _walk(self, doc: ET.Element, url: str) -> tuple[str, dict[str, str]]:
        """Run one TwiML document; return the next request, or raise _CallEnded."""
        for verb in doc:
            tag = verb.tag
            if tag in _SPOKEN:
                self._speak(verb)
            elif tag == "Gather":
                following = self._gather(verb, url)
                if following is not None:
                    return following
            elif tag == "Redirect":  # method="GET" is still POSTed: the Transport only POSTs
                return urljoin(url, _text(verb)), {}
            elif tag == "Dial":  # no agent to talk to; Dial's action is deliberately not followed
                target = _dial_target(verb)
                self._end("transfer", target, f"TRANSFER: {target}", "transferred")
            elif tag == "Enqueue":
                self._end("queue", _text(verb), f"QUEUE: {_text(verb)}", "queued")
            elif tag in ("Hangup", "Reject"):
                self._end("hangup", f"<{tag}>", "HANGUP", "hangup")
            elif tag in _NOT_SIMULATED:
                self.sim.output(f"SKIP: <{tag}> is not simulated")
            else:
                self._fail(f"unknown TwiML verb <{tag}>")
        self._end("hangup", "end of TwiML", "HANGUP (end of TwiML)", "hangup")

    def _speak(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            text, lang = _text(verb), verb.get("language")
            self._note("say", text, f"SAY [{lang}]: {text}" if lang else f"SAY: {text}", lang)
        elif verb.tag == "Play":
            self._note("play", _text(verb), f"PLAY: {_text(verb)}")
        else:
            length = _int(verb.get("length"), 1)
            self.elapsed += length
            self.sim.output(f"PAUSE: {length}s")

    def _gather(self, verb: ET.Element, url: str) -> tuple[str, dict[str, str]] | None:
        """Answer one <Gather>; None means it timed out and the document continues."""
        for child in verb:
            if child.tag in _SPOKEN:
                self._speak(child)
        answer = self._answer()
        inputs = verb.get("input", "dtmf").split()
        params: dict[str, str]  # what the action is posted with; none: the Gather timed out
        if answer is None:
            self._note("no-input", "", "KEYS: (no input)")
            self.elapsed += _int(verb.get("timeout"), 5)
            params = {}
        elif isinstance(answer, Speech):
            params = self._spoken(answer, "speech" in inputs, verb)
        else:
            self._note("input", answer, f"KEYS: {answer}")
            self.elapsed += self.sim.think_seconds
            params = self._pressed(answer, verb) if "dtmf" in inputs else {}
            if not params:
                self.sim.output("  (no digits collected: the Gather times out)")
        action = urljoin(url, verb.get("action", ""))
        if params:
            return action, params
        # Twilio treats a lone finishOnKey like silence: no request unless actionOnEmptyResult.
        return (action, {}) if verb.get("actionOnEmptyResult") == "true" else None

    def _pressed(self, keys: str, verb: ET.Element) -> dict[str, str]:
        digits, finished = _collect(keys, _int(verb.get("numDigits"), 0), verb.get("finishOnKey", "#"))
        if not digits:
            return {}
        return {"Digits": digits, **({"FinishedOnKey": finished} if finished else {})}

    def _spoken(self, speech: Speech, heard: bool, verb: ET.Element) -> dict[str, str]:
        """What Twilio posts for words said: the transcript and its confidence, or nothing at a keys-only prompt."""
        if not heard:
            line = f"SAID (not heard: this prompt takes keys only): {speech.text}"
            self._note("speech", speech.text, line, confidence=speech.confidence)
            self.elapsed += _int(verb.get("timeout"), 5)
            return {}
        line = f"SAID: {speech.text} (confidence {speech.confidence:g})"
        self._note("speech", speech.text, line, verb.get("language"), speech.confidence)
        self.elapsed += self.sim.think_seconds
        return {"SpeechResult": speech.text, "Confidence": f"{speech.confidence:g}"}

    def _answer(self) -> Answer:
        if self.answers is not None:
            answer = next(self.answers, HANGUP)  # script exhausted: the caller hangs up
        else:
            answer = self._ask()
        if answer == HANGUP:
            self._end("hangup", "caller", "HANGUP (caller)", "caller-hangup")
        return answer

    def _ask(self) -> Answer:
        while True:
            try:
                line = self.ask("keys> ").strip()
            except EOFError:
                return HANGUP
            if not line:
                return None
            try:
                return _parse_typed(line)
            except ValueError as exc:
                self.sim.output(f"INVALID: {exc}")


def _collect(keys: str, num_digits: int, finish_on_key: str) -> tuple[str, str | None]:
    """Digits as Twilio submits them: stop at finishOnKey (not included) or after numDigits."""
    digits = ""
    for key in keys:
        if finish_on_key and key == finish_on_key:
            return digits, key
        digits += key
        if num_digits and len(digits) >= num_digits:
            break
    return digits, None


def _text(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def _dial_target(dial: ET.Element) -> str:
    """<Dial>+62...</Dial> or the text of its <Number>/<Client>/<Sip>/<Queue> nouns."""
    nouns = [_text(child) for child in dial if child.tag in _DIAL_TARGETS]
    return ", ".join(filter(None, nouns)) or _text(dial)


_DIGITS_HELP = (
    "Scripted answers, e.g. \"2 'say:cek tagihan' 123456789012# 1\": keys, _ = no input, ! = hang up, "
    "say:words = speak them (say:cek_tagihan, say:tagihan@0.35 with a confidence; a prompt that takes "
    "keys only does not hear them)"
)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@click.command("simulate")
@click.option("--url", default="http://127.0.0.1:5000", help="Base URL of the running IVR server.")
@click.option("--from", "caller", default="+62215551234", help="Caller number (From).")
@click.option(
    "--to", "dialed", default="+62218850123", help="Dialed number (To); the default is UP3 Bekasi in the demo data."
)
@click.option("--digits", default=None, help=_DIGITS_HELP)
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", default=None, help=TOKEN_HELP)
def simulate_command(url: str, caller: str, dialed: str, digits: str | None, auth_token: str | None):
    """Place a simulated inbound call against a running IVR server, acting as Twilio."""
    try:
        script = parse_script(digits) if digits is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digits") from exc
    simulator = CallSimulator(url, auth_token, output=click.echo)
    try:
        result = simulator.call(caller, dialed, script=script)
    except requests.RequestException as exc:
        raise click.ClickException(f"could not reach the IVR server at {url}: {exc}") from exc
    click.echo(
        f"Call {result.call_sid} ended: {result.outcome} after {result.requests} request(s), "
        f"{result.duration}s; status callback -> {result.status_callback_code}"
    )
    if result.error_status == 403 and not auth_token:
        click.echo("Hint: the server may validate signatures; set TWILIO_AUTH_TOKEN.")
    if result.outcome in ("application-error", "loop-limit"):
        raise click.ClickException(f"call ended with {result.outcome}")
