"""Urgent first, through signed webhooks: a dangerous installation report queues in the urgent tier,
agents take it before routine callers (first come, first served within a tier), the whisper says so,
hold messages stay truthful, and an urgent caller's callback is phoned back first."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallbackRequest
from ivr.extensions import runtime
from tests.conftest import AUTH_TOKEN, DEFAULT_NOW
from tests.support.console import add_user, bearer, log_in, token_for
from tests.support.journeys import choose, set_clock
from tests.support.openapi import check
from tests.support.queues import add_agent, agent_phone, bridge, result, wait
from tests.support.twilio import FakeTwilio, Reply

AGENT_PHONE = "+6281200000001"
WORDS = dict(enumerate(["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]))
URGENT_ID = "Panggilan darurat: instalasi berbahaya."
URGENT_EN = "Urgent: dangerous installation."


def _read(number: str) -> str:
    """A mobile number (+62...) as the whisper reads it: its national digits one by one, in Indonesian."""
    return ", ".join(WORDS[int(digit)] for digit in "0" + number.removeprefix("+62"))


def _caller(client, number: str, seconds: int, app: Flask) -> FakeTwilio:
    set_clock(app, DEFAULT_NOW + timedelta(seconds=seconds))
    return FakeTwilio(client=client, auth_token=AUTH_TOKEN, caller=number)


def _routine(app: Flask, client, number: str, at: int) -> FakeTwilio:
    """A caller who pressed 0 for an agent at `at` seconds."""
    caller = _caller(client, number, at, app)
    caller.start()
    assert caller.press("0").queue_name == "BEKASI"
    return caller


def _urgent(app: Flask, client, number: str, at: int) -> FakeTwilio:
    """A caller who reported a dangerous installation at `at` seconds: ticket, then straight to an agent."""
    caller = _caller(client, number, at, app)
    choose(caller, "3")
    caller.press("4")
    assert caller.press("1").queue_name == "BEKASI-DARURAT"
    return caller


def _row(db_session, caller: FakeTwilio) -> Call:
    db_session.expire_all()
    return db_session.scalars(select(Call).where(Call.call_sid == caller.call_sid)).one()


def _queue(reply: Reply) -> str | None:
    dial = reply.find("Dial")
    queue = dial.find("Queue") if dial is not None else None
    return queue.text if queue is not None else None


@pytest.fixture
def agent(db_session, regions):
    add_agent(db_session, regions["BEKASI"], AGENT_PHONE)
    db_session.commit()


def test_an_urgent_caller_is_taken_before_a_routine_one_who_queued_first(app: Flask, client, db_session, agent) -> None:
    routine = _routine(app, client, "+6281311110001", at=0)
    urgent = _urgent(app, client, "+6281311110002", at=30)
    routine_hold = wait(routine, position=1)  # first in its own Twilio queue, but the urgent caller goes first
    urgent_hold = wait(urgent, position=1)

    set_clock(app, DEFAULT_NOW + timedelta(seconds=90))
    phone = agent_phone(client, AUTH_TOKEN, AGENT_PHONE)
    first = phone.post("/voice/agent/incoming")
    bridge(urgent, phone.call_sid, queue_time=60)

    assert "Anda berada di urutan ke dua" in routine_hold.spoken()
    assert "urutan pertama" in urgent_hold.spoken()
    assert first.says()[0].text == URGENT_ID  # said before the usual details
    assert "Ada dua penelepon menunggu di antrean BEKASI." in first.spoken()
    assert _read(urgent.caller) in first.spoken()
    assert "Di menu: pengaduan." in first.spoken()
    assert _queue(first) == "BEKASI-DARURAT"
    assert first.find("Dial").get("timeout") == "20"
    answered, waiting = _row(db_session, urgent), _row(db_session, routine)
    assert (answered.urgent, answered.outcome, answered.agent_call_sid) == (True, "answered_by_agent", phone.call_sid)
    assert (waiting.urgent, waiting.answered_at, waiting.outcome) == (False, None, "queued")

    # The routine caller is next now, and is served after.
    routine_next = wait(routine, position=1)
    done = phone.post("/voice/agent/done", {"DialCallStatus": "completed"})
    second = phone.post(done.find("Redirect").text)
    bridge(routine, phone.call_sid, queue_time=120)

    assert "urutan pertama" in routine_next.spoken()
    assert "darurat" not in second.spoken()
    assert "Ada satu penelepon menunggu di antrean BEKASI." in second.spoken()
    assert _read(routine.caller) in second.spoken()
    assert _queue(second) == "BEKASI"
    assert _row(db_session, routine).outcome == "answered_by_agent"


@pytest.mark.parametrize(("language", "first_line", "details"), [("id", URGENT_ID, "Penelepon berikutnya dari nomor"),
                                                                  ("en", URGENT_EN, "Next caller from")])  # fmt: skip
def test_the_urgent_whisper_is_in_the_agents_language(
    app: Flask, client, agent, language: str, first_line: str, details: str
) -> None:
    _urgent(app, client, "+6281311110002", at=0)
    voice = runtime(app).voice
    voice.config = replace(voice.config, default_language=language)  # the agents' language setting

    whisper = agent_phone(client, AUTH_TOKEN, AGENT_PHONE).post("/voice/agent/incoming")

    says = whisper.says()
    assert [says[0].text, says[0].get("language")] == [first_line, f"{language}-{'ID' if language == 'id' else 'US'}"]
    assert details in whisper.spoken()
    assert _queue(whisper) == "BEKASI-DARURAT"


def test_first_come_first_served_within_each_tier(app: Flask, client, db_session, agent) -> None:
    first_routine = _routine(app, client, "+6281311110001", at=0)
    second_routine = _routine(app, client, "+6281311110002", at=10)
    first_urgent = _urgent(app, client, "+6281311110003", at=20)
    second_urgent = _urgent(app, client, "+6281311110004", at=30)
    phone = agent_phone(client, AUTH_TOKEN, AGENT_PHONE)

    taken = []
    for _ in range(4):
        whisper = phone.post("/voice/agent/incoming")
        everyone = (first_routine, second_routine, first_urgent, second_urgent)
        callers = [c for c in everyone if _read(c.caller) in whisper.spoken()]
        assert len(callers) == 1
        bridge(callers[0], phone.call_sid)  # Twilio bridges the head of the dialled queue: the same caller
        taken.append((_queue(whisper), callers[0].caller[-1], whisper.says()[0].text == URGENT_ID))
        phone.post("/voice/agent/done", {"DialCallStatus": "completed"})

    assert taken == [("BEKASI-DARURAT", "3", True), ("BEKASI-DARURAT", "4", True),
                     ("BEKASI", "1", False), ("BEKASI", "2", False)]  # fmt: skip
    rows = [_row(db_session, c) for c in (first_urgent, second_urgent, first_routine, second_routine)]
    assert [row.outcome for row in rows] == ["answered_by_agent"] * 4
    assert [row.urgent for row in rows] == [True, True, False, False]


def test_an_idle_agent_line_looks_again_and_takes_an_urgent_caller_first(app: Flask, client, agent) -> None:
    phone = agent_phone(client, AUTH_TOKEN, AGENT_PHONE)
    idle = phone.post("/voice/agent/incoming")
    quiet = phone.post(idle.find("Redirect").text)
    _routine(app, client, "+6281311110001", at=5)
    _urgent(app, client, "+6281311110002", at=8)
    taken = phone.post(quiet.find("Redirect").text)
    nobody_came = phone.post("/voice/agent/done", {"DialCallStatus": "no-answer"})

    assert idle.verbs == ["Say", "Pause", "Redirect"]  # never waits inside one tier's Twilio queue
    assert "Belum ada penelepon di antrean BEKASI" in idle.spoken()
    assert (idle.find("Pause").get("length"), idle.find("Redirect").text) == ("10", "/voice/agent/incoming?again=1")
    assert quiet.verbs == ["Pause", "Redirect"]
    assert _queue(taken) == "BEKASI-DARURAT"
    assert taken.says()[0].text == URGENT_ID
    assert nobody_came.verbs == ["Redirect"]
    assert nobody_came.find("Redirect").text == "/voice/agent/incoming?again=1"


def test_an_urgent_caller_overflows_into_the_national_urgent_tier(app: Flask, client, db_session, regions) -> None:
    urgent = _urgent(app, client, "+6281311110002", at=0)
    set_clock(app, DEFAULT_NOW + timedelta(seconds=200))
    leaving = wait(urgent, position=1, queue_time=200)
    moved = result(urgent, "leave", queue_time=200)

    assert leaving.verbs[-1] == "Leave"
    assert moved.queue_name == "NASIONAL-DARURAT"
    row = _row(db_session, urgent)
    assert (row.queue_name, row.urgent, row.overflowed) == ("NASIONAL", True, True)


def _callback_from_the_queue(caller: FakeTwilio) -> None:
    offer = wait(caller, position=7)  # 7 x 60 s > 300 s: a callback is offered
    assert offer.gather is not None
    caller.post("/voice/queue/choice", {"Digits": "1"})
    assert result(caller, "leave", queue_time=70).hangs_up


def test_an_urgent_callers_callback_is_phoned_back_first(app: Flask, client, db_session, regions) -> None:
    first = _routine(app, client, "+6281311110001", at=0)
    _callback_from_the_queue(first)
    urgent = _urgent(app, client, "+6281311110002", at=60)
    _callback_from_the_queue(urgent)
    second = _routine(app, client, "+6281311110003", at=120)
    _callback_from_the_queue(second)
    user = add_user(db_session, "agen.bekasi", "agent", regions["BEKASI"])
    token = token_for(db_session, user)
    db_session.commit()

    listed = check(client.get("/api/v1/callbacks", headers=bearer(token)), "get", "/callbacks")["items"]
    log_in(client, "agen.bekasi")
    page = client.get("/console/callbacks").get_data(as_text=True)

    assert [(row["number"], row["urgent"]) for row in listed] == [
        (urgent.caller, True), (first.caller, False), (second.caller, False)
    ]  # fmt: skip
    stored = {c.number: c for c in db_session.scalars(select(CallbackRequest))}
    assert (stored[urgent.caller].urgent, stored[urgent.caller].reason) == (True, "while_waiting")
    assert [stored[first.caller].urgent, stored[second.caller].urgent] == [False, False]
    rows = page.split('<tr class="callback')[1:]
    assert [row.startswith(" urgent") for row in rows] == [True, False, False]
    assert f'data-id="{stored[urgent.caller].id}"' in rows[0]
    assert rows[0].count('<span class="urgent">MENDESAK</span>') == 1
    assert "MENDESAK" not in rows[1] + rows[2]


def test_the_live_view_and_call_list_mark_urgent_callers(app: Flask, client, db_session, regions, agent) -> None:
    _routine(app, client, "+6281311110001", at=0)
    urgent = _urgent(app, client, "+6281311110002", at=10)
    add_user(db_session, "supervisor", "supervisor")
    db_session.commit()
    log_in(client, "supervisor")

    live = client.get("/console/live").get_data(as_text=True)
    bekasi = live.split('<tr data-code="BEKASI">')[1].split("</tr>")[0]
    national = live.split('<tr data-code="NASIONAL">')[1].split("</tr>")[0]
    call = client.get(f"/console/calls/{urgent.call_sid}").get_data(as_text=True)

    assert '<td class="waiting">2</td>' in bekasi
    assert '<td class="urgent-waiting"><span class="urgent">1</span></td>' in bekasi
    assert '<td class="urgent-waiting">0</td>' in national
    assert '<span class="urgent">MENDESAK</span> (didahulukan)' in call
