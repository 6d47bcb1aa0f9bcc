"""A gunicorn worker killed (SIGKILL) in the middle of a secret ballot loses no vote and counts none
twice.

gunicorn runs the portal as in production (``.venv/bin/gunicorn``, two sync workers) on a fresh
migrated database: a SQLite file, or a new PostgreSQL schema when ``PORTAL_TEST_DATABASE_URL`` is
set. Eighty units vote at once through the API with their one-time codes while workers are killed
from outside four times, spread over the vote, and eight more die by their own hand at chosen
moments (just before the vote's commit, and just after it, before the answer); the master
respawns them. A voter whose request died tries again with the same code, as a person would,
and must then be either accepted once or told the unit has already voted.

Afterwards the database must hold, for the ballot, one participation row per unit, as many
anonymous papers as participations (papers have no link to voters, by design), every receipt
handed out exactly once in the box, and one unanswered paper for each voter whose first answer
was lost after the vote was committed.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks.common import ROOT, env_for, free_port
from tests.conftest import PG_ENV

pytestmark = pytest.mark.slow

VOTERS = 80
KILLS = 4  # workers killed, one at a time, spread over the vote
GUNICORN = Path(sys.executable).with_name("gunicorn")

SEED = r"""
import json, sys
from flask_migrate import upgrade
from portal import create_app
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import Role, RoleAssignment, User
from portal.passwords import hash_password
from portal.services import ballots as svc
from portal.services.blocks import save_block
from portal.services.provinces import save_province
from portal.services.units import save_unit

voters = int(sys.argv[1])
app = create_app()
with app.app_context():
    upgrade()
    with audit_actor("crash-test"):
        p = save_province(None, code="thunghiem", name="Tỉnh Thử nghiệm")
        units = [save_unit(None, p, code=f"XA{i:03d}", name=f"Ủy ban nhân dân xã {i:03d}", kind="commune")
                 for i in range(voters)]
        block = save_block(None, p, year=2024, code="CUM", name="Cụm thi đua các xã",
                           member_ids=[u.id for u in units], leader_unit_id=units[0].id, deputy_unit_id=units[1].id)
        leader = User(username="khoitruong.cum", full_name="Khối trưởng", password_hash=hash_password("Mat-khau-1"))
        leader.roles.append(RoleAssignment(role=Role.UNIT_OFFICER, unit_id=units[0].id))
        db.session.add(leader)
        db.session.flush()
        b = svc.create_ballot(leader, block, award_code="co_thi_dua_tinh", seats=1,
                              candidate_unit_ids=[u.id for u in units[:3]])
        codes = {u.id: svc.issue_code(leader, b, u.id) for u in units}
        svc.open_ballot(leader, b)
        db.session.commit()
        print(json.dumps({"ballot_id": b.id, "candidate": b.candidates[0].id,
                          "codes": [[unit_id, code] for unit_id, code in codes.items()]}))
