"""Lai Châu's yearly report (seed:LC, "ĐỀ CƯƠNG" attached to the guidance; RULES.md R7).

Replaces the national ``award_summary`` for Lai Châu (same code): instead of the bare two-level
table, the Hội đồng Thi đua - Khen thưởng tỉnh's "Báo cáo tổng kết công tác thi đua, khen thưởng
năm …, phương hướng, nhiệm vụ năm …" following the guidance's outline — Phần I sections I–IV,
Phần II — with the portal's figures written into II.3 "Công tác khen thưởng" and every other
heading followed by a line for the council to complete; then the annex tables:

* biểu số 1, khen thưởng cấp Nhà nước, and biểu số 2, khen thưởng cấp tỉnh: per row the number
  proposed ("số lượng trình": every record the level's basis counts, whatever its status), the
  number awarded (decided) and the number held back (returned, pending, awaiting) with why;
* biểu số 3, the awards within the units' own authority (grassroots): the statistics the portal
  computes count the state and provincial levels only (``LevelBasis`` STATE and PROVINCIAL; the
  statistics endpoint takes no bases from a layout), so the table is printed with its rows and
  headings for the units' own figures, and a note says so.

The signature is the council's, as the guidance signs: TM. HỘI ĐỒNG / KT. CHỦ TỊCH / PHÓ CHỦ
TỊCH THƯỜNG TRỰC / GIÁM ĐỐC SỞ NỘI VỤ. The document carries the number line "Số: …/BC-HĐTĐKT"
left blank for the clerk: the report is a draft the council completes, and printing it must not
take a number from the register (the layout has no ``type_code``, so ``issue_document`` does not
allocate one and the same figures give the same document).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from portal.api import ReportLayout, award_types_for, format_int, format_percent

_b = ReportLayout.blocks  # header, tables, signatures, and the data classes they draw
DocumentHeader, Signature, Distribution = _b.DocumentHeader, _b.Signature, _b.Distribution

TO_COMPLETE = "(Nội dung do cơ quan, đơn vị bổ sung)"
GRASSROOTS_RECORDED_NOTE = (
    "Số liệu tổng hợp từ các khen thưởng cấp cơ sở đã ghi nhận trên hệ thống; cơ quan, đơn vị bổ sung "
    "nếu còn trường hợp chưa ghi nhận."
)
GRASSROOTS_NOTE = (
    "Số liệu khen thưởng thuộc thẩm quyền do các cơ quan, đơn vị, địa phương tổng hợp, báo cáo "
    "(hệ thống chưa tổng hợp số liệu khen thưởng cấp cơ sở)."
)
ISSUER = "Hội đồng Thi đua - Khen thưởng"
PARENT = "UBND tỉnh Lai Châu"
BODY_CODE = "HĐTĐKT"
TYPE_CODE = "BC"

# The four provincial movements the outline names under II.2.1 (seed:LC, đề cương).
MOVEMENTS = (
    "Lai Châu chung sức xây dựng nông thôn mới",
    "Lai Châu chung tay vì người nghèo - không để ai bị bỏ lại phía sau",
    "Cán bộ, công chức, viên chức tỉnh Lai Châu thi đua thực hiện văn hóa công sở",
    "Đẩy mạnh phát triển kết cấu hạ tầng đồng bộ, hiện đại; thực hành tiết kiệm, chống lãng phí",
)
UNITS = "sở, ban, ngành, đoàn thể tỉnh, huyện, thành phố, các doanh nghiệp thuộc khối thi đua"


# -- data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnexRow:
    """One award in an annex table; ``None`` figures are left blank for the units to fill."""

    award_name: str
    proposed: int | None = None
    awarded: int | None = None
    held_back: int | None = None
    reasons: str = ""  # what the held-back cases are and why


@dataclass(frozen=True)
class Annex:
    """Biểu số 1, 2 or 3: its number, what it covers, its rows and the notes printed under it."""

    number: int
    heading: str  # "khen thưởng cấp Nhà nước"
    rows: tuple[AnnexRow, ...]
    notes: tuple[str, ...] = ()
    total_reasons: str = ""  # the reasons for the whole level, printed in the CỘNG row


@dataclass(frozen=True)
class LaiChauReportData:
    header: DocumentHeader
    summary: str  # "Tổng kết công tác thi đua, khen thưởng năm 2023, Phương hướng, nhiệm vụ năm 2024"
    year: int  # the year reviewed
    award_lines: tuple[str, ...]  # II.3's analysis, one "+ …" line each (None: to complete)
    annexes: tuple[Annex, ...]
    signer: Signature
    distribution: Distribution
    period: str = ""  # "từ ngày 01/01/2023 đến ngày 31/12/2023"


def council_signature(name: str = "") -> Signature:
    """The guidance's own signature (seed:LC): the permanent vice-chair signs for the council."""
    return Signature(
        title="PHÓ CHỦ TỊCH THƯỜNG TRỰC",
        name=name,
        authority=("TM. HỘI ĐỒNG", "KT. CHỦ TỊCH"),
        extra_titles=("GIÁM ĐỐC SỞ NỘI VỤ",),
    )


