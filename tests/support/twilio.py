"""Act as Twilio against the Flask test client: signed form posts in, parsed TwiML out."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

BASE_URL = "http://localhost"


@dataclass
class Reply:
    """One webhook response, parsed as TwiML."""

    status_code: int
    body: str
    root: ET.Element | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def verbs(self) -> list[str]:
        assert self.root is not None
        return [child.tag for child in self.root]

    def find(self, tag: str) -> ET.Element | None:
        assert self.root is not None
        return self.root.find(tag)

    def says(self) -> list[ET.Element]:
        """Every <Say>, inside a <Gather> or not, in document order."""
        assert self.root is not None
        return list(self.root.iter("Say"))

    def spoken(self) -> str:
        return " ".join((say.text or "") for say in self.says())

    @property
    def gather(self) -> ET.Element | None:
        return self.find("Gather")

    @property
    def dial_number(self) -> str | None:
        dial = self.find("Dial")
        return None if dial is None else (dial.text or "").strip()

    @property
    def queue_name(self) -> str | None:
        enqueue = self.find("Enqueue")
        return None if enqueue is None else (enqueue.text or "").strip()

    @property
    def hangs_up(self) -> bool:
        return self.find("Hangup") is not None


@dataclass
class FakeTwilio:
    """One simulated call: remembers the gather action and no-input redirect of the last reply."""

    client: FlaskClient
    auth_token: str
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    caller: str = "+62215551234"
    dialed: str = "+62218850123"
    action_url: str | None = None
    redirect_url: str | None = None
    gather_input: str | None = None  # what the last <Gather> listens for: "dtmf", or "dtmf speech"
    last: Reply | None = None

    def sign(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post(
        self,
        path: str,
        extra: dict[str, str] | None = None,
        *,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.dialed,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **(extra or {}),
        }
        url = urljoin(BASE_URL + "/", path)
        sent_headers = {"X-Twilio-Signature": signature if signature is not None else self.sign(url, params)}
        sent_headers.update(headers or {})
        response = self.client.post(url, data=params, headers=sent_headers)
        reply = Reply(response.status_code, response.get_data(as_text=True), headers=dict(response.headers))
        if response.status_code == 200:
            reply.root = ET.fromstring(reply.body)
            assert reply.root.tag == "Response"
            self._remember(reply)
        self.last = reply
        return reply

    def _remember(self, reply: Reply) -> None:
        gather = reply.gather
        redirect = reply.find("Redirect")
        self.action_url = gather.get("action") if gather is not None else None
        self.gather_input = gather.get("input", "dtmf") if gather is not None else None
        self.redirect_url = redirect.text if redirect is not None else None

    def start(self) -> Reply:
        return self.post("/voice/incoming", {"CallStatus": "ringing"})

    def press(self, digits: str) -> Reply:
        assert self.action_url, "the last reply had no <Gather> to answer"
        return self.post(self.action_url, {"Digits": digits})

    def say(self, transcript: str, confidence: float | str | None = 0.92) -> Reply:
        """Speak at the last <Gather>, as Twilio posts it: SpeechResult and Confidence, no Digits."""
        assert self.action_url, "the last reply had no <Gather> to answer"
        assert "speech" in (self.gather_input or "").split(), "the last <Gather> takes keys only"
        form = {"SpeechResult": transcript}
        if confidence is not None:
            form["Confidence"] = str(confidence)
        return self.post(self.action_url, form)

    def silence(self) -> Reply:
        assert self.redirect_url, "the last reply had no <Redirect> to fall through to"
        return self.post(self.redirect_url)

    def hang_up(self, status: str = "completed", duration: int = 42) -> Reply:
        return self.post("/voice/status", {"CallStatus": status, "CallDuration": str(duration)})
