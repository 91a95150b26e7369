"""The language the console speaks to its viewer: Bahasa Indonesia, unless they chose English.

The choice is kept in the signed session cookie (it is no secret): made on the login page, it
carries into the session logging in starts, and it lasts until they log out.
Every page reads it through `viewer_language()`; templates through the global of the same name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import has_request_context, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from ivr.console.blueprint import blueprint

CONSOLE_LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
SESSION_KEY = "console_language"
SWITCH_LABELS = {"id": "Bahasa Indonesia", "en": "English"}  # each written in its own language


def viewer_language() -> str:
    """'id' or 'en': what the viewer chose, else Indonesian (also outside a request: a CLI, a direct call)."""
    chosen = session.get(SESSION_KEY) if has_request_context() else None
    return chosen if chosen in CONSOLE_LANGUAGES else DEFAULT_LANGUAGE


def keep_language(language: str) -> None:
    """Carry the viewer's choice into a new session (logging in starts one)."""
    if language != DEFAULT_LANGUAGE:
        session[SESSION_KEY] = language


@blueprint.post("/language")
def choose_language() -> ResponseReturnValue:
    """Switch the console's language, then back to the page the viewer was on (only a page of this site)."""
    wanted = request.form.get("language", "")
    if wanted in CONSOLE_LANGUAGES:
        session[SESSION_KEY] = wanted
    back = request.form.get("next", "")
    parts = urlsplit(back)
    same_site = back.startswith("/") and not back.startswith("//") and not parts.scheme and not parts.netloc
    return redirect(back if same_site else url_for("console.home"))
