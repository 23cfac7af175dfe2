"""The admin's upload page: a district's Google Form export is previewed (mapping report, 18 accepted rows, 2
rejected with their reasons) without storing anything, saved once, and found unchanged when uploaded again; the
rejected rows download with an "alasan" column; bad files get a clear 4xx and leave nothing behind; only admins,
only from our own pages, only under a well-formed digest."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from allocator.planner.domain import IntakePolicy
from allocator.store import Store
from allocator.web.app import create_app
from allocator.web.settings import UPLOAD_MAX_BYTES, WebConfigError, WebSettings
from allocator.web.uploads import UploadBox
from tests.web.conftest import ROOT, SAME_ORIGIN, Web

FORM = ROOT / "tests" / "fixtures" / "intake" / "kominfo-paser-google-form.csv"
STORED = 60  # the example office's requests
DIGEST = re.compile(r'action="/admin/upload/([0-9a-f]{64})/save')


def _admin(web: Web) -> None:
    web.sign_in(web.client, web.token())


def _upload(web: Web, name: str = FORM.name, data: bytes | None = None, lang: str = "id", **kw: object):  # type: ignore[no-untyped-def]
    body = FORM.read_bytes() if data is None else data
    return web.client.post(f"/admin/upload?lang={lang}", files={"file": (name, body, "text/csv")}, **kw)


def _digest(page: str) -> str:
    m = DIGEST.search(page)
    assert m, "no save form on the page"
    return m.group(1)


def _box(web: Web) -> UploadBox:
    box: UploadBox = web.client.app.state.uploads  # type: ignore[attr-defined]
    return box


def _kept(web: Web) -> list[str]:
    return sorted(p.name for p in _box(web).root.iterdir())


def test_preview_save_and_upload_again(web: Web) -> None:
    _admin(web)
    page = _upload(web)
    assert page.status_code == 200 and "Pratinjau" in page.text
    assert "Laporan pembacaan kominfo-paser-google-form.csv: 20 baris, 18 diterima, 2 ditolak" in page.text
    assert "18 baru, 0 berubah, 0 tidak berubah, 2 ditolak" in page.text
    assert page.text.count('data-change="new"') == 18
    # the mapping report: columns, a note, where refs came from, every guess with its rows
    assert 'Nama Unit Kerja / OPD</td><td>→</td><td class="wrap">unit (Unit kerja)' in page.text
    assert 'Keterangan Tambahan</td><td>→</td><td class="wrap muted">(disimpan sebagai catatan)' in page.text
    assert "stempel waktu + alamat email (2), nomor surat (16)" in page.text
    assert (
        "Baris 2, 6, 10, 14, 20:" in page.text and "Baris 10: &#39;kurang lebih 150&#39; dibaca 150 orang" in page.text
    )
    assert "Baris 8: &#39;Zoom Webinar + Operator&#39;: jenis Zoom dianggap webinar" in page.text
    # the rows: local time with the zone, a row written in WIB, service, flags
    row2 = re.search(r'<tr data-row="2" data-change="new">(.*?)</tr>', page.text, re.S)
    assert row2 and "050/112/Bappeda/XII/2026" in row2.group(1) and "Sen 2027-01-04 09:00–11:00 WITA" in row2.group(1)
    assert "Link + operator" in row2.group(1) and "Rapat Koordinasi Musrenbang Kecamatan" in row2.group(1)
    assert "Sen 2027-01-11 11:00–13:00 WITA (10:00 WIB)" in page.text
    assert "minta peralatan, jenisnya belum dipilih" in page.text
    # the rejected rows, one reason each
    rejects = re.search(r'<table id="rejects".*?</table>', page.text, re.S)
    assert rejects and rejects.group(0).count("<tr data-row=") == 2
    assert "600/88/PUPR/I/2027" in rejects.group(0) and "tanggal itu tidak ada" in rejects.group(0)
    assert "jam selesai 11.00 tidak setelah jam mulai 14.00" in rejects.group(0)
    assert len(web.store.list_requests()) == STORED  # a preview stores nothing
    digest = _digest(page.text)
    assert _kept(web) == [digest]

    saved = web.client.post(f"/admin/upload/{digest}/save")
    assert saved.status_code == 200 and "18 permohonan disimpan, 0 tidak berubah, 2 ditolak" in saved.text
    assert len(web.store.list_requests()) == STORED + 18
    assert web.store.request_history("050/112/Bappeda/XII/2026")[0].actor == "upload:budi"
    assert not list((_box(web).root / digest / "upload").glob("*"))  # the upload is gone once saved
    again = web.client.post(f"/admin/upload/{digest}/save")
    assert again.status_code == 404 and "sudah disimpan" in again.text
    assert len(web.store.list_requests()) == STORED + 18

    # the same export again: every row unchanged, nothing to save, and saving anyway stores nothing
    same = _upload(web)
    assert "0 baru, 0 berubah, 18 tidak berubah, 2 ditolak" in same.text and 'id="nothing-to-save"' in same.text
    assert same.text.count('data-change="unchanged"') == 18 and 'id="save"' not in same.text
    nothing = web.client.post(f"/admin/upload/{digest}/save")
    assert nothing.status_code == 200 and "0 permohonan disimpan, 18 tidak berubah" in nothing.text
    assert len(web.store.list_requests()) == STORED + 18
    assert [v.version for v in web.store.request_history("050/112/Bappeda/XII/2026")] == [1]

    # a newer export with one meeting moved: one changed row, saved as a new version
    moved = FORM.read_text(encoding="utf-8").replace("09.00 - 11.00 WITA,± 50 orang", "10.00 - 12.00 WITA,± 50 orang")
    newer = _upload(web, "form-newer.csv", moved.encode())
    assert "0 baru, 1 berubah, 17 tidak berubah" in newer.text
    assert web.client.post(f"/admin/upload/{_digest(newer.text)}/save").status_code == 200
    assert [v.version for v in web.store.request_history("050/112/Bappeda/XII/2026")] == [1, 2]


def test_rejects_download_as_xlsx_and_csv(web: Web) -> None:
    _admin(web)
    digest = _digest(_upload(web).text)
    xlsx = web.client.get(f"/admin/upload/{digest}/rejects.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="kominfo-paser-google-form.rejects.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Stempel waktu" and rows[0][-1] == "alasan" and len(rows) == 3
    assert rows[1][10] == "600/88/PUPR/I/2027" and "tanggal itu tidak ada" in str(rows[1][-1])
    assert rows[2][10] == "360/9/Kec.BS/I/2027"
    csv = web.client.get(f"/admin/upload/{digest}/rejects.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(";alasan") and len(lines) == 3
    assert web.client.get(f"/admin/upload/{digest}/rejects.csv?lang=en").text.splitlines()[0].endswith(";reason")
    # still there after saving, for the admin who fixes them afterwards
    web.client.post(f"/admin/upload/{digest}/save")
    after = web.client.get(f"/admin/upload/{digest}/rejects.xlsx")
    assert after.status_code == 200 and len(list(load_workbook(io.BytesIO(after.content)).active.iter_rows())) == 3  # type: ignore[union-attr]
    assert web.client.get(f"/admin/upload/{digest}/rejects.json").status_code == 404
    assert len(web.store.list_requests()) == STORED + 18


def test_only_admins_from_our_own_pages(web: Web) -> None:
    c = web.client
    r = c.get("/admin/upload", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?lang=id&next=%2Fadmin%2Fupload"
    assert _upload(web, follow_redirects=False).status_code == 303
    fake = "a" * 64
    assert c.post(f"/admin/upload/{fake}/save", follow_redirects=False).status_code == 303
    assert c.get(f"/admin/upload/{fake}/rejects.xlsx", follow_redirects=False).status_code == 303
    _admin(web)
    digest = _digest(_upload(web).text)
    web.sign_in(c, web.token("operator", operator="OP01"))
    assert c.get("/admin/upload").status_code == 403
    assert _upload(web).status_code == 403
    assert c.post(f"/admin/upload/{digest}/save").status_code == 403
    assert c.get(f"/admin/upload/{digest}/rejects.xlsx").status_code == 403
    _admin(web)
    evil = {"origin": "https://evil.example"}
    assert _upload(web, headers=evil).status_code == 403
    assert c.post(f"/admin/upload/{digest}/save", headers=evil).status_code == 403
    assert len(web.store.list_requests()) == STORED and _kept(web) == [digest]
    nav = c.get("/admin/timeline").text
    assert 'href="/admin/upload?lang=id"' in nav and "Unggah file" in nav


@pytest.mark.parametrize(
    ("name", "data", "status", "text"),
    [
        ("big.csv", b"x" * (UPLOAD_MAX_BYTES + 1), 413, "File terlalu besar"),
        ("kosong.csv", b"", 422, "File kosong"),
        ("setup.exe", b"MZ\x90\x00" + bytes(200), 415, "Jenis file .exe tidak didukung"),
        ("no-suffix", b"a,b\n1,2\n", 415, "Jenis file - tidak didukung"),
        ("rusak.xlsx", b"PK\x03\x04 not really a workbook", 422, "File tidak dapat dibaca: rusak.xlsx"),
        ("angka.json", b"42", 422, "File tidak dapat dibaca: angka.json: diharapkan daftar objek permohonan"),
        ("judul.csv", FORM.read_bytes().splitlines()[0] + b"\n", 422, "tidak berisi baris permohonan"),
        ("binär.csv", b"\xff\xfe\x81\x8d\x90\x9d", 422, "File tidak dapat dibaca: binar.csv"),
    ],
)
def test_bad_files_get_a_clear_message(web: Web, name: str, data: bytes, status: int, text: str) -> None:
    _admin(web)
    page = _upload(web, name, data)
    assert page.status_code == status and text in page.text, page.text[-800:]
    assert 'id="upload-error"' in page.text and 'name="file"' in page.text  # the form, to try again
    assert str(_box(web).root) not in page.text
    assert len(web.store.list_requests()) == STORED and _kept(web) == []


def test_limits_hold_without_content_length_and_for_odd_forms(web: Web) -> None:
    _admin(web)
    c = web.client
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()  # fmt: skip

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(UPLOAD_MAX_BYTES // 65536 + 2):
            yield b"y" * 65536

    streamed = c.post(
        "/admin/upload", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    assert streamed.status_code == 413 and "batasnya 5 MiB" in streamed.text
    assert c.post("/admin/upload", data={"other": "x"}).status_code == 400  # not multipart at all
    no_file = c.post("/admin/upload", files={"other": ("a.csv", b"a", "text/csv")})
    assert no_file.status_code == 422 and "Pilih file" in no_file.text
    two = c.post("/admin/upload", files=[("file", ("a.csv", b"a", "text/csv")), ("file", ("b.csv", b"b", "text/csv"))])
    assert two.status_code == 400 and "rusak" in two.text
    assert len(web.store.list_requests()) == STORED and _kept(web) == []


@pytest.mark.parametrize(
    "path",
    ["/admin/upload/../x/save", "/admin/upload/..%2Fx/save", "/admin/upload/%2e%2e%2f%2e%2e%2fetc/save",
     "/admin/upload/x/save", "/admin/upload/{upper}/save", "/admin/upload/{short}/save",
     "/admin/upload/{digest}%2F..%2F{digest}/save", "/admin/upload/{digest}x/save"],
)  # fmt: skip
def test_a_tampered_digest_is_not_found(web: Web, path: str) -> None:
    _admin(web)
    digest = _digest(_upload(web).text)
    url = path.format(digest=digest, upper=digest.upper(), short=digest[:63])
    assert web.client.post(url).status_code == 404
    assert web.client.get(url.replace("/save", "/rejects.xlsx")).status_code == 404
    assert web.client.get(f"/admin/upload/{digest}/save").status_code == 405  # a page, not a 500
    assert len(web.store.list_requests()) == STORED and _kept(web) == [digest]


def test_an_upload_expires_after_an_hour(web: Web) -> None:
    _admin(web)
    digest = _digest(_upload(web).text)
    folder = _box(web).root / digest
    hour_ago = time.time() - 3601
    os.utime(folder, (hour_ago, hour_ago))
    gone = web.client.post(f"/admin/upload/{digest}/save")
    assert gone.status_code == 404 and "kedaluwarsa" in gone.text
    assert not folder.exists() and len(web.store.list_requests()) == STORED


def test_english_escaped_and_late_letters(web: Web) -> None:
    _admin(web)
    policy = web.store.policy()
    web.store.set_policy(policy.model_copy(update={"intake": IntakePolicy(min_lead_working_days=5)}), actor="test")
    en = web.client.get("/admin/upload?lang=en")
    assert en.status_code == 200 and 'lang="en"' in en.text and "Upload a request file" in en.text
    assert "at most 5 MiB" in en.text
    page = _upload(web, lang="en")
    assert "How kominfo-paser-google-form.csv was read: 20 rows, 18 accepted, 2 rejected" in page.text
    assert "late letter: came in" in page.text and "(the site asks 5)" in page.text
    assert "no such date" in page.text
    text = FORM.read_text(encoding="utf-8").replace("Bappeda,Rina", "<script>alert(1)</script>,Rina", 1)
    hostile = _upload(web, "x.csv", text.encode())
    assert "<script>alert(1)" not in hostile.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text
    assert len(web.store.list_requests()) == STORED


def test_the_limit_and_folder_are_configurable(tmp_path: Path) -> None:
    env = {"VICON_WEB_SECRET": "t3st-Secret-for-the-web-suite-0123456789-abcdefXYZ"}
    assert WebSettings.from_env(env).upload_max_bytes == 5 * 1024 * 1024
    s = WebSettings.from_env({**env, "VICON_UPLOAD_MAX_BYTES": "1_000_000", "VICON_UPLOAD_DIR": str(tmp_path / "up")})
    assert s.upload_max_bytes == 1_000_000 and s.upload_dir == str(tmp_path / "up")
    for bad in ("5MB", "0", "-1"):
        with pytest.raises(WebConfigError, match="VICON_UPLOAD_MAX_BYTES"):
            WebSettings.from_env({**env, "VICON_UPLOAD_MAX_BYTES": bad})
    box = UploadBox(tmp_path / "up", max_bytes=10)
    assert (box.root.stat().st_mode & 0o777) == 0o700
    box.close()
    assert box.root.exists()  # a configured folder is the operator's own: never removed


def test_the_private_folder_goes_when_the_app_stops(store: Store, settings: WebSettings) -> None:
    with TestClient(create_app(store, settings), headers=SAME_ORIGIN) as client:
        web = Web(client, store, settings)
        _admin(web)
        _digest(_upload(web).text)
        root = _box(web).root
        assert (root.stat().st_mode & 0o777) == 0o700 and len(_kept(web)) == 1
    assert not root.exists()
