"""JSON API v1: Bearer-token access to the same operations as the pages, same access rules."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.apiv1 import awards, ballots, criteria, documents, dossiers, meeting, resources, scoring  # noqa: E402,F401
