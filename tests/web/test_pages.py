"""Pages: the request form (Bahasa Indonesia by default), the PIC page, the admin timeline and re-plan preview,
and their access rules."""

from __future__ import annotations

import re

from tests.web.conftest import Web

FORM = {"unit": "Kecamatan Tanjung", "title": "Musrenbang Kecamatan", "date": "2027-01-05", "start_time": "13:00",
        "end_time": "15:00", "timezone": "Asia/Makassar", "participants": "60", "service": "link",
        "operators_needed": "1", "venue": "Aula", "pic_name": "Rahmat", "pic_email": "rahmat@example.go.id",
        "pic_phone": "", "ref": ""}  # fmt: skip


def test_form_in_bahasa_and_english(web: Web) -> None:
    page = web.client.get("/form")
    assert page.status_code == 200 and 'lang="id"' in page.text
    for text in ("Ajukan permohonan", "Link saja", "Link + operator", "Operator saja", "Jumlah peserta", "WITA"):
        assert text in page.text
    en = web.client.get("/form?lang=en").text
    assert "Link only" in en and "Operator only" in en and 'lang="en"' in en
    assert 'name="viewport"' in page.text


def test_form_submit_and_errors(web: Web) -> None:
    c = web.client
    bad = c.post("/form", data={**FORM, "participants": "0", "title": "", "end_time": "12:00"})
    assert bad.status_code == 422
    assert "Periksa isian berikut" in bad.text
    assert "Jumlah peserta: harus lebih dari 0" in bad.text and "Nama kegiatan: wajib diisi" in bad.text
    assert 'value="Kecamatan Tanjung"' in bad.text  # what was typed is kept
    assert len(web.store.list_requests()) == 60
    ok = c.post("/form", data=FORM)
    assert ok.status_code == 201 and "Permohonan diterima" in ok.text
    ref = re.search(r'id="ref">([^<]+)<', ok.text).group(1)  # type: ignore[union-attr]
    req = web.store.get_request(ref)
    assert req is not None and req.service.value == "link" and req.pic.name == "Rahmat"
    link = re.search(r'id="pic-link" href="([^"]+)"', ok.text).group(1)  # type: ignore[union-attr]
    pic = c.get(link)
    assert pic.status_code == 200 and "Musrenbang Kecamatan" in pic.text and "Menunggu penjadwalan" in pic.text
    assert pic.headers["cache-control"] == "no-store"
    assert "Waiting to be planned" in c.get(link.replace("lang=id", "lang=en")).text


def test_form_errors_name_the_field_by_its_label_in_the_page_language(web: Web) -> None:
    cases = {
        "pic_name": ("", "Nama PIC: wajib diisi", "PIC name: is required"),
        "pic_email": ("sari-at-kantor", "Email PIC: alamat email tidak sah", "PIC e-mail: is not a valid e-mail"),
        "participants": ("banyak", "Jumlah peserta: harus berupa angka", "Participants: must be a number"),
        "timezone": ("Mars/Olympus", "Zona waktu: zona waktu tidak dikenal", "Time zone: is not a known time zone"),
        "end_time": ("09:00", "Jam selesai: jam selesai harus setelah jam mulai", "End: must be after the start"),
        "date": ("2027-02-30", "Jam mulai: tanggal atau jam tidak sah", "Start: is not a valid date or time"),
        "ref": ("a b", "Nomor surat (opsional): hanya huruf, angka", "may hold only letters, digits"),
        "operators_needed": ("9", "Jumlah operator: maksimal 5", "Operators needed: may be at most 5"),
    }
    web.sign_in(web.client, web.token())  # staff are not rate-limited; the form is the same
    for field, (value, id_text, en_text) in cases.items():
        data = {**FORM, "start_time": "10:00", field: value}
        page = web.client.post("/form", data=data)
        assert page.status_code == 422 and id_text in page.text, (field, page.text.split('role="alert"')[1][:300])
        assert "should" not in page.text and "Input" not in page.text and "pic.name" not in page.text
        assert en_text in web.client.post("/form?lang=en", data=data).text, field


