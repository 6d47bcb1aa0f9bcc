"""Agreed scores saved per second (p50/p99) by 8 concurrent editors, and the meeting sheet's load
time under that load, for a 40-unit block with a 60-criterion table — against the same app's
trivial endpoint (``/health``) served the same way. gunicorn with 2 workers on 127.0.0.1, a file
SQLite database, and PostgreSQL when ``PORTAL_BENCH_DATABASE_URL`` is set.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--seconds 10 --editors 8]``. Each phase is
bounded by ``--seconds``; the whole run takes well under two minutes per database.

Each editor saves cells of its own units through ``PUT /api/v1/rounds/<id>/agreed-scores/<unit>/<criterion>``
with the version it last saw (optimistic locking), as the meeting sheet's script does; a tenth
client loads the meeting sheet page (logged in, one unit at a time) while they save.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import ROOT, database, env_for, gunicorn, migrate, summary  # noqa: E402

UNITS, GROUPS, PER_GROUP = 40, 6, 10  # 60 scored criteria in 6 groups
PASSWORD = "KhoiTruong@2024"  # noqa: S105 - the throw-away benchmark database's account

SETUP = r"""
import json, sys, datetime as dt
from decimal import Decimal
from portal import create_app
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import AgreedScore, Role, RoleAssignment, SelfScore, User
from portal.passwords import hash_password
from portal.security import new_api_token
from portal.services.blocks import save_block
from portal.services.criteria import create_table
from portal.services.provinces import save_province
from portal.services.scoring import scorable
from portal.services.scoring_rounds import create_round, transition
from portal.services.units import save_unit
from portal.types import CriterionSpec

units_n, groups, per_group, editors, password = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                                 int(sys.argv[4]), sys.argv[5])
app = create_app()
with app.app_context(), audit_actor("bench"):
    p = save_province(None, code="bench", name="Tỉnh Thử nghiệm")
    units = [save_unit(None, p, code=f"U{i:03d}", name=f"Sở thử nghiệm số {i:03d}", kind="department")
             for i in range(units_n)]
    block = save_block(None, p, year=2023, code="B", name="Khối thi đua thử nghiệm", member_ids=[u.id for u in units],
                       leader_unit_id=units[0].id, deputy_unit_id=units[1].id)
    specs = []
    for g in range(1, groups + 1):
        specs.append(CriterionSpec(f"G{g}", f"Nhóm tiêu chí {g}", "scored", Decimal(per_group * 10)))
        for c in range(1, per_group + 1):
            specs.append(CriterionSpec(f"G{g}.{c}", f"Tiêu chí {g}.{c}: nội dung đánh giá của nhóm {g}", "scored",
                                       Decimal(10), parent=f"G{g}"))
    table = create_table(p, 2023, "Bảng tiêu chí thử nghiệm", specs)
    users = []
    for i in range(editors):
        u = User(username=f"editor{i}" if i else "khoitruong", full_name=f"Cán bộ khối trưởng {i}",
                 password_hash=hash_password(password))
        u.roles.append(RoleAssignment(role=Role.UNIT_OFFICER, unit_id=units[0].id))
        db.session.add(u)
        users.append(u)
    db.session.flush()
    r = create_round(block, table, meeting_date=dt.date(2024, 1, 5), conference_date=dt.date(2024, 1, 8))
    transition(users[0], r, "open_self_scoring")
    leaves = scorable(r)
    for i, unit in enumerate(units):
        for j, c in enumerate(leaves):
            value = Decimal(5 + (i + j) % 5)
            db.session.add(SelfScore(round_id=r.id, unit_id=unit.id, criterion_id=c.id, value=value, note=""))
            db.session.add(AgreedScore(round_id=r.id, unit_id=unit.id, criterion_id=c.id, value=value, reason=""))
    transition(users[0], r, "close_self_scoring")
    transition(users[0], r, "start_meeting")
    tokens = [new_api_token(u, "bench")[1] for u in users]
    db.session.commit()
    out = {"round_id": r.id, "units": [u.id for u in units], "criteria": [c.id for c in leaves], "tokens": tokens}
