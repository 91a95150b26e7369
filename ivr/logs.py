"""Logging set-up: one JSON object a line (or plain text in development), customers masked everywhere.

What identifies a customer never reaches a log line whole: phone numbers (E.164, national, dashed
or spaced), IDPELs (12 digits), meter numbers (11), tokens (20, maybe grouped) keep their last four
digits. Twilio's ids (CallSid `CA` + 32 hex, MessageSid `SM`/`MM` + 32 hex, and the like) and dates
stay whole, so a call can be followed through the logs. Masking happens when a record is created:
the message is formatted with its arguments, and the traceback rendered, then masked, so every
handler in the process (gunicorn's, the test runner's) gets the masked text, exception messages
(a database error quoting its parameters) included.

A request's context (its id, the CallSid or MessageSid, the path, the flow node once known) is
kept in a context variable and added to every line logged while the request runs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

JSON, TEXT = "json", "text"
FORMATS = (JSON, TEXT)

# Kept whole: Twilio ids (two capitals + 32 hex) and dates (2024-05-01, 01-05-2024, with a time).
PROTECTED = re.compile(
    r"\b[A-Z]{2}[0-9a-fA-F]{32}\b"
    r"|(?<![\d-])(?:\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?![\d-])"
)
# Digits, maybe grouped: E.164 with spaces or dashes (+62 812-3456-7890), an area code in brackets
# ((021) 555 0100), a national number with spaces (0812 1300 0000, 021 5550100), tokens in groups of
# four (1234 5678 9012 3456 7890), anything joined by dashes (0812-1300-0000). A space joins groups
# only in those shapes, so a count or a status code after a number is not taken for part of it.
NUMBER = re.compile(
    r"(?<!\d)(?:"
    r"\+\d+(?:[- ]\d{2,})*"
    r"|\(\d+\)[- ]?\d+(?:[- ]\d{2,})*"
    r"|\d{4}(?: \d{4}){2,}"
    r"|0\d{1,4}(?: \d{3,8}){1,3}"
    r"|\d+(?:-\d{2,})*"
    r")(?!\d)"
)
MIN_DIGITS = 8  # shorter runs are counts, amounts, steps; a local number without its area code is 7
KEEP = 4
SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_NO_DIGITS = str.maketrans("", "", "0123456789")
MASKED = "_ivr_masked"  # set on a record the factory has masked, so formatters need not mask it again

_installed = False
_context: ContextVar[dict[str, Any] | None] = ContextVar("ivr_log_context", default=None)


# -- masking ----------------------------------------------------------------------------------


def _mask_number(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(char.isdigit() for char in text)
    if digits < MIN_DIGITS:
        return text
    hide, out = digits - KEEP, []
    for char in text:
        if char.isdigit() and hide > 0:
            out.append("*")
            hide -= 1
        else:
            out.append(char)
    return "".join(out)


def mask_digits(text: str) -> str:
    """Keep the last four digits of any number of eight digits or more; Twilio ids and dates stay whole."""
    if len(text) - len(text.translate(_NO_DIGITS)) < MIN_DIGITS:  # the usual line: nothing to mask
        return text
    pieces, start = [], 0
    for protected in PROTECTED.finditer(text):
        pieces.append(NUMBER.sub(_mask_number, text[start : protected.start()]))
        pieces.append(protected.group())
        start = protected.end()
    pieces.append(NUMBER.sub(_mask_number, text[start:]))
    return "".join(pieces)


def install_masking() -> None:
    """Wrap the record factory once per process: each record leaves it masked, traceback included."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: left to the handler to report, but masked
            message = str(record.msg)
        else:
            record.args = ()
        record.msg = mask_digits(message)
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask_digits("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = mask_digits(record.stack_info)
        setattr(record, MASKED, True)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


# -- request context --------------------------------------------------------------------------


def begin_request(request_id: str, path: str) -> None:
    """Start a request's context: its id and its path (masked)."""
    _context.set({"request_id": request_id, "path": mask_digits(path)})


def bind_sid(field: str, value: str) -> None:
    """Name the request's CallSid or MessageSid: whole when it looks like Twilio's, masked otherwise."""
    bind(**{field: value if SID.match(value) else mask_digits(value[:64])})


def bind(**fields: Any) -> None:
    """Add fields (e.g. flow_node) to every line logged from here to the end of the request."""
    context = _context.get()
    if context is None:
        context = {}
        _context.set(context)
    context.update(fields)


def end_request() -> None:
    _context.set(None)


def context() -> dict[str, Any]:
    return dict(_context.get() or {})


# -- formatters -------------------------------------------------------------------------------

# Fields a record may carry as `extra=` (the access line's), in the order they are written.
EXTRA_FIELDS = ("method", "status", "latency_ms", "kind", "outcome")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request's context, any exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _masked(record, record.getMessage()),
        }
        line.update(_context.get() or {})
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:  # a record made before masking was installed
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = _masked(record, record.exc_text)
        if record.stack_info:
            line["stack"] = _masked(record, record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a developer's terminal: the usual line, then the request's id, CallSid and node when known."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = mask_digits(super().format(record))
        context = _context.get() or {}
        known = [str(context[key]) for key in ("request_id", "call_sid", "message_sid", "flow_node") if key in context]
        return f"{text} [{' '.join(known)}]" if known else text


def _masked(record: logging.LogRecord, text: str) -> str:
    return text if getattr(record, MASKED, False) else mask_digits(text)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == JSON else TextFormatter()


def dict_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A logging.config dict sending the root logger and gunicorn's error log through our formatter.

    gunicorn's `logconfig_dict` (gunicorn.conf.py) takes it; gunicorn's access log is off, since the
    app logs one line per request with what only it knows (request id, CallSid, flow node).
    """
    handler = {"class": "logging.StreamHandler", "formatter": "ivr", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"ivr": {"()": "ivr.logs.formatter", "log_format": log_format}},
        "handlers": {"ivr": handler},
        "root": {"level": level, "handlers": ["ivr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": False},
        },
    }


def configure(log_format: str = TEXT, level: int = logging.INFO) -> None:
    """Mask every record; give the root logger our handler unless someone (gunicorn, pytest) set one up."""
    install_masking()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter(log_format))
        root.addHandler(handler)
        root.setLevel(level)
