"""Blueprint registration: one place that lists every part of the web app."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.apiv1 import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.extensions import csrf
    from portal.main import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    # The API authenticates with Bearer tokens only (no cookies), so CSRF does not apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)

    from portal import templating

    templating.init_app(app)
