"""The terminal call simulator against the real app: over the test client, and over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallEvent, Complaint, Customer, Meter, Region
from db.seed import seed_demo
from ivr.cli.simulator import CallSimulator, parse_script
from ivr.extensions import runtime
from ivr.services import readings
from tests.conftest import AUTH_TOKEN
from tests.support.factories import DIALED
from tests.support.journeys import set_clock
from tests.support.live_server import serving


class FlaskTransport:
    """Sends the simulator's signed posts through the Flask test client."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(url, data=data, headers=headers)
        return response.status_code, response.get_data(as_text=True)


def _simulate(app: Flask, script: str, **kwargs):
    heard: list[str] = []
    simulator = CallSimulator("http://localhost", AUTH_TOKEN, transport=FlaskTransport(app), output=heard.append)
    return simulator.call(
        kwargs.get("caller", "+62215551234"), kwargs.get("dialed", DIALED["BEKASI"]), script=parse_script(script)
    ), heard


def test_scripted_call_english_then_agent(app: Flask, regions, db_session) -> None:
    result, heard = _simulate(app, "9 0")

    assert result.outcome == "queued"
    assert result.status_callback_code == 200
    assert any("You have chosen English" in line for line in heard)
    assert "QUEUE: BEKASI" in heard
    call = db_session.scalars(select(Call)).one()
    assert (call.call_sid, call.language, call.outcome, call.final_status) == (
        result.call_sid,
        "en",
        "abandoned_in_queue",
        "completed",
    )


def test_silence_three_times_reaches_an_agent(app: Flask, regions, db_session) -> None:
    result, heard = _simulate(app, "_ _ _")

    assert result.outcome == "queued"
    assert heard.count("KEYS: (no input)") == 3
    kinds = list(db_session.scalars(select(CallEvent.kind).order_by(CallEvent.seq)))
    assert kinds.count("no_input") == 3


def test_caller_hanging_up_mid_menu_is_recorded(app: Flask, regions, db_session) -> None:
    result, _ = _simulate(app, "3 !")

    assert result.outcome == "caller-hangup"
    assert db_session.scalars(select(Call)).one().outcome == "hung_up_in_menu"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_simulate_command_over_http(app: Flask, regions, live_server: str, db_session) -> None:
    result = CliRunner().invoke(
        app.cli,
        ["simulate", "--url", live_server, "--digits", "8 *", "--to", DIALED["JAYAPURA"]],
        env={"TWILIO_AUTH_TOKEN": AUTH_TOKEN},
    )

    assert result.exit_code == 0, result.output
    assert "SAY [id-ID]: Maaf, pilihan tersebut tidak tersedia." in result.output
    assert "ended: caller-hangup" in result.output
    assert db_session.scalars(select(Call)).one().region_id == regions["JAYAPURA"]


def test_simulate_command_fails_loudly_on_a_bad_signature(app: Flask, regions, live_server: str) -> None:
    result = CliRunner().invoke(
        app.cli, ["simulate", "--url", live_server, "--digits", "1"], env={"TWILIO_AUTH_TOKEN": "wrong-token"}
    )

    assert result.exit_code != 0
    assert "403" in result.output


# -- every option on the demo data, as `make call` walks it --------------------------------------

DEMO_NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 WIB, inside Bekasi's reading window


@pytest.fixture
def demo(app: Flask, database) -> dict[str, str]:
    """The seeded demo data, and the ids a caller would type for each option."""
    with database.session() as session:
        seed_demo(session, today=DEMO_NOW.date(), customers=60)
    runtime(app).directory.invalidate()
    set_clock(app, DEMO_NOW)
    with database.session() as session:
        bekasi = session.scalar(select(Region.id).where(Region.code == "BEKASI"))
        postpaid = session.scalars(
            select(Customer).where(Customer.region_id == bekasi, Customer.payment_type == "postpaid")
        ).first()
        prepaid = session.scalars(select(Customer).where(Customer.payment_type == "prepaid")).first()
        meter = session.scalars(select(Meter).where(Meter.customer_id == postpaid.id)).one()
        last = readings.baseline(session, meter.id, date(2026, 11, 1))
        usual = readings.usual_monthly_kwh(session, postpaid.id)
        return {
            "idpel": postpaid.idpel,
            "meter": meter.meter_number,
            "stand": str(last.stand + usual),
            "prepaid_meter": session.scalars(select(Meter.meter_number).where(Meter.customer_id == prepaid.id)).one(),
            "ticket": session.scalars(select(Complaint.ticket_number)).first(),
        }


WALKS = {
    "1 bill": ("1 {idpel} 1 !", ", sebesar "),
    "2 meter reading": ("2 {meter} {stand} 1 !", " kami terima."),
    "3 complaint": ("3 1 2 1 2 !", "Nomor tiket Anda"),
    "4 ticket status": ("4 {ticket} !", "Tiket pengaduan nomor"),
    "5 token history": ("5 {prepaid_meter} 3 !", "Pembelian token terakhir Anda"),
    "6 new connection": ("6 1 1 1 !", "Nomor permohonan Anda"),
    "7 tariffs": ("7 1 1 3 !", "Tarif listrik yang berlaku"),
    "7 maintenance": ("7 2 !", "emeliharaan"),
    "0 agent in English": ("9 0", "Please hold while we connect you"),
    "README: English, an unknown ticket, the menu, an agent": ("9 4 6000000000# 2 0", "Please hold while we"),
    "make ids: English, a ticket's status, then an agent": ("9 4 {ticket}# 0", "Please hold while we connect you"),
}


@pytest.mark.parametrize("walk", WALKS, ids=list(WALKS))
def test_the_simulator_walks_every_option_on_the_demo_data(app: Flask, demo: dict[str, str], walk: str) -> None:
    script, expected = WALKS[walk]
    result, heard = _simulate(app, script.format(**demo))

    assert result.outcome in ("caller-hangup", "queued"), heard
    assert not [line for line in heard if line.startswith("ERROR")]
    assert any(expected in line for line in heard), heard


def test_add_agent_registers_a_phone_for_the_agent_line(app: Flask, regions, db_session) -> None:
    from db.models import User

    runner = app.test_cli_runner()
    ok = runner.invoke(args=["add-agent", "--username", "dewi", "--phone", "0812-0000-0001", "--region", "bekasi"])
    bad = runner.invoke(args=["add-agent", "--username", "x", "--phone", "nope"])
    again = runner.invoke(args=["add-agent", "--username", "dewi", "--phone", "0812-0000-0002"])

    assert ok.exit_code == 0, ok.output
    assert bad.exit_code != 0
    assert again.exit_code != 0 and "exists already" in again.output
    agent = db_session.scalars(select(User)).one()
    assert (agent.username, agent.phone, agent.region_id, agent.role) == (
        "dewi",
        "+6281200000001",
        regions["BEKASI"],
        "agent",
    )
