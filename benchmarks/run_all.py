"""Every benchmark in one command, every figure beside a floor measured in the same run.

Run: ``.venv/bin/python -m benchmarks.run_all [--quick] [--databases postgresql,sqlite]
[--only ballots,scoring,pdf,statistics]``. Writes ``benchmarks/results/summary.md`` and
``summary.json`` and prints the table. ``--quick`` is a smoke check with small sizes (under two
minutes) that writes ``summary_quick.{md,json}`` instead, so it never replaces a full run's table;
the full run takes about ten minutes on two cores.

What runs (PostgreSQL from ``PORTAL_BENCH_DATABASE_URL``, default the local ``test`` database, in a
throw-away schema; SQLite in a throw-away file):

* the app under gunicorn with 2 workers (``gunicorn.conf.py``: gthread, ``--threads`` each) on
  127.0.0.1, driven by ``benchmarks/loadgen.py`` — a separate process (see its docstring for why
  it and not wrk or locust);
* **ballots** — 100 concurrent voters casting real ballots with their own one-time codes, in
  blocks of 10, 100 and 1,000 units (always 100 clients: a 10-unit size spreads them over ten
  times as many ballots); floor: ``POST /bench/insert`` (one bare INSERT, same app) from 100
  clients, measured just before;
* **scoring** — 8 editors saving agreed scores (``PUT /api/v1/rounds/…/agreed-scores/…``, each
  with the version it last saw) in a 60-criterion table while a ninth client loads the meeting
  sheet; a 40-unit block, then 10, 100 and 1,000 units; floors: ``POST /bench/insert`` from 8
  clients, and ``GET /bench/sheet`` (one SELECT of the unit's cells, a plain HTML table) — idle
  and under the floor's load;
* **pdf** — the vote-count record and the scoring sheet, rendered in this process, against
  reportlab drawing the same table alone (``benchmarks/bench_pdf.py``);
* **statistics** — a year's award statistics (``award_statistics.compute``) against a bare
  ``GROUP BY`` over the same rows (``benchmarks/bench_statistics.py``).

Goals (issue 9): each figure within 2× of its floor; ballot p99 under 100 ms at 100 concurrent
voters. Growth: the three sizes' costs fitted to constant / linear / n log n (``benchmarks/stats.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

from benchmarks import bench_pdf, bench_statistics
from benchmarks.common import (
    FLOOR_HEADERS,
    PG_DEFAULT,
    ROOT,
    Client,
    database,
    env_for,
    gunicorn,
    json_request,
    load,
    migrate,
)
from benchmarks.stats import growth

RESULTS = ROOT / "benchmarks" / "results"
VOTERS, EDITORS, CRITERIA_GROUPS, PER_GROUP = 100, 8, 6, 10
PASSWORD = "KhoiTruong@2024"  # noqa: S105 - the throw-away benchmark database's accounts

FULL = {
    "ballot_sizes": [10, 100, 1000], "casts": 1500, "headline_ballot": 100,
    "scoring_sizes": [40, 10, 100, 1000], "seconds": 5.0, "headline_scoring": 40, "sheet_loads": 20,
    "pdf_sizes": [10, 100, 1000], "pdf_repeats": 11,
    "stat_sizes": [10_000, 100_000, 1_000_000], "stat_runs": 3, "stat_budget": 180.0, "headline_stat": 100_000,
}
QUICK = {
    "ballot_sizes": [10, 30, 100], "casts": 200, "headline_ballot": 100,
    "scoring_sizes": [40, 10, 20], "seconds": 1.5, "headline_scoring": 40, "sheet_loads": 5,
    "pdf_sizes": [10, 30, 100], "pdf_repeats": 3,
    "stat_sizes": [2_000, 5_000, 10_000], "stat_runs": 2, "stat_budget": 30.0, "headline_stat": 10_000,
}

SETUP = r"""
import json, sys, datetime as dt, math
from decimal import Decimal
from sqlalchemy import insert
from portal import create_app
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import AgreedScore, Role, RoleAssignment, SelfScore, User
from portal.passwords import hash_password
from portal.security import new_api_token
from portal.services import ballots as bsvc
from portal.services.blocks import save_block
from portal.services.criteria import create_table
from portal.services.provinces import save_province
from portal.services.scoring import scorable
from portal.services.scoring_rounds import create_round, transition
from portal.services.units import save_unit
from portal.types import CriterionSpec
from benchmarks.common import create_floor_table

