"""A stored example office (copied per test from one imported template), the app, and tokens."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi, httpx) is not installed")

from fastapi.testclient import TestClient

from allocator.problem_files import load_problem
from allocator.store import Store
from allocator.web.accounts import csrf_token
from allocator.web.app import create_app
from allocator.web.auth import COOKIE_NAME, issue_token
from allocator.web.guard import CSRF_HEADER
from allocator.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example-problem.json"
SECRET = "t3st-Secret-for-the-web-suite-0123456789-abcdefXYZ"
HOOK_SECRET = "zoom-webhook-secret-for-tests"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("webtpl") / "template.db"
    store = Store.open(f"sqlite:///{path}")
    store.import_problem(load_problem(EXAMPLE), actor="test")
    store.engine.dispose()
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path) -> str:
    target = tmp_path / "web.db"
    shutil.copy(template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings() -> WebSettings:
    return WebSettings(secret=SECRET, base_url="http://testserver", zoom_webhook_secret=HOOK_SECRET)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.engine.dispose()


@dataclass
class Web:
    client: TestClient
    store: Store
    settings: WebSettings

    def token(self, role: str = "admin", name: str = "budi", operator: str | None = None, **kw: object) -> str:
        return issue_token(self.settings, role=role, name=name, operator=operator, **kw)  # type: ignore[arg-type]

    def sign_in(self, client: TestClient, token: str) -> None:
        """What a browser on our pages has: the sign-in cookie, and the CSRF token its forms carry (as the header
        scripts may use; the pages' hidden field is tested in test_accounts)."""
        client.cookies.set(COOKIE_NAME, token)
        client.headers[CSRF_HEADER] = csrf_token(self.settings, token)

    def auth(self, role: str = "admin", operator: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, operator=operator)}"}


#: What a browser sends with a post from our own pages (settings.base_url); tests of other origins override it.
SAME_ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def web(store: Store, settings: WebSettings) -> Iterator[Web]:
    with TestClient(create_app(store, settings), headers=SAME_ORIGIN) as client:
        yield Web(client, store, settings)


def good_request(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "unit": "Dinas Kominfo",
        "title": "Rapat Koordinasi SPBE",
        "pic": {"name": "Sari", "email": "sari@example.go.id"},
        "start": "2027-01-06T09:00",
        "end": "2027-01-06T10:30",
        "timezone": "Asia/Makassar",
        "participants": 80,
        "service": "link",
    }
    body.update(kw)
    return body
