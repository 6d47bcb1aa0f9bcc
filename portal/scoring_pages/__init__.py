"""Pages for a block's scoring round: the round page (dates, state, transitions, members' progress),
a unit's self-scoring page with autosave, and evidence files."""

from flask import Blueprint

bp = Blueprint("scoring", __name__)

from portal.scoring_pages import views  # noqa: E402,F401