cfg = json.loads(sys.argv[1])
app = create_app()
out = {"ballots": {}, "scoring": {}}


def block_of(code, n, year, kind):
    p = save_province(None, code=code, name=f"Tỉnh thử nghiệm {code}")
    units = [save_unit(None, p, code=f"U{i:04d}", name=f"Đơn vị thử nghiệm số {i:04d}", kind=kind) for i in range(n)]
    block = save_block(None, p, year=year, code="B", name=f"Khối thi đua thử nghiệm {n}",
                       member_ids=[u.id for u in units], leader_unit_id=units[0].id, deputy_unit_id=units[1].id)
    return p, units, block


def officer(username, unit):
    u = User(username=username, full_name=f"Cán bộ {username}", password_hash=hash_password(cfg["password"]))
    u.roles.append(RoleAssignment(role=Role.UNIT_OFFICER, unit_id=unit.id))
    db.session.add(u)
    return u


with app.app_context(), audit_actor("bench"):
    create_floor_table(db)
    for n in cfg["ballot_sizes"]:
        p, units, block = block_of(f"b{n}", n, 2024, "commune")
        leader = officer(f"b{n}_leader", units[0])
        db.session.flush()
        pairs = []
        for _ in range(math.ceil(cfg["casts"] / n)):
            b = bsvc.create_ballot(leader, block, award_code="co_thi_dua_tinh", seats=1,
                                   candidate_unit_ids=[u.id for u in units[:5]])
            codes = [bsvc.issue_code(leader, b, u.id) for u in units]
            bsvc.open_ballot(leader, b)
            pairs += [[b.id, b.candidates[0].id, c] for c in codes]
        out["ballots"][n] = pairs[: cfg["casts"]]
        db.session.commit()
    for n in cfg["scoring_sizes"]:
        p, units, block = block_of(f"s{n}", n, 2023, "department")
        specs = []
        for g in range(1, cfg["groups"] + 1):
            specs.append(CriterionSpec(f"G{g}", f"Nhóm tiêu chí {g}", "scored", Decimal(cfg["per_group"] * 10)))
            for c in range(1, cfg["per_group"] + 1):
                specs.append(CriterionSpec(f"G{g}.{c}", f"Tiêu chí {g}.{c}: nội dung đánh giá của nhóm {g}",
                                           "scored", Decimal(10), parent=f"G{g}"))
        table = create_table(p, 2023, "Bảng tiêu chí thử nghiệm", specs)
        users = [officer(f"s{n}_editor{i}", units[0]) for i in range(cfg["editors"])]
        db.session.flush()
        r = create_round(block, table, meeting_date=dt.date(2024, 1, 5), conference_date=dt.date(2024, 1, 8))
        transition(users[0], r, "open_self_scoring")
        leaves = scorable(r)
        own, agreed = [], []
        for i, unit in enumerate(units):
            for j, c in enumerate(leaves):
                value = Decimal(5 + (i + j) % 5)
                own.append(dict(round_id=r.id, unit_id=unit.id, criterion_id=c.id, value=value, note=""))
                agreed.append(dict(round_id=r.id, unit_id=unit.id, criterion_id=c.id, value=value, reason=""))
        db.session.execute(insert(SelfScore), own)
        db.session.execute(insert(AgreedScore), agreed)
        transition(users[0], r, "close_self_scoring")
        transition(users[0], r, "start_meeting")
        tokens = [new_api_token(u, "bench")[1] for u in users]
        db.session.commit()
        out["scoring"][n] = {"round_id": r.id, "units": [u.id for u in units], "criteria": [c.id for c in leaves],
                             "tokens": tokens, "viewer": users[0].username}
