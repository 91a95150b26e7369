"""Agent queues through signed webhooks: hold, overflow, callbacks, agents, and racing callbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallbackRequest, CallEvent, Complaint, Region
from ivr.conversations.sweep import sweep_stale_calls
from ivr.extensions import runtime
from tests.conftest import DEFAULT_NOW
from tests.support.factories import DIALED
from tests.support.journeys import set_clock
from tests.support.queues import add_agent, agent_phone, bridge, result, wait
from tests.support.twilio import FakeTwilio

AGENT_PHONE = "+6281200000001"


def _call(db_session, twilio: FakeTwilio) -> Call:
    db_session.expire_all()
    return db_session.scalars(select(Call).where(Call.call_sid == twilio.call_sid)).one()


def _kinds(db_session, twilio: FakeTwilio) -> list[str]:
    call = _call(db_session, twilio)
    return list(db_session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)))


def _queued(twilio: FakeTwilio, *, english: bool = False):
    twilio.start()
    if english:
        twilio.press("9")
    reply = twilio.press("0")
    assert reply.queue_name is not None
    return reply


def test_hold_messages_give_the_position_and_estimate_in_the_callers_language(twilio: FakeTwilio) -> None:
    _queued(twilio, english=True)
    third = wait(twilio, position=3)
    first = wait(twilio, position=1)

    assert "You are number three in line. The estimated wait is about three minutes." in third.spoken()
    assert third.find("Pause") is not None  # no hold music configured
    assert "You are next in line" in first.spoken()


def test_hold_music_plays_between_messages_when_configured(app: Flask, twilio: FakeTwilio) -> None:
    runtime(app).queue.settings = runtime(app).queue.settings.__class__(
        overflow_after_seconds=180,
        max_wait_seconds=300,
        default_answer_seconds=60,
        hold_music_url="https://cdn.example.co.id/hold.mp3",
    )
    _queued(twilio)
    reply = wait(twilio, position=2)
    assert reply.verbs == ["Say", "Play"]
    assert reply.find("Play").text == "https://cdn.example.co.id/hold.mp3"


def test_an_agent_answers_hears_who_is_calling_and_the_call_is_recorded(
    app: Flask, client, twilio: FakeTwilio, db_session, regions
) -> None:
    agent = add_agent(db_session, regions["BEKASI"], AGENT_PHONE)
    db_session.add(
        Complaint(
            ticket_number="3000000001",
            category="no_power",
            status="open",
            callback_number=twilio.caller,
            region_id=regions["BEKASI"],
        )
    )
    db_session.commit()
    twilio.start()
    twilio.press("1")  # looked at the bill menu first
    twilio.silence(), twilio.silence(), twilio.silence()  # then gave up: queued for an agent
    wait(twilio, position=1)

    set_clock(app, DEFAULT_NOW + timedelta(seconds=95))
    phone = agent_phone(client, twilio.auth_token, AGENT_PHONE)
    whisper = phone.post("/voice/agent/incoming")
    connecting = bridge(twilio, phone.call_sid, queue_time=95)

    spoken = whisper.spoken()
    assert "Ada satu penelepon menunggu di antrean BEKASI." in spoken
    assert "nomor nol, dua, satu, lima, lima, lima, satu, dua, tiga, empat, wilayah UP3 Bekasi" in spoken
    assert "Di menu: tagihan." in spoken
    assert "satu tiket atau permohonan yang masih terbuka" in spoken
    queue = whisper.find("Dial").find("Queue")
    assert (queue.text, queue.get("url")) == ("BEKASI", "/voice/queue/bridge")
    assert "terhubung dengan petugas" in connecting.spoken()

    call = _call(db_session, twilio)
    assert (call.outcome, call.agent_id, call.agent_call_sid) == ("answered_by_agent", agent.id, phone.call_sid)
    assert call.queue_seconds == 95
    result(twilio, "bridged", queue_time=95)  # after both hung up, and after the final status
    twilio.hang_up(duration=400)
    call = _call(db_session, twilio)
    assert (call.outcome, call.queue_seconds, call.final_status) == ("answered_by_agent", 95, "completed")


def test_an_unknown_phone_on_the_agent_line_is_turned_away(client, twilio: FakeTwilio) -> None:
    reply = agent_phone(client, twilio.auth_token, "+6281299999999").post("/voice/agent/incoming")
    assert reply.hangs_up
    assert "belum terdaftar sebagai petugas" in reply.spoken()
    assert reply.find("Dial") is None


def test_after_a_call_the_agent_goes_back_for_the_next_caller(client, twilio: FakeTwilio, db_session, regions) -> None:
    add_agent(db_session, regions["BEKASI"], AGENT_PHONE)
    db_session.commit()
    phone = agent_phone(client, twilio.auth_token, AGENT_PHONE)
    empty = phone.post("/voice/agent/incoming")
    done = phone.post("/voice/agent/done", {"DialCallStatus": "completed"})

    assert "Belum ada penelepon di antrean BEKASI" in empty.spoken()
    assert done.find("Redirect").text == "/voice/agent/incoming"


def test_caller_who_hangs_up_in_the_queue_is_abandoned_whatever_the_order(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    _queued(twilio)
    set_clock(app, DEFAULT_NOW + timedelta(seconds=40))
    twilio.hang_up(duration=52)  # the final status comes first...
    result(twilio, "hangup", queue_time=40)  # ...then the queue's own callback,
    result(twilio, "hangup", queue_time=40)  # ...twice
    twilio.hang_up(duration=52)

    call = _call(db_session, twilio)
    assert (call.outcome, call.queue_seconds, call.duration_seconds) == ("abandoned_in_queue", 40, 52)
    kinds = _kinds(db_session, twilio)
    assert (kinds.count("queue_result"), kinds.count("call_ended")) == (1, 1)


def test_bridged_without_the_bridge_request_still_counts_as_answered(twilio: FakeTwilio, db_session) -> None:
    _queued(twilio)
    result(twilio, "bridged", queue_time=33)
    call = _call(db_session, twilio)
    assert call.outcome == "answered_by_agent"
    assert call.answered_at - call.queue_entered_at == timedelta(seconds=33)


def test_overflow_moves_the_caller_to_the_national_queue_and_keeps_their_start(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    _queued(twilio)
    first_queued = _call(db_session, twilio).queued_at
    set_clock(app, DEFAULT_NOW + timedelta(seconds=200))
    leaving = wait(twilio, position=4, queue_time=200)
    moved = result(twilio, "leave", queue_time=200)
    again = wait(twilio, position=1, queue_time=5)  # now in the national queue: no second overflow

    assert leaving.verbs == ["Say", "Leave"]
    assert "pusat layanan nasional" in leaving.spoken()
    assert moved.queue_name == "NASIONAL"
    assert again.find("Leave") is None
    call = _call(db_session, twilio)
    assert (call.queue_name, call.overflowed, call.queued_at) == ("NASIONAL", True, first_queued)
    assert call.queue_entered_at == DEFAULT_NOW + timedelta(seconds=200)
    assert "overflow" in _kinds(db_session, twilio)


def test_a_long_wait_offers_a_callback_once_and_one_key_leaves_for_it(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    _queued(twilio)
    offer = wait(twilio, position=7)  # 7 x 60 s default pace > 300 s limit
    again = wait(twilio, position=7)
    leave = twilio.post("/voice/queue/choice", {"Digits": "1"})
    done = result(twilio, "leave", queue_time=70)

    assert offer.gather.get("action") == "/voice/queue/choice"
    assert "tanpa menunggu, tekan 1 untuk nomor ini, atau tekan 2 untuk nomor lain" in offer.spoken()
    assert again.gather is None
    assert leave.verbs == ["Leave"]
    assert "Petugas kami akan menghubungi Anda kembali" in done.spoken()
    assert done.hangs_up
    [request] = db_session.scalars(select(CallbackRequest)).all()
    assert (request.number, request.call_sid, request.status) == (twilio.caller, twilio.call_sid, "open")
    assert request.reason == "while_waiting"
    assert request.menu_path[:2] == ["main_menu.welcome", "main_menu.menu"]
    twilio.hang_up()
    assert _call(db_session, twilio).outcome == "callback_requested"


def test_two_in_the_queue_leaves_to_give_another_number(twilio: FakeTwilio, db_session) -> None:
    _queued(twilio)
    wait(twilio, position=7)
    twilio.post("/voice/queue/choice", {"Digits": "2"})
    ask = result(twilio, "leave", queue_time=70)
    twilio.press("081311112222")
    twilio.press("1")

    assert "Masukkan nomor telepon" in ask.spoken()
    request = db_session.scalars(select(CallbackRequest)).one()
    assert (request.number, request.reason) == ("+6281311112222", "while_waiting")


def test_staying_in_the_queue_after_the_offer(twilio: FakeTwilio) -> None:
    _queued(twilio)
    wait(twilio, position=7)
    stay = twilio.post("/voice/queue/choice", {"Digits": "3"})
    assert stay.find("Leave") is None
    assert "Terima kasih atas kesabaran Anda" in stay.spoken()


def _busy_queue(db_session, regions, callers: int) -> None:
    for n in range(callers):
        db_session.add(
            Call(
                call_sid=f"CAbusy{n}",
                caller="+6281200000100",
                caller_kind="phone",
                dialed=DIALED["BEKASI"],
                region_id=regions["BEKASI"],
                routed_by="dialed",
                language="id",
                started_at=DEFAULT_NOW,
                queue_name="BEKASI",
                queued_at=DEFAULT_NOW,
                queue_entered_at=DEFAULT_NOW,
                outcome="queued",
            )
        )
    db_session.commit()


def test_a_long_estimated_wait_offers_a_callback_before_queueing(twilio: FakeTwilio, db_session, regions) -> None:
    _busy_queue(db_session, regions, callers=6)
    twilio.start()
    offer = twilio.press("0")
    keep_waiting = twilio.press("3")

    spoken = offer.spoken()
    assert "Perkiraan waktu tunggu sekitar tujuh menit" in spoken
    assert spoken.index("tekan 1") < spoken.index("nomor lain, tekan 2") < spoken.index("tetap menunggu, tekan 3")
    assert keep_waiting.queue_name == "BEKASI"


def test_another_number_for_the_callback_is_read_back_and_stored(twilio: FakeTwilio, db_session, regions) -> None:
    _busy_queue(db_session, regions, callers=6)
    twilio.caller = "anonymous"
    twilio.start()
    twilio.press("0")
    ask = twilio.press("1")  # "this number", but an anonymous caller has none
    confirm = twilio.press("081311112222")
    done = twilio.press("1")

    assert "Masukkan nomor telepon" in ask.spoken()
    assert "nol, delapan, satu, tiga, satu, satu, satu, satu, dua, dua, dua, dua" in confirm.spoken()
    assert done.hangs_up
    request = db_session.scalars(select(CallbackRequest)).one()
    assert (request.number, request.reason) == ("+6281311112222", "long_wait")


def test_a_closed_region_offers_a_callback_or_the_national_centre(app: Flask, twilio: FakeTwilio, db_session) -> None:
    set_clock(app, datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # 23:00 WIB: Bekasi closed at 22:00
    twilio.start()
    offer = twilio.press("0")
    national = twilio.press("3")

    assert "hanya tersedia pukul tujuh tepat sampai pukul dua puluh dua tepat waktu setempat" in offer.spoken()
    assert national.queue_name == "NASIONAL"
    assert _call(db_session, twilio).queue_name == "NASIONAL"


def test_closed_everywhere_only_offers_a_callback(app: Flask, twilio: FakeTwilio, db_session, regions) -> None:
    national = db_session.get(Region, regions["NASIONAL"])
    national.closes_at = national.opens_at.replace(hour=22)
    db_session.commit()
    set_clock(app, datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    twilio.start()
    offer = twilio.press("0")
    twilio.press("3")  # not an option here
    assert "pusat layanan nasional" not in offer.spoken()
    assert twilio.last.gather is not None


def test_a_full_queue_apologises_and_dials_the_agent_line(twilio: FakeTwilio, db_session) -> None:
    _queued(twilio)
    reply = result(twilio, "queue-full")
    assert "gangguan" in reply.spoken()
    assert reply.dial_number == "+62218850100"


def test_sweep_closes_calls_whose_status_never_came(app: Flask, twilio: FakeTwilio, db_session) -> None:
    _queued(twilio)
    later = DEFAULT_NOW + timedelta(hours=5)
    closed = sweep_stale_calls(db_session, later, timedelta(hours=4))
    db_session.commit()

    call = _call(db_session, twilio)
    assert closed == 1
    assert (call.outcome, call.final_status, call.closed_by_sweep) == ("abandoned_in_queue", "unknown", True)
    assert call.ended_at < later
    assert sweep_stale_calls(db_session, later, timedelta(hours=4)) == 0


def test_live_view_follows_the_caller_from_menu_to_queue_to_agent(
    app: Flask, client, twilio: FakeTwilio, db_session, regions
) -> None:
    add_agent(db_session, regions["BEKASI"], AGENT_PHONE)
    db_session.commit()
    twilio.start()
    in_menu = client.get("/api/v1/live").json
    twilio.press("0")
    waiting = client.get("/api/v1/live").json
    phone = agent_phone(client, twilio.auth_token, AGENT_PHONE)
    phone.post("/voice/agent/incoming")
    bridge(twilio, phone.call_sid)
    answered = client.get("/api/v1/live").json

    assert in_menu["regions"]["BEKASI"]["in_menu"] == 1
    assert (waiting["regions"]["BEKASI"]["in_menu"], waiting["queues"]["BEKASI"]["waiting"]) == (0, 1)
    assert (answered["queues"]["BEKASI"]["waiting"], answered["queues"]["BEKASI"]["agents_connected"]) == (0, 1)
    metrics = client.get("/metrics").get_data(as_text=True).splitlines()
    assert 'ivr_agents_connected{queue="BEKASI"} 1.0' in metrics  # prometheus_client writes floats


@pytest.mark.parametrize(
    "path",
    ["/voice/queue/wait", "/voice/queue/result", "/voice/queue/bridge", "/voice/agent/incoming", "/voice/queue/choice"],
)
def test_queue_webhooks_require_a_signature(twilio: FakeTwilio, path: str) -> None:
    assert twilio.post(path, {"QueueResult": "bridged"}, signature="Zm9yZ2Vk").status_code == 403
