"""Blueprint registration: one place that lists every part of the web app."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError


class IdConverter(IntegerConverter):
    """``<int:...>`` that stops at the database's largest integer: a longer number is a 404,
    not an overflow inside the database driver (a 500 on SQLite)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value):
        # Werkzeug skips a rule whose converter refuses the value but still counts the methods
        # of the rules it tried first, so a too-large id answered PUT with 405 where GET had
        # 404. A number out of range names no row, whatever the method: 404 straight away.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    from portal.admin import bp as admin_bp
    from portal.apiv1 import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.document_pages import bp as documents_bp
    from portal.extensions import csrf
    from portal.main import bp as main_bp

    app.register_blueprint(main_bp)
    from portal.bench import bp as bench_bp

    app.register_blueprint(bench_bp)  # 404 unless PORTAL_BENCHMARK_FLOOR is set
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(__import__("portal.scoring_pages", fromlist=["bp"]).bp)  # scoring rounds
    app.register_blueprint(__import__("portal.meeting_pages", fromlist=["bp"]).bp)  # scoring meeting, ranking, results
    app.register_blueprint(__import__("portal.criteria_pages", fromlist=["bp"]).bp)  # criteria tables
    app.register_blueprint(__import__("portal.ballot_pages", fromlist=["bp"]).bp)  # secret ballots
    app.register_blueprint(__import__("portal.dossier_pages", fromlist=["bp"]).bp)  # nominations and dossiers
    app.register_blueprint(__import__("portal.award_pages", fromlist=["bp"]).bp)  # award records and statistics
    app.register_blueprint(__import__("portal.job_pages", fromlist=["bp"]).bp)  # background jobs' progress pages
    # The API authenticates with Bearer tokens only (no cookies), so CSRF does not apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)

    from portal import templating

    templating.init_app(app)