def test_admin_pages_need_an_admin(web: Web) -> None:
    c = web.client
    r = c.get("/admin/timeline", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?lang=id&next=%2Fadmin%2Ftimeline")
    assert c.post("/admin/replan", follow_redirects=False).status_code == 303
    web.sign_in(c, web.token("operator", operator="OP01"))
    assert c.get("/admin/timeline").status_code == 403
    assert c.get("/admin/replan").status_code == 403
    assert c.post("/admin/replan").status_code == 403
    assert c.get("/me").status_code == 200
    web.sign_in(c, "forged.token.value")
    assert c.get("/admin/timeline", follow_redirects=False).status_code == 303
    c.cookies.clear()
    bad = c.post("/login", data={"token": "nope", "next": "/admin/timeline"})
    assert bad.status_code == 401
    good = c.post("/login", data={"token": web.token(), "next": "https://evil.example/"}, follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/admin/timeline?lang=id"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert web.store.published_plan() is None


def test_replan_preview_apply_and_timeline(web: Web) -> None:
    c = web.client
    web.sign_in(c, web.token())
    preview = c.get("/admin/replan")
    assert preview.status_code == 200 and "Pratinjau rencana ulang" in preview.text and "PSR-BUPATI-01" in preview.text
    assert web.store.published_plan() is None
    cross = c.post("/admin/replan", headers={"origin": "https://evil.example"})
    assert cross.status_code == 403 and web.store.published_plan() is None
    applied = c.post("/admin/replan", follow_redirects=False)
    assert applied.status_code == 303 and "applied=1" in applied.headers["location"]
    tl = c.get(applied.headers["location"])
    assert tl.status_code == 200 and "Rencana 1 diterbitkan" in tl.text
    assert "Linimasa" in tl.text and "Sen 2027-01-04" in tl.text and "WITA" in tl.text
    assert 'data-lane="H500"' in tl.text and 'data-lane="OP01"' in tl.text and 'data-ref="PSR-00001"' in tl.text
    assert "Tidak terlayani" in tl.text and "Alternatif" in tl.text
    plan = web.store.published_plan()
    assert plan is not None
    u = plan.plan.unserved[0]
    assert u.reason_id in tl.text.replace("&gt;", ">").replace("&#39;", "'")
    en = c.get("/admin/timeline?lang=en&day=2027-01-05")
    assert "Timeline" in en.text and "Tue 2027-01-05" in en.text and "Unserved" in en.text
    # 5 January 2027 is a holiday: the page says so, and names the regent's ceremony served as holiday duty.
    assert "Holiday (office closed): Tue 2027-01-05" in en.text
    assert "Overtime: OP01 — PSR-BUPATI-01" in en.text and "(holiday duty)" in en.text
    week = c.get("/admin/timeline?day=2027-01-04&view=week")
    assert "Libur (kantor tutup): Sel 2027-01-05" in week.text and "(lembur)" in week.text  # PSR-00036 on Thursday
    assert c.get("/admin/timeline?day=junk").status_code == 422
    assert "Belum ada tugas" in c.get("/me").text  # an admin has no assignments of their own


def test_pic_page_of_a_served_link_only_request_has_no_host_details(web: Web) -> None:
    c = web.client
    web.sign_in(c, web.token())
    c.post("/admin/replan")
    link = c.get("/api/requests/PSR-00001/pic-link", headers=web.auth()).json()["url"]
    c.cookies.clear()
    page = c.get(link.replace("http://testserver", ""))
    assert page.status_code == 200 and "Terjadwal" in page.text and "Link Zoom sedang disiapkan" in page.text
    for host in web.store.hosts():
        assert host.zoom_user not in page.text
    assert "Linimasa" not in page.text  # no admin navigation on a PIC page
