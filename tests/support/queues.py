"""Twilio's queue callbacks for a simulated call, and agents on the agent line."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from db.models import User
from tests.support.twilio import FakeTwilio, Reply

QUEUE_SID = "QU" + "0" * 32
AGENT_LINE = "+62215550500"


def wait(twilio: FakeTwilio, position: int = 1, queue_time: int = 10, avg: int = 30) -> Reply:
    """One request to the <Enqueue> waitUrl, with what Twilio knows about the caller's place."""
    return twilio.post(
        "/voice/queue/wait",
        {
            "QueueSid": QUEUE_SID,
            "QueuePosition": str(position),
            "QueueTime": str(queue_time),
            "AvgQueueTime": str(avg),
            "CurrentQueueSize": str(position),
        },
    )


def result(twilio: FakeTwilio, outcome: str, queue_time: int = 30) -> Reply:
    """The <Enqueue> action: the caller left the queue (bridged, hangup, leave, queue-full...)."""
    return twilio.post(
        "/voice/queue/result", {"QueueSid": QUEUE_SID, "QueueResult": outcome, "QueueTime": str(queue_time)}
    )


def bridge(twilio: FakeTwilio, agent_call_sid: str, queue_time: int = 30) -> Reply:
    """The <Dial><Queue url> request, on the caller's side, just before an agent is connected."""
    return twilio.post(
        "/voice/queue/bridge", {"QueueSid": QUEUE_SID, "QueueTime": str(queue_time), "DequeingCallSid": agent_call_sid}
    )


def add_agent(session: Session, region_id: int | None, phone: str, username: str = "agent.bekasi") -> User:
    agent = User(
        username=username, full_name="Dewi Lestari", password_hash="!", role="agent", region_id=region_id, phone=phone
    )
    session.add(agent)
    session.flush()
    return agent


def agent_phone(client, auth_token: str, phone: str) -> FakeTwilio:
    """An agent's own phone calling the agent line."""
    return FakeTwilio(
        client=client, auth_token=auth_token, call_sid="CA" + uuid.uuid4().hex, caller=phone, dialed=AGENT_LINE
    )


def taken(client, caller: FakeTwilio, agent_phone_number: str, queue_time: int = 95) -> FakeTwilio:
    """The agent phones the agent line and the bridge connects them to `caller`."""
    phone = agent_phone(client, caller.auth_token, agent_phone_number)
    phone.post("/voice/agent/incoming")
    assert "terhubung dengan petugas" in bridge(caller, phone.call_sid, queue_time=queue_time).spoken()
    return phone


def overflowed_and_taken(client, auth_token: str, caller: str, dialed: str, agent_phone_number: str) -> FakeTwilio:
    """A caller waits too long in their region's queue, moves to the national one, and that agent takes them."""
    call = FakeTwilio(client=client, auth_token=auth_token, caller=caller, dialed=dialed)
    call.start()
    regional = call.press("0").queue_name
    assert wait(call, queue_time=200).find("Leave") is not None  # overflow
    national = result(call, "leave", queue_time=200).queue_name
    assert regional != national == "NASIONAL"
    taken(client, call, agent_phone_number, queue_time=230)
    return call
