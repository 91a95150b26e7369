"""An agent's note as a caller hears or reads it: plain words, no markup, a sensible length.

Agents write notes in the console, sometimes pasted from e-mail or chat: HTML tags, entities,
Markdown emphasis, links, even SSML-looking tags. A voice must not read "<b>" or "asterisk
asterisk" aloud, nor spell out a URL, and an SMS must not show them, so the note is reduced to
its words once, where the ticket-status service reads it, for every channel.
"""

from __future__ import annotations

import html
import re

SPOKEN_NOTE_MAX_CHARS = 300  # about twenty seconds of speech; a longer note ends at a word boundary

_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")  # <b>, </p>, <br/>, <break time="1s"/>, <!-- -->
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](url): the text
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HEADING_OR_BULLET = re.compile(r"^\s{0,3}(?:#{1,6}|[-*+>]|\d+[.)])\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"[*_~`]+")
_SPACE = re.compile(r"\s+")
_MORE = "..."
_UNESCAPE_ROUNDS = 3  # "&amp;lt;b&amp;gt;" was escaped twice; more is not a note but an attack


def plain_note(note: str | None, limit: int = SPOKEN_NOTE_MAX_CHARS) -> str | None:
    """The note's words alone, whitespace collapsed, at most `limit` characters; None when nothing is left."""
    text = note or ""
    for _ in range(_UNESCAPE_ROUNDS):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _TAG.sub(" ", text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _HEADING_OR_BULLET.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    return _bounded(text, limit) or None


def _bounded(text: str, limit: int) -> str:
    """At most `limit` characters, cut after the last whole word that fits (never mid-word)."""
    if len(text) <= limit:
        return text
    room = limit - len(_MORE)
    head = text[: room + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:room]
    return cut.rstrip(" ,;:-") + _MORE
