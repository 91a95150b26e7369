"""Every supervisor figure, defined once: its name, unit, meaning and (for call figures) formula.

Each label and meaning is written in English (the API, the CSV and the docs) and in Bahasa Indonesia
(the console's default); the console shows the one its viewer reads. docs/statistics.md is generated
from this module (`flask --app ivr stats-docs`) and a test keeps the two equal, so the console, the
API, the CSV and the documentation all say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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
    label_id: str = field(kw_only=True)
    definition_id: str = field(kw_only=True)

    def label_in(self, language: str) -> str:
        """The name in the reader's language: Indonesian for "id", English otherwise."""
        return self.label_id if language == "id" else self.label

    def definition_in(self, language: str) -> str:
        return self.definition_id if language == "id" else self.definition


@dataclass(frozen=True)
class Explanation:
    """A text beside a chart or table, in English and in Bahasa Indonesia."""

    en: str
    id: str

    def read_in(self, language: str) -> str:
        return self.id if language == "id" else self.en


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
        label_id="Panggilan masuk",
        definition_id=(
            "Setiap panggilan yang sampai ke IVR dan sudah berakhir, dihitung pada jam mulainya menurut jam "
            "wilayahnya (panggilan yang masih berlangsung dihitung setelah berakhir)."
        ),
    ),
    Figure(
        "handled",
        "Calls handled",
        CALLS,
        "volume",
        "Calls that reached a person: answered by an agent from a queue, or put through to the "
        "region's agent line and answered.",
        lambda t: t["answered"] + t["transferred"],
        label_id="Ditangani agen",
        definition_id=(
            "Panggilan yang sampai ke petugas: dijawab agen dari antrean, atau disambungkan ke saluran agen "
            "wilayah dan dijawab."
        ),
    ),
    Figure(
        "abandoned",
        "Calls abandoned",
        CALLS,
        "volume",
        "Calls where the caller hung up before being served: in the menus, or while waiting in a queue.",
        lambda t: t["abandoned_in_menu"] + t["abandoned_in_queue"],
        label_id="Ditinggalkan",
        definition_id="Panggilan yang ditutup penelepon sebelum dilayani: di menu, atau saat menunggu di antrean.",
    ),
    Figure(
        "self_served",
        "Self-served calls",
        CALLS,
        "volume",
        "Calls that reached a node marked `served` in a flow (the caller got what they came for) "
        "and never queued for or reached an agent.",
        lambda t: t["self_served"],
        label_id="Dilayani mandiri",
        definition_id=(
            "Panggilan yang mencapai langkah bertanda `served` dalam sebuah alur (penelepon mendapat yang "
            "dicarinya) dan tidak pernah antre untuk agen atau tersambung ke agen."
        ),
    ),
    Figure(
        "containment_rate",
        "Self-service containment",
        RATIO,
        "volume",
        "Self-served calls / calls offered.",
        lambda t: ratio(t["self_served"], t["offered"]),
        label_id="Tingkat layanan mandiri",
        definition_id="Panggilan dilayani mandiri / panggilan masuk.",
    ),
    Figure(
        "abandoned_in_menu",
        "Abandoned in the menus",
        CALLS,
        "abandonment",
        "Calls the caller ended in the menus without being served, without queueing and before the IVR ended the call.",
        lambda t: t["abandoned_in_menu"],
        label_id="Ditinggalkan di menu",
        definition_id=(
            "Panggilan yang ditutup penelepon di menu tanpa dilayani, tanpa masuk antrean, dan sebelum IVR "
            "mengakhiri panggilan."
        ),
    ),
    Figure(
        "menu_abandon_rate",
        "Menu abandonment rate",
        RATIO,
        "abandonment",
        "Abandoned in the menus / calls offered.",
        lambda t: ratio(t["abandoned_in_menu"], t["offered"]),
        label_id="Tingkat ditinggalkan di menu",
        definition_id="Ditinggalkan di menu / panggilan masuk.",
    ),
    Figure(
        "queued",
        "Calls queued",
        CALLS,
        "queue",
        "Calls that entered an agent queue (once per call, across an overflow to the national queue).",
        lambda t: t["queued"],
        label_id="Masuk antrean",
        definition_id=(
            "Panggilan yang masuk ke antrean agen (sekali per panggilan, juga bila dialihkan ke antrean nasional)."
        ),
    ),
    Figure(
        "abandoned_in_queue",
        "Abandoned in queue",
        CALLS,
        "abandonment",
        "Queued calls that ended before an agent answered and without asking for a callback.",
        lambda t: t["abandoned_in_queue"],
        label_id="Ditinggalkan di antrean",
        definition_id="Panggilan antre yang berakhir sebelum dijawab agen dan tanpa meminta panggil balik.",
    ),
    Figure(
        "queue_abandon_rate",
        "Queue abandonment rate",
        RATIO,
        "abandonment",
        "Abandoned in queue / calls queued.",
        lambda t: ratio(t["abandoned_in_queue"], t["queued"]),
        label_id="Tingkat ditinggalkan di antrean",
        definition_id="Ditinggalkan di antrean / masuk antrean.",
    ),
    Figure(
        "answered",
        "Answered from queue",
        CALLS,
        "queue",
        "Queued calls an agent answered.",
        lambda t: t["answered"],
        label_id="Dijawab dari antrean",
        definition_id="Panggilan antre yang dijawab agen.",
    ),
    Figure(
        "average_speed_of_answer",
        "Average speed of answer",
        SECONDS,
        "queue",
        "Mean time from first entering a queue to an agent answering, over calls answered from a queue.",
        lambda t: _mean(t["answer_seconds"], t["answered"]),
        label_id="Rata-rata waktu menunggu jawaban",
        definition_id=(
            "Rata-rata waktu sejak pertama masuk antrean sampai dijawab agen, atas panggilan yang dijawab dari antrean."
        ),
    ),
    Figure(
        "average_handle_time",
        "Average handle time",
        SECONDS,
        "queue",
        "Mean time from an agent answering to the end of the call, over calls answered from a "
        "queue (after-call work is not recorded, so it is not included).",
        lambda t: _mean(t["handle_seconds"], t["answered"]),
        label_id="Rata-rata durasi layanan",
        definition_id=(
            "Rata-rata waktu sejak dijawab agen sampai panggilan berakhir, atas panggilan yang dijawab dari "
            "antrean (pekerjaan setelah panggilan tidak dicatat, jadi tidak termasuk)."
        ),
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
        label_id="Service level",
        definition_id=(
            "Panggilan yang dijawab dalam batas waktu (SERVICE_LEVEL_SECONDS, bawaannya 20 detik; waktu "
            "tunggu diukur sejak pertama masuk antrean) / (dijawab dari antrean + ditinggalkan di antrean). "
            "Penelepon yang memilih panggil balik tidak dihitung."
        ),
    ),
    Figure(
        "longest_wait",
        "Longest wait",
        SECONDS,
        "queue",
        "The longest time any caller spent in a queue, answered or not.",
        lambda t: t["wait_max"],
        label_id="Waktu tunggu terlama",
        definition_id="Waktu terlama seorang penelepon berada di antrean, dijawab atau tidak.",
    ),
    Figure(
        "callback_requested",
        "Ended with a callback request",
        CALLS,
        "queue",
        "Calls that ended with the caller asking to be called back (before or while queueing, or when "
        "every line was busy).",
        lambda t: t["callback_requested"],
        label_id="Berakhir dengan permintaan panggil balik",
        definition_id=(
            "Panggilan yang berakhir dengan penelepon minta dihubungi kembali (sebelum atau saat antre, atau "
            "ketika semua saluran sibuk)."
        ),
    ),
    Figure(
        "agent_unavailable",
        "Agent line unanswered",
        CALLS,
        "queue",
        "Calls put through to the region's agent line that nobody answered.",
        lambda t: t["agent_unavailable"],
        label_id="Saluran agen tak dijawab",
        definition_id="Panggilan yang disambungkan ke saluran agen wilayah tetapi tidak dijawab siapa pun.",
    ),
    Figure(
        "ended_by_ivr",
        "Ended by the IVR",
        CALLS,
        "volume",
        "Calls the IVR ended itself without serving the caller (for example after three unanswered prompts, "
        "or turned away with the busy message while MAX_ACTIVE_CALLS calls were up and no callback was left).",
        lambda t: t["ended_by_ivr"],
        label_id="Diakhiri IVR",
        definition_id=(
            "Panggilan yang diakhiri IVR sendiri tanpa melayani penelepon (misalnya setelah tiga pertanyaan "
            "tak dijawab, atau ditolak dengan pesan sibuk saat MAX_ACTIVE_CALLS panggilan sedang berlangsung "
            "dan tidak ada permintaan panggil balik)."
        ),
    ),
    Figure(
        "errors",
        "Ended by an error",
        CALLS,
        "volume",
        "Calls that ended after the service failed them (the caller heard an apology).",
        lambda t: t["errors"],
        label_id="Berakhir karena galat",
        definition_id="Panggilan yang berakhir karena layanan gagal melayaninya (penelepon mendengar permintaan maaf).",
    ),
)

