"""The admin's request desk: search and filters, the link to each request, cancelling from the request's page."""

from __future__ import annotations

import re

from allocator.service import replan
from tests.web.conftest import Web

_ROW = re.compile(r'<tr data-ref="([^"]+)">')


def test_desk_lists_filters_and_cancels(web: Web) -> None:
    replan(web.store, actor="test", dry_run=False)
    web.sign_in(web.client, web.token())
    c = web.client
    everything = _ROW.findall(c.get("/admin/requests?date_from=2027-01-01").text)
    assert len(everything) == 60 and "PSR-00006" in everything
    unserved = _ROW.findall(c.get("/admin/requests?date_from=2027-01-01&plan=unserved").text)
    plan = web.store.published_plan()
    assert plan is not None and set(unserved) == {u.request for u in plan.plan.unserved}
    page = c.get("/admin/requests?date_from=2027-01-04&date_to=2027-01-04&priority=high&unit=sekretariat").text
    refs = _ROW.findall(page)
    assert refs and all(
        (r := web.store.get_request(x)) is not None and r.priority == "high" and "Sekretariat" in r.unit
        and r.start.date().isoformat() <= "2027-01-04" for x in refs
    )  # fmt: skip
    assert "Tinggi" in page and "Meja permohonan" in page
    assert _ROW.findall(c.get("/admin/requests?date_from=2027-01-01&q=psr-00006").text) == ["PSR-00006"]
    for bad in ("status=lost", "plan=maybe", "priority=urgent", "date_from=2027-13-01"):
        r = c.get(f"/admin/requests?{bad}")
        assert r.status_code == 422 and bad.split("=")[0] in r.text, bad
    # cancel from the request's page: the form carries this session's CSRF token
    detail = c.get("/admin/requests/PSR-00006").text
    token = re.search(r'id="cancel-form">\s*<input type="hidden" name="csrf" value="([^"]+)"', detail)
    assert token
    assert c.post("/admin/requests/PSR-00006/cancel", data={"reason": "x"}, headers={"x-csrf-token": ""},
                  follow_redirects=False).status_code == 403  # fmt: skip
    r = c.post("/admin/requests/PSR-00006/cancel", data={"csrf": token.group(1), "reason": "acara ditunda"},
               headers={"x-csrf-token": ""}, follow_redirects=True)  # fmt: skip
    assert r.status_code == 200 and "Permohonan dibatalkan" in r.text and 'id="cancel-form"' not in r.text
    req = web.store.get_request("PSR-00006")
    assert req is not None and req.status.value == "cancelled"
    assert "PSR-00006" in _ROW.findall(c.get("/admin/requests?status=cancelled").text)
    assert c.post("/admin/requests/NOPE/cancel", data={"csrf": token.group(1)},
                  headers={"x-csrf-token": ""}).status_code == 404  # fmt: skip