DISTRIBUTION = Distribution(
    recipients=(
        "Ban Thi đua - Khen thưởng Trung ương",
        "Thường trực Tỉnh ủy, HĐND, UBND tỉnh",
        "Các thành viên Hội đồng Thi đua - Khen thưởng tỉnh",
        "Các Sở, ban, ngành, đoàn thể tỉnh",
        "UBND các huyện, thành phố",
    ),
    archive="VT, TĐKT",
)


# -- figures from the statistics ------------------------------------------------------------------


def _n(value: int) -> str:
    return format_int(value, pad=True)


def _count(n: int, what: str) -> str:
    return f"{_n(n)} {what}"


def _pct(part: int, whole: int) -> Fraction | None:
    return Fraction(part * 100, whole) if whole else None


def _points(value: Fraction) -> str:
    """A difference in percentage points, rounded half up to one place: "2,4"."""
    tenths = int(abs(value) * 10 + Fraction(1, 2))
    text = f"{tenths // 10},{tenths % 10}"
    return text[:-2] if text.endswith(",0") else text


def _rounded(p: Fraction) -> Fraction:
    """As printed by ``format_percent`` (one place, half up), so printed differences add up."""
    return Fraction(int(p * 10 + Fraction(1, 2)), 10)


STATE_DECIDED = "decided"
WAITING = ("pending", "submitted_upward")


def _held_back_words(statuses: dict[str, int]) -> list[str]:
    parts = []
    if statuses.get("returned"):
        parts.append(f"bị trả lại: {_n(statuses['returned'])}")
    waiting = sum(statuses.get(s, 0) for s in WAITING)
    if waiting:
        parts.append(f"chưa có quyết định: {_n(waiting)}")
    return parts


def _reasons_text(level) -> str:
    reasons = [f"{reason or 'không ghi lý do'} ({_n(n)})" for reason, n in level.returned_reasons]
    return f"Lý do trả lại: {'; '.join(reasons)}" if reasons else ""


def _basis_note(level) -> tuple[str, ...]:
    basis = level.basis
    counted = {getattr(s, "value", s) for s in basis.statuses}
    notes = [f"Cách tính: {basis.label}"] if str(basis.label) else []
    if not counted & {"returned", "pending", "submitted_upward"}:
        notes.append(
            "Hệ thống chỉ ghi nhận các trường hợp đã có quyết định ở cấp này; số hồ sơ trình chưa được "
            "quyết định hoặc bị trả lại (nếu có) do cơ quan, đơn vị bổ sung."
        )
    return tuple(notes)


def _annex_rows(level) -> tuple[AnnexRow, ...]:
    rows = []
    for line in level.lines:
        total = line.row.total
        awarded = line.statuses.get(STATE_DECIDED, 0)
        rows.append(AnnexRow(line.row.label, total, awarded, total - awarded, "; ".join(_held_back_words(line.statuses))))
    return tuple(rows)


def _grassroots_rows(province) -> tuple[AnnexRow, ...]:
    names: dict[str, str] = {}
    for award in sorted(award_types_for(province).values(), key=lambda a: a.order):
        if award.level == "grassroots":
            names.setdefault(award.family or award.code, award.short_name or award.name)
    return tuple(AnnexRow(name) for name in names.values())


