"""The national printed-document layouts (generic; a province replaces one by reusing its code).

Each layout turns one plain-data object from ``portal.documents.data`` into the pages of a
Vietnamese administrative document (NĐ 30/2020/NĐ-CP Phụ lục I; RULES.md §5, §8, §9):

==================  =====================================================  ==========
code                document                                               page
==================  =====================================================  ==========
block_minutes       Biên bản họp khối (Mẫu 1.9), results attached          portrait
vote_count_record   Biên bản kiểm phiếu                                    portrait
ballot_paper        Phiếu bầu (tick columns or strike-out)                 portrait
scoring_sheet       Bảng tổng hợp kết quả chấm điểm                        landscape
submission_letter   Tờ trình đề nghị khen thưởng                           portrait
nominee_summary     Biểu tổng hợp tóm tắt thành tích                       landscape
award_summary       Tổng hợp kết quả khen thưởng (state and provincial)    portrait
==================  =====================================================  ==========

Layouts receive data only; they never query the database.
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from plugins.national import samples
from portal.api import ReportLayout
from portal.documents import blocks
from portal.documents.data import (
    Attendee,
    AwardRow,
    AwardSummaryData,
    BallotPaperData,
    BlockMinutesData,
    Nominee,
    NomineeSummaryData,
    ScoringSheetData,
    Signature,
    SubmissionLetterData,
    TallyMember,
    VoteCountData,
)
from portal.documents.formatting import (
    clock_time,
    format_decimal,
    format_int,
    format_percent,
    long_date,
)
from portal.documents.styles import cell_style, styles
from portal.logic.tally import basis_words, rule_text

P = blocks.paragraph


def _person(p: Attendee | TallyMember) -> str:
    """ "Đồng chí Nguyễn Văn An - Giám đốc Sở Tư pháp"."""
    name = f"{p.honorific} {p.name}".strip()
    role = " ".join(x for x in (p.position.strip(), p.unit.strip()) if x)
    return f"{name} - {role}" if role else name


def _when(moment) -> str:
    """ "08 giờ 30 phút, ngày 05 tháng 01 năm 2024"."""
    return f"{clock_time(moment)}, {long_date(moment.date())}"


def _count(n: int, unit: str) -> str:
    """ "05 phiếu", "12 đơn vị": counts under ten zero-padded, as the documents print them."""
    return f"{format_int(n, pad=True)} {unit}"


# -- Biên bản họp khối ----------------------------------------------------------------------


class BlockMinutes(ReportLayout):
    """Minutes of the block's conference (Mẫu 1.9): THƯ KÝ signs left, CHỦ TỌA right."""

    code = "block_minutes"
    sample = staticmethod(samples.block_minutes)
    title = "Biên bản họp khối"
    data_class = BlockMinutesData
    type_code = "BB"
    doc_type = "BIÊN BẢN"

    def story(self, d: BlockMinutesData) -> list[Flowable]:
        st = styles()
        out: list[Flowable] = self.opening(d)
        out.append(P(f"Thời gian bắt đầu: {_when(d.started_at)}."))
        out.append(P(f"Địa điểm: {d.venue}."))
        out.append(P("Thành phần tham dự:", st.lead))
        for i, a in enumerate(d.attendees):
            end = "." if i == len(d.attendees) - 1 else ";"
            out.append(P(f"- {_person(a)}{end}"))
        if d.absent_units:
            out.append(P(f"Vắng mặt: {', '.join(d.absent_units)}."))
        out.append(P(f"Chủ trì (chủ tọa): {_person(d.chair)}."))
        out.append(P(f"Thư ký (người ghi biên bản): {_person(d.secretary)}."))
        out.append(P("Nội dung:", st.heading))
        for i, item in enumerate(d.content, 1):
            out.append(P(f"{i}. {item.heading}", st.heading))
            out += [P(text) for text in item.paragraphs]
        if d.results:
            out += self._results(d, len(d.content) + 1)
        end_day = (
            "cùng ngày"
            if d.ended_at.date() == d.started_at.date()
            else long_date(d.ended_at.date())
        )
        closing = P(
            f"Cuộc họp kết thúc vào {clock_time(d.ended_at)} {end_day}. Biên bản được lập "
            f"thành {_count(d.copies, 'bản')}, đã được đọc lại cho các thành viên dự họp "
            "cùng nghe và thống nhất thông qua./."
        )
        out += blocks.signing_area(
            self.page.frame_width,
            left_signer=Signature(title="THƯ KÝ", name=d.secretary.name),
            signer=Signature(title="CHỦ TỌA", name=d.chair.name),
            distribution=d.distribution,
            keep_with=[closing],
        )
        return out

    def _results(self, d: BlockMinutesData, number: int) -> list[Flowable]:
        st = styles()
        basis = f"{d.vote_basis_label}: {_count(d.vote_basis_count, 'đơn vị')}"
        out: list[Flowable] = [
            P(f"{number}. Kết quả chấm điểm và bỏ phiếu kín", st.heading),
            P(f"Tỷ lệ phiếu đồng ý tính trên {basis}.", st.lead),
        ]
        head = [
            [
                "Xếp hạng",
                "Tên đơn vị",
                "Điểm thống nhất",
                "Số phiếu đồng ý",
                "Tỷ lệ %",
                "Đề nghị khen thưởng",
            ]
        ]
        rows = []
        for r in d.results:
            has_votes = r.votes_agree is not None
            rows.append(
                [
                    format_int(r.rank, pad=True),
                    r.unit_name,
                    format_decimal(r.agreed_score, 2) if r.agreed_score is not None else "",
                    format_int(r.votes_agree, pad=True) if has_votes else "",
                    format_percent(r.votes_agree, d.vote_basis_count, zero=None)
                    if has_votes
                    else "",
                    r.proposed_award,
                ]
            )
        widths = [16 * mm, 55 * mm, 22 * mm, 20 * mm, 18 * mm, 34 * mm]
        out.append(blocks.data_table(head, rows, widths, align="CLRCCL", font_size=12))
        out.append(Spacer(1, 8))
        return out