print(json.dumps(out))
"""


# -- the table ------------------------------------------------------------------------------------

ROWS: list[dict] = []
CURVES: list[dict] = []


def add(benchmark: str, database: str, size, figure: str, floor: str, ratio: float | None, goal: str,
        met: bool | None, headline: bool = False, **raw) -> None:
    """One row of the table; ``headline`` marks the issue's own scenario (100 voters in a 100-unit
    block, 40 units × 60 criteria, the sample vote count and a 60-unit sheet, 100,000 records)."""
    ROWS.append({"benchmark": benchmark, "database": database, "size": size, "figure": figure, "floor": floor,
                 "ratio": round(ratio, 2) if ratio is not None else None, "goal": goal, "met": met,
                 "headline": headline, **raw})


def curve(benchmark: str, database: str, metric: str, sizes: list[int], values: list[float]) -> None:
    CURVES.append({"benchmark": benchmark, "database": database, "metric": metric, "sizes": sizes,
                   "values": [round(v, 3) for v in values], **growth(sizes, values)})


def little(floor: dict) -> str:
    """Little's law: with N clients always waiting, mean latency = N ÷ throughput."""
    return f"{VOTERS * 1000 / floor['per_second']:.0f}" if floor["per_second"] else "—"


def within(ratio: float | None) -> bool | None:
    return None if ratio is None else ratio <= 2.0


# -- ballots and scoring: gunicorn + the load generator ----------------------------------------------


def login_cookie(port: int, username: str) -> str:
    client = Client(port)
    _s, page, _t = client.send("GET", "/auth/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    status, _d, _t = client.send("POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"login failed: {status}")
    return client.cookie


def run_ballots(kind: str, port: int, setup: dict, cfg: dict) -> None:
    costs, sizes = [], []
    for n in cfg["ballot_sizes"]:
        pairs = setup["ballots"][str(n)]
        per_client = [pairs[k::VOTERS] for k in range(VOTERS)]
        floor = load(port, [{"group": "floor", "kind": "list", "expect": [201],
                             "requests": [json_request("POST", "/bench/insert")] * len(mine)} for mine in per_client])
        cast = load(port, [
            {"group": "cast", "kind": "list", "expect": [201],
             "requests": [json_request("POST", f"/api/v1/ballots/{b}/cast", {"code": code, "agree": [cand]})
                          for b, cand, code in mine]}
            for mine in per_client
        ])
        f, c = floor["floor"], cast["cast"]
        print(f"  ballots {kind} {n:>5} units: {c['per_second']} casts/s p50 {c['p50_ms']} p99 {c['p99_ms']} ms "
              f"(failures {c['failures']} {c['failure_statuses']}); floor {f['per_second']}/s p99 {f['p99_ms']} ms")
        tput = f["per_second"] / c["per_second"] if c["per_second"] else None
        add("ballot casts per second, 100 concurrent voters", kind, f"{n} units",
            f"{c['per_second']}/s ({c['requests']} casts, {c['failures']} failed)",
            f"{f['per_second']} bare inserts/s", tput, "≤ 2× floor", within(tput) and not c["failures"],
            headline=n == cfg["headline_ballot"], raw={"cast": c, "floor": f})
        lat = c["p99_ms"] / f["p99_ms"] if f["p99_ms"] else None
        add("ballot p99 latency, 100 concurrent voters", kind, f"{n} units",
            f"p99 {c['p99_ms']} ms (p50 {c['p50_ms']})",
            f"p99 {f['p99_ms']} ms (p50 {f['p50_ms']}); 100 voters ÷ floor rate = {little(f)} ms", lat,
            "≤ 2× floor and < 100 ms", within(lat) and c["p99_ms"] < 100, headline=n == cfg["headline_ballot"])
        sizes.append(n)
        costs.append(1000 / c["per_second"] if c["per_second"] else 0)
    curve("ballot cast", kind, "ms of server time per cast (1 / throughput)", sizes, costs)


