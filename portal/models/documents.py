"""Documents the portal issued: their number, the data they were printed from, and the PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class DocumentSeries(db.Model):
    """The last number used by one issuing body in one year (NĐ 30/2020 Điều 15: one series per
    body per year, from 01 on 1 January). Incremented with a single UPDATE … RETURNING inside the
    transaction that stores the document, so numbers have neither gaps nor duplicates."""

    __tablename__ = "document_series"
    __table_args__ = (UniqueConstraint("issuer_key", "year"),)
    __audit__ = False  # every number is visible on the document it was used for

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_key: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Document(db.Model):
    """One issued document. ``fingerprint`` is the SHA-256 printed in its footer; ``data`` is the
    canonical JSON it was rendered from, shown by ``/verify/<fingerprint>``."""

    __tablename__ = "documents"
    __audit_exclude__ = frozenset({"pdf", "data"})

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"), index=True)
    layout_code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    issuer_key: Mapped[str] = mapped_column(String(80))
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(80), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    province = relationship("Province")
    block = relationship("Block")
    created_by = relationship("User")

    @property
    def file_name(self) -> str:
        """Vietnamese name for downloads: "Biên bản kiểm phiếu số 05-BB-KTĐ năm 2024.pdf"."""
        number = f" số {self.symbol.replace('/', '-')}" if self.symbol else ""
        return f"{self.title}{number} năm {self.year}.pdf"
