"""JSON API v1: Bearer-token access to the same operations as the pages, same access rules."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.apiv1 import (  # noqa: E402,F401
    awards,
    ballots,
    criteria,
    dashboard,
    documents,
    dossiers,
    jobs,  # noqa: E402,F401  (background jobs: import and print-all progress)
    meeting,
    resources,
    scoring,
)
