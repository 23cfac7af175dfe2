"""The mapping report: one screen that says how a file was read, for the CLI, the daemon's log and the web.

Which column became which field, which were kept as notes or ignored, which required field has no column,
every guess made (grouped, with its rows), and the rows rejected with their one reason. `render(lang)` gives
the text, `as_dict(lang)` the same as JSON for the web page.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from allocator.intake.messages import Lang, label, say

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Laporan pembacaan {file}: {rows} baris, {accepted} diterima, {rejected} ditolak",
              "How {file} was read: {rows} rows, {accepted} accepted, {rejected} rejected"),
    "columns": ("Kolom → isian", "Columns → fields"),
    "note": ("disimpan sebagai catatan", "kept as a note"),
    "ignored": ("diabaikan", "ignored"),
    "duplicate": ("diabaikan: isian ini sudah dari kolom lain", "ignored: another column already gives this field"),
    "similar": ("tebakan: mirip", "guess: looks like"),
    "zone": ("zona dari judul kolom", "zone from the header"),
    "missing": ("Isian wajib tanpa kolom", "Required fields with no column"),
    "ref": ("Nomor permohonan dari", "References from"),
    "guesses": ("Tebakan", "Guesses"),
    "rejected": ("Ditolak", "Rejected"),
    "row": ("baris", "row"),
    "rows": ("baris", "rows"),
    "more": ("… dan {n} lagi", "… and {n} more"),
    "ref_ref": ("kolom nomor permohonan", "the reference column"),
    "ref_letter": ("nomor surat", "the letter number"),
    "ref_form": ("stempel waktu + alamat email", "timestamp + e-mail address"),
    "ref_made": ("isi baris (unit, kegiatan, waktu)", "the row's content (unit, title, time)"),
}  # fmt: skip


def _w(key: str, lang: Lang, **params: object) -> str:
    pair = _WORDS[key]
    return (pair[0] if lang == "id" else pair[1]).format(**params)


class ColumnReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    header: str
    field: str | None
    how: str
    zone: str | None = None


class GuessReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    rows: list[int]
    examples: list[dict[str, Any]]  # each row's own parameters, in the order of `rows`

    def sentence(self, lang: Lang) -> str:
        more = len(self.rows) - 1
        return say(self.code, lang, **self.examples[0]) + (f" (+{more})" if more else "")


class RejectReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    ref: str | None
    reason: str


class MappingReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    rows: int
    accepted: int
    columns: list[ColumnReport]
    missing: list[str] = Field(default_factory=list)
    ref_sources: dict[str, int] = Field(default_factory=dict)
    guesses: list[GuessReport] = Field(default_factory=list)
    rejected: list[RejectReport] = Field(default_factory=list)

    def summary(self, lang: Lang = "id") -> str:
        """The report's first line: the file, its rows, how many were accepted and rejected."""
        return _w("title", lang, file=self.file, rows=self.rows, accepted=self.accepted, rejected=len(self.rejected))

    def refs_line(self, lang: Lang = "id") -> str:
        """Where the requests' references came from, with counts ("" when no row was accepted)."""
        parts = [f"{_w('ref_' + k, lang)} ({n})" for k, n in sorted(self.ref_sources.items())]
        return ", ".join(parts)

    @staticmethod
    def column_target(c: ColumnReport, lang: Lang = "id") -> str:
        """What a column became: "unit (Unit kerja)", or why it became no field (a note, ignored)."""
        if c.field is None:
            return f"({_w(c.how if c.how in _WORDS else 'note', lang)})"
        extra = f" ({_w('similar', lang)} {label(c.field, lang)})" if c.how == "similar" else ""
        zone = f" [{_w('zone', lang)}: {c.zone}]" if c.zone else ""
        return f"{c.field} ({label(c.field, lang)}){extra}{zone}"

    def render(self, lang: Lang = "id", max_lines: int = 8) -> str:
        """The report as text; long lists are cut to `max_lines` so it stays one screen."""
        out = [self.summary(lang), _w("columns", lang) + ":"]
        out += [f"  {c.header!r} → {self.column_target(c, lang)}" for c in self.columns]
        if self.missing:
            out.append(f"{_w('missing', lang)}: " + ", ".join(label(f, lang) for f in self.missing))
        if self.ref_sources:
            out.append(f"{_w('ref', lang)}: " + self.refs_line(lang))
        if self.guesses:
            out.append(_w("guesses", lang) + ":")
            out += _cut([f"  {_rows(g.rows, lang)}: {g.sentence(lang)}" for g in self.guesses], max_lines, lang)
        if self.rejected:
            out.append(_w("rejected", lang) + ":")
            out += _cut([f"  {_w('row', lang)} {r.row}" + (f" ({r.ref})" if r.ref else "") + f": {r.reason}"
                         for r in self.rejected], max_lines, lang)  # fmt: skip
        return "\n".join(out)

    def as_dict(self, lang: Lang = "id") -> dict[str, Any]:
        """The report as JSON-ready data, each guess also as a sentence in `lang`."""
        data = self.model_dump(mode="json")
        for g, raw in zip(self.guesses, data["guesses"], strict=True):
            pairs = zip(g.rows, g.examples, strict=True)
            raw["items"] = [{"row": r, "text": say(g.code, lang, **p)} for r, p in pairs]
            del raw["examples"]
        for c, raw in zip(self.columns, data["columns"], strict=True):
            raw["label"] = label(c.field, lang) if c.field else None
            raw["text"] = self.column_target(c, lang)
        data["missing_labels"] = [label(f, lang) for f in self.missing]
        data["summary"], data["refs_text"] = self.summary(lang), self.refs_line(lang)
        return data


def _rows(rows: list[int], lang: Lang) -> str:
    shown = ", ".join(str(r) for r in rows[:10]) + (", …" if len(rows) > 10 else "")
    return f"{_w('row' if len(rows) == 1 else 'rows', lang)} {shown}"


def _cut(lines: list[str], limit: int, lang: Lang) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], "  " + _w("more", lang, n=len(lines) - limit)]