_OTHER_FIGURES: tuple[Figure, ...] = (
    Figure(
        "peak_hour",
        "Peak hour",
        HOUR,
        "volume",
        "The local hour with the most calls offered in the range (the earliest, on a tie).",
        label_id="Jam tersibuk",
        definition_id=(
            "Jam setempat dengan panggilan masuk terbanyak dalam rentang (yang paling awal bila sama banyak)."
        ),
    ),
    Figure(
        "callbacks_requested",
        "Callbacks requested",
        COUNT,
        "callbacks",
        "Callback requests made in the range, by the local day they were made.",
        label_id="Permintaan panggil balik",
        definition_id="Permintaan panggil balik yang dibuat dalam rentang, menurut hari setempat saat dibuat.",
    ),
    Figure(
        "callbacks_fulfilled",
        "Callbacks fulfilled",
        COUNT,
        "callbacks",
        "Of the callback requests made in the range, those an agent has marked done.",
        label_id="Panggil balik selesai",
        definition_id="Dari permintaan panggil balik dalam rentang, yang sudah ditandai selesai oleh agen.",
    ),
    Figure(
        "median_time_to_callback",
        "Median time to callback",
        SECONDS,
        "callbacks",
        "Median time from the request to an agent marking it done, over fulfilled requests.",
        label_id="Median waktu panggil balik",
        definition_id=(
            "Median waktu sejak permintaan dibuat sampai agen menandainya selesai, atas permintaan yang sudah selesai."
        ),
    ),
    Figure(
        "readings_submitted",
        "Readings submitted",
        COUNT,
        "readings",
        "Meter readings customers reported themselves on the channel (by phone through the IVR, or by SMS or "
        "WhatsApp), by local day of submission.",
        label_id="Stand meter dilaporkan",
        definition_id=(
            "Stand meter yang dilaporkan sendiri oleh pelanggan lewat salurannya (telepon melalui IVR, atau "
            "SMS atau WhatsApp), menurut hari setempat saat dikirim."
        ),
    ),
    Figure(
        "readings_accepted",
        "Readings accepted",
        COUNT,
        "readings",
        "Of those, the readings that stand accepted now (plausible at once, or accepted on review).",
        label_id="Stand meter diterima",
        definition_id=(
            "Dari laporan itu, yang kini berstatus diterima (langsung dinilai wajar, atau diterima setelah ditinjau)."
        ),
    ),
    Figure(
        "readings_flagged",
        "Readings flagged",
        COUNT,
        "readings",
        "Of those, the readings the plausibility check flagged for review when they were submitted.",
        label_id="Stand meter ditandai",
        definition_id="Dari laporan itu, yang ditandai pemeriksaan kewajaran untuk ditinjau saat dikirim.",
    ),
    Figure(
        "complaints_opened",
        "Complaints opened",
        COUNT,
        "complaints",
        "Complaints and outage reports created in the range, per category.",
        label_id="Pengaduan dibuka",
        definition_id="Pengaduan dan laporan gangguan yang dibuat dalam rentang, per kategori.",
    ),
    Figure(
        "complaints_resolved",
        "Complaints resolved",
        COUNT,
        "complaints",
        "Complaints resolved in the range (whenever they were opened), per category.",
        label_id="Pengaduan selesai",
        definition_id="Pengaduan yang diselesaikan dalam rentang (kapan pun dibukanya), per kategori.",
    ),
    Figure(
        "complaints_backlog",
        "Complaint backlog",
        COUNT,
        "complaints",
        "Complaints opened before the end of the range and not resolved by then, per category.",
        label_id="Pengaduan tertunda",
        definition_id="Pengaduan yang dibuka sebelum akhir rentang dan belum selesai saat itu, per kategori.",
    ),
    Figure(
        "median_time_to_resolve",
        "Median time to resolve",
        SECONDS,
        "complaints",
        "Median time from opening to resolution, over complaints resolved in the range.",
        label_id="Median waktu penyelesaian",
        definition_id="Median waktu sejak dibuka sampai selesai, atas pengaduan yang diselesaikan dalam rentang.",
    ),
)

