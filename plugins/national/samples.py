"""Realistic Vietnamese data for every national layout (Lai Châu, year 2023, block conference).

Used for the layout previews in the portal, the tests, the benchmark and the visual check; the names are invented but shaped like the
seeds' (units of a provincial block, commune names of Lai Châu, the awards of RULES.md §3).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

from portal.documents.data import (
    Attendee,
    AwardRow,
    AwardSection,
    AwardSummaryData,
    BallotPaperData,
    BlockMinutesData,
    CandidateResult,
    CriteriaGroup,
    Distribution,
    DocumentHeader,
    MinutesItem,
    Nominee,
    NomineeSummaryData,
    NomineeSummaryRow,
    ScoringSheetData,
    Signature,
    SubmissionLetterData,
    TallyMember,
    UnitResult,
    UnitScore,
    VoteCountData,
)
from portal.types import BallotRules

BLOCK = "Khối thi đua các cơ quan Văn hóa - Xã hội"
PARENT = "UBND tỉnh Lai Châu"
FLAG = "Cờ thi đua của Ủy ban nhân dân tỉnh"
CERT = "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"

UNITS = (
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Khoa học và Công nghệ",
    "Sở Thông tin và Truyền thông",
    "Ban Dân tộc tỉnh",
    "Đài Phát thanh và Truyền hình tỉnh",
    "Báo Lai Châu",
    "Bảo hiểm xã hội tỉnh",
    "Trường Cao đẳng Cộng đồng Lai Châu",
    "Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh",
)

COMMUNES = (
    "Bản Hon",
    "Bình Lư",
    "Khun Há",
    "Nà Tăm",
    "Phúc Khoa",
    "Mường Kim",
    "Pa Ủ",
    "Tà Tổng",
    "Sìn Hồ",
    "Nậm Tăm",
    "Tả Lèng",
    "Dào San",
    "Sì Lở Lầu",
    "Mù Cả",
    "Thu Lũm",
    "Bum Nưa",
    "Ka Lăng",
    "Pắc Ta",
    "Mường Than",
    "Khoen On",
    "Hua Bum",
    "Lê Lợi",
    "Pa Tần",
    "Nậm Hàng",
    "Phìn Hồ",
    "Tủa Sín Chải",
    "Căn Co",
    "Nậm Mạ",
    "Lùng Thàng",
    "Hồng Thu",
)


def header(number: int | None = 5, day: dt.date | None = dt.date(2024, 1, 5)) -> DocumentHeader:
    return DocumentHeader(
        parent_body=PARENT,
        issuing_body=BLOCK,
        body_code="KTĐ",
        number=number,
        place="Lai Châu",
        date=day,
    )


def distribution() -> Distribution:
    return Distribution(
        recipients=(
            "Hội đồng Thi đua - Khen thưởng tỉnh (b/c)",
            "Sở Nội vụ (Phòng Thi đua, khen thưởng)",
            "Các đơn vị thành viên Khối",
        ),
        archive="VT, Hồ sơ",
    )


def block_minutes() -> BlockMinutesData:
    attendees = (
        Attendee("Lò Văn Hùng", "Giám đốc", "Sở Giáo dục và Đào tạo, Khối trưởng"),
        Attendee("Nguyễn Thị Thu Hương", "Phó Giám đốc", "Sở Y tế, Khối phó"),
        Attendee("Đặng Quốc Việt", "Phó Giám đốc", "Sở Văn hóa, Thể thao và Du lịch"),
        Attendee("Tẩn Láo Sử", "Phó Trưởng ban", "Ban Dân tộc tỉnh"),
        Attendee("Vàng Thị Mỷ", "Phó Tổng Biên tập", "Báo Lai Châu"),
        Attendee("Trần Đức Thắng", "Phó Giám đốc", "Bảo hiểm xã hội tỉnh"),
        Attendee("Hà Thị Lượng", "Trưởng phòng Thi đua, khen thưởng", "Sở Nội vụ"),
    )
    return BlockMinutesData(
        header=header(5),
        summary="Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023",
        block_name=BLOCK,
        emulation_year=2023,
        started_at=dt.datetime(2024, 1, 5, 8, 0),
        ended_at=dt.datetime(2024, 1, 5, 11, 30),
        venue="Hội trường tầng 3, Sở Giáo dục và Đào tạo tỉnh Lai Châu",
        chair=attendees[0],
        secretary=Attendee("Phạm Thị Ngọc Ánh", "Chuyên viên Văn phòng", "Sở Giáo dục và Đào tạo"),
        attendees=attendees,
        absent_units=("Trường Cao đẳng Cộng đồng Lai Châu (có lý do)",),
        content=(
            MinutesItem(
                "Báo cáo tổng kết phong trào thi đua năm 2023",
                (
                    "Đồng chí Lò Văn Hùng, Khối trưởng, trình bày báo cáo tổng kết công tác thi "
                    "đua, khen thưởng năm 2023 của Khối; đánh giá ưu điểm, hạn chế và đề ra "
                    "phương hướng, nhiệm vụ năm 2024.",
                    "Các đại biểu thảo luận, thống nhất với nội dung báo cáo; đề nghị bổ sung "
                    "kết quả thực hiện giao ước thi đua và các điển hình tiên tiến được biểu "
                    "dương trong năm.",
                ),
            ),
            MinutesItem(
                "Công bố kết quả chấm điểm thi đua",
                (
                    "Hội nghị nghe công bố kết quả chấm điểm của Hội nghị chấm điểm ngày "
                    "03/01/2024; các đơn vị nhất trí với điểm Khối thống nhất và thứ tự xếp hạng "
                    "tại bảng kèm theo.",
                ),
            ),
            MinutesItem(
                "Bình xét khen thưởng bằng hình thức bỏ phiếu kín",
                (
                    "Hội nghị bầu Ban kiểm phiếu gồm 03 đồng chí, tiến hành bỏ phiếu kín bình xét "
                    f"đơn vị đề nghị tặng {FLAG} và {CERT}; kết quả kiểm phiếu được công bố công "
                    "khai tại Hội nghị.",
                ),
            ),
        ),
        results=tuple(
            UnitResult(
                rank=i,
                unit_name=UNITS[i - 1],
                agreed_score=Decimal("97.50") - Decimal("1.25") * i,
                votes_agree=12 - i,
                proposed_award=FLAG if i == 1 else (CERT if i <= 3 else ""),
            )
            for i in range(1, 7)
        ),
        vote_basis_count=12,
        distribution=distribution(),
    )


def vote_count() -> VoteCountData:
    votes = (10, 7, 11, 5, 0)
    names = (UNITS[0], UNITS[1], UNITS[2], UNITS[6], UNITS[8])
    return VoteCountData(
        header=header(6),
        summary=f"Kiểm phiếu bình xét đề nghị tặng {FLAG} năm 2023",
        block_name=BLOCK,
        award_name=FLAG,
        seats=1,
        held_at=dt.datetime(2024, 1, 5, 10, 15),
        ended_at=dt.datetime(2024, 1, 5, 10, 45),
        venue="Hội trường tầng 3, Sở Giáo dục và Đào tạo tỉnh Lai Châu",
        committee=(
            TallyMember("Đỗ Thị Huyền Trang", "Trưởng ban", "Chánh Văn phòng", "Sở Y tế"),
            TallyMember("Giàng A Dế", "Thành viên", "Chuyên viên", "Ban Dân tộc tỉnh"),
            TallyMember("Lường Văn Nguyện", "Thành viên", "Phó Trưởng phòng", "Báo Lai Châu"),
        ),
        member_count=12,
        present_count=11,
        ballots_issued=11,
        ballots_returned=11,
        ballots_valid=11,
        ballots_invalid=0,
        rule=BallotRules(basis="members", threshold=Fraction(4, 5), strict=False),
        candidates=tuple(
            CandidateResult(name, v, elected=(v == 11))
            for name, v in zip(names, votes, strict=True)
        ),
        distribution=Distribution(("Hồ sơ Hội nghị",), "VT"),
    )


def ballot(method: str = "tick") -> BallotPaperData:
    return BallotPaperData(
        header=header(None, None),
        summary=f"Bình xét đề nghị tặng {FLAG} năm 2023",
        award_name=FLAG,
        seats=1,
        candidates=(UNITS[0], UNITS[1], UNITS[2], UNITS[6], UNITS[8]),
        method=method,
    )


GROUPS = (
    CriteriaGroup("I", "Thực hiện nhiệm vụ chính trị được giao", Decimal(50)),
    CriteriaGroup("II", "Công tác thi đua, khen thưởng", Decimal(20)),
    CriteriaGroup("III", "Xây dựng Đảng, đoàn thể vững mạnh", Decimal(15)),
    CriteriaGroup("IV", "Cải cách hành chính, chuyển đổi số", Decimal(15)),
)


def scoring_unit_names(count: int) -> list[str]:
    names = list(UNITS)
    kinds = ("Trường Tiểu học xã", "Trạm Y tế xã", "Trường Trung học cơ sở xã")
    for kind in kinds:
        names += [f"{kind} {c}" for c in COMMUNES]
    return names[:count]


def scoring_sheet(units: int = 60) -> ScoringSheetData:
    rng = random.Random(2023)  # noqa: S311 - seeded, for repeatable sample figures
    raw = []
    for name in scoring_unit_names(units):
        scores = tuple(
            Decimal(rng.randint(int(g.max_score * 3), int(g.max_score * 4))) / 4 for g in GROUPS
        )
        total = sum(scores, Decimal(0))
        self_score = min(total + Decimal(rng.randint(0, 8)) / 4, Decimal(100))
        raw.append((name, scores, self_score, total))
    ordered = sorted(raw, key=lambda r: -r[3])
    rank = {r[0]: i for i, r in enumerate(ordered, 1)}

    rows = tuple(UnitScore(n, s, ss, t, rank[n]) for n, s, ss, t in raw)
    return ScoringSheetData(
        header=header(None, dt.date(2024, 1, 3)),
        summary=f"Năm 2023 của {BLOCK}",
        block_name=BLOCK,
        emulation_year=2023,
        groups=GROUPS,
        rows=rows,
        signer=Signature(
            authority=("TM. ĐƠN VỊ KHỐI TRƯỞNG",), title="GIÁM ĐỐC", name="Lò Văn Hùng"
        ),
        notes=(
            "Ghi chú: Điểm Khối thống nhất tại Hội nghị chấm điểm ngày 03/01/2024; xếp hạng "
            "theo tổng điểm Khối thống nhất.",
        ),
        distribution=Distribution(("Sở Nội vụ (Phòng Thi đua, khen thưởng)",), "VT"),
    )


def submission_letter() -> SubmissionLetterData:
    return SubmissionLetterData(
        header=header(7, dt.date(2024, 1, 15)),
        summary=f"Về việc đề nghị tặng {FLAG} và {CERT} năm 2023",
        addressees=("Hội đồng Thi đua - Khen thưởng tỉnh Lai Châu",),
        legal_bases=(
            "Căn cứ Luật Thi đua, khen thưởng ngày 15/6/2022",
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ quy định chi tiết "
            "thi hành một số điều của Luật Thi đua, khen thưởng",
            "Căn cứ Quyết định số 06/2018/QĐ-UBND ngày 21/02/2018 của Ủy ban nhân dân tỉnh về "
            "việc ban hành Quy định công tác thi đua, khen thưởng trên địa bàn tỉnh Lai Châu",
            "Căn cứ Biên bản họp Khối ngày 05/01/2024 và kết quả bỏ phiếu kín",
        ),
        body=(
            f"Năm 2023, các đơn vị trong {BLOCK} đã tích cực hưởng ứng phong trào thi đua yêu "
            "nước, hoàn thành xuất sắc nhiệm vụ chính trị được giao. Căn cứ kết quả chấm điểm và "
            "bình xét tại Hội nghị tổng kết, Khối thi đua kính trình Hội đồng Thi đua - Khen "
            "thưởng tỉnh xem xét, trình Chủ tịch Ủy ban nhân dân tỉnh khen thưởng cho các tập "
            "thể, cá nhân sau:",
        ),
        nominees=(
            Nominee(UNITS[2], FLAG),
            Nominee(UNITS[0], CERT),
            Nominee(UNITS[1], CERT),
            Nominee(
                "Nguyễn Thị Thu Hương",
                CERT,
                recipient="individual",
                position="Phó Giám đốc",
                unit="Sở Y tế",
            ),
        ),
        closing=(
            "(Có biên bản họp Khối, kết quả bỏ phiếu kín, báo cáo thành tích và biểu tổng hợp "
            "kèm theo).",
            "Kính đề nghị Hội đồng Thi đua - Khen thưởng tỉnh xem xét, trình Chủ tịch Ủy ban "
            "nhân dân tỉnh quyết định./.",
        ),
        signer=Signature(
            authority=("TM. ĐƠN VỊ KHỐI TRƯỞNG",), title="GIÁM ĐỐC", name="Lò Văn Hùng"
        ),
        distribution=Distribution(
            ("Như trên", "Sở Nội vụ (Phòng Thi đua, khen thưởng)"), "VT, Khối TĐ"
        ),
    )


def nominee_summary() -> NomineeSummaryData:
    return NomineeSummaryData(
        header=header(None, dt.date(2024, 1, 15)),
        summary="Tóm tắt thành tích của tập thể, cá nhân đề nghị khen thưởng năm 2023",
        attached_to="Kèm theo Tờ trình số 07/TTr-KTĐ ngày 15/01/2024 của " + BLOCK,
        rows=(
            NomineeSummaryRow(
                UNITS[2],
                FLAG,
                "Dẫn đầu Khối thi đua năm 2023 với 95,25 điểm; tổ chức thành công Tuần Văn hóa, "
                "Du lịch Lai Châu; 100% chỉ tiêu được giao hoàn thành vượt mức.",
                position="Trực thuộc Ủy ban nhân dân tỉnh",
            ),
            NomineeSummaryRow(
                UNITS[0],
                CERT,
                "Tỷ lệ học sinh tốt nghiệp trung học phổ thông đạt 98,7%; 12 trường đạt chuẩn "
                "quốc gia trong năm; ứng dụng chuyển đổi số trong quản lý giáo dục.",
                position="Trực thuộc Ủy ban nhân dân tỉnh",
            ),
            NomineeSummaryRow(
                "Nguyễn Thị Thu Hương",
                CERT,
                "Chỉ đạo phòng, chống dịch bệnh hiệu quả; chủ trì sáng kiến “Quản lý hồ sơ sức "
                "khỏe điện tử” được công nhận phạm vi cấp tỉnh; hai năm liền Chiến sĩ thi đua cơ sở.",
                position="Phó Giám đốc Sở Y tế",
                note="Nữ, dân tộc Kinh",
            ),
        ),
        signer=Signature(
            authority=("TM. ĐƠN VỊ KHỐI TRƯỞNG",), title="GIÁM ĐỐC", name="Lò Văn Hùng"
        ),
    )


def award_summary() -> AwardSummaryData:
    """The Trà Vinh 2023 tables (seed:TV), counts as printed there."""
    return AwardSummaryData(
        title="Tổng hợp kết quả khen thưởng năm 2023",
        period="Số hiệu từ ngày 01/01/2023 đến ngày 30/12/2023",
        attached_to="Kèm theo Báo cáo số: 315/BC-UBND ngày 15/11/2023 của Chủ tịch UBND tỉnh "
        "Trà Vinh",
        sections=(
            AwardSection(
                "1. Khen cấp Nhà nước",
                (
                    AwardRow("Anh hùng Lao động"),
                    AwardRow("Bà mẹ Việt Nam Anh hùng"),
                    AwardRow("Huân chương Độc lập các hạng"),
                    AwardRow("Huân chương Lao động các hạng", 6, 5, 16),
                    AwardRow("Chiến sĩ thi đua toàn quốc", 0, 0, 1),
                    AwardRow("Cờ thi đua của Chính phủ", 11),
                    AwardRow("Bằng khen của Thủ tướng Chính phủ", 8, 181, 31),
                ),
            ),
            AwardSection(
                "2. Khen cấp tỉnh",
                (
                    AwardRow("Bằng khen của UBND tỉnh", 673, 2083, 1075),
                    AwardRow("Chiến sĩ thi đua cấp tỉnh", 0, 267, 143),
                    AwardRow("Cờ thi đua cấp tỉnh", 46),
                    AwardRow("Tập thể Lao động xuất sắc", 398),
                ),
                total_label="CỘNG:",
            ),
        ),
    )


ALL = {
    "block_minutes": block_minutes,
    "vote_count_record": vote_count,
    "ballot_paper": ballot,
    "scoring_sheet": scoring_sheet,
    "submission_letter": submission_letter,
    "nominee_summary": nominee_summary,
    "award_summary": award_summary,
}
