"""What the award pages and the API share: who may read, the list's filters, the statistics
period, the export and the summary PDF/XLSX."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import tabular
from portal.catalogue import award_categories_for, award_types_for
from portal.extensions import db
from portal.models import Document, Province
from portal.models.awards import AwardRecord, RecordStatus
from portal.services import ServiceError
from portal.services import award_records as rec_svc
from portal.services import award_statistics as stat_svc
from portal.text import search_text, strip_tones

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("xlsx", "csv")
MAX_EXPORT_ROWS = 200_000


def can_read_awards(user, province_id: int) -> bool:
    """The province's staff and observers (not unit officers: the records name people)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or province_id in user.province_ids()


class BadFilter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class RecordFilters:
    year: int | None = None
    level: str = ""
    award: str = ""  # an award code, or a family ("huan_chuong_lao_dong")
    status: str = ""
    category: str = ""  # a code, or "none"
    recipient: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args, province: Province, *, strict: bool = False) -> RecordFilters:
        """Read the filters from a query string; unknown values are ignored on pages and refused
        (``BadFilter``) by the API (``strict``)."""
        f = cls(q=(args.get("q") or "").strip()[:200])

        def bad(name):
            if strict:
                raise BadFilter(name, _("Giá trị lọc không hợp lệ."))

        raw_year = (args.get("year") or "").strip()
        if raw_year:
            if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
                f.year = int(raw_year)
            else:
                bad("year")
        catalogue = award_types_for(province)
        checks = {
            "level": {"state", "provincial", "grassroots"},
            "award": set(catalogue) | {a.family for a in catalogue.values() if a.family},
            "status": {s.value for s in RecordStatus},
            "category": set(award_categories_for(province)) | {"none"},
            "recipient": {"collective", "individual"},
        }
        for name, allowed in checks.items():
            value = (args.get(name) or "").strip()
            if value and value in allowed:
                setattr(f, name, value)
            elif value:
                bad(name)
        return f

    def apply(self, stmt, province: Province):
        stmt = stmt.where(AwardRecord.province_id == province.id)
        if self.year:
            stmt = stmt.where(AwardRecord.year == self.year)
        if self.level:
            stmt = stmt.where(AwardRecord.level == self.level)
        if self.award:
            codes = [a.code for a in award_types_for(province).values() if self.award in (a.code, a.family)]
            stmt = stmt.where(AwardRecord.award_code.in_(codes))
        if self.status:
            stmt = stmt.where(AwardRecord.status == RecordStatus(self.status))
        if self.category == "none":
            stmt = stmt.where(AwardRecord.category.is_(None))
        elif self.category:
            stmt = stmt.where(AwardRecord.category == self.category)
        if self.recipient:
            stmt = stmt.where(AwardRecord.recipient == self.recipient)
        if self.q:
            stmt = stmt.where(AwardRecord.search_text.contains(search_text(self.q), autoescape=True))
        return stmt

    def args(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}


def records_stmt(province: Province, filters: RecordFilters):
    return filters.apply(select(AwardRecord), province).order_by(AwardRecord.year.desc(), AwardRecord.id.desc())


def record_years(province: Province) -> list[int]:
    return list(db.session.scalars(
        select(AwardRecord.year).where(AwardRecord.province_id == province.id).distinct().order_by(AwardRecord.year.desc())
    ))


def ascii_stem(text: str) -> str:
    stem = "-".join(strip_tones(text).lower().split())
    return "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch == "-"))[:60] or "khen-thuong"


def export_file(province: Province, filters: RecordFilters, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, mimetype, file name): the filtered records in the import's own columns."""
    records = db.session.scalars(records_stmt(province, filters).limit(MAX_EXPORT_ROWS)).all()
    headers, rows = rec_svc.export_rows(province, records)
    name = f"khen-thuong-{ascii_stem(province.name)}" + (f"-{filters.year}" if filters.year else "") + f".{fmt}"
    if fmt == "csv":
        return tabular.write_csv(headers, rows), "text/csv; charset=utf-8", name
    return tabular.write_xlsx(headers, rows, sheet_title="Khen thưởng"), XLSX, name


