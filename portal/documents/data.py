"""Plain data the generic layouts print: what each document needs, and nothing about where it
comes from.

Why plain frozen dataclasses: a layout receives one of these and never touches the database, so
the same object can be fingerprinted (``fingerprint``), rendered in a test without an app, and
filled by whichever part of the portal produces the document. Names follow ``GLOSSARY.md``; the
content (names of units, people, awards) is Vietnamese and printed as given.

The checks in ``__post_init__`` refuse figures that cannot be printed honestly (ballots that do not
add up, scores whose groups do not sum to the total) instead of letting a wrong paper be signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from portal.types import BallotRules

AUTHORITY_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")

# -- shared parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentHeader:
    """The top of page 1: who issues the document, its number, where and when.

    ``issuing_body`` and ``parent_body`` are printed in capitals whatever case they are given in.
    ``body_code`` is the issuing body's part of the number symbol ("KTĐ" in "05/BB-KTĐ"); the
    layout supplies the document-type part ("BB"). ``number`` is ``None`` until the portal has
    allocated one; the line is then printed with room to write it by hand.
    """

    issuing_body: str
    place: str
    date: dt.date | None
    body_code: str = ""
    number: int | None = None
    parent_body: str = ""

    def __post_init__(self):
        if not self.issuing_body.strip():
            raise ValueError("issuing_body is empty")
        if self.number is not None and self.number < 1:
            raise ValueError("number must be 1 or more")


@dataclass(frozen=True)
class Signature:
    """One signature block (NĐ 30/2020 Phụ lục I, II.7).

    ``authority`` lines come first, each starting with TM., KT., Q., TL. or TUQ.
    ("TM. BAN KIỂM PHIẾU"; "TM. HỘI ĐỒNG", "KT. CHỦ TỊCH"); then ``title`` ("TRƯỞNG BAN"), any
    ``extra_titles`` ("GIÁM ĐỐC SỞ NỘI VỤ"), the space for the hand signature and seal, and
    ``name`` in bold. No academic titles before the name.
    """

    title: str
    name: str
    authority: tuple[str, ...] = ()
    extra_titles: tuple[str, ...] = ()

    def __post_init__(self):
        for line in self.authority:
            if not line.strip().upper().startswith(tuple(p + " " for p in AUTHORITY_PREFIXES)):
                raise ValueError(
                    f"authority line {line!r} must start with one of {', '.join(AUTHORITY_PREFIXES)}"
                )


@dataclass(frozen=True)
class Distribution:
    """The "Nơi nhận:" list: one recipient per entry, then "- Lưu: <archive>." last.

    Entries are given without the leading "- " and the closing ";" (the layout adds them):
    ``("Như trên", "Sở Nội vụ (Phòng TĐKT)")``, ``archive="VT, Hồ sơ"``.
    """

    recipients: tuple[str, ...] = ()
    archive: str = "VT"


@dataclass(frozen=True)
class Attendee:
    """A person at a meeting, as minutes name them: "Đồng chí Nguyễn Văn An - Giám đốc Sở Tư pháp".

    ``name`` is the bare name (it is also printed under a signature, where no title may precede
    it); ``honorific`` is put before it in running text.
    """

    name: str
    position: str = ""
    unit: str = ""
    honorific: str = "Đồng chí"


# -- Biên bản họp khối ----------------------------------------------------------------------


@dataclass(frozen=True)
class MinutesItem:
    """One part of the meeting's content: a heading ("Báo cáo kết quả chấm điểm") and paragraphs."""

    heading: str
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitResult:
    """A unit's line in the results attached to the minutes: agreed score, rank, ballot result.
    ``agreed_score`` is ``None`` when the block has no agreed scoring (the cell stays empty)."""

    rank: int
    unit_name: str
    agreed_score: Decimal | None
    votes_agree: int | None = None
    proposed_award: str = ""


@dataclass(frozen=True)
class BlockMinutesData:
    """Biên bản họp khối (Mẫu 1.9 of NĐ 30/2020): the block's summary conference."""

    header: DocumentHeader
    summary: str  # trích yếu: "Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023"
    block_name: str
    emulation_year: int
    started_at: dt.datetime
    ended_at: dt.datetime
    venue: str
    chair: Attendee
    secretary: Attendee
    attendees: tuple[Attendee, ...]
    content: tuple[MinutesItem, ...]
    results: tuple[UnitResult, ...] = ()
    vote_basis_count: int = 0  # what the votes' % is of (e.g. the block's member count)
    vote_basis_label: str = "tổng số thành viên của Khối"
    absent_units: tuple[str, ...] = ()
    copies: int = 2
    distribution: Distribution = field(default_factory=Distribution)

    def __post_init__(self):
        if self.ended_at < self.started_at:
            raise ValueError("the meeting ends before it starts")
        if any(r.votes_agree is not None for r in self.results) and self.vote_basis_count < 1:
            raise ValueError("results carry votes but vote_basis_count is not set")


