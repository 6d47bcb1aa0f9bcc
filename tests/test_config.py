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
