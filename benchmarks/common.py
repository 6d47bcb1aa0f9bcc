"""Shared benchmark plumbing: a throw-away database, gunicorn on 127.0.0.1, the load generator.

Every figure is paired with a floor measured in the same run, on the same server, so the ratio
means something on a busy shared machine.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind: str):
    """Yield a DATABASE_URL for a fresh database of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    from sqlalchemy import create_engine

    base = os.environ.get("PORTAL_BENCH_DATABASE_URL", PG_DEFAULT).replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def env_for(url: str, instance: str) -> dict:
    env = dict(os.environ)
    env.pop("SECRET_KEY", None)  # generated in the instance folder, as in production
    env.update(DATABASE_URL=url, PORTAL_INSTANCE_PATH=instance, PORTAL_BENCHMARK_FLOOR=FLOOR_KEY,
               PORTAL_LOGIN_RATE_LIMIT="100000 per minute")
    return env


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


@contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int | None = None):
    """gunicorn on a free port of 127.0.0.1, with the repository's production ``gunicorn.conf.py``
    (``threads`` > 1 means gthread workers; ``None`` keeps the config file's default)."""
    port = free_port()
    env = dict(env, WEB_CONCURRENCY=str(workers), PORTAL_BIND=f"127.0.0.1:{port}")
    if threads is not None:
        env["PORTAL_GUNICORN_THREADS"] = str(threads)
    # The server's log goes to a file: a pipe nobody reads would stall the workers once full.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            try:
                if request(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if proc.poll() is not None or time.time() >= deadline:  # another server may hold the port
            log.seek(0)
            raise RuntimeError("gunicorn did not start: " + log.read().decode(errors="replace")[-2000:])
        _local.conn = None  # the probe's connection: a sync worker would otherwise wait on it
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def load(port: int, clients: list[dict], seconds: float | None = None) -> dict:
    """Run ``benchmarks.loadgen`` as its own process against ``port``; its per-group summaries."""
    job = json.dumps({"port": port, "seconds": seconds, "clients": clients})
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadgen"], cwd=ROOT, input=job, text=True,
                          capture_output=True, check=False, timeout=(seconds or 0) + 600)
    if done.returncode:
        raise RuntimeError("load generator failed: " + done.stderr[-2000:])
    return json.loads(done.stdout)


# The floors (portal/bench.py) answer only requests carrying this run's key.
FLOOR_KEY = "floor-" + secrets.token_hex(16)  # never parses as a number (PORTAL_* values are JSON-decoded)
FLOOR_HEADERS = {"X-Benchmark-Floor": FLOOR_KEY}


def json_request(method: str, path: str, body=None, headers: dict | None = None) -> list:
    """A request for a ``list`` client of the load generator (floor requests carry the key)."""
    floor = FLOOR_HEADERS if path.startswith("/bench/") else {}
    return [method, path, json.dumps(body) if body is not None else None,
            {"Content-Type": "application/json", **floor, **(headers or {})}]


FLOOR_TABLE_SQL = ("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY {}, v VARCHAR(10))")


def create_floor_table(db) -> None:
    """``bench_floor``, the table ``POST /bench/insert`` writes to (inside the setup's transaction)."""
    from sqlalchemy import text

    auto = "AUTOINCREMENT" if db.engine.dialect.name == "sqlite" else "GENERATED BY DEFAULT AS IDENTITY"
    db.session.execute(text(FLOOR_TABLE_SQL.format(auto)))


class Client:
    """One keep-alive connection with an optional session cookie (for logging in before a run)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        hdrs = dict(headers or {})
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=hdrs)
        response = self.conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - start
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data, seconds


_local = threading.local()


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """One request on this thread's keep-alive connection; returns (status, seconds)."""
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "port", None) != port:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        _local.port = port
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    start = time.perf_counter()
    try:
        conn.request(method, path, body=data, headers=hdrs)
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        _local.conn = None
        raise
    return response.status, time.perf_counter() - start


def summary(latencies: list[float], elapsed: float, failures: list[int]) -> dict:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * len(ordered))) - 1)] if ordered else 0.0
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
        "p99_ms": round(p99 * 1000, 1),
        "failures": len(failures),
        "failure_statuses": sorted(set(failures)),
    }


def write_results(name: str, rows: list[dict], markdown: str) -> None:
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    (out / f"{name}.md").write_text(markdown)
