"""Criteria tables (bảng tiêu chí, thang điểm) of a province, per emulation year: list, create
(blank, from a plugin's template, copied from last year, imported from XLSX/CSV), view as a tree,
edit row by row (a locked table gets a new version instead), export."""

from flask import Blueprint

bp = Blueprint("criteria", __name__)

from portal.criteria_pages import views  # noqa: E402,F401
