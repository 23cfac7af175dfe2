"""Requests from files an office already has: CSV or XLSX exported from a spreadsheet form, or JSON.

Each row is checked on its own: good rows become `Request`s, bad rows come back with every problem named
(`row 7: participants: Input should be greater than 0`), so one typo never blocks a whole file. Column names
may be the model's own (`ref`, `start`, …) or the Indonesian headers a Google Form produces ("Nomor Surat",
"Tanggal", "Jam Mulai", …), in any case and spacing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from allocator.planner.domain import Request
from allocator.planner.problem_io import validation_messages

ALIASES: dict[str, str] = {
    "nomor surat": "ref", "no surat": "ref", "nomor": "ref", "reference": "ref", "ref": "ref",
    "unit": "unit", "unit kerja": "unit", "opd": "unit", "instansi": "unit",
    "nama pic": "pic_name", "pic": "pic_name", "pic name": "pic_name",
    "email pic": "pic_email", "pic email": "pic_email", "email": "pic_email",
    "no hp pic": "pic_phone", "no. hp pic": "pic_phone", "telepon pic": "pic_phone", "pic phone": "pic_phone",
    "bahasa": "pic_language", "language": "pic_language",
    "nama kegiatan": "title", "kegiatan": "title", "acara": "title", "judul": "title", "title": "title",
    "tanggal": "date", "date": "date",
    "jam mulai": "start_time", "mulai": "start_time", "start time": "start_time",
    "jam selesai": "end_time", "selesai": "end_time", "end time": "end_time",
    "start": "start", "end": "end",
    "zona waktu": "timezone", "timezone": "timezone", "zona": "timezone",
    "jumlah peserta": "participants", "peserta": "participants", "participants": "participants",
    "jenis": "kind", "kind": "kind",
    "jenis layanan": "service", "layanan": "service", "service": "service",
    "jumlah operator": "operators_needed", "operators needed": "operators_needed",
    "keahlian": "required_skills", "required skills": "required_skills",
    "prioritas": "priority", "priority": "priority",
    "lokasi": "venue", "tempat": "venue", "venue": "venue",
    "status": "status",
    "timestamp": "submitted_at", "cap waktu": "submitted_at", "submitted at": "submitted_at",
}  # fmt: skip
ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
SERVICES = {
    "link": "link", "link saja": "link", "hanya link": "link",
    "link + operator": "link_operator", "link dan operator": "link_operator", "link_operator": "link_operator",
    "operator": "operator", "operator saja": "operator", "hanya operator": "operator",
}  # fmt: skip
PRIORITIES = {"kepala daerah": "head_of_region", "pimpinan": "head_of_region", "tinggi": "high", "biasa": "normal",
              "rendah": "low"}  # fmt: skip


class RowError(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    ref: str | None
    errors: list[str]


class IntakeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    accepted: list[Request]
    rejected: list[RowError]


class IntakeFileError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


def _key(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("_", " ").strip().lower())


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date: {text!r} is not a date (use 2027-01-05 or 05/01/2027)")


def _parse_time(value: Any, field: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    text = str(value).strip().replace(".", ":")
    try:
        return time.fromisoformat(text if len(text) > 2 else f"{text}:00")
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a time of day (use 09:00 or 09.00)") from None


def _row_to_request_data(raw: dict[str, Any], default_zone: str) -> tuple[dict[str, Any], list[str]]:
    row: dict[str, Any] = {}
    for header, value in raw.items():
        if not header:
            continue
        name = str(header).strip()
        field = name if name in Request.model_fields else ALIASES.get(_key(name), name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        row[field] = value.strip() if isinstance(value, str) else value
    errors: list[str] = []
    data: dict[str, Any] = {k: v for k, v in row.items() if not k.startswith("pic_") and k not in (
        "date", "start_time", "end_time")}  # fmt: skip
    pic = {k.removeprefix("pic_"): v for k, v in row.items() if k.startswith("pic_")}
    if pic:
        if "language" in pic:
            pic["language"] = "en" if str(pic["language"]).lower() in ("en", "english", "inggris") else "id"
        data["pic"] = pic
    zone = str(row.get("timezone", default_zone))
    data["timezone"] = ZONES.get(zone.lower(), zone)
    if "date" in row:
        try:
            day = _parse_date(row["date"])
            for field, target in (("start_time", "start"), ("end_time", "end")):
                if field in row:
                    data[target] = datetime.combine(day, _parse_time(row[field], field)).isoformat()
        except ValueError as exc:
            errors.append(str(exc))
    if "service" in data:
        data["service"] = SERVICES.get(str(data["service"]).lower(), data["service"])
    if "priority" in data:
        data["priority"] = PRIORITIES.get(str(data["priority"]).lower(), data["priority"])
    if isinstance(data.get("required_skills"), str):
        data["required_skills"] = [s.strip() for s in re.split(r"[;,]", data["required_skills"]) if s.strip()]
    for number in ("participants", "operators_needed"):
        if isinstance(data.get(number), float) and data[number].is_integer():
            data[number] = int(data[number])
    stamp = data.get("submitted_at")
    if isinstance(stamp, datetime):
        data["submitted_at"] = stamp.isoformat()
    elif isinstance(stamp, str) and " " in stamp.strip():
        day_text, _, clock = stamp.strip().partition(" ")
        try:
            data["submitted_at"] = datetime.combine(
                _parse_date(day_text), _parse_time(clock, "submitted_at")
            ).isoformat()
        except ValueError as exc:
            errors.append(f"submitted_at: {stamp!r} is not a date and time ({exc})")
    return data, errors


def parse_rows(rows: Iterable[dict[str, Any]], default_zone: str = "Asia/Jakarta", first_row: int = 2) -> IntakeResult:
    """Validate each row independently; `first_row` is the number of the first data row as a person counts it."""
    accepted: list[Request] = []
    rejected: list[RowError] = []
    seen: set[str] = set()
    for n, raw in enumerate(rows, start=first_row):
        data, errors = _row_to_request_data(raw, default_zone)
        ref = str(data.get("ref")) if data.get("ref") is not None else None
        try:
            req = Request.model_validate(data)
        except ValidationError as exc:
            errors.extend(validation_messages(exc))
            req = None
        if req is not None and req.ref in seen:
            errors.append(f"ref: {req.ref!r} appears twice in this file")
        if errors or req is None:
            rejected.append(RowError(row=n, ref=ref, errors=[e.removeprefix("(problem): ") for e in errors]))
            continue
        seen.add(req.ref)
        accepted.append(req)
    return IntakeResult(accepted=accepted, rejected=rejected)


def read_rows(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Rows of a CSV, XLSX or JSON file, and the number of the first data row."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = path.read_bytes().decode("utf-8-sig")
            header = text.split("\n", 1)[0]
            delimiter = max(",;\t", key=header.count)  # spreadsheets in Indonesian locales export with ";"
            return list(csv.DictReader(io.StringIO(text), delimiter=delimiter)), 2
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data.get("requests", data) if isinstance(data, dict) else data
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise IntakeFileError(f"{path.name}: expected a list of request objects (or {{'requests': [...]}})")
            return rows, 1
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            values = list(sheet.iter_rows(values_only=True))
            if not values:
                return [], 2
            headers = [str(h) if h is not None else "" for h in values[0]]
            return [dict(zip(headers, row, strict=False)) for row in values[1:] if any(v is not None for v in row)], 2
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise IntakeFileError(f"{path.name}: cannot be read ({exc})") from None
    except IntakeFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise IntakeFileError(f"{path.name}: not a readable workbook ({type(exc).__name__})") from None
    raise IntakeFileError(f"{path.name}: unsupported file type {suffix or '(none)'} (use .csv, .xlsx or .json)")


def read_file(path: Path, default_zone: str = "Asia/Jakarta") -> IntakeResult:
    rows, first = read_rows(path)
    return parse_rows(rows, default_zone, first_row=first)


def file_digest(path: Path) -> str:
    """Identity of a file's content, so the same file is never processed twice."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_rejects(path: Path, rejected: list[RowError]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["row", "ref", "errors"])
        for r in rejected:
            out.writerow([r.row, r.ref or "", " | ".join(r.errors)])
