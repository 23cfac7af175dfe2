"""A series from a spreadsheet's columns (or a JSON file's own shape): how it repeats, how many times or until when,
and whether partial service is acceptable; bad series cells are named."""

from __future__ import annotations

import json
from pathlib import Path

from allocator.intake import read_file
from tests.allocator.test_intake import FORM_HEADERS, GOOD

HEADERS = [*FORM_HEADERS, "Pengulangan", "Jumlah Pertemuan", "Berulang Sampai Tanggal", "Kebijakan Seri"]


def _csv(tmp_path: Path, *rows: list[str]) -> Path:
    path = tmp_path / "series.csv"
    path.write_text("\n".join(";".join(r) for r in [HEADERS, *rows]) + "\n", encoding="utf-8")
    return path


def test_series_columns(tmp_path: Path) -> None:
    training = [*GOOD, "Harian", "3", "", "Semua atau tidak"]
    weekly = [*GOOD[:1], "006/KOM/I/2027", *GOOD[2:], "Mingguan", "", "26/01/2027", "Sebagian"]
    single = [*GOOD[:1], "007/KOM/I/2027", *GOOD[2:], "", "", "", ""]
    result = read_file(_csv(tmp_path, training, weekly, single), default_zone="Asia/Jakarta")
    assert not result.rejected, result.rejected
    by_ref = {r.ref: r for r in result.accepted}
    lat = by_ref["005/KOM/I/2027"].series
    assert lat is not None and lat.repeat.value == "daily" and lat.count == 3 and lat.policy.value == "all_or_nothing"
    week = by_ref["006/KOM/I/2027"].series
    assert week is not None and week.repeat.value == "weekly" and str(week.until) == "2027-01-26"
    assert week.policy.value == "partial"
    assert by_ref["007/KOM/I/2027"].series is None


def test_a_monthly_series_from_its_column(tmp_path: Path) -> None:
    """Issue 18: 'Bulanan' repeats on the same day of the month."""
    monthly = [*GOOD[:1], "008/KOM/I/2027", *GOOD[2:], "Bulanan", "6 kali", "", ""]
    (req,) = read_file(_csv(tmp_path, monthly), default_zone="Asia/Jakarta").accepted
    assert req.series is not None and req.series.repeat.value == "monthly" and req.series.count == 6
    assert req.series.month_week is None


def test_bad_series_cells_are_named(tmp_path: Path) -> None:
    unknown = [*GOOD, "Tahunan", "3", "", ""]
    no_end = [*GOOD[:1], "006/KOM/I/2027", *GOOD[2:], "Harian", "", "", ""]
    count_alone = [*GOOD[:1], "007/KOM/I/2027", *GOOD[2:], "", "4", "", ""]
    result = read_file(_csv(tmp_path, unknown, no_end, count_alone), default_zone="Asia/Jakarta", lang="en")
    errors = {r.ref: " ".join(r.errors) for r in result.rejected}
    assert "Repeat" in errors["005/KOM/I/2027"] and "Tahunan" in errors["005/KOM/I/2027"]
    assert "count or until" in errors["006/KOM/I/2027"]
    assert "Repeat" in errors["007/KOM/I/2027"]


def test_series_in_a_json_file(tmp_path: Path) -> None:
    row = {"ref": "R1", "unit": "U", "pic": {"name": "P"}, "title": "T", "timezone": "Asia/Jayapura",
           "start": "2027-01-05T09:00", "end": "2027-01-05T10:00", "participants": 10,
           "series": {"repeat": "weekly", "count": 4, "policy": "partial"}}  # fmt: skip
    path = tmp_path / "req.json"
    path.write_text(json.dumps({"requests": [row]}))
    (req,) = read_file(path).accepted
    assert req.series is not None and req.series.count == 4


def test_a_span_of_days_in_the_date_column_is_a_daily_series(tmp_path: Path) -> None:
    """Offices write a three-day training as "12 s.d. 14 Januari 2027" in the date column: one request, served
    each day by one host (one link), as if "Harian, 3" had been given; the report lists it as a guess."""
    headers = [h if h != "Tanggal" else "Tanggal Pelaksanaan" for h in FORM_HEADERS]
    row = [v if v != GOOD[FORM_HEADERS.index("Tanggal")] else "12 s.d. 14 Januari 2027" for v in GOOD]
    path = tmp_path / "span.csv"
    path.write_text(";".join(headers) + "\n" + ";".join(row) + "\n", encoding="utf-8")
    result = read_file(path, default_zone="Asia/Jakarta")
    (req,) = result.accepted
    assert req.series is not None and req.series.repeat.value == "daily" and req.series.count == 3
    assert req.start.isoformat() == "2027-01-12T01:00:00+00:00"
    assert [g.code for g in result.report.guesses] == ["date_range"]
    wrong = [v if v != GOOD[FORM_HEADERS.index("Tanggal")] else "Senin-Rabu, 19-21 Januari 2027" for v in GOOD]
    path.write_text(";".join(headers) + "\n" + ";".join(wrong) + "\n", encoding="utf-8")
    (rej,) = read_file(path, default_zone="Asia/Jakarta").rejected
    assert "Selasa-Kamis" in rej.errors[0] and "Senin-Rabu" in rej.errors[0]
