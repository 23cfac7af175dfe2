"""The admin's calendar: overlapping meetings in separate lanes, day and week views, filters, tier names from the
site's labels, only the period shown listed below, blocks linking to the request's page."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from allocator.planner.domain import local
from allocator.service import replan
from allocator.web.calendar import Block, _lanes, period
from tests.web.conftest import Web

_BLOCK = re.compile(r'<a class="tl-block[^"]*" href="/admin/requests/([^?"]+)\?lang=\w+" data-ref="[^"]+" '
                    r'data-kind="(\w+)" data-row="(\d+)" [^>]*style="left:([\d.]+)%;width:([\d.]+)%')  # fmt: skip
_ROW = re.compile(r'<div class="tl-row" data-lane="([^"]+)" data-lanes="(\d+)"(.*?)</div></div>', re.S)


@pytest.fixture
def planned(web: Web) -> Web:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    return web


def _rows(html: str) -> dict[str, tuple[int, list[tuple[str, str, int, float, float]]]]:
    return {lane: (int(n), [(r, k, int(row), float(left), float(w)) for r, k, row, left, w in _BLOCK.findall(body)])
            for lane, n, body in _ROW.findall(html)}  # fmt: skip


def test_lanes_separate_overlaps_and_reuse_free_lanes() -> None:
    def b(ref: str, left: float, width: float) -> Block:
        return Block(ref, ref, "normal", 0, left, width, "")

    out = {x.ref: x.lane for x in _lanes([b("A", 0, 30), b("B", 10, 30), b("C", 30, 10), b("D", 45, 5)])}
    assert out == {"A": 0, "B": 1, "C": 0, "D": 0}  # C starts where A ends: the same lane


def test_overlapping_meetings_on_one_host_are_drawn_in_separate_lanes(planned: Web) -> None:
    seen_two = False
    for day in range(4, 12):
        rows = _rows(planned.client.get(f"/admin/timeline?day=2027-01-{day:02d}").text)
        for lanes, blocks in rows.values():
            assert lanes == 1 + max((x[2] for x in blocks), default=0)
            for lane in range(lanes):
                spans = sorted((x[3], x[3] + x[4]) for x in blocks if x[2] == lane)
                assert all(a[1] <= b[0] + 1e-3 for a, b in itertools.pairwise(spans)), (day, spans)
            seen_two |= lanes > 1
    assert seen_two, "the example office has a day with two meetings at once on one host"


def test_week_view_filters_and_links(planned: Web) -> None:
    c = planned.client
    assert period(date(2027, 1, 6), "week")[0] == date(2027, 1, 4)
    week = c.get("/admin/timeline?day=2027-01-06&view=week").text
    assert 'data-view="week"' in week and "Sen 04/01" in week and "Min 10/01" in week
    assert 'id="next" href="/admin/timeline?day=2027-01-13&lang=id&amp;view=week"' in week
    day_blocks = sum(len(_BLOCK.findall(c.get(f"/admin/timeline?day=2027-01-{d:02d}").text)) for d in range(4, 11))
    assert len(_BLOCK.findall(week)) == day_blocks
    # one host: only its row and the operators working with it
    one = c.get("/admin/timeline?day=2027-01-06&view=week&host=H300A").text
    rows = _rows(one)
    assert "H300A" in rows and not {"H100", "H500"} & set(rows)
    plan = planned.store.published_plan()
    assert plan is not None
    on_host = {a.request for a in plan.plan.assignments  # its events, and online rehearsals held on it
               if a.host == "H300A" or (a.rehearsal is not None and a.rehearsal.host == "H300A")}  # fmt: skip
    assert {x[0] for x in rows["H300A"][1]} <= on_host and 'option value="H300A" selected' in one
    assert "&amp;host=H300A" in one.split('id="next"')[1].split(">")[0]  # the period links keep the filters
    op = _rows(c.get("/admin/timeline?day=2027-01-06&view=week&operator=OP03").text)
    assert {k for k in op if k.startswith("OP")} == {"OP03"} and op["OP03"][1]
    # a unit, and a priority tier named in the page's language
    unit = c.get("/admin/timeline?day=2027-01-06&view=week&unit=sekretariat").text
    refs = {x[0] for _n, blocks in _rows(unit).values() for x in blocks}
    assert refs and all("Sekretariat" in planned.store.get_request(r).unit for r in refs)  # type: ignore[union-attr]
    high = c.get("/admin/timeline?day=2027-01-04&view=week&priority=high").text
    assert all(planned.store.get_request(x[0]).priority == "high"  # type: ignore[union-attr]
               for _n, blocks in _rows(high).values() for x in blocks)  # fmt: skip
    bad = c.get("/admin/timeline?priority=urgent")
    assert bad.status_code == 422 and "priority: &#39;urgent&#39; tidak dikenal" in bad.text
    # every block opens its request
    ref = _BLOCK.findall(week)[0][0]
    page = c.get(f"/admin/requests/{ref}")
    assert page.status_code == 200 and f"Permohonan {ref}" in page.text and 'id="history"' in page.text
    assert c.get("/admin/requests/NOPE").status_code == 404


def test_tier_names_come_from_the_sites_labels_in_the_page_language(planned: Web) -> None:
    c = planned.client
    assert "Kepala daerah</span>" in c.get("/admin/timeline?day=2027-01-04").text
    assert "Head of region</span>" in c.get("/admin/timeline?day=2027-01-04&lang=en").text
    policy = planned.store.policy()
    labels = dict(policy.priority_labels) | {"head_of_region": {"id": "Bupati", "en": "Regent"}}
    planned.store.set_policy(policy.model_copy(update={"priority_labels": labels}), actor="test")
    page = c.get("/admin/timeline?day=2027-01-04").text
    assert "Bupati</span>" in page and "head_of_region</span>" not in page


def test_only_the_period_shown_is_listed_below_the_grid(planned: Web) -> None:
    c = planned.client
    day = c.get("/admin/timeline?day=2027-01-04").text
    week = c.get("/admin/timeline?day=2027-01-04&view=week").text
    unserved_day = re.findall(r'<tr data-ref="([^"]+)"><td><a href="/admin/requests/', day.split('id="unserved"')[1])
    unserved_week = re.findall(r'<tr data-ref="([^"]+)"><td><a href="/admin/requests/', week.split('id="unserved"')[1])
    assert set(unserved_day) < set(unserved_week)
    zone = planned.store.policy().timezone
    for ref in unserved_day:
        r = planned.store.get_request(ref)
        assert r is not None and local(r.start, zone).date() <= date(2027, 1, 4) <= local(r.end, zone).date()
