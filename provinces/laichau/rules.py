"""Lai Châu's nomination rules (seed:LC §II–III; RULES.md §1 RS-1, §7 D3–D5, §11 QUO-1, DOS-3/4).

Every finding and requirement cites its article *and* the rule set in force, chosen by the date
the council or block decides (RS-1: Lai Châu's own cut-off rule, guidance §II.1). A nomination
carries no meeting date, so the date is taken, best first, from the block's ballot that elected
it (closed, else opened), the dossier's submission, or today (Vietnam time).

Not repeated here (the national plugin already reports them): nominees on hold (D6), dissolved
units (D7), a wrong recipient. The enterprise tax and insurance confirmations are in
``dossiers.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.api import Finding, Requirement, dateline_date

GUIDANCE = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023 của Hội đồng Thi đua, Khen thưởng tỉnh Lai Châu"
QD_06 = "QĐ 06/2018/QĐ-UBND tỉnh Lai Châu"
QUOTA_ARTICLE = f"{QD_06}, điểm e khoản 2 Điều 27"
ICT = dt.timezone(dt.timedelta(hours=7), "ICT")  # Vietnam: UTC+7 all year


@dataclass(frozen=True)
class RuleSet:
    """The legal texts in force for a council or block meeting held from ``valid_from`` to
    ``valid_to`` (inclusive; ``None``: open)."""

    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    # The article of the governing law on the provincial certificate of merit (None: not cited).
    certificate_article: str | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


RULE_SETS = (
    RuleSet(
        "law2003",
        "Luật Thi đua, khen thưởng 2003 (sửa đổi 2005, 2013), Nghị định 91/2017/NĐ-CP, Quyết định 06/2018/QĐ-UBND",
        None,
        dt.date(2023, 12, 31),
    ),
    RuleSet(
        "law2022_nd98",
        "Luật Thi đua, khen thưởng 2022, Nghị định 98/2023/NĐ-CP",
        dt.date(2024, 1, 1),
        dt.date(2025, 6, 30),
        "Điều 74 Luật Thi đua, khen thưởng 2022",
    ),
    RuleSet(
        "law2022_nd152",
        "Luật Thi đua, khen thưởng 2022, Nghị định 152/2025/NĐ-CP",
        dt.date(2025, 7, 1),
        None,
        "Điều 74 Luật Thi đua, khen thưởng 2022",
    ),
)


def rule_set_on(day: dt.date) -> RuleSet:
    """The rule set for a council or block meeting on ``day`` (RULES.md RS-1)."""
    for rs in RULE_SETS:
        if rs.covers(day):
            return rs
    raise LookupError(day)  # pragma: no cover - the periods cover every date


def _local_date(moment) -> dt.date:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ICT).date()
    return moment


def meeting_date(nomination) -> tuple[dt.date, str]:
    """The date that decides the rule set, and what it is: the electing ballot's closing (or
    opening), the dossier's submission, or today."""
    ballot = getattr(nomination, "ballot", None)
    if ballot is not None:
        if ballot.closed_at is not None:
            return _local_date(ballot.closed_at), "ngày Khối bỏ phiếu"
        if ballot.opened_at is not None:
            return _local_date(ballot.opened_at), "ngày Khối bỏ phiếu"
    dossier = nomination.dossier
    if dossier is not None and dossier.submitted_at is not None:
        return _local_date(dossier.submitted_at), "ngày nộp hồ sơ"
    return dt.datetime.now(ICT).date(), "ngày hiện tại, chưa có ngày họp xét"


def rule_set_for(nomination) -> tuple[RuleSet, str]:
    """The rule set in force for ``nomination`` and the note to cite it with."""
    day, basis = meeting_date(nomination)
    rs = rule_set_on(day)
    return rs, f"bộ quy định áp dụng: {rs.name} (căn cứ {basis} {dateline_date(day)})"


def _cite(article: str, note: str) -> str:
    return f"{article}; {note}"


# -- achievement-report periods (DOS-3, guidance §III.2) --------------------------------------

_REPORT_SOURCE = f"{GUIDANCE}, mục III.2"
_COMPARE = "so sánh với kế hoạch và năm trước liền kề hoặc giai đoạn trước"


def _fixed(years: int, year: int) -> str:
    if years == 1:
        return f"Báo cáo thành tích 01 năm (năm {year}; {_COMPARE})"
    return f"Báo cáo thành tích {years:02d} năm ({year - years + 1} - {year})"


def report_period_title(nomination, award_type) -> str | None:
    """The achievement report's title with its period, or ``None`` when the guidance sets none
    for ``award_type``."""
    code, year = award_type.code, nomination.year
    if code == "chien_si_thi_dua_toan_quoc":
        return _fixed(6, year)
    if code == "bang_khen_thu_tuong" or award_type.family == "huan_chuong_lao_dong":
        return (
            f"Báo cáo thành tích từ 05 năm trở lên, tính từ mốc khen thưởng lần trước "
            f"(ít nhất {year - 4} - {year})"
        )
    if code == "chien_si_thi_dua_tinh":
        return _fixed(3, year)
    if code == "bang_khen_ubnd_tinh_khoi" or (
        _is_certificate(award_type) and nomination.block_id is not None
    ):
        return _fixed(1, year) + " (Bằng khen do Khối suy tôn)"
    if _is_certificate(award_type):
        return _fixed(2, year)
    if code in ("co_thi_dua_chinh_phu", "co_thi_dua_tinh", "tap_the_lao_dong_xuat_sac"):
        return _fixed(1, year)
    return None


