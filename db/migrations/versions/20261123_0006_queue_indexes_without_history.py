"""Queue lookups stop reading a queue's whole history.

The waiting index becomes partial (only calls still waiting), so a caller's place in the queue
and the agent's whisper count the calls waiting now, not every call the queue ever had; a second
index on (queue_name, answered_at) lets the queue's pace read only the last hour's answers.

Revision ID: 0006_queue_indexes
Revises: 0005_channels
Create Date: 2026-11-23 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_queue_indexes"
down_revision: str | None = "0005_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The predicate as the model has it (db/models/calls.py, STILL_WAITING), frozen with this revision.
STILL_WAITING = "answered_at IS NULL AND ended_at IS NULL AND callback_requested_at IS NULL"


def upgrade() -> None:
    op.drop_index("ix_calls_queue_waiting", table_name="calls")
    op.create_index(
        "ix_calls_queue_waiting",
        "calls",
        ["queue_name", "queue_entered_at"],
        postgresql_where=sa.text(STILL_WAITING),
        sqlite_where=sa.text(STILL_WAITING),
    )
    op.create_index("ix_calls_queue_answered", "calls", ["queue_name", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_queue_answered", table_name="calls")
    op.drop_index("ix_calls_queue_waiting", table_name="calls")
    op.create_index("ix_calls_queue_waiting", "calls", ["queue_name", "queue_entered_at"])