# -- Biên bản kiểm phiếu --------------------------------------------------------------------



@dataclass(frozen=True)
class TallyMember:
    """A member of the tally committee (Ban kiểm phiếu); ``role`` "Trưởng ban" or "Thành viên"."""

    name: str
    role: str
    position: str = ""
    unit: str = ""
    honorific: str = "Đồng chí"


@dataclass(frozen=True)
class CandidateResult:
    """A candidate's "agree" votes and whether the count elected it (decided by the vote rules)."""

    name: str
    votes_agree: int
    elected: bool


@dataclass(frozen=True)
class VoteCountData:
    """Biên bản kiểm phiếu: the count of one secret ballot (RULES.md P6, BAL-3)."""

    header: DocumentHeader
    summary: str  # "Kiểm phiếu bình xét đề nghị tặng Cờ thi đua của UBND tỉnh năm 2023"
    block_name: str
    award_name: str
    seats: int
    held_at: dt.datetime
    venue: str
    committee: tuple[TallyMember, ...]
    member_count: int
    present_count: int
    ballots_issued: int
    ballots_returned: int
    ballots_valid: int
    ballots_invalid: int
    rule: BallotRules  # the ballot's own rule, printed in words (portal.logic.tally.rule_text)
    candidates: tuple[CandidateResult, ...]
    ended_at: dt.datetime | None = None
    distribution: Distribution = field(default_factory=Distribution)

    def __post_init__(self):
        problems = []
        if self.present_count > self.member_count:
            problems.append("more members present than the block has")
        if self.ballots_returned > self.ballots_issued:
            problems.append("more ballots returned than issued")
        if self.ballots_valid + self.ballots_invalid != self.ballots_returned:
            problems.append("valid + invalid ballots differ from ballots returned")
        for c in self.candidates:
            if not 0 <= c.votes_agree <= self.ballots_valid:
                problems.append(f"{c.name}: votes outside 0..valid ballots")
        if sum(c.elected for c in self.candidates) > self.seats:
            problems.append("more candidates elected than seats")
        if not self.committee:
            problems.append("the tally committee is empty")
        if problems:
            raise ValueError("vote count: " + "; ".join(problems))

    @property
    def basis_count(self) -> int:
        """The number the percentages are of, according to the rule's basis."""
        return {
            "members": self.member_count,
            "present": self.present_count,
            "valid": self.ballots_valid,
        }[self.rule.basis]


# -- Phiếu bầu ------------------------------------------------------------------------------

BallotMethod = Literal["tick", "strike"]


@dataclass(frozen=True)
class BallotPaperData:
    """Phiếu bầu, one candidate list per ballot (RULES.md P1-P3, BAL-1).

    ``method`` "tick": columns Đồng ý / Không đồng ý, one mark per row (list without surplus);
    "strike": the voter strikes through the whole name of each candidate not chosen.
    ``copies`` ballots are printed, one per page. ``instructions`` replaces the default line.
    """

    header: DocumentHeader
    summary: str  # "Bình xét đề nghị tặng Cờ thi đua của UBND tỉnh năm 2023"
    award_name: str
    seats: int
    candidates: tuple[str, ...]
    method: BallotMethod = "tick"
    instructions: str = ""
    copies: int = 1

    def __post_init__(self):
        if self.method not in ("tick", "strike"):
            raise ValueError(f"unknown ballot method {self.method!r}")
        if not self.candidates:
            raise ValueError("a ballot needs candidates")
        if not 1 <= self.copies <= 500:
            raise ValueError("copies must be within 1..500")
        if self.seats < 1:
            raise ValueError("seats must be 1 or more")


# -- Bảng tổng hợp kết quả chấm điểm --------------------------------------------------------


@dataclass(frozen=True)
class CriteriaGroup:
    """A column group of the scoring sheet: "I", "Thực hiện nhiệm vụ chính trị", up to 40 points."""

    code: str
    name: str
    max_score: Decimal


