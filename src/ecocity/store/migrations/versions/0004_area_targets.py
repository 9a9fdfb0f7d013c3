"""Targets: an area's promised level by a fiscal year.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_targets",
        sa.Column("area_code", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("area_code", name="pk_area_targets"),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name="fk_area_targets_area_code_areas"),
    )


def downgrade() -> None:
    op.drop_table("area_targets")
