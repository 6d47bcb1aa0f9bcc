"""Core defaults, registered as a plugin (``portal.defaults``) like any other.

Every implementation here is ``trylast`` so that plugins answer first. The national award
catalogue is *not* here: it lives in the ``national`` plugin, which every province has enabled.
"""

from portal.hookspecs import hookimpl
from portal.types import RankingRules


@hookimpl(trylast=True)
def ranking_rules():
    """No bands; equal totals share a rank and are flagged for the meeting to settle."""
    return RankingRules(source="Mặc định của hệ thống: điểm bằng nhau thì đồng hạng.")
