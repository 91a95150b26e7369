"""Region routing: dialed number, else landline area code, else the national region."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from db.models import Call
from ivr.phone.numbers import mask, national_format, parse_caller
from ivr.phone.routing import RegionDirectory, Snapshot, dialed_area
from tests.support.factories import DIALED, UNKNOWN_DIALED
from tests.support.twilio import FakeTwilio


@pytest.mark.parametrize(
    ("dialed", "caller", "region", "routed_by"),
    [
        (DIALED["JAYAPURA"], "+62215551234", "JAYAPURA", "dialed"),
        ("+62380123", "+6281234567890", "KUPANG", "dialed_area"),  # (0380) 123 from a mobile
        ("+62967123", "anonymous", "JAYAPURA", "dialed_area"),
        ("+6221123", "+623808251234", "BEKASI", "dialed_area"),  # the dialed area wins over the caller's
        ("+62999123", "+623808251234", "KUPANG", "area_code"),  # no region owns 0999: the caller's area
        (UNKNOWN_DIALED, "+623808251234", "KUPANG", "area_code"),
        (UNKNOWN_DIALED, "+62967531234", "JAYAPURA", "area_code"),
        (UNKNOWN_DIALED, "+6281234567890", "NASIONAL", "national"),  # a mobile has no area code
        (UNKNOWN_DIALED, "anonymous", "NASIONAL", "national"),
        (UNKNOWN_DIALED, "+14155552671", "NASIONAL", "national"),  # foreign numbers are not local
    ],
)
def test_call_is_routed_and_dials_that_regions_agents(
    twilio: FakeTwilio, db_session, regions, dialed: str, caller: str, region: str, routed_by: str
) -> None:
    twilio.dialed, twilio.caller = dialed, caller
    twilio.start()
    reply = twilio.press("0")

    assert reply.queue_name == region
    call = db_session.scalars(select(Call)).one()
    assert (call.region_id, call.routed_by) == (regions[region], routed_by)


@pytest.mark.parametrize(
    ("dialed", "area"),
    [
        ("+62380123", "380"),
        ("0380123", "380"),
        ("(0380) 123", "380"),
        ("+6221123", "21"),
        ("+62218850123", None),  # a region's own full number, routed as dialed
        ("+62812123", None),  # 08xx is mobile, not an area
        ("+1380123", None),
        ("380123", None),
        ("+62380124", None),
        ("", None),
        ("client:agent", None),
    ],
)
def test_an_area_code_plus_123_names_its_area(dialed: str, area: str | None) -> None:
    assert dialed_area(dialed) == area


def test_directory_keeps_routing_on_the_last_snapshot_when_refresh_fails() -> None:
    loads = []

    def loader() -> Snapshot:
        loads.append(1)
        if len(loads) > 1:
            raise ConnectionError("database down")
        return Snapshot(national=None, by_number={}, by_area_code={}, by_id={})

    now = [0.0]
    directory = RegionDirectory(loader, ttl_seconds=60, now=lambda: now[0])
    first = directory.snapshot()
    now[0] = 120.0
    assert directory.snapshot() is first
    assert len(loads) == 2
    assert directory.route("+62", parse_caller("+62215551234")).routed_by == "none"


def test_while_one_request_refreshes_the_snapshot_the_others_route_on_the_old_one() -> None:
    refreshing, release = threading.Event(), threading.Event()
    loads: list[Snapshot] = []

    def loader() -> Snapshot:
        if loads:  # every refresh after the first load hangs until released
            refreshing.set()
            release.wait(5)
        loads.append(Snapshot())
        return loads[-1]

    now = [0.0]
    directory = RegionDirectory(loader, ttl_seconds=60, now=lambda: now[0])
    first = directory.snapshot()
    now[0] = 120.0
    refresher = threading.Thread(target=directory.snapshot)
    refresher.start()
    assert refreshing.wait(5)
    assert directory.snapshot() is first  # answered at once, not queued behind the refresh
    release.set()
    refresher.join(5)
    assert directory.snapshot() is loads[-1] is not first


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("+62215551234", "(021) 5551234"),
        ("+6281234567890", "0812-3456-7890"),
        ("+14155552671", "+1 415-555-2671"),
        ("sip:a@b", "sip:a@b"),
    ],
)
def test_numbers_are_shown_nationally_formatted(raw: str, shown: str) -> None:
    assert national_format(raw) == shown


def test_mask_keeps_only_the_tail() -> None:
    assert mask("532110012345") == "********2345"
    assert mask("12") == "**"
    assert mask(None) == ""
