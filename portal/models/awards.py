"""Nominations, dossiers and the award records the province keeps."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow


def _enum(cls, length=20):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class PersonGroup(enum.StrEnum):
    """Individuals are counted in two groups in every summary table (GLOSSARY)."""

    LEADER = "leader"  # lãnh đạo, quản lý
    WORKER = "worker"  # người lao động trực tiếp


class RecordStatus(enum.StrEnum):
    PROPOSED = "proposed"
    SUBMITTED_UPWARD = "submitted_upward"  # proposed to the state level
    DECIDED = "decided"
    RETURNED = "returned"
    PENDING = "pending"


class AwardRecord(TimestampMixin, db.Model):
    """One award, decided or proposed: for whom, which, under which category and decision."""

    __tablename__ = "award_records"
    __table_args__ = (
        Index("ix_award_records_province_decision", "province_id", "decision_date"),
        Index("ix_award_records_province_submitted", "province_id", "submitted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    year: Mapped[int] = mapped_column(Integer)
    award_code: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(12))  # copied from the catalogue when recorded
    recipient: Mapped[str] = mapped_column(String(12))  # "collective" | "individual"
    recipient_name: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    person_group: Mapped[PersonGroup | None] = mapped_column(_enum(PersonGroup))
    position: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[RecordStatus] = mapped_column(_enum(RecordStatus), default=RecordStatus.DECIDED)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id"))
    # Name, position and decision number folded and without tones, for the list's search
    # ("nguyen van an" finds "NGUYỄN VĂN AN"); filled by portal.services.award_records.
    search_text: Mapped[str] = mapped_column(String(600), default="")

    unit = relationship("Unit")
    nomination = relationship("Nomination")


class Nomination(TimestampMixin, db.Model):
    """A proposal of one unit or one person for one award; from a published ballot or by hand."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    award_code: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(12))  # "collective" | "individual"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the collective, or the person's unit
    person_name: Mapped[str | None] = mapped_column(String(200))
    person_group: Mapped[PersonGroup | None] = mapped_column(_enum(PersonGroup))
    position: Mapped[str] = mapped_column(String(200), default="")
    # Discipline, investigation or an unresolved complaint against the nominee (RULES.md D6).
    hold_reason: Mapped[str | None] = mapped_column(Text)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)

    unit = relationship("Unit")
    block = relationship("Block")
    ballot = relationship("Ballot")
    dossier = relationship("Dossier", back_populates="nominations")

    @property
    def nominee_name(self) -> str:
        return self.person_name if self.recipient == "individual" and self.person_name else (self.unit.name if self.unit else "")


class DossierState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    DECIDED = "decided"


class Dossier(TimestampMixin, db.Model):
    """Hồ sơ đề nghị khen thưởng: what a block (or a unit) files with the province."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    state: Mapped[DossierState] = mapped_column(_enum(DossierState), default=DossierState.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    decision_signer: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    block = relationship("Block")
    unit = relationship("Unit")
    nominations: Mapped[list[Nomination]] = relationship(back_populates="dossier", order_by="Nomination.id")
    items: Mapped[list[DossierItem]] = relationship(back_populates="dossier", cascade="all, delete-orphan")
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="DossierEvent.id"
    )


class DossierItem(db.Model):
    """A document in a dossier: generated by the portal (``document_id``) or uploaded (a file
    stored like evidence, under a random key outside the static folder)."""

    __tablename__ = "dossier_items"
    __audit_exclude__ = frozenset({"storage_key"})

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id"))
    requirement_code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="items")
    document = relationship("Document")


class DossierEvent(db.Model):
    """The dossier's history as its people see it: submitted, returned (why), resubmitted,
    decided (number, date, signer)."""

    __tablename__ = "dossier_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="events")
    actor = relationship("User")


class Acknowledgement(db.Model):
    """A warning finding acknowledged before submission: who, when, and the finding's text."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    finding_code: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
