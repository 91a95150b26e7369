"""New reference numbers: the type digit of db/references.py plus 9 random digits.

Random rather than sequential so that a caller cannot guess someone else's ticket number.
"""

from __future__ import annotations

import secrets

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.references import REFERENCE_LENGTH


def new_reference(session: Session, column: InstrumentedAttribute[str], prefix: str) -> str:
    """A reference not yet used in `column`."""
    digits = REFERENCE_LENGTH - len(prefix)
    for _ in range(20):
        candidate = prefix + f"{secrets.randbelow(10**digits):0{digits}d}"
        if not session.scalar(select(exists().where(column == candidate))):
            return candidate
    raise RuntimeError(f"could not find a free reference with prefix {prefix}")
