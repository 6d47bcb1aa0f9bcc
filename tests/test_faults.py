"""Faults from outside the portal: the database going away, and a full disk.

The database faults are real, not mocked: PostgreSQL backends are killed with
``pg_terminate_backend`` in the middle of a request, or the app points at a port where nothing
listens; SQLite is locked by another connection until the request's wait runs out. Either way a
page answers 503 with the Vietnamese "cannot reach the database" message and ``Retry-After``, the
API answers ``{"error": {"code": "database_unavailable"}}``, and a write that was half done is
rolled back as a whole. A full disk is an ``OSError(ENOSPC)`` from the file write.
"""

from __future__ import annotations

import errno
import io
import socket
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from portal.audit import audit_actor, install_triggers
from portal.extensions import db
from portal.models import (
    AuditLog,
    BallotPaper,
    BallotParticipation,
    DossierItem,
    Evidence,
    ScoringRound,
    Unit,
)
from portal.services import ballots as ballot_svc
from tests.conftest import PDF_BYTES, build_world, login, make_app

DOWN = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu, vui lòng thử lại sau ít phút."
FULL = "hết dung lượng"
UNIT_CSV = "code,name,kind,staff_count\n" + "".join(
    f"SX{i},Sở thử nghiệm số {i},department,{10 + i}\n" for i in range(6)
)


# -- fixtures and fault injection ------------------------------------------------------------------


@pytest.fixture
def live(database_url, tmp_path):
    """An app on real, separate connections (a SQLite file, or PostgreSQL) whose SQLite writers
    give up after 0.3 s instead of 5, with the ``world`` data; the app context stays pushed."""
    url = f"sqlite:///{tmp_path}/faults.sqlite3" if database_url.startswith("sqlite") else database_url
    app = make_app(url, tmp_path, PORTAL_SQLITE_BUSY_TIMEOUT=0.3)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
        app.world = build_world()
        yield app
        db.session.remove()
        db.engine.dispose()
        db.drop_all()
        db.engine.dispose()


def _count(model, *where) -> int:
    db.session.rollback()  # a fresh snapshot, after whatever the request left
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _token(user) -> dict:
    from portal.security import new_api_token

    _t, plain = new_api_token(user, "faults")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _assert_down_page(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:500]
    assert DOWN in body and "Traceback" not in body
    assert response.headers["Retry-After"] == "60"