def _is_certificate(award_type) -> bool:
    return (
        award_type.code.startswith("bang_khen_ubnd_tinh")
        or award_type.family == "bang_khen_ubnd_tinh"
    )


def requirements(nomination, award_type) -> list[Requirement]:
    out = []
    rs, note = rule_set_for(nomination)
    title = report_period_title(nomination, award_type)
    if title is not None:
        if nomination.block_id is not None:
            title += " (có xác nhận của đơn vị trưởng khối)"
        out.append(Requirement("achievement_report", title, source=_cite(_REPORT_SOURCE, note)))
    unit = nomination.unit
    if (
        award_type.level == "state"
        and nomination.recipient == "collective"
        and unit is not None
        and str(unit.kind) == "enterprise"
    ):
        out.append(
            Requirement(
                "audit_reports",
                "Báo cáo kiểm toán 05 năm trước thời điểm đề nghị khen thưởng (đơn vị thuộc đối tượng bắt buộc "
                "kiểm toán theo Luật Kiểm toán nhà nước, Luật Kiểm toán độc lập)",
                source=_cite(f"{GUIDANCE}, mục II, phần Lưu ý", note),
            )
        )
    return out


# -- findings: certificate-of-merit quotas (QUO-1) and the list's structure --------------------

_QUOTAS = {
    # unit kind: (percent of staff for individuals, what the staff are called)
    "armed_forces": (1, "cán bộ, chiến sĩ"),
    "central_agency": (3, "biên chế"),
}
_COLLECTIVE_PCT = 10


def _unit_key(n):
    return n.unit.id if n.unit is not None and n.unit.id is not None else n.unit_id


def _same_unit_certificates(nomination, award_types=None) -> list:
    """The individual provincial certificates of merit proposed for ``nomination``'s unit in its
    year: within its dossier when it has one, else the nomination alone."""
    dossier = nomination.dossier
    pool = list(dossier.nominations) if dossier is not None else []
    if nomination not in pool:
        pool.append(nomination)
    key = _unit_key(nomination)
    return [
        n
        for n in pool
        if n.recipient == "individual"
        and n.year == nomination.year
        and _unit_key(n) == key
        and (n.award_code or "").startswith("bang_khen_ubnd_tinh")
    ]


def _quota_findings(nomination, award_type, rs, note) -> list[Finding]:
    unit = nomination.unit
    if unit is None or str(unit.kind) not in _QUOTAS:
        return []
    articles = "; ".join(a for a in (QUOTA_ARTICLE, rs.certificate_article) if a)
    source = _cite(f"{articles} (theo {GUIDANCE}, mục II.2)", note)
    pct, staff_word = _QUOTAS[str(unit.kind)]
    if nomination.recipient == "collective":
        return [
            Finding(
                "laichau_quota_collectives",
                "warning",
                f"{unit.name}: Bằng khen của Chủ tịch UBND tỉnh cho tập thể không quá {_COLLECTIVE_PCT}% tổng số đơn vị "
                f"trực thuộc; cổng thông tin không có số đơn vị trực thuộc để tính, đề nghị đơn vị tự kiểm tra tỷ lệ.",
                source,
            )
        ]
    if unit.staff_count is None:
        return [
            Finding(
                "laichau_quota_staff_unknown",
                "warning",
                f"{unit.name}: cá nhân được đề nghị không quá {pct}% tổng số {staff_word} tính đến thời điểm xét khen "
                f"thưởng; đơn vị chưa khai báo số {staff_word} nên chưa kiểm tra được.",
                source,
            )
        ]
    count = len(_same_unit_certificates(nomination))
    most = unit.staff_count * pct // 100
    if count <= most:
        return []
    return [
        Finding(
            "laichau_quota_individuals",
            "error",
            f"{unit.name}: {count} cá nhân được đề nghị, vượt {pct}% của {unit.staff_count} {staff_word} (tối đa {most}).",
            source,
        )
    ]


def _structure_findings(nomination, note) -> list[Finding]:
    """The unit's own list (not what a block's ballot elected: the block chooses among units)."""
    if (
        nomination.recipient != "individual"
        or nomination.dossier is None
        or nomination.unit is None
        or nomination.block_id is not None
    ):
        return []
    own = [n for n in _same_unit_certificates(nomination) if n.block_id is None]
    groups = {str(n.person_group) if n.person_group is not None else None for n in own}
    missing = [
        label
        for value, label in (("leader", "lãnh đạo, quản lý"), ("worker", "người lao động"))
        if value not in groups
    ]
    if not missing:
        return []
    return [
        Finding(
            "laichau_structure",
            "warning",
            f"{nomination.unit.name}: danh sách cá nhân đề nghị Bằng khen của Chủ tịch UBND tỉnh không có "
            f"{' và không có '.join(missing)}; số lượng đề nghị phải bảo đảm tiêu biểu, cơ cấu hợp lý (có lãnh đạo, "
            f"có công chức, viên chức, chiến sĩ, lao động).",
            _cite(f"{GUIDANCE}, mục II, phần Lưu ý", note),
        )
    ]


def findings(nomination, award_type) -> list[Finding]:
    if not _is_certificate(award_type):
        return []
    rs, note = rule_set_for(nomination)
    return _quota_findings(nomination, award_type, rs, note) + _structure_findings(nomination, note)
