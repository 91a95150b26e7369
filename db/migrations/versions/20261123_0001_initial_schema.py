"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23 02:53:11.176927
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("province_unit", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("agent_number", sa.String(length=20), nullable=True),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("is_national", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    op.create_table(
        "tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tariff_class", sa.String(length=8), nullable=False),
        sa.Column("power_min_va", sa.Integer(), nullable=False),
        sa.Column("power_max_va", sa.Integer(), nullable=True),
        sa.Column("rate_per_kwh", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("minimum_hours", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
    )
    with op.batch_alter_table("tariffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tariffs_tariff_class"), ["tariff_class"], unique=False)

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("caller", sa.String(length=128), nullable=False),
        sa.Column("caller_kind", sa.String(length=12), nullable=False),
        sa.Column("dialed", sa.String(length=128), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("routed_by", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("final_status", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("last_node", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_calls_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_calls_call_sid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_caller"), ["caller"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_outcome"), ["outcome"], unique=False)
        batch_op.create_index("ix_calls_region_started", ["region_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_started_at"), ["started_at"], unique=False)

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idpel", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=240), nullable=False),
        sa.Column("tariff_class", sa.String(length=8), nullable=False),
        sa.Column("power_va", sa.Integer(), nullable=False),
        sa.Column("payment_type", sa.String(length=10), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("reading_window_start_day", sa.Integer(), nullable=False),
        sa.Column("reading_window_end_day", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_customers_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("idpel", name=op.f("uq_customers_idpel")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_region_id"), ["region_id"], unique=False)

    op.create_table(
        "maintenance_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area", sa.String(length=240), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_maintenance_notices_region_id_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_notices")),
    )
    with op.batch_alter_table("maintenance_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_notices_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_notices_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "region_area_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_region_area_codes_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_area_codes")),
        sa.UniqueConstraint("area_code", name=op.f("uq_region_area_codes_area_code")),
    )
    with op.batch_alter_table("region_area_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_area_codes_region_id"), ["region_id"], unique=False)

    op.create_table(
        "region_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_region_numbers_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_numbers")),
        sa.UniqueConstraint("number", name=op.f("uq_region_numbers_number")),
    )
    with op.batch_alter_table("region_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_numbers_region_id"), ["region_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_users_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("stand_start", sa.BigInteger(), nullable=False),
        sa.Column("stand_end", sa.BigInteger(), nullable=False),
        sa.Column("kwh", sa.BigInteger(), nullable=False),
        sa.Column("amount_rupiah", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bills_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
    )
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.create_index("ix_bills_customer_period", ["customer_id", "period"], unique=True)

    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=True),
        sa.Column("node", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_events_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("call_id", "seq", name="uq_call_events_call_seq"),
    )
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.create_index("ix_call_events_call_at", ["call_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_events_kind"), ["kind"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("callback_number", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("recording_url", sa.Text(), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("last_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_complaints_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_complaints_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("ticket_number", name=op.f("uq_complaints_ticket_number")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_call_sid"), ["call_sid"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_status"), ["status"], unique=False)

    op.create_table(
        "meters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_number", sa.String(length=11), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_meters_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("meter_number", name=op.f("uq_meters_meter_number")),
    )
    with op.batch_alter_table("meters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meters_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("requested_power_va", sa.Integer(), nullable=True),
        sa.Column("callback_number", sa.String(length=32), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("last_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_service_requests_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_service_requests_region_id_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_service_requests_reference")),
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_requests_call_sid"), ["call_sid"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_status"), ["status"], unique=False)

    op.create_table(
        "readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("stand", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("flag_reason", sa.String(length=240), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=64), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["meter_id"], ["meters.id"], name=op.f("fk_readings_meter_id_meters")),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["readings.id"],
            name=op.f("fk_readings_replaces_id_readings"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_readings_reviewed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings")),
        sa.UniqueConstraint("reference", name=op.f("uq_readings_reference")),
    )
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_readings_call_sid"), ["call_sid"], unique=False)
        batch_op.create_index("ix_readings_meter_period", ["meter_id", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_readings_status"), ["status"], unique=False)

    op.create_table(
        "token_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=20), nullable=False),
        sa.Column("amount_rupiah", sa.BigInteger(), nullable=False),
        sa.Column("kwh", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meter_id"], ["meters.id"], name=op.f("fk_token_purchases_meter_id_meters")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_purchases")),
    )
    with op.batch_alter_table("token_purchases", schema=None) as batch_op:
        batch_op.create_index("ix_token_purchases_meter_time", ["meter_id", "purchased_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("token_purchases", schema=None) as batch_op:
        batch_op.drop_index("ix_token_purchases_meter_time")

    op.drop_table("token_purchases")
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readings_status"))
        batch_op.drop_index("ix_readings_meter_period")
        batch_op.drop_index(batch_op.f("ix_readings_call_sid"))

    op.drop_table("readings")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_requests_status"))
        batch_op.drop_index(batch_op.f("ix_service_requests_region_id"))
        batch_op.drop_index(batch_op.f("ix_service_requests_kind"))
        batch_op.drop_index(batch_op.f("ix_service_requests_customer_id"))
        batch_op.drop_index(batch_op.f("ix_service_requests_created_at"))
        batch_op.drop_index(batch_op.f("ix_service_requests_call_sid"))

    op.drop_table("service_requests")
    with op.batch_alter_table("meters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meters_customer_id"))

    op.drop_table("meters")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_status"))
        batch_op.drop_index(batch_op.f("ix_complaints_region_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_customer_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_created_at"))
        batch_op.drop_index(batch_op.f("ix_complaints_category"))
        batch_op.drop_index(batch_op.f("ix_complaints_call_sid"))

    op.drop_table("complaints")
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_events_kind"))
        batch_op.drop_index("ix_call_events_call_at")

    op.drop_table("call_events")
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.drop_index("ix_bills_customer_period")

    op.drop_table("bills")
    op.drop_table("users")
    with op.batch_alter_table("region_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_numbers_region_id"))

    op.drop_table("region_numbers")
    with op.batch_alter_table("region_area_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_area_codes_region_id"))

    op.drop_table("region_area_codes")
    with op.batch_alter_table("maintenance_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_notices_starts_at"))
        batch_op.drop_index(batch_op.f("ix_maintenance_notices_region_id"))

    op.drop_table("maintenance_notices")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_region_id"))
        batch_op.drop_index(batch_op.f("ix_customers_phone"))

    op.drop_table("customers")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_started_at"))
        batch_op.drop_index("ix_calls_region_started")
        batch_op.drop_index(batch_op.f("ix_calls_outcome"))
        batch_op.drop_index(batch_op.f("ix_calls_caller"))

    op.drop_table("calls")
    with op.batch_alter_table("tariffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariffs_tariff_class"))

    op.drop_table("tariffs")
    op.drop_table("regions")
