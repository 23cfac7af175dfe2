"""kit_faults: problems reported with lent kits, out of service until repaired, with who answers for them

Revision ID: 0004_kit_faults
Revises: 0003
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_kit_faults"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kit_faults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("request", sa.String(length=64), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=128), nullable=False),
        sa.Column("reported_role", sa.String(length=16), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repaired_by", sa.String(length=128), nullable=True),
        sa.Column("repair_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request"], ["requests.ref"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kit_faults", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_faults_kit"), ["kit"], unique=False)
        batch_op.create_index(batch_op.f("ix_kit_faults_request"), ["request"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kit_faults", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_faults_request"))
        batch_op.drop_index(batch_op.f("ix_kit_faults_kit"))
    op.drop_table("kit_faults")