"""


CRASH = "X-Test-Crash"  # "<moment>:<unit id>": the worker serving this vote dies at that moment
BEFORE_COMMIT, AFTER_COMMIT = 4, 4  # voters who ask for each (until their worker did die)


def crashing_app():
    """gunicorn's app here: the portal, whose worker SIGKILLs itself in the middle of a vote
    when the request carries ``X-Test-Crash``: ``before-commit`` (both rows written, the
    transaction open) or ``after-commit`` (the vote committed, the answer not yet sent). The
    kills from outside land wherever they land; these two make sure both moments are tried.
    Before dying, the worker leaves a mark for the voter in ``CRASH_TEST_MARKS``."""
    from flask import has_request_context, request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from wsgi import app

    marks = Path(os.environ["CRASH_TEST_MARKS"])

    def die_at(moment):
        def listener(session):
            asked, _sep, voter = (request.headers.get(CRASH, "") if has_request_context() else "").partition(":")
            if asked == moment:
                (marks / voter).touch()  # tells the voter its request did get this far
                os.kill(os.getpid(), signal.SIGKILL)

        return listener

    event.listen(Session, "before_commit", die_at("before-commit"))
    event.listen(Session, "after_commit", die_at("after-commit"))
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request):
    """A DATABASE_URL for an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/crash.sqlite3"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL pass: set {PG_ENV} (for example postgresql://postgres@127.0.0.1:5432/test)")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"crash_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def workers_of(master: int) -> set[int]:
    """The master's live child processes (gunicorn's workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


@contextmanager
def gunicorn(env: dict, log: Path, prepare):
    """gunicorn on a free port of 127.0.0.1; ``prepare()`` (migrate and seed) runs while its
    workers boot, and the server counts as up when /health answers 200 from two workers.

    ``--preload``: the app is imported once, in the master, so a killed worker is replaced by a
    fork within milliseconds instead of a new import (seconds on a busy machine). The database is
    untouched until a worker serves a request, so each worker opens its own connections, as
    without ``--preload``."""
    port = free_port()
    with open(log, "wb") as err:
        proc = subprocess.Popen(  # noqa: S603 - our own gunicorn and app
            [str(GUNICORN), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "30",
             "--preload", "--log-level", "warning", "tests.test_crash:crashing_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        prepared = prepare()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if post(port, "GET", "/health")[0] == 200 and len(workers_of(proc.pid)) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start: " + log.read_text(errors="replace")[-2000:])
        yield proc, port, prepared
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def post(port: int, method: str, path: str, body: dict | None = None, headers=None) -> tuple[int, dict | None]:
    """One request on a fresh connection (sync workers close each one anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, {"raw": raw[:300].decode(errors="replace")}
    finally:
        conn.close()


def test_a_worker_killed_mid_vote_loses_and_duplicates_nothing(database, tmp_path):
    started = time.monotonic()
    instance = tmp_path / "instance"
    instance.mkdir()
    env = env_for(database, str(instance))
    env.pop(PG_ENV, None)
    marks = tmp_path / "crashes"
    marks.mkdir()
    env["CRASH_TEST_MARKS"] = str(marks)

    def seed() -> dict:
        seeded = subprocess.run(  # noqa: S603 - our own interpreter and seed script
            [sys.executable, "-c", SEED, str(VOTERS)], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        return json.loads(seeded.stdout.strip().splitlines()[-1])

    outcomes: dict[int, dict] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(VOTERS + 1)

    def voter(unit_id: int, code: str, crash: str | None) -> None:
        dropped, statuses, status, body = 0, [], None, None
        barrier.wait()
        for _attempt in range(40):
            # Ask for the crash until one happened (a request may die before reaching the app).
            headers = {CRASH: f"{crash}:{unit_id}"} if crash and not (marks / str(unit_id)).exists() else {}
            try:
                status, body = post(port, "POST", path, {"code": code, "agree": [candidate]}, headers)
            except (OSError, http.client.HTTPException) as exc:
                statuses.append(type(exc).__name__)
                dropped += 1  # the worker died under this request (or was not back yet): try again
                time.sleep(0.1)
                continue
            statuses.append(status)
            if status == 503:  # the database asked for a moment (SQLite recovering): try again
                time.sleep(0.1)
                continue
            break
        with lock:
            outcomes[unit_id] = {"status": status, "body": body, "dropped": dropped, "statuses": statuses}

    with gunicorn(env, tmp_path / "gunicorn.log", seed) as (proc, port, setup):
        ballot_id, candidate = setup["ballot_id"], setup["candidate"]
        codes = {unit_id: code for unit_id, code in setup["codes"]}
        path = f"/api/v1/ballots/{ballot_id}/cast"
        first_workers = workers_of(proc.pid)
        units = sorted(codes)
        crash = dict.fromkeys(units[:BEFORE_COMMIT], "before-commit") | dict.fromkeys(
            units[BEFORE_COMMIT : BEFORE_COMMIT + AFTER_COMMIT], "after-commit"
        )
        threads = [threading.Thread(target=voter, args=(u, codes[u], crash.get(u))) for u in units]
        for t in threads:
            t.start()
        barrier.wait()
        ready_s, voting_started = time.monotonic() - started, time.monotonic()
        killed = []
        for target in [VOTERS * k // (KILLS + 1) for k in range(1, KILLS + 1)]:
            while sum(1 for o in list(outcomes.values()) if o["status"] == 201) < target:
                if not any(t.is_alive() for t in threads):
                    break
                time.sleep(0.002)
            live = sorted(workers_of(proc.pid) - set(killed))
            if live:
                os.kill(live[0], signal.SIGKILL)
                killed.append(live[0])
        for t in threads:
            t.join(60)
        voting_s = time.monotonic() - voting_started
        assert not any(t.is_alive() for t in threads), "a voter never got an answer"
        # The master replaced the killed workers, and the portal still answers.
        deadline = time.time() + 20
        while time.time() < deadline and (len(workers_of(proc.pid)) != 2 or workers_of(proc.pid) & set(killed)):
            time.sleep(0.1)
        respawned = workers_of(proc.pid)
        assert len(respawned) == 2 and not respawned & set(killed), (first_workers, killed, respawned)
        assert post(port, "GET", "/health")[0] == 200
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")

    assert len(killed) == KILLS, killed
    # A worker that died just before the commit wrote nothing: the voter's next request is
    # accepted — unless that one too was lost after its commit (another death), which needs a
    # second dropped request. One that died just after the commit: every later request of the
    # voter is told the unit has voted. (The mark is missing when the worker was killed from
    # outside while waiting for the commit: then the voter never asked again for a crash.)
    for unit_id, moment in crash.items():
        outcome, marked = outcomes[unit_id], (marks / str(unit_id)).exists()
        if moment == "before-commit":
            assert marked, outcome
            assert outcome["status"] == 201 or outcome["dropped"] >= 2, outcome
        elif marked:
            assert outcome["status"] == 409, outcome
    assert any((marks / str(u)).exists() for u, moment in crash.items() if moment == "after-commit")
    statuses = Counter(o["status"] for o in outcomes.values())
    dropped = [u for u, o in outcomes.items() if o["dropped"]]
    # Every voter ends accepted, or told that the unit has already voted — and only a voter whose
    # earlier request died can be told that (the vote it sent then had been committed).
    assert set(statuses) <= {201, 409}, (statuses, [o for o in outcomes.values() if o["status"] not in (201, 409)])
    already = [u for u, o in outcomes.items() if o["status"] == 409]
    assert all(outcomes[u]["dropped"] for u in already), [outcomes[u] for u in already]
    assert all("đã bỏ phiếu" in outcomes[u]["body"]["error"]["message"] for u in already)
    assert dropped, "no request was in flight when the workers were killed: " + log[-1500:]
    assert "Traceback" not in log, log[-3000:]

    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            per_unit = dict(
                conn.execute(
                    text("SELECT unit_id, count(*) FROM ballot_participations WHERE ballot_id = :b GROUP BY unit_id"),
                    {"b": ballot_id},
                ).all()
            )
            receipts = Counter(
                conn.scalars(text("SELECT receipt FROM ballot_papers WHERE ballot_id = :b"), {"b": ballot_id})
            )
            choices = conn.scalars(text("SELECT choices FROM ballot_papers WHERE ballot_id = :b"), {"b": ballot_id}).all()
    finally:
        engine.dispose()
    # One participation per unit that voted, and every unit voted exactly once.
    assert set(per_unit) == set(codes) and set(per_unit.values()) == {1}
    # As many anonymous papers as participations: no paper without its voter, no voter without paper.
    assert sum(receipts.values()) == len(per_unit) == VOTERS
    handed_out = [o["body"]["receipt"] for o in outcomes.values() if o["status"] == 201]
    assert len(set(handed_out)) == len(handed_out) == statuses[201]
    assert all(receipts[r] == 1 for r in handed_out)
    # The papers nobody got a receipt for are exactly those of the voters told "already voted".
    assert sum(receipts.values()) - len(handed_out) == len(already)
    assert all((json.loads(c) if isinstance(c, str) else c)["agree"] == [candidate] for c in choices)
    print(
        f"\n{database.split(':')[0]}: {VOTERS} voters, {len(killed)} workers killed from outside and "
        f"{len(crash)} killed themselves; {len(dropped)} voters saw a request die, {len(already)} were told "
        f"they had already voted, {statuses[201]} accepted; ready {ready_s:.1f} s, voting {voting_s:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )
