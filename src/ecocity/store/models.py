"""SQLAlchemy models of the tables; the schema itself is created by the Alembic migrations in
``migrations/versions``, and a test checks that they agree (see docs/design-notes.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names: migrations and batch operations on SQLite refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DATA_VERSION_KEY = "data_version"
DATABASE_ID_KEY = "database_id"  # random per database; see data_token()
# "<version id> <sha256>" of the framework file every stored assessment was computed
# under (written by derived.recompute_everything); see derived.assessed_with().
ASSESSED_WITH_KEY = "assessed_with"
# Set (to the time, ISO) once an administrator changes estates or areas in the app: from
# then on the database, not data/*.csv, is the registry, and start-up stops syncing it.
REGISTRY_EDITED_KEY = "registry_edited"
# "<version id>" of a framework an administrator activated in the app (its file is the
# framework_versions row's source); absent: the file of ECOCITY_FRAMEWORK is in force.
ACTIVE_FRAMEWORK_KEY = "active_framework"
OUTCOMES = ("accepted", "rejected", "duplicate")
AUDIT_OUTCOMES = ("ok", "denied", "failed")
ENTITY_KINDS = ("estate", "area")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Province(Base):
    __tablename__ = "provinces"

    pcode: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class Area(Base):
    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    province_pcode: Mapped[str] = mapped_column(ForeignKey("provinces.pcode"))
    region: Mapped[str] = mapped_column(String(64))


class Estate(Base):
    __tablename__ = "estates"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    province_pcode: Mapped[str | None] = mapped_column(ForeignKey("provinces.pcode"))
    region: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    source_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"

    version_id: Mapped[str] = mapped_column(String(100), primary_key=True)  # "eit-default@1"
    framework_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(Base):
    """Every uploaded file with its original bytes, whatever became of it."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    # Of the original file. A file over the size limit is logged without its bytes
    # (content b""): size is still its real size, sha256 its digest when the bytes were
    # read, or '' (not known) when they never were.
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    messages: Mapped[Any] = mapped_column(JSONType)
    # As claimed by the file: no foreign key, a rejected file may name an unknown estate.
    estate_code: Mapped[str | None] = mapped_column(String(64))
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(Base):
    """One version of one estate's data for one fiscal year."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("estate_code", "fiscal_year", "version"),
        Index("uq_submissions_current", "estate_code", "fiscal_year", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estate_code: Mapped[str] = mapped_column(ForeignKey("estates.code"))
    fiscal_year: Mapped[int] = mapped_column(Integer)  # B.E.
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"), index=True)
    factories: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version_id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who stored this version: the uploader, or whoever restored an older version.
    created_by: Mapped[str] = mapped_column(String(200))
    restored_from_version: Mapped[int | None] = mapped_column(Integer)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    # Review (docs/design-notes.md, "Review"): pending until a reviewer accepts it (it is
    # then the published, current version) or returns it with comments; superseded when a
    # newer version arrives before it was reviewed.
    status: Mapped[str] = mapped_column(String(16), server_default="accepted")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    review_comment: Mapped[str] = mapped_column(Text, server_default="")


class ReviewNote(Base):
    """A reviewer's comment on one indicator of a returned version."""

    __tablename__ = "review_notes"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    comment: Mapped[str] = mapped_column(Text)


class ReportingDue(Base):
    """The date by which every estate reports for a fiscal year (set by an administrator)."""

    __tablename__ = "reporting_due"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(Base):
    """A supporting file sent with an estate's data for a year, for the whole submission
    (``indicator_code`` '') or one indicator; checked like a workbook before it is kept."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_estate_code_fiscal_year", "estate_code", "fiscal_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estate_code: Mapped[str] = mapped_column(ForeignKey("estates.code"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorValue(Base):
    __tablename__ = "indicator_values"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_bool: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def value(self) -> float | bool | None:
        return self.value_bool if self.value_bool is not None else self.value_num


class AssessmentColumns:
    """The columns of a stored assessment, shared by :class:`Assessment` (published data) and
    :class:`AssessmentLatest` (with data not yet reviewed), so the two tables cannot drift."""

    entity_kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # 'estate' | 'area'
    entity_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version_id"))
    level: Mapped[int] = mapped_column(Integer)
    overall_score: Mapped[float] = mapped_column(Float)
    completeness: Mapped[float] = mapped_column(Float)
    dimension_scores: Mapped[dict[str, float]] = mapped_column(JSONType)
    gap: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # The values assessed (an area's aggregated values; an estate's values).
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Areas: the estates whose submissions were aggregated.
    estates: Mapped[list[str] | None] = mapped_column(JSONType)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assessment(AssessmentColumns, Base):
    """Derived, published: an estate's or area's level for a fiscal year under a framework
    version, from the current (newest accepted) versions only. What every page shows by default."""

    __tablename__ = "assessments"


class AssessmentLatest(AssessmentColumns, Base):
    """Derived, with data not yet reviewed: as :class:`Assessment`, but an estate whose newest
    version waits for review counts with that version (the others with their current one;
    areas aggregated from that mix). Shown only behind the "not yet reviewed" switch."""

    __tablename__ = "assessments_latest"


Index("ix_assessments_year_kind", Assessment.fiscal_year, Assessment.entity_kind)
Index("ix_assessments_latest_year_kind", AssessmentLatest.fiscal_year, AssessmentLatest.entity_kind)


class Meta(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """An account. ``username`` is stored lower-case; ``email`` (lower-case) matches
    sign-ins through an OIDC provider. ``password_hash`` is an argon2id hash, or None for
    an account that signs in through the provider only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Unused since migration 0005 (kept at 0 / None): failed sign-ins are counted in
    # sign_in_throttle, by the name typed and by client, whether or not the account exists.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(Base):
    """Failed password sign-ins counted per key: ``account:<user name as typed,
    normalised>`` (whether or not such an account exists) and ``client:<address>``. A key
    with too many recent failures is refused until ``blocked_until`` (see
    ``store.users.authenticate``); a row whose last failure is older than the decay
    window counts as absent and may be deleted."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserEstate(Base):
    """The estates an officer is responsible for."""

    __tablename__ = "user_estates"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    estate_code: Mapped[str] = mapped_column(ForeignKey("estates.code"), primary_key=True)


class UserArea(Base):
    """The areas a reviewer reviews ('*': every area)."""

    __tablename__ = "user_areas"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class AreaTarget(Base):
    """The level an area promised to reach by a fiscal year (B.E.), set by an administrator."""

    __tablename__ = "area_targets"

    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what and when: sign-ins, uploads, stores, restores, registry, framework
    and user changes, and refused attempts. Written in the same transaction as the change
    it records (a refused attempt in its own)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)  # user name; '' anonymous
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "upload.stored"
    target: Mapped[str] = mapped_column(String(300), default="")  # e.g. "MAPTAPHUT/2566"
    outcome: Mapped[str] = mapped_column(String(16))  # ok | denied | failed
    details: Mapped[Any] = mapped_column(JSONType)
