"""Every supervisor figure, defined once: its name, unit, meaning and (for call figures) formula.

docs/statistics.md is generated from this module (`flask --app ivr stats-docs`) and a test keeps
the two equal, so the console, the API, the CSV and the documentation all say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from db.models.stats import within_column

Number = int | float | None

CALLS, RATIO, SECONDS, COUNT, HOUR = "calls", "ratio", "seconds", "count", "local hour"


@dataclass(frozen=True)
class Totals:
    """Summed hour counters for a range (see db/models/stats.py), and the service level threshold."""

    counters: Mapping[str, int]
    service_level_seconds: int = 20

    def __getitem__(self, name: str) -> int:
        return int(self.counters.get(name) or 0)


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    group: str
    definition: str
    compute: Callable[[Totals], Number] | None = None  # call figures only


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as "-", never as 0 %)."""
    return part / whole if whole else None


def _mean(total: int, count: int) -> float | None:
    return total / count if count else None


def _service_level(t: Totals) -> float | None:
    return ratio(t[within_column(t.service_level_seconds)], t["answered"] + t["abandoned_in_queue"])


_CALL_FIGURES: tuple[Figure, ...] = (
    Figure(
        "offered",
        "Calls offered",
        CALLS,
        "volume",
        "Every call that reached the IVR and has ended, counted in the hour it started on its "
        "region's clock (calls still in progress are counted once they end).",
        lambda t: t["offered"],
    ),
    Figure(
        "handled",
        "Calls handled",
        CALLS,
        "volume",
        "Calls that reached a person: answered by an agent from a queue, or put through to the "
        "region's agent line and answered.",
        lambda t: t["answered"] + t["transferred"],
    ),
    Figure(
        "abandoned",
        "Calls abandoned",
        CALLS,
        "volume",
        "Calls where the caller hung up before being served: in the menus, or while waiting in a queue.",
        lambda t: t["abandoned_in_menu"] + t["abandoned_in_queue"],
    ),
    Figure(
        "self_served",
        "Self-served calls",
        CALLS,
        "volume",
        "Calls that reached a node marked `served` in a flow (the caller got what they came for) "
        "and never queued for or reached an agent.",
        lambda t: t["self_served"],
    ),
    Figure(
        "containment_rate",
        "Self-service containment",
        RATIO,
        "volume",
        "Self-served calls / calls offered.",
        lambda t: ratio(t["self_served"], t["offered"]),
    ),
    Figure(
        "abandoned_in_menu",
        "Abandoned in the menus",
        CALLS,
        "abandonment",
        "Calls the caller ended in the menus without being served, without queueing and before the IVR ended the call.",
        lambda t: t["abandoned_in_menu"],
    ),
    Figure(
        "menu_abandon_rate",
        "Menu abandonment rate",
        RATIO,
        "abandonment",
        "Abandoned in the menus / calls offered.",
        lambda t: ratio(t["abandoned_in_menu"], t["offered"]),
    ),
    Figure(
        "queued",
        "Calls queued",
        CALLS,
        "queue",
        "Calls that entered an agent queue (once per call, across an overflow to the national queue).",
        lambda t: t["queued"],
    ),
    Figure(
        "abandoned_in_queue",
        "Abandoned in queue",
        CALLS,
        "abandonment",
        "Queued calls that ended before an agent answered and without asking for a callback.",
        lambda t: t["abandoned_in_queue"],
    ),
    Figure(
        "queue_abandon_rate",
        "Queue abandonment rate",
        RATIO,
        "abandonment",
        "Abandoned in queue / calls queued.",
        lambda t: ratio(t["abandoned_in_queue"], t["queued"]),
    ),
    Figure(
        "answered", "Answered from queue", CALLS, "queue", "Queued calls an agent answered.", lambda t: t["answered"]
    ),
    Figure(
        "average_speed_of_answer",
        "Average speed of answer",
        SECONDS,
        "queue",
        "Mean time from first entering a queue to an agent answering, over calls answered from a queue.",
        lambda t: _mean(t["answer_seconds"], t["answered"]),
    ),
    Figure(
        "average_handle_time",
        "Average handle time",
        SECONDS,
        "queue",
        "Mean time from an agent answering to the end of the call, over calls answered from a "
        "queue (after-call work is not recorded, so it is not included).",
        lambda t: _mean(t["handle_seconds"], t["answered"]),
    ),
    Figure(
        "service_level",
        "Service level",
        RATIO,
        "queue",
        "Calls answered within the threshold (SERVICE_LEVEL_SECONDS, 20 s by default; wait "
        "measured from first entering a queue) / (answered from queue + abandoned in queue). "
        "Callers who chose a callback are left out.",
        _service_level,
    ),
    Figure(
        "longest_wait",
        "Longest wait",
        SECONDS,
        "queue",
        "The longest time any caller spent in a queue, answered or not.",
        lambda t: t["wait_max"],
    ),
    Figure(
        "callback_requested",
        "Ended with a callback request",
        CALLS,
        "queue",
        "Calls that ended with the caller asking to be called back (before or while queueing, or when "
        "every line was busy).",
        lambda t: t["callback_requested"],
    ),
    Figure(
        "agent_unavailable",
        "Agent line unanswered",
        CALLS,
        "queue",
        "Calls put through to the region's agent line that nobody answered.",
        lambda t: t["agent_unavailable"],
    ),
    Figure(
        "ended_by_ivr",
        "Ended by the IVR",
        CALLS,
        "volume",
        "Calls the IVR ended itself without serving the caller (for example after three unanswered prompts, "
        "or turned away with the busy message while MAX_ACTIVE_CALLS calls were up and no callback was left).",
        lambda t: t["ended_by_ivr"],
    ),
    Figure(
        "errors",
        "Ended by an error",
        CALLS,
        "volume",
        "Calls that ended after the service failed them (the caller heard an apology).",
        lambda t: t["errors"],
    ),
)