# -- statistics period ---------------------------------------------------------------------------


def _date(raw: str) -> dt.date:
    try:
        return tabular.date(raw)
    except ValueError:
        raise BadFilter("start", _("Ngày không hợp lệ; hãy ghi theo dạng ngày/tháng/năm.")) from None


def default_year(province: Province) -> int:
    """The latest calendar year with records (not in the future), else this year."""
    this_year = dt.date.today().year
    latest = db.session.scalar(
        select(func.max(AwardRecord.year)).where(AwardRecord.province_id == province.id, AwardRecord.year <= this_year)
    )
    return latest or this_year


def period_from_args(args, province: Province) -> tuple[dt.date, dt.date]:
    """``start``/``end`` (dd/mm/yyyy or ISO), else ``year``, else the default calendar year.
    Raises ``BadFilter`` for a date that is not one, an end before the start, or a range over a
    year (the previous year would overlap it)."""
    raw_start, raw_end = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    raw_year = (args.get("year") or "").strip()
    if raw_year and not (raw_start or raw_end):
        if not (raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
            raise BadFilter("year", _("Năm phải từ 2000 đến 2100."))
        return stat_svc.calendar_year(int(raw_year))
    if not (raw_start or raw_end):
        return stat_svc.calendar_year(default_year(province))
    if not (raw_start and raw_end):
        raise BadFilter("start", _("Cần cả ngày bắt đầu và ngày kết thúc."))
    start = _date(raw_start)
    try:
        end = tabular.date(raw_end)
    except ValueError:
        raise BadFilter("end", _("Ngày không hợp lệ; hãy ghi theo dạng ngày/tháng/năm.")) from None
    if end < start:
        raise BadFilter("end", _("Ngày kết thúc trước ngày bắt đầu."))
    if stat_svc.previous_year(end) >= start:
        raise BadFilter("end", _("Kỳ thống kê dài tối đa một năm (để so sánh với cùng kỳ năm trước)."))
    if not (2000 <= start.year and end.year <= 2100):
        raise BadFilter("start", _("Năm phải từ 2000 đến 2100."))
    return start, end


def clean_attached_to(raw: str | None) -> str:
    """The optional "Kèm theo Báo cáo số …" line, one line of at most 300 characters."""
    return " ".join((raw or "").split())[:300]


# -- the summary table as PDF and XLSX -------------------------------------------------------------


def summary_pdf(province: Province, stats, *, attached_to: str = "", actor=None) -> tuple[bytes, str]:
    """Issue the summary table as a document of the province (``issue_document``; the
    ``award_summary`` layout has no number of its own, and the same figures give the same
    document, so printing twice stores one) and return (PDF bytes, file name)."""
    from portal.services.documents import issue_document

    layout = stat_svc.summary_layout(province)
    data = stat_svc.document_data(layout, stats, attached_to=attached_to)
    try:
        with db.session.begin_nested():
            document = issue_document(layout, data, province=province, actor=actor)
        db.session.commit()
    except IntegrityError:  # the same figures printed at the same moment by someone else
        db.session.rollback()
        from portal.documents import fingerprint

        document = db.session.scalar(select(Document).where(Document.fingerprint == fingerprint(data)))
        if document is None:
            raise ServiceError(_("Không tạo được văn bản, hãy thử lại.")) from None
    return document.pdf, _file_name(stats, "pdf")


def summary_xlsx(stats) -> tuple[bytes, str]:
    data = tabular.write_xlsx(stat_svc.XLSX_HEADERS, stat_svc.xlsx_rows(stats), sheet_title="Tổng hợp khen thưởng")
    return data, _file_name(stats, "xlsx")


def _file_name(stats, ext: str) -> str:
    if stats.year and (stats.start, stats.end) == stat_svc.calendar_year(stats.year):
        span = str(stats.year)
    else:
        span = f"{stats.start:%Y%m%d}-{stats.end:%Y%m%d}"
    return f"Tổng hợp khen thưởng {span} - {stats.province.name}.{ext}"
