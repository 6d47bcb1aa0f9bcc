"""Administration pages: provinces and plugins, units, blocks, accounts, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import audit, blocks, provinces, units, users  # noqa: E402,F401
