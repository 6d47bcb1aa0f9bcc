"""Shared benchmark plumbing: a throw-away database, gunicorn on 127.0.0.1, concurrent clients.

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
    env.update(DATABASE_URL=url, PORTAL_INSTANCE_PATH=instance, PORTAL_BENCHMARK_FLOOR="true",
               PORTAL_LOGIN_RATE_LIMIT="100000 per minute")
    return env


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if request(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start: " + proc.stderr.read().decode(errors="replace")[-2000:])
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


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


def run_clients(port: int, jobs_per_client: list[list[tuple]], expect: set[int]) -> dict:
    """Each client thread runs its own list of (method, path, body) jobs as fast as it can."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs_per_client) + 1)

    def client(jobs):
        _local.conn = None
        barrier.wait()
        mine, bad = [], []
        for method, path, body in jobs:
            status, seconds = request(port, method, path, body)
            mine.append(seconds)
            if status not in expect:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(jobs,)) for jobs in jobs_per_client]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return summary(latencies, elapsed, failures)


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