# -- Biên bản kiểm phiếu --------------------------------------------------------------------


class VoteCountRecord(ReportLayout):
    """The tally committee's record of one secret ballot (RULES.md P6, BAL-3)."""

    code = "vote_count_record"
    sample = staticmethod(samples.vote_count)
    title = "Biên bản kiểm phiếu"
    data_class = VoteCountData
    type_code = "BB"
    doc_type = "BIÊN BẢN KIỂM PHIẾU"

    def story(self, d: VoteCountData) -> list[Flowable]:
        st = styles()
        out: list[Flowable] = self.opening(d)
        out.append(
            P(
                f"Vào hồi {_when(d.held_at)}, tại {d.venue}, Ban kiểm phiếu {d.block_name} "
                f"tiến hành kiểm phiếu bầu đề nghị tặng {d.award_name}."
            )
        )
        out.append(P("I. THÀNH PHẦN BAN KIỂM PHIẾU", st.heading))
        for i, m in enumerate(d.committee, 1):
            end = "." if i == len(d.committee) else ";"
            out.append(P(f"{i}. {_person(m)} - {m.role}{end}"))
        out.append(P("II. KẾT QUẢ KIỂM PHIẾU", st.heading))
        out.append(
            P(
                f"1. Tổng số thành viên của Khối: {_count(d.member_count, 'đơn vị')}; số "
                f"thành viên có mặt: {_count(d.present_count, 'đơn vị')}."
            )
        )
        out.append(
            P(
                f"2. Số phiếu phát ra: {_count(d.ballots_issued, 'phiếu')}; số phiếu thu về: "
                f"{_count(d.ballots_returned, 'phiếu')}; số phiếu hợp lệ: "
                f"{_count(d.ballots_valid, 'phiếu')}; số phiếu không hợp lệ: "
                f"{_count(d.ballots_invalid, 'phiếu')}."
            )
        )
        basis = basis_words(d.rule.basis, d.basis_count)
        out.append(P(f"3. Nguyên tắc xác định kết quả: {rule_text(d.rule, d.seats, d.basis_count)}"))
        out.append(P("4. Số phiếu đồng ý của từng đơn vị:", st.lead))
        head = [
            [
                "STT",
                "Tên đơn vị",
                "Số phiếu đồng ý",
                f"Tỷ lệ % trên {basis}",
                "Kết quả",
            ]
        ]
        rows = [
            [
                f"{i}",
                c.name,
                format_int(c.votes_agree, pad=True),
                format_percent(c.votes_agree, d.basis_count, zero=None),
                "Trúng cử" if c.elected else "Không trúng cử",
            ]
            for i, c in enumerate(d.candidates, 1)
        ]
        widths = [12 * mm, 62 * mm, 20 * mm, 37 * mm, 34 * mm]
        out.append(blocks.data_table(head, rows, widths, align="CLCCC", font_size=12))
        out.append(Spacer(1, 8))
        out.append(P("III. KẾT QUẢ BẦU", st.heading))
        elected = [c for c in d.candidates if c.elected]
        if elected:
            out.append(
                P(
                    f"Căn cứ nguyên tắc trên, {_count(len(elected), 'đơn vị')} trúng cử, được "
                    f"đề nghị tặng {d.award_name}:",
                    st.lead,
                )
            )
            out += [
                P(f"- {c.name}{'.' if i == len(elected) - 1 else ';'}")
                for i, c in enumerate(elected)
            ]
        else:
            out.append(P("Không có đơn vị nào đạt tỷ lệ phiếu đồng ý theo nguyên tắc trên."))
        ended = f"vào hồi {clock_time(d.ended_at)} cùng ngày, " if d.ended_at else ""
        closing = P(
            f"Biên bản kiểm phiếu kết thúc {ended}được Ban kiểm phiếu thống nhất thông qua "
            "và công bố công khai tại Hội nghị./."
        )
        out += blocks.signature_grid(
            self.page.frame_width,
            self._signatures(d.committee),
            distribution=d.distribution,
            keep_with=[closing],
        )
        return out

    @staticmethod
    def _signatures(committee: tuple[TallyMember, ...], per_row: int = 3) -> list[Signature]:
        """Members left, the head of the committee rightmost in the first row."""
        heads = [m for m in committee if m.role.strip().lower() == "trưởng ban"]
        others = [m for m in committee if m not in heads]
        first = others[: per_row - len(heads)] + heads
        ordered = first + [m for m in others if m not in first]
        return [Signature(title=m.role, name=m.name) for m in ordered]


