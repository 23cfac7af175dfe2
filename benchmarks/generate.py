"""Realistic loads for the planner: a district Kominfo office, a ministry data centre, and a province-wide event day.

Shapes come from how these offices work: requests in office hours on a 30-minute grain, most small,
a few large plenary events, the head of region's events first, some requests only for an operator, and
overloaded days. Deterministic for a seed.

    python -m benchmarks.generate district --requests 300 --seed 1 > district.json
    python -m benchmarks.generate operators --requests 1200 --seed 3 > province-day.json
    python -m benchmarks.generate example > config/example-problem.json
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DISTRICT_UNITS = [
    "Sekretariat Daerah",
    "Bappeda",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas PUPR",
    "Dinas Sosial",
    "Dinas Perhubungan",
    "Dinas Pertanian",
    "BPBD",
    "Inspektorat",
    "BPKAD",
    "Dinas Dukcapil",
    "Kecamatan Tanah Grogot",
    "Kecamatan Long Ikis",
    "Kecamatan Batu Sopang",
    "Kecamatan Kuaro",
    "RSUD Panglima Sebaya",
    "Satpol PP",
]
MINISTRY_UNITS = [
    "Sekretariat Jenderal",
    "Inspektorat Jenderal",
    "Ditjen Politik dan PUM",
    "Ditjen Bina Adwil",
    "Ditjen Otonomi Daerah",
    "Ditjen Bina Pembangunan Daerah",
    "Ditjen Bina Keuangan Daerah",
    "Ditjen Dukcapil",
    "Ditjen Bina Pemdes",
    "BPSDM",
    "BSKDN",
    "Pusdatin",
    "Biro Hukum",
    "Biro Umum",
    "Puspen",
    "Biro Perencanaan",
]
TITLES = [
    "Rapat Koordinasi {}",
    "Sosialisasi {}",
    "Bimbingan Teknis {}",
    "Rapat Evaluasi {}",
    "Webinar {}",
    "Focus Group Discussion {}",
    "Musrenbang {}",
    "Rapat Persiapan {}",
    "Pembahasan Anggaran {}",
]
TOPICS = [
    "Stunting",
    "Pengendalian Inflasi",
    "SPBE",
    "Penanganan Bencana",
    "Pelayanan Publik",
    "Dana Desa",
    "Penyusunan RKPD",
    "Kependudukan",
    "Pencegahan Korupsi",
    "Ketahanan Pangan",
    "Pemilu",
    "Data Terpadu",
]
NAMES = [
    "Andi",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gilang",
    "Hana",
    "Irfan",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Putri",
    "Rahmat",
    "Sari",
    "Taufik",
    "Wulan",
    "Yusuf",
]
SKILLS = ["streaming", "multi_camera", "sound", "interpreter_channel"]
WEEKDAYS = [0, 1, 2, 3, 4]


def _operator(i: int, rng: random.Random, start_day: date, days: int, zone: str | None = None) -> dict[str, Any]:
    name = NAMES[i % len(NAMES)] + (f" {i // len(NAMES) + 1}" if i >= len(NAMES) else "")
    skills = sorted(rng.sample(SKILLS, k=rng.choice([1, 2, 2, 3])))
    shifts: list[dict[str, Any]] = [{"weekdays": WEEKDAYS, "start": "07:00", "end": "17:00"}]
    if i % 3 == 0:
        shifts = [
            {"weekdays": WEEKDAYS, "start": "06:30", "end": "15:30"},
            {"weekdays": [5], "start": "08:00", "end": "13:00"},
        ]
    leave = []
    for _ in range(max(1, days // 20)):
        if rng.random() < 0.6:
            first = start_day + timedelta(days=rng.randrange(max(days, 1)))
            leave.append(
                {"first": first.isoformat(), "last": (first + timedelta(days=rng.choice([0, 0, 1, 2]))).isoformat()}
            )
    op: dict[str, Any] = {
        "id": f"OP{i + 1:02d}",
        "name": name,
        "email": f"{name.lower().replace(' ', '')}@kominfo.example.go.id",
        "phone": f"+62812{rng.randrange(10**7, 10**8)}",
        "skills": skills,
        "shifts": shifts,
        "leave": leave,
        "base": "Kantor",
    }
    if zone:
        op["timezone"] = zone
    return op


def _host(hid: str, capacity: int, concurrent: int, kind: str = "meeting", account: str = "kominfo") -> dict[str, Any]:
    return {
        "id": hid,
        "account": account,
        "zoom_user": f"{hid.lower()}@{account}.example.go.id",
        "label": f"Zoom {capacity}",
        "capacity": capacity,
        "kind": kind,
        "max_concurrent": concurrent,
    }


def _requests(
    rng: random.Random,
    *,
    units: list[str],
    first_day: date,
    n: int,
    per_day: tuple[int, int],
    zones: list[str],
    size_mix: list[tuple[int, int, float]],
    webinar_share: float,
    overload_every: int,
    prefix: str,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    day = first_day
    k = 0
    day_no = 0
    while len(out) < n:
        if day.weekday() >= 5 and rng.random() < 0.85:
            day += timedelta(days=1)
            continue
        day_no += 1
        lo, hi = per_day
        if day.weekday() >= 5:
            lo, hi = 0, max(2, lo // 4)
        count = rng.randint(lo, hi)
        if overload_every and day_no % overload_every == 0:
            count = int(count * 1.6)
        for _ in range(min(count, n - len(out))):
            k += 1
            zone = rng.choice(zones)
            start_h = rng.choice([7.5, 8, 8, 8.5, 9, 9, 9, 9.5, 10, 10, 10.5, 11, 13, 13, 13.5, 14, 14, 15])
            dur = rng.choice([1, 1.5, 2, 2, 2, 3, 3, 4])
            start = datetime.combine(day, time(int(start_h), int(start_h % 1 * 60)), ZoneInfo(zone))
            end = start + timedelta(hours=dur)
            roll = rng.random()
            acc = 0.0
            participants = 50
            for lo_p, hi_p, share in size_mix:
                acc += share
                if roll <= acc:
                    participants = rng.randrange(lo_p, hi_p + 1, 5)
                    break
            prio_roll = rng.random()
            priority = (
                "head_of_region"
                if prio_roll < 0.05
                else "high"
                if prio_roll < 0.2
                else "normal"
                if prio_roll < 0.85
                else "low"
            )
            service_roll = rng.random()
            service = "link" if service_roll < 0.4 else "link_operator" if service_roll < 0.85 else "operator"
            kind = "webinar" if service != "operator" and rng.random() < webinar_share else "meeting"
            unit = rng.choice(units)
            pic = rng.choice(NAMES)
            req: dict[str, Any] = {
                "ref": f"{prefix}-{k:05d}",
                "unit": unit,
                "pic": {
                    "name": f"{pic} ({unit})",
                    "email": f"pic.{k}@{prefix.lower()}.example.go.id",
                    "phone": f"+62813{rng.randrange(10**7, 10**8)}",
                },
                "title": rng.choice(TITLES).format(rng.choice(TOPICS)),
                "timezone": zone,
                "start": start.replace(tzinfo=None).isoformat(timespec="minutes"),
                "end": end.replace(tzinfo=None).isoformat(timespec="minutes"),
                "participants": participants,
                "kind": kind,
                "service": service,
                "priority": priority,
                "status": "approved" if rng.random() < 0.7 else "new",
                "venue": rng.choice(["Ruang Rapat Lt. 2", "Aula Utama", "Ruang Sidang", "Command Center", None]),
                "submitted_at": (start - timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 8)))
                .replace(tzinfo=None)
                .isoformat(timespec="minutes"),
            }
            if service != "link" and rng.random() < 0.25:
                req["required_skills"] = [rng.choice(SKILLS[:3])]
            if service != "link" and participants > 300 and rng.random() < 0.3:
                req["operators_needed"] = 2
            out.append(req)
        day += timedelta(days=1)
    return out


VENUES = [  # id, name, one-way minutes from the office, surveyed before
    ("KANTOR", "Kantor (ruang vicon)", 0, True),
    ("AULA-UTAMA", "Aula Utama", 5, True),
    ("RUANG-SIDANG", "Ruang Sidang", 5, True),
    ("PENDOPO", "Pendopo Rumah Jabatan", 20, True),
    ("GOR", "Gedung Olahraga", 35, False),
    ("KEC-UTARA", "Kantor Kecamatan Utara", 60, True),
    ("KEC-SELATAN", "Kantor Kecamatan Selatan", 75, False),
    ("HOTEL", "Hotel (ruang pertemuan)", 25, False),
]
KITS = [("CAM", "Kamera + tripod", 2), ("SPK", "Speaker + mikrofon konferensi", 3), ("PTZ", "Kamera PTZ", 1)]


IN_HOUSE = ["KANTOR", "AULA-UTAMA", "RUANG-SIDANG"]


def add_workflow(
    prob: dict[str, Any], rng: random.Random, share: float = 1.0, field_share: float = 0.3
) -> dict[str, Any]:
    """Switch on the office workflow: venues with travel times (three new), kit stock, and on the requests:
    flexible windows, rehearsals (gladi bersih), kits and on-site work. `share` scales how many requests;
    `field_share`: how many on-site requests are away from the office's own rooms."""
    prob["venues"] = [
        {"id": v, "name": name, "travel_from_base_min": minutes, "surveyed": known}
        for v, name, minutes, known in VENUES
    ]
    prob["travel"] = [
        {"a": "KEC-UTARA", "b": "KEC-SELATAN", "minutes": 50},
        {"a": "PENDOPO", "b": "GOR", "minutes": 15},
        {"a": "KANTOR", "b": "AULA-UTAMA", "minutes": 5},
        {"a": "KANTOR", "b": "RUANG-SIDANG", "minutes": 5},
        {"a": "AULA-UTAMA", "b": "RUANG-SIDANG", "minutes": 5},
    ]
    field = [v[0] for v in VENUES if v[0] not in IN_HOUSE]
    prob["kit_types"] = [{"id": k, "name": name, "stock": stock} for k, name, stock in KITS]
    for req in prob["requests"]:
        req["venue"] = rng.choice(field) if rng.random() < field_share else rng.choice([*IN_HOUSE, None])
        with_operator = req["service"] != "link"
        if with_operator and req["venue"] is not None and rng.random() < 0.15:
            req["remote"] = True
        if rng.random() < 0.10 * share:
            start = datetime.fromisoformat(req["start"])
            end = datetime.fromisoformat(req["end"])
            req["window_start"] = max(start - timedelta(hours=1), start.replace(hour=7, minute=0)).isoformat()
            req["window_end"] = min(end + timedelta(hours=1), end.replace(hour=17, minute=0)).isoformat()
            if req["window_end"] < req["end"]:
                req["window_end"] = req["end"]
        if with_operator and rng.random() < 0.12 * share:
            on_site = req["venue"] is not None and rng.random() < 0.3
            req["rehearsal"] = {
                "duration_min": rng.choice([30, 60, 60, 90]),
                "window_start_min_before": 2 * 24 * 60,
                "end_min_before": 60,
                "mode": "on_site" if on_site else "online",
                "mandatory": rng.random() < 0.2,
            }
        if with_operator and req["venue"] not in (None, "KANTOR") and rng.random() < 0.25 * share:
            kit = rng.choice(KITS)[0]
            req["kits"] = [{"kit": kit, "count": 1}]
    return prob


