# ruff: noqa: E501  (a catalogue of sentences: one line per case reads better than a wrapped one)
"""The last English under `--lang id`: the models' rarer checks (a series, its occurrences, a rehearsal's window, a
flexible request's window), a file that cannot be read (a problem file, a request file, a plan file), and the
planner's own errors (pins that cannot hold, a plan that breaks a rule), each through the command line in both
languages and, where the web shows it, on the page. Last, a scan of the common error paths under `--lang id` for
English phrases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.error_words import error_words, file_error_text
from allocator.planner.errors import ConflictingPins, InvalidPlan
from tests.commands.test_one_language import EXAMPLE, foreign_lines

LANGS = ["id", "en"]
DAILY: dict[str, Any] = {"repeat": "daily", "count": 3}

# (what the request sets, its English words, its Indonesian words): every rarer check of a request and its parts
RARE: list[tuple[dict[str, Any], str, str]] = [
    ({"service": "link_operator", "rehearsal": {"duration_min": 60, "end_min_before": 60, "window_start_min_before": 90}},
     "rehearsal: window_start_min_before must leave room for the rehearsal: at least end_min_before + duration_min (120 min)",
     "rehearsal: window_start_min_before harus menyisakan waktu untuk gladi: paling sedikit end_min_before + duration_min (120 menit)"),
    ({"series": {**DAILY, "changes": [{"occurrence": 2, "start": "2027-01-07T10:00:00+08:00"}]}},
     "series.changes[0]: start and end go together (a moved occurrence gives both)",
     "series.changes[0]: start dan end diisi bersama (kejadian yang dipindah memberi keduanya)"),
    ({"series": {"repeat": "daily"}}, "series: give either count or until (how the series ends)",
     "series: isi count atau until (kapan seri berakhir), salah satu saja"),
    ({"series": {"repeat": "weekly", "count": 3, "every": 13}}, "series: every: Zoom repeats weekly at most every 12",
     "series: every: selang seri mingguan di Zoom paling banyak 12"),
    ({"series": {**DAILY, "weekdays": [2]}}, "series: weekdays: only a weekly series names weekdays",
     "series: weekdays: hanya seri mingguan yang menyebut hari"),
    ({"series": {"repeat": "weekly", "count": 3, "month_week": 1}},
     "series: month_week: only a monthly series names a week of the month",
     "series: month_week: hanya seri bulanan yang menyebut minggu dalam bulan"),
    ({"series": {"repeat": "weekly", "count": 3, "weekdays": [2, 2]}}, "series: weekdays: a weekday is listed twice",
     "series: weekdays: satu hari disebut dua kali"),
    ({"series": {**DAILY, "changes": [{"occurrence": 2, "cancelled": True}, {"occurrence": 2, "cancelled": True}]}},
     "series: changes: an occurrence is changed twice", "series: changes: satu kejadian diubah dua kali"),
    ({"occurrence_of": "X-1"}, "occurrence: occurrence_of and occurrence go together",
     "occurrence: occurrence_of dan occurrence diisi bersama"),
    ({"occurrence_of": "X-1", "occurrence": 1}, "occurrence_of: an occurrence keeps its series' pattern in series",
     "occurrence_of: sebuah kejadian menyimpan pola serinya di series"),
    ({"series": DAILY, "window_start": "2027-01-06T08:00", "window_end": "2027-01-06T12:00"},
     "series: a series has fixed times, so window_start/window_end are not for series",
     "series: seri memiliki waktu tetap, jadi window_start/window_end tidak untuk seri"),
    ({"series": DAILY, "service": "link_operator", "rehearsal": {}},
     "series: a rehearsal is not planned per occurrence: ask for it as a request of its own",
     "series: gladi tidak direncanakan per kejadian: ajukan sebagai permohonan tersendiri"),
    ({"timezone": "Europe/Amsterdam", "start": "2027-03-28T02:30", "end": "2027-03-28T04:00"},
     "start: 2027-03-28 02:30 does not exist in Europe/Amsterdam (the clocks skip it)",
     "start: 2027-03-28 02:30 tidak ada di Europe/Amsterdam (jam dimajukan melewatinya)"),
    ({"series": DAILY, "ref": "R" * 61}, "ref: a series' ref has at most 60 characters",
     "ref: ref sebuah seri paling banyak 60 karakter"),
    ({"series": {"repeat": "weekly", "count": 3, "weekdays": [0]}},
     "series.weekdays: the first occurrence (start) falls on a weekday not listed",
     "series.weekdays: kejadian pertama (start) jatuh pada hari yang tidak disebut"),
    ({"series": {"repeat": "monthly", "count": 3}, "start": "2027-01-29T09:00", "end": "2027-01-29T10:00"},
     "series.repeat: a monthly series on a day of the month starts on day 1 to 28",
     "series.repeat: seri bulanan pada tanggal yang sama dimulai pada tanggal 1 sampai 28"),
    ({"series": {"repeat": "monthly", "count": 3, "month_week": 2}},
     "series.month_week: the first occurrence (start) is not the second of its weekday in its month",
     "series.month_week: kejadian pertama (start) bukan hari yang kedua dalam bulannya"),
    ({"series": {"repeat": "daily", "until": "2027-01-01"}}, "series.until: before the first occurrence",
     "series.until: sebelum kejadian pertama"),
    ({"series": {"repeat": "daily", "until": "2027-12-31"}}, "series.until: more than 50 occurrences (Zoom's limit)",
     "series.until: lebih dari 50 kejadian (batas Zoom)"),
    ({"series": {**DAILY, "changes": [{"occurrence": 5, "cancelled": True}]}},
     "series.changes: occurrence 5 is past the last (3)", "series.changes: kejadian 5 melewati yang terakhir (3)"),
    ({"window_start": "2027-01-06T08:00"}, "window_end: window_start and window_end go together",
     "window_end: window_start dan window_end diisi bersama"),
    ({"window_start": "2027-01-06T10:00", "window_end": "2027-01-06T12:00"},
     "start: the preferred start-end must lie inside window_start-window_end",
     "start: start-end yang diinginkan harus di dalam window_start-window_end"),
    ({"end": "2027-01-06T09:00"}, "end: must be after start (end 2027-01-06 09:00, start 2027-01-06 09:00, in Asia/Makassar)",
     "end: harus setelah start (end 2027-01-06 09:00, start 2027-01-06 09:00, di Asia/Makassar)"),
]  # fmt: skip


def _problem(**request: Any) -> dict[str, Any]:
    r = {"ref": "R-1", "unit": "Bappeda", "title": "Rapat", "timezone": "WITA", "start": "2027-01-06T09:00",
         "end": "2027-01-06T10:00", "participants": 20, "service": "link",
         "pic": {"name": "Sari", "email": "s@example.go.id"}}  # fmt: skip
    return {"now": "2027-01-01T00:00:00+08:00", "hosts": [{"id": "H1", "account": "a", "zoom_user": "h1@example.go.id",
            "capacity": 100}], "operators": [], "requests": [{**r, **request}]}  # fmt: skip


def _run(args: list[str], code: int) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
    assert result.exit_code == code, (args, result.exit_code, result.output)
    return result.output


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("fields", "en", "id_"), RARE, ids=[f"{i}-{c[1].split(':')[0]}" for i, c in enumerate(RARE)])
def test_a_rarer_check_in_the_run_language(
    tmp_path: Path, lang: str, fields: dict[str, Any], en: str, id_: str
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_problem(**fields)), encoding="utf-8")
    out = " ".join(_run(["plan", "--problem", str(path), "--lang", lang], 2).split())  # unwrapped
    assert "requests[0]" in out, out
    assert (en if lang == "en" else id_) in out, out
    if lang == "id":
        assert en.split(": ")[-1] not in out, out
    assert not foreign_lines(re.sub(r"[\w.\[\]]+: ", " ", out), lang), out  # field names are as the file has them


def _unreadable(tmp_path: Path) -> dict[str, Path]:
    files = {"missing.json": tmp_path / "missing.json", "folder.json": tmp_path / "folder.json"}
    files["folder.json"].mkdir()
    for name, content in {"latin.json": b"\xff\xfe{}", "broken.json": b'{"hosts": [1 2]}', "deep.json": b"[" * 100_000
                          + b"]" * 100_000, "noext": b"a,b\n"}.items():  # fmt: skip
        files[name] = tmp_path / name
        files[name].write_bytes(content)
    return files


#: (file, English words, Indonesian words) of a problem file (`plan --problem`) that cannot be read
PROBLEM_FILES = [
    ("missing.json", "cannot read the file (No such file or directory)",
     "berkas tidak dapat dibaca (tidak ada berkas atau folder seperti itu)"),
    ("folder.json", "cannot read the file (Is a directory)", "berkas tidak dapat dibaca (berupa folder, bukan berkas)"),
    ("latin.json", "not UTF-8 text (byte 0); save it as UTF-8 JSON", "bukan teks UTF-8 (bait ke-0); simpan sebagai JSON UTF-8"),
    ("broken.json", "not valid JSON at line 1, column 14: Expecting ',' delimiter",
     "bukan JSON yang sah di baris 1, kolom 14: diharapkan pemisah ','"),
    ("deep.json", "nested too deeply to be a file of this kind", "bersarang terlalu dalam untuk berkas jenis ini"),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_a_file_that_cannot_be_read_in_the_run_language(tmp_path: Path, lang: str) -> None:
    files = _unreadable(tmp_path)
    for name, en, id_ in PROBLEM_FILES:
        out = _run(["plan", "--problem", str(files[name]), "--lang", lang], 2)
        assert f"{name}: {en if lang == 'en' else id_}" in out, out
        assert not foreign_lines(out.replace(str(tmp_path), ""), lang), out
    out = _run(["explain", "PSR-00001", "--problem", str(EXAMPLE), "--plan", str(files["missing.json"]), "--lang",
                lang], 2)  # fmt: skip
    assert ("not a readable plan (No such file or directory)" if lang == "en" else
            "bukan rencana yang dapat dibaca (tidak ada berkas atau folder seperti itu)") in out, out  # fmt: skip
    db = f"sqlite:///{tmp_path / 'v.db'}"
    _run(["db", "upgrade", "--db", db], 0)
    _run(["import", "--problem", str(EXAMPLE), "--db", db], 0)
    request_files = [  # a request file (`requests add --file`)
        ("missing.csv", "cannot be read (No such file or directory)",
         "berkas tidak dapat dibaca (tidak ada berkas atau folder seperti itu)"),
        ("noext", "unsupported file type (none) (use .csv, .xlsx or .json)",
         "jenis berkas (tanpa akhiran) tidak didukung (pakai .csv, .xlsx atau .json)"),
        ("latin.json", "not UTF-8 text (byte 0)", "bukan teks UTF-8 (bait ke-0)"),
    ]  # fmt: skip
    for name, en, id_ in request_files:
        out = _run(["requests", "add", "--file", str(tmp_path / name), "--db", db, "--lang", lang], 2)
        assert f"{name}: {en if lang == 'en' else id_}" in out, out
        assert not foreign_lines(out.replace(str(tmp_path), ""), lang), out


def _pinned(tmp_path: Path, pins: list[dict[str, Any]], second: bool = False) -> Path:
    data = _problem()
    if second:
        data["requests"].append({**data["requests"][0], "ref": "R-2"})
    data["pins"] = pins
    path = tmp_path / "pinned.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", LANGS)
def test_pins_that_cannot_hold_in_the_run_language(tmp_path: Path, lang: str) -> None:
    clash = _pinned(tmp_path, [{"request": "R-1", "host": "H1"}, {"request": "R-2", "host": "H1"}], second=True)
    out = " ".join(_run(["plan", "--problem", str(clash), "--lang", lang], 2).split())
    assert ("pinned or frozen assignments conflict with each other: R-1, R-2" if lang == "en" else
            "penugasan yang dipatok atau dibekukan saling bentrok: R-1, R-2") in out, out  # fmt: skip
    assert not foreign_lines(out, lang), out
    data = json.loads(clash.read_text(encoding="utf-8"))
    data["requests"] = data["requests"][:1]
    data["requests"][0]["participants"] = 150  # more than H1 holds
    data["pins"] = data["pins"][:1]
    clash.write_text(json.dumps(data), encoding="utf-8")
    out = " ".join(_run(["plan", "--problem", str(clash), "--lang", lang], 2).split())
    assert ("a pin cannot hold: its host or operators do not fit the request" if lang == "en" else
            "patokan tidak dapat dipertahankan: host atau operatornya tidak cocok dengan permohonan") in out, out  # fmt: skip
    assert not foreign_lines(out, lang), out


def test_a_plan_that_breaks_a_rule_is_worded_and_its_findings_kept() -> None:
    exc = InvalidPlan("the planner produced a plan that fails validation", violations=["host H1: R-1 overlaps R-2"])
    assert error_words(exc, "en") == str(exc)
    assert (
        error_words(exc, "id") == "perencana menghasilkan rencana yang gagal diperiksa\n  - host H1: R-1 overlaps R-2"
    )
    pooled = InvalidPlan("resource pool P3 is over capacity at minute 540: the model let it through")
    assert error_words(pooled, "id").startswith("kelompok sumber daya P3 melebihi kapasitas pada menit 540")
    odd = ConflictingPins("a reason the shell has no words for", ["R-1"])  # kept as it is, never lost
    assert error_words(odd, "id") == "a reason the shell has no words for: R-1"
    assert file_error_text("x.csv: something new", "id") == "x.csv: something new"


def test_no_english_on_the_common_error_paths_under_lang_id(tmp_path: Path) -> None:
    """A cheap scan: the common error paths with `--lang id` hold none of the English phrases they used to."""
    files = _unreadable(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_problem(series={"repeat": "daily"}, window_start="2027-01-06T08:00")), encoding="utf-8")
    runs = [["plan", "--problem", str(files[name])] for name, _, _ in PROBLEM_FILES]
    runs += [["plan", "--problem", str(bad)], ["plan", "--problem", str(_pinned(tmp_path, [
        {"request": "R-1", "host": "H1"}, {"request": "R-2", "host": "H1"}], second=True))],
        ["explain", "R-1", "--problem", str(bad)], ["plan", "--problem", str(EXAMPLE), "--day", "x"]]  # fmt: skip
    english = ["cannot", "must", "should", "not valid", "not UTF-8", "nested too", "unsupported", "Expecting",
               "more than", "go together", "conflict", "No such file", "directory", "Is a ", "invalid problem",
               "error:", "the first", "listed twice"]  # fmt: skip
    for args in runs:
        out = " ".join(_run([*args, "--lang", "id"], 2).split())
        found = [p for p in english if p in out.replace(str(tmp_path), "")]
        assert not found, (args, found, out)