# -- Phiếu bầu ------------------------------------------------------------------------------


def ballot_instructions(d: BallotPaperData) -> str:
    """The instructions line of the ballot, for either method (RULES.md P2-P5)."""
    if d.instructions.strip():
        return d.instructions
    seats = _count(d.seats, "đơn vị")
    if d.method == "tick":
        return (
            "Đồng ý đơn vị nào thì đánh dấu (X) vào ô “Đồng ý”, không đồng ý thì đánh dấu (X) "
            f"vào ô “Không đồng ý” của đơn vị đó. Phiếu đồng ý quá {seats} là phiếu không hợp lệ."
        )
    return (
        "Không đồng ý đơn vị nào thì gạch ngang giữa cả tên đơn vị đó; không khoanh tròn, đánh "
        f"dấu hay ghi thêm tên. Phiếu để lại quá {seats}, gạch hết tên hoặc ghi thêm nội dung "
        "là phiếu không hợp lệ."
    )


class BallotPaper(ReportLayout):
    """The ballot, one candidate list per ballot, one ballot per page."""

    code = "ballot_paper"
    sample = staticmethod(samples.ballot)
    title = "Phiếu bầu"
    data_class = BallotPaperData
    doc_type = "PHIẾU BẦU"

    def story(self, d: BallotPaperData) -> list[Flowable]:
        out: list[Flowable] = []
        for copy in range(d.copies):
            if copy:
                out.append(PageBreak())
            out += self._one(d)
        return out

    def _one(self, d: BallotPaperData) -> list[Flowable]:
        st = styles()
        w = self.page.frame_width
        out: list[Flowable] = [
            blocks.header_block(d.header, w, type_code=None, dated=False),
            *self.title_block(self.doc_type, d.summary),
            P(f"Số lượng được bầu: {_count(d.seats, 'đơn vị')}.", st.body_flush),
            P(ballot_instructions(d), st.note),
            Spacer(1, 8),
        ]
        if d.method == "tick":
            head = [["STT", "Tên đơn vị", "Đồng ý", "Không đồng ý"]]
            rows = [[f"{i}", name, "", ""] for i, name in enumerate(d.candidates, 1)]
            widths = [14 * mm, 93 * mm, 29 * mm, 29 * mm]
            align = "CLCC"
        else:
            head = [["STT", "Tên đơn vị"]]
            rows = [[f"{i}", name] for i, name in enumerate(d.candidates, 1)]
            widths = [16 * mm, 120 * mm]
            align = "CL"
        padding = [("TOPPADDING", (0, 1), (-1, -1), 7), ("BOTTOMPADDING", (0, 1), (-1, -1), 8)]
        out.append(
            blocks.data_table(head, rows, widths, align=align, font_size=14, extra_style=padding)
        )
        return out