def _assert_down_api(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "60"
    error = response.get_json()["error"]
    assert error["code"] == "database_unavailable" and error["message"] == DOWN


def _terminate(url, pids) -> None:
    """Kill PostgreSQL backends from another connection, as a server restart would."""
    killer = create_engine(url.render_as_string(hide_password=False), poolclass=NullPool)
    try:
        with killer.begin() as k:
            for pid in pids:
                assert k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        killer.dispose()


class Tripwire:
    """Breaks the database connection the app is using when it is about to run the ``nth``
    statement that starts with ``prefix``.

    PostgreSQL: the app's backend is terminated from another connection, so that very statement
    fails as when the server restarts. SQLite: another connection takes the database's lock — an
    exclusive one if the app has not written yet (the statement then waits and fails), otherwise
    a read lock, which makes the app's commit wait and fail."""

    def __init__(self, app, prefix: str, nth: int = 1):
        self.app, self.prefix, self.nth = app, prefix.upper(), nth
        self.seen, self.tripped, self.holder = 0, False, None

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.tripped or not statement.lstrip().upper().startswith(self.prefix):
            return
        self.seen += 1
        if self.seen < self.nth:
            return
        self.tripped = True
        if conn.dialect.name == "postgresql":
            _terminate(conn.engine.url, {conn.connection.dbapi_connection.info.backend_pid})
        else:
            self.holder = sqlite3.connect(conn.engine.url.database, timeout=0, isolation_level=None)
            try:
                self.holder.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError:  # the app holds the write lock: block its commit
                self.holder.execute("BEGIN")
                self.holder.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def release(self):
        if self.holder is not None:
            self.holder.rollback()
            self.holder.close()
            self.holder = None


@contextmanager
def tripwire(app, prefix: str, nth: int = 1):
    wire = Tripwire(app, prefix, nth)
    event.listen(db.engine, "before_cursor_execute", wire._before)
    try:
        yield wire
    finally:
        event.remove(db.engine, "before_cursor_execute", wire._before)
        wire.release()
    assert wire.tripped, f"no statement starting with {prefix!r} ran"


@contextmanager
def sqlite_locked(path: str):
    """Another connection holds SQLite's exclusive lock: nothing else can read or write."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


# -- the database going away ---------------------------------------------------------------------


def test_sqlite_locked_past_the_wait_is_a_503_everywhere(tmp_path):
    """Pages, the API, the login form and a signed-in session while another process holds
    SQLite's exclusive lock; everything answers again once the lock is gone."""
    app = make_app(f"sqlite:///{tmp_path}/locked.sqlite3", tmp_path, PORTAL_SQLITE_BUSY_TIMEOUT=0.2)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
        world = build_world()
        headers = _token(world.officer)
        db.session.commit()
        signed_in = app.test_client()
        assert login(signed_in, world.member).status_code == 302
        db.session.remove()
        with sqlite_locked(db.engine.url.database):
            _check_every_door(app, signed_in, headers, "donvi")
        assert app.test_client().get("/health").status_code == 200
        assert signed_in.get("/dashboard").status_code == 200
        assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_a_postgresql_server_that_is_not_there(tmp_path):
    """DATABASE_URL names a PostgreSQL server that refuses connections (no PostgreSQL needed)."""
    good = make_app(f"sqlite:///{tmp_path}/good.sqlite3", tmp_path)
    with good.app_context():
        db.create_all()
        world = build_world()
        signed_in = good.test_client()
        assert login(signed_in, world.member).status_code == 302
        cookie = signed_in.get_cookie("session").value
        db.session.remove()
        db.engine.dispose()
    # The same secret key: the session cookie signed by one app is valid for the other.
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test", tmp_path)
    with app.app_context():
        client = app.test_client()
        client.set_cookie("session", cookie)
        _check_every_door(app, client, {"Authorization": "Bearer tdp_not-checked-yet"}, "donvi")
        db.engine.dispose()


def _check_every_door(app, signed_in, headers, username):
    anonymous = app.test_client()
    login_form = anonymous.get("/auth/login")
    assert login_form.status_code == 200  # the form itself needs no database
    _assert_down_page(anonymous.post("/auth/login", data={"username": username, "password": "x"}))
    health = anonymous.get("/health")
    assert health.status_code == 503 and health.get_json() == {"status": "unavailable"}
    _assert_down_api(anonymous.get("/api/v1/me", headers=headers))
    _assert_down_api(anonymous.get("/api/v1/blocks", headers=headers))
    # A signed-in officer: the user cannot be loaded, yet the answer is the page, never a 500.
    _assert_down_page(signed_in.get("/dashboard"))
    _assert_down_page(signed_in.post("/language/vi"))


def test_server_restarted_between_requests_is_invisible(live, database_url):
    """Every pooled connection is killed (as by a PostgreSQL restart); the next request gets a
    fresh one (``pool_pre_ping``) and succeeds."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to restart")
    app, world = live, live.world
    client = app.test_client()
    login(client, world.officer)
    db.session.remove()
    db.engine.dispose()
    pids = set()

    def remember(dbapi_connection, record):
        pids.add(dbapi_connection.info.backend_pid)

    event.listen(db.engine, "connect", remember)
    try:
        assert client.get("/dashboard").status_code == 200
        db.session.remove()
        assert pids
        _terminate(db.engine.url, pids)
        assert client.get("/dashboard").status_code == 200
    finally:
        event.remove(db.engine, "connect", remember)


def test_an_import_interrupted_mid_write_leaves_nothing(live):
    """A six-unit import through the API; the database goes away after two units were
    inserted: 503, no unit and no audit row of the import remain, and the same import succeeds
    once the database is back."""
    app, world = live, live.world
    headers = _token(world.officer)
    province_id = world.laichau.id
    units, audits = _count(Unit), _count(AuditLog)
    path = f"/api/v1/provinces/{province_id}/units/import"
    with tripwire(app, "INSERT INTO units", nth=3):
        response = app.test_client().post(
            path, data={"file": (io.BytesIO(UNIT_CSV.encode()), "don-vi.csv")}, content_type="multipart/form-data",
            headers=headers,
        )
    _assert_down_api(response)
    assert _count(Unit) == units and _count(AuditLog) == audits
    again = app.test_client().post(
        path, data={"file": (io.BytesIO(UNIT_CSV.encode()), "don-vi.csv")}, content_type="multipart/form-data",
        headers=headers,
    )
    assert again.status_code == 200 and again.get_json()["applied"] is True
    assert _count(Unit) == units + 6


def test_an_import_confirmation_interrupted_can_be_confirmed_again(live):
    """The page flow: preview, then the confirmation dies half way (503 page, nothing written);
    the previewed file is still waiting, so confirming again writes the import once."""
    app, world = live, live.world
    client = app.test_client()
    login(client, world.officer)
    path = f"/admin/provinces/{world.laichau.id}/units/import"
    preview = client.post(
        path, data={"file": (io.BytesIO(UNIT_CSV.encode()), "don-vi.csv")}, content_type="multipart/form-data"
    )
    assert preview.status_code == 200
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    units = _count(Unit)
    with tripwire(app, "INSERT INTO units", nth=4):
        _assert_down_page(client.post(path, data={"token": token}))
    assert _count(Unit) == units
    done = client.post(path, data={"token": token})
    assert done.status_code == 302
    assert _count(Unit) == units + 6


@pytest.fixture
def open_ballot(live):
    world = live.world
    with audit_actor("test"):
        u = world.lc_units
        b = ballot_svc.create_ballot(
            world.leader, world.block, award_code="co_thi_dua_tinh", candidate_unit_ids=[u["SNV"].id, u["STC"].id]
        )
        db.session.flush()
        codes = {v.unit.code: ballot_svc.issue_code(world.leader, b, v.unit_id) for v in b.roll}
        ballot_svc.open_ballot(world.leader, b)
        db.session.commit()
    return live, b.id, b.candidates[0].id, codes


def test_a_vote_cut_off_between_its_two_rows_is_not_counted(open_ballot):
    """The participation row is written, then the database goes away before the anonymous
    ballot paper: neither stays, and the same code then votes once."""
    app, ballot_id, candidate, codes = open_ballot
    path = f"/api/v1/ballots/{ballot_id}/cast"
    with tripwire(app, "INSERT INTO ballot_papers"):
        _assert_down_api(app.test_client().post(path, json={"code": codes["SYT"], "agree": [candidate]}))
    where = BallotParticipation.ballot_id == ballot_id
    assert _count(BallotParticipation, where) == 0
    assert _count(BallotPaper, BallotPaper.ballot_id == ballot_id) == 0
    first = app.test_client().post(path, json={"code": codes["SYT"], "agree": [candidate]})
    assert first.status_code == 201
    second = app.test_client().post(path, json={"code": codes["SYT"], "agree": [candidate]})
    assert second.status_code == 409
    assert _count(BallotParticipation, where) == 1 == _count(BallotPaper, BallotPaper.ballot_id == ballot_id)


def test_the_public_vote_page_says_the_database_is_down(open_ballot):
    app, ballot_id, candidate, codes = open_ballot
    client = app.test_client()
    with tripwire(app, "INSERT INTO ballot_participations"):
        response = client.post(
            f"/vote/{ballot_id}", data={"code": codes["SNV"], f"c{candidate}": "agree", "action": "cast"}
        )
    _assert_down_page(response)
    assert _count(BallotParticipation, BallotParticipation.ballot_id == ballot_id) == 0


# -- uploads: a file written, then the database fails: no orphan file ------------------------------


@pytest.fixture
def scoring_round(live):
    import datetime as dt

    from plugins.national.criteria import DEPARTMENTS
    from portal.services.criteria import create_table
    from portal.services.scoring_rounds import create_round, transition

    world = live.world
    with audit_actor("test"):
        table = create_table(world.laichau, 2023, "Bảng tiêu chí khối", list(DEPARTMENTS.criteria))
        r = create_round(world.block, table, meeting_date=dt.date(2024, 1, 5), conference_date=dt.date(2024, 1, 8))
        transition(world.leader, r, "open_self_scoring")
        db.session.commit()
    return live, r.id, world.lc_units["STC"].id


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_evidence_written_then_the_database_fails_leaves_no_file(scoring_round):
    app, round_id, stc = scoring_round
    headers = _token(app.world.member)
    folder = Path(app.instance_path) / "evidence"
    for prefix in ("INSERT INTO evidence", "INSERT INTO audit_log"):
        with tripwire(app, prefix):
            response = app.test_client().post(
                f"/api/v1/rounds/{round_id}/units/{stc}/evidence",
                data={"file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf")}, content_type="multipart/form-data",
                headers=headers,
            )
        _assert_down_api(response)
        assert _count(Evidence) == 0 and _files(folder) == [], prefix
    member = app.test_client()
    login(member, app.world.member)
    with tripwire(app, "INSERT INTO evidence"):
        page = member.post(
            f"/scoring/{round_id}/units/{stc}/evidence",
            data={"file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf")}, content_type="multipart/form-data",
        )
    _assert_down_page(page)
    assert _count(Evidence) == 0 and _files(folder) == []
    assert db.session.get(ScoringRound, round_id) is not None


def test_a_dossier_file_written_then_the_database_fails_leaves_no_file(live):
    from portal.services import dossiers, nominations
    from portal.services import evidence as files

    world = live.world
    with audit_actor("test"):
        n = nominations.create_nomination(
            world.member, world.laichau, year=2023, award_code="tap_the_lao_dong_xuat_sac",
            recipient="collective", unit_id=world.lc_units["STC"].id,
        )
        d = dossiers.create_dossier(world.member, unit=world.lc_units["STC"], year=2023)
        db.session.commit()
    headers, dossier_id, nomination_id = _token(world.member), d.id, n.id
    for prefix in ("INSERT INTO dossier_items", "INSERT INTO dossier_events"):
        with tripwire(live, prefix):
            response = live.test_client().post(
                f"/api/v1/dossiers/{dossier_id}/items",
                data={"requirement_code": "achievement_report", "nomination_id": str(nomination_id),
                      "file": (io.BytesIO(PDF_BYTES), "Báo cáo.pdf")},
                content_type="multipart/form-data", headers=headers,
            )
        _assert_down_api(response)
        assert _count(DossierItem) == 0 and _files(files.storage_dir()) == [], prefix


# -- a full disk on every upload path --------------------------------------------------------------


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("errno_", [errno.ENOSPC, errno.EDQUOT], ids=["ENOSPC", "EDQUOT"])
def test_a_full_disk_during_an_import_preview(app, world, monkeypatch, errno_):
    """The preview keeps the file for the confirmation: when the disk fills up half way through
    that write, the page says so (507) and no half-written file is left waiting."""
    from portal import pending

    folder = Path(app.instance_path) / "pending_imports"

    def write_half_then_fail(path, data):
        path.write_bytes(data[: len(data) // 2])
        raise OSError(errno_, "No space left on device")

    monkeypatch.setattr(pending, "_write", write_half_then_fail)
    client = app.test_client()
    login(client, world.officer)
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/import",
        data={"file": (io.BytesIO(UNIT_CSV.encode()), "don-vi.csv")}, content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 507, body[:500]
    assert FULL in body and "Traceback" not in body and 'name="token"' not in body
    assert _files(folder) == []
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.code.like("SX%"))) == 0


def test_a_full_disk_on_the_other_import_pages(app, world, monkeypatch):
    """Accounts and criteria tables wait in the same place (as award records do): 507 too."""
    from portal import pending
    from tests.test_criteria import GOOD_CSV

    monkeypatch.setattr(pending, "_write", _disk_full)
    client = app.test_client()
    login(client, world.officer)
    uploads = {
        "/admin/users/import": (
            {}, "Tên đăng nhập,Họ và tên,Vai trò,Mã tỉnh,Mã đơn vị\nyte.1,Nguyễn Y Tế,Cán bộ thi đua đơn vị,laichau,SYT\n"
        ),
        f"/provinces/{world.laichau.id}/criteria/import": ({"year": "2023", "name": "Bảng nhập"}, GOOD_CSV),
    }
    for path, (fields, body) in uploads.items():
        response = client.post(
            path, data={**fields, "file": (io.BytesIO(body.encode()), "tep.csv")}, content_type="multipart/form-data"
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 507 and FULL in page, (path, response.status_code, page[:300])
    assert _files(Path(app.instance_path) / "pending_imports") == []


@pytest.fixture
def dossier(app, world):
    from portal.services import dossiers, nominations

    with audit_actor("test"):
        n = nominations.create_nomination(
            world.member, world.laichau, year=2023, award_code="tap_the_lao_dong_xuat_sac",
            recipient="collective", unit_id=world.lc_units["STC"].id,
        )
        d = dossiers.create_dossier(world.member, unit=world.lc_units["STC"], year=2023)
        db.session.commit()
    return d, n


def test_a_full_disk_on_dossier_uploads(app, world, dossier, api_headers, monkeypatch):
    from portal.services import evidence as files

    d, n = dossier
    folder = files.storage_dir()
    monkeypatch.setattr(files, "_write", _disk_full)
    page = app.test_client()
    login(page, world.member)
    response = page.post(
        f"/dossiers/{d.id}/upload",
        data={"key": f"achievement_report:{n.id}", "file": (io.BytesIO(PDF_BYTES), "Báo cáo.pdf")},
        content_type="multipart/form-data", follow_redirects=True,
    )
    assert response.status_code == 200 and FULL in response.get_data(as_text=True)
    api = app.test_client().post(
        f"/api/v1/dossiers/{d.id}/items",
        data={"requirement_code": "achievement_report", "nomination_id": str(n.id),
              "file": (io.BytesIO(PDF_BYTES), "Báo cáo.pdf")},
        content_type="multipart/form-data", headers=api_headers(world.member),
    )
    assert api.status_code == 507 and api.get_json()["error"]["code"] == "insufficient_storage"
    assert db.session.scalar(select(func.count()).select_from(DossierItem)) == 0
    assert _files(folder) == []


def test_a_full_disk_anywhere_else_is_a_507_not_a_500(app, world, api_headers, register_plugin):
    """The safety net: an ENOSPC that no view expected (a spooled upload, a temporary file)
    still answers 507 with the message, and the API with ``insufficient_storage``."""
    from flask import Blueprint

    from portal import access

    bp = Blueprint("faults_probe", __name__)

    @bp.route("/faults-probe/page", methods=["POST"])
    def probe_page():
        _disk_full()

    @bp.route("/api/v1/faults-probe", methods=["POST"])
    def probe_api():
        _disk_full()

    app.register_blueprint(bp)
    access.ENDPOINT_RULES["faults_probe.probe_page"] = access.ENDPOINT_RULES["main.health"]
    access.ENDPOINT_RULES["faults_probe.probe_api"] = access.ENDPOINT_RULES["main.health"]
    try:
        page = app.test_client().post("/faults-probe/page")
        assert page.status_code == 507 and FULL in page.get_data(as_text=True)
        api = app.test_client().post("/api/v1/faults-probe")
        assert api.status_code == 507 and api.get_json()["error"]["code"] == "insufficient_storage"
    finally:
        del access.ENDPOINT_RULES["faults_probe.probe_page"]
        del access.ENDPOINT_RULES["faults_probe.probe_api"]


def test_a_broken_statement_is_a_bug_not_an_outage():
    """SQLite reports both a lock and a missing column as OperationalError; only the first is the
    database being unavailable (503, try again). A bad statement is a bug: 500 and a traceback in
    the log, not a 'try again later' that hides it."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from portal.errors import is_database_unavailable

    def wrap(message):
        return OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    assert is_database_unavailable(wrap("database is locked"))
    assert is_database_unavailable(wrap("unable to open database file"))
    assert is_database_unavailable(wrap("disk I/O error"))
    assert not is_database_unavailable(wrap("no such column: units.nickname"))
    assert not is_database_unavailable(wrap('near "SELEC": syntax error'))
