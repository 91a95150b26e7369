"""Call and customer queries called directly, as the JSON API will: region rules, filters, paging, details."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from db.models import WHATSAPP, CallbackRequest, CallEvent, Complaint, Customer, Meter, Reading, ServiceRequest
from ivr.queries.calls import CallFilter, get_call, list_calls, visible_regions
from ivr.queries.customer_page import get_customer
from ivr.queries.customers import lookup_customers
from tests.support.calls import (
    HOSTILE_SIP,
    IDPEL,
    KUPANG_IDPEL,
    KUPANG_METER,
    KUPANG_PHONE,
    METER,
    PHONE,
    insert_call,
    principal,
)
from tests.support.catalog import add_purchase
from tests.support.factories import add_bill, add_customer

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def world(db_session: Session, regions: dict[str, int]) -> dict[str, int]:
    """Calls in Bekasi, Kupang and without a region; a Bekasi and a Kupang customer."""
    bekasi, kupang = regions["BEKASI"], regions["KUPANG"]
    insert_call(db_session, "CAb1", bekasi, T0 - timedelta(hours=3), flows=("main_menu", "bill", "main_menu"))
    insert_call(db_session, "CAb2", bekasi, T0 - timedelta(hours=1), caller=HOSTILE_SIP, caller_kind="sip")
    insert_call(db_session, "CAk1", kupang, T0 - timedelta(hours=2), caller="+623808211234", outcome="queued")
    insert_call(db_session, "CAnone", None, T0, caller="anonymous", caller_kind="anonymous", outcome="error")
    customer, _ = add_customer(db_session, bekasi, idpel=IDPEL, meter_number=METER, phone=PHONE)
    other, _ = add_customer(
        db_session, kupang, idpel=KUPANG_IDPEL, meter_number=KUPANG_METER, phone=KUPANG_PHONE, name="Yohanes Bria"
    )
    db_session.commit()
    return {"bekasi": bekasi, "kupang": kupang, "customer": customer.id, "other": other.id}


def sids(session: Session, who, filt: CallFilter | None = None, **paging) -> list[str]:
    return [row.call_sid for row in list_calls(session, who, filt or CallFilter(), **paging).items]


def test_region_rules(db_session: Session, world) -> None:
    assert sids(db_session, principal("supervisor")) == ["CAnone", "CAb2", "CAk1", "CAb1"]
    assert sids(db_session, principal("admin")) == ["CAnone", "CAb2", "CAk1", "CAb1"]
    assert sids(db_session, principal("agent", world["bekasi"])) == ["CAb2", "CAb1"]
    assert sids(db_session, principal("agent", world["kupang"])) == ["CAk1"]
    assert sids(db_session, principal("agent", None)) == []  # never "region IS NULL"
    assert sids(db_session, principal("agent", world["bekasi"]), CallFilter(region_id=world["kupang"])) == []
    assert [r.code for r in visible_regions(db_session, principal("agent", world["kupang"]))] == ["KUPANG"]
    assert len(visible_regions(db_session, principal("supervisor"))) == 4
    assert visible_regions(db_session, principal("agent", None)) == []


def test_filters(db_session: Session, world) -> None:
    spv = principal("supervisor")
    assert sids(db_session, spv, CallFilter(since=T0 - timedelta(hours=2), until=T0)) == ["CAb2", "CAk1"]
    assert sids(db_session, spv, CallFilter(region_id=world["bekasi"])) == ["CAb2", "CAb1"]
    assert sids(db_session, spv, CallFilter(caller="021-555-1234")) == ["CAb1"]
    assert sids(db_session, spv, CallFilter(caller="+62215551234")) == ["CAb1"]
    assert sids(db_session, spv, CallFilter(caller=" " + HOSTILE_SIP)) == ["CAb2"]
    assert sids(db_session, spv, CallFilter(caller="ANONYMOUS".lower())) == ["CAnone"]
    assert sids(db_session, spv, CallFilter(caller="   ")) == ["CAnone", "CAb2", "CAk1", "CAb1"]
    assert sids(db_session, spv, CallFilter(outcome="queued")) == ["CAk1"]
    assert sids(db_session, spv, CallFilter(flow="bill")) == ["CAb1"]
    assert sids(db_session, spv, CallFilter(flow="complaint")) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": datetime(2026, 11, 23)},
        {"until": datetime(2026, 11, 23)},
        {"outcome": "won"},
        {"flow": "Bill"},  # not a flow file's name (the adapters also check it is a loaded flow)
        {"flow": "b" * 65},
        {"channel": "fax"},
        {"channel": "WhatsApp"},
    ],
)
def test_filter_refuses_naive_times_and_unknown_values(kwargs) -> None:
    with pytest.raises(ValueError):
        CallFilter(**kwargs)


def test_rows_carry_what_the_list_shows(db_session: Session, world) -> None:
    [row] = list_calls(db_session, principal("supervisor"), CallFilter(flow="bill")).items
    assert (row.region_code, row.region_name, row.region_timezone) == ("BEKASI", "UP3 Bekasi", "Asia/Jakarta")
    assert (row.caller, row.caller_kind, row.language, row.duration_seconds) == ("+62215551234", "phone", "id", 60)
    assert row.last_flow == "bill"  # the main menu after it does not count as a menu option
    [none] = list_calls(db_session, principal("supervisor"), CallFilter(outcome="error")).items
    assert (none.region_code, none.region_timezone, none.last_flow) == (None, None, None)


def test_paging_is_stable_with_equal_start_times(db_session: Session, regions) -> None:
    made = [
        insert_call(db_session, f"CAp{i:02d}", regions["BEKASI"], T0 - timedelta(minutes=i // 4)) for i in range(23)
    ]
    db_session.commit()
    expected = [c.call_sid for c in sorted(made, key=lambda c: (c.started_at, c.id), reverse=True)]
    spv = principal("supervisor")

    pages = [list_calls(db_session, spv, CallFilter(), page=n, per_page=10) for n in (1, 2, 3)]

    assert [sid.call_sid for p in pages for sid in p.items] == expected
    assert [(p.total, p.pages, p.has_prev, p.has_next) for p in pages] == [
        (23, 3, False, True),
        (23, 3, True, True),
        (23, 3, True, False),
    ]
    assert list_calls(db_session, spv, CallFilter(), page=0, per_page=10_000).per_page == 200
    assert list_calls(db_session, spv, CallFilter(), page=9, per_page=10).items == []


def test_get_call_hides_other_regions_and_lists_what_it_created(db_session: Session, world) -> None:
    call = insert_call(db_session, "CAmade", world["bekasi"], T0, digits=(METER + "#",))
    db_session.add(CallEvent(call_id=call.id, seq=9, at=T0, kind="call_ended", detail={"status": "completed"}))
    meter = db_session.query(Meter).filter_by(meter_number=METER).one()
    db_session.add(
        Reading(
            reference="2000000009", meter_id=meter.id, period=date(2026, 11, 1), stand=5123,
            status="accepted", source="ivr", call_sid="CAmade",
        )
    )  # fmt: skip
    db_session.add(Complaint(ticket_number="3000000009", category="other", call_sid="CAmade", recording_url="x:y"))
    db_session.add(ServiceRequest(reference="6000000009", kind="new_connection", call_sid="CAmade"))
    db_session.add(
        CallbackRequest(call_sid="CAmade", number="+62215551234", reason="closed", language="id", menu_path=["agent"])
    )
    db_session.commit()

    assert get_call(db_session, principal("agent", world["kupang"]), "CAmade") is None
    assert get_call(db_session, principal("agent", world["bekasi"]), "CAnone") is None
    assert get_call(db_session, principal("supervisor"), "CAmissing") is None
    detail = get_call(db_session, principal("agent", world["bekasi"]), "CAmade")

    assert [e.seq for e in detail.events] == [1, 9]
    assert detail.region.code == "BEKASI"
    assert detail.customer.id == world["customer"]  # from the meter number typed
    assert [r.reference for r in detail.readings] == ["2000000009"]
    assert [c.ticket_number for c in detail.complaints] == ["3000000009"]
    assert [r.reference for r in detail.requests] == ["6000000009"]
    assert detail.callback.menu_path == ("agent",)
    assert detail.recording_urls == ("x:y",)


@pytest.mark.parametrize(
    ("caller", "typed", "expected", "agent_sees"),
    [
        (PHONE, (), "customer", "customer"),  # the caller's own phone
        ("+62215559999", (IDPEL,), "customer", "customer"),  # an IDPEL typed
        # The last id typed wins; a Bekasi agent is never shown the Kupang customer, only the next candidate.
        ("+62215559999", (IDPEL + "#", KUPANG_IDPEL + "#"), "other", "customer"),
        ("+62215559999", ("12345", "5321100000019"), None, None),
        (KUPANG_PHONE, (), "other", None),
    ],
)
def test_the_customer_a_call_was_about(db_session: Session, world, caller, typed, expected, agent_sees) -> None:
    insert_call(db_session, "CAwho", world["bekasi"], T0, caller=caller, digits=typed)
    db_session.commit()
    spv = get_call(db_session, principal("supervisor"), "CAwho")
    agent = get_call(db_session, principal("agent", world["bekasi"]), "CAwho")

    assert (spv.customer.id if spv.customer else None) == (world[expected] if expected else None)
    assert (agent.customer.id if agent.customer else None) == (world[agent_sees] if agent_sees else None)


@pytest.mark.parametrize("query", [IDPEL, METER, PHONE, "0812 3456 7890", "081234567890", " 14000000001 "])
def test_lookup_by_idpel_meter_or_phone(db_session: Session, world, query: str) -> None:
    [found] = lookup_customers(db_session, principal("agent", world["bekasi"]), query)
    assert (found.id, found.idpel, found.meter_numbers, found.region.code) == (
        world["customer"],
        IDPEL,
        (METER,),
        "BEKASI",
    )


def test_lookup_keeps_agents_in_their_region(db_session: Session, world) -> None:
    assert lookup_customers(db_session, principal("agent", world["bekasi"]), KUPANG_IDPEL) == []
    assert lookup_customers(db_session, principal("agent", None), IDPEL) == []
    assert [c.id for c in lookup_customers(db_session, principal("supervisor"), KUPANG_METER)] == [world["other"]]
    for junk in ("", "   ", "abc", "5321100000011", "' OR 1=1 --"):
        assert lookup_customers(db_session, principal("supervisor"), junk) == []


def test_customer_detail(db_session: Session, world) -> None:
    customer = db_session.get(Customer, world["customer"])
    meter = db_session.query(Meter).filter_by(customer_id=customer.id).one()
    for i in range(14):
        add_bill(db_session, customer, date(2025 + (i + 9) // 12, (i + 9) % 12 + 1, 1), kwh=100 + i, amount=1000 + i)
    for i in range(12):
        add_purchase(db_session, meter, T0 - timedelta(days=i), f"{i:020d}")
    for i in range(13):
        db_session.add(
            Reading(
                reference=f"20000001{i:02d}", meter_id=meter.id, period=date(2026, 1, 1), stand=100 + i,
                status="accepted", source="officer", submitted_at=T0 - timedelta(days=i),
            )
        )  # fmt: skip
    db_session.add(Complaint(ticket_number="3000000010", category="billing", customer_id=customer.id))
    db_session.add(ServiceRequest(reference="6000000010", kind="power_change", customer_id=customer.id))
    insert_call(db_session, "CAphone", world["bekasi"], T0, caller=PHONE)
    insert_call(db_session, "CAphoneKupang", world["kupang"], T0, caller=PHONE)
    db_session.commit()

    assert get_customer(db_session, principal("agent", world["kupang"]), customer.id) is None
    assert get_customer(db_session, principal("supervisor"), 999_999) is None
    detail = get_customer(db_session, principal("agent", world["bekasi"]), customer.id)

    assert len(detail.bills) == 12
    assert (detail.bills[0].period, detail.bills[-1].period) == (date(2026, 11, 1), date(2025, 12, 1))
    assert len(detail.tokens) == 10
    assert detail.tokens[0].grouped == "0000 0000 0000 0000 0000"
    assert detail.tokens[1].grouped == "0000 0000 0000 0000 0001"
    assert [r.reference for r in detail.readings][:2] == ["2000000100", "2000000101"]
    assert len(detail.readings) == 12
    assert [c.ticket_number for c in detail.complaints] == ["3000000010"]
    assert [r.reference for r in detail.requests] == ["6000000010"]
    assert [c.call_sid for c in detail.calls] == ["CAphone"]  # the Kupang-routed call is not the agent's
    spv = get_customer(db_session, principal("supervisor"), customer.id)
    assert {c.call_sid for c in spv.calls} == {"CAphone", "CAphoneKupang"}


# -- text conversations ---------------------------------------------------------------------------

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def insert_conversation(session: Session, region_id: int, sid: str = "SMchat1") -> None:
    """A WhatsApp conversation row, as ivr/messaging writes it: a message event and a reading with its photo."""
    call = insert_call(session, sid, region_id, T0 + timedelta(minutes=5), caller=PHONE, flows=("meter_reading",))
    call.channel = WHATSAPP
    detail = {"sid": sid, "body": "<script>alert(1)</script>", "media": [{"url": PHOTO, "type": "image/jpeg"}]}
    session.add(CallEvent(call_id=call.id, seq=2, at=call.started_at, kind="message", detail=detail))
    meter = session.query(Meter).filter_by(meter_number=METER).one()
    session.add(
        Reading(
            reference="2000000055", meter_id=meter.id, period=date(2026, 11, 1), stand=5200, status="accepted",
            source=WHATSAPP, call_sid=sid, media_url=PHOTO, media_type="image/jpeg",
        )
    )  # fmt: skip
    session.commit()


def test_conversations_are_listed_with_their_channel_and_filtered_by_it(db_session: Session, world) -> None:
    insert_conversation(db_session, world["bekasi"])
    spv = principal("supervisor")

    assert sids(db_session, spv, CallFilter(channel="whatsapp")) == ["SMchat1"]
    assert sids(db_session, spv, CallFilter(channel="sms")) == []
    assert sids(db_session, spv, CallFilter(channel="voice")) == ["CAnone", "CAb2", "CAk1", "CAb1"]
    assert sids(db_session, spv, CallFilter(channel="whatsapp", caller="081234567890")) == ["SMchat1"]
    assert sids(db_session, principal("agent", world["kupang"]), CallFilter(channel="whatsapp")) == []
    rows = list_calls(db_session, spv, CallFilter()).items
    assert [(row.call_sid, row.channel) for row in rows][:2] == [("SMchat1", "whatsapp"), ("CAnone", "voice")]


def test_a_conversation_detail_carries_its_channel_messages_and_photo(db_session: Session, world) -> None:
    insert_conversation(db_session, world["bekasi"])
    detail = get_call(db_session, principal("agent", world["bekasi"]), "SMchat1")
    voice = get_call(db_session, principal("supervisor"), "CAb1")

    assert (detail.channel, voice.channel) == ("whatsapp", "voice")
    assert detail.customer.id == world["customer"]  # by the sender's phone, as for a caller
    [message] = [e for e in detail.events if e.kind == "message"]
    assert message.detail["body"] == "<script>alert(1)</script>"  # stored as typed; templates escape it
    [reading] = detail.readings
    assert (reading.reference, reading.source, reading.stand) == ("2000000055", "whatsapp", 5200)
    assert (reading.media_url, reading.media_type) == (PHOTO, "image/jpeg")
