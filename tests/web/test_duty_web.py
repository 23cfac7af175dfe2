"""Weekend or holiday duty asked for on the web form and the API (`Request.duty`, docs/calendar.md)."""

from __future__ import annotations

import re

from tests.web.conftest import Web, good_request
from tests.web.test_pages import FORM


def _filed(web: Web, data: dict[str, str]) -> bool:
    ok = web.client.post("/form", data=data)
    assert ok.status_code == 201, ok.text
    ref = re.search(r'id="ref">([^<]+)<', ok.text).group(1)  # type: ignore[union-attr]
    req = web.store.get_request(ref)
    assert req is not None
    return req.duty


def test_the_form_asks_for_duty_in_both_languages(web: Web) -> None:
    assert 'name="duty"' in web.client.get("/form").text
    assert "Tugas hari libur" in web.client.get("/form").text
    assert "Weekend or holiday duty" in web.client.get("/form?lang=en").text
    assert _filed(web, {**FORM, "duty": "1"}) is True
    assert _filed(web, {**FORM, "start_time": "16:00", "end_time": "17:00"}) is False  # unticked: not sent


def test_a_refused_form_keeps_the_duty_ticked(web: Web) -> None:
    bad = web.client.post("/form", data={**FORM, "participants": "0", "duty": "1"})
    assert bad.status_code == 422 and re.search(r'name="duty"[^>]*checked', bad.text)


def test_the_api_takes_duty(web: Web) -> None:
    r = web.client.post("/api/requests", json=good_request(ref="PIKET-1", duty=True))
    assert r.status_code == 201, r.text
    saved = web.store.get_request("PIKET-1")
    assert saved is not None and saved.duty is True
    bad = web.client.post("/api/requests", json=good_request(ref="PIKET-2", duty="kadang"))
    assert bad.status_code == 422 and any(e.startswith("duty") for e in bad.json()["errors"]), bad.json()
