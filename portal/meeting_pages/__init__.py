"""Pages of the scoring meeting and its results: the meeting sheet (attendance, secretary, agreed
scores unit by unit), cross-scoring, the live ranking, exports, and the province's overview."""

from flask import Blueprint

bp = Blueprint("meeting", __name__)

from portal.meeting_pages import views  # noqa: E402,F401
