"""What `vicon plan` says of a search cut by its limits: a plan proven optimal all the same says the limits lost
nothing; one that is not says there is no proof — never both "optimal (proven)" and "no proof of optimality"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app
from allocator.planner.domain import Problem
from tests.planner.factories import operator, problem, request

WEEKDAYS = [{"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}]
WORDS = {
    "id": ("terbukti tidak mengurangi hasil", "bukan bukti optimal"),
    "en": ("proven to lose nothing", "no proof of optimality"),
}


def _survey_proven() -> Problem:
    events = [request(f"E{k}", "09:00", "10:00", service="operator", venue="GOR", day=f"2027-03-{10 + k:02d}")
              for k in range(5)]  # fmt: skip
    return problem(operators=[operator("A")], requests=events, venues=[{"id": "GOR", "surveyed": False}])


def _survey_on_a_day_off() -> Problem:
    monday = request("MON", "09:00", "10:00", service="operator", venue="GOR", day="2027-03-08")
    wednesday = request("WED", "10:00", "11:00", service="operator", day="2027-03-03")
    return problem(operators=[operator("A", shifts=WEEKDAYS)], requests=[monday, wednesday],
                   venues=[{"id": "GOR", "surveyed": False}])  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("make", "proven"), [(_survey_proven, True), (_survey_on_a_day_off, False)])
def test_limited_search_words_follow_the_proof(tmp_path: Path, lang: str, make: object, proven: bool) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(make().model_dump(mode="json")), encoding="utf-8")  # type: ignore[operator]
    result = CliRunner().invoke(app, ["plan", "--problem", str(path), "--limited", "--lang", lang],
                                env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    lost_nothing, no_proof = WORDS[lang]
    assert "GOR" in out  # the limit is named either way
    assert (lost_nothing in out) is proven and (no_proof in out) is not proven, out
