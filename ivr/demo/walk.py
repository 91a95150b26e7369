"""Random walks over the real flow graph that record what the engine and the voice adapter would.

A caller's journey is decided turn by turn: at each waiting node they hang up, stay silent, press
something wrong, ask for a repeat or choose an option with plausible weights, by keys or by saying
it (flows/words/; sometimes misheard, and keys only after two misses); services answer with
outcomes that depend on the hour, the region, the day and earlier answers; a transfer joins a queue
where the caller is answered, gives up, overflows to the national queue or asks for a callback.
The events have the kinds, flows, nodes and detail keys of ivr/engine/runtime.py, ivr/voice/gateway.py
and ivr/voice/queueing.py. Used by ivr/demo/history.py; times are seconds after the call started.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ivr.config import Settings
from ivr.demo.graph import (
    ACTION,
    LANGUAGE,
    RECORD,
    SAY,
    SERVICE_WEIGHTS,
    TRANSFER,
    WAIT,
    Graph,
    Pos,
    Step,
    cumulative,
    pick,
)
from ivr.demo.journey import EMPTY, ENDED, Journey, Place, World, e164, menu_path
from ivr.queues.policy import NATIONAL_QUEUE
from ivr.services.tickets import URGENT_CATEGORIES

MAX_EVENTS = 80  # a journey that wanders this long hangs up
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 3, 8, 14, 19, 22, 22, 20, 15, 14, 16, 15, 14, 15, 18, 19, 15, 10, 6, 4)  # local

STATUS_WEIGHTS = {
    "complaint": {"open": 25, "in_progress": 35, "resolved": 40},
    "request": {"open": 35, "in_progress": 40, "resolved": 25},
    "reading": {"accepted": 70, "flagged": 15, "rejected": 5, "replaced": 10},
}
HANG_UP = {"menu": 0.03, "collect": 0.06, "confirm": 0.015}  # per turn, before being served
HANG_UP_SURGE = 0.03  # added on surge days: impatient callers
HANG_UP_SERVED = 0.72  # at a menu that leads back to the start, once the caller got what they came for
NO_INPUT, REPEAT, ERROR = 0.03, 0.02, 0.0012
INVALID = {"menu": 0.03, "collect": 0.08, "confirm": 0.01}
SILENCE_MEANS_DONE = 0.35  # no input at menus that allow one silence ("that was all")
SPEAK = 0.4  # at a menu or confirm, callers say a choice (flows/words/) instead of pressing it
MISHEARD = 0.15  # of those answers, not understood: too unsure, or words the node does not know
MAX_MISSES = 2  # after the second miss the node asks for keys only
OFF_MENU = ("halo", "apa ya", "saya mau tanya", "sebentar", "hmm")  # what a caller says that no choice means
OVERFLOW_AFTER = Settings.overflow_after_seconds
MAX_WAIT = Settings.max_wait_seconds
GATHER_TIMEOUT = Settings.gather_timeout_seconds


class Walker:
    """Walks one call at a time through the graph the way a caller, the engine and the adapter would."""

    def __init__(self, rng: random.Random, graph: Graph, entry: Pos, world: World) -> None:
        self.rng, self.graph, self.entry, self.world = rng, graph, graph[entry], world
        self._details: dict[tuple[Any, ...], str] = {}
        self.j = Journey()
        self.place = Place(0, "", ZoneInfo("UTC"), "", None, 0, 86400, True)
        self.local_start = self.day = self.t = self.talk = 0
        self.surge = False
        self.caller = ""
        self.vars: dict[str, Any] = {}
        self.visits: dict[Pos, int] = {}

    def detail(self, *pairs: Any) -> str:
        """The JSON of a detail that repeats (same keys and values), built once."""
        text = self._details.get(pairs)
        if text is None:
            text = self._details[pairs] = json.dumps(dict(zip(pairs[::2], pairs[1::2], strict=True)))
        return text

    def walk(self, place: Place, caller: str, local_start: int, surge: bool, day: int) -> Journey:
        """One call from the greeting to the status callback."""
        self.j = j = Journey()
        self.place, self.local_start, self.surge, self.day = place, local_start, surge, day
        self.caller, self.t, self.talk, self.vars, self.visits = caller, 0, 0, {}, {}
        started = f'{{"caller": "{caller}", "dialed": "{place.dialed}", "routed_by": "dialed"}}'
        j.events.append((0, "call_started", None, None, started))
        step: Step | None = self.entry
        while step is not None:
            if len(j.events) < MAX_EVENTS:
                step = self.step(step)
            else:
                self.hang_up()
                step = None
        j.events.append((j.end, "call_ended", j.last.flow, j.last.node, ENDED))
        return j

    def step(self, step: Step) -> Step | None:
        j, flow, node = self.j, step.flow, step.node
        if flow != j.last.flow:
            j.reached.add(flow)
            if self.visits:  # visit counts belong to one entry of a flow (ConversationState.move_to)
                self.visits = {key: n for key, n in self.visits.items() if key[0] != flow}
        j.last = step
        j.events.append((self.t, "node", flow, node, EMPTY))
        kind = step.kind
        if kind == SAY:
            if step.max_visits:
                pos = (flow, node)
                self.visits[pos] = seen = self.visits.get(pos, 0) + 1
                if seen > step.max_visits:
                    j.events.append((self.t, "visits_exceeded", flow, node, self.detail("limit", step.max_visits)))
                    return step.on_exceeded
            self.talk += 4 + int(self.rng.random() * 6)
            if step.served:
                j.events.append((self.t, "served", flow, node, EMPTY))
                j.served = True
                j.completed.add(flow)
            return step.next
        if kind == WAIT:
            return self.wait(step)
        if kind == ACTION:
            return self.action(step)
        if kind == LANGUAGE:
            before, j.language = j.language, "en" if j.language == "id" else "id"
            j.events.append((self.t, "language", flow, node, self.detail("before", before, "after", j.language)))
            return step.next
        if kind == RECORD:
            return self.record(step)
        if kind == TRANSFER:
            j.events.append((self.t, "transfer", flow, node, self.detail("to", "agent")))
            return self.queue(step)
        j.events.append((self.t, "hangup", flow, node, EMPTY))
        j.ivr_hung_up = True
        j.end = self.t + self.talk + 1
        return None

    def record(self, step: Step) -> Step | None:
        seconds = 5 + int(self.rng.random() * 40)
        self.t += self.talk + seconds
        self.talk = 0
        if self.rng.random() < 0.8:
            url = f"https://api.twilio.com/synthetic/Recordings/RE{self.rng.getrandbits(64):016x}"
            self.vars["recording"] = url
            self.j.events.append(
                (self.t, "recording", step.flow, step.node, json.dumps({"url": url, "seconds": seconds}))
            )
        else:
            self.j.events.append((self.t, "no_recording", step.flow, step.node, EMPTY))
        return step.next

    def hang_up(self) -> None:
        self.j.end = self.t + self.talk + 3

    # -- the caller's turn ------------------------------------------------------------------

    def wait(self, step: Step) -> Step | None:
        """Turns at a waiting node until it leads somewhere, or the caller hangs up."""
        rng, events, flow, node = self.rng, self.j.events, step.flow, step.node
        no_inputs = invalids = misses = 0
        hang_up = HANG_UP_SERVED if self.j.served and step.leaves else HANG_UP[step.waiting]
        hang_up += HANG_UP_SURGE if self.surge else 0.0
        silence = SILENCE_MEANS_DONE if step.max_no_input == 1 else NO_INPUT
        invalid = INVALID[step.waiting]
        while True:
            prompt, self.talk = self.talk + 5 + int(rng.random() * 6), 0
            if rng.random() < hang_up:
                self.j.end = self.t + prompt + 1 + int(rng.random() * 7)
                return None
            self.t += prompt + 2 + int(rng.random() * (12 if step.waiting == "collect" else 5))
            roll = rng.random()
            if roll < ERROR:
                self.error(step)
                return None
            if roll < ERROR + silence:
                no_inputs += 1
                self.t += GATHER_TIMEOUT
                events.append((self.t, "no_input", flow, node, self.detail("attempt", no_inputs)))
                if no_inputs >= step.max_no_input:
                    events.append((self.t, "retries_exhausted", flow, node, self.detail("after", "no_input")))
                    return step.on_fail
                continue
            if roll < ERROR + silence + invalid:
                invalids += 1
                digits, reason = self.wrong_keys(step)
                wrong = f'{{"attempt": {invalids}, "digits": "{digits}", "reason": "{reason}"}}'
                events.append((self.t, "invalid_input", flow, node, wrong))
                if invalids >= step.max_invalid:
                    events.append((self.t, "retries_exhausted", flow, node, self.detail("after", "invalid_input")))
                    return step.on_fail
                continue
            if step.waiting == "menu" and roll > 1.0 - REPEAT:
                events.append((self.t, "repeat", flow, node, EMPTY))
                continue
            index = pick(rng, step.surge_cum if self.surge else step.cum)
            if step.waiting == "collect":
                digits = self.vars[step.validator] = self.digits(step)
                events.append((self.t, "input", flow, node, f'{{"digits": "{digits}", "mode": "keys"}}'))
                self.j.answered(step, "k")
                return step.targets[index]
            phrases = step.words.get(self.j.language, ())[index : index + 1]
            if misses < MAX_MISSES and phrases and phrases[0] and rng.random() < SPEAK:
                if rng.random() < MISHEARD:
                    misses += 1
                    events.append((self.t, "speech_missed", flow, node, self.missed(misses, phrases[0])))
                    self.j.answered(step, "m")
                    continue
                events.append((self.t, "input", flow, node, self.said(step.keys[index], phrases[0])))
                self.j.answered(step, "s")
            else:
                events.append((self.t, "input", flow, node, self.detail("digits", step.keys[index], "mode", "keys")))
                self.j.answered(step, "k")
            return step.targets[index]

    def said(self, key: str, phrases: tuple[str, ...]) -> str:
        """An `input` understood from speech, as the engine records it."""
        transcript = phrases[int(self.rng.random() * len(phrases))]
        confidence = round(0.55 + 0.44 * self.rng.random(), 2)
        return json.dumps({"digits": key, "mode": "speech", "transcript": transcript, "confidence": confidence})

    def missed(self, attempt: int, phrases: tuple[str, ...]) -> str:
        """A `speech_missed`: mumbled (low confidence) or words no choice of the node means."""
        rng = self.rng
        if rng.random() < 0.6:
            reason, confidence = "low_confidence", round(0.1 + 0.3 * rng.random(), 2)
            transcript = phrases[int(rng.random() * len(phrases))]
        else:
            reason, confidence = "not_understood", round(0.5 + 0.45 * rng.random(), 2)
            transcript = OFF_MENU[int(rng.random() * len(OFF_MENU))]
        detail = {"reason": reason, "attempt": attempt, "transcript": transcript, "confidence": confidence}
        return json.dumps({**detail, "keys_only": attempt >= MAX_MISSES})

    def digits(self, step: Step) -> str:
        low, high = step.lengths
        if step.validator == "phone_number":
            return f"08{self.rng.getrandbits(40) % 10**10:010d}"
        length = high if high - low > 2 else low + int(self.rng.random() * (high - low + 1))
        return f"{self.rng.getrandbits(64) % 10**length:0{length}d}"

    def wrong_keys(self, step: Step) -> tuple[str, str]:
        if step.waiting == "collect":
            low = step.lengths[0]
            if low > 2 and self.rng.random() < 0.6:
                return self.digits(step)[: low - 2], "too_short"
            return self.digits(step), "rejected"
        return ("8" if "8" not in step.keys else "#"), "not_an_option"

    def error(self, step: Step) -> None:
        """A failed turn: the adapter apologises at the waiting node and dials the agent line."""
        j, rng = self.j, self.rng
        j.had_error = True
        j.events.append((self.t, "error", step.flow, step.node, self.detail("error", "ServiceError")))
        roll = rng.random()
        if roll < 0.4:
            j.end = self.t + 5 + int(rng.random() * 10)
            return
        answered = roll < 0.8
        talk = self.talk_time() if answered else 0
        self.t += 20 + int(rng.random() * 20) + talk
        status, duration = ("completed", str(talk)) if answered else ("no-answer", "")
        j.events.append(
            (self.t, "dial_result", step.flow, step.node, self.detail("status", status, "duration", duration))
        )
        j.direct_transfer = "answered" if answered else "unanswered"
        j.end = self.t + 2

    def talk_time(self) -> int:
        return int(self.rng.triangular(120, 480, 210))

    # -- services ---------------------------------------------------------------------------

    def action(self, step: Step) -> Step:
        outcome = self.outcome(step)
        self.j.events.append((self.t, "service", step.flow, step.node, step.details[outcome]))
        self.vars[step.service] = outcome
        effect = SIDE_EFFECTS.get(step.service)
        if effect is not None:
            effect(self, step, outcome)
        return step.results[outcome]

    def outcome(self, step: Step) -> str:
        rng = self.rng
        if step.loop:
            key = f"loop:{step.node}"
            count = self.vars[key] = self.vars.get(key, 0) + 1
            if not step.outcomes or rng.random() < 0.2 + 0.25 * count:
                return "done"
        if step.dynamic:
            weights = self.dynamic(step.service)
            names = [name for name in weights if name in step.results]
            return names[pick(rng, cumulative(weights[name] for name in names))] if names else step.outcomes[0]
        return step.outcomes[pick(rng, step.outcome_cum)]

    def dynamic(self, service: str) -> Mapping[str, float]:
        """Outcomes that depend on the hour, the region, the day or an earlier answer (services in DYNAMIC)."""
        if service.startswith("tickets.category."):
            self.vars["category"] = service.rsplit(".", 1)[1]
        if service == "queue.availability":
            return {self.availability(): 1}
        if service in ("tickets.urgency", "tickets.create_complaint") or service.startswith("tickets.category."):
            return {"urgent" if self.vars.get("category") in URGENT_CATEGORIES else "routine": 1}
        if service == "tickets.begin_complaint":
            return {"outage": 75, "none": 25} if self.surge else {"none": 88, "maintenance": 6, "outage": 6}
        if service == "tickets.status_state":
            return STATUS_WEIGHTS.get(self.vars.get("tickets.lookup", ""), {"other": 1})
        if service == "tickets.find_customer":
            return SERVICE_WEIGHTS[service] if self.world.everyone else {"unknown": 1}
        if service == "readings.identify":
            return self.identify()
        if service == "readings.submit":
            return {"accepted" if self.vars.get("readings.check") == "plausible" else "flagged": 1}
        return {"created": 1}  # callbacks.request: every synthetic caller has a number

    def now_local(self) -> int:
        """Seconds after local midnight at this moment of the call."""
        return (self.local_start + self.t) % 86400

    def is_open(self, place: Place) -> bool:
        return place.opens <= self.now_local() < place.closes

    def availability(self) -> str:
        """As ivr/services/agents.py decides it; a long wait is likelier at peaks and on surge days."""
        if not self.place.national and not self.is_open(self.place):
            self.vars["callback_reason"] = "closed"
            national = self.world.national
            return "closed_national_open" if national is not None and self.is_open(national) else "closed"
        busy = 0.45 if self.surge else (0.05 if HOUR_WEIGHTS[self.now_local() // 3600] >= 19 else 0.01)
        long_wait = self.rng.random() < busy
        self.vars["callback_reason"] = "long_wait" if long_wait else "while_waiting"
        return "long_wait" if long_wait else "open"

    def identify(self) -> Mapping[str, float]:
        """A real meter; callers mostly know their reading window, so most call inside it."""
        accounts = self.world.accounts.get(self.place.id) or self.world.everyone
        if not accounts or self.rng.random() < 0.1:
            return {"not_found": 1}
        day = self.day + (self.local_start + self.t) // 86400
        for _ in range(4):
            account = accounts[int(self.rng.random() * len(accounts))]
            if account.postpaid and account.meter_id is not None and account.window[0] <= day <= account.window[1]:
                self.vars["meter"] = account.meter_id
                return {"ok": 92, "already_submitted": 8}
        return {"prepaid": 1} if not account.postpaid else {"outside_window": 1}

    def complaint(self, step: Step, outcome: str) -> None:
        customer = None
        if self.vars.get("tickets.find_customer") == "found":
            accounts = self.world.accounts.get(self.place.id) or self.world.everyone
            customer = accounts[int(self.rng.random() * len(accounts))].customer_id if accounts else None
        entered = "tickets.set_callback" in self.vars and "phone_number" in self.vars
        number = e164(self.vars["phone_number"]) if entered else self.caller
        category = self.vars.get("category", "other")
        self.j.complaints.append((self.t, category, customer, number, outcome == "urgent", self.vars.get("recording")))

    def reading(self, step: Step, outcome: str) -> None:
        if "meter" in self.vars:
            check = self.vars.get("readings.check") or ""
            flag = {"lower": "lower_than_last_accepted", "jump": "far_above_usual_use"}.get(check)
            self.j.readings.append((self.t, self.vars["meter"], outcome, flag))

    def callback(self, step: Step, outcome: str) -> None:
        j = self.j
        if j.callback_at is None:
            j.callback_at = self.t
            entered = step.takes_number and "phone_number" in self.vars
            number = e164(self.vars["phone_number"]) if entered else self.caller
            reason = self.vars.get("callback_reason") or "agent_unavailable"
            j.callback = (number, reason, menu_path(j.events[:-1]))

    # -- the queue --------------------------------------------------------------------------

    def queue(self, at: Step) -> Step | None:
        """Hold until answered, given up or moved to a callback; overflow to the national queue."""
        j, rng, place, national = self.j, self.rng, self.place, self.world.national
        self.talk = 0
        national_code = national.code if national is not None else NATIONAL_QUEUE
        queue = place.code if not place.national and self.is_open(place) else national_code
        j.events.append((self.t, "enqueued", at.flow, at.node, self.detail("queue", queue)))
        j.queue_name, j.queued_at, j.queue_entered_at = queue, self.t, self.t
        load = HOUR_WEIGHTS[self.now_local() // 3600] / 22
        mean_wait = (15 + 70 * load) * (4 + 2 * rng.random() if self.surge else 1.0)
        wait = int(rng.expovariate(1 / mean_wait))
        patience = 5 + int(rng.expovariate(1 / (140 if self.surge else 220)))
        leave = 25 + int(rng.random() * 45) if wait > MAX_WAIT and rng.random() < 0.35 else None
        start = entered = self.t
        if queue != national_code and min(wait, patience, leave or wait) >= OVERFLOW_AFTER:
            entered = start + OVERFLOW_AFTER
            moved = f'{{"result": "leave", "queue_time": {OVERFLOW_AFTER}, "queue": "{queue}"}}'
            j.events.append((entered, "queue_result", "agent", None, moved))
            j.events.append((entered, "overflow", "agent", None, self.detail("queue", national_code)))
            j.queue_name, j.queue_entered_at, j.overflowed, queue = national_code, entered, True, national_code
        if leave is not None and leave <= min(wait, patience):
            self.t = start + leave
            j.queue_seconds = leave
            left = f'{{"result": "leave", "queue_time": {self.t - entered}, "queue": "{queue}"}}'
            j.events.append((self.t, "queue_result", "agent", None, left))
            return self.graph[("agent", "this_number" if rng.random() < 0.8 else "ask_number")]
        if wait <= patience:
            self.t = j.answered_at = start + wait
            j.queue_seconds, held = wait, self.t - entered
            agent = j.agent_call_sid = f"CAsynagent{rng.getrandbits(96):024x}"
            answered = f'{{"agent_id": null, "agent_call_sid": "{agent}", "queue_time": {held}}}'
            j.events.append((self.t, "answered", "agent", None, answered))
            self.t += self.talk_time()
            result = "bridged"
        else:
            self.t = start + patience
            j.queue_seconds, held, result = patience, self.t - entered, "hangup"
        done = f'{{"result": "{result}", "queue_time": {held}, "queue": "{queue}"}}'
        j.events.append((self.t, "queue_result", "agent", None, done))
        j.end = self.t + 1
        return None


SIDE_EFFECTS: dict[str, Callable[[Walker, Step, str], None]] = {
    "tickets.create_complaint": Walker.complaint,
    "readings.submit": Walker.reading,
    "callbacks.request": Walker.callback,
}
