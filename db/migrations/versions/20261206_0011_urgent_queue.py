"""Urgent callers first: a call queued in the urgent tier, and a callback an urgent caller asked for.

An urgent call (a dangerous installation report) waits in its queue's urgent tier, which agents
take before the routine one; its callback request is phoned back before routine ones.

Revision ID: 0011_urgent_queue
Revises: 0010_ticket_language
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_urgent_queue"
down_revision: str | None = "0010_ticket_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("calls", "callback_requests")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "urgent")
