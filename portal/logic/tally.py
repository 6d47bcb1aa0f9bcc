"""Counting a secret ballot: who qualifies, who is elected, and ties — exact arithmetic only.

The rule comes from ``BallotRules`` (basis, fraction, strict or not, tie outcome). Shares are
``Fraction``s: 4 of 5 members is exactly 80 %, so "at least 80 %" never fails on rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from portal.types import BallotRules

BASIS_WORDS = {
    "members": "tổng số thành viên của Khối",
    "present": "tổng số thành viên có mặt",
    "valid": "tổng số phiếu hợp lệ",
}


@dataclass(frozen=True)
class Counts:
    """Figures of the vote-count record (biên bản kiểm phiếu)."""

    members: int
    present: int
    issued: int
    returned: int
    valid: int
    invalid: int

    def basis(self, basis: str) -> int:
        return {"members": self.members, "present": self.present, "valid": self.valid}[basis]


def count_problems(counts: Counts, votes: Mapping[object, int], seats: int, *, strike: bool = False) -> list[str]:
    """Why a count cannot be right (RULES.md P4–P6), in Vietnamese; empty when consistent."""
    c = counts
    problems = []
    if min(c.members, c.present, c.issued, c.returned, c.valid, c.invalid) < 0:
        problems.append("Các số liệu không được âm.")
    if c.present > c.members:
        problems.append(f"Số thành viên có mặt ({c.present}) lớn hơn số thành viên của Khối ({c.members}).")
    if c.issued > c.present:
        problems.append(f"Số phiếu phát ra ({c.issued}) lớn hơn số thành viên có mặt ({c.present}).")
    if c.returned > c.issued:
        problems.append(f"Số phiếu thu về ({c.returned}) lớn hơn số phiếu phát ra ({c.issued}).")
    if c.valid + c.invalid != c.returned:
        problems.append(
            f"Phiếu hợp lệ ({c.valid}) cộng phiếu không hợp lệ ({c.invalid}) phải bằng số phiếu thu về ({c.returned})."
        )
    for candidate, n in votes.items():
        if n < 0 or n > c.valid:
            problems.append(f"Số phiếu đồng ý của {candidate} ({n}) phải từ 0 đến số phiếu hợp lệ ({c.valid}).")
    if strike and sum(votes.values()) > seats * c.valid:
        problems.append(
            f"Tổng số phiếu đồng ý ({sum(votes.values())}) vượt quá số phiếu hợp lệ nhân số lượng được bầu "
            f"({c.valid} × {seats}): mỗi phiếu hợp lệ giữ lại nhiều nhất {seats} tên."
        )
    return problems


@dataclass(frozen=True)
class CandidateResult:
    candidate: object
    votes: int
    share: Fraction | None  # of the rule's basis; None when the basis is 0
    qualified: bool
    elected: bool
    tied: bool


@dataclass(frozen=True)
class Outcome:
    results: tuple[CandidateResult, ...]  # most votes first, then in the order given
    elected: tuple
    tied: tuple  # candidates tied for the remaining seats
    seats_left: int  # seats the tie decides
    tie_outcome: str | None  # "runoff" or "refer" when there is a tie

    @property
    def needs_runoff(self) -> bool:
        return self.tie_outcome == "runoff" and bool(self.tied)


def qualifies(votes: int, basis: int, rules: BallotRules) -> bool:
    if basis <= 0:
        return False
    share = Fraction(votes, basis)
    return share > rules.threshold if rules.strict else share >= rules.threshold


def tally(candidates: Sequence, votes: Mapping[object, int], seats: int, counts: Counts, rules: BallotRules) -> Outcome:
    """Apply ``rules``: qualified candidates take the seats by votes; ties for the last seat are
    reported, never decided by order or chance."""
    if seats < 1:
        raise ValueError("seats must be at least 1")
    basis = counts.basis(rules.basis)
    order = {c: i for i, c in enumerate(candidates)}
    ranked = sorted(candidates, key=lambda c: (-votes.get(c, 0), order[c]))
    qualified = [c for c in ranked if qualifies(votes.get(c, 0), basis, rules)]
    elected, tied = list(qualified), []
    if len(qualified) > seats:
        boundary = votes.get(qualified[seats - 1], 0)
        above = [c for c in qualified if votes.get(c, 0) > boundary]
        at = [c for c in qualified if votes.get(c, 0) == boundary]
        if len(above) + len(at) <= seats:
            elected = above + at
        else:
            elected, tied = above, at
    seats_left = seats - len(elected) if tied else 0
    results = tuple(
        CandidateResult(
            candidate=c,
            votes=votes.get(c, 0),
            share=Fraction(votes.get(c, 0), basis) if basis > 0 else None,
            qualified=c in qualified,
            elected=c in elected,
            tied=c in tied,
        )
        for c in ranked
    )
    return Outcome(results, tuple(elected), tuple(tied), seats_left, rules.tie if tied else None)


def fraction_words(value: Fraction) -> str:
    """80 % when the fraction is a whole or one-decimal percentage, else "2/3"."""
    percent = value * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    if (percent * 10).denominator == 1:
        return f"{str(float(percent)).replace('.', ',')}%"
    return f"{value.numerator}/{value.denominator}"


def basis_words(basis: str, count: int | None = None) -> str:
    """ "tổng số thành viên của Khối", with its size when known: "… (12 đơn vị)"."""
    words = BASIS_WORDS[basis]
    if count is None:
        return words
    noun = "phiếu" if basis == "valid" else "đơn vị"
    return f"{words} ({count:02d} {noun})" if count else f"{words} (0 {noun})"


def rule_text(rules: BallotRules, seats: int, basis_count: int | None = None) -> str:
    """The rule in words, as the vote-count record prints it; with ``basis_count`` the basis
    names its size ("tổng số thành viên của Khối (12 đơn vị)")."""
    share = fraction_words(rules.threshold)
    basis = basis_words(rules.basis, basis_count)
    if rules.strict:
        core = f"Đơn vị được đề nghị phải đạt số phiếu đồng ý trên {share} so với {basis}"
    else:
        core = f"Đơn vị được đề nghị phải đạt số phiếu đồng ý từ {share} trở lên so với {basis}"
    order = (
        f"; trường hợp số đơn vị đạt tỷ lệ nhiều hơn số lượng được bầu ({seats:02d} đơn vị) "
        "thì lấy theo thứ tự số phiếu đồng ý từ cao xuống thấp"
    )
    tie = (
        "; nếu các đơn vị bằng phiếu nhau ở vị trí cuối cùng thì bỏ phiếu lại giữa các đơn vị đó"
        if rules.tie == "runoff"
        else "; nếu các đơn vị bằng phiếu nhau ở vị trí cuối cùng thì báo cáo Hội đồng Thi đua - Khen thưởng tỉnh xem xét, quyết định"
    )
    return core + order + tie + "."