def run_scoring(kind: str, port: int, setup: dict, cfg: dict) -> None:
    seconds = cfg["seconds"]
    points: dict[str, list] = {"save": [], "sheet": []}
    for n in cfg["scoring_sizes"]:
        s = setup["scoring"][str(n)]
        rid, units, criteria = s["round_id"], s["units"], s["criteria"]
        cookie = login_cookie(port, s["viewer"])
        sheet_reqs = [["GET", f"/scoring/{rid}/meeting?unit={u}", None, {"Cookie": cookie}] for u in units]
        floor_reqs = [["GET", f"/bench/sheet/{rid}/{u}", None, dict(FLOOR_HEADERS)] for u in units]
        loads = cfg["sheet_loads"]
        # Idle: one client, one page after another (the first of each warms the worker that serves it).
        load(port, [{"group": "w", "kind": "list", "requests": (sheet_reqs[:2] + floor_reqs[:2]) * 2}])
        idle_floor = load(port, [{"group": "f", "kind": "list",
                                  "requests": (floor_reqs * loads)[:loads]}])["f"]
        idle_sheet = load(port, [{"group": "s", "kind": "list",
                                  "requests": (sheet_reqs * loads)[:loads]}])["s"]
        # Under load: 8 floor writers + the floor page, then 8 editors + the meeting sheet.
        busy_floor = load(port, [
            *({"group": "write", "kind": "list", "expect": [201],
               "requests": [json_request("POST", "/bench/insert")]} for _ in range(EDITORS)),
            {"group": "page", "kind": "list", "requests": floor_reqs},
        ], seconds)
        editors = []
        for k in range(EDITORS):
            mine = units[k::EDITORS] or units[:1]
            editors.append({"group": "save", "kind": "editor", "reason": "Hội nghị thống nhất",
                            "path": f"/api/v1/rounds/{rid}/agreed-scores/{{unit}}/{{criterion}}",
                            "headers": {"Authorization": f"Bearer {s['tokens'][k]}"},
                            "cells": [[u, c, None] for u in mine for c in criteria]})
        # Versions: every cell starts at version 1 (bulk-inserted); each editor owns its units, so
        # no conflicts among them unless the block has fewer units than editors.
        for e in editors:
            e["cells"] = [[u, c, 1] for u, c, _v in e["cells"]]
        if len(units) < EDITORS:
            editors = editors[: len(units)]
        busy = load(port, [*editors, {"group": "sheet", "kind": "list", "requests": sheet_reqs}], seconds)
        save, sheet, fw, fp = busy["save"], busy["sheet"], busy_floor["write"], busy_floor["page"]
        print(f"  scoring {kind} {n:>5} units: {save['per_second']} saves/s p50 {save['p50_ms']} p99 {save['p99_ms']} "
              f"(failures {save['failures']} {save['failure_statuses']}); floor {fw['per_second']}/s; sheet idle "
              f"{idle_sheet['p50_ms']} ms (floor {idle_floor['p50_ms']}), busy {sheet['p50_ms']} ms (floor {fp['p50_ms']})")
        label = f"{n} units × {len(criteria)} criteria"
        top = n == cfg["headline_scoring"]
        tput = fw["per_second"] / save["per_second"] if save["per_second"] else None
        add("agreed-score saves per second, 8 editors", kind, label,
            f"{save['per_second']}/s (p50 {save['p50_ms']}, p99 {save['p99_ms']} ms; {save['failures']} failed)",
            f"{fw['per_second']} bare inserts/s (8 clients)", tput, "≤ 2× floor",
            within(tput) and not save["failures"], headline=top, raw={"save": save, "floor": fw})
        ratio = idle_sheet["p50_ms"] / idle_floor["p50_ms"] if idle_floor["p50_ms"] else None
        add("meeting sheet load time, idle", kind, label, f"p50 {idle_sheet['p50_ms']} ms",
            f"p50 {idle_floor['p50_ms']} ms (one SELECT, plain table)", ratio, "≤ 2× floor",
            within(ratio) and not idle_sheet["failures"], headline=top, raw={"sheet": idle_sheet, "floor": idle_floor})
        ratio = sheet["p50_ms"] / fp["p50_ms"] if fp["p50_ms"] else None
        add("meeting sheet load time, under the editors' load", kind, label,
            f"p50 {sheet['p50_ms']} ms (p99 {sheet['p99_ms']})",
            f"p50 {fp['p50_ms']} ms (p99 {fp['p99_ms']}) under 8 inserting clients", ratio, "≤ 2× floor",
            within(ratio) and not sheet["failures"], headline=top, raw={"sheet": sheet, "floor": fp})
        points["save"].append((n, 1000 / save["per_second"] if save["per_second"] else 0))
        points["sheet"].append((n, idle_sheet["p50_ms"]))
    for metric, label in (("save", "ms of server time per save (1 / throughput)"), ("sheet", "meeting sheet p50 ms, idle")):
        pts = sorted(p for p in points[metric] if p[0] != cfg["headline_scoring"] or len(points[metric]) <= 3)
        curve(f"scoring {metric}", kind, label, [p[0] for p in pts], [p[1] for p in pts])


