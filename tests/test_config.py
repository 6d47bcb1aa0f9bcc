"""Settings: the secret key kept in the instance folder, database URLs from the environment."""

import threading

from portal.config import database_url_from_env, instance_secret_key


def test_workers_starting_together_share_one_secret_key(tmp_path):
    """gunicorn starts its workers at once; each must end up with the same, complete key."""
    keys, errors = [], []
    barrier = threading.Barrier(8)

    def start():
        barrier.wait()
        try:
            keys.append(instance_secret_key(str(tmp_path)))
        except Exception as exc:  # noqa: BLE001 - any failure is the bug
            errors.append(repr(exc))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url_from_env(str(tmp_path)) == f"sqlite:///{tmp_path}/portal.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert database_url_from_env(str(tmp_path)) == "postgresql+psycopg://u@h/db"


def test_portal_settings_from_the_environment_keep_their_name(monkeypatch, tmp_path):
    """The README tells operators to set PORTAL_RATELIMIT_STORAGE_URI; Flask's prefix stripping
    used to turn it into RATELIMIT_STORAGE_URI's neighbour and leave the portal's own key at its
    default, so production throttled logins per worker in memory."""
    from portal import create_app

    monkeypatch.setenv("PORTAL_LOGIN_RATE_LIMIT", "1000 per minute")
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "25")
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_NAME", "portal_session")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["PORTAL_LOGIN_RATE_LIMIT"] == "1000 per minute"
    assert app.config["PORTAL_PAGE_SIZE"] == 25
    # Flask's own settings still take the prefix off.
    assert app.config["SESSION_COOKIE_NAME"] == "portal_session"
