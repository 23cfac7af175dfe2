"""kit_faults: a fault may name the occurrence of a series it happened in (`occurrence`, the number k of
'PSR-70:k'); `request` stays the series' own row

Revision ID: 0006_kit_fault_occurrence
Revises: 0005_series_occurrence_refs
Create Date: 2026-12-05 01:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_kit_fault_occurrence"
down_revision = "0005_series_occurrence_refs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kit_faults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrence", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kit_faults", schema=None) as batch_op:
        batch_op.drop_column("occurrence")
