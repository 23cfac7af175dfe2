"""Reading a request file into a table: headers, the rows' original cells, and each row's number as a person
counts it. Nothing in a cell is ever evaluated: a workbook's formulas give their stored value (data_only), a
CSV's "=…" stays text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from allocator.jsontext import JsonTextError, parse_json

SUFFIXES = (".csv", ".xlsx", ".json")
MAX_ROWS = 5_000  # a month of a ministry is ~1,500 requests; a larger file is an export of something else
MAX_BYTES = 32 * 1024 * 1024  # 5,000 rows are a few MiB in any of the formats; refused before it is read
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class IntakeFileError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the admin sees it, cells in header order)


def unescape(value: Any) -> Any:
    """Undo the apostrophe our rejects CSV puts before a formula-looking cell, so a fixed file reads as before."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def _csv(path: Path) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # "CSV (comma delimited)" from an older Excel on Windows
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # spreadsheets in Indonesian locales export with ";"
    records = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), MAX_ROWS + 2))
    if not records:
        return Table([], [])
    headers = [h.strip() for h in records[0]]
    rows = [(n, [unescape(c) for c in r]) for n, r in enumerate(records[1:], start=2)]
    return Table(headers, rows)


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)  # formulas give their stored value, never run
    try:
        values = list(islice(book.worksheets[0].iter_rows(values_only=True), MAX_ROWS + 2))
    finally:
        book.close()
    if not values:
        return Table([], [])
    headers = [str(h).strip() if h is not None else "" for h in values[0]]
    rows = [(n, [unescape(c) for c in r]) for n, r in enumerate(values[1:], start=2)]
    return Table(headers, rows)


def _json(path: Path) -> Table:
    try:
        data = parse_json(path.read_bytes(), name=path.name)
    except JsonTextError as exc:
        raise IntakeFileError(str(exc)) from None
    items = data.get("requests", data) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise IntakeFileError(f"{path.name}: expected a list of request objects (or {{'requests': [...]}})")
    headers: list[str] = []
    for item in items:
        headers += [k for k in item if k not in headers]
    return Table(headers, [(n, [item.get(h) for h in headers]) for n, item in enumerate(items, start=1)])


def read_table(path: Path) -> Table:
    """The file's table; `IntakeFileError` (naming the file) when it cannot be read at all."""
    suffix = path.suffix.lower()
    readers = {".csv": _csv, ".xlsx": _xlsx, ".json": _json}
    if suffix not in readers:
        raise IntakeFileError(f"{path.name}: unsupported file type {suffix or '(none)'} (use .csv, .xlsx or .json)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IntakeFileError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if size > MAX_BYTES:
        raise IntakeFileError(f"{path.name}: {size:,} bytes, more than {MAX_BYTES:,}; split it into smaller files")
    try:
        table = readers[suffix](path)
    except IntakeFileError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IntakeFileError(f"{path.name}: cannot be read ({exc})") from None
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise IntakeFileError(f"{path.name}: not a readable workbook ({type(exc).__name__})") from None
    if len(table.rows) > MAX_ROWS:  # read no further than that: a huge file is refused in a moment, not minutes
        raise IntakeFileError(f"{path.name}: more than {MAX_ROWS:,} rows; split it into files of at most {MAX_ROWS:,}")
    return table
