"""Initial schema: registry, framework versions, uploads, submissions, values,
assessments and the data version.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "provinces",
        sa.Column("pcode", sa.String(16), nullable=False),
        sa.Column("name_th", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("pcode", name="pk_provinces"),
    )
    op.create_table(
        "areas",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name_th", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("province_pcode", sa.String(16), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_areas"),
        sa.ForeignKeyConstraint(["province_pcode"], ["provinces.pcode"],
                                name="fk_areas_province_pcode_provinces"),
    )
    op.create_table(
        "estates",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name_th", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("province_pcode", sa.String(16), nullable=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("source_checked", sa.Boolean(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_estates"),
        sa.ForeignKeyConstraint(["province_pcode"], ["provinces.pcode"],
                                name="fk_estates_province_pcode_provinces"),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name="fk_estates_area_code_areas"),
    )
    op.create_index("ix_estates_area_code", "estates", ["area_code"])
    op.create_table(
        "framework_versions",
        sa.Column("version_id", sa.String(100), nullable=False),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("version_id", name="pk_framework_versions"),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", UTC_TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("messages", JSON, nullable=False),
        sa.Column("estate_code", sa.String(64), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_uploads"),
    )
    op.create_index("ix_uploads_sha256", "uploads", ["sha256"])
    op.create_index("ix_uploads_uploaded_at", "uploads", ["uploaded_at"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_code", sa.String(64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("factories", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("framework_version", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("restored_from_version", sa.Integer(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.ForeignKeyConstraint(["estate_code"], ["estates.code"], name="fk_submissions_estate_code_estates"),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name="fk_submissions_upload_id_uploads"),
        sa.ForeignKeyConstraint(["framework_version"], ["framework_versions.version_id"],
                                name="fk_submissions_framework_version_framework_versions"),
        sa.UniqueConstraint("estate_code", "fiscal_year", "version",
                            name="uq_submissions_estate_code_fiscal_year_version"),
    )
    op.create_index("ix_submissions_upload_id", "submissions", ["upload_id"])
    # At most one current version per estate and year: a partial unique index, which
    # both SQLite (3.8+) and PostgreSQL enforce.
    op.create_index("uq_submissions_current", "submissions", ["estate_code", "fiscal_year"], unique=True,
                    sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
    op.create_table(
        "indicator_values",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("submission_id", "code", name="pk_indicator_values"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name="fk_indicator_values_submission_id_submissions"),
    )
    op.create_table(
        "assessments",
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
        sa.PrimaryKeyConstraint("entity_kind", "entity_code", "fiscal_year", name="pk_assessments"),
        sa.ForeignKeyConstraint(["framework_version"], ["framework_versions.version_id"],
                                name="fk_assessments_framework_version_framework_versions"),
    )
    op.create_index("ix_assessments_year_kind", "assessments", ["fiscal_year", "entity_kind"])
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    op.bulk_insert(meta, [{"key": "data_version", "value": "0"}])


def downgrade() -> None:
    for table in ("meta", "assessments", "indicator_values", "submissions", "uploads",
                  "framework_versions", "estates", "areas", "provinces"):
        op.drop_table(table)
