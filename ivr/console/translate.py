"""The console's own words in English, for viewers who chose it: `t("Statistik")` -> "Statistics".

A dict keyed by the Indonesian text, not gettext catalogs: the console has two languages and a few
hundred words, the Indonesian stays readable in the templates where it is used, nothing has to be
compiled (or kept out of git), and a test reads every `t("...")` in the templates and modules and
fails on one without an English entry. A text without one shows in Indonesian, never as a key.
Values carry their own `{placeholders}`, filled after lookup. Figure names and definitions are not
here: ivr/stats/definitions.py holds them in both languages.
"""

from __future__ import annotations

from ivr.console.language import viewer_language

ENGLISH: dict[str, str] = {
    # header and menu
    "Konsol": "Console",
    "Keluar": "Log out",
    "Panggilan": "Calls",
    "Panggilan saat ini": "Call in hand",
    "Pelanggan": "Customers",
    "Pengaduan": "Complaints",
    "Permohonan": "Service requests",
    "Panggil balik": "Callbacks",
    "Baca meter": "Meter readings",
    "Langsung": "Live",
    "Statistik": "Statistics",
    "Pengumuman": "Announcements",
    "Pengguna": "Users",
    # statistics page
    "Dari tanggal": "From",
    "Sampai tanggal": "To",
    "Wilayah": "Region",
    "Semua wilayah": "All regions",
    "Saluran": "Channel",
    "Rincian waktu": "Breakdown",
    "Per jam": "By hour",
    "Per hari": "By day",
    "Per minggu": "By week",
    "Batas service level": "Service level threshold",
    "{seconds} detik": "{seconds} s",
    "Tampilkan": "Show",
    "Atur ulang": "Reset",
    "Telepon": "Voice",
    "Semua saluran": "All channels",
    "Per saluran": "By channel",
    "Panggilan masuk": "Calls offered",
    "Selesai swalayan": "Self-served",
    "Tingkat swalayan": "Self-service rate",
    "Permintaan panggil balik": "Callbacks requested",
    (
        "Semua saluran: telepon, SMS dan WhatsApp dijumlahkan. Angka antrean dan jawaban (service level, waktu "
        "jawab, durasi layanan, tunggu terlama) hanya dari telepon, karena percakapan teks diserahkan ke agen "
        "sebagai permintaan panggil balik."
    ): (
        "All channels: voice, SMS and WhatsApp added up. Queue and answer figures (service level, speed of "
        "answer, handle time, longest wait) come from phone calls only, since text conversations are handed to "
        "agents as callback requests."
    ),
    "SMS": "SMS",
    "WhatsApp": "WhatsApp",
    "Rentang ini tidak dapat ditampilkan: {error}.": "This range cannot be shown: {error}.",
    "s.d.": "to",
    "Setiap panggilan, pengaduan dan laporan dihitung menurut jam wilayahnya sendiri. "
    'Rasio tanpa pembagi ditampilkan "-".': "Every call, complaint and reading counts on its own region's clock. "
    'Ratios with nothing to divide by are shown as "-".',
    "Di saluran ini setiap percakapan dihitung sebagai satu panggilan; angka antrean nol, karena percakapan "
    "teks diserahkan ke agen sebagai permintaan panggil balik.": "On this channel each conversation counts as "
    "one call; the queue figures are zero, because a text conversation is handed to an agent as a callback "
    "request.",
    "Ekspor": "Export",
    "Ringkasan (CSV)": "Summary (CSV)",
    "Deret waktu (CSV)": "Time series (CSV)",
    "Corong menu (CSV)": "Menu funnel (CSV)",
    "Data panggilan (CSV)": "Call records (CSV)",
    "Angka utama": "Headline figures",
    "Apa artinya?": "What does it mean?",
    "dijawab dalam {seconds} detik": "answered within {seconds} s",
    "{calls} panggilan · jam setempat": "{calls} calls · local time",
    "{days} hari": "{days} d",
    "{days} hari {hours} jam": "{days} d {hours} h",
    "Volume panggilan": "Call volume",
    "Lainnya": "Other",
    "Pengaduan per kategori": "Complaints by category",
    "Service level (dijawab dalam {seconds} detik)": "Service level (answered within {seconds} s)",
    "Corong menu": "Menu funnel",
    "Selesai": "Completed",
    "Menyerah": "Gave up",
    "Lainnya (pindah menu, antre, dll.)": "Other (changed menu, queued, etc.)",
    "Panggilan masuk per periode, ditumpuk menurut hasilnya. Lainnya: {others}.": "Calls offered per period, "
    "stacked by how they went. Other: {others}.",
    "Periode": "Period",
    "Service level per periode; garis putus-putus adalah nilai seluruh rentang. Periode tanpa panggilan antre "
    "tidak punya titik.": "Service level per period; the dashed line is the whole range's value. A period "
    "without queued calls has no point.",
    "Seluruh rentang": "Whole range",
    "Pengaduan dibuka, diselesaikan dan yang masih tertunda di akhir rentang, per kategori.": "Complaints opened, "
    "resolved and still open at the end of the range, by category.",
    "Kategori": "Category",
    "Belum ada panggilan di menu pada rentang ini.": "No calls in the menus in this range.",
    "Penggunaan menu": "Menu usage",
    "Menu": "Menu",
    "Dicapai": "Reached",
    "Tingkat selesai": "Completion rate",
    "Tempat menyerah terbanyak": "Where most gave up",
    "Belum ada data.": "No data yet.",
    "Ucapan per langkah": "Speech by node",
    "Langkah": "Node",
    "Dijawab": "Answered",
    "Diucapkan (%)": "Spoken (%)",
    "Tak dipahami (% dari yang diucapkan)": "Not understood (% of spoken)",
    "Belum ada jawaban lisan pada rentang ini.": "No spoken answers in this range.",
    # pages: home, live, now, calls, call, callbacks
    # home
    "Beranda": "Home",
    "Selamat datang, {name}": "Welcome, {name}",
    "Angka tidak dapat diperbarui; mencoba lagi.": "The figures could not be updated; trying again.",
    "Diperbarui setiap {seconds} detik.": "Updated every {seconds} seconds.",
    "Buka": "Go to",
    "Hari ini, {day} · {region} · per {time}": "Today, {day} · {region} · as of {time}",
    "Panggilan hari ini": "Calls today",
    "Panggilan telepon dan percakapan SMS/WhatsApp yang sudah selesai hari ini. Yang masih berlangsung ada di "
    "halaman Langsung.": "Phone calls and SMS/WhatsApp conversations that ended today. Those still going on are on "
    "the Live page.",
    "Lihat panggilan": "See the calls",
    "Selesai di menu tanpa agen, dari panggilan hari ini.": "Completed in the menus without an agent, of today's "
    "calls.",
    "Lihat panggilan swalayan": "See the self-served calls",
    "Menunggu sekarang": "Waiting now",
    "Data langsung sedang tidak tersedia.": "Live data is not available right now.",
    "Penelepon di antrean agen saat ini.": "Callers in the agent queue right now.",
    "Penelepon di antrean agen {queue} saat ini.": "Callers in the {queue} agent queue right now.",
    "Buka Langsung": "Open Live",
    "Tunggu terlama sekarang": "Longest wait now",
    "Tidak ada": "None",
    "Tidak ada yang menunggu.": "Nobody is waiting.",
    "Lama penelepon terdepan sudah menunggu (menit:detik).": "How long the caller at the front has waited "
    "(minutes:seconds).",
    "Pengaduan mendesak terbuka": "Open urgent complaints",
    "Pengaduan mendesak (mis. instalasi berbahaya) yang belum selesai, dari hari mana pun.": "Urgent complaints "
    "(e.g. dangerous installations) not yet resolved, from any day.",
    "Buka pengaduan": "Open complaints",
    "Stand meter perlu diperiksa": "Meter readings to review",
    "Laporan stand meter yang ditandai dan menunggu pemeriksaan.": "Meter readings that were flagged and await review.",
    "Periksa stand meter": "Review meter readings",
    # live
    "Papan tidak dapat diperbarui; mencoba lagi.": "The board could not be updated; trying again.",
    "Data langsung sedang tidak tersedia. Halaman ini mencoba lagi dalam {seconds} detik.": "Live data is not "
    "available right now. This page tries again in {seconds} seconds.",
    "Per {time} · diperbarui setiap {seconds} detik.": "As of {time} · updated every {seconds} seconds.",
    "Wilayah / antrean": "Region / queue",
    "Di menu": "In the menus",
    "Menunggu": "Waiting",
    "Mendesak": "Urgent",
    "Tunggu terlama": "Longest wait",
    "Agen terhubung": "Agents connected",
    "Tidak ada yang menunggu": "Nobody waiting",
    "Agen terhubung: agen yang menelepon saluran agen dan belum menutupnya, sedang melayani penelepon atau "
    "menunggu penelepon berikutnya.": "Agents connected: agents who phoned the agent line and have not hung up, "
    "serving a caller or waiting for the next one.",
    "Menunggu, sesuai urutan diambil agen (yang mendesak lebih dulu):": "Waiting, in the order agents take them "
    "(urgent ones first):",
    "MENDESAK": "URGENT",
    "Agen di saluran": "Agents on the line",
    "melayani penelepon": "serving a caller",
    "menunggu penelepon berikutnya": "waiting for the next caller",
    "Agen": "Agent",
    "Tanpa wilayah": "No region",
    # now (the screen pop)
    "Data panggilan tidak dapat dibaca sekarang; halaman ini terus mencoba.": "Call data cannot be read right now; "
    "this page keeps trying.",
    "Belum ada penelepon yang tersambung ke Anda. Penelepon berikutnya muncul di sini begitu tersambung.": "No "
    "caller is connected to you yet. The next caller shows here as soon as they are connected.",
    "Penelepon": "Caller",
    "Nasional": "National",
    "(dialihkan ke antrean nasional)": "(moved to the national queue)",
    "Mulai": "Started",
    "Jalur menu": "Menu path",
    "Langsung minta petugas": "Asked for an agent straight away",
    "Yang diketik": "Typed",
    "Rincian panggilan belum tersedia.": "The call's details are not available yet.",
    "Pelanggan tidak dikenali dari nomor atau ID yang diketik.": "Customer not recognised from the number or ID typed.",
    "Tiket terbuka": "Open tickets",
    "Pengaduan {number}": "Complaint {number}",
    "Permohonan {number}": "Service request {number}",
    "darurat": "urgent",
    "Tidak ada.": "None.",
    "Tagihan belum dibayar": "Unpaid bills",
    "jatuh tempo {date}": "due {date}",
    "Pembacaan meter terakhir": "Latest meter readings",
    "meter {number}": "meter {number}",
    "Belum ada.": "None yet.",
    "Buka halaman panggilan": "Open the call's page",
    "Halaman pelanggan (tiket, tagihan, riwayat)": "Customer page (tickets, bills, history)",
    "Buka tiket": "Open a ticket",
    "Keterangan": "Note",
    "Jadwalkan telepon balik ke nomor ini": "Schedule a callback to this number",
    "Selesai · berikutnya": "Done · next",
    "Panggilan tidak ditemukan.": "Call not found.",
    "Tiket {n} dibuat.": "Ticket {n} created.",
    "Tiket {n} sudah ada untuk panggilan ini.": "Ticket {n} already exists for this call.",
    "Penelepon tidak punya nomor yang bisa ditelepon balik.": "The caller has no number that can be called back.",
    "Panggil balik dicatat.": "Callback booked.",
    "Panggil balik untuk panggilan ini sudah tercatat.": "A callback for this call is already booked.",
    # ticket categories (ivr/console/work.py CATEGORY_LABELS), translated where used
    "Listrik padam (rumah)": "Power out (home)",
    "Padam satu lingkungan": "Outage in the neighbourhood",
    "Tagihan": "Billing",
    "Instalasi berbahaya": "Dangerous installation",
    "Pasang baru": "New connection",
    "Ubah daya": "Power change",
    "Sambung sementara": "Temporary connection",
}


def t(text: str, **values: object) -> str:
    """`text` in the viewer's language (Indonesian is the key itself), its {placeholders} filled."""
    chosen = ENGLISH.get(text, text) if viewer_language() == "en" else text
    return chosen.format(**values) if values else chosen
