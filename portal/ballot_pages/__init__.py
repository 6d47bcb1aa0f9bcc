"""Secret-ballot pages: the block's ballots, the leader's management page, voting-code slips, the
public voter page, the hall's projector, paper counts, results, exports and the records."""

from flask import Blueprint

bp = Blueprint("ballots", __name__)

from portal.ballot_pages import views, voting  # noqa: E402,F401
