"""Reading Twilio's webhook form: what the caller gave, and the numbers Twilio may leave out."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from db.models import whole_number
from ivr.engine.model import Keys, NoInput, Recording, Speech, UserInput

MAX_URL = 500  # a recording URL longer than this is not Twilio's
MAX_TRANSCRIPT = 500  # a longer SpeechResult is a story, not an answer; kept only this long
_CONTROL = re.compile("[\x00-\x1f\x7f]+")  # NUL and friends: no JSON column or log line should hold them


def user_input(form: Mapping[str, str], no_input: bool) -> UserInput:
    """What the caller gave this webhook: silence, a recording, or keys."""
    if no_input:
        return NoInput()
    if form.get("RecordingUrl"):
        return Recording(url=form["RecordingUrl"][:MAX_URL], seconds=int_or_zero(form.get("RecordingDuration")))
    if "SpeechResult" in form and not form.get("Digits"):
        transcript = _CONTROL.sub(" ", form["SpeechResult"][:MAX_TRANSCRIPT])
        return Speech(transcript, confidence(form.get("Confidence")))
    return Keys(form.get("Digits", ""))


def confidence(value: str | None) -> float | None:
    """Twilio's Confidence (0..1): None when it sent none; 0 when it is not a number (never trusted)."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value[:32])
    except ValueError:
        return 0.0
    return min(max(number, 0.0), 1.0) if math.isfinite(number) else 0.0


def to_int(value: str | None) -> int | None:
    """A count or duration from the form; None when it is missing, not a number, or more than a column holds."""
    return whole_number((value or "").strip(), minimum=0)


def int_or_zero(value: str | None) -> int:
    """A count or a duration from the form; 0 when it is missing or not a number."""
    return to_int(value) or 0
