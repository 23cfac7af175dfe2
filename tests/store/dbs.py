"""Databases for store/sync tests: a SQLite file, and (marked `postgres`) a fresh PostgreSQL schema per test.

PostgreSQL comes from `$VICON_TEST_PG` (default postgresql+psycopg://postgres@127.0.0.1:5432/test). When it
cannot be reached the PostgreSQL variants skip with the reason, or fail when `CI=true`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pytest
import sqlalchemy as sa

from allocator.planner.domain import Assignment, HostKind, Pic, Plan, Request, ServiceType, SolverStatus, ZoomHost

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("VICON_TEST_PG", PG_DEFAULT)


@lru_cache(maxsize=1)
def pg_problem() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        engine = sa.create_engine(pg_base_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect is a reason to skip
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def require_pg() -> None:
    problem = pg_problem()
    if problem is None:
        return
    message = f"PostgreSQL not reachable at {pg_base_url()}: {problem}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in pg_base_url() else "?"
    return f"{pg_base_url()}{sep}options=-csearch_path%3D{schema}"


def fresh_pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema (dropped afterwards)."""
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_base_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_schema()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using it runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vicon.db'}"
    else:
        yield from fresh_pg_schema()


class FakeClock:
    """Injected time for the store and worker: moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


ACCOUNT = "kominfo"


def hosts() -> list[ZoomHost]:
    return [
        ZoomHost(id="H100", account=ACCOUNT, zoom_user="h100@kominfo.example.go.id", capacity=100),
        ZoomHost(id="H300", account=ACCOUNT, zoom_user="h300@kominfo.example.go.id", capacity=300, max_concurrent=2),
        ZoomHost(id="H500", account=ACCOUNT, zoom_user="h500@kominfo.example.go.id", capacity=500),
    ]


def request(ref: str, start: datetime, *, hours: float = 1.0, title: str | None = None, **kw: object) -> Request:
    data: dict[str, object] = {
        "ref": ref,
        "unit": "Dinas Kominfo",
        "pic": Pic(name="Budi", email="budi@example.go.id"),
        "title": title or f"Rapat {ref}",
        "timezone": "Asia/Jakarta",
        "start": start,
        "end": start + timedelta(hours=hours),
        "participants": 50,
        "kind": HostKind.MEETING,
        "service": ServiceType.LINK,
        "status": "approved",
    }
    data.update(kw)
    return Request.model_validate(data)


def requests_from(now: datetime, n: int, *, days_ahead: int = 3) -> list[Request]:
    base = now.replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return [request(f"REQ-{i:04d}", base + timedelta(hours=2 * (i % 5), days=i // 5)) for i in range(n)]


def plan_of(pairs: dict[str, str | None]) -> Plan:
    return Plan(
        assignments=[Assignment(request=ref, host=h) for ref, h in sorted(pairs.items())],
        status=SolverStatus.OPTIMAL,
    )


def round_robin(reqs: list[Request], host_ids: list[str] | None = None) -> Plan:
    ids = host_ids or [h.id for h in hosts()]
    return plan_of({r.ref: ids[i % len(ids)] for i, r in enumerate(reqs)})
