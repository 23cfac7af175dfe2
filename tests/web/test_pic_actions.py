"""The PIC's "add to calendar": their own meeting (and its rehearsal) as an .ics, nothing of anyone else's."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from allocator.notify.calendar import event_uid, rehearsal_uid
from allocator.service import replan
from allocator.web.auth import pic_url
from tests.web.conftest import Web


def test_the_pic_downloads_only_their_own_meeting(web: Web) -> None:
    out = replan(web.store, actor="test", dry_run=False)
    a = next(a for a in out.plan.assignments if a.rehearsal is not None)
    r = web.store.get_request(a.request)
    assert r is not None
    path = urlsplit(pic_url(web.settings, r.ref, r.end, web.store.now())).path
    pic = TestClient(web.client.app)
    page = pic.get(path).text
    assert 'id="ics"' in page and 'id="ics-rehearsal"' in page
    ics = pic.get(path + "/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    body = ics.text.replace("\r\n ", "")
    assert f"UID:{event_uid(r.ref)}" in body and r.title[:20] in body and body.count("BEGIN:VEVENT") == 1
    for other in out.plan.assignments:
        if other.request != r.ref:
            assert other.request not in body
    for host in {h.id for h in web.store.hosts()}:
        assert f"{host}" not in body.replace(event_uid(r.ref), "")
    gladi = pic.get(path + "/calendar.ics?part=rehearsal").text.replace("\r\n ", "")
    assert f"UID:{rehearsal_uid(r.ref)}" in gladi and gladi.count("BEGIN:VEVENT") == 1
    assert pic.get(path[:-4] + "abcd/calendar.ics").status_code == 401
    unserved = out.plan.unserved[0].request
    ur = web.store.get_request(unserved)
    assert ur is not None
    upath = urlsplit(pic_url(web.settings, ur.ref, ur.end, web.store.now())).path
    assert pic.get(upath + "/calendar.ics").status_code == 404
