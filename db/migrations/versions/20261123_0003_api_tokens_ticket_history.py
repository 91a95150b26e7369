"""API tokens (hashed, revocable) and the history of agents' changes to tickets and requests.

Revision ID: 0003_access
Revises: 0002_queues
Create Date: 2026-11-23 04:06:31.256924
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_access"
down_revision: str | None = "0002_queues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ticket_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_status", sa.String(length=16), nullable=True),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ticket_updates_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_updates")),
    )
    with op.batch_alter_table("ticket_updates", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_updates_ticket", ["ticket_kind", "ticket_id", "at"], unique=False)

    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_column("resolved_at")

    with op.batch_alter_table("ticket_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_updates_ticket")

    op.drop_table("ticket_updates")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
