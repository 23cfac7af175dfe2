"""One language per run, the paths test_one_language.py does not reach: a plan's warnings, pydantic's field errors
(problem file, `requests add`, a request file's rejected row), click's own usage line and parse errors, and the
Zoom developer commands. A run with `--lang id` shows no English sentence from them, `--lang en` no Indonesian."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.planner.domain import Assignment
from tests.commands.test_one_language import EXAMPLE, foreign_lines
from tests.planner.factories import host, policy, problem, request
from zoom_client.sandbox import Sandbox, run_sandbox

LANGS = ["id", "en"]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with run_sandbox(port=0) as sb:
        yield sb


def _run(args: list[str], code: int, **kw: object) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"}, **kw)  # type: ignore[arg-type]
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
    assert result.exit_code == code, (args, result.exit_code, result.output)
    return result.output


def _clean(text: str, lang: str) -> None:
    bad = foreign_lines(text, lang)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_a_plans_warnings_in_the_run_language(tmp_path: Path, lang: str) -> None:
    """A published assignment inside the freeze horizon that no longer fits: re-planned, and the plan says so."""
    prob = problem(
        hosts=[host("H100", 100), host("H300", 300)],
        requests=[request("OLD", "09:00", "10:00", 250)],
        previous=[Assignment(request="OLD", host="H100")],
        pol=policy(freeze_horizon_min=48 * 60),
        now="2027-02-28T09:00:00+07:00",
    )
    file = tmp_path / "p.json"
    file.write_text(prob.model_dump_json(), encoding="utf-8")
    out = _run(["plan", "--problem", str(file), "--time-limit", "5", "--lang", lang], 0)
    if lang == "id":
        assert "Peringatan: OLD berada dalam masa kunci jadwal tetapi penugasan yang diterbitkan tidak cocok" in out
    else:
        assert "Warning: OLD is inside the freeze horizon but its published assignment no longer fits" in out
    _clean(out, lang)
    report = json.loads(_run(["plan", "--problem", str(file), "--time-limit", "5", "--json", "--lang", lang], 0))
    (detail,) = report["warning_details"]
    assert detail["code"] == "freeze_no_longer_fits" and detail["refs"] == ["OLD"]
    assert report["warnings"] == [detail["text"]] and "masa kunci jadwal" in detail["text_id"]


@pytest.mark.parametrize("lang", LANGS)
def test_pydantic_field_errors_in_the_run_language(tmp_path: Path, lang: str) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["hosts"][0]["capacity"] = -1
    data["requests"][0]["participants"] = "banyak"
    data["requests"][1]["title"] = "x" * 300
    data["requests"][2]["end"] = data["requests"][2]["start"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = _run(["plan", "--problem", str(bad), "--lang", lang], 2)
    paths = ["hosts[0].capacity: ", "requests[0].participants: ", "requests[1].title: ", "requests[2]: "]
    assert all(p in out for p in paths), out  # every field named, in either language
    if lang == "id":
        assert "galat: masalah tidak sah:" in out and "harus lebih dari 0" in out and "harus bilangan bulat" in out
        assert "terlalu panjang (paling banyak 200 karakter)" in out
        assert "requests[2]: end: harus setelah start (end 2027-01-04 08:30, start 2027-01-04 08:30, di" in out
    else:
        assert "error: invalid problem:" in out and "Input should be greater than 0" in out
    _clean(out, lang)

    db = f"sqlite:///{tmp_path / 'v.db'}"
    d = ["--db", db, "--lang", lang]
    _run(["db", "upgrade", *d], 0)
    _run(["import", "--problem", str(EXAMPLE), *d], 0)
    out = _run(["requests", "add", "--ref", "X-9", "--unit", "Dinas", "--title", "y" * 300, "--start",
                "2030-01-05T09:00", "--end", "2030-01-05T10:00", "--participants", "0", "--pic-name", "A",
                "--pic-email", "a@b.go.id", "--service", "zoomy", *d], 2)  # fmt: skip
    assert "title: " in out and "participants: " in out and "service: " in out
    if lang == "id":
        assert "harus lebih dari 0" in out and "harus salah satu dari 'link', 'link_operator' atau 'operator'" in out
    _clean(out, lang)

    sheet = tmp_path / "rows.json"  # a request file: one row whose ref pydantic refuses (a space in it)
    sheet.write_text(json.dumps([{
        "ref": "ND 1", "unit": "Dinas", "title": "Rapat", "date": "2030-02-05", "start_time": "09:00",
        "end_time": "10:00", "participants": 20, "pic_name": "A", "pic_email": "a@b.go.id",
    }]), encoding="utf-8")  # fmt: skip
    out = _run(["requests", "add", "--file", str(sheet), "--dry-run", *d], 1)
    if lang == "id":
        assert "(ND 1): Nomor permohonan: tidak sesuai pola ^[A-Za-z0-9]" in out, out
    else:
        assert "String should match pattern '^[A-Za-z0-9]" in out, out
    _clean(out, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_clicks_own_words_in_the_run_language(lang: str) -> None:
    outs = [
        _run(["plan", "--bogus", "--lang", lang], 2),
        _run(["requests", "show", "--lang", lang], 2),
        _run(["plan", "--problem", str(EXAMPLE), "--time-limit", "abc", "--lang", lang], 2),
        _run(["plan", "--problem", str(EXAMPLE), "--time-limit", "0", "--lang", lang], 2),
        _run(["nocmd", "--lang", lang], 2),
        _run(["plan", "--help", "--lang", lang], 0),
        _run(["--lang", lang], 2),  # no command: the help, as click exits for it
    ]
    text = "\n".join(outs)
    if lang == "id":
        assert "Pemakaian: vicon plan [OPSI]" in text and "Pemakaian: vicon [OPSI] PERINTAH [ARG]..." in text
        assert "Opsi tidak dikenal: --bogus" in text and "Argumen 'ref' belum diberikan." in text
        assert "Nilai tidak sah untuk '--time-limit': harus bilangan" in text
        assert "harus paling sedikit 0.1" in text and "Perintah tidak dikenal 'nocmd'." in text
        assert "Usage:" not in text and "Missing" not in text and "Invalid value" not in text
    else:
        assert "Usage: vicon plan [OPTIONS]" in text and "No such option: --bogus" in text
        assert "Missing argument 'ref'." in text and "Invalid value for '--time-limit'" in text
    _clean(text, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_zoom_developer_commands_in_the_run_language(sandbox: Sandbox, tmp_path: Path, lang: str) -> None:
    config = tmp_path / "zoom.json"
    config.write_text(json.dumps(sandbox.config_json()), encoding="utf-8")
    base = ["--zoom-config", str(config), "--account", "kominfo", "--lang", lang]
    outs = [_run(["hosts", "discover", *base], 0)]
    made = _run(["meetings", "create", *base, "--host", "zoom02@kominfo.example.go.id", "--topic", "Rapat Bupati",
                 "--start", "2031-05-04T09:00", "--duration", "60", "--key", f"LANG-{lang}"], 0)  # fmt: skip
    mid = next(ln.split(":", 1)[1].strip() for ln in made.splitlines() if ln.startswith(("id rapat", "meeting id")))
    outs += [made, _run(["meetings", "get", mid, *base], 0)]
    outs.append(_run(["meetings", "update", mid, *base, "--topic", "Rapat Bupati 2"], 0))
    outs.append(_run(["meetings", "list", *base, "--host", "zoom02@kominfo.example.go.id"], 0))
    outs.append(_run(["meetings", "update", mid, *base], 2))  # nothing to change
    outs.append(_run(["meetings", "list", *base, "--host", "zoom02@kominfo.example.go.id", "--type", "x"], 2))
    outs.append(_run(["meetings", "create", *base, "--host", "zoom02@kominfo.example.go.id", "--topic", "T",
                      "--start", "2031-05-04T09:00", "--duration", "-5"], 2))  # fmt: skip
    outs.append(_run(["meetings", "delete", mid, *base], 0))
    outs.append(_run(["meetings", "delete", mid, *base], 0))
    outs.append(_run(["hosts", "discover", "--zoom-config", str(tmp_path / "none.json"), "--lang", lang], 2))
    text = "\n".join(outs)
    if lang == "id":
        assert "Host Zoom (" in text and "kapasitas" in text and "topik" in text and "tautan gabung" in text
        assert f"rapat {mid} diubah" in text and f"rapat {mid} dihapus" in text and "sudah tidak ada" in text
        assert "galat: tidak ada yang diubah" in text and "galat: masukan tidak sah: " in text
        assert "berkas konfigurasi Zoom tidak ada" in text
    else:
        assert "Zoom hosts (" in text and f"meeting {mid} updated" in text and "was already gone" in text
        assert "error: invalid input: " in text and "Zoom config file not found" in text
    _clean(text, lang)
