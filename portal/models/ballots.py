"""Secret ballots of a block's summary conference.

Anonymity is a property of the schema: ``BallotPaper`` rows hold a random id, a random receipt
and the choices — no unit, user, session, time or sequence. Who took part is recorded apart, in
``BallotParticipation`` (unit only, no time). At closing the box is rewritten in random order, so
the physical order of papers says nothing about the order of participation.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from fractions import Fraction

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow


def _enum(cls, length=20):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class BallotState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class BallotMethod(enum.StrEnum):
    TICK = "tick"  # "Đồng ý / Không đồng ý" per candidate
    STRIKE = "strike"  # keep at most N names, strike the rest


class BallotMode(enum.StrEnum):
    ELECTRONIC = "electronic"
    PAPER = "paper"


class Ballot(TimestampMixin, db.Model):
    """One secret ballot: what it elects, how, under which rule (copied from ``ballot_rules`` when
    created), its state, the roll snapshot taken at closing and the published result."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    award_code: Mapped[str] = mapped_column(String(60))
    award_name: Mapped[str] = mapped_column(String(300))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[BallotMethod] = mapped_column(_enum(BallotMethod), default=BallotMethod.TICK)
    mode: Mapped[BallotMode] = mapped_column(_enum(BallotMode), default=BallotMode.ELECTRONIC)
    state: Mapped[BallotState] = mapped_column(_enum(BallotState), default=BallotState.DRAFT)
    # The rule (BallotRules), copied so that later setting changes never alter a held ballot.
    rule_basis: Mapped[str] = mapped_column(String(10))
    rule_numerator: Mapped[int] = mapped_column(Integer)
    rule_denominator: Mapped[int] = mapped_column(Integer)
    rule_strict: Mapped[bool] = mapped_column(Boolean)
    rule_tie: Mapped[str] = mapped_column(String(10))
    rule_source: Mapped[str] = mapped_column(Text, default="")
    runoff_of_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Snapshot at closing (the roll is public: who was present and who voted, never how).
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # Published result: counts, votes per candidate, elected, tie. Never changed after publishing.
    result: Mapped[dict | None] = mapped_column(JSON)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    block = relationship("Block")
    province = relationship("Province")
    document = relationship("Document")
    runoff_of: Mapped[Ballot | None] = relationship(remote_side=[id])
    candidates: Mapped[list[BallotCandidate]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotCandidate.position"
    )
    roll: Mapped[list[BallotVoter]] = relationship(back_populates="ballot", cascade="all, delete-orphan")

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.rule_numerator, self.rule_denominator)


class BallotCandidate(db.Model):
    __tablename__ = "ballot_candidates"
    __table_args__ = (UniqueConstraint("ballot_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))  # as printed on the ballot paper

    ballot: Mapped[Ballot] = relationship(back_populates="candidates")
    unit = relationship("Unit")


class BallotVoter(db.Model):
    """A member unit on the roll: present or not, and its one-time voting code (hashed). The code
    is issued to a known person; casting with it needs no login."""

    __tablename__ = "ballot_voters"
    __table_args__ = (UniqueConstraint("ballot_id", "unit_id"),)
    __audit_exclude__ = frozenset({"code_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    ballot: Mapped[Ballot] = relationship(back_populates="roll")
    unit = relationship("Unit")


class BallotParticipation(db.Model):
    """"Unit X has voted in ballot B": one row per unit (the unique key refuses a second vote),
    with no time and no link to the paper it cast."""

    __tablename__ = "ballot_participations"
    __audit__ = False  # the audit log would add the time and the actor
    __table_args__ = (UniqueConstraint("ballot_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    channel: Mapped[str] = mapped_column(String(10))  # "code" or "login"


def _paper_id() -> str:
    return secrets.token_hex(16)


def _receipt() -> str:
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class BallotPaper(db.Model):
    """One cast ballot: random id, random receipt, the choices. Nothing else, on purpose."""

    __tablename__ = "ballot_papers"
    __audit__ = False  # logging it would add time and actor
    __table_args__ = (UniqueConstraint("ballot_id", "receipt"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_paper_id)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    receipt: Mapped[str] = mapped_column(String(12), default=_receipt)
    # {"agree": [candidate ids], "disagree": [candidate ids]}
    choices: Mapped[dict] = mapped_column(JSON)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)


class TallyMember(db.Model):
    """A member of the tally committee (Ban kiểm phiếu) of one ballot."""

    __tablename__ = "tally_members"
    __table_args__ = (UniqueConstraint("ballot_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(40), default="Thành viên")  # "Trưởng ban", "Thành viên"

    user = relationship("User")


class PaperCount(db.Model):
    """One tally member's entry of a paper ballot's count; two entries by different members must
    agree before anything is published."""

    __tablename__ = "paper_counts"
    __table_args__ = (UniqueConstraint("ballot_id", "entered_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    votes: Mapped[dict] = mapped_column(JSON)  # {candidate id (str): agree votes}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entered_by = relationship("User")
