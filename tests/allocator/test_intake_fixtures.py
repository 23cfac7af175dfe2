"""Three offices' real exports (tests/fixtures/intake, made by make_fixtures.py): every accepted row checked
field by field against what the office meant, every rejected row with its one true reason."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from allocator.intake import IntakeResult, read_file
from allocator.planner.domain import SitePolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
WITA, WIB, WIT = "Asia/Makassar", "Asia/Jakarta", "Asia/Jayapura"

# row: (unit, local start, local end, zone, participants, service)
FORM_EXPECTED = {
    2: ("Bappeda", "2027-01-04 09:00", "2027-01-04 11:00", WITA, 50, "link_operator"),
    3: ("Dinas Kesehatan", "2027-01-12 08:30", "2027-01-12 12:00", WITA, 100, "link"),
    4: ("Dinas Perhubungan", "2027-01-06 09:00", "2027-01-06 11:00", WITA, 60, "link_operator"),
    5: ("Kecamatan Tanah Grogot", "2027-01-07 13:30", "2027-01-07 15:30", WITA, 35, "operator"),
    6: ("BPBD", "2027-01-08 09:00", "2027-01-08 11:00", WITA, 40, "link_operator"),
    7: ("Inspektorat", "2027-01-11 10:00", "2027-01-11 12:00", WIB, 25, "link"),
    8: ("Dinas Pendidikan", "2027-01-11 13:00", "2027-01-11 15:30", WITA, 300, "link_operator"),
    9: ("RSUD Panglima Sebaya", "2027-01-12 14:00", "2027-01-12 16:00", WITA, 20, "link_operator"),
    10: ("Satpol PP", "2027-01-12 07:30", "2027-01-12 09:00", WITA, 150, "link_operator"),
    11: ("Dinas Dukcapil", "2027-01-13 09:00", "2027-01-13 11:00", WITA, 75, "link_operator"),
    12: ("Sekretariat Daerah", "2027-01-14 13:30", "2027-01-14 15:00", WITA, 30, "link_operator"),
    13: ("Kecamatan Kuaro", "2027-01-14 08:00", "2027-01-14 12:00", WITA, 120, "link"),
    14: ("Dinas Pertanian", "2027-01-15 14:00", "2027-01-15 16:00", WITA, 200, "link_operator"),
    15: ("Dinas Sosial", "2027-01-04 13:00", "2027-01-04 14:30", WITA, 40, "operator"),
    16: ("BPKAD", "2027-01-06 10:00", "2027-01-06 12:00", WITA, 40, "link_operator"),
    17: ("Dinas Pemuda dan Olahraga", "2027-01-07 15:00", "2027-01-07 17:00", WITA, 45, "link"),
    20: ("Dinas Lingkungan Hidup", "2027-01-14 09:00", "2027-01-14 10:30", WITA, 60, "link_operator"),
    21: ("Kecamatan Long Ikis", "2027-01-15 13:00", "2027-01-15 15:00", WITA, 80, "link_operator"),
}
FORM_REJECTED = {
    18: "Tanggal pelaksanaan: 'Rabu, 31 Februari 2027': tanggal itu tidak ada (Februari 2027 hanya sampai tanggal 28)",
    19: "Waktu pelaksanaan: jam selesai 11.00 tidak setelah jam mulai 14.00",
}
SHEET_EXPECTED = {
    2: ("Biro Perencanaan", "2027-01-04 09:00", "2027-01-04 11:00", WIB, 80, "link_operator"),
    3: ("Balai Wilayah Makassar", "2027-01-05 09:00", "2027-01-05 11:00", WITA, 45, "link"),
    4: ("Balai Wilayah Jayapura", "2027-01-06 13:00", "2027-01-06 15:00", WIT, 30, "operator"),
    5: ("Pusat Data dan Informasi", "2027-01-07 13:30", "2027-01-07 15:30", WIB, 500, "link_operator"),
    6: ("Inspektorat Jenderal", "2027-01-08 10:00", "2027-01-08 12:00", WIB, 20, "link_operator"),
    7: ("Balai Wilayah Makassar", "2027-01-11 08:00", "2027-01-11 12:00", WITA, 80, "link_operator"),
    8: ("Sekretariat Jenderal", "2027-01-12 19:00", "2027-01-12 21:00", WIB, 120, "link_operator"),
}
SHEET_REJECTED = {
    9: "Time zone: 'WITT' is not a time zone (WIB, WITA or WIT)",
    10: "Participants: '0': must be more than 0",
}
EXCEL_EXPECTED = {
    2: ("Kecamatan Tanah Grogot", "2027-01-11 09:00", "2027-01-11 11:00", WITA, 40, "link_operator"),
    3: ("Kecamatan Tanah Grogot", "2027-01-12 13:30", "2027-01-12 15:00", WITA, 30, "operator"),
    5: ("Kecamatan Tanah Grogot", "2027-01-13 08:30", "2027-01-13 11:30", WITA, 60, "link"),
}
EXCEL_REJECTED = {
    4: "Tanggal pelaksanaan: kosong, wajib diisi",
    6: "Jumlah peserta: '-5' bukan jumlah orang (tulis mis. 50, ± 50 orang atau 50-60)",
}


def _check(result: IntakeResult, expected: dict[int, tuple[object, ...]], rejected: dict[int, str]) -> None:
    got = {}
    for a in result.rows:
        r, zone = a.request, ZoneInfo(a.request.timezone)
        got[a.row] = (r.unit, f"{r.start.astimezone(zone):%Y-%m-%d %H:%M}", f"{r.end.astimezone(zone):%Y-%m-%d %H:%M}",
                      r.timezone, r.participants, r.service.value)  # fmt: skip
    assert got == expected
    assert {r.row: r.errors for r in result.rejected} == {row: [reason] for row, reason in rejected.items()}


def test_google_form_of_a_district_kominfo() -> None:
    result = read_file(FIXTURES / "kominfo-paser-google-form.csv", SitePolicy(timezone=WITA))
    assert len(result.rows) >= 18 and len(result.rows) + len(result.rejected) == 20
    _check(result, FORM_EXPECTED, FORM_REJECTED)
    by_row = {a.row: a.request for a in result.rows}
    bappeda = by_row[2]
    assert bappeda.ref == bappeda.letter_number == "050/112/Bappeda/XII/2026"
    assert bappeda.letter_date is not None and bappeda.letter_date.isoformat() == "2026-12-21"
    assert bappeda.submitted_at == datetime(2026, 12, 21, 8, 12, 45, tzinfo=ZoneInfo(WITA))
    assert bappeda.pic.email == "sekretariat.bappeda@paserkab.go.id" and bappeda.pic.phone == "081250123456"
    assert bappeda.venue == "Ruang Rapat Bappeda"
    assert by_row[3].notes == {"Keterangan Tambahan": "mohon link dikirim H-1"}
    assert by_row[4].notes == {}  # "-" is an empty answer, not a note
    assert by_row[5].ref.startswith("GF-20261222-152018-") and by_row[5].letter_number is None  # "-" as letter no.
    assert by_row[8].kind.value == "webinar"
    assert by_row[10].flags == ["kit_requested"]
    assert by_row[21].letter_date is not None and by_row[21].letter_date.isoformat() == "2027-01-04"
    report = result.report.render("id")
    assert "'Stempel waktu' → submitted_at" in report and "'Keterangan Tambahan' → (disimpan sebagai catatan)" in report
    assert "'09.00 s/d selesai': selesai tidak ditentukan, dianggap 120 menit" in report
    assert "baris 18" in report and "baris 19" in report
    assert len(report.splitlines()) <= 40  # one screen


def test_a_ministry_admins_workbook() -> None:
    result = read_file(FIXTURES / "kementerian-datacenter.xlsx", SitePolicy(timezone=WIB), lang="en")
    _check(result, SHEET_EXPECTED, SHEET_REJECTED)
    by_ref = {r.ref: r for r in result.accepted}
    assert by_ref["DC-2027-001"].priority == "high" and by_ref["DC-2027-007"].priority == "head_of_region"
    assert by_ref["DC-2027-001"].pic.phone == "6281211112222"  # a number cell, not 6.28e12
    assert by_ref["DC-2027-004"].kind.value == "webinar"
    assert by_ref["DC-2027-002"].notes == {"Remarks": "serial dates from a pasted sheet"}
    report = result.report.render("en")
    assert "'No.' → (ignored)" in report and "no end time, taken as 120 minutes" in report


def test_a_semicolon_csv_from_indonesian_excel() -> None:
    path = FIXTURES / "kecamatan-excel-id.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = read_file(path, SitePolicy(timezone=WITA))
    _check(result, EXCEL_EXPECTED, EXCEL_REJECTED)
    second = next(a.request for a in result.rows if a.row == 3)
    assert second.notes == {"Keterangan": "=1+2"}  # kept as text, never evaluated


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_report_is_also_json(lang: str) -> None:
    result = read_file(FIXTURES / "kominfo-paser-google-form.csv", SitePolicy(timezone=WITA), lang=lang)  # type: ignore[arg-type]
    data = result.report.as_dict(lang)  # type: ignore[arg-type]
    assert data["rows"] == 20 and data["accepted"] == 18 and len(data["rejected"]) == 2
    open_end = next(g for g in data["guesses"] if g["code"] == "open_end")
    assert open_end["items"] == [
        {
            "row": 6,
            "text": (
                "'09.00 s/d selesai': selesai tidak ditentukan, dianggap 120 menit"
                if lang == "id"
                else "'09.00 s/d selesai': no end given, taken as 120 minutes"
            ),
        }
    ]
    assert {c["header"]: c["field"] for c in data["columns"]}["Alamat email"] == "respondent_email"


OFFICE_HEADER = (
    "No Surat;Unit Kerja;Nama Kegiatan;Tanggal;Jam Mulai;Jam Selesai;Jumlah Peserta;Layanan;Nama PIC;Email PIC"
)


def _office_csv(tmp_path: Path, *rows: str) -> IntakeResult:
    """A request file as a kecamatan's Excel saves it (semicolons), read for a WITA office."""
    path = tmp_path / "permohonan.csv"
    path.write_text("\n".join([OFFICE_HEADER, *rows]) + "\n", encoding="utf-8")
    return read_file(path, SitePolicy(timezone=WITA))


