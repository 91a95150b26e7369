"""Reading Twilio's webhook form: what the caller gave, and the numbers Twilio may leave out."""

from __future__ import annotations

from collections.abc import Mapping

from db.models import whole_number
from ivr.engine.model import Keys, NoInput, Recording, UserInput

MAX_URL = 500  # a recording URL longer than this is not Twilio's


def user_input(form: Mapping[str, str], no_input: bool) -> UserInput:
    """What the caller gave this webhook: silence, a recording, or keys."""
    if no_input:
        return NoInput()
    if form.get("RecordingUrl"):
        return Recording(url=form["RecordingUrl"][:MAX_URL], seconds=int_or_zero(form.get("RecordingDuration")))
    return Keys(form.get("Digits", ""))


def to_int(value: str | None) -> int | None:
    """A count or duration from the form; None when it is missing, not a number, or more than a column holds."""
    return whole_number((value or "").strip(), minimum=0)


def int_or_zero(value: str | None) -> int:
    """A count or a duration from the form; 0 when it is missing or not a number."""
    return to_int(value) or 0