#: Collective leave days (cuti bersama) of early 2027 an office lists itself (the holidays library may not know them).
CUTI_BERSAMA_2027 = [("2027-02-05", "Cuti bersama Tahun Baru Imlek"), ("2027-03-09", "Cuti bersama Nyepi"),
                     ("2027-03-12", "Cuti bersama Idul Fitri"), ("2027-03-15", "Cuti bersama Idul Fitri")]  # fmt: skip


def add_every_part(prob: dict[str, Any], rng: random.Random, share: float = 1.0) -> dict[str, Any]:
    """Switch on every part an office may use besides the workflow (`add_workflow` first): the working calendar
    (national holidays, collective leave, duty operators), overtime within caps, weekend duty asked for, series
    (three-day trainings served whole, weekly meetings served in part), units with trained operators who may run
    their own meetings, one kit of each type out of service, and half the rehearsals of events with kits held with
    those kits."""
    ops = [o["id"] for o in prob["operators"]]
    prob["policy"]["calendar"] = {
        "country": "ID",
        "collective_leave": True,
        "closed": [{"day": d, "name": name} for d, name in CUTI_BERSAMA_2027],
        "any_day_tiers": ["head_of_region"],
        "duty_operators": ops[: max(1, len(ops) // 3)],
    }
    prob["policy"]["overtime"] = {
        "operators": ops[::2],
        "tiers": ["head_of_region", "high"],
        "after_shift_min": 60,
        "max_per_week_min": 240,
    }
    units = sorted({r["unit"] for r in prob["requests"]})
    trained = rng.sample(units, k=max(1, len(units) // 5))
    prob["unit_operators"] = [
        {"id": f"UOP{k + 1:02d}", "unit": unit, "name": f"{rng.choice(NAMES)} ({unit})"}
        for k, unit in enumerate(trained)
    ]
    prob["kit_faults"] = [{"kit": k["id"], "count": 1} for k in prob.get("kit_types", []) if k["stock"] > 1]
    rehearsing_with_kits = [r for r in prob["requests"] if r.get("rehearsal") and r.get("kits")]
    for req in rehearsing_with_kits[::2]:  # every other one rehearses with its kits (no draw: the rest stays as it was)
        req["rehearsal"]["uses_kits"] = True
    for req in prob["requests"]:
        start = datetime.fromisoformat(req["start"])
        if start.weekday() >= 5:
            req["duty"] = True
        plain = not req.get("window_start") and not req.get("rehearsal")
        if not plain or req["service"] == "operator":
            continue
        roll = rng.random()
        if roll < 0.02 * share and start.weekday() <= 2:
            req["series"] = {"repeat": "daily", "count": 3, "policy": "all_or_nothing"}
        elif roll < 0.04 * share:
            req["series"] = {"repeat": "weekly", "count": 4, "policy": "partial"}
    return prob


def _office(zone: str, first_day: date, hosts: list[Any], operators: list[Any], reqs: list[Any]) -> dict[str, Any]:
    """A problem as an office's file holds it: 15-minute buffers, 30/15-minute setup, a 24-hour freeze."""
    return {
        "now": datetime.combine(first_day - timedelta(days=3), time(8)).isoformat(),
        "policy": {
            "timezone": zone,
            "buffer_before_min": 15,
            "buffer_after_min": 15,
            "operator_setup_min": 30,
            "operator_teardown_min": 15,
            "freeze_horizon_min": 1440,
        },
        "hosts": hosts,
        "operators": operators,
        "requests": reqs,
    }


def district(n: int, seed: int = 1, first_day: date = date(2027, 1, 4)) -> dict[str, Any]:
    """A district Kominfo office (WITA): 4 hosts of 100/300/500, 5 operators, 5–15 requests a working day."""
    rng = random.Random(seed)
    days = max(1, n // 10 * 7 // 5)
    hosts = [_host("H100", 100, 1), _host("H300A", 300, 2), _host("H300B", 300, 1), _host("H500", 500, 1)]
    operators = [_operator(i, rng, first_day, days) for i in range(5)]
    reqs = _requests(
        rng,
        units=DISTRICT_UNITS,
        first_day=first_day,
        n=n,
        per_day=(5, 15),
        zones=["Asia/Makassar"],
        size_mix=[(10, 100, 0.62), (105, 300, 0.27), (305, 500, 0.11)],
        webinar_share=0.0,
        overload_every=0,
        prefix="PSR",
    )
    return _office("Asia/Makassar", first_day, hosts, operators, reqs)


def ministry(n: int, seed: int = 1, first_day: date = date(2027, 1, 4)) -> dict[str, Any]:
    """A ministry data centre (WIB, units across zones): 25 hosts incl. 500/1,000 and webinars, 12 operators."""
    rng = random.Random(seed)
    days = max(1, n // 60 * 7 // 5)
    hosts = (
        [_host(f"M100-{i}", 100, 1, account="pusdatin") for i in range(1, 9)]
        + [_host(f"M300-{i}", 300, 2 if i <= 5 else 1, account="pusdatin") for i in range(1, 10)]
        + [_host(f"M500-{i}", 500, 1, account="setjen") for i in range(1, 5)]
        + [_host(f"M1000-{i}", 1000, 1, account="setjen") for i in range(1, 3)]
        + [_host(f"W1000-{i}", 1000, 1, kind="webinar", account="setjen") for i in range(1, 3)]
    )
    operators = [_operator(i, rng, first_day, days, zone="Asia/Jakarta") for i in range(12)]
    reqs = _requests(
        rng,
        units=MINISTRY_UNITS,
        first_day=first_day,
        n=n,
        per_day=(40, 80),
        zones=["Asia/Jakarta"] * 8 + ["Asia/Makassar", "Asia/Jayapura"],
        size_mix=[(10, 100, 0.55), (105, 300, 0.30), (305, 500, 0.10), (505, 1000, 0.05)],
        webinar_share=0.04,
        overload_every=5,
        prefix="KMD",
    )
    return _office("Asia/Jakarta", first_day, hosts, operators, reqs)


OPERATOR_SHIFTS = [("07:00", "15:00"), ("07:30", "16:00"), ("08:00", "17:00"), ("09:00", "17:00")]


def operator_pools(
    n: int, seed: int = 1, operators: int | None = None, day: date = date(2027, 3, 10)
) -> dict[str, Any]:
    """A province-wide event day (WITA): `n` operator-only sessions at kecamatan offices, run by trained operators
    of the kecamatan (each trained for their own and one or two neighbouring ones, with some skills and one of
    four shifts). Operators: `n // 4 + 80`, at most 400, unless given. Many more operators than any moment needs,
    each qualified for a subset of sessions: the load on which the operator level (fewest operators called in)
    decides the plan. No hosts, no travel (sessions are in the operator's own area), no workflow."""
    rng = random.Random(seed)
    count = operators if operators is not None else min(400, n // 4 + 80)
    areas = max(4, count // 12)
    kecamatan = [f"KEC-{k + 1:02d}" for k in range(areas)]
    ops: list[dict[str, Any]] = []
    trained: dict[str, list[str]] = {k: [] for k in kecamatan}
    for i in range(count):
        home = i % areas
        reach = {home, (home + rng.choice([-1, 1])) % areas}
        if rng.random() < 0.3:
            reach.add((home + rng.choice([-2, 2])) % areas)
        shift_start, shift_end = OPERATOR_SHIFTS[rng.randrange(len(OPERATOR_SHIFTS))]
        oid = f"OPK{i + 1:03d}"
        ops.append(
            {
                "id": oid,
                "name": f"{NAMES[i % len(NAMES)]} {kecamatan[home]}",
                "skills": sorted(rng.sample(SKILLS[:3], k=rng.choice([1, 2, 2, 3]))),
                "shifts": [{"weekdays": WEEKDAYS, "start": shift_start, "end": shift_end}],
            }
        )
        for k in sorted(reach):
            trained[kecamatan[k]].append(oid)
    reqs: list[dict[str, Any]] = []
    zone = "Asia/Makassar"
    for k in range(n):
        area = kecamatan[k % areas] if k < areas else rng.choice(kecamatan)
        slot = rng.randrange(0, 16)  # 07:30 .. 15:00 on the half hour
        start = datetime.combine(day, time(7, 30)) + timedelta(minutes=30 * slot)
        minutes = rng.choice([30, 30, 45, 60, 60, 90])
        end = min(start + timedelta(minutes=minutes), datetime.combine(day, time(16, 45)))
        unit = f"Kecamatan {area}"
        req: dict[str, Any] = {
            "ref": f"PRV-{k + 1:05d}",
            "unit": unit,
            "pic": {"name": f"{rng.choice(NAMES)} ({unit})", "email": f"pic.{k + 1}@prov.example.go.id"},
            "title": rng.choice(TITLES).format(rng.choice(TOPICS)),
            "timezone": zone,
            "start": start.isoformat(timespec="minutes"),
            "end": end.isoformat(timespec="minutes"),
            "participants": rng.randrange(20, 200, 5),
            "service": "operator",
            "priority": "high" if rng.random() < 0.1 else "normal",
            "status": "approved",
            "venue": area,
            "allowed_operators": trained[area],
        }
        if rng.random() < 0.3:
            req["required_skills"] = [rng.choice(SKILLS[:3])]
        reqs.append(req)
    prob = _office(zone, day, [], ops, reqs)
    prob["policy"]["operator_setup_min"] = 15
    return prob


def example() -> dict[str, Any]:
    """The README's example: one week at a district office, with a clash the head of region wins, a rehearsal,
    a new venue to survey, kits in short supply and a unit that can take another time."""
    prob = add_workflow(district(55, seed=7, first_day=date(2027, 1, 4)), random.Random(77), 0.5, 0.4)
    prob["requests"].append(
        {
            "ref": "PSR-BUPATI-01",
            "unit": "Sekretariat Daerah",
            "pic": {
                "name": "Rina (Protokol Setda)",
                "email": "protokol@paserkab.example.go.id",
                "phone": "+6281350001111",
            },
            "title": "Rapat Koordinasi Bupati dengan Camat se-Kabupaten Paser",
            "timezone": "Asia/Makassar",
            "start": "2027-01-05T09:00",
            "end": "2027-01-05T12:00",
            "participants": 450,
            "kind": "meeting",
            "service": "link_operator",
            "operators_needed": 2,
            "priority": "head_of_region",
            "status": "approved",
            "venue": "PENDOPO",
            "rehearsal": {
                "duration_min": 60,
                "window_start_min_before": 2 * 24 * 60,
                "end_min_before": 60,
                "mode": "on_site",
                "mandatory": True,
            },
            "kits": [{"kit": "CAM", "count": 1}, {"kit": "SPK", "count": 1}],
        }
    )
    prob["requests"] += [
        {
            "ref": "PSR-GOR-01",
            "unit": "Dinas Pemuda dan Olahraga",
            "pic": {"name": "Bayu (Dispora)", "email": "bayu@dispora.example.go.id"},
            "title": "Pembukaan Porkab secara hibrida",
            "timezone": "Asia/Makassar",
            "start": "2027-01-08T09:00",
            "end": "2027-01-08T11:00",
            "participants": 250,
            "service": "link_operator",
            "priority": "high",
            "status": "approved",
            "venue": "GOR",
            "kits": [{"kit": "PTZ", "count": 1}],
        },
        {
            "ref": "PSR-PTZ-02",
            "unit": "Kecamatan Kuaro",
            "pic": {"name": "Sinta (Kec. Kuaro)", "email": "sinta@kuaro.example.go.id"},
            "title": "Musrenbang Kecamatan Kuaro (butuh kamera PTZ)",
            "timezone": "Asia/Makassar",
            "start": "2027-01-08T10:00",
            "end": "2027-01-08T12:00",
            "participants": 90,
            "service": "link_operator",
            "priority": "normal",
            "status": "approved",
            "venue": "KEC-SELATAN",
            "kits": [{"kit": "PTZ", "count": 1}],
        },
        {
            "ref": "PSR-FLEX-01",
            "unit": "Bappeda",
            "pic": {"name": "Yusuf (Bappeda)", "email": "yusuf@bappeda.example.go.id"},
            "title": "Rapat Teknis RKPD (waktu bisa digeser 08.00-15.00)",
            "timezone": "Asia/Makassar",
            "start": "2027-01-05T10:00",
            "end": "2027-01-05T11:30",
            "window_start": "2027-01-05T08:00",
            "window_end": "2027-01-05T15:00",
            "participants": 420,
            "service": "link",
            "priority": "normal",
            "status": "approved",
        },
    ]
    prob["requests"].append(
        {
            "ref": "PSR-WEB-01",
            "unit": "Dinas Kesehatan",
            "pic": {"name": "dr. Made (Dinkes)", "email": "made@dinkes.example.go.id", "language": "en"},
            "title": "Provincial health webinar (needs 800 seats)",
            "timezone": "Asia/Makassar",
            "start": "2027-01-07T13:00",
            "end": "2027-01-07T15:00",
            "participants": 800,
            "service": "link",
            "priority": "normal",
        }
    )
    return prob


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", choices=["district", "ministry", "operators", "example"])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workflow", action="store_true", help="venues, travel, kits, rehearsals, flexible windows")
    args = ap.parse_args()
    if args.profile == "example":
        data = example()
    elif args.profile == "operators":
        data = operator_pools(args.requests, args.seed)
    else:
        data = (district if args.profile == "district" else ministry)(args.requests, args.seed)
        if args.workflow:
            field = 0.4 if args.profile == "district" else 0.15  # a ministry works mostly in its own building
            data = add_workflow(data, random.Random(args.seed + 1000), field_share=field)
    print(json.dumps(data, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