def server_benchmarks(kind: str, cfg: dict, which: set[str], threads: int) -> None:
    with database(kind) as url, tempfile.TemporaryDirectory() as instance:
        env = env_for(url, instance)
        migrate(env)
        setup_cfg = {
            "ballot_sizes": cfg["ballot_sizes"] if "ballots" in which else [],
            "scoring_sizes": cfg["scoring_sizes"] if "scoring" in which else [],
            "casts": cfg["casts"], "groups": CRITERIA_GROUPS, "per_group": PER_GROUP, "editors": EDITORS,
            "password": PASSWORD,
        }
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", SETUP, json.dumps(setup_cfg)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError("setup failed: " + done.stderr[-3000:])
        setup = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {kind}: set up in {time.perf_counter() - started:.0f} s")
        with gunicorn(env, workers=2, threads=threads) as port:
            load(port, [{"group": "w", "kind": "list", "expect": [201],
                         "requests": [json_request("POST", "/bench/insert")] * 10} for _ in range(10)])
            if "ballots" in which:
                run_ballots(kind, port, setup, cfg)
            if "scoring" in which:
                run_scoring(kind, port, setup, cfg)


# -- documents ------------------------------------------------------------------------------------


def vote_count_of(n: int | None):
    from plugins.national import samples
    from portal.documents.data import CandidateResult

    base = samples.vote_count()
    if n is None:
        return base
    rng = random.Random(n)
    names = samples.scoring_unit_names(n)
    names += [f"Đơn vị thử nghiệm số {i:04d}" for i in range(len(names), n)]
    votes = [rng.randint(0, n) for _ in range(n)]
    best = max(range(n), key=votes.__getitem__)
    return dataclasses.replace(
        base, member_count=n, present_count=n, ballots_issued=n, ballots_returned=n, ballots_valid=n,
        ballots_invalid=0, candidates=tuple(CandidateResult(name, v, i == best) for i, (name, v) in
                                            enumerate(zip(names, votes, strict=True))))


def scoring_sheet_of(n: int):
    from plugins.national import samples

    sheet = samples.scoring_sheet(min(n, 60))
    if n <= len(sheet.rows):
        return sheet
    rows = [dataclasses.replace(sheet.rows[i % len(sheet.rows)], unit_name=f"Đơn vị thử nghiệm số {i:04d}", rank=i + 1)
            for i in range(n)]
    return dataclasses.replace(sheet, rows=tuple(rows))


