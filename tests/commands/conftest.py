from tests.store.dbs import db_url, pg_url  # noqa: F401  (fixtures)
