"""Emulation blocks (khối/cụm thi đua) for one emulation year, with leader and deputy units."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin

block_members = Table(
    "block_members",
    db.metadata,
    Column("block_id", ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class Block(TimestampMixin, db.Model):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("province_id", "year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    sort_key: Mapped[str] = mapped_column(String(1200), default="")
    leader_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deputy_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    province = relationship("Province")
    leader_unit = relationship("Unit", foreign_keys=[leader_unit_id])
    deputy_unit = relationship("Unit", foreign_keys=[deputy_unit_id])
    members = relationship("Unit", secondary=block_members, order_by="Unit.sort_key")

    def __repr__(self) -> str:
        return f"<Block {self.year}/{self.code}>"
