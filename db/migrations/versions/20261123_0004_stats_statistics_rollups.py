"""Statistics: hourly call and daily flow rollups, the flows each call reached, range indexes.

Existing calls get their flows from their events here; the rollups themselves are filled by
`flask --app ivr stats-rebuild` (the migration does not import application code).

Revision ID: 0004_stats
Revises: 0003_access
Create Date: 2026-11-23 05:40:03.032320
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_stats"
down_revision: str | None = "0003_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_call_hours",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("offered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("self_served", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("transferred", sa.Integer(), server_default="0", nullable=False),
        sa.Column("agent_unavailable", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_menu", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abandoned_in_queue", sa.Integer(), server_default="0", nullable=False),
        sa.Column("callback_requested", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ended_by_ivr", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("queued", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answer_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("handle_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wait_max", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_10s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_15s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_20s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_30s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_45s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_60s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_90s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_120s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_180s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answered_within_300s", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("region_id", "channel", "hour", name=op.f("pk_stats_call_hours")),
    )
    op.create_table(
        "stats_flow_days",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "region_id", "channel", "day", "flow", "measure", "node", name=op.f("pk_stats_flow_days")
        ),
    )
    op.create_index("ix_stats_call_hours_channel_hour", "stats_call_hours", ["channel", "hour"], unique=False)
    op.create_index("ix_stats_flow_days_channel_day", "stats_flow_days", ["channel", "day"], unique=False)
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.create_index("ix_callback_requests_region_requested", ["region_id", "requested_at"], unique=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flows_reached", sa.String(length=255), server_default="", nullable=False))
        batch_op.add_column(sa.Column("flows_completed", sa.String(length=255), server_default="", nullable=False))
    _fill_flows_from_events()

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_region_created", ["region_id", "created_at"], unique=False)
        batch_op.create_index("ix_complaints_region_resolved", ["region_id", "resolved_at"], unique=False)

    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index("ix_readings_submitted_at", ["submitted_at"], unique=False)


def _fill_flows_from_events() -> None:
    """Each call's reached and completed flows, from its "node" and "served" events."""
    bind = op.get_bind()
    events = sa.table("call_events", sa.column("call_id"), sa.column("kind"), sa.column("flow"))
    calls = sa.table("calls", sa.column("id"), sa.column("flows_reached"), sa.column("flows_completed"))
    reached: dict[int, set[str]] = {}
    completed: dict[int, set[str]] = {}
    rows = bind.execute(
        sa.select(events.c.call_id, events.c.kind, events.c.flow)
        .where(events.c.kind.in_(("node", "served")), events.c.flow.is_not(None))
        .distinct()
    )
    for call_id, kind, flow in rows:
        (reached if kind == "node" else completed).setdefault(call_id, set()).add(flow)
    for call_id in reached.keys() | completed.keys():
        bind.execute(
            calls.update()
            .where(calls.c.id == call_id)
            .values(
                flows_reached=",".join(sorted(reached.get(call_id, ())))[:255],
                flows_completed=",".join(sorted(completed.get(call_id, ())))[:255],
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index("ix_readings_submitted_at")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_region_resolved")
        batch_op.drop_index("ix_complaints_region_created")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("flows_completed")
        batch_op.drop_column("flows_reached")

    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_requests_region_requested")

    op.drop_table("stats_flow_days")
    op.drop_table("stats_call_hours")
