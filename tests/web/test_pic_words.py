"""A PIC's page and API show only their own meeting: no host ids, no operator ids, no other unit's request
numbers, and every offered alternative states all its conditions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from allocator.demo import _governor_visit
from allocator.service import replan
from allocator.web.auth import pic_url
from tests.web.conftest import Web


def test_a_displaced_pic_reads_why_and_the_full_alternatives_without_internal_ids(web: Web) -> None:
    store = web.store
    replan(store, actor="test", dry_run=False)
    victim = store.get_request("PSR-00006")
    assert victim is not None
    store.save_request(_governor_visit(victim), actor="test")
    out = replan(store, actor="test", dry_run=False)
    (u,) = [x for x in out.plan.unserved if x.request == "PSR-00006"]
    assert "H500" in u.reason_id and "PSR-GUB-01" in u.reason_id  # what the admin reads names them
    path = urlsplit(pic_url(web.settings, victim.ref, victim.end, store.now())).path
    page = web.client.get(path).text
    body = page.split("<main>")[1]
    assert "Tidak dapat dilayani" in body and "untuk paling banyak 300 peserta" in body
    ids = {h.id for h in store.hosts()} | {o.id for o in store.operators()} | {"PSR-GUB-01"}
    assert not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", body)]
    api = web.client.get(f"/api/pic/{path.rsplit('/', 1)[1]}").json()
    text = str(api)
    assert not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text)]
    assert any("for at most 300 participants" in a["text"] for a in api["alternatives"])
    assert "350 participants or more" in api["reason"]