# -- Bảng tổng hợp kết quả chấm điểm --------------------------------------------------------


class ScoringSheet(ReportLayout):
    """Units by criteria groups, self score, agreed total and rank; signed by the block leader."""

    code = "scoring_sheet"
    sample = staticmethod(samples.scoring_sheet)
    title = "Bảng tổng hợp kết quả chấm điểm"
    data_class = ScoringSheetData
    orientation = "landscape"
    doc_type = "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM THI ĐUA"

    def story(self, d: ScoringSheetData) -> list[Flowable]:
        w = self.page.frame_width
        out: list[Flowable] = [
            blocks.header_block(d.header, w, type_code=None),
            *self.title_block(self.doc_type, d.summary),
        ]
        n = len(d.groups)
        fixed = [12 * mm, 64 * mm]
        tail = [22 * mm, 24 * mm, 16 * mm]
        group_w = (w - sum(fixed) - sum(tail)) / max(n, 1)
        widths = fixed + [group_w] * n + tail
        places = d.decimals
        head = [
            ["STT", "Tên đơn vị", "Điểm Khối chấm theo nhóm tiêu chí"]
            + [""] * (n - 1)
            + ["Tổng điểm tự chấm", "Tổng điểm Khối thống nhất", "Xếp hạng"],
            # Columns carry the group's number and maximum; the names go in the legend below, as
            # printed sheets do, so a narrow column never turns into a nine-line header.
            ["", ""]
            + [
                f"Nhóm {g.code} (tối đa {format_decimal(g.max_score, self._places(g.max_score))} điểm)"
                for g in d.groups
            ]
            + ["", "", ""],
        ]
        spans = [((0, 0), (0, 1)), ((1, 0), (1, 1))]
        if n > 1:
            spans.append(((2, 0), (1 + n, 0)))
        spans += [((c, 0), (c, 1)) for c in range(2 + n, 5 + n)]
        rows = [
            [f"{i}", r.unit_name]
            + [format_decimal(s, places) for s in r.group_scores]
            + [
                format_decimal(r.self_score, places),
                format_decimal(r.agreed_score, places),
                format_int(r.rank),
            ]
            for i, r in enumerate(d.rows, 1)
        ]
        align = "CL" + "R" * n + "RRC"
        compact = [("TOPPADDING", (0, 2), (-1, -1), 1), ("BOTTOMPADDING", (0, 2), (-1, -1), 2)]
        table = blocks.data_table(
            head, rows, widths, align=align, font_size=11, spans=spans, extra_style=compact
        )
        legend = "Nhóm tiêu chí: " + "; ".join(f"{g.code} – {g.name}" for g in d.groups) + "."
        notes = [P(legend, styles().note)] + [P(note, styles().note) for note in d.notes]
        out += blocks.signing_area(
            w, signer=d.signer, distribution=d.distribution, keep_with=notes, after_table=table
        )
        return out

    @staticmethod
    def _places(value: Decimal) -> int:
        return max(0, -Decimal(value).normalize().as_tuple().exponent)


