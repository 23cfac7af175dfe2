"""A plan's warnings are codes with parameters (the planner words nothing); the shell words them in the reader's
language, and plans stored before codes (English sentences) still read, as codes where the sentence is known."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from allocator.commands.replan_view import replan_lines
from allocator.plan_words import WARNINGS, restriction_text, warning_json, warning_text
from allocator.planner.domain import Plan, PlanWarning, PreemptionOffer
from allocator.service import ReplanOutcome
from allocator.store import Store
from allocator.store.models import PlanRow
from tests.commands.test_one_language import foreign_lines
from tests.planner.factories import problem
from tests.store.dbs import FakeClock, hosts, requests_from, round_robin

EVERY = [
    PlanWarning(code="freeze_may_give_way", refs=["OLD-1"], by="BOSS-2"),
    PlanWarning(code="freeze_no_longer_fits", refs=["OLD-1"]),
    PlanWarning(code="replanned_freely", refs=["A-1", "B-2", "C-3"]),
    PlanWarning(code="alternatives_not_searched", count=7),
]
# Codes that came after plans stopped holding sentences: no old sentence to read back.
NEWER = [PlanWarning(code="published_no_longer_fits", refs=["Y-1", "Z-2"])]


def test_every_code_is_worded_in_both_languages() -> None:
    assert {w.code for w in EVERY + NEWER} == set(WARNINGS)
    for w in EVERY + NEWER:
        id_text, en_text = warning_text(w, "id"), warning_text(w, "en")
        assert id_text != en_text
        assert not foreign_lines(id_text, "id"), id_text
        assert not foreign_lines(en_text, "en"), en_text
        for name in [*w.refs, w.by or "", str(w.count or "")]:
            assert name in id_text and name in en_text
    assert warning_json(EVERY[0], "id") == {
        "code": "freeze_may_give_way", "refs": ["OLD-1"], "by": "BOSS-2", "count": None,
        "text": warning_text(EVERY[0], "id"),
    }  # fmt: skip


@pytest.mark.parametrize("w", EVERY, ids=lambda w: w.code)
def test_an_old_english_sentence_reads_back_as_its_code(w: PlanWarning) -> None:
    """Plans stored before codes held these sentences (as the planner wrote them then)."""
    old = warning_text(w, "en")
    plan = Plan.model_validate({"warnings": [old]})
    assert plan.warnings == [w]
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_an_unknown_old_sentence_is_kept_as_it_was() -> None:
    plan = Plan.model_validate({"warnings": ["something the planner once said"]})
    (w,) = plan.warnings
    assert w.code == "text" and warning_text(w, "id") == warning_text(w, "en") == "something the planner once said"
    with pytest.raises(ValueError, match="code"):
        Plan.model_validate({"warnings": [{"code": "nonsense"}]})


def test_a_plan_stored_with_english_warnings_reads_from_the_store(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2030, 1, 1, 8, 0, tzinfo=UTC))
    store = Store.open(f"sqlite:///{tmp_path / 'vicon.db'}", clock=clock)
    try:
        store.upsert_hosts(hosts(), actor="t")
        reqs = requests_from(clock(), 3)
        for r in reqs:
            store.save_request(r, actor="t")
        plan = round_robin(reqs).model_copy(update={"warnings": EVERY})
        result = store.publish_plan(plan, actor="t")
        published = store.published_plan()
        assert published is not None and published.plan.warnings == EVERY
        with store.transaction() as s:  # as a record made before codes holds them
            row = s.get(PlanRow, result.plan_id)
            assert row is not None
            old = [warning_text(w, "en") for w in EVERY] + ["an older note"]
            s.execute(sa.update(PlanRow).where(PlanRow.id == row.id).values(data={**row.data, "warnings": old}))
        again = store.published_plan()
        assert again is not None and again.plan.warnings[:4] == EVERY
        assert again.plan.warnings[4] == PlanWarning(code="text", text="an older note")
    finally:
        store.close()


def test_a_replans_notes_in_the_readers_language() -> None:
    """`vicon replan`, the demo and the re-plan page word the notes in their reader's language; the API and the
    daemon's log keep English."""
    offer = PreemptionOffer(request="BOSS-2", displaces=["OLD-1"], text="BOSS-2 could be served by moving OLD-1",
                            text_id="BOSS-2 dapat dilayani dengan menggeser OLD-1")  # fmt: skip
    plan = Plan(warnings=EVERY[:2], preemption_offers=[offer])
    out = ReplanOutcome(problem(requests=[]), plan, [])
    assert out.notes_in("id") == [warning_text(EVERY[0], "id"), warning_text(EVERY[1], "id"), offer.text_id]
    assert out.notes_in("en") == [warning_text(EVERY[0], "en"), warning_text(EVERY[1], "en"), offer.text]
    lines = replan_lines(out, dry_run=True, lang="id")
    assert any(warning_text(EVERY[1], "id") in ln for ln in lines) and not any("freeze" in ln for ln in lines)


@pytest.mark.parametrize(
    "note",
    [
        "rehearsal of EV: only the 160 latest workable starts were searched",
        "survey of GOR: only the 40 latest workable starts were searched",
        "survey of GOR: only before its first 3 event days",
        "FLEX-1: only the 24 starts nearest the requested one were searched",
    ],
)
def test_a_search_limit_in_the_readers_language(note: str) -> None:
    """The planner's restriction notes (as workflow.py writes them) in Bahasa Indonesia, names and counts kept."""
    worded = restriction_text(note, "id")
    assert worded != note and not foreign_lines(worded, "id"), worded
    assert all(n in worded for n in re.findall(r"\d+|EV|GOR|FLEX-1", note))
    assert restriction_text(note, "en") == note and restriction_text("something else", "id") == "something else"
