"""Per-province overrides of plugin settings (the defaults live in each plugin's ``SETTINGS``)."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import TimestampMixin


class PluginSetting(TimestampMixin, db.Model):
    __tablename__ = "plugin_settings"
    __table_args__ = (UniqueConstraint("province_id", "plugin_name", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    plugin_name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[object] = mapped_column(JSON)  # JSON form: fractions as "4/5", dates ISO
