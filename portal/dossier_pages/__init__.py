"""Nomination and dossier pages: nominations (from a ballot or by hand), the block's or unit's
dossier with its checklist, findings, deadlines and history, and the province office's inbox and
review."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__)

from portal.dossier_pages import views  # noqa: E402,F401
