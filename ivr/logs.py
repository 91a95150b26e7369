"""Logging set-up: customer ids, meter numbers and tokens never reach a log line whole.

Masking happens when a record is created, so it covers every logger and handler in the process
(gunicorn's, the test runner's), whatever a module passes as message or argument.
"""

from __future__ import annotations

import logging
import re
from typing import Any

LONG_DIGITS = re.compile(r"(?<!\d)\d{8,}(?!\d)")
_installed = False


def mask_digits(text: str) -> str:
    """Keep the last four digits of any run of eight or more (IDPEL, meter, token, phone)."""
    return LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


def _masked(value: Any) -> Any:
    return mask_digits(value) if isinstance(value, str) else value


def install_masking() -> None:
    """Wrap the record factory once per process."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = mask_digits(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def configure(level: int = logging.INFO) -> None:
    install_masking()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
