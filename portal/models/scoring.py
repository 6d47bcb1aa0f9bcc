"""Criteria tables, scoring rounds, self scores with evidence, cross scores and agreed scores."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow

SCORE = Numeric(8, 2)


def _enum(cls, length=30):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class CriterionKind(enum.StrEnum):
    SCORED = "scored"  # điểm chấm
    BONUS = "bonus"  # điểm cộng, điểm thưởng
    PENALTY = "penalty"  # điểm trừ
    INFO = "info"  # shown, not counted


class CriteriaTable(TimestampMixin, db.Model):
    """A criteria table (bảng tiêu chí, thang điểm) of a province for one emulation year.

    Versions: once a started round uses a table it is ``locked``; editing it then makes a new
    version (``previous_id`` points back), which rounds not yet started can switch to.
    """

    __tablename__ = "criteria_tables"
    __table_args__ = (UniqueConstraint("province_id", "year", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("criteria_tables.id"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(300), default="")

    province = relationship("Province")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="Criterion.position"
    )


class Criterion(db.Model):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("table_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("criteria_tables.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("criteria.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CriterionKind] = mapped_column(_enum(CriterionKind), default=CriterionKind.SCORED)
    max_points: Mapped[Decimal | None] = mapped_column(SCORE)

    table: Mapped[CriteriaTable] = relationship(back_populates="criteria")
    parent: Mapped[Criterion | None] = relationship(remote_side=[id])


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    SELF_SCORING = "self_scoring"  # self-scoring open
    SELF_SCORING_CLOSED = "self_scoring_closed"
    IN_MEETING = "in_meeting"
    AGREED = "agreed"  # locked
    SUBMITTED = "submitted"  # to the province
    RETURNED = "returned"  # by the province, with a reason
    RESUBMITTED = "resubmitted"


class ScoringRound(TimestampMixin, db.Model):
    """The scoring meeting (hội nghị chấm điểm) of one block: one per block, and a block belongs
    to one emulation year."""

    __tablename__ = "scoring_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("criteria_tables.id"))
    meeting_date: Mapped[date | None] = mapped_column(Date)
    conference_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[RoundState] = mapped_column(_enum(RoundState), default=RoundState.DRAFT)
    cross_scoring: Mapped[bool] = mapped_column(Boolean, default=False)
    trim: Mapped[int] = mapped_column(Integer, default=0)  # scores dropped at each end of the mean
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    block = relationship("Block")
    table = relationship("CriteriaTable")
    secretary = relationship("User")
    document = relationship("Document")
    members: Mapped[list[RoundMember]] = relationship(back_populates="round", cascade="all, delete-orphan")


class RoundMember(db.Model):
    """A member unit's place in a round: when it submitted its self scores, whether present."""

    __tablename__ = "round_members"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("scoring_rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    self_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    present: Mapped[bool] = mapped_column(Boolean, default=True)

    round: Mapped[ScoringRound] = relationship(back_populates="members")
    unit = relationship("Unit")


class _ScoreCell:
    """A score for one unit and criterion, with optimistic locking: every UPDATE checks the
    version the editor saw, so two people editing one cell never overwrite each other silently."""

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[Decimal | None] = mapped_column(SCORE)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class SelfScore(_ScoreCell, db.Model):
    __tablename__ = "self_scores"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "criterion_id"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("scoring_rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CrossScore(_ScoreCell, db.Model):
    """A member unit's score for another unit (cross-scoring, when the round uses it)."""

    __tablename__ = "cross_scores"
    __table_args__ = (UniqueConstraint("round_id", "scorer_unit_id", "unit_id", "criterion_id"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("scoring_rounds.id", ondelete="CASCADE"), index=True)
    scorer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AgreedScore(_ScoreCell, db.Model):
    """The score the block agrees in the meeting; a reason is required where it differs from
    the unit's self score."""

    __tablename__ = "agreed_scores"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "criterion_id"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("scoring_rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Evidence(db.Model):
    """A file a unit attaches to its self scores. Stored outside the static folder under a random
    key; served only to those who may see the unit's scores, never as HTML."""

    __tablename__ = "evidence"
    __audit_exclude__ = frozenset({"storage_key"})

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("scoring_rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("criteria.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