FIGURES: tuple[Figure, ...] = _CALL_FIGURES + _OTHER_FIGURES
CALL_FIGURES: dict[str, Figure] = {figure.name: figure for figure in _CALL_FIGURES}
BY_NAME: dict[str, Figure] = {figure.name: figure for figure in FIGURES}

FUNNEL = Explanation(
    "Per flow: calls that reached it (entered any of its nodes), completed it (reached a node marked "
    "`served`), and gave up in it: hung up in the menus unserved, counted at the node they were on.",
    "Per alur: panggilan yang mencapainya (masuk ke salah satu langkahnya), menyelesaikannya (mencapai langkah "
    "bertanda `served`), dan menyerah di dalamnya: menutup telepon di menu tanpa dilayani, dihitung pada langkah "
    "tempat penelepon berada.",
)
USAGE = Explanation(
    "Menu option usage: calls that entered the flow each main-menu key leads to.",
    "Penggunaan menu: panggilan yang masuk ke alur yang dituju setiap tombol menu utama.",
)
SPEECH = Explanation(
    "Speech by node: per node of a flow, calls that answered it at all (by keys, speech or text, an utterance "
    "not understood included), calls that spoke there at least once (understood or not; the share of those that "
    "answered), and calls with at least one utterance not understood there, below the confidence threshold or "
    "matching no choice (the share of those that spoke). Each call counts once per node however often it answered.",
    "Ucapan per langkah: untuk setiap langkah sebuah alur, panggilan yang menjawabnya sama sekali (dengan tombol, "
    "ucapan atau teks, termasuk ucapan yang tidak dipahami), panggilan yang berbicara di sana setidaknya sekali "
    "(dipahami atau tidak; bagiannya dari yang menjawab), dan panggilan dengan setidaknya satu ucapan yang tidak "
    "dipahami di sana, di bawah ambang keyakinan atau tidak cocok dengan pilihan mana pun (bagiannya dari yang "
    "berbicara). Setiap panggilan dihitung sekali per langkah, berapa kali pun ia menjawab.",
)
CHANNEL = Explanation(
    "Every figure is for one channel: voice (phone calls, the default), SMS or WhatsApp. A text conversation "
    'counts as a "call" of its channel: calls offered are the conversations started (counted once they end), '
    "self-served ones got what they came for, abandoned in the menus went quiet until the conversation expired, "
    "and the queue and answer figures are zero, because a text conversation hands over to an agent as a callback "
    "request. Callbacks and complaints count under the channel of the call or conversation that opened them "
    "(voice when none did, e.g. a complaint an agent entered), readings under the channel they were sent on.",
    "Setiap angka berlaku untuk satu saluran: suara (panggilan telepon, bawaannya), SMS atau WhatsApp. Percakapan "
    'teks dihitung sebagai "panggilan" di salurannya: panggilan masuk adalah percakapan yang dimulai (dihitung '
    "setelah berakhir), yang dilayani mandiri mendapat yang dicarinya, yang ditinggalkan di menu berhenti membalas "
    "sampai percakapan kedaluwarsa, dan angka antrean serta jawaban nol, karena percakapan teks diserahkan ke agen "
    "sebagai permintaan panggil balik. Panggil balik dan pengaduan dihitung pada saluran panggilan atau percakapan "
    "yang membukanya (suara bila tidak ada, misalnya pengaduan yang dicatat agen), laporan stand meter pada saluran "
    "pengirimannya.",
)
# The English texts under their old names, as the API and the CSV serve them.
FUNNEL_DEFINITION, USAGE_DEFINITION, SPEECH_DEFINITION = FUNNEL.en, USAGE.en, SPEECH.en
CHANNEL_DEFINITION = CHANNEL.en


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
        CHANNEL.en,
        "",
        "| Figure | Name | Unit | Definition |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {f.label} | `{f.name}` | {f.unit} | {f.definition} |" for f in FIGURES]
    lines += ["", "## Menu funnel", "", FUNNEL.en, "", USAGE.en, "", SPEECH.en, ""]
    lines += [
        "## Dalam Bahasa Indonesia",
        "",
        "The same figures and texts as the console shows them in Indonesian, its default language.",
        "",
        CHANNEL.id,
        "",
        "| Angka | Nama | Definisi |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {f.label_id} | `{f.name}` | {f.definition_id} |" for f in FIGURES]
    lines += ["", FUNNEL.id, "", USAGE.id, "", SPEECH.id, ""]
    return "\n".join(lines)
