"""The JSON API for work: tickets, callbacks and readings under the same rules as the console."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import CallbackRequest, Reading, TicketUpdate
from tests.support.console import add_user, bearer, token_for
from tests.support.factories import add_customer
from tests.support.openapi import check
from tests.support.tickets import add_complaint, add_request
from tests.support.twilio import FakeTwilio


@pytest.fixture
def tokens(db_session, regions) -> dict[str, str]:
    users = {
        "bekasi": add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"]),
        "kupang": add_user(db_session, "agent.kupang", "agent", regions["KUPANG"]),
    }
    result = {name: token_for(db_session, user) for name, user in users.items()}
    db_session.commit()
    return result


@pytest.fixture
def work(db_session, regions) -> dict[str, int]:
    older = add_complaint(db_session, regions["BEKASI"], ticket_number="3000000001")
    urgent = add_complaint(db_session, regions["BEKASI"], ticket_number="3000000002", category="dangerous_installation")
    urgent.urgent = True
    other = add_complaint(db_session, regions["KUPANG"], ticket_number="3000000003")
    request = add_request(db_session, regions["BEKASI"], reference="6000000001")
    db_session.commit()
    return {"older": older.id, "urgent": urgent.id, "kupang": other.id, "request": request.id}


def test_work_queue_order_and_region(client, tokens, work) -> None:
    body = check(client.get("/api/v1/complaints", headers=bearer(tokens["bekasi"])), "get", "/complaints")
    assert [row["number"] for row in body["items"]] == ["3000000002", "3000000001"]
    requests = check(
        client.get("/api/v1/service-requests", headers=bearer(tokens["bekasi"])), "get", "/service-requests"
    )
    assert [row["number"] for row in requests["items"]] == ["6000000001"]
    hidden = client.get(f"/api/v1/complaints/{work['kupang']}", headers=bearer(tokens["bekasi"]))
    assert hidden.status_code == 404 and check(hidden, "get", "/complaints/{item_id}")


def test_update_is_kept_in_history_and_heard_in_menu_4(client, db_session, tokens, work, twilio: FakeTwilio) -> None:
    response = client.patch(
        f"/api/v1/complaints/{work['older']}",
        headers=bearer(tokens["bekasi"]),
        json={"status": "in_progress", "note": "Regu menuju lokasi"},
    )
    detail = check(response, "patch", "/complaints/{item_id}")

    assert (detail["status"], detail["last_note"]) == ("in_progress", "Regu menuju lokasi")
    assert [(h["old_status"], h["new_status"], h["user_name"]) for h in detail["history"]] == [
        ("open", "in_progress", "Agent Bekasi")
    ]
    assert db_session.scalars(select(TicketUpdate)).one().note == "Regu menuju lokasi"
    twilio.start()
    twilio.press("4")
    heard = twilio.press("3000000001").spoken()
    assert "Regu menuju lokasi" in heard


@pytest.mark.parametrize(
    ("payload", "message"),
    [({"status": "lost"}, ""), ({}, ""), ({"note": "x" * 501}, "500"), ({"status": 5}, "strings")],
)
def test_bad_updates_are_400_with_a_message(client, tokens, work, payload, message: str) -> None:
    response = client.patch(f"/api/v1/complaints/{work['older']}", headers=bearer(tokens["bekasi"]), json=payload)
    body = check(response, "patch", "/complaints/{item_id}")
    assert response.status_code == 400
    assert message in body["error"] and body["error"]


def test_another_regions_ticket_cannot_be_changed(client, tokens, work) -> None:
    response = client.patch(
        f"/api/v1/complaints/{work['kupang']}", headers=bearer(tokens["bekasi"]), json={"status": "resolved"}
    )
    assert response.status_code == 404
    check(response, "patch", "/complaints/{item_id}")


def test_callbacks_list_and_complete(client, db_session, regions, tokens) -> None:
    db_session.add(
        CallbackRequest(
            call_sid="CA1",
            region_id=regions["BEKASI"],
            number="+6281311112222",
            reason="long_wait",
            language="id",
            menu_path=["main_menu.menu", "agent.check"],
        )
    )
    db_session.commit()
    listed = check(client.get("/api/v1/callbacks", headers=bearer(tokens["bekasi"])), "get", "/callbacks")
    [row] = listed["items"]
    done = client.post(
        f"/api/v1/callbacks/{row['id']}/complete", headers=bearer(tokens["bekasi"]), json={"note": "Sudah ditelepon"}
    )
    again = client.post(f"/api/v1/callbacks/{row['id']}/complete", headers=bearer(tokens["bekasi"]), json={})

    assert check(done, "post", "/callbacks/{item_id}/complete")["status"] == "done"
    assert again.status_code == 400
    assert check(client.get("/api/v1/callbacks", headers=bearer(tokens["kupang"])), "get", "/callbacks")["items"] == []


def test_flagged_readings_review(client, db_session, regions, tokens) -> None:
    _, meter = add_customer(db_session, regions["BEKASI"])
    flagged = Reading(
        reference="2000000010",
        meter_id=meter.id,
        period=date(2026, 11, 1),
        stand=100,
        status="flagged",
        source="ivr",
        flag_reason="lower_than_last_accepted",
    )
    db_session.add(flagged)
    db_session.commit()
    listed = check(client.get("/api/v1/readings", headers=bearer(tokens["bekasi"])), "get", "/readings")
    no_reason = client.post(
        f"/api/v1/readings/{flagged.id}/review", headers=bearer(tokens["bekasi"]), json={"accept": False}
    )
    not_bool = client.post(
        f"/api/v1/readings/{flagged.id}/review", headers=bearer(tokens["bekasi"]), json={"accept": "yes"}
    )
    other = client.post(
        f"/api/v1/readings/{flagged.id}/review", headers=bearer(tokens["kupang"]), json={"accept": True}
    )
    accepted = client.post(
        f"/api/v1/readings/{flagged.id}/review", headers=bearer(tokens["bekasi"]), json={"accept": True}
    )

    assert [row["reference"] for row in listed["items"]] == ["2000000010"]
    assert (no_reason.status_code, not_bool.status_code, other.status_code) == (400, 400, 404)
    for response in (no_reason, not_bool, other):
        check(response, "post", "/readings/{item_id}/review")
    assert check(accepted, "post", "/readings/{item_id}/review")["status"] == "accepted"
