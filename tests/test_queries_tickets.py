"""Work-queue queries and changes, called directly: order, filters, region rules, status rules, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import TICKET_STATUSES, CallbackRequest, Complaint, TicketUpdate
from ivr.auth.roles import Principal
from ivr.engine.prompts import PromptCatalog
from ivr.queries import tickets
from ivr.queries.callbacks import complete_callback, list_callbacks
from ivr.queries.tickets import ACTIVE, TicketDetail, TicketError, get_ticket, list_tickets
from ivr.services.notices import TicketNotices
from ivr.services.tickets import NOTE_MAX_CHARS, may_transition
from tests.support.console import add_staff, add_user
from tests.support.factories import add_customer
from tests.support.tickets import NOW, add_complaint, add_request

MESSAGING_OFF = TicketNotices(PromptCatalog({}), {}, frozenset())


def update_ticket(session, principal, kind: str, id: int, status, note, now) -> TicketDetail:
    """The change as the console and the API make it, messaging off (notices: tests/test_ticket_notices.py)."""
    return tickets.update_ticket(session, principal, kind, id, status, note, now, notices=MESSAGING_OFF)


@pytest.fixture
def staff(db_session, regions) -> dict[str, Principal]:
    return {key: Principal.of(user) for key, user in add_staff(db_session, regions).items()}


def _complaint(session, region_id, number: str, *, hours_ago: float, status: str = "open", urgent: bool = False):
    category = "dangerous_installation" if urgent else "no_power"
    created = NOW - timedelta(hours=hours_ago)
    return add_complaint(session, region_id, ticket_number=number, category=category, status=status, created_at=created)


def _callback(session, region_id, sid: str, *, minutes_ago: int, status: str = "open") -> CallbackRequest:
    callback = CallbackRequest(
        call_sid=sid,
        region_id=region_id,
        number="+6281234567890",
        reason="agent_unavailabl",  # what ivr/services/agents.py stores: cut to String(16)
        language="id",
        menu_path=["main.menu", "agent.check"],
        status=status,
        requested_at=NOW - timedelta(minutes=minutes_ago),
    )
    session.add(callback)
    session.flush()
    return callback


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("open", "in_progress", True),
        ("open", "closed", True),
        ("in_progress", "open", True),
        ("resolved", "open", True),
        ("resolved", "closed", True),
        ("closed", "in_progress", True),
        ("closed", "resolved", True),
        ("closed", "open", False),
        ("open", "open", False),
        ("open", "done", False),
    ],
)
def test_transitions_allow_anything_but_reopening_a_closed_ticket_as_new(old: str, new: str, allowed: bool) -> None:
    assert may_transition(old, new) is allowed
    assert TICKET_STATUSES == ("open", "in_progress", "resolved", "closed")


def test_urgent_first_then_oldest_first_with_a_stable_order(db_session, regions, staff) -> None:
    bekasi = regions["BEKASI"]
    _complaint(db_session, bekasi, "3000000001", hours_ago=5)
    _complaint(db_session, bekasi, "3000000002", hours_ago=50)
    _complaint(db_session, bekasi, "3000000003", hours_ago=1, urgent=True)
    _complaint(db_session, bekasi, "3000000004", hours_ago=5)  # same age as 0001: id decides
    _complaint(db_session, bekasi, "3000000005", hours_ago=80, urgent=True)
    db_session.commit()

    page = list_tickets(db_session, staff["spv"], "complaint", None, 1, 10, now=NOW)

    assert [row.number for row in page.items] == ["3000000005", "3000000003", "3000000002", "3000000001", "3000000004"]
    assert [row.urgent for row in page.items] == [True, True, False, False, False]
    assert page.items[2].age_seconds == 50 * 3600
    assert page.total == 5 and page.pages == 1


def test_status_filter_active_default_and_paging(db_session, regions, staff) -> None:
    bekasi = regions["BEKASI"]
    for index, status in enumerate(("open", "in_progress", "resolved", "closed", "open")):
        _complaint(db_session, bekasi, f"300000001{index}", hours_ago=10 - index, status=status)
    db_session.commit()
    spv = staff["spv"]

    def numbers(status, page=1, per_page=10):
        return [row.number for row in list_tickets(db_session, spv, "complaint", status, page, per_page, now=NOW).items]

    assert numbers(ACTIVE) == ["3000000010", "3000000011", "3000000014"]
    assert numbers("resolved") == ["3000000012"]
    assert numbers("closed") == ["3000000013"]
    assert len(numbers(None)) == 5
    second = list_tickets(db_session, spv, "complaint", None, 2, 2, now=NOW)
    assert [row.number for row in second.items] == ["3000000012", "3000000013"]
    assert (second.total, second.pages, second.has_prev, second.has_next) == (5, 3, True, True)
    with pytest.raises(TicketError, match="Status tidak dikenal"):
        list_tickets(db_session, spv, "complaint", "bogus", 1, 10, now=NOW)


def test_rows_carry_what_an_agent_needs(db_session, regions, staff) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], name="Budi Santoso")
    complaint = _complaint(db_session, regions["BEKASI"], "3000000021", hours_ago=3)
    complaint.customer_id, complaint.last_note = customer.id, "Sudah dihubungi."
    request = add_request(db_session, regions["BEKASI"], reference="6000000021")
    db_session.commit()

    row = list_tickets(db_session, staff["bekasi"], "complaint", None, 1, 10, now=NOW).items[0]
    req = list_tickets(db_session, staff["bekasi"], "request", None, 1, 10, now=NOW).items[0]

    assert (row.kind, row.category, row.status, row.region_name) == ("complaint", "no_power", "open", "UP3 Bekasi")
    assert (row.customer_name, row.callback_number, row.last_note) == (
        "Budi Santoso",
        "+6281111111111",
        "Sudah dihubungi.",
    )
    assert row.timezone == "Asia/Jakarta" and row.age_seconds == 3 * 3600
    assert (req.kind, req.number, req.category, req.urgent, req.id) == (
        "request",
        "6000000021",
        "power_change",
        False,
        request.id,
    )


def test_agents_see_and_change_their_own_region_only(db_session, regions, staff) -> None:
    bekasi = _complaint(db_session, regions["BEKASI"], "3000000031", hours_ago=2)
    _complaint(db_session, regions["KUPANG"], "3000000032", hours_ago=2)
    db_session.commit()

    kupang_sees = list_tickets(db_session, staff["kupang"], "complaint", None, 1, 10, now=NOW).items
    assert [row.number for row in kupang_sees] == ["3000000032"]
    assert get_ticket(db_session, staff["kupang"], "complaint", bekasi.id, now=NOW) is None
    assert get_ticket(db_session, staff["bekasi"], "complaint", bekasi.id, now=NOW) is not None
    with pytest.raises(PermissionError):
        update_ticket(db_session, staff["kupang"], "complaint", bekasi.id, "in_progress", "diambil", NOW)
    with pytest.raises(LookupError):
        update_ticket(db_session, staff["spv"], "complaint", 999_999, "in_progress", None, NOW)
    db_session.rollback()
    assert db_session.get(Complaint, bekasi.id).status == "open"
    assert db_session.scalars(select(TicketUpdate)).all() == []
    assert len(list_tickets(db_session, staff["spv"], "complaint", None, 1, 10, now=NOW).items) == 2


def test_an_agent_without_a_region_sees_no_regional_tickets(db_session, regions) -> None:
    _complaint(db_session, regions["BEKASI"], "3000000041", hours_ago=1)
    _complaint(db_session, None, "3000000042", hours_ago=1)
    lost = Principal.of(add_user(db_session, "agent.nowhere", "agent", None))
    db_session.commit()

    assert list_tickets(db_session, lost, "complaint", None, 1, 10, now=NOW).total == 0


def test_status_change_with_note_records_history_note_and_resolution(db_session, regions, staff) -> None:
    ticket = _complaint(db_session, regions["BEKASI"], "3000000051", hours_ago=6)
    db_session.commit()
    agent = staff["bekasi"]

    taken = update_ticket(db_session, agent, "complaint", ticket.id, "in_progress", "  Petugas menuju lokasi.  ", NOW)
    later = NOW + timedelta(hours=2)
    done = update_ticket(db_session, agent, "complaint", ticket.id, "resolved", "Sudah menyala lagi.", later)
    db_session.commit()

    assert (taken.status, taken.last_note, taken.resolved_at) == ("in_progress", "Petugas menuju lokasi.", None)
    assert (done.status, done.last_note, done.updated_at, done.resolved_at) == (
        "resolved",
        "Sudah menyala lagi.",
        later,
        later,
    )
    assert [(h.old_status, h.new_status, h.note, h.at, h.user_name, h.user_id) for h in done.history] == [
        ("open", "in_progress", "Petugas menuju lokasi.", NOW, "Agent Bekasi", agent.id),
        ("in_progress", "resolved", "Sudah menyala lagi.", later, "Agent Bekasi", agent.id),
    ]
    stored = db_session.get(Complaint, ticket.id)
    db_session.refresh(stored)
    assert (stored.status, stored.resolved_at, stored.last_note) == ("resolved", later, "Sudah menyala lagi.")


def test_closing_keeps_the_resolution_time_and_reopening_clears_it(db_session, regions, staff) -> None:
    ticket = _complaint(db_session, regions["BEKASI"], "3000000061", hours_ago=6)
    db_session.commit()
    spv = staff["spv"]

    update_ticket(db_session, spv, "complaint", ticket.id, "resolved", None, NOW)
    closed = update_ticket(db_session, spv, "complaint", ticket.id, "closed", None, NOW + timedelta(days=1))
    assert closed.resolved_at == NOW
    assert "open" not in closed.allowed_statuses and "in_progress" in closed.allowed_statuses
    reopened = update_ticket(
        db_session, spv, "complaint", ticket.id, "in_progress", "Padam lagi.", NOW + timedelta(days=2)
    )
    assert (reopened.status, reopened.resolved_at) == ("in_progress", None)


def test_a_note_alone_keeps_the_status_and_is_recorded(db_session, regions, staff) -> None:
    request = add_request(db_session, regions["BEKASI"], reference="6000000071", status="in_progress")
    db_session.commit()

    detail = update_ticket(db_session, staff["bekasi"], "request", request.id, "in_progress", "Survei Senin.", NOW)

    assert (detail.status, detail.last_note, detail.updated_at) == ("in_progress", "Survei Senin.", NOW)
    assert [(h.old_status, h.new_status, h.note) for h in detail.history] == [
        ("in_progress", "in_progress", "Survei Senin.")
    ]


@pytest.mark.parametrize(
    ("start", "status", "note", "message"),
    [
        ("closed", "open", "buka lagi", 'tidak dapat diubah dari "Ditutup" ke "Baru"'),
        ("open", None, "   ", "Tidak ada perubahan"),
        ("open", "open", None, "Tidak ada perubahan"),
        ("open", "in_progress", "x" * (NOTE_MAX_CHARS + 1), "terlalu panjang"),
        ("open", "waiting", None, "Status tidak dikenal"),
    ],
)
def test_bad_changes_are_refused_with_a_message(db_session, regions, staff, start, status, note, message) -> None:
    ticket = _complaint(db_session, regions["BEKASI"], "3000000081", hours_ago=1, status=start)
    db_session.commit()

    with pytest.raises(TicketError, match=message):
        update_ticket(db_session, staff["bekasi"], "complaint", ticket.id, status, note, NOW)
    db_session.rollback()
    assert db_session.get(Complaint, ticket.id).status == start
    assert db_session.scalars(select(TicketUpdate)).all() == []


def test_a_note_of_exactly_the_limit_is_kept(db_session, regions, staff) -> None:
    ticket = _complaint(db_session, regions["BEKASI"], "3000000091", hours_ago=1)
    db_session.commit()

    detail = update_ticket(db_session, staff["bekasi"], "complaint", ticket.id, None, "y" * NOTE_MAX_CHARS, NOW)

    assert detail.last_note == "y" * NOTE_MAX_CHARS


def test_callbacks_oldest_first_per_region_then_done(db_session, regions, staff) -> None:
    newer = _callback(db_session, regions["BEKASI"], "CAcb1", minutes_ago=5)
    older = _callback(db_session, regions["BEKASI"], "CAcb2", minutes_ago=50)
    _callback(db_session, regions["BEKASI"], "CAcb3", minutes_ago=90, status="done")
    kupang = _callback(db_session, regions["KUPANG"], "CAcb4", minutes_ago=10)
    db_session.commit()
    agent = staff["bekasi"]

    assert [row.id for row in list_callbacks(db_session, agent, "open")] == [older.id, newer.id]
    assert [row.id for row in list_callbacks(db_session, staff["spv"], "open")] == [older.id, kupang.id, newer.id]
    assert list_callbacks(db_session, agent, "open")[0].menu_path == ["main.menu", "agent.check"]

    done = complete_callback(db_session, agent, older.id, " Sudah ditelepon. ", NOW)
    db_session.commit()
    assert (done.status, done.fulfilled_at, done.fulfilled_by_name, done.note) == (
        "done",
        NOW,
        "Agent Bekasi",
        "Sudah ditelepon.",
    )
    assert [row.id for row in list_callbacks(db_session, agent, "open")] == [newer.id]
    assert db_session.get(CallbackRequest, older.id).fulfilled_by_id == agent.id
    with pytest.raises(TicketError, match="sudah selesai"):
        complete_callback(db_session, agent, older.id, None, NOW)
    with pytest.raises(PermissionError):
        complete_callback(db_session, agent, kupang.id, None, NOW)
    with pytest.raises(LookupError):
        complete_callback(db_session, agent, 999_999, None, NOW)
