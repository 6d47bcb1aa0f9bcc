"""Login, logout, own password and profile, personal API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from portal.auth import views  # noqa: E402,F401