# -- Tờ trình -------------------------------------------------------------------------------


def _nominee_line(n: Nominee) -> str:
    if n.recipient == "individual":
        role = " ".join(x for x in (n.position.strip(), n.unit.strip()) if x)
        return f"{n.name}, {role}" if role else n.name
    return n.name


class SubmissionLetter(ReportLayout):
    """Tờ trình đề nghị khen thưởng: Kính gửi, căn cứ, the proposal and the list of nominees."""

    code = "submission_letter"
    sample = staticmethod(samples.submission_letter)
    title = "Tờ trình đề nghị khen thưởng"
    data_class = SubmissionLetterData
    type_code = "TTr"
    doc_type = "TỜ TRÌNH"

    def story(self, d: SubmissionLetterData) -> list[Flowable]:
        st = styles()
        w = self.page.frame_width
        out: list[Flowable] = self.opening(d)
        out.append(blocks.addressees(d.addressees, w))
        out += blocks.legal_bases(d.legal_bases)
        out += [P(text) for text in d.body]
        awards: dict[str, list[Nominee]] = {}
        for n in d.nominees:
            awards.setdefault(n.award_name, []).append(n)
        for i, (award, people) in enumerate(awards.items(), 1):
            collectives = sum(n.recipient == "collective" for n in people)
            individuals = len(people) - collectives
            counts = []
            if collectives:
                counts.append(_count(collectives, "tập thể"))
            if individuals:
                counts.append(_count(individuals, "cá nhân"))
            out.append(P(f"{i}. {award}: {', '.join(counts)}", st.heading))
            out += [
                P(f"- {_nominee_line(n)}{'.' if j == len(people) - 1 else ';'}")
                for j, n in enumerate(people)
            ]
        closing = [P(text) for text in d.closing]
        out += closing[:-1]
        out += blocks.signing_area(
            w, signer=d.signer, distribution=d.distribution, keep_with=closing[-1:]
        )
        return out


# -- Biểu tổng hợp --------------------------------------------------------------------------


class NomineeSummary(ReportLayout):
    """Biểu tổng hợp tóm tắt thành tích: one row per nominee with its achievements."""

    code = "nominee_summary"
    sample = staticmethod(samples.nominee_summary)
    title = "Biểu tổng hợp tóm tắt thành tích"
    data_class = NomineeSummaryData
    orientation = "landscape"
    doc_type = "BIỂU TỔNG HỢP"

    def story(self, d: NomineeSummaryData) -> list[Flowable]:
        st = styles()
        w = self.page.frame_width
        out: list[Flowable] = [
            blocks.header_block(d.header, w, type_code=None),
            *self.title_block(self.doc_type, d.summary)[:-1],
        ]
        if d.attached_to:
            out.append(P(f"({d.attached_to.strip().strip('()')})", st.subtitle))
        out.append(Spacer(1, 10))
        head = [
            [
                "STT",
                "Tên tập thể, cá nhân",
                "Chức vụ, đơn vị",
                "Hình thức khen thưởng đề nghị",
                "Tóm tắt thành tích",
                "Ghi chú",
            ]
        ]
        rows = [
            [f"{i}", r.name, r.position, r.award_name, r.achievements, r.note]
            for i, r in enumerate(d.rows, 1)
        ]
        widths = [12 * mm, 48 * mm, 42 * mm, 38 * mm, w - 160 * mm, 20 * mm]
        table = blocks.data_table(head, rows, widths, align="CLLLJL", font_size=11)
        if d.signer is not None:
            out += blocks.signing_area(w, signer=d.signer, after_table=table)
        else:
            out.append(table)
        return out


