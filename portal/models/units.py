"""Units: the members of blocks (sở, đoàn thể, huyện, xã, doanh nghiệp, LLVT, cơ quan TW)."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin


class UnitKind(enum.StrEnum):
    """What sort of body a unit is (RULES.md B5). Districts exist only until 2025-06-30 (O4)."""

    DEPARTMENT = "department"
    MASS_ORGANISATION = "mass_organisation"
    DISTRICT = "district"
    COMMUNE = "commune"
    ENTERPRISE = "enterprise"
    ARMED_FORCES = "armed_forces"
    CENTRAL_AGENCY = "central_agency"


class Unit(TimestampMixin, db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("province_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    sort_key: Mapped[str] = mapped_column(String(1200), default="", index=True)
    search_text: Mapped[str] = mapped_column(String(400), default="")
    kind: Mapped[UnitKind] = mapped_column(
        Enum(UnitKind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])
    )
    staff_count: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Discipline, investigation or an unresolved complaint: no award while set (RULES.md D6).
    hold_reason: Mapped[str | None] = mapped_column(Text)

    province = relationship("Province")
    successor: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
