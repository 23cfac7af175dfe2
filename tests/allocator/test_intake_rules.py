"""Intake's rules: one reason per row, re-import without duplicates, the rejects files, formulas never run or
written back, the lead time in working days, and `vicon requests add --file` (with --dry-run)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

import allocator.intake.files as files_module
from allocator.commands.main import app
from allocator.daemon import ingest_file
from allocator.intake import IntakeFileError, read_file, write_rejects
from allocator.intake.leadtime import lead_working_days, working_days
from allocator.planner.domain import IntakePolicy, RequestStatus, SitePolicy
from allocator.store.repo import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
FORM = FIXTURES / "kominfo-paser-google-form.csv"
WITA = SitePolicy(timezone="Asia/Makassar")
NOW = datetime(2027, 1, 2, 0, 0, tzinfo=UTC)
HEADERS = ["Stempel waktu", "Alamat email", "Unit Kerja", "Nama PIC", "Nama Kegiatan", "Tanggal", "Waktu",
           "Jumlah Peserta", "Jenis Layanan", "Nomor Surat", "Tanggal Surat"]  # fmt: skip
ROW = ["28/12/2026 9:00:00", "a@x.go.id", "Bappeda", "Rina", "Rapat", "Senin, 11 Januari 2027", "09.00 - 11.00",
       "50", "Zoom + Operator", "050/1/XII/2026", "28/12/2026"]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        out.writerows(rows)
    return path


def with_(**changes: str) -> list[str]:
    row = list(ROW)
    for name, value in changes.items():
        row[HEADERS.index(name.replace("_", " "))] = value
    return row


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'v.db'}", clock=lambda: NOW)
    s.set_policy(WITA, actor="test")
    try:
        yield s
    finally:
        s.close()


def test_one_reason_per_row_never_a_cascade(tmp_path: Path) -> None:
    rows = [with_(Tanggal="32/01/2027", Jumlah_Peserta="banyak"), with_(Nama_PIC="", Tanggal="besok"),
            with_(Waktu="", Jumlah_Peserta="0"), with_(Waktu="jam sembilan")]  # fmt: skip
    result = read_file(write_csv(tmp_path / "f.csv", rows), WITA, now=NOW)
    reasons = {r.row: r.errors for r in result.rejected}
    assert reasons == {
        2: ["Tanggal pelaksanaan: '32/01/2027': tanggal itu tidak ada (Januari 2027 hanya sampai tanggal 31)"],
        3: ["Nama PIC: kosong, wajib diisi"],
        4: ["Waktu pelaksanaan: kosong, wajib diisi"],
        5: ["Waktu pelaksanaan: 'jam sembilan' bukan jam (tulis mis. 09.00, 13.30 WITA atau 09.00 - 11.00 WITA)"],
    }
    english = read_file(tmp_path / "f.csv", WITA, "en", now=NOW)
    assert english.rejected[0].errors == ["Date: '32/01/2027': no such date (January 2027 has 31 days)"]
    missing = read_file(write_csv(tmp_path / "g.csv", [ROW[:5]], HEADERS[:5]), WITA, now=NOW)
    assert missing.rejected[0].reason == "Tanggal pelaksanaan: file ini tidak punya kolomnya"
    assert missing.report.missing == ["date", "start_time", "participants"]


def test_refs_are_stable_and_shared_letters_split(tmp_path: Path) -> None:
    rows = [ROW, with_(Nomor_Surat="-", Stempel_waktu="29/12/2026 10:00:00"),
            with_(Nomor_Surat="060/2/XII/2026", Stempel_waktu="29/12/2026 11:00:00", Waktu="13.00 - 14.00"),
            with_(Nomor_Surat="060/2/XII/2026", Stempel_waktu="29/12/2026 11:00:05", Tanggal="12/01/2027")]  # fmt: skip
    first = read_file(write_csv(tmp_path / "f.csv", rows), WITA, now=NOW)
    refs = [r.ref for r in first.accepted]
    assert refs[0] == "050/1/XII/2026" and refs[1].startswith("GF-20261229-100000-")
    assert refs[2].startswith("GF-20261229-110000-") and refs[3].startswith("GF-20261229-110005-")
    again = read_file(tmp_path / "f.csv", WITA, now=datetime(2027, 1, 3, tzinfo=UTC))
    assert [r.ref for r in again.accepted] == refs  # the same export reads to the same refs
    twice = read_file(write_csv(tmp_path / "g.csv", [ROW, ROW]), WITA, now=NOW)
    assert twice.rejected[0].errors == ["Nomor permohonan: permohonan yang sama dengan baris 2 (050/1/XII/2026)"]


def test_reimport_updates_what_changed_and_duplicates_nothing(store: Store, tmp_path: Path) -> None:
    shutil.copy(FORM, tmp_path / "form.csv")
    runner = CliRunner()
    db = str(store.engine.url)
    first = runner.invoke(app, ["requests", "add", "--db", db, "--file", str(tmp_path / "form.csv")])
    assert "18 diterima (18 baru atau berubah), 2 ditolak" in first.output
    assert len(store.list_requests()) == 18
    store.save_request(store.get_request("050/112/Bappeda/XII/2026").model_copy(  # type: ignore[union-attr]
        update={"status": RequestStatus.APPROVED, "priority": "high"}), actor="admin")  # fmt: skip
    again = runner.invoke(app, ["requests", "add", "--db", db, "--file", str(tmp_path / "form.csv")])
    assert "18 diterima (0 baru atau berubah), 2 ditolak" in again.output
    # a newer export of the same form: one row moved, one answer added
    text = FORM.read_text(encoding="utf-8").replace("09.00 - 11.00 WITA,± 50 orang", "10.00 - 12.00 WITA,± 50 orang")
    text += ('5/1/2027 8:00:00,kec.kuaro@gmail.com,Kecamatan Kuaro,Rudi,0852,Rapat Desa,"Jumat, 15 Januari 2027",'
             '09.00 - 10.00,30,Link Zoom saja,-,-,Aula,\r\n')  # fmt: skip
    (tmp_path / "form-newer.csv").write_text(text, encoding="utf-8")
    newer = runner.invoke(app, ["requests", "add", "--db", db, "--file", str(tmp_path / "form-newer.csv")])
    assert "19 diterima (2 baru atau berubah), 2 ditolak" in newer.output, newer.output
    assert len(store.list_requests()) == 19
    moved = store.get_request("050/112/Bappeda/XII/2026")
    assert moved is not None and f"{moved.start:%H:%M}" == "02:00"  # 10.00 WITA
    assert moved.status is RequestStatus.APPROVED and moved.priority == "high"  # the admin's, kept
    assert [v.version for v in store.request_history("050/112/Bappeda/XII/2026")] == [1, 2, 3]


def test_dry_run_shows_the_report_and_stores_nothing(store: Store) -> None:
    out = CliRunner().invoke(app, ["requests", "add", "--db", str(store.engine.url), "--file", str(FORM),
                                   "--dry-run"])  # fmt: skip
    assert out.exit_code == 1  # two rows rejected
    assert "Laporan pembacaan kominfo-paser-google-form.csv: 20 baris, 18 diterima, 2 ditolak" in out.output
    assert "'Nama Unit Kerja / OPD' → unit (Unit kerja)" in out.output and "Tebakan:" in out.output
    assert "050/112/Bappeda/XII/2026" in out.output and "Baris → permohonan" in out.output
    assert "tidak ada yang disimpan" in out.output and store.list_requests() == []
    en = CliRunner().invoke(app, ["requests", "add", "--db", str(store.engine.url), "--file", str(FORM),
                                  "--dry-run", "--lang", "en"])  # fmt: skip
    assert "How kominfo-paser-google-form.csv was read: 20 rows, 18 accepted, 2 rejected" in en.output


def test_rejects_xlsx_and_csv_carry_the_row_and_never_a_formula(tmp_path: Path) -> None:
    headers = [*HEADERS, "Catatan"]
    bad = [*with_(Jumlah_Peserta="0"), '=HYPERLINK("http://x.invalid","klik")']
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    sheet.append([*ROW, "@SUM(1)"])
    sheet.append(bad)
    sheet["L3"].data_type = "s"
    book.save(tmp_path / "in.xlsx")
    result = read_file(tmp_path / "in.xlsx", WITA, now=NOW)
    assert result.accepted[0].notes == {"Catatan": "@SUM(1)"}
    write_rejects(tmp_path / "out.xlsx", result)
    cells = list(load_workbook(tmp_path / "out.xlsx").worksheets[0].iter_rows(values_only=True))
    assert cells[0][-1] == "alasan" and cells[1][-1] == "Jumlah peserta: '0': harus lebih dari 0"
    assert cells[1][:-1] == tuple(bad)
    raw = load_workbook(tmp_path / "out.xlsx").worksheets[0]["L2"]
    assert raw.data_type == "s" and raw.quotePrefix  # text, not a formula
    write_rejects(tmp_path / "out.csv", result)
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join(headers) + ";alasan"
    assert lines[1].endswith(';"\'=HYPERLINK(""http://x.invalid"",""klik"")";Jumlah peserta: \'0\': harus lebih dari 0')


def test_a_fixed_rejects_file_goes_back_in(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "f.csv", [ROW, [*with_(Jumlah_Peserta="-", Nomor_Surat="050/9/XII/2026")]])
    assert "1 accepted (1 new or changed), 1 rejected" in ingest_file(store, inbox / "f.csv")
    rejects = inbox / "rejects" / "f.rejects.csv"
    fixed = rejects.read_text(encoding="utf-8-sig").replace(";-;Zoom", ";40;Zoom")  # the admin types the count
    (inbox / "f-fixed.csv").write_text(fixed, encoding="utf-8-sig")
    assert "1 accepted (1 new or changed), 0 rejected" in ingest_file(store, inbox / "f-fixed.csv")
    back = store.get_request("050/9/XII/2026")
    assert back is not None and back.participants == 40 and back.notes == {}  # "alasan" is not a note


def test_working_days_skip_weekends_and_holidays() -> None:
    assert working_days(date(2027, 1, 4), date(2027, 1, 11), set()) == 5
    assert working_days(date(2027, 1, 4), date(2027, 1, 11), {date(2027, 1, 5)}) == 4
    assert working_days(date(2027, 1, 9), date(2027, 1, 11), set()) == 0  # Saturday to Monday
    assert lead_working_days(date(2026, 12, 31), date(2027, 1, 7)) == 3  # 1 Jan and Isra Mi'raj (5 Jan) closed
    assert working_days(date(2027, 1, 11), date(2027, 1, 4), set()) == 0


def test_late_letters_are_flagged_or_rejected(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [ROW, with_(Nomor_Surat="050/2/I/2027", Stempel_waktu="7/1/2027 9:00:00",
                                                     Tanggal_Surat="07/01/2027")])  # fmt: skip
    flag = WITA.model_copy(update={"intake": IntakePolicy(min_lead_working_days=3)})
    result = read_file(path, flag, now=NOW)
    assert [r.flags for r in result.accepted] == [[], ["late_letter"]]  # 7 Jan → 11 Jan: Thu, Fri = 2 days
    reject = WITA.model_copy(update={"intake": IntakePolicy(min_lead_working_days=3, late_letters="reject")})
    strict = read_file(path, reject, now=NOW)
    assert strict.rejected[0].errors == ["Batas waktu surat: masuk 2 hari kerja sebelum acara; minimal 3 hari kerja"]
    store.set_policy(flag, actor="test")
    runner = CliRunner()
    db = str(store.engine.url)
    assert runner.invoke(app, ["requests", "add", "--db", db, "--file", str(path)]).exit_code == 0
    listed = runner.invoke(app, ["requests", "list", "--db", db])
    assert "telat" in listed.output  # the flag, as the site (Bahasa Indonesia) says it
    shown = runner.invoke(app, ["requests", "show", "050/2/I/2027", "--db", db, "--lang", "en"])
    assert "late letter: came in 2 working day(s) before the event (received 2027-01-07; the site asks 3)" in (
        shown.output
    )
    assert "letter: 050/2/I/2027 of 2027-01-07" in shown.output


def test_two_thousand_rows_in_a_few_seconds(tmp_path: Path) -> None:
    rows = [with_(Nomor_Surat=f"050/{i}/XII/2026", Stempel_waktu=f"28/12/2026 9:{i % 60:02d}:{i // 60 % 60:02d}")
            for i in range(2000)]  # fmt: skip
    path = write_csv(tmp_path / "big.csv", rows)
    result = read_file(path, WITA.model_copy(update={"intake": IntakePolicy(min_lead_working_days=3)}), now=NOW)
    assert len(result.accepted) == 2000  # its speed is measured in docs/intake.md, not timed here


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_file_beyond_the_row_limit_is_refused_whole_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setattr(files_module, "MAX_ROWS", 10)
    rows = [with_(Nomor_Surat=f"050/{i}/XII/2026") for i in range(11)]
    path = write_csv(tmp_path / "big.csv", rows)
    if suffix == ".xlsx":
        with path.open(newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh))
        book = Workbook()
        for line in table:
            book.active.append(line)  # type: ignore[union-attr]
        path = tmp_path / "big.xlsx"
        book.save(path)
    with pytest.raises(IntakeFileError, match="more than 10 rows; split it"):
        read_file(path, WITA, now=NOW)
    monkeypatch.setattr(files_module, "MAX_ROWS", 11)
    assert len(read_file(path, WITA, now=NOW).rows) + len(read_file(path, WITA, now=NOW).rejected) == 11


def test_the_daemon_logs_the_report_and_answers_a_workbook_with_a_workbook(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURES / "kementerian-datacenter.xlsx", inbox / "dc.xlsx")
    with caplog.at_level("DEBUG", logger="vicon.daemon"):  # the report at debug; the counts in one info line
        assert "7 accepted (7 new or changed), 2 rejected" in ingest_file(store, inbox / "dc.xlsx")
    assert [r.getMessage() for r in caplog.records if r.levelname == "INFO"] == [
        "intake: dc.xlsx: 7 accepted (7 new or changed), 2 rejected"
    ]
    assert "Laporan pembacaan dc.xlsx: 9 baris, 7 diterima, 2 ditolak" in caplog.text
    assert "'Agency / Unit' → unit (Unit kerja)" in caplog.text
    rows = list(load_workbook(inbox / "rejects" / "dc.rejects.xlsx").worksheets[0].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["DC-2027-008", "DC-2027-009"] and rows[0][-1] == "alasan"
    assert rows[2][-2] == '=HYPERLINK("http://example.invalid","klik")'  # as text, with its quote prefix
