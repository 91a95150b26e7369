"""How each node of a call was answered: keys, speech, speech missed or text (issue 20, speech input).

`calls.input_modes` holds sorted `flow.node:letters` entries (ivr/calls/modes.py), written with
the row like `flows_reached`, so the speech figures per node need not read every event. Calls
recorded before it have "" (the rollups count no answers for them).

Revision ID: 0012_input_modes
Revises: 0011_urgent_queue
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_input_modes"
down_revision: str | None = "0011_urgent_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("input_modes", sa.String(length=1000), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("calls", "input_modes")
