"""Default settings and how the environment overrides them.

Operators configure the portal with ``PORTAL_*`` variables (Flask's ``from_prefixed_env``) and
``DATABASE_URL``; nothing secret lives in the code. The secret key, when not given, is generated
once and kept in the instance folder so sessions survive restarts without anyone choosing one.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "PORTAL_LANGUAGES": ("vi", "en"),
    # Plugin loading (datasette/pytest escape hatches).
    "PORTAL_LOAD_ENTRYPOINTS": True,
    "PORTAL_BLOCKED_PLUGINS": (),
    "PORTAL_EXTRA_PLUGINS": (),
    "PORTAL_TRACE_PLUGINS": False,
    # Login throttling; Redis in production ("redis://127.0.0.1:6379/0").
    "PORTAL_RATELIMIT_STORAGE_URI": "memory://",
    "PORTAL_LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    # SQLite: seconds a request waits for another writer's lock before answering 503.
    "PORTAL_SQLITE_BUSY_TIMEOUT": 5,
    "PORTAL_PAGE_SIZE": 50,
}


def database_url_from_env(instance_path: str) -> str:
    """``DATABASE_URL`` wins; otherwise a SQLite file in the instance folder (nothing to install)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; we ship psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in the instance folder, creating it on first start.

    Several gunicorn workers start at once: the key is written to a private temporary file and
    published with an atomic ``link``, so every worker reads the same, complete key.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text().strip()  # another worker published first: use its key
    finally:
        os.unlink(tmp)
    return key