def _level_sentence(level, what: str, annex: int) -> str:
    total = level.total
    decided = level.statuses.get(STATE_DECIDED, 0)
    held = total.total - decided
    text = (
        f"+ {what} (tổng hợp theo biểu số {annex} đính kèm): số lượng trình khen thưởng "
        f"{_count(total.total, 'trường hợp')} ({_count(total.collectives, 'tập thể')}, "
        f"{_count(total.individuals, 'cá nhân')}); số lượng được khen thưởng {_count(decided, 'trường hợp')}; "
        + (f"số lượng để lại {_count(held, 'trường hợp')}" if held else "không có trường hợp để lại")
    )
    words = _held_back_words(level.statuses)
    if words:
        text += f" ({'; '.join(words)})"
    reasons = _reasons_text(level)
    if reasons:
        text += f". {reasons}"
    return text + "."


def _change_sentence(level, what: str, year: int) -> str:
    """The outline's "đánh giá thay đổi tăng, giảm số lượng, tỷ lệ khen cho đối tượng không là
    lãnh đạo quản lý so với năm trước của từng cấp" (RULES.md R7), over all the level's individuals."""
    now, before = level.total, level.previous_total
    workers, individuals = now.individuals - now.leaders, now.individuals
    workers_before, individuals_before = before.individuals - before.leaders, before.individuals
    text = (
        f"- {what}: {_count(workers, 'cá nhân')} không là lãnh đạo, quản lý được khen thưởng"
        f"{f', chiếm {format_percent(workers, individuals, zero=None)} số cá nhân được khen ({_n(individuals)})' if individuals else ''}"
    )
    if not individuals_before:
        return text + f"; năm {year - 1} không có số liệu để so sánh."
    text += (
        f"; năm {year - 1}: {_n(workers_before)} cá nhân, chiếm "
        f"{format_percent(workers_before, individuals_before, zero=None)} ({_n(individuals_before)})"
    )
    change = workers - workers_before
    amount = "không thay đổi về số lượng" if change == 0 else (
        f"{'tăng' if change > 0 else 'giảm'} {_count(abs(change), 'cá nhân')}")
    text += f"; {amount}"
    p_now, p_before = _pct(workers, individuals), _pct(workers_before, individuals_before)
    if p_now is not None and p_before is not None:
        diff = _rounded(p_now) - _rounded(p_before)
        text += ", tỷ lệ không thay đổi" if diff == 0 else (
            f", tỷ lệ {'tăng' if diff > 0 else 'giảm'} {_points(diff)} điểm phần trăm")
    return text + "."


def report_data(stats, *, signer_name: str = "") -> LaiChauReportData:
    """The report's data from ``portal.services.award_statistics.AwardStatistics``."""
    year = stats.year or stats.end.year
    if stats.year and (stats.start.month, stats.start.day, stats.end.month, stats.end.day) == (1, 1, 12, 31):
        reviewed = f"năm {year}"
    else:
        reviewed = f"từ ngày {stats.start:%d/%m/%Y} đến ngày {stats.end:%d/%m/%Y}"
    state, provincial = stats.levels.get("state"), stats.levels.get("provincial")
    lines: list[str | None] = []
    annexes = []
    levels = ((1, state, "Khen thưởng cấp Nhà nước", "khen thưởng cấp Nhà nước"),
              (2, provincial, "Khen thưởng cấp tỉnh", "khen thưởng cấp tỉnh"))
    for number, level, what, heading in levels:
        if level is None:
            lines.append(f"+ {what} (tổng hợp theo biểu số {number} đính kèm): {TO_COMPLETE}")
            annexes.append(Annex(number, heading, (), (TO_COMPLETE,)))
            continue
        lines.append(_level_sentence(level, what, number))
        annexes.append(Annex(number, heading, _annex_rows(level), _basis_note(level), _reasons_text(level)))
    grassroots = stats.levels.get("grassroots")
    if grassroots is not None and grassroots.total.total:
        lines.append(_level_sentence(grassroots, f"Khen thưởng thuộc thẩm quyền của {UNITS}", 3))
        annexes.append(Annex(3, f"khen thưởng thuộc thẩm quyền của {UNITS}", _annex_rows(grassroots),
                             _basis_note(grassroots) + (GRASSROOTS_RECORDED_NOTE,)))
    else:
        lines.append(f"+ Khen thưởng thuộc thẩm quyền của {UNITS} (tổng hợp theo biểu số 3 đính kèm): {TO_COMPLETE}")
        annexes.append(Annex(3, f"khen thưởng thuộc thẩm quyền của {UNITS}", _grassroots_rows(stats.province),
                             (GRASSROOTS_NOTE,)))
    lines.append(f"+ Đánh giá thay đổi tăng, giảm số lượng, tỷ lệ khen cho đối tượng không là lãnh đạo quản lý "
                 f"so với năm {year - 1} của từng cấp:")
    for _number, level, _what, heading in levels:
        if level is not None:
            what = heading.removeprefix("khen thưởng ")
            lines.append(_change_sentence(level, what[:1].upper() + what[1:], year))
    return LaiChauReportData(
        header=DocumentHeader(issuing_body=ISSUER, parent_body=PARENT, place="Lai Châu", date=None,
                              body_code=BODY_CODE),
        summary=f"Tổng kết công tác thi đua, khen thưởng {reviewed}, Phương hướng, nhiệm vụ năm {year + 1}",
        year=year,
        award_lines=tuple(line for line in lines if line),
        annexes=tuple(annexes),
        signer=council_signature(signer_name),
        distribution=DISTRIBUTION,
        period=f"từ ngày {stats.start:%d/%m/%Y} đến ngày {stats.end:%d/%m/%Y}",
    )


