"""The rejects file: the rejected rows as they came, plus an "alasan" (reason) column, in the input's format,
so the admin fixes the cells and drops the file back into the inbox (intake ignores the reason column).

XLSX, or CSV as Indonesian Excel opens it (UTF-8 with a BOM, ';'), or JSON. A cell that looks like a formula is
never written as one: in XLSX it is a text cell with Excel's quote prefix, in CSV it gets a leading apostrophe
(which intake removes again on reading).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

from allocator.intake.files import FORMULA_STARTS
from allocator.intake.messages import Lang


class Rejected(Protocol):
    @property
    def reason(self) -> str: ...
    @property
    def cells(self) -> list[Any]: ...


def reason_header(lang: Lang) -> str:
    return "alasan" if lang == "id" else "reason"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M:%S}" if value.time() != time() else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, time):
        return f"{value:%H.%M}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def looks_like_formula(value: str) -> bool:
    """Starts as a spreadsheet formula would: '=', '@', a tab or return, or '+'/'-' with more after it (a lone
    '-', the usual empty answer, stays as it is)."""
    return value.startswith(FORMULA_STARTS) and value.strip() not in ("-", "+")


def escape_csv(value: str) -> str:
    """A leading apostrophe before a formula-looking cell: text, never a formula."""
    return "'" + value if looks_like_formula(value) else value


def _write_csv(path: Path, headers: list[str], rows: Sequence[Rejected], lang: Lang) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow([escape_csv(h) for h in headers] + [reason_header(lang)])
        for r in rows:
            out.writerow([escape_csv(_text(c)) for c in r.cells] + [escape_csv(r.reason)])


def _write_xlsx(path: Path, headers: list[str], rows: Sequence[Rejected], lang: Lang) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for n, values in enumerate([[*headers, reason_header(lang)], *([*r.cells, r.reason] for r in rows)], start=1):
        for col, value in enumerate(values, start=1):
            plain = value if isinstance(value, int | float | date | time) and not isinstance(value, bool) else None
            cell = sheet.cell(row=n, column=col, value=plain if plain is not None else _text(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
                cell.quotePrefix = looks_like_formula(cell.value)
    book.save(path)


def _write_json(path: Path, headers: list[str], rows: Sequence[Rejected], lang: Lang) -> None:
    items = [{**{h: c for h, c in zip(headers, r.cells, strict=False) if c is not None}, reason_header(lang): r.reason}
             for r in rows]  # fmt: skip
    path.write_text(json.dumps({"requests": items}, ensure_ascii=False, indent=1, default=_text), encoding="utf-8")


def write_rejects(path: Path, headers: list[str], rows: Sequence[Rejected], lang: Lang = "id") -> None:
    """The rejected rows in the format `path`'s suffix names (.xlsx, .json, else CSV)."""
    writer = {".xlsx": _write_xlsx, ".json": _write_json}.get(path.suffix.lower(), _write_csv)
    writer(path, headers, rows, lang)
