"""The `--help` texts in Bahasa Indonesia, keyed by the English text written next to each option and command.

The English text in the code stays the one source; this table gives its Indonesian. A help text missing here
fails `tests/commands/test_one_language.py`, so a new option cannot ship with English-only help.
"""

from __future__ import annotations

HELP_ID: dict[str, str] = {
    # the app, its own options and typer's
    "Share Zoom licences and vicon operators among many units, without double-booking.":
        "Berbagi lisensi Zoom dan operator vicon di antara banyak unit, tanpa jadwal bentrok.",
    "Print the version and exit.": "Tampilkan versi lalu keluar.",
    "Show this message and exit.": "Tampilkan pesan ini lalu keluar.",
    "id (Bahasa Indonesia) or en; default: the site's language.":
        "id (Bahasa Indonesia) atau en; bawaan: bahasa kantor.",
    # plan, schema, explain
    "Plan a problem file: assign hosts and operators, explain what cannot be served.":
        "Rencanakan berkas masalah: tetapkan host dan operator, jelaskan yang tidak dapat dilayani.",
    "Problem JSON file (see `vicon schema problem`).": "Berkas JSON masalah (lihat `vicon schema problem`).",
    "Plan JSON file ('-': stdout).": "Berkas JSON rencana ('-': keluaran standar).",
    "Seconds the solver may use.": "Detik yang boleh dipakai pemecah.",
    "Independent parts solved at once.": "Bagian terpisah yang dipecahkan bersamaan.",
    "Only the summary: no timelines, no progress line.": "Hanya ringkasan: tanpa linimasa, tanpa baris kemajuan.",
    "Only this site-local day (2027-01-05).": "Hanya hari ini menurut waktu kantor (2027-01-05).",
    "Only this host's timeline.": "Hanya linimasa host ini.",
    "Only this operator's timeline.": "Hanya linimasa operator ini.",
    "Only requests of units whose name contains this.": "Hanya permohonan dari unit yang namanya memuat teks ini.",
    "Only the unserved requests and why.": "Hanya permohonan yang tidak terlayani dan sebabnya.",
    "Every timeline even of a plan over 150 requests.": "Semua linimasa, juga untuk rencana di atas 150 permohonan.",
    "The summary as JSON (`vicon schema plan-summary`), with the same filters.":
        "Ringkasan sebagai JSON (`vicon schema plan-summary`), dengan saringan yang sama.",
    "Search every workable time of rehearsals, surveys and flexible requests, or limit the search (default: "
    "exact up to 150 requests).":
        "Telusuri setiap waktu yang mungkin untuk gladi, survei dan permohonan fleksibel, atau batasi penelusuran "
        "(bawaan: tepat hingga 150 permohonan).",
    "Print the JSON Schema of the problem or plan file format, or of a command's --json report.":
        "Tampilkan JSON Schema format berkas masalah atau rencana, atau laporan --json suatu perintah.",
    "problem, plan, or a --json report: requests-list, plan-summary, replan, explain, kits, kits-overdue, status":
        "problem, plan, atau laporan --json: requests-list, plan-summary, replan, explain, kits, kits-overdue, "
        "status",
    "Why a request is (not) served, and the nearest alternatives that would work.":
        "Mengapa permohonan (tidak) terlayani, dan alternatif terdekat yang bisa.",
    "Reference number of the request.": "Nomor permohonan.",
    "Problem JSON file (default: the stored office).": "Berkas JSON masalah (bawaan: kantor yang tersimpan).",
    "A plan JSON written by `vicon plan --out`.": "JSON rencana yang ditulis `vicon plan --out`.",
    "Database URL.": "URL basis data.",
    "As JSON (`vicon schema explain`).": "Sebagai JSON (`vicon schema explain`).",
    # the Zoom sandbox and client commands
    "Run a local Zoom SANDBOX (not Zoom) for demos and tests, until Ctrl-C.":
        "Jalankan SANDBOX Zoom lokal (bukan Zoom) untuk demo dan uji, sampai Ctrl-C.",
    "TCP port on loopback (0: any free port).": "Port TCP di loopback (0: port bebas mana saja).",
    "Loopback address to bind.": "Alamat loopback yang dipakai.",
    "Accounts/users JSON (default: packaged fixture).": "JSON akun/pengguna (bawaan: fixture dalam paket).",
    "Write a Zoom config file pointing at this sandbox.": "Tulis berkas konfigurasi Zoom yang menunjuk sandbox ini.",
    "Loopback URL to send signed webhooks to.": "URL loopback tujuan webhook bertanda tangan.",
    "Secret token for webhooks.": "Token rahasia untuk webhook.",
    "Random faults, each kind's chance per API call: slow, lost (a write done, its answer lost), drop, 5xx, 429; "
    "settings slow_s (seconds a slow call is held), latency, seed. E.g. slow=0.5,lost=0.1,5xx=0.1,429=0.05":
        "Gangguan acak, peluang tiap jenis per panggilan API: slow, lost (tulis terlaksana, jawabannya hilang), "
        "drop, 5xx, 429; pengaturan slow_s (detik panggilan lambat ditahan), latency, seed. Mis. "
        "slow=0.5,lost=0.1,5xx=0.1,429=0.05",
    "Zoom licences (licensed host users).": "Lisensi Zoom (pengguna host berlisensi).",
    "List the licensed hosts of the account(s) with capacity, kind and concurrency.":
        "Daftar host berlisensi akun, dengan kapasitas, jenis dan rapat bersamaan.",
    "Zoom accounts JSON (config/zoom.example.json).": "JSON akun Zoom (config/zoom.example.json).",
    "Account name (needed if several are configured).": "Nama akun (perlu bila ada beberapa).",
    "Machine-readable JSON output.": "Keluaran JSON untuk mesin.",
    "Create, read, change and cancel Zoom meetings.": "Buat, baca, ubah dan batalkan rapat Zoom.",
    "Create a scheduled meeting (exactly once, even if the answer is lost).":
        "Buat rapat terjadwal (tepat sekali, walau jawabannya hilang).",
    "Host user id or e-mail.": "Id pengguna host atau e-mail.",
    "Meeting topic (max 200 chars).": "Topik rapat (maks. 200 karakter).",
    "Start, ISO 8601; without offset it is read in --timezone.": "Mulai, ISO 8601; tanpa offset dibaca di --timezone.",
    "Minutes.": "Menit.",
    "IANA time zone shown to participants.": "Zona waktu IANA yang ditampilkan kepada peserta.",
    "Agenda text.": "Teks agenda.",
    "Up to 10 chars of [A-Za-z0-9@-_*].": "Hingga 10 karakter [A-Za-z0-9@-_*].",
    "Alternative host e-mail (repeat).": "E-mail host pengganti (boleh diulang).",
    "none, local or cloud.": "none, local atau cloud.",
    "Idempotency key (default: a new one).": "Kunci idempotensi (bawaan: yang baru).",
    "Show a meeting (never its start_url).": "Tampilkan rapat (tidak pernah start_url-nya).",
    "Zoom meeting id.": "Id rapat Zoom.",
    "Change a meeting's topic, time, duration, time zone, agenda or passcode.":
        "Ubah topik, waktu, durasi, zona waktu, agenda atau kode sandi rapat.",
    "ISO 8601; without offset read in --timezone.": "ISO 8601; tanpa offset dibaca di --timezone.",
    "New agenda (needs --key).": "Agenda baru (perlu --key).",
    "The meeting's host (saves a lookup).": "Host rapat (menghemat satu pencarian).",
    "The meeting's idempotency key.": "Kunci idempotensi rapat.",
    "End a meeting in progress (one that overruns and blocks its host's next meeting).":
        "Akhiri rapat yang sedang berjalan (yang melewati waktu dan menghalangi rapat berikut host-nya).",
    "Cancel (delete) a meeting; a meeting already gone is reported, not an error.":
        "Batalkan (hapus) rapat; rapat yang sudah tidak ada dilaporkan, bukan galat.",
    "Have Zoom e-mail the cancellation to the host and alternative hosts (schedule_for_reminder).":
        "Minta Zoom mengirim e-mail pembatalan ke host dan host pengganti (schedule_for_reminder).",
    "List a host's meetings (all pages).": "Daftar rapat seorang host (semua halaman).",
    "scheduled, upcoming or live.": "scheduled, upcoming atau live.",
    # the store and the sync
    "Load a problem file's site policy, hosts, operators, requests and pins into the store.":
        "Muat kebijakan kantor, host, operator, permohonan dan sematan dari berkas masalah ke penyimpanan.",
    "Database URL (default: sqlite file ./var/vicon.db).": "URL basis data (bawaan: berkas sqlite ./var/vicon.db).",
    "Who is doing this (recorded in the audit log).": "Siapa yang melakukan ini (dicatat di log audit).",
    "Plan the store's requests and publish the plan: queue the Zoom actions it implies.":
        "Rencanakan permohonan yang tersimpan dan terbitkan rencananya: antrekan tindakan Zoom yang diperlukan.",
    "Plan as of this instant (ISO 8601 with offset).": "Rencanakan per saat ini (ISO 8601 dengan offset atau zona).",
    "Show the actions without publishing.": "Tampilkan tindakan tanpa menerbitkan.",
    "Seconds to wait for the leader lock.": "Detik menunggu kunci pemimpin.",
    "List every action.": "Tampilkan setiap tindakan.",
    "Carry out the queued Zoom actions once (as the leader), then report.":
        "Jalankan tindakan Zoom dalam antrean sekali (sebagai pemimpin), lalu laporkan.",
    "Zoom accounts JSON (see docs/zoom_client.md).": "JSON akun Zoom (lihat docs/zoom_client.md).",
    "At most this many actions.": "Paling banyak sejumlah ini tindakan.",
    "Compare Zoom with the store: adopt orphans, recreate meetings deleted by hand, delete meetings no\n"
    "request owns, repair meetings of ours whose details drifted. Exits 1 when something is left to fix.":
        "Bandingkan Zoom dengan penyimpanan: ambil rapat yatim, buat ulang rapat yang dihapus manual, hapus rapat "
        "tanpa permohonan, perbaiki rapat kita yang rinciannya bergeser. Keluar 1 bila masih ada yang perlu "
        "diperbaiki.",
    "Report only; change nothing.": "Hanya laporkan; tidak mengubah apa pun.",
    "Machine-readable output.": "Keluaran untuk mesin.",
    "Write a Zoom sandbox fixture whose users are our hosts (for `vicon zoom-sandbox --fixture`).":
        "Tulis fixture sandbox Zoom yang penggunanya host kita (untuk `vicon zoom-sandbox --fixture`).",
    "Write the fixture JSON here.": "Tulis JSON fixture di sini.",
    "Take the hosts from this problem file.": "Ambil host dari berkas masalah ini.",
    # re-plans, pins, status, daemon, demo
    "Plan the stored requests again and publish; prints which requests gain, lose or move, and why.":
        "Rencanakan ulang permohonan yang tersimpan dan terbitkan; menampilkan permohonan yang mendapat, "
        "kehilangan atau berpindah, dan sebabnya.",
    "Show what would change; publish nothing.": "Tampilkan apa yang akan berubah; tidak menerbitkan apa pun.",
    "Let this request displace lower tiers inside the freeze horizon (repeat).":
        "Izinkan permohonan ini menggeser tingkat lebih rendah di dalam batas beku (boleh diulang).",
    "Solve every part again, whole: also unchanged ones a time limit once cut short, and changed ones a re-plan "
    "settled around their newcomers.":
        "Pecahkan ulang setiap bagian secara utuh: juga yang tak berubah tetapi dulu terpotong batas waktu, dan "
        "yang berubah tetapi diselesaikan di sekitar pendatang barunya.",
    "As JSON (`vicon schema replan`).": "Sebagai JSON (`vicon schema replan`).",
    "No progress line.": "Tanpa baris kemajuan.",
    "Fix a request, or one occurrence of a series (REF:k, on the series' host), to a host and operators.":
        "Sematkan permohonan, atau satu pertemuan seri (REF:k, pada host seri), pada host dan operator.",
    "Host id.": "Id host.",
    "Operator id (repeat for several).": "Id operator (ulangi untuk beberapa).",
    "Release a pin.": "Lepaskan sematan.",
    "Plan version and gaps, Zoom outbox backlog, hosts' daily budgets, and the daemon's next jobs.":
        "Versi dan celah rencana, antrean Zoom, kuota harian host, dan tugas daemon berikutnya.",
    "Where a running daemon writes its status.": "Tempat daemon yang berjalan menulis statusnya.",
    "As JSON (`vicon schema status`).": "Sebagai JSON (`vicon schema status`).",
    "Run the scheduling daemon until SIGTERM/SIGINT; one log line per event on stderr.":
        "Jalankan daemon penjadwal sampai SIGTERM/SIGINT; satu baris log per kejadian di stderr.",
    "Zoom accounts JSON; without it nothing syncs.": "JSON akun Zoom; tanpanya tidak ada yang disinkronkan.",
    "Folder watched for CSV/XLSX/JSON request files.": "Folder yang diawasi untuk berkas permohonan CSV/XLSX/JSON.",
    "Seconds of quiet before a re-plan.": "Detik tenang sebelum rencana ulang.",
    "Mail settings (JSON or TOML, as for `vicon notify`; secrets from VICON_SMTP_*). Without it (and without "
    "VICON_SMTP_HOST or --mail-dir) no mail is sent.":
        "Pengaturan surel (JSON atau TOML, seperti `vicon notify`; rahasia dari VICON_SMTP_*). Tanpanya (dan "
        "tanpa VICON_SMTP_HOST atau --mail-dir) tidak ada surel terkirim.",
    "Write mail as .eml files here instead of sending it.": "Tulis surel sebagai berkas .eml di sini, bukan dikirim.",
    "text, or json: one JSON object per line.": "text, atau json: satu objek JSON per baris.",
    "Also the tracebacks of retried steps and the scheduler's own lines.":
        "Juga jejak galat langkah yang diulang dan baris penjadwal itu sendiri.",
    "The whole job on embedded defaults: SQLite, the Zoom sandbox, mail to files; finishes by itself.":
        "Seluruh pekerjaan dengan bawaan tertanam: SQLite, sandbox Zoom, surel ke berkas; selesai sendiri.",
    "Working folder (wiped first).": "Folder kerja (dikosongkan dulu).",
    "A problem file to load instead of the example office shipped in the package.":
        "Berkas masalah yang dimuat sebagai ganti kantor contoh dalam paket.",
    "Skip the long timelines.": "Lewati linimasa yang panjang.",
    # web
    "Print the PIC's signed status link for a request (valid until some days after the meeting).":
        "Tampilkan tautan status bertanda tangan untuk PIC suatu permohonan (berlaku hingga beberapa hari "
        "setelah rapat).",
    "Serve the HTTP API and the pages. Needs $VICON_WEB_SECRET (≥ 32 random characters).":
        "Layani API HTTP dan halaman. Perlu $VICON_WEB_SECRET (≥ 32 karakter acak).",
    "Interface to listen on.": "Antarmuka yang didengarkan.",
    "Behind a reverse proxy: its address(es), comma-separated; X-Forwarded-For from them names the client (the "
    "anonymous rate limit counts per client address).":
        "Di belakang reverse proxy: alamatnya, dipisah koma; X-Forwarded-For darinya menyebut klien (batas laju "
        "anonim dihitung per alamat klien).",
    "Bearer tokens for the HTTP API and the admin pages.": "Token bearer untuk API HTTP dan halaman admin.",
    "Print a signed, expiring token (HS256 under $VICON_WEB_SECRET). Nothing else is printed or logged.":
        "Tampilkan token bertanda tangan yang kedaluwarsa (HS256 dengan $VICON_WEB_SECRET). Tidak ada yang lain "
        "ditampilkan atau dicatat.",
    "admin | operator": "admin | operator",
    "admin | operator | unit": "admin | operator | unit",
    "A unit's trained operator id (unit accounts: start links only).": (
        "Id operator terlatih unit (akun unit: hanya tautan mulai)."
    ),
    "Who the token is for (recorded as the actor).": "Untuk siapa token ini (dicatat sebagai pelaku).",
    "Operator id (operator tokens).": "Id operator (token operator).",
    "Lifetime.": "Masa berlaku.",
    # the database
    "The database: schema upgrades.": "Basis data: peningkatan skema.",
    "Create or upgrade the database schema to the newest version.":
        "Buat atau tingkatkan skema basis data ke versi terbaru.",
    "Show the schema revision of the database (without upgrading it).":
        "Tampilkan revisi skema basis data (tanpa meningkatkannya).",
    # notifications
    "Notifications to PICs and operators (e-mail with calendar invites).":
        "Notifikasi untuk PIC dan operator (e-mail dengan undangan kalender).",
    "Record the notices the published plan calls for (and due reminders and agendas), then send what is due.":
        "Catat pemberitahuan yang diminta rencana terbit (serta pengingat dan agenda yang jatuh tempo), lalu kirim "
        "yang sudah waktunya.",
    "Notifier config (JSON or TOML).": "Konfigurasi notifikasi (JSON atau TOML).",
    "Zoom accounts JSON (for start links).": "JSON akun Zoom (untuk tautan mulai).",
    "Write .eml files here instead of sending over SMTP.": "Tulis berkas .eml di sini, bukan dikirim lewat SMTP.",
    "First record what the plan, reminders and agendas call for.":
        "Catat dulu yang diminta rencana, pengingat dan agenda.",
    "Send at most this many.": "Kirim paling banyak sejumlah ini.",
    "Print the mail the PIC of a request would get now (nothing is recorded or sent).":
        "Tampilkan surel yang akan diterima PIC suatu permohonan sekarang (tidak dicatat atau dikirim).",
    "Request reference.": "Nomor permohonan.",
    "Print the HTML body instead of the text.": "Tampilkan isi HTML, bukan teks.",
    "Also print the calendar invite.": "Tampilkan juga undangan kalender.",
    "Counts of sent, pending, retrying and failed notifications, with the latest errors. Exit 1 if any failed.":
        "Jumlah notifikasi terkirim, menunggu, dicoba lagi dan gagal, dengan galat terakhir. Keluar 1 bila ada "
        "yang gagal.",
    "Release a failed or held notification for another attempt at the next send.":
        "Lepaskan notifikasi yang gagal atau ditahan untuk dicoba lagi pada pengiriman berikutnya.",
    "The notification's dedup key.": "Kunci dedup notifikasi.",
    # requests
    "Requests: add, list, show, cancel.": "Permohonan: tambah, daftar, tampilkan, batalkan.",
    "Add or change requests, from options or a file; every bad field is named.":
        "Tambah atau ubah permohonan, dari opsi atau berkas; setiap isian yang salah disebut.",
    "CSV, XLSX or JSON of requests.": "CSV, XLSX atau JSON berisi permohonan.",
    "Reference number (surat).": "Nomor surat.",
    "Local start, e.g. 2027-01-05T09:00.": "Mulai (waktu setempat), mis. 2027-01-05T09:00.",
    "Local end.": "Selesai (waktu setempat).",
    "Zone of start/end: WIB, WITA, WIT or IANA (default: the site's).":
        "Zona mulai/selesai: WIB, WITA, WIT atau IANA (bawaan: zona kantor).",
    "link | link_operator | operator": "link | link_operator | operator",
    "With --file: show the mapping report and what would be stored.":
        "Dengan --file: tampilkan laporan pemetaan dan apa yang akan disimpan.",
    "With --file: write the rejected rows here (.xlsx, .csv or .json).":
        "Dengan --file: tulis baris yang ditolak di sini (.xlsx, .csv atau .json).",
    "Requests with their current assignment.": "Permohonan beserta penugasannya saat ini.",
    "Include past, cancelled and rejected requests.": "Sertakan permohonan yang lewat, dibatalkan dan ditolak.",
    "As JSON (`vicon schema requests-list`).": "Sebagai JSON (`vicon schema requests-list`).",
    "One request: its data, assignment, meeting and history (no host links), in the site's zone.":
        "Satu permohonan: data, penugasan, rapat dan riwayatnya (tanpa tautan host), dalam zona kantor.",
    "Cancel a request; its Zoom meeting is queued for deletion.":
        "Batalkan permohonan; rapat Zoom-nya diantrekan untuk dihapus.",
    # kits
    "Equipment kits: stock and loans (default), `return`, `overdue`; in the site's language unless --lang.":
        "Kit peralatan: stok dan pinjaman (bawaan), `return`, `overdue`; dalam bahasa kantor kecuali --lang.",
    "Local date or date-time (default: today 00:00).": "Tanggal atau tanggal-waktu setempat (bawaan: hari ini 00:00).",
    "Local date (to the end of that day) or date-time (default: +7 days).":
        "Tanggal setempat (hingga akhir hari itu) atau tanggal-waktu (bawaan: +7 hari).",
    "As of this instant (ISO 8601; local to the site without an offset).":
        "Per saat ini (ISO 8601; waktu kantor bila tanpa offset).",
    "As JSON (`vicon schema kits` / `kits-overdue`).": "Sebagai JSON (`vicon schema kits` / `kits-overdue`).",
    "Record that a request's borrowed kits are back in stock.":
        "Catat bahwa kit yang dipinjam suatu permohonan sudah kembali ke stok.",
    "The request whose kits are back.": "Permohonan yang kitnya sudah kembali.",
    "Only this kit type (default: all the request's kits).": "Hanya jenis kit ini (bawaan: semua kit permohonan).",
    "Loans past their return time: request, unit, PIC, kit, count, due.":
        "Pinjaman yang melewati waktu kembali: permohonan, unit, PIC, kit, jumlah, tenggat.",
    # users
    "Accounts that sign in to the pages (admins, operators).": "Akun yang masuk ke halaman (admin, operator).",
    "Add an account; it can sign in at /login at once.": "Tambah akun; langsung dapat masuk di /login.",
    "User name to sign in with.": "Nama pengguna untuk masuk.",
    "Operator id (operator accounts).": "Id operator (akun operator).",
    "Read the password from the first line of standard input.": "Baca kata sandi dari baris pertama masukan standar.",
    "Every account: role, operator, active, created, last sign-in (site's zone). Never a password or hash.":
        "Semua akun: peran, operator, aktif, dibuat, terakhir masuk (zona kantor). Tidak pernah kata sandi atau "
        "hash.",
    "The account can no longer sign in; its open sessions end at once.":
        "Akun tidak dapat masuk lagi; sesi yang terbuka langsung berakhir.",
    "A disabled account may sign in again.": "Akun yang dinonaktifkan boleh masuk lagi.",
    "Set a new password (someone forgot theirs); the account's open sessions end.":
        "Tetapkan kata sandi baru (seseorang lupa); sesi akun yang terbuka berakhir.",
    "Language of this run: id (Bahasa Indonesia) or en; default VICON_LANG, else the site's.":
        "Bahasa untuk sekali jalan ini: id (Bahasa Indonesia) atau en; bawaan VICON_LANG, selain itu bahasa kantor.",
    # requests add: series
    "A series: daily (consecutive days), weekly or monthly; one Zoom link for all.":
        "Seri: harian (hari berturut-turut), mingguan atau bulanan; satu tautan Zoom untuk semuanya.",
    "A series: how many occurrences (at most 50).": "Seri: berapa kali pertemuan (paling banyak 50).",
    "A series: the last local date, e.g. 2027-03-31.": "Seri: tanggal terakhir (waktu setempat), mis. 2027-03-31.",
    "Weekend or holiday duty asked for: served outside working time by duty operators.":
        "Meminta tugas hari libur / di luar jam kerja: dilayani di luar jam kerja oleh operator piket.",
    "A series: every so many days, weeks or months.": "Seri: setiap berapa hari, minggu atau bulan.",
    "A monthly series on the start's weekday of this week of the month: 1..4, -1 = the last (e.g. 1: every first "
    "Monday); without it, the start's day of the month.":
        "Seri bulanan pada hari mulai di minggu ke-berapa dalam bulan: 1..4, -1 = terakhir (mis. 1: setiap Senin "
        "pertama); tanpa ini, tanggal yang sama setiap bulan.",
    "A weekly series: weekdays, 0 = Monday ... 6 = Sunday, e.g. 0,3.":
        "Seri mingguan: hari, 0 = Senin ... 6 = Minggu, mis. 0,3.",
    "all_or_nothing (default) or partial.": "all_or_nothing (bawaan: semua atau tidak sama sekali) atau partial.",
    # kits: faults
    "Report a problem with lent kits: out of service until repaired; the plan is made again.":
        "Laporkan gangguan kit yang dipinjamkan: tidak dipakai sampai diperbaiki; rencana disusun ulang.",
    "The kit type (id).": "Jenis kit (id).",
    "What is wrong.": "Apa yang rusak.",
    "How many kits of the type.": "Berapa kit dari jenis itu.",
    "Who answers for it: device, handling, unknown.":
        "Siapa yang bertanggung jawab: device (perangkat), handling (pemakaian), unknown (belum diketahui).",
    "The request it was lent to.": "Permohonan yang meminjamnya.",
    "The request it was lent to (a series' occurrence: REF:k).": "Permohonan yang meminjamnya (pertemuan sebuah "
    "seri: REF:k).",
    "A series: the occurrence it happened in (or --request REF:k).": "Seri: pertemuan tempat gangguan terjadi "
    "(atau --request REF:k).",
    "Who reports: operator or admin.": "Pelapor: operator atau admin.",
    "Re-plan and publish at once.": "Susun ulang rencana dan terbitkan segera.",
    "Record that the kits of a fault are repaired: back in service; the plan is made again.":
        "Catat bahwa kit suatu gangguan sudah diperbaiki: dipakai lagi; rencana disusun ulang.",
    "The fault's number (`vicon kits faults`).": "Nomor gangguan (`vicon kits faults`).",
    "Settle who answers for it.": "Tetapkan siapa yang bertanggung jawab.",
    "What was done.": "Apa yang dikerjakan.",
    "The open faults (the admin's list): kit, count, request, cause and who answers for it, who reported it.":
        "Gangguan yang masih terbuka (daftar admin): kit, jumlah, permohonan, penyebab dan penanggung jawab, "
        "pelapor.",
    "Repaired faults too.": "Termasuk gangguan yang sudah diperbaiki.",
    "As JSON.": "Sebagai JSON.",
    # units
    "Units' own trained operators (they may run their unit's meetings).":
        "Operator terlatih milik unit (boleh menjalankan rapat unitnya sendiri).",
    "The trained operators by unit.": "Operator terlatih per unit.",
    "Add or replace a trained operator of a unit; the next re-plan may let the unit run its meetings.":
        "Tambah atau ganti operator terlatih suatu unit; rencana ulang berikutnya dapat membiarkan unit menjalankan "
        "rapatnya sendiri.",
    "A short id for the person, e.g. UOP-RSUD-1.": "Id singkat orang itu, mis. UOP-RSUD-1.",
    "The unit exactly as its requests name it.": "Nama unit persis seperti tertulis di permohonannya.",
    "The person's name.": "Nama orang itu.",
    "A skill (repeat).": "Keahlian (boleh diulang).",
    "Their own licensed user on the office's Zoom account.": "Pengguna berlisensi miliknya di akun Zoom kantor.",
    "The Zoom account holding it.": "Akun Zoom tempat pengguna itu.",
    "Days away: a date, or FIRST..LAST inclusive, local days (repeat).":
        "Hari cuti: satu tanggal, atau AWAL..AKHIR termasuk keduanya, hari setempat (boleh diulang).",
    "Remove a trained operator (their unit's meetings go back to the office's operators at the next re-plan).":
        "Hapus operator terlatih (rapat unitnya kembali ke operator kantor pada rencana ulang berikutnya).",
    # feeds
    "Subscribable iCal feeds per host and per operator.": "Umpan iCal yang dapat dilanggan per host dan per operator.",
    "Make a feed and print its URL (under VICON_BASE_URL); it is not shown again.":
        "Buat umpan dan cetak URL-nya (di bawah VICON_BASE_URL); URL tidak ditampilkan lagi.",
    "host | operator": "host | operator",
    "The host's or operator's id.": "Id host atau operator.",
    "Every feed: id, for whom, made when and by whom, active or revoked (never the URL).":
        "Semua umpan: id, untuk siapa, dibuat kapan dan oleh siapa, aktif atau dicabut (URL tidak pernah ditampilkan).",
    "Revoke a feed: its URL answers 404 from now on.": "Cabut umpan: URL-nya menjawab 404 mulai sekarang.",
    "The feed's id (from `vicon feeds list`).": "Id umpan (dari `vicon feeds list`).",
}  # fmt: skip

# typer's own headings and notes in its help screens and error panels (module constants of typer.rich_utils)
PANELS: dict[str, dict[str, str]] = {
    "id": {
        "ARGUMENTS_PANEL_TITLE": "Argumen", "OPTIONS_PANEL_TITLE": "Opsi", "COMMANDS_PANEL_TITLE": "Perintah",
        "ERRORS_PANEL_TITLE": "Galat", "ABORTED_TEXT": "Dibatalkan.", "DEFAULT_STRING": "[bawaan: {}]",
        "ENVVAR_STRING": "[variabel lingkungan: {}]", "REQUIRED_LONG_STRING": "[wajib]",
        "RICH_HELP": "Coba [blue]'{command_path} {help_option}'[/] untuk bantuan.",
        "DEPRECATED_STRING": "(usang) ",
    },
    "en": {
        "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options", "COMMANDS_PANEL_TITLE": "Commands",
        "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.", "DEFAULT_STRING": "[default: {}]",
        "ENVVAR_STRING": "[env var: {}]", "REQUIRED_LONG_STRING": "[required]",
        "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.", "DEPRECATED_STRING": "(deprecated) ",
    },
}  # fmt: skip
