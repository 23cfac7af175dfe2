"""kit_loans, kit_returns, pins: a loan or a pin may name one occurrence of a series ('PSR-70:3'), which has no
request row of its own, so their `request` no longer refers to `requests.ref` (the store writes only refs it knows:
a stored request or an occurrence of a stored series)

Revision ID: 0005_series_occurrence_refs
Revises: 0004_kit_faults
Create Date: 2026-12-04 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_series_occurrence_refs"
down_revision = "0004_kit_faults"
branch_labels = None
depends_on = None

TABLES = ("kit_loans", "kit_returns", "pins")
#: SQLite keeps the foreign keys of 0002 unnamed: batch mode names them by this convention to drop them.
NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        fks = [fk for fk in sa.inspect(bind).get_foreign_keys(table) if fk["referred_table"] == "requests"]
        for fk in fks:
            name = fk.get("name") or f"fk_{table}_request_requests"
            with op.batch_alter_table(table, naming_convention=NAMES) as batch_op:
                batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:  # the loans and pins of occurrences cannot refer to a request row: they go
        op.execute(sa.text(f"DELETE FROM {table} WHERE request NOT IN (SELECT ref FROM requests)"))
        with op.batch_alter_table(table, naming_convention=NAMES) as batch_op:
            batch_op.create_foreign_key(f"fk_{table}_request_requests", "requests", ["request"], ["ref"])
