"""`vicon kits`: stock and loans over a range, returns, overdue kits (Bahasa Indonesia by default), bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.planner.domain import Assignment, KitNeed, KitType, Pic, Plan, ServiceType, SitePolicy, SolverStatus
from allocator.store import Store
from tests.store.dbs import FakeClock, hosts, request

T0 = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)  # 2030-01-01 08:00 WIB
DAY = datetime(2030, 1, 2, 2, 0, tzinfo=UTC)  # 2030-01-02 09:00 WIB


@pytest.fixture
def db(db_url: str) -> Iterator[str]:
    """A store with two kit types and three requests borrowing kits, published at T0 (pickup 60 min before,
    return 30 min after): A CAM×2 09:00-10:00, B CAM×1 + MIC×1 09:30-10:30, C CAM×3 on the 5th."""
    store = Store.open(db_url, clock=FakeClock(T0))
    store.set_policy(SitePolicy(kit_pickup_min=60, kit_return_min=30), actor="t")
    store.upsert_hosts(hosts(), actor="t")
    store.set_kit_types([KitType(id="CAM", name="Kamera", stock=3), KitType(id="MIC", name="Mic", stock=2)], actor="t")
    reqs = [
        request("A", DAY, kits=[KitNeed(kit="CAM", count=2)], unit="Dinas Kesehatan",
                pic=Pic(name="Sari", phone="0812-1"), service=ServiceType.LINK_OPERATOR),
        request("B", DAY + timedelta(minutes=30), kits=[KitNeed(kit="CAM"), KitNeed(kit="MIC")]),
        request("C", DAY + timedelta(days=3), kits=[KitNeed(kit="CAM", count=3)]),
    ]  # fmt: skip
    for r in reqs:
        store.save_request(r, actor="t")
    plan = Plan(
        assignments=[Assignment(request=r.ref, host=h) for r, h in zip(reqs, ["H100", "H300", "H500"], strict=True)],
        status=SolverStatus.OPTIMAL,
    )
    store.publish_plan(plan, actor="t", now=T0)
    store.close()
    yield db_url


def _kits(db: str, *args: str, code: int = 0) -> str:
    env = {"VICON_LANG": "en"} if code == 2 else {}  # the errors are read in English; the rest as the site speaks
    result = CliRunner().invoke(app, ["kits", *args, "--db", db], env=env)
    assert result.exit_code == code, (args, result.output, result.exception)
    if code == 2:
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    return result.output


def test_overview_shows_stock_overdue_min_free_and_loans_in_local_time(db: str) -> None:
    out = _kits(db, "--now", "2030-01-02T08:15")
    assert "Kit peralatan 2030-01-02 00:00 – 2030-01-09 00:00 WIB" in out  # today -> +7 days, local
    rows = {line.split()[0]: line.split()[-3:] for line in out.splitlines() if line.startswith(("CAM ", "MIC "))}
    # CAM: A(2)+B(1) overlap on the 2nd, C(3) on the 5th -> never more than 3 out: min free 0.
    assert rows == {"CAM": ["3", "0", "0"], "MIC": ["2", "0", "1"]}
    assert "A  CAM ×2  ambil 2030-01-02 08:00 – kembali 2030-01-02 10:30 WIB  [dipinjam]" in out
    assert "B  MIC ×1  ambil 2030-01-02 08:30 – kembali 2030-01-02 11:00 WIB  [dijadwalkan]" in out
    assert "C  CAM ×3  ambil 2030-01-05 08:00" in out
    en = _kits(db, "--now", "2030-01-02T08:15", "--from", "2030-01-03", "--to", "2030-01-04", "--lang", "en")
    assert "Equipment kits 2030-01-03 00:00 – 2030-01-05 00:00 WIB" in en  # --to a date: through that day
    assert "No loans in this range." in en and "min. free" in en
    assert {ln.split()[0]: ln.split()[-1] for ln in en.splitlines() if ln.startswith(("CAM ", "MIC "))} == {
        "CAM": "3",
        "MIC": "2",
    }


def test_overdue_return_and_overview_after(db: str) -> None:
    late = "2030-01-02T13:00"  # A was due back at 10:30, B at 11:00
    out = _kits(db, "overdue", "--now", late)
    assert "Kit terlambat dikembalikan (per 2030-01-02 13:00 WIB):" in out
    assert "A  Dinas Kesehatan  PIC Sari 0812-1  CAM ×2  seharusnya kembali 2030-01-02 10:30 WIB" in out
    assert "(terlambat 2 jam 30 menit)" in out and "B  Dinas Kominfo  PIC Budi  MIC ×1" in out
    # An overdue loan holds its kits indefinitely: on the 5th C needs all 3 cameras, 2 are still out with A.
    rows = {
        ln.split()[0]: ln.split()[-3:]
        for ln in _kits(db, "--now", late, "--from", "2030-01-05").splitlines()
        if ln.startswith("CAM ")
    }
    assert rows == {"CAM": ["3", "3", "-3"]}
    out = _kits(db, "return", "A", "--now", "2030-01-02T14:00")
    assert out.strip() == "A: CAM ×2 dicatat kembali 2030-01-02 14:00 WIB (terlambat 3 jam 30 menit)"
    assert "sudah dicatat kembali" in _kits(db, "return", "A", "--now", "2030-01-02T14:05")
    out = _kits(db, "return", "B", "--kit", "MIC", "--now", "2030-01-02T14:10", "--lang", "en")
    assert out.strip() == "B: MIC ×1 recorded as back at 2030-01-02 14:10 WIB (3 h 10 min late)"
    out = _kits(db, "overdue", "--now", "2030-01-02T14:15", "--lang", "en")
    assert "B  Dinas Kominfo  PIC Budi  CAM ×1  due 2030-01-02 11:00 WIB" in out and "A  " not in out
    _kits(db, "return", "B", "--now", "2030-01-02T14:20")
    assert "Tidak ada kit yang terlambat dikembalikan." in _kits(db, "overdue", "--now", "2030-01-02T15:00")
    store = Store.open(db)
    try:
        assert [e.actor for e in store.audit_log(entity="kit_return")] == ["cli", "cli", "cli"]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--from", "2030-13-01"], "--from: not a date"),
        (["--to", "tomorrow"], "--to: not a date"),
        (["--from", "2030-01-05", "--to", "2030-01-04T12:00"], "--to: must be after --from"),
        (["--lang", "fr"], "'--lang'"),
        (["--now", "soon"], "--now: not a date"),
        (["overdue", "--lang", "jv"], "--lang"),
        (["return", "NOPE"], "request: unknown request 'NOPE'"),
        (["return", "A", "--kit", "LAPTOP"], "--kit: unknown kit type 'LAPTOP'"),
        (["return", "A", "--kit", "MIC", "--now", "2030-01-02T09:00"], "--kit: A does not borrow kit 'MIC'"),
        (["return", "C", "--now", "2030-01-02T09:00"], "request: C: the kits have not been picked up yet"),
    ],
)
def test_bad_input_exits_2_naming_the_option(db: str, args: list[str], named: str) -> None:
    out = _kits(db, *args, code=2)
    assert named in out, out


def test_times_take_a_zone_word(db: str) -> None:
    """WIB/WITA/WIT after a typed time say whose local time it is (issue 21, item 5): 09:15 WITA is 08:15 WIB."""
    site = _kits(db, "--now", "2030-01-02T08:15", "--from", "2030-01-02T08:00", "--to", "2030-01-02T12:00")
    word = _kits(db, "--now", "2030-01-02T09:15 WITA", "--from", "2030-01-02T09:00 wita", "--to",
                 "2030-01-02T13:00 WITA")  # fmt: skip
    assert word == site and "Kit peralatan 2030-01-02 08:00 – 2030-01-02 12:00 WIB" in word
    assert "--from: not a date" in _kits(db, "--from", "2030-01-02T09:00 Mars", code=2)


def test_a_series_lends_per_occurrence_listed_overdue_and_returned(db: str) -> None:
    store = Store.open(db, clock=FakeClock(T0))
    series = {"repeat": "daily", "count": 2}
    store.save_request(request("SER", DAY + timedelta(days=1), kits=[KitNeed(kit="MIC")], unit="Bappeda",
                               series=series), actor="t")  # fmt: skip
    served = [("A", "H100"), ("B", "H300"), ("C", "H500"), ("SER:1", "H100"), ("SER:2", "H100")]
    plan = Plan(assignments=[Assignment(request=r, host=h) for r, h in served], status=SolverStatus.OPTIMAL)
    store.publish_plan(plan, actor="t", now=T0)
    store.close()
    out = _kits(db, "--now", "2030-01-02T08:15")
    assert "SER:1  MIC ×1  ambil 2030-01-03 08:00 – kembali 2030-01-03 10:30 WIB  [dijadwalkan]" in out
    assert "SER:2  MIC ×1  ambil 2030-01-04 08:00 – kembali 2030-01-04 10:30 WIB  [dijadwalkan]" in out
    assert "SER:1  Bappeda  PIC Budi  MIC ×1" in _kits(db, "overdue", "--now", "2030-01-03T13:00")
    out = _kits(db, "return", "SER:1", "--now", "2030-01-03T14:00")
    assert out.startswith("SER:1: MIC ×1 dicatat kembali 2030-01-03 14:00 WIB")
    assert "unknown request 'SER:7'" in _kits(db, "return", "SER:7", code=2)