print(json.dumps(out))
"""


class Client:
    """One keep-alive connection with an optional session cookie."""

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

    def login(self, username: str, password: str) -> None:
        _status, page, _s = self.send("GET", "/auth/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        ).encode()
        status, _data, _s = self.send(
            "POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"login failed: {status}")


def timed_loop(seconds: float, workers: list, barrier: threading.Barrier) -> float:
    threads = [threading.Thread(target=w) for w in workers]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join(seconds + 60)
    return time.perf_counter() - start


def health_floor(port: int, clients: int, seconds: float) -> dict:
    latencies, failures, lock = [], [], threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker():
        c = Client(port)
        barrier.wait()
        end = time.perf_counter() + seconds
        mine, bad = [], []
        while time.perf_counter() < end:
            status, _d, s = c.send("GET", "/health")
            mine.append(s)
            if status != 200:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    elapsed = timed_loop(seconds, [worker] * clients, barrier)
    return summary(latencies, elapsed, failures)


def editing(port: int, setup: dict, editors: int, seconds: float) -> tuple[dict, dict]:
    rid, units, criteria, tokens = (
        setup["round_id"],
        setup["units"],
        setup["criteria"],
        setup["tokens"],
    )
    saves, save_fail, sheets, sheet_fail, lock = [], [], [], [], threading.Lock()
    barrier = threading.Barrier(editors + 2)

    def editor(k: int):
        c = Client(port)
        auth = {"Authorization": f"Bearer {tokens[k]}", "Content-Type": "application/json"}
        mine_units = units[
            k::editors
        ]  # each editor its own units: no conflicts among the benchmark's clients
        _s, data, _t = c.send("GET", f"/api/v1/rounds/{rid}/agreed-scores", headers=auth)
        versions = {
            (cell["unit_id"], cell["criterion_id"]): cell["version"]
            for cell in json.loads(data)["items"]
        }
        cells = [(u, cr) for u in mine_units for cr in criteria]
        barrier.wait()
        end = time.perf_counter() + seconds
        mine, bad, i = [], [], 0
        while time.perf_counter() < end:
            unit, crit = cells[i % len(cells)]
            value = f"{(i % 19) / 2 + 0.5:.1f}"
            body = json.dumps(
                {"value": value, "reason": "Hội nghị thống nhất", "version": versions[(unit, crit)]}
            ).encode()
            status, data, s = c.send(
                "PUT", f"/api/v1/rounds/{rid}/agreed-scores/{unit}/{crit}", body, auth
            )
            mine.append(s)
            if status == 200:
                versions[(unit, crit)] = json.loads(data)["version"]
            else:
                bad.append(status)
            i += 1
        with lock:
            saves.extend(mine)
            save_fail.extend(bad)

    def viewer():
        c = Client(port)
        c.login("khoitruong", PASSWORD)
        barrier.wait()
        end = time.perf_counter() + seconds
        mine, bad, i = [], [], 0
        while time.perf_counter() < end:
            status, data, s = c.send("GET", f"/scoring/{rid}/meeting?unit={units[i % len(units)]}")
            mine.append(s)
            if status != 200 or b"agreed-input" not in data:
                bad.append(status)
            i += 1
        with lock:
            sheets.extend(mine)
            sheet_fail.extend(bad)

    workers = [lambda k=k: editor(k) for k in range(editors)] + [viewer]
    elapsed = timed_loop(seconds, workers, barrier)
    return summary(saves, elapsed, save_fail), summary(sheets, elapsed, sheet_fail)


def idle_sheet(port: int, setup: dict, loads: int = 20) -> dict:
    c = Client(port)
    c.login("khoitruong", PASSWORD)
    rid, units = setup["round_id"], setup["units"]
    latencies, bad = [], []
    start = time.perf_counter()
    for i in range(loads):
        status, _d, s = c.send("GET", f"/scoring/{rid}/meeting?unit={units[i % len(units)]}")
        latencies.append(s)
        if status != 200:
            bad.append(status)
    return summary(latencies, time.perf_counter() - start, bad)


def bench(kind: str, editors: int, seconds: float) -> dict:
    with database(kind) as url, tempfile.TemporaryDirectory() as instance:
        env = env_for(url, instance)
        migrate(env)
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                SETUP,
                str(UNITS),
                str(GROUPS),
                str(PER_GROUP),
                str(editors),
                PASSWORD,
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        setup = json.loads(done.stdout.strip().splitlines()[-1])
        with gunicorn(env) as port:
            health_floor(port, editors, 1)  # warm up both workers
            idle_sheet(port, setup, 4)
            floor = health_floor(port, editors, seconds)
            idle = idle_sheet(port, setup)
            save, sheet = editing(port, setup, editors, seconds)
    return {
        "database": kind,
        "units": UNITS,
        "criteria": len(setup["criteria"]),
        "editors": editors,
        "seconds": seconds,
        "save": save,
        "sheet_under_load": sheet,
        "sheet_idle": idle,
        "health": floor,
        "save_p50_ratio": round(save["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None,
        "save_p99_ratio": round(save["p99_ms"] / floor["p99_ms"], 1) if floor["p99_ms"] else None,
        "throughput_ratio": round(floor["per_second"] / save["per_second"], 1)
        if save["per_second"]
        else None,
        "sheet_p50_ratio": round(sheet["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None,
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        f"Scoring meeting: {UNITS}-unit block, {GROUPS * PER_GROUP} criteria, {rows[0]['editors']} concurrent editors "
        f"for {rows[0]['seconds']:g} s each phase, gunicorn -w 2, 127.0.0.1. Floor: GET /health, same server, same "
        "number of clients.",
        "",
        "| database | what | requests | per s | p50 ms | p99 ms | failures | p50 / health p50 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        h = r["health"]
        for label, s in (
            ("save agreed score (PUT, 8 editors)", r["save"]),
            ("meeting sheet load, under the editors' load", r["sheet_under_load"]),
            ("meeting sheet load, idle", r["sheet_idle"]),
            ("GET /health (floor, 8 clients)", h),
        ):
            ratio = round(s["p50_ms"] / h["p50_ms"], 1) if h["p50_ms"] else "—"
            lines.append(
                f"| {r['database']} | {label} | {s['requests']} | {s['per_second']} | {s['p50_ms']} | {s['p99_ms']} | "
                f"{s['failures']} | {ratio} |"
            )
        lines.append(
            f"| {r['database']} | **ratios** | | health/save throughput {r['throughput_ratio']} | "
            f"save/health p50 {r['save_p50_ratio']} | save/health p99 {r['save_p99_ratio']} | | |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--editors", type=int, default=8)
    parser.add_argument(
        "--databases",
        default=None,
        help="sqlite,postgresql (PostgreSQL only when PORTAL_BENCH_DATABASE_URL is set)",
    )
    args = parser.parse_args()
    kinds = (
        args.databases.split(",")
        if args.databases
        else (
            ["sqlite", "postgresql"] if os.environ.get("PORTAL_BENCH_DATABASE_URL") else ["sqlite"]
        )
    )
    rows = [bench(kind, args.editors, min(args.seconds, 60.0)) for kind in kinds]
    text = markdown(rows)
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "scoring.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    (out / "scoring.md").write_text(text)


if __name__ == "__main__":
    main()
