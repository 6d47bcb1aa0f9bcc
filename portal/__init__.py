"""thidua-portal: emulation and commendation work for Vietnamese provinces.

``create_app`` builds the Flask app (Flask tutorial pattern); plugin authors import from
``portal.api`` only.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from portal.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]


def create_app(config: dict | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("PORTAL_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portal import config as defaults

    app.config.update(defaults.DEFAULTS)
    # PORTAL_SECRET_KEY sets Flask's SECRET_KEY (the prefix comes off), while the portal's own
    # settings are named with their prefix (PORTAL_LOGIN_RATE_LIMIT), so they keep it.
    app.config.from_prefixed_env("PORTAL", loads=_loads)
    for name, value in os.environ.items():
        if name.startswith("PORTAL_"):
            app.config[name] = _loads(value)
    if config:
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = defaults.database_url_from_env(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or defaults.instance_secret_key(
            app.instance_path
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite has no pool to ping and is shared across threads by the dev server. A writer
        # waits this long (seconds) for another's lock before the request answers 503.
        timeout = float(app.config.get("PORTAL_SQLITE_BUSY_TIMEOUT", 5))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": timeout}}
    # Statement parameters (a ballot paper's choices next to the unit that voted, hashes, codes)
    # never reach a log, even with SQLALCHEMY_ECHO on or in a database error's message.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["PORTAL_RATELIMIT_STORAGE_URI"])

    _init_extensions(app)

    from portal import plugins

    plugins.init_app(app)

    from portal import errors, security, views

    errors.init_app(app)
    security.init_app(app)
    views.register_blueprints(app)

    from portal import cli

    cli.init_app(app)
    return app


def _loads(value: str):
    """``PORTAL_*`` values: JSON when it parses, the plain string otherwise."""
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value


def _init_extensions(app: Flask) -> None:
    from portal import audit, i18n  # noqa: F401  (audit registers its session listeners)
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.before_request(i18n.use_portal_form_messages)
    limiter.init_app(app)
