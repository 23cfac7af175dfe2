"""The operator's page: their agenda for today and the next seven days (events, rehearsals, surveys, kit
handovers) at the site's zone, and nothing of other operators' work."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from allocator.service import replan
from allocator.store import Store
from allocator.web.agenda import operator_agenda
from allocator.web.app import create_app
from allocator.web.settings import WebSettings
from allocator.web.views import PlanIndex
from tests.web.conftest import SAME_ORIGIN, Web


def test_each_operator_sees_today_and_the_week_in_the_sites_zone(db_url: str, settings: WebSettings) -> None:
    first = min(r.start for r in Store.open(db_url).list_requests())
    store = Store.open(db_url, clock=lambda: first - timedelta(hours=3))
    replan(store, actor="test", dry_run=False)
    idx = PlanIndex.of(store)
    zone = ZoneInfo(idx.policy.timezone)
    requests = store.list_requests()
    kinds_seen: set[str] = set()
    for op in store.operators():
        today, todays, week = operator_agenda(requests, idx, op.id, store.now(), "id")
        assert today == store.now().astimezone(zone).date()
        for x in todays:
            assert x.start.astimezone(zone).date() == today and x.end >= store.now()
        for x in week:
            assert 1 <= (x.start.astimezone(zone).date() - today).days <= 7
        for x in todays + week:
            a = idx.assigned[x.ref]
            kinds_seen.add(x.kind)
            if x.kind in ("event", "kit_pickup", "kit_return"):
                assert op.id in a.operators
            elif x.kind == "rehearsal":
                assert a.rehearsal is not None and op.id in a.rehearsal.operators
            else:
                assert a.survey is not None and op.id in a.survey.operators
        expected_events = {a.request for a in idx.assigned.values() if op.id in a.operators
                           and (a.start or store.get_request(a.request).start).astimezone(zone).date()  # type: ignore[union-attr]
                           <= today + timedelta(days=7)}  # fmt: skip
        assert {x.ref for x in todays + week if x.kind == "event"} == expected_events
    assert {"event", "rehearsal", "survey", "kit_pickup", "kit_return"} <= kinds_seen
    # the page: an operator signed in sees their own agenda, in the site's zone
    op = next(o.id for o in store.operators() if operator_agenda(requests, idx, o.id, store.now(), "id")[1])
    _, todays, _ = operator_agenda(requests, idx, op, store.now(), "id")
    with TestClient(create_app(store, settings), headers=SAME_ORIGIN) as client:
        web = Web(client, store, settings)
        web.sign_in(client, web.token("operator", name="andi", operator=op))
        page = client.get("/me").text
        today_part = page.split('id="agenda-today"')[1].split("</table>")[0]
        for x in todays:
            assert x.ref in today_part and x.when in today_part
        others = {
            a.request
            for a in idx.assigned.values()
            if op not in a.operators
            and not (a.rehearsal and op in a.rehearsal.operators)
            and not (a.survey and op in a.survey.operators)
        }
        assert not any(f"<b>{ref}</b>" in page.split('id="agenda"')[1].split("</div>")[0] for ref in others)
        assert "Hari ini" in page and "Tujuh hari ke depan" in page
        assert "Today" in client.get("/me?lang=en").text


def test_an_admin_without_an_operator_id_has_no_agenda(web: Web) -> None:
    web.sign_in(web.client, web.token())
    assert 'id="agenda"' not in web.client.get("/me").text
