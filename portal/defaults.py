"""Core defaults, registered as a plugin (``portal.defaults``) like any other.

Every implementation here is ``trylast`` so that plugins answer first. The national award
catalogue is *not* here: it lives in the ``national`` plugin, which every province has enabled.
"""

from fractions import Fraction

from portal.hookspecs import hookimpl
from portal.types import BallotRules, RankingRules


@hookimpl(trylast=True)
def ranking_rules():
    """No bands; equal totals share a rank and are flagged for the meeting to settle."""
    return RankingRules(source="Mặc định của hệ thống: điểm bằng nhau thì đồng hạng.")


@hookimpl(trylast=True)
def ballot_rules():
    """More than half of all member units; candidates tied for the last seat go to a run-off
    (RULES.md V6: no national text settles ties, so a province plugin should state its rule)."""
    return BallotRules(
        basis="members", threshold=Fraction(1, 2), strict=True, tie="runoff",
        source="Mặc định của hệ thống (đa số quá bán tổng số thành viên của Khối).",
    )
