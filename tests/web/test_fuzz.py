"""Property: whatever is posted to the request endpoint, the answer is never a 5xx, and a rejected input stores
nothing (no request, no audit row). Bodies are drawn from our own OpenAPI document's `RequestIn` schema: each
documented property gets a valid value, a value of the wrong type, an edge value, or is left out; unknown
properties and non-object bodies are mixed in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.store import Store
from allocator.store.models import AuditRow
from allocator.web.app import create_app
from allocator.web.settings import WebSettings
from tests.web.conftest import SECRET, good_request

STATUSES: list[int] = []
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip
DATES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2027-01-06T09:00", "2027-01-06T09:00+07:00", "0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00",
                     "2027-02-30T09:00", "2027-01-06", "24:00", "2027-01-06T09:00Z", ""]),
)  # fmt: skip


def _for(name: str, prop: dict[str, Any], doc: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values for one documented property, valid-looking or not."""
    base = good_request().get(name)
    edge: list[st.SearchStrategy[Any]] = [JUNK]
    kinds = {s.get("type") for s in prop.get("anyOf", [prop])} | {s.get("$ref") for s in prop.get("anyOf", [prop])}
    if "integer" in kinds:
        edge.append(st.integers(min_value=-5, max_value=200_000))
    if "string" in kinds:
        edge.append(st.text(max_size=80))
        if prop.get("format") == "date-time" or name in ("start", "end"):
            edge.append(DATES)
    for ref in kinds:
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
            if "enum" in schema:
                edge.append(st.sampled_from(schema["enum"]))
            if schema.get("type") == "object":
                edge.append(st.fixed_dictionaries({}, optional={k: JUNK | st.text(max_size=20)
                                                                 for k in schema["properties"]}))  # fmt: skip
    if name == "timezone":
        edge.append(st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC", "Etc/GMT+12", "X"]))
    options = st.one_of(*edge)
    return st.one_of(st.just(base), options) if base is not None else options


def bodies(doc: dict[str, Any]) -> st.SearchStrategy[Any]:
    props: dict[str, Any] = doc["components"]["schemas"]["RequestIn"]["properties"]
    drop = object()

    def apply(changes: dict[str, Any]) -> dict[str, Any]:
        body = good_request()
        for name, value in changes.items():
            if value is drop:
                body.pop(name, None)
            else:
                body[name] = value
        return body

    mutated = st.lists(st.sampled_from(sorted(props)), unique=True, max_size=3).flatmap(
        lambda chosen: st.fixed_dictionaries({n: st.just(drop) | _for(n, props[n], doc) for n in chosen})
    )
    objects = mutated.map(apply)
    anything = st.fixed_dictionaries({}, optional={n: _for(n, p, doc) for n, p in props.items()})
    extra = st.dictionaries(st.text(min_size=1, max_size=8), JUNK, max_size=2)
    return st.one_of(objects, objects, anything, st.builds(lambda a, b: {**a, **b}, objects, extra), JUNK)


def test_request_endpoint_fuzz(db_url: str) -> None:
    store = Store.open(db_url)
    app = create_app(store, WebSettings(secret=SECRET, public_posts_per_minute=0))  # hundreds of posts
    with TestClient(app, raise_server_exceptions=False) as client:
        doc = client.get("/api/openapi.json").json()

        def counts() -> tuple[int, int]:
            with store.transaction() as s:
                audits = s.scalar(sa.select(sa.func.count()).select_from(AuditRow)) or 0
            return len(store.list_requests()), int(audits)

        @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(body=bodies(doc), raw=st.booleans())
        def check(body: Any, raw: bool) -> None:
            before = counts()
            if raw and isinstance(body, dict):
                r = client.post(
                    "/api/requests", content=repr(body).encode(), headers={"content-type": "application/json"}
                )
            else:
                r = client.post("/api/requests", json=body)
            STATUSES.append(r.status_code)
            assert r.status_code < 500, (r.status_code, r.text, body)
            after = counts()
            if r.status_code == 201:
                assert after[0] == before[0] + 1
            else:
                assert r.status_code in (403, 409, 422), (r.status_code, r.text)
                assert after == before, (body, r.text)
                errs = r.json()["errors"]
                assert errs and all(": " in e for e in errs), errs

        check()
    store.engine.dispose()
    assert 201 in STATUSES and 422 in STATUSES, sorted(set(STATUSES))
