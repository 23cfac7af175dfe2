from tests.store.dbs import pg_url  # noqa: F401  (fixture)
