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
