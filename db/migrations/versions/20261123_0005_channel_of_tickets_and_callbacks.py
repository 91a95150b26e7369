"""Complaints and callback requests remember the channel they came from (voice, sms, whatsapp).

Existing rows take the channel of the call that opened them (voice when there is none), so the
statistics per channel read one column instead of joining every complaint to its call.

Revision ID: 0005_channels
Revises: 0004_stats
Create Date: 2026-11-23 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_channels"
down_revision: str | None = "0004_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("complaints", "callback_requests")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("channel", sa.String(length=12), server_default="voice", nullable=False))
        op.execute(
            f"UPDATE {table} SET channel = (SELECT calls.channel FROM calls WHERE calls.call_sid = {table}.call_sid) "
            f"WHERE call_sid IN (SELECT call_sid FROM calls WHERE channel <> 'voice')"
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("channel")
