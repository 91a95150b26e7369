"""What README's Quick start promises a newcomer: the admin's user name, the port, a true example."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from db.models import Complaint, User
from ivr.auth.passwords import verify_password
from ivr.cli.commands import banner
from tests.support.factories import add_customer

PASSWORD = "demo-password-123"


def test_make_admin_says_the_user_name_before_and_after(app: Flask, db_session, regions) -> None:
    made = app.test_cli_runner().invoke(args=["create-admin"], input=f"{PASSWORD}\n{PASSWORD}\n")

    assert made.exit_code == 0, made.output
    lines = made.output.splitlines()
    assert lines[0] == "Creating the console administrator 'admin'."
    assert lines[1].startswith("Password for 'admin':")
    assert lines[-1] == "Log in to the console (/console/) with user name 'admin' and that password."
    admin = db_session.scalars(select(User)).one()
    assert (admin.username, admin.role) == ("admin", "admin") and verify_password(admin.password_hash, PASSWORD)


def test_create_admin_takes_another_name_and_a_password_without_asking(app: Flask, db_session, regions) -> None:
    made = app.test_cli_runner().invoke(args=["create-admin", "--username", "ops", "--password", PASSWORD])

    assert made.exit_code == 0, made.output
    assert "user name 'ops'" in made.output and "Password for" not in made.output
    assert db_session.scalars(select(User.username)).one() == "ops"


def test_the_demo_banner_names_its_port_in_every_command_that_needs_it() -> None:
    default = banner("127.0.0.1", 5000, date(2026, 11, 24))
    other = banner("127.0.0.1", 5050, date(2026, 11, 24))

    assert "PORT=" not in default and "today on the demo's clock: 2026-11-24" in default
    assert "  make call PORT=5050 " in other and '  make call PORT=5050 DIGITS="9 0" ' in other
    assert "  make chat PORT=5050 " in other and "http://127.0.0.1:5050/console/" in other


def test_make_ids_prints_the_ticket_example_of_readme(app: Flask, db_session, regions) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"])
    db_session.add(
        Complaint(
            ticket_number="3000000042",
            category="no_power",
            region_id=regions["BEKASI"],
            customer_id=customer.id,
            callback_number="+6281234567890",
        )
    )
    db_session.commit()
    shown = app.test_cli_runner().invoke(args=["demo-ids"])

    assert shown.exit_code == 0, shown.output
    assert 'e.g. make call DIGITS="9 4 3000000042# 0"' in shown.output
    assert 'e.g. make call FROM=+6281234567890 DIGITS="1"' in shown.output  # a recognised caller