@dataclass(frozen=True)
class UnitScore:
    """A unit's row: agreed score per criteria group, its self score and agreed total, its rank."""

    unit_name: str
    group_scores: tuple[Decimal, ...]
    self_score: Decimal
    agreed_score: Decimal
    rank: int


@dataclass(frozen=True)
class ScoringSheetData:
    """Bảng tổng hợp kết quả chấm điểm (landscape), signed by the block leader (RULES.md S1)."""

    header: DocumentHeader
    summary: str  # "Kết quả chấm điểm thi đua năm 2023 của Khối thi đua ..."
    block_name: str
    emulation_year: int
    groups: tuple[CriteriaGroup, ...]
    rows: tuple[UnitScore, ...]
    signer: Signature
    decimals: int = 2
    notes: tuple[str, ...] = ()
    distribution: Distribution | None = None

    def __post_init__(self):
        for row in self.rows:
            if len(row.group_scores) != len(self.groups):
                raise ValueError(f"{row.unit_name}: {len(row.group_scores)} group scores")
            if sum(row.group_scores, Decimal(0)) != row.agreed_score:
                raise ValueError(f"{row.unit_name}: group scores do not add up to the total")


# -- Tờ trình, Biểu tổng hợp ----------------------------------------------------------------

RecipientKind = Literal["collective", "individual"]


@dataclass(frozen=True)
class Nominee:
    """A collective or individual proposed for an award; ``position`` and ``unit`` for people."""

    name: str
    award_name: str
    recipient: RecipientKind = "collective"
    position: str = ""
    unit: str = ""


@dataclass(frozen=True)
class SubmissionLetterData:
    """Tờ trình đề nghị khen thưởng, from the block leader to the province (RULES.md D1)."""

    header: DocumentHeader
    summary: str  # "Về việc đề nghị tặng Cờ thi đua và Bằng khen của Chủ tịch UBND tỉnh năm 2023"
    addressees: tuple[str, ...]  # Kính gửi
    legal_bases: tuple[str, ...]  # căn cứ, italic, one per line
    body: tuple[str, ...]
    nominees: tuple[Nominee, ...]
    closing: tuple[str, ...]
    signer: Signature
    distribution: Distribution = field(default_factory=Distribution)


@dataclass(frozen=True)
class NomineeSummaryRow:
    """A line of the summary sheet: who, what award, and the achievements in a few sentences."""

    name: str
    award_name: str
    achievements: str
    position: str = ""  # chức vụ, đơn vị (people) or the managing body (collectives)
    note: str = ""


@dataclass(frozen=True)
class NomineeSummaryData:
    """Biểu tổng hợp tóm tắt thành tích (landscape), attached to a submission letter."""

    header: DocumentHeader
    summary: str  # "Tóm tắt thành tích của tập thể, cá nhân đề nghị khen thưởng năm 2023"
    rows: tuple[NomineeSummaryRow, ...]
    attached_to: str = ""  # "Kèm theo Tờ trình số 05/TTr-KTĐ ngày 15/01/2024 của ..."
    signer: Signature | None = None


# -- two-level award summary ----------------------------------------------------------------


@dataclass(frozen=True)
class AwardRow:
    """One award form's counts; individuals are split into workers and leaders (seed:TV)."""

    award_name: str
    collectives: int = 0
    workers: int = 0
    leaders: int = 0

    def __post_init__(self):
        if min(self.collectives, self.workers, self.leaders) < 0:
            raise ValueError(f"{self.award_name}: negative count")

    @property
    def individuals(self) -> int:
        return self.workers + self.leaders

    @property
    def total(self) -> int:
        return self.collectives + self.individuals


@dataclass(frozen=True)
class AwardSection:
    """A table of the summary: "1. Khen cấp Nhà nước" or "2. Khen cấp tỉnh"."""

    heading: str
    rows: tuple[AwardRow, ...]
    total_label: str = "CỘNG"


@dataclass(frozen=True)
class AwardSummaryData:
    """Tổng hợp kết quả khen thưởng: state level and provincial level tables (RULES.md R1-R3)."""

    title: str  # "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG NĂM 2023"
    sections: tuple[AwardSection, ...]
    period: str = ""  # "Số hiệu từ ngày 01/01/2023 đến ngày 30/12/2023"
    attached_to: str = ""  # "Kèm theo Báo cáo số: 315/BC-UBND ngày 15/11/2023 của ..."
    header: DocumentHeader | None = None
    signer: Signature | None = None
