"""Tickets keep the language they were filed in; their history says whether the customer was told of a change.

Existing complaints and requests take the language of the call that opened them (Indonesian,
the IVR's default, when there is none).

Revision ID: 0010_ticket_language
Revises: 0009_announcements
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ticket_language"
down_revision: str | None = "0009_announcements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("complaints", "service_requests")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=5), server_default="id", nullable=False))
        op.execute(
            f"UPDATE {table} SET language = (SELECT calls.language FROM calls WHERE calls.call_sid = {table}.call_sid) "
            f"WHERE call_sid IN (SELECT call_sid FROM calls WHERE language <> 'id')"
        )
    with op.batch_alter_table("ticket_updates") as batch:
        batch.add_column(sa.Column("notice", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("notice_to", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_updates") as batch:
        batch.drop_column("notice_to")
        batch.drop_column("notice")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
