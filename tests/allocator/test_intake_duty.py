"""Weekend or holiday duty asked for in a request file (`Request.duty`, docs/calendar.md): the column as offices
head it, in Bahasa Indonesia or English, and its yes/no as people write it."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.intake import read_file
from allocator.intake.headers import field_of
from allocator.planner.domain import SitePolicy
from allocator.store.repo import Store

WITA = SitePolicy(timezone="Asia/Makassar")
NOW = datetime(2027, 1, 2, 0, 0, tzinfo=UTC)
HEADERS = ["Unit Kerja", "Nama PIC", "Nama Kegiatan", "Tanggal", "Waktu", "Jumlah Peserta", "Jenis Layanan"]
ROW = ["Bagian Umum", "Rina", "Upacara 17 Agustus", "17/08/2027", "07.00 - 09.00", "300", "Operator saja"]


def write_csv(path: Path, header: str, values: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([*HEADERS, header])
        out.writerows([*ROW[:2], f"{ROW[2]} {i}", *ROW[3:], v] for i, v in enumerate(values))
    return path


@pytest.mark.parametrize(
    "header",
    ["Tugas hari libur", "Dinas luar jam kerja", "Tugas di luar jam kerja?", "Piket hari libur (ya/tidak)",
     "Weekend / holiday duty", "Duty", "duty", "Outside office hours"],
)  # fmt: skip
def test_the_duty_column_as_offices_head_it(header: str) -> None:
    assert field_of(header)[0] == "duty"


def test_headers_near_the_duty_words_keep_their_fields() -> None:
    assert field_of("Dinas / Instansi")[0] == "unit"
    assert field_of("Hari / Tanggal")[0] == "date"
    assert field_of("Jam Mulai")[0] == "start_time"


def test_yes_and_no_as_people_write_them(tmp_path: Path) -> None:
    values = ["ya", "Tidak", "YES", "no", "1", "0", "✓", "", "-", "iya", "√"]
    result = read_file(write_csv(tmp_path / "f.csv", "Tugas hari libur", values), WITA, now=NOW)
    assert result.rejected == []
    duty = [r.duty for r in result.accepted]
    assert duty == [True, False, True, False, True, False, True, False, False, True, True]
    column = next(c for c in result.report.columns if c.header == "Tugas hari libur")
    assert column.field == "duty"


def test_an_unreadable_answer_names_the_column_and_the_choices(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", "Dinas luar jam kerja", ["mungkin", "x"])
    result = read_file(path, WITA, now=NOW)
    assert [r.errors for r in result.rejected] == [
        ["Tugas hari libur / luar jam kerja: 'mungkin' tidak dikenal (pilihan: ya, tidak)"],
        ["Tugas hari libur / luar jam kerja: 'x' tidak dikenal (pilihan: ya, tidak)"],
    ]
    english = read_file(path, WITA, "en", now=NOW)
    assert english.rejected[0].errors == ["Weekend or holiday duty: 'mungkin' is not known (choices: ya, tidak)"]


def test_a_workbook_gives_numbers_and_booleans(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*HEADERS, "Holiday duty"])
    for i, value in enumerate([1, 0, True, False]):
        ws.append([*ROW[:2], f"{ROW[2]} {i}", *ROW[3:], value])
    wb.save(tmp_path / "f.xlsx")
    result = read_file(tmp_path / "f.xlsx", WITA, now=NOW)
    assert result.rejected == [] and [r.duty for r in result.accepted] == [True, False, True, False]


def test_without_the_column_no_request_asks_for_duty(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADERS, ROW])
    assert [r.duty for r in read_file(path, WITA, now=NOW).accepted] == [False]


def test_vicon_requests_add_takes_duty(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'v.db'}"
    Store.open(db).close()  # an empty office
    common = ["requests", "add", "--db", db, "--unit", "Bagian Umum", "--title", "Upacara", "--pic-name", "Rina",
              "--start", "2027-08-17T07:00", "--end", "2027-08-17T09:00", "--service", "operator"]  # fmt: skip
    runner = CliRunner()
    added = runner.invoke(app, [*common, "--ref", "PIKET-1", "--duty"])
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, [*common, "--ref", "BIASA-1"]).exit_code == 0
    store = Store.open(db)
    try:
        duty = {ref: store.get_request(ref).duty for ref in ("PIKET-1", "BIASA-1")}  # type: ignore[union-attr]
    finally:
        store.close()
    assert duty == {"PIKET-1": True, "BIASA-1": False}
    assert "--duty" in runner.invoke(app, ["requests", "add", "--help"], env={"COLUMNS": "200"}).output
