"""The re-plan preview lists in words every request that gains, loses, moves or stays unserved — newcomers that
cannot be served included — with reasons, alternatives and Zoom actions, in Bahasa Indonesia or English."""

from __future__ import annotations

import re

from allocator.demo import _governor_visit
from allocator.planner.domain import Request
from allocator.service import replan
from tests.web.conftest import Web


def _items(html: str) -> dict[str, tuple[str, str]]:
    """ref → (kind, the item's text without tags)."""
    out = {}
    for ref, kind, body in re.findall(r'<li data-ref="([^"]+)" data-kind="(\w+)"[^>]*>(.*?)</li>\n', html, re.S):
        out[ref] = (kind, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    return out


def test_preview_says_who_gains_loses_and_stays_unserved_and_why(web: Web) -> None:
    store = web.store
    first = replan(store, actor="test", dry_run=False)
    still = sorted(u.request for u in first.plan.unserved)
    victim = store.get_request("PSR-00006")
    assert victim is not None and still
    store.save_request(_governor_visit(victim), actor="test")
    huge = victim.model_copy(update={"ref": "WEB-BESAR", "title": "Rapat Akbar", "participants": 5000,
                                     "priority": "normal"})  # fmt: skip
    store.save_request(Request.model_validate(huge.model_dump()), actor="test")
    web.sign_in(web.client, web.token())
    page = web.client.get("/admin/replan").text
    items = _items(page)
    kind, text = items["PSR-GUB-01"]
    assert kind == "gained" and "kini terlayani" in text and "prioritas Kepala daerah" in text
    assert "buat rapat Zoom" in text and "WITA di H500" in text
    kind, text = items["PSR-00006"]
    assert kind == "lost" and "Sebelumnya:" in text and "H500" in text and "Alasan:" in text
    assert "hapus rapat Zoom" in text and "Alternatif:" in text and "PSR-GUB-01" in text
    kind, text = items["WEB-BESAR"]  # a newcomer no host can take is listed, not hidden
    assert kind == "not_served" and "baru, tidak dapat dilayani" in text and "5000" in text
    stays = [ref for ref, (k, _t) in items.items() if k == "stays_unserved"]
    assert stays and set(stays) <= set(still)
    assert all("Alasan:" in items[ref][1] for ref in stays)
    assert page.index('id="kind-lost"') < page.index('id="kind-not_served"') < page.index('id="kind-gained"')
    assert "rapat dibuat" in page and "rapat dihapus" in page  # the totals, in words
    for english in ("its resources", "priority head_of_region", "offered instead"):
        assert english not in page
    en = _items(web.client.get("/admin/replan?lang=en").text)
    assert en["PSR-GUB-01"][0] == "gained" and "priority Head of region" in en["PSR-GUB-01"][1]
    assert "delete the Zoom meeting" in en["PSR-00006"][1] and "new, cannot be served" in en["WEB-BESAR"][1]
