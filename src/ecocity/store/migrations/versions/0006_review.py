"""Review before publication: a status on every version (existing ones accepted, so an
upgraded deployment shows what it showed), the reviewer's comments, reviewers' areas, the
reporting calendar and evidence files; and ``assessments_latest``, the assessments with the
versions waiting for review counted (the "not yet reviewed" switch), a derived table like
``assessments`` (a copy of it here: nothing waits for review yet).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Every version stored before review existed was published: it stays so.
    with op.batch_alter_table("submissions") as b:
        b.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="accepted"))
        b.add_column(sa.Column("reviewed_at", UTC_TS, nullable=True))
        b.add_column(sa.Column("reviewed_by", sa.String(200), nullable=True))
        b.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "review_notes",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("submission_id", "indicator_code", name="pk_review_notes"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name="fk_review_notes_submission_id_submissions"),
    )
    op.create_table(
        "user_areas",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "area_code", name="pk_user_areas"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_user_areas_user_id_users"),
    )
    op.create_table(
        "reporting_due",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year", name="pk_reporting_due"),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_code", sa.String(64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.ForeignKeyConstraint(["estate_code"], ["estates.code"], name="fk_evidence_estate_code_estates"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name="fk_evidence_submission_id_submissions"),
    )
    op.create_index("ix_evidence_estate_code_fiscal_year", "evidence", ["estate_code", "fiscal_year"])
    # The columns of 0001's assessments (models.AssessmentColumns shares them).
    op.create_table(
        "assessments_latest",
        sa.Column("entity_kind", sa.String(8), nullable=False),
        sa.Column("entity_code", sa.String(64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("framework_version", sa.String(100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=False),
        sa.Column("dimension_scores", JSON, nullable=False),
        sa.Column("gap", JSON, nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("estates", JSON, nullable=True),
        sa.Column("computed_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("entity_kind", "entity_code", "fiscal_year", name="pk_assessments_latest"),
        sa.ForeignKeyConstraint(["framework_version"], ["framework_versions.version_id"],
                                name="fk_assessments_latest_framework_version_framework_versions"),
    )
    op.create_index("ix_assessments_latest_year_kind", "assessments_latest", ["fiscal_year", "entity_kind"])
    # Every earlier version is accepted above, so nothing waits for review: the same rows.
    cols = ("entity_kind", "entity_code", "fiscal_year", "framework_version", "level", "overall_score",
            "completeness", "dimension_scores", "gap", "values", "estates", "computed_at")
    published = sa.table("assessments", *(sa.column(c) for c in cols))
    latest = sa.table("assessments_latest", *(sa.column(c) for c in cols))
    op.execute(latest.insert().from_select(list(cols), sa.select(*published.c)))


def downgrade() -> None:
    op.drop_index("ix_assessments_latest_year_kind", table_name="assessments_latest")
    op.drop_table("assessments_latest")
    op.drop_index("ix_evidence_estate_code_fiscal_year", table_name="evidence")
    op.drop_table("evidence")
    op.drop_table("reporting_due")
    op.drop_table("user_areas")
    op.drop_table("review_notes")
    with op.batch_alter_table("submissions") as b:
        for col in ("review_comment", "reviewed_by", "reviewed_at", "status"):
            b.drop_column(col)
