"""Requests from the files offices really send: Google Form exports, an admin's workbook, CSV from Excel, JSON.

`read_file(path, policy, lang)` reads a file into an `IntakeResult`: the accepted requests (with what would
change in the store, when given the stored ones), the rejected rows with one reason each in the admin's
language and their original cells, and a `MappingReport`. The CLI, the daemon's inbox and the web upload all
call it; `write_rejects` writes the rejected rows back for the admin to fix. Parsing lives in `headers`
(columns by meaning), `values` (cells as people write them) and `rows` (one row → one request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from allocator.intake.files import SUFFIXES, IntakeFileError, Table, read_table
from allocator.intake.headers import Column, map_headers, missing_required
from allocator.intake.leadtime import lead_working_days, received_day
from allocator.intake.messages import Lang, reason
from allocator.intake.rejects import write_rejects as _write_rows
from allocator.intake.report import ColumnReport, GuessReport, MappingReport, RejectReport
from allocator.intake.rows import Row, RowProblem, assign_ref, read_row, separate_shared_letters
from allocator.intake.values import Guess, clean_text, is_blank
from allocator.planner.domain import Request, SitePolicy
from allocator.validation_words import pydantic_detail

__all__ = ["SUFFIXES", "AcceptedRow", "IntakeFileError", "IntakeResult", "MappingReport", "RowError", "file_digest",
           "parse_table", "read_file", "write_rejects"]  # fmt: skip

Known = Callable[[Collection[str]], Mapping[str, Request]]


class RowError(BaseModel):
    """A rejected row: its number, its reference if one was read, the one reason, and its cells as they came."""

    model_config = ConfigDict(frozen=True)

    row: int
    ref: str | None
    field: str | None
    reason: str
    cells: list[Any]

    @property
    def errors(self) -> list[str]:
        return [self.reason]


class AcceptedRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    request: Request
    change: Literal["new", "changed", "unchanged"]


class IntakeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    headers: list[str]
    rows: list[AcceptedRow]
    rejected: list[RowError]
    report: MappingReport
    lang: Lang

    @property
    def accepted(self) -> list[Request]:
        return [r.request for r in self.rows]

    @property
    def to_save(self) -> list[AcceptedRow]:
        """The accepted rows the store would see as new or changed (an unchanged one is not saved again)."""
        return [r for r in self.rows if r.change != "unchanged"]


class _Context:
    def __init__(self, policy: SitePolicy, lang: Lang, now: datetime, known: Known | None) -> None:
        self.policy, self.lang, self.now, self.known = policy, lang, now, known
        self.prior: Mapping[str, Request] = {}
        self.guesses: dict[str, list[tuple[int, Guess]]] = {}

    def guess(self, row: int, g: Guess) -> None:
        self.guesses.setdefault(g.code, []).append((row, g))

    def reject(self, row: int, ref: str | None, cells: list[Any], problem: RowProblem) -> RowError:
        text = reason(problem.field, problem.code, self.lang, **problem.params)
        return RowError(row=row, ref=ref, field=problem.field, reason=text, cells=cells)


def read_file(path: Path, policy: SitePolicy | None = None, lang: Lang | None = None, *,
              default_zone: str | None = None, now: datetime | None = None, known: Known | None = None
              ) -> IntakeResult:  # fmt: skip
    """Read a request file. `policy`: the site's (zone, intake rules); `lang`: the reasons' language (the
    policy's by default); `known`: the stored requests among some refs (`Store.requests_by_ref`), so a
    re-import keeps what the file does not say (status, priority…) and each row tells whether it is new,
    changed or unchanged."""
    policy = policy or SitePolicy()
    if default_zone is not None:
        policy = policy.model_copy(update={"timezone": default_zone})
    return parse_table(read_table(path), path.name, policy, lang or policy.intake.language, now=now, known=known)


def parse_table(table: Table, name: str, policy: SitePolicy, lang: Lang, *, now: datetime | None = None,
                known: Known | None = None) -> IntakeResult:  # fmt: skip
    """Every row of a table read on its own; see `read_file`."""
    ctx = _Context(policy, lang, now or datetime.now(UTC), known)
    columns = map_headers(table.headers)
    read: list[tuple[Row, list[Any]]] = []
    rejected: list[RowError] = []
    for number, cells in table.rows:
        if all(is_blank(c) for c in cells):
            continue  # blank rows at the end of an export
        try:
            read.append((_read(number, cells, columns, policy), cells))
        except RowProblem as problem:
            rejected.append(ctx.reject(number, _ref_cell(cells, columns), cells, problem))
    for row, _ in read:
        assign_ref(row)
    separate_shared_letters([row for row, _ in read])
    if known is not None:
        ctx.prior = known([str(row.data["ref"]) for row, _ in read])
    accepted: list[AcceptedRow] = []
    seen: dict[str, int] = {}
    for row, cells in read:
        try:
            accepted.append(_finish(row, seen, ctx))
        except RowProblem as problem:
            rejected.append(ctx.reject(row.number, row.data.get("ref"), cells, problem))
    rejected.sort(key=lambda r: r.row)
    return IntakeResult(headers=table.headers, rows=accepted, rejected=rejected, lang=lang,
                        report=_report(name, columns, read, accepted, rejected, ctx))  # fmt: skip


def _ref_cell(cells: list[Any], columns: list[Column]) -> str | None:
    for c in columns:
        if c.field in ("ref", "letter_number") and c.index < len(cells) and not is_blank(cells[c.index]):
            return clean_text(cells[c.index])
    return None


def _read(number: int, cells: list[Any], columns: list[Column], policy: SitePolicy) -> Row:
    by_field: dict[str, Any] = {}
    notes: dict[str, str] = {}
    zones: dict[str, str] = {}
    for c in columns:
        value = cells[c.index] if c.index < len(cells) else None
        if c.field is not None:
            by_field[c.field] = value
            if c.zone:
                zones[c.field] = c.zone
        elif c.how in ("note", "duplicate") and not is_blank(value) and c.header:
            notes[clean_text(c.header)] = clean_text(value)
    return read_row(number, by_field, notes, zones, policy)


def _finish(row: Row, seen: dict[str, int], ctx: _Context) -> AcceptedRow:
    """Merge with the stored request, validate, apply the lead-time rule, refuse a second row of one request."""
    data = dict(row.data)
    ref = str(data["ref"])
    if ref in seen:
        raise RowProblem("ref", "duplicate", row=seen[ref], ref=ref)
    site_zone = ZoneInfo(ctx.policy.timezone)
    if row.stamp is not None:
        stamp_zone = ZoneInfo(row.stamp_zone) if row.stamp_zone else site_zone
        data["submitted_at"] = row.stamp.replace(tzinfo=stamp_zone).isoformat()
    prior = ctx.prior.get(ref)
    if prior is not None:
        base = prior.model_dump(mode="json")
        data = {**base, **data, "pic": {**base["pic"], **data["pic"]}}
    elif "submitted_at" not in data:
        data["submitted_at"] = ctx.now.isoformat()
    try:
        req = Request.model_validate(data)
    except ValidationError as exc:
        raise _problem(exc) from None
    req = _lead_time(req, row, ctx)
    seen[ref] = row.number
    for g in row.guesses:
        ctx.guess(row.number, g)
    change: Literal["new", "changed", "unchanged"] = (
        "new" if prior is None else ("unchanged" if prior == req else "changed")
    )
    return AcceptedRow(row=row.number, request=req, change=change)


def _lead_time(req: Request, row: Row, ctx: _Context) -> Request:
    """Late requests are flagged (or rejected) when the site asks for a minimum of working days."""
    rule = ctx.policy.intake
    if rule.min_lead_working_days <= 0:
        return req
    received = received_day(req.submitted_at, req.letter_date, ctx.policy.timezone, ctx.now)
    if row.stamp is None and req.letter_date is None:
        row.guesses.append(Guess("received_today", {}))
    days = lead_working_days(received, req.start.astimezone(ZoneInfo(req.timezone)).date())
    if days >= rule.min_lead_working_days:
        return req
    if rule.late_letters == "reject":
        raise RowProblem("lead_time", "late", days=days, min=rule.min_lead_working_days)
    return req.model_copy(update={"flags": [*req.flags, "late_letter"]})


def _problem(exc: ValidationError) -> RowProblem:
    """The first of pydantic's errors, said as intake says its own."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    field = ("pic_" + loc[1] if loc[0] == "pic" and len(loc) > 1 else loc[0]) if loc else None
    if err["type"] == "string_too_long":
        return RowProblem(field, "too_long", limit=err.get("ctx", {}).get("max_length", "?"))
    if err["type"] == "missing":
        return RowProblem(field, "empty")
    return RowProblem(field, "invalid", detail=pydantic_detail(err, "en"), detail_id=pydantic_detail(err, "id"))


def _report(name: str, columns: list[Column], read: list[tuple[Row, list[Any]]], accepted: list[AcceptedRow],
            rejected: list[RowError], ctx: _Context) -> MappingReport:  # fmt: skip
    ok = {a.row for a in accepted}
    sources: dict[str, int] = {}
    for row, _ in read:
        if row.number in ok:
            sources[row.ref_source] = sources.get(row.ref_source, 0) + 1
    return MappingReport(
        file=name,
        rows=len(accepted) + len(rejected),
        accepted=len(accepted),
        columns=[ColumnReport(header=c.header, field=c.field, how=c.how, zone=c.zone) for c in columns],
        missing=missing_required(columns),
        ref_sources=sources,
        guesses=[
            GuessReport(code=code, rows=[r for r, _ in found], examples=[g.params for _, g in found])
            for code, found in ctx.guesses.items()
        ],
        rejected=[RejectReport(row=r.row, ref=r.ref, reason=r.reason) for r in rejected],
    )


def write_rejects(path: Path, result: IntakeResult) -> None:
    """The rejected rows with their cells and an "alasan" column, in the format `path` names (.xlsx/.csv/.json)."""
    _write_rows(path, result.headers, result.rejected, result.lang)


def file_digest(path: Path) -> str:
    """Identity of a file's content, so the same file is never processed twice."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
