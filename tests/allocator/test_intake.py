"""Requests from CSV/XLSX/JSON files: good rows in, bad rows named, one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from allocator.intake import IntakeFileError, file_digest, read_file, write_rejects

FORM_HEADERS = [
    "Timestamp",
    "Nomor Surat",
    "Unit Kerja",
    "Nama PIC",
    "Email PIC",
    "Nama Kegiatan",
    "Tanggal",
    "Jam Mulai",
    "Jam Selesai",
    "Zona Waktu",
    "Jumlah Peserta",
    "Jenis Layanan",
    "Prioritas",
    "Lokasi",
]
GOOD = [
    "04/01/2027 10:00:00",
    "005/KOM/I/2027",
    "Dinas Kesehatan",
    "Dewi",
    "dewi@dinkes.go.id",
    "Rapat Stunting",
    "05/01/2027",
    "09.00",
    "11.00",
    "WITA",
    "120",
    "Link + Operator",
    "Tinggi",
    "Aula",
]


def test_csv_from_a_google_form(tmp_path: Path) -> None:
    bad = list(GOOD)
    bad[1], bad[7], bad[10], bad[11] = "006/KOM/I/2027", "9 pagi", "0", "Zoom"
    path = tmp_path / "form.csv"
    path.write_text(",".join(FORM_HEADERS) + "\n" + ",".join(GOOD) + "\n" + ",".join(bad) + "\n", encoding="utf-8")
    result = read_file(path, default_zone="Asia/Jakarta")
    (req,) = result.accepted
    assert req.ref == "005/KOM/I/2027" and req.timezone == "Asia/Makassar"
    assert req.start.isoformat() == "2027-01-05T01:00:00+00:00"  # 09.00 WITA
    assert req.service.value == "link_operator" and req.priority == "high" and req.participants == 120
    assert req.pic.email == "dewi@dinkes.go.id"
    (rej,) = result.rejected
    assert rej.row == 3 and rej.ref == "006/KOM/I/2027"
    # "9 pagi" and "Zoom" are read now; the row's one real problem is named, in Indonesian (issue 19)
    assert rej.errors == ["Jumlah peserta: '0': harus lebih dari 0"]


def test_xlsx_and_semicolon_csv_and_json(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(FORM_HEADERS)
    ws.append(GOOD)
    ws.append([None] * len(FORM_HEADERS))  # blank rows at the end of an export are ignored
    xlsx = tmp_path / "form.xlsx"
    wb.save(xlsx)
    assert [r.ref for r in read_file(xlsx).accepted] == ["005/KOM/I/2027"]
    semi = tmp_path / "semi.csv"
    semi.write_text(";".join(FORM_HEADERS) + "\n" + ";".join(GOOD) + "\n", encoding="utf-8")
    assert len(read_file(semi).accepted) == 1
    js = tmp_path / "req.json"
    js.write_text(
        json.dumps(
            {
                "requests": [
                    {
                        "ref": "R1",
                        "unit": "U",
                        "pic": {"name": "P"},
                        "title": "T",
                        "timezone": "Asia/Jayapura",
                        "start": "2027-01-05T09:00",
                        "end": "2027-01-05T10:00",
                        "participants": 10,
                    },
                    {
                        "ref": "R1",
                        "unit": "U",
                        "pic": {"name": "P"},
                        "title": "T",
                        "timezone": "Asia/Jayapura",
                        "start": "2027-01-05T09:00",
                        "end": "2027-01-05T08:00",
                        "participants": 10,
                    },
                ]
            }
        )
    )
    result = read_file(js)
    assert [r.ref for r in result.accepted] == ["R1"]
    assert result.rejected[0].row == 2 and "selesai" in result.rejected[0].errors[0]  # Indonesian by default


def test_rejects_file_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text(",".join(FORM_HEADERS) + "\n" + ",".join(GOOD[:5]) + "\n", encoding="utf-8")
    result = read_file(path)
    assert result.accepted == [] and result.rejected
    out = tmp_path / "form.rejects.csv"
    write_rejects(out, result)  # the original row and its reason, as Indonesian Excel opens a CSV (issue 19)
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ";".join(FORM_HEADERS) + ";alasan" and "005/KOM/I/2027" in text
    assert file_digest(path) == file_digest(path) and len(file_digest(path)) == 64


def test_unreadable_files_are_refused_whole(tmp_path: Path) -> None:
    for name, content in (("x.txt", "hello"), ("x.json", "{broken"), ("x.xlsx", "not a zip")):
        path = tmp_path / name
        path.write_text(content)
        with pytest.raises(IntakeFileError, match=name):
            read_file(path)


def test_a_microsoft_forms_export(tmp_path: Path) -> None:
    """Microsoft Forms puts its own columns first: the response number, when the form was opened ("Start time")
    and submitted, the respondent's e-mail ("anonymous" when not collected) and name. Its "Start time" is not the
    meeting's start, and its "Email" is not the PIC's when the form asks for one."""
    from datetime import datetime, time

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Unit Kerja Pemohon", "Nama PIC",
               "Email PIC", "Judul Kegiatan", "Hari/Tanggal", "Jam Mulai", "Jam Selesai", "Jumlah Peserta",
               "Kebutuhan"])  # fmt: skip
    ws.append([1, datetime(2027, 1, 3, 8, 1, 2), datetime(2027, 1, 3, 8, 5, 40), "anonymous", "", "Biro Umum",
               "Sari Dewi", "sari.dewi@kemen.go.id", "Rapat Pimpinan", datetime(2027, 1, 11), time(9, 0),
               time(11, 30), 75, "Zoom Meeting;Operator Vicon;"])  # fmt: skip
    path = tmp_path / "msforms.xlsx"
    wb.save(path)
    result = read_file(path, default_zone="Asia/Jakarta")
    assert result.rejected == []
    (req,) = result.accepted
    assert req.start.isoformat() == "2027-01-11T02:00:00+00:00" and req.end.isoformat() == "2027-01-11T04:30:00+00:00"
    assert req.pic.email == "sari.dewi@kemen.go.id" and req.submitted_at is not None
    assert req.submitted_at.isoformat() == "2027-01-03T01:05:40+00:00"  # "Completion time", not "Start time"
    fields = {c.header: c.field for c in result.report.columns}
    assert fields["Start time"] is None and fields["Jam Mulai"] == "start_time" and fields["Email PIC"] == "pic_email"


def test_the_column_naming_a_field_most_closely_wins(tmp_path: Path) -> None:
    """An admin's sheet with a generic "Email" column (who typed the row) before "Email PIC": the PIC's own column
    gives the PIC's address, whichever comes first."""
    headers = ["Email", *FORM_HEADERS]
    row = ["admin@kominfo.go.id", *GOOD]
    path = tmp_path / "sheet.csv"
    path.write_text(",".join(headers) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    (req,) = read_file(path, default_zone="Asia/Jakarta").accepted
    assert req.pic.email == "dewi@dinkes.go.id"
