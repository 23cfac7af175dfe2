"""The planner's own errors and a request file that cannot be read, as the admin's pages show them: in the page's
language (the HTTP API keeps English, for programs)."""

from __future__ import annotations

import pytest

from allocator.planner.domain import Pin
from tests.web.conftest import Web

LANGS = ["id", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_pin_that_cannot_hold_on_the_replan_page(web: Web, lang: str) -> None:
    web.store.set_pin(Pin(request="PSR-00006", host="H100"), actor="test")  # 350 participants on a 100-seat host
    web.sign_in(web.client, web.token())
    page = web.client.get(f"/admin/replan?lang={lang}")
    assert page.status_code == 422, page.text[-500:]
    text = " ".join(page.text.split())
    if lang == "id":
        assert "patokan tidak dapat dipertahankan: host atau operatornya tidak cocok dengan permohonan" in text
        assert "a pin cannot hold" not in text
    else:
        assert "a pin cannot hold: its host or operators do not fit the request" in text
    assert "PSR-00006" in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_request_file_that_cannot_be_read_on_the_upload_page(web: Web, lang: str) -> None:
    web.sign_in(web.client, web.token())
    page = web.client.post(f"/admin/upload?lang={lang}", files={"file": ("angka.json", b"42", "application/json")})
    assert page.status_code == 422, page.text[-500:]
    if lang == "id":
        assert "angka.json: diharapkan daftar objek permohonan (atau {&#39;requests&#39;: [...]})" in page.text
        assert "expected a list" not in page.text
    else:
        assert "angka.json: expected a list of request objects" in page.text