def run_pdf(cfg: dict) -> None:
    from reportlab.lib.pagesizes import A4, landscape

    from plugins.national.layouts import ScoringSheet, VoteCountRecord
    from portal.documents import register_fonts, render_pdf

    register_fonts()

    def measure(name, data, layout, rows, pagesize, size_label, repeats, headline=False):
        ours = bench_pdf.timed(lambda: render_pdf(layout, data), repeats)
        plain = bench_pdf.timed(lambda: bench_pdf.plain_table_pdf(rows(data), pagesize), repeats)
        print(f"  pdf {name} {size_label}: {ours:.1f} ms, reportlab alone {plain:.1f} ms")
        add(f"PDF: {name}", "—", size_label, f"{ours:.1f} ms", f"{plain:.1f} ms (reportlab, same table)",
            ours / plain, "≤ 2× floor", within(ours / plain), headline=headline, ms=ours, floor_ms=plain)
        return ours

    repeats = cfg["pdf_repeats"]
    measure("vote-count record", vote_count_of(None), VoteCountRecord(), bench_pdf.vote_rows, A4,
            "5 candidates (sample)", repeats, headline=True)
    measure("scoring sheet", scoring_sheet_of(60), ScoringSheet(), bench_pdf.scoring_rows, landscape(A4),
            "60 units", repeats, headline=True)
    for name, make, layout, rows, pagesize in (
        ("vote-count record", vote_count_of, VoteCountRecord(), bench_pdf.vote_rows, A4),
        ("scoring sheet", scoring_sheet_of, ScoringSheet(), bench_pdf.scoring_rows, landscape(A4)),
    ):
        values = [measure(name, make(n), layout, rows, pagesize, f"{n} units",
                          max(2, repeats // (1 + n // 100))) for n in cfg["pdf_sizes"]]
        curve(f"PDF {name}", "—", "ms per document", cfg["pdf_sizes"], values)


# -- statistics -----------------------------------------------------------------------------------


def run_statistics(kind: str, cfg: dict) -> None:
    rows = bench_statistics.run_one(kind, cfg["stat_sizes"], cfg["stat_runs"], cfg["stat_budget"])
    done = [r for r in rows if not r.get("skipped")]
    for r in rows:
        if r.get("skipped"):
            add("award statistics for a year", kind, f"{r['rows']:,} records", "skipped (insert over budget)", "",
                None, "≤ 2× floor", None)
            continue
        add("award statistics for a year", kind, f"{r['rows']:,} records", f"{r['service_ms']} ms",
            f"{r['bare_group_by_ms']} ms (bare GROUP BY)", r["ratio"], "≤ 2× floor", within(r["ratio"]),
            headline=r["rows"] == cfg["headline_stat"], raw=r)
    curve("award statistics", kind, "ms per computation", [r["rows"] for r in done], [r["service_ms"] for r in done])
    curve("bare GROUP BY (floor)", kind, "ms per query", [r["rows"] for r in done], [r["bare_group_by_ms"] for r in done])


# -- output ---------------------------------------------------------------------------------------


def markdown(meta: dict) -> str:
    mark = {True: "yes", False: "**no**", None: "—"}
    lines = [
        f"# Benchmarks ({'quick smoke check' if meta['quick'] else 'full run'})",
        "",
        f"{meta['when']} · {meta['machine']} · Python {meta['python']} · gunicorn 2 workers × {meta['threads']} "
        f"threads ({'gthread' if meta['threads'] > 1 else 'sync'}) on 127.0.0.1, load from a separate process "
        f"(`benchmarks/loadgen.py`, closed loop) · {meta['seconds']:.0f} s in all · 1-minute load average "
        f"{_fmt_load(meta['load_average'])}"
        + (" (above the core count: other work shared the machine, figures are noisy)." if _busy(meta) else "."),
        "",
        "Ratio = how many times the figure is worse than its floor (floor ÷ figure for rates, figure ÷ floor "
        "for times); each floor is measured in the same run, just before its figure.",
        "",
    ]
    header = ["| benchmark | database | size | figure | floor | ratio | goal | met? |",
              "|---|---|---|---|---|---:|---|---|"]

    def table(rows):
        out = list(header)
        for r in rows:
            ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "—"
            out.append(f"| {r['benchmark']} | {r['database']} | {r['size']} | {r['figure']} | {r['floor']} | "
                       f"{ratio} | {r['goal']} | {mark[r['met']]} |")
        return out

    if meta.get("skipped"):
        lines += ["Skipped: " + "; ".join(meta["skipped"]) + ".", ""]
    lines += ["## The issue's scenarios", "", *table([r for r in ROWS if r["headline"]]), "",
              "## Every size", "", *table(ROWS)]
    lines += [
        "",
        "## Growth",
        "",
        "Fitted to the three sizes (`benchmarks/stats.py`): *constant* when a flat line misses no point by more "
        "than 20 %, else the better of a + b·n, a + b·n·ln n, a + b·n². Slope: log-log slope between the end points "
        "(0 constant, 1 linear).",
        "",
        "| what | database | metric | sizes | values | curve | fit | slope |",
        "|---|---|---|---|---|---|---|---:|",
    ]
    for c in CURVES:
        sizes = " / ".join(f"{n:,}" for n in c["sizes"])
        values = " / ".join(f"{v:.3g}" for v in c["values"])
        lines.append(f"| {c['benchmark']} | {c['database']} | {c['metric']} | {sizes} | {values} | {c['curve']} | "
                     f"{c['formula']} | {c['slope']} |")
    lines += [
        "",
        "## Notes",
        "",
        "* Closed loop: every client sends its next request as soon as the answer arrives, so with 100 voters "
        "the mean latency is 100 ÷ throughput (Little's law) — for the app *and* for the floor. A p99 under "
        "100 ms at 100 concurrent voters therefore needs more than about 1,000 requests per second, which the "
        "bare-INSERT floor itself reaches only when the machine is quiet; the p99 rows print that bound.",
        "* On a machine shared with other work the figures are noisy; the ratios, measured back to back on the "
        "same server, are what to compare between runs.",
    ]
    met = [r["met"] for r in ROWS if r["met"] is not None]
    top = [r["met"] for r in ROWS if r["met"] is not None and r["headline"]]
    lines += ["", f"Goals met: {sum(top)} of {len(top)} in the issue's scenarios, {sum(met)} of {len(met)} over "
              "every size.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check in under two minutes")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--only", default="ballots,scoring,pdf,statistics")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (1: sync workers)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    which = set(args.only.split(","))
    kinds = [k for k in args.databases.split(",") if k]
    started = time.perf_counter()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    skipped = []
    for kind in list(kinds):
        reason = unavailable(kind)
        if reason:
            print(f"{kind}: skipped — {reason}")
            skipped.append(f"{kind}: {reason}")
            kinds.remove(kind)
    if which & {"ballots", "scoring"} and importlib.util.find_spec("gunicorn") is None:
        print("ballots and scoring: skipped — gunicorn is not installed (.venv/bin/pip install -e '.[prod]')")
        skipped.append("ballots and scoring: gunicorn is not installed (pip install -e '.[prod]')")
        which -= {"ballots", "scoring"}
    for kind in kinds:
        if which & {"ballots", "scoring"}:
            print(f"{kind}: ballots and scoring under gunicorn")
            server_benchmarks(kind, cfg, which, args.threads)
    if "pdf" in which:
        print("documents")
        run_pdf(cfg)
    if "statistics" in which:
        for kind in kinds:
            print(f"{kind}: statistics")
            run_statistics(kind, cfg)
    meta = {"quick": args.quick, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {_cores()} cores", "python": platform.python_version(),
            "threads": args.threads, "seconds": time.perf_counter() - started, "config": cfg, "skipped": skipped,
            "load_average": [load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else None]}
    text = markdown(meta)
    RESULTS.mkdir(exist_ok=True)
    stem = "summary_quick" if args.quick else "summary"  # a smoke check never replaces a full run's table
    (RESULTS / f"{stem}.md").write_text(text)
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": ROWS, "growth": CURVES}, indent=2,
                                                     ensure_ascii=False, default=str))
    print()
    print(text)
    return 0


def _busy(meta: dict) -> bool:
    return any(v is not None and v > _cores() for v in meta["load_average"])


def _fmt_load(pair) -> str:
    return " → ".join(f"{v:.1f}" if v is not None else "?" for v in pair)


def unavailable(kind: str) -> str | None:
    """Why ``kind`` cannot be benchmarked here, or None (PostgreSQL: the server must answer)."""
    if kind == "sqlite":
        return None
    if kind != "postgresql":
        return "unknown database kind"
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    url = os.environ.get("PORTAL_BENCH_DATABASE_URL", PG_DEFAULT).replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect():
            pass
        engine.dispose()
    except (SQLAlchemyError, ImportError) as exc:
        return f"cannot connect to {url.split('@')[-1]} (set PORTAL_BENCH_DATABASE_URL): {type(exc).__name__}"
    return None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
