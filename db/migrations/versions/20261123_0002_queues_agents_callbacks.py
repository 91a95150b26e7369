"""Queues, agents and callback requests: call facts that only move forward.

Booleans get a server default so existing call rows migrate in place.

Revision ID: 0002_queues
Revises: 0001_initial
Create Date: 2026-11-23 03:36:03.623548
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_queues"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("menu_path", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_callback_requests_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["fulfilled_by_id"], ["users.id"], name=op.f("fk_callback_requests_fulfilled_by_id_users")
        ),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_callback_requests_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_requests")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_callback_requests_call_sid")),
    )
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_requests_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_requests_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_requests_requested_at"), ["requested_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_requests_status"), ["status"], unique=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_served", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("ivr_hung_up", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("had_error", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("direct_transfer", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("queue_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("queue_entered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("queue_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("overflowed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agent_call_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("callback_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_by_sweep", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_calls_queue_waiting", ["queue_name", "queue_entered_at"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_calls_agent_id_users"), "users", ["agent_id"], ["id"])

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_phone"), ["phone"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_phone"), type_="unique")
        batch_op.drop_column("phone")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_calls_agent_id_users"), type_="foreignkey")
        batch_op.drop_index("ix_calls_queue_waiting")
        batch_op.drop_column("closed_by_sweep")
        batch_op.drop_column("callback_requested_at")
        batch_op.drop_column("agent_call_sid")
        batch_op.drop_column("agent_id")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("overflowed")
        batch_op.drop_column("queue_seconds")
        batch_op.drop_column("queue_entered_at")
        batch_op.drop_column("queued_at")
        batch_op.drop_column("queue_name")
        batch_op.drop_column("direct_transfer")
        batch_op.drop_column("had_error")
        batch_op.drop_column("ivr_hung_up")
        batch_op.drop_column("self_served")

    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_requests_status"))
        batch_op.drop_index(batch_op.f("ix_callback_requests_requested_at"))
        batch_op.drop_index(batch_op.f("ix_callback_requests_region_id"))
        batch_op.drop_index(batch_op.f("ix_callback_requests_call_id"))

    op.drop_table("callback_requests")
