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
    # pages: tickets, readings, customers, users, announcements, login
    # work queues and tickets (ivr/console/work.py, ivr/queries/tickets.py)
    "Perlu ditangani": "To do",
    "Semua": "All",
    "Baru": "New",
    "Sedang ditangani": "In progress",
    "Ditutup": "Closed",
    "Listrik padam (rumah)": "Power out (home)",
    "Padam satu lingkungan": "Outage in the neighbourhood",
    "Tagihan": "Billing",
    "Instalasi berbahaya": "Dangerous installation",
    "Pasang baru": "New connection",
    "Ubah daya": "Power change",
    "Sambung sementara": "Temporary connection",
    "Tidak dikirim: SMS belum dikonfigurasi": "Not sent: SMS is not configured",
    "Tidak dikirim: tidak ada nomor ponsel": "Not sent: no mobile number",
    "Perubahan disimpan.": "Changes saved.",
    "{minutes} menit": "{minutes} min",
    "{hours} jam": "{hours} h",
    "Nomor halaman tidak valid.": "Invalid page number.",
    "{count} {kind}, mendesak lebih dulu, lalu yang paling lama menunggu.": "{count} {kind}, urgent first, then the "
    "longest waiting.",
    "Nomor": "Number",
    "Jenis": "Type",
    "Status": "Status",
    "Umur": "Age",
    "Nomor telepon": "Phone number",
    "Catatan terakhir": "Latest note",
    "MENDESAK": "URGENT",
    "Tidak ada {kind} dengan status ini.": "No {kind} with this status.",
    "Sebelumnya": "Previous",
    "Berikutnya": "Next",
    "Halaman {page} dari {pages}": "Page {page} of {pages}",
    "Dibuat": "Created",
    "{age} lalu": "{age} ago",
    "Terakhir diubah": "Last changed",
    "Daya diminta": "Power requested",
    "Keterangan": "Description",
    "Rekaman": "Recording",
    "Dengarkan rekaman": "Listen to the recording",
    "Bahasa": "Language",
    "Ubah status / tambah catatan": "Change status / add a note",
    "Status dan catatan ini yang didengar penelepon di menu 4. Status Sedang ditangani, Selesai dan Ditutup juga "
    "dikirim ke pelanggan lewat SMS atau WhatsApp, bersama catatannya (paling banyak 280 karakter).": "Callers hear "
    "this status and note in menu 4. The statuses In progress, Completed and Closed are also sent to the customer "
    "by SMS or WhatsApp, with the note (at most 280 characters).",
    "{status} (tetap)": "{status} (unchanged)",
    "Catatan (paling banyak 500 karakter)": "Note (at most 500 characters)",
    "Simpan": "Save",
    "Riwayat": "History",
    "Waktu": "Time",
    "Petugas": "By",
    "Catatan": "Note",
    "Pelanggan diberi tahu": "Customer told",
    "{notice} ke {number}": "{notice} to {number}",
    "Belum ada perubahan.": "No changes yet.",
    "{what} terlalu panjang ({length} karakter, paling banyak {limit}).": "{what} is too long ({length} characters, "
    "at most {limit}).",
    "{what} wajib diisi.": "{what} is required.",
    "Jenis tiket tidak dikenal: {kind!r}.": "Unknown ticket type: {kind!r}.",
    "Status tidak dikenal: {status!r}.": "Unknown status: {status!r}.",
    "Tidak ada perubahan: pilih status lain atau tulis catatan.": "Nothing to change: choose another status or "
    "write a note.",
    'Status tidak dapat diubah dari "{old}" ke "{new}".': 'The status cannot change from "{old}" to "{new}".',
    # meter readings (ivr/console/readings.py, ivr/queries/readings.py)
    "Lebih rendah dari stand terakhir yang diterima": "Lower than the last accepted reading",
    "Jauh di atas pemakaian biasa": "Far above usual use",
    "Telepon 123": "Phone 123",
    "Petugas catat meter": "Meter reader",
    "Pembacaan diterima.": "Reading accepted.",
    "Pembacaan ditolak.": "Reading rejected.",
    "Pembacaan ini sudah tidak menunggu pemeriksaan.": "This reading is no longer waiting for review.",
    "Alasan penolakan": "Reason for rejection",
    "Baca meter: perlu diperiksa": "Meter readings: to review",
    "{count} pembacaan ditandai, yang paling lama lebih dulu. Yang diterima menjadi stand acuan bulan berikutnya.": (
        "{count} flagged readings, oldest first. An accepted one becomes the baseline for next month."
    ),
    "Referensi": "Reference",
    "Dikirim": "Submitted",
    "Nomor meter": "Meter number",
    "Stand": "Reading",
    "Stand sebelumnya": "Previous reading",
    "Alasan ditandai": "Why flagged",
    "Foto": "Photo",
    "Keputusan": "Decision",
    "Lihat foto": "View photo",
    "Terima": "Accept",
    "Alasan penolakan (didengar pelanggan di menu 4)": "Reason for rejection (the customer hears it in menu 4)",
    "Tolak": "Reject",
    "Tidak ada pembacaan yang perlu diperiksa.": "No readings to review.",
    # labels shared with the call pages, shown on a ticket (ivr/console/formatting.py)
    "Indonesia": "Indonesian",
    "Inggris": "English",
    "Dalam antrean kirim": "Queued to send",
    "Terkirim": "Sent",
    "Gagal": "Failed",
    # customers (ivr/console/customers.py)
    "Pascabayar": "Postpaid",
    "Prabayar": "Prepaid",
    "Cari pelanggan": "Find a customer",
    "IDPEL (12 angka), nomor meter (11 angka) atau nomor telepon": "Customer ID (IDPEL, 12 digits), meter number "
    "(11 digits) or phone number",
    "Cari": "Search",
    "Nama": "Name",
    "Alamat": "Address",
    "Meter": "Meter",
    "Tarif/daya": "Tariff/power",
    "Tidak ada pelanggan yang cocok dengan “{query}”.": "No customer matches “{query}”.",
    "Tarif / daya": "Tariff / power",
    "Jendela baca meter": "Meter reading window",
    "tanggal {first}\u2013{last}, setiap bulan": "days {first}\u2013{last} of every month",
    "tanggal {first}\u2013{last} bulan berikutnya, setiap bulan": "from day {first} to day {last} of the next month, "
    "every month",
    "Tagihan (12 terakhir)": "Bills (latest 12)",
    "Jumlah": "Amount",
    "Jatuh tempo": "Due",
    "Dibayar": "Paid",
    "Belum": "Not yet",
    "Tidak ada tagihan.": "No bills.",
    "Laporan stand meter (12 terakhir)": "Meter readings submitted (latest 12)",
    "Sumber": "Source",
    "lihat": "view",
    "Tidak ada laporan.": "No readings.",
    "Pembelian token (10 terakhir)": "Token purchases (latest 10)",
    "Token": "Token",
    "Tidak ada pembelian token.": "No token purchases.",
    "Pengaduan dan permohonan": "Complaints and service requests",
    "mendesak": "urgent",
    "Tidak ada.": "None.",
    "Panggilan dari nomor pelanggan": "Calls from the customer's numbers",
    "Mulai": "Started",
    "Durasi": "Duration",
    "Hasil": "Outcome",
    "Menu terakhir": "Last menu",
    "Tidak ada panggilan.": "No calls.",
    # users (ivr/console/admin.py)
    "Agen": "Agent",
    "Supervisor": "Supervisor",
    "Administrator": "Administrator",
    "Pengguna dibuat.": "User created.",
    "Pengguna dinonaktifkan.": "User deactivated.",
    "Pengguna diaktifkan kembali.": "User reactivated.",
    "Token dibuat.": "Token created.",
    "Token dicabut.": "Token revoked.",
    "Kata sandi diganti; sesi pengguna itu diakhiri.": "Password changed; that user's sessions were ended.",
    "Wilayah tidak dikenal.": "Unknown region.",
    "Nomor telepon tidak valid.": "Invalid phone number.",
    "Nama pengguna harus 3-64 karakter: huruf, angka, titik, garis bawah atau tanda hubung.": "The username must be "
    "3-64 characters: letters, digits, dots, underscores or hyphens.",
    "Nama lengkap wajib diisi (paling banyak 120 karakter).": "The full name is required (at most 120 characters).",
    "Peran tidak dikenal.": "Unknown role.",
    "Agen harus punya wilayah.": "An agent must have a region.",
    "Kata sandi paling sedikit {count} karakter.": "The password must be at least {count} characters.",
    "Nama pengguna sudah dipakai.": "That username is taken.",
    "Nomor telepon sudah dipakai pengguna lain.": "That phone number belongs to another user.",
    "Nama pengguna atau nomor telepon sudah dipakai.": "That username or phone number is taken.",
    "Anda tidak dapat menonaktifkan akun Anda sendiri.": "You cannot deactivate your own account.",
    "Nama token wajib diisi (paling banyak 120 karakter).": "The token name is required (at most 120 characters).",
    "Pengguna nonaktif tidak dapat diberi token.": "A deactivated user cannot be given a token.",
    "Token sudah dicabut.": "The token was already revoked.",
    "Token baru “{name}” untuk": "New token “{name}” for",
    "Salin sekarang: token ini hanya ditampilkan sekali.": "Copy it now: this token is shown only once.",
    "Nama pengguna": "Username",
    "Peran": "Role",
    "Aktif": "Active",
    "Ya": "Yes",
    "Tidak": "No",
    "Nonaktifkan": "Deactivate",
    "Aktifkan kembali": "Reactivate",
    "Token API": "API token",
    "Awalan": "Prefix",
    "Terakhir dipakai": "Last used",
    "Dicabut": "Revoked",
    "Cabut": "Revoke",
    "Belum ada token.": "No tokens yet.",
    "Kata sandi baru (min. 10 karakter)": "New password (min. 10 characters)",
    "Ganti kata sandi": "Change password",
    "Nama token baru": "New token name",
    "Buat token": "Create token",
    "Tambah pengguna": "Add a user",
    "Nama lengkap": "Full name",
    "- (semua wilayah)": "- (all regions)",
    "Telepon (opsional)": "Phone (optional)",
    "Kata sandi (min. 10 karakter)": "Password (min. 10 characters)",
    "Tambah": "Add",
    # announcements (ivr/console/announcements.py)
    "Berlangsung": "Current",
    "Akan datang": "Upcoming",
    "Pengumuman dibuat.": "Announcement published.",
    "Pengumuman diubah.": "Announcement changed.",
    "Pengumuman diakhiri; penelepon tidak lagi mendengarnya.": "Announcement ended; callers no longer hear it.",
    "{label} wajib diisi sebagai tanggal dan jam (YYYY-MM-DD HH:MM).": "{label} must be a date and time "
    "(YYYY-MM-DD HH:MM).",
    "{label} bukan tanggal yang ada.": "{label} is not a real date.",
    "paling banyak {limit} karakter (sekarang {length})": "is too long: at most {limit} characters (now {length})",
    "{label} {problem}.": "{label} {problem}.",
    "wajib diisi": "is required",
    "berisi karakter kendali yang tidak dapat dibaca": "contains control characters that cannot be read",
    "Waktu selesai harus sesudah waktu mulai.": "The end must come after the start.",
    "Waktu selesai sudah lewat: penelepon tidak akan pernah mendengarnya.": "The end has already passed: no caller "
    "would ever hear it.",
    "Teks Bahasa Indonesia": "Indonesian text",
    "Teks bahasa Inggris": "English text",
    "Pengumuman yang sudah selesai tidak dapat diubah atau diakhiri lagi.": "An announcement that has ended cannot "
    "be edited or ended again.",
    "Penelepon mendengar pengumuman yang sedang berlangsung untuk wilayahnya (dan untuk semua wilayah) di menu 7, "
    "paling baru lebih dulu; lewat SMS/WhatsApp dikirim sebagai teks.": "Callers hear the current announcements for "
    "their region (and for all regions) in menu 7, newest first; over SMS/WhatsApp they are sent as text.",
    "Bahasa Indonesia": "Indonesian",
    "Diubah": "Changed",
    "diakhiri {time}": "ended {time}",
    "Ubah": "Edit",
    "Akhiri": "End now",
    "Batalkan": "Call off",
    "Tambah pengumuman": "Add an announcement",
    "Terbitkan": "Publish",
    "Ubah pengumuman": "Edit announcement",
    "Semua pengumuman": "All announcements",
    "Semua wilayah (waktu WIB)": "All regions (WIB time)",
    "Jam mulai dan selesai menurut zona waktu wilayah yang dipilih.": "Start and end times are on the chosen "
    "region's time zone.",
    "Teks Bahasa Indonesia (maks. {count} karakter, teks biasa)": "Indonesian text (max. {count} characters, "
    "plain text)",
    "Teks bahasa Inggris (maks. {count} karakter, teks biasa)": "English text (max. {count} characters, plain text)",
    # login (ivr/console/auth_views.py)
    "Masuk": "Log in",
    "Kata sandi": "Password",
    "Nama pengguna atau kata sandi salah.": "Wrong username or password.",
    "Terlalu banyak percobaan masuk yang gagal. Silakan coba lagi dalam {minutes} menit.": "Too many failed login "
    "attempts. Please try again in {minutes} min.",
}


def t(text: str, **values: object) -> str:
    """`text` in the viewer's language (Indonesian is the key itself), its {placeholders} filled."""
    chosen = ENGLISH.get(text, text) if viewer_language() == "en" else text
    return chosen.format(**values) if values else chosen


def said(problem: Exception) -> str:
    """A refusal's message in the viewer's language.

    One raised with `text` and `values` (TicketError, ReviewError) is looked up and filled, the words among its
    values (a field's name, a status) looked up too; any other is looked up as it reads.
    """
    text = getattr(problem, "text", None)
    if not isinstance(text, str):
        return t(str(problem))
    values = getattr(problem, "values", {})
    return t(text, **{name: t(value) if isinstance(value, str) else value for name, value in values.items()})