# -- the layout -----------------------------------------------------------------------------------


class LaiChauAnnualReport(ReportLayout):
    """Replaces the national ``award_summary`` for Lai Châu (same code)."""

    code = "award_summary"
    title = "Báo cáo tổng kết công tác thi đua, khen thưởng năm …"
    data_class = LaiChauReportData
    statistics_levels = ("state", "provincial", "grassroots")  # biểu số 1, 2, 3
    doc_type = "BÁO CÁO"

    def metadata(self, data: LaiChauReportData) -> dict[str, str]:
        meta = super().metadata(data)
        meta["title"] = f"Báo cáo {data.summary[0].lower()}{data.summary[1:]}"
        return meta

    def data_from_statistics(self, stats, *, attached_to: str = ""):
        return report_data(stats)

    # -- drawing ------------------------------------------------------------------------------

    def story(self, d: LaiChauReportData) -> list[Flowable]:
        st = _b.styles()
        w = self.page.frame_width
        heading = st.heading
        part = st.doc_type.clone("part", spaceBefore=10, spaceAfter=2, keepWithNext=1)
        fill = st.basis

        def head(text: str, style=heading) -> None:
            out.append(_b.paragraph(text, style))

        def todo() -> None:
            out.append(_b.paragraph(TO_COMPLETE, fill))

        out: list[Flowable] = [
            _b.header_block(d.header, w, type_code=TYPE_CODE),
            *_b.title_block(self.doc_type, d.summary, w),
            Spacer(1, 6),
        ]
        y, nxt = d.year, d.year + 1
        head("Phần I", part)
        head(f"TỔNG KẾT CÔNG TÁC THI ĐUA, KHEN THƯỞNG NĂM {y}", part)
        head("I. ĐẶC ĐIỂM, TÌNH HÌNH")
        todo()
        head("II. KẾT QUẢ THỰC HIỆN")
        head("1. Lãnh đạo, chỉ đạo thực hiện công tác thi đua, khen thưởng")
        todo()
        head("2. Kết quả tổ chức phong trào thi đua")
        head("2.1. Kết quả thực hiện các phong trào thi đua trọng tâm")
        for i, name in enumerate(MOVEMENTS):
            end = "." if i == len(MOVEMENTS) - 1 else ";"
            out.append(_b.paragraph(f"- Phong trào thi đua “{name}”{end}"))
        todo()
        head(f"2.2. Kết quả thực hiện các phong trào thi đua do {UNITS} của UBND tỉnh và ngành dọc cấp trên "
             "tổ chức, phát động")
        todo()
        head("2.3. Kết quả hoạt động của các cụm, khối thi đua thuộc các huyện, thành phố")
        todo()
        head("3. Công tác khen thưởng")
        out.append(_b.paragraph(f"- Tổng hợp, phân tích kết quả khen thưởng trong năm {y} "
                                f"(số liệu {d.period}, theo dữ liệu khen thưởng của tỉnh trên hệ thống):"
                                if d.period else f"- Tổng hợp, phân tích kết quả khen thưởng trong năm {y}:",
                                st.lead))
        for line in d.award_lines:
            if line.endswith(TO_COMPLETE):
                text = _b.clean(line[: -len(TO_COMPLETE)])
                out.append(_b.markup(f"{text} <i>{TO_COMPLETE}</i>"))
            else:
                out.append(_b.paragraph(line))
        out.append(_b.paragraph("- Nội dung đổi mới, nâng cao chất lượng công tác khen thưởng; biện pháp, "
                                "kinh nghiệm tăng tỷ lệ khen thưởng đối với nông dân, công nhân, chiến sỹ, "
                                "người lao động trực tiếp:"))
        todo()
        for title in (
            "4. Công tác tuyên truyền, nhân rộng điển hình tiên tiến",
            "5. Tình hình cán bộ làm công tác thi đua, khen thưởng; tập huấn, bồi dưỡng chuyên môn, nghiệp vụ",
            "6. Công tác kiểm tra",
            "7. Quỹ thi đua, khen thưởng",
            "8. Công tác cải cách hành chính; ứng dụng công nghệ thông tin trong công tác thi đua, khen thưởng",
            "9. Công tác khác",
        ):
            head(title)
            todo()
        head("III. ĐÁNH GIÁ CHUNG")
        for title in ("1. Ưu điểm", "2. Hạn chế, yếu kém", "3. Nguyên nhân tồn tại, hạn chế",
                      "4. Giải pháp, biện pháp khắc phục"):
            head(title)
            todo()
        head("IV. ĐỀ XUẤT, KIẾN NGHỊ")
        for title in ("1. Đối với UBND tỉnh", "2. Đối với Hội đồng Thi đua - Khen thưởng tỉnh hoặc Sở Nội vụ"):
            head(title)
            todo()
        head("Phần II", part)
        head(f"PHƯƠNG HƯỚNG, NHIỆM VỤ CÔNG TÁC NĂM {nxt}", part)
        head(f"1. Nhiệm vụ trọng tâm công tác thi đua, khen thưởng năm {nxt}")
        todo()
        head("2. Giải pháp tổ chức thực hiện nhằm nâng cao hiệu quả của phong trào thi đua; nâng cao chất "
             "lượng công tác khen thưởng")
        closing = _b.paragraph(TO_COMPLETE, fill)
        out += _b.signing_area(w, signer=d.signer, distribution=d.distribution, keep_with=[closing])
        for annex in d.annexes:
            out += self._annex(d, annex)
        return out

    def _annex(self, d: LaiChauReportData, annex: Annex) -> list[Flowable]:
        st = _b.styles()
        w = self.page.frame_width
        corner = st.number.clone("annex-number", alignment=2, fontName=st.sign_title.fontName)
        out: list[Flowable] = [
            PageBreak(),
            _b.paragraph(f"Biểu số {annex.number}", corner),
            _b.paragraph(_b.upper(f"Tổng hợp kết quả {annex.heading} năm {d.year}"), st.doc_type),
            _b.paragraph(f"(Kèm theo Báo cáo số      /{TYPE_CODE}-{BODY_CODE} ngày      tháng      năm       "
                         "của Hội đồng Thi đua - Khen thưởng tỉnh Lai Châu)", st.subtitle),
            Spacer(1, 10),
        ]
        head = [["Số TT", "Hình thức khen thưởng", "Số lượng trình", "Số lượng được khen",
                 "Số lượng để lại và nguyên nhân"]]
        widths = [12 * mm, 58 * mm, 22 * mm, 22 * mm]
        widths.append(w - sum(widths))
        cell = _b.cell_style(11, "L")

        def figure(value: int | None) -> str:
            return "" if value is None else format_int(value, zero="-", pad=True)

        def held(value: int | None, words: str) -> object:
            if value is None:
                return ""
            if not value:
                return "-"
            return _b.paragraph(f"{format_int(value, pad=True)}" + (f" ({words})" if words else ""), cell)

        rows: list[list[object]] = [
            [f"{i}.", r.award_name, figure(r.proposed), figure(r.awarded), held(r.held_back, r.reasons)]
            for i, r in enumerate(annex.rows, 1)
        ]
        filled = [r for r in annex.rows if r.proposed is not None]
        total_rows = 0
        if annex.rows:
            total_label = _b.paragraph("CỘNG", _b.cell_style(11, "C", bold=True))
            if filled:
                held_total = sum(r.held_back or 0 for r in filled)
                rows.append(["", total_label, figure(sum(r.proposed or 0 for r in filled)),
                             figure(sum(r.awarded or 0 for r in filled)), held(held_total, annex.total_reasons)])
            else:
                rows.append(["", total_label, "", "", ""])
            total_rows = 1
        else:
            rows.append(["", "", "", "", ""])
        pad = [] if filled else [("TOPPADDING", (0, 1), (-1, -1), 6), ("BOTTOMPADDING", (0, 1), (-1, -1), 7)]
        out.append(_b.data_table(head, rows, widths, align="CLCCL", font_size=11, total_rows=total_rows,
                                 extra_style=pad))
        out += [_b.paragraph(note, st.note) for note in annex.notes]
        return out

    # -- the gallery's preview ------------------------------------------------------------------

    def sample(self) -> LaiChauReportData:
        """Made-up figures for the preview (not Lai Châu's)."""
        state = (AnnexRow("Huân chương Lao động các hạng", 6, 4, 2, "bị trả lại: 01; chưa có quyết định: 01"),
                 AnnexRow("Chiến sĩ thi đua toàn quốc", 1, 1, 0),
                 AnnexRow("Cờ thi đua của Chính phủ", 3, 3, 0),
                 AnnexRow("Bằng khen của Thủ tướng Chính phủ", 25, 22, 3, "chưa có quyết định: 03"))
        provincial = (AnnexRow("Bằng khen của UBND tỉnh", 412, 412, 0), AnnexRow("Chiến sĩ thi đua cấp tỉnh", 38, 38, 0),
                      AnnexRow("Cờ thi đua cấp tỉnh", 12, 12, 0), AnnexRow("Tập thể Lao động xuất sắc", 57, 57, 0))
        grassroots = tuple(AnnexRow(n) for n in ("Chiến sĩ thi đua cơ sở", "Lao động tiên tiến",
                                                  "Tập thể Lao động tiên tiến", "Giấy khen"))
        return LaiChauReportData(
            header=DocumentHeader(issuing_body=ISSUER, parent_body=PARENT, place="Lai Châu", date=None,
                                  body_code=BODY_CODE),
            summary="Tổng kết công tác thi đua, khen thưởng năm 2023, Phương hướng, nhiệm vụ năm 2024",
            year=2023,
            award_lines=(
                "+ Khen thưởng cấp Nhà nước (tổng hợp theo biểu số 1 đính kèm): số lượng trình khen thưởng 35 "
                "trường hợp (08 tập thể, 27 cá nhân); số lượng được khen thưởng 30 trường hợp; số lượng để lại "
                "05 trường hợp (bị trả lại: 01; chưa có quyết định: 04). Lý do trả lại: Trình trễ thời gian so "
                "với quy định (01).",
                "+ Khen thưởng cấp tỉnh (tổng hợp theo biểu số 2 đính kèm): số lượng trình khen thưởng 519 trường "
                "hợp (201 tập thể, 318 cá nhân); số lượng được khen thưởng 519 trường hợp; không có trường hợp để "
                "lại.",
                f"+ Khen thưởng thuộc thẩm quyền của {UNITS} (tổng hợp theo biểu số 3 đính kèm): {TO_COMPLETE}",
            ),
            annexes=(Annex(1, "khen thưởng cấp Nhà nước", state, (),
                           "Lý do trả lại: Trình trễ thời gian so với quy định (01)"),
                     Annex(2, "khen thưởng cấp tỉnh", provincial),
                     Annex(3, f"khen thưởng thuộc thẩm quyền của {UNITS}", grassroots, (GRASSROOTS_NOTE,))),
            signer=council_signature(),
            distribution=DISTRIBUTION,
            period="từ ngày 01/01/2023 đến ngày 31/12/2023",
        )


LAYOUTS = (LaiChauAnnualReport(),)