# -- Tổng hợp kết quả khen thưởng -----------------------------------------------------------


def _n(value: int) -> str:
    """A count as the award tables print it: "3.831", "05", "-" for zero."""
    return format_int(value, zero="-", pad=True)


def award_row_cells(number: str, row: AwardRow) -> list[str]:
    """One table row; percentages are of the row's individuals (RULES.md R3)."""
    return [
        number,
        row.award_name,
        _n(row.total),
        _n(row.collectives),
        _n(row.individuals),
        _n(row.workers),
        format_percent(row.workers, row.individuals),
        _n(row.leaders),
        format_percent(row.leaders, row.individuals),
    ]


class AwardSummary(ReportLayout):
    """The yearly two-level award table, modelled on Trà Vinh's 2023 report (seed:TV)."""

    code = "award_summary"
    sample = staticmethod(samples.award_summary)
    title = "Tổng hợp kết quả khen thưởng"
    data_class = AwardSummaryData

    def metadata(self, data: AwardSummaryData) -> dict[str, str]:
        meta = super().metadata(data)
        meta["subject"] = data.title
        return meta

    def story(self, d: AwardSummaryData) -> list[Flowable]:
        st = styles()
        w = self.page.frame_width
        out: list[Flowable] = []
        if d.header is not None:
            out.append(blocks.header_block(d.header, w, type_code=None))
        out.append(P(blocks.upper(d.title), st.doc_type))
        if d.period:
            out.append(P(d.period, st.summary.clone("period", fontName=st.body.fontName)))
        if d.attached_to:
            out.append(P(f"({d.attached_to.strip().strip('()')})", st.subtitle))
        out.append(Spacer(1, 10))
        widths = [12 * mm, 60 * mm, 15 * mm] + [13 * mm] * 6
        head = [
            ["Số TT", "Hình thức khen thưởng", "Tổng số", "Trong đó", ""]
            + ["Người lao động", "", "Lãnh đạo", ""],
            ["", "", "", "Tập thể", "Cá nhân", "Số lượng", "Tỷ lệ %", "Số lượng", "Tỷ lệ %"],
        ]
        spans = [
            ((0, 0), (0, 1)),
            ((1, 0), (1, 1)),
            ((2, 0), (2, 1)),
            ((3, 0), (4, 0)),
            ((5, 0), (6, 0)),
            ((7, 0), (8, 0)),
        ]
        for section in d.sections:
            out.append(P(section.heading, st.heading.clone("section", firstLineIndent=0)))
            rows = [award_row_cells(f"{i}.", r) for i, r in enumerate(section.rows, 1)]
            total = AwardRow(
                award_name=section.total_label,
                collectives=sum(r.collectives for r in section.rows),
                workers=sum(r.workers for r in section.rows),
                leaders=sum(r.leaders for r in section.rows),
            )
            total_cells = award_row_cells("", total)
            total_cells[6] = total_cells[8] = "-"
            total_cells[1] = P(section.total_label, cell_style(11, "C", bold=True))
            rows.append(total_cells)
            out.append(
                blocks.data_table(
                    head,
                    rows,
                    widths,
                    align="CLCCCCCCC",
                    font_size=11,
                    spans=spans,
                    total_rows=1,
                )
            )
            out.append(Spacer(1, 12))
        if d.signer is not None:
            out += blocks.signing_area(w, signer=d.signer)
        return out


LAYOUTS: tuple[ReportLayout, ...] = (
    BlockMinutes(),
    VoteCountRecord(),
    BallotPaper(),
    ScoringSheet(),
    SubmissionLetter(),
    NomineeSummary(),
    AwardSummary(),
)

__all__ = [
    "LAYOUTS",
    "AwardSummary",
    "BallotPaper",
    "BlockMinutes",
    "NomineeSummary",
    "ScoringSheet",
    "SubmissionLetter",
    "VoteCountRecord",
]