@pytest.mark.parametrize("end", ["selesai", "Selesai.", "s/d selesai", "sampai acara selesai", "Finish"])
def test_an_end_time_column_that_says_until_finished_takes_the_default_length(tmp_path: Path, end: str) -> None:
    """Offices with separate start and end columns write 'selesai' in the end column as often as '09.00 s/d
    selesai' in one: the default length, said in the report, not a refused row."""
    result = _office_csv(tmp_path, f"005/UND/2027;Dinas Kominfo;Rapat;15/01/2027;09.00;{end};40;Link;Budi;b@x.go.id")
    assert [r.row for r in result.rejected] == []
    (accepted,) = result.accepted
    assert (accepted.end - accepted.start).total_seconds() == 120 * 60
    assert f"'{end}': selesai tidak ditentukan, dianggap 120 menit" in result.report.render("id")


def test_an_end_time_column_with_a_word_that_is_no_time_is_still_refused(tmp_path: Path) -> None:
    result = _office_csv(tmp_path, "006/UND/2027;Dinas Kominfo;Rapat;15/01/2027;09.00;sore;40;Link;Budi;b@x.go.id")
    assert len(result.rejected) == 1 and "Jam selesai" in result.report.render("id")


@pytest.mark.parametrize("email", ["abc", "budi@", "budi kominfo.go.id", "budi@kominfo"])
def test_a_row_whose_pic_email_is_no_address_is_refused_naming_the_column(tmp_path: Path, email: str) -> None:
    """As `vicon requests add` refuses it: a PIC who cannot be mailed would never get the link."""
    result = _office_csv(
        tmp_path,
        f"007/UND/2027;Dinas Kominfo;Rapat;15/01/2027;09.00;11.00;40;Link;Budi;{email}",
        "008/UND/2027;Dinas Kominfo;Rapat;15/01/2027;13.00;14.00;40;Link;Sari;Sari@Kominfo.go.id",
    )
    assert [r.row for r in result.rejected] == [2]
    assert [r.pic.email for r in result.accepted] == ["sari@kominfo.go.id"]
    assert f"Email PIC: '{email}' bukan alamat email" in result.report.render("id")
