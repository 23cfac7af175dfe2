"""workflow: full assignments, rehearsal meetings, kit loans and returns

- `assignments.detail`: the rest of the Assignment (start/end of a flexible request, rehearsal, survey);
- `meetings.role`: event | rehearsal (an online rehearsal has its own Zoom meeting);
- `kit_loans`: kits a served request borrows, as published; `kit_returns`: loans brought back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), server_default="event", nullable=False))

    op.create_table(
        "kit_loans",
        sa.Column("request", sa.String(length=64), nullable=False),
        sa.Column("kit", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("pickup", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.ForeignKeyConstraint(["request"], ["requests.ref"]),
        sa.PrimaryKeyConstraint("request", "kit"),
    )
    with op.batch_alter_table("kit_loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_loans_pickup"), ["pickup"], unique=False)

    op.create_table(
        "kit_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request", sa.String(length=64), nullable=False),
        sa.Column("kit", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["request"], ["requests.ref"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request", "kit"),
    )
    with op.batch_alter_table("kit_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_returns_request"), ["request"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kit_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_returns_request"))
    op.drop_table("kit_returns")
    with op.batch_alter_table("kit_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_loans_pickup"))
    op.drop_table("kit_loans")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("detail")