_OTHER_FIGURES: tuple[Figure, ...] = (
    Figure(
        "peak_hour",
        "Peak hour",
        HOUR,
        "volume",
        "The local hour with the most calls offered in the range (the earliest, on a tie).",
    ),
    Figure(
        "callbacks_requested",
        "Callbacks requested",
        COUNT,
        "callbacks",
        "Callback requests made in the range, by the local day they were made.",
    ),
    Figure(
        "callbacks_fulfilled",
        "Callbacks fulfilled",
        COUNT,
        "callbacks",
        "Of the callback requests made in the range, those an agent has marked done.",
    ),
    Figure(
        "median_time_to_callback",
        "Median time to callback",
        SECONDS,
        "callbacks",
        "Median time from the request to an agent marking it done, over fulfilled requests.",
    ),
    Figure(
        "readings_submitted",
        "Readings submitted",
        COUNT,
        "readings",
        "Meter readings customers reported themselves on the channel (by phone through the IVR, or by SMS or "
        "WhatsApp), by local day of submission.",
    ),
    Figure(
        "readings_accepted",
        "Readings accepted",
        COUNT,
        "readings",
        "Of those, the readings that stand accepted now (plausible at once, or accepted on review).",
    ),
    Figure(
        "readings_flagged",
        "Readings flagged",
        COUNT,
        "readings",
        "Of those, the readings the plausibility check flagged for review when they were submitted.",
    ),
    Figure(
        "complaints_opened",
        "Complaints opened",
        COUNT,
        "complaints",
        "Complaints and outage reports created in the range, per category.",
    ),
    Figure(
        "complaints_resolved",
        "Complaints resolved",
        COUNT,
        "complaints",
        "Complaints resolved in the range (whenever they were opened), per category.",
    ),
    Figure(
        "complaints_backlog",
        "Complaint backlog",
        COUNT,
        "complaints",
        "Complaints opened before the end of the range and not resolved by then, per category.",
    ),
    Figure(
        "median_time_to_resolve",
        "Median time to resolve",
        SECONDS,
        "complaints",
        "Median time from opening to resolution, over complaints resolved in the range.",
    ),
)

FIGURES: tuple[Figure, ...] = _CALL_FIGURES + _OTHER_FIGURES
CALL_FIGURES: dict[str, Figure] = {figure.name: figure for figure in _CALL_FIGURES}
BY_NAME: dict[str, Figure] = {figure.name: figure for figure in FIGURES}

FUNNEL_DEFINITION = (
    "Per flow: calls that reached it (entered any of its nodes), completed it (reached a node marked "
    "`served`), and gave up in it: hung up in the menus unserved, counted at the node they were on."
)
USAGE_DEFINITION = "Menu option usage: calls that entered the flow each main-menu key leads to."
SPEECH_DEFINITION = (
    "Speech by node: per node of a flow, calls that answered it at all (by keys, speech or text, an utterance "
    "not understood included), calls that spoke there at least once (understood or not; the share of those that "
    "answered), and calls with at least one utterance not understood there, below the confidence threshold or "
    "matching no choice (the share of those that spoke). Each call counts once per node however often it answered."
)
CHANNEL_DEFINITION = (
    "Every figure is for one channel: voice (phone calls, the default), SMS or WhatsApp. A text conversation "
    'counts as a "call" of its channel: calls offered are the conversations started (counted once they end), '
    "self-served ones got what they came for, abandoned in the menus went quiet until the conversation expired, "
    "and the queue and answer figures are zero, because a text conversation hands over to an agent as a callback "
    "request. Callbacks and complaints count under the channel of the call or conversation that opened them "
    "(voice when none did, e.g. a complaint an agent entered), readings under the channel they were sent on."
)


def call_figures(totals: Totals) -> dict[str, Number]:
    """Every call figure for one set of totals (a whole range or one bucket of a series)."""
    return {name: figure.compute(totals) for name, figure in CALL_FIGURES.items() if figure.compute}


def markdown() -> str:
    """The statistics reference page (docs/statistics.md)."""
    lines = [
        "# Supervisor statistics: what each figure means",
        "",
        "Generated from `ivr/stats/definitions.py` by `flask --app ivr stats-docs`; do not edit by hand.",
        "",
        "Ranges are whole local days. Each call, reading, complaint and callback counts on its own",
        'region\'s clock (calls without a region on the national one), so "all regions" is the sum of',
        'the regions. Ratios with nothing to divide by are shown as "-". Series come in hours, days or',
        "ISO weeks; a week is labelled by its Monday and counts only its days inside the range.",
        "",
        CHANNEL_DEFINITION,
        "",
        "| Figure | Name | Unit | Definition |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {f.label} | `{f.name}` | {f.unit} | {f.definition} |" for f in FIGURES]
    lines += ["", "## Menu funnel", "", FUNNEL_DEFINITION, "", USAGE_DEFINITION, "", SPEECH_DEFINITION, ""]
    return "\n".join(lines)
