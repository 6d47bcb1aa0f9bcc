"""Provinces and the plugins each one has enabled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin


class Province(TimestampMixin, db.Model):
    """A province (tỉnh). History keeps the name it had: Trà Vinh stays Trà Vinh for 2023 even
    though it became part of Vĩnh Long on 2025-07-01 (``successor`` and ``merged_on``)."""

    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[str] = mapped_column(String(800), default="", index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"))
    merged_on: Mapped[date | None] = mapped_column(Date)
    # Whether dossiers may still be submitted after the calendar's deadline (marked late).
    allow_late_submissions: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    successor: Mapped[Province | None] = relationship(remote_side=[id])
    plugins: Mapped[list[ProvincePlugin]] = relationship(
        back_populates="province", cascade="all, delete-orphan", order_by="ProvincePlugin.plugin_name"
    )

    # -- how documents name the province (NĐ 30/2020: the official name at the issue date) -------
    _KINDS = (("Tỉnh ", "tỉnh"), ("Thành phố ", "thành phố"))

    @property
    def place_name(self) -> str:
        """The place in a document's date line: "Lai Châu" for "Tỉnh Lai Châu"."""
        for prefix, _word in self._KINDS:
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name

    @property
    def name_in_sentence(self) -> str:
        """ "tỉnh Lai Châu", as the name reads inside a sentence."""
        for prefix, word in self._KINDS:
            if self.name.startswith(prefix):
                return f"{word} {self.name[len(prefix) :]}"
        return self.name

    @property
    def committee_name(self) -> str:
        """The People's Committee, as a parent body above an issuing body: "UBND tỉnh Lai Châu"."""
        return f"UBND {self.name_in_sentence}"

    @property
    def enabled_plugin_names(self) -> list[str]:
        return [p.plugin_name for p in self.plugins]

    def __repr__(self) -> str:
        return f"<Province {self.code}>"


class ProvincePlugin(db.Model):
    """One plugin (registered name, e.g. ``province.laichau``) enabled for one province."""

    __tablename__ = "province_plugins"
    __table_args__ = (UniqueConstraint("province_id", "plugin_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"))
    plugin_name: Mapped[str] = mapped_column(String(100))

    province: Mapped[Province] = relationship(back_populates="plugins")
