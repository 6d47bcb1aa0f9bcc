"""Award records and the province's award statistics (pages).

Province officers (and admins) manage a province's records: list with filters, add, edit, delete,
import from CSV/XLSX with a preview, export. Observers of the province read the list and the
statistics; the statistics page shows the two-level summary table with the previous year beside
it, downloadable as PDF (the ``award_summary`` layout in force for the province) and XLSX.
"""

from flask import Blueprint

bp = Blueprint("awards", __name__)

from portal.award_pages import statistics, views  # noqa: E402,F401
