"""Fixtures: a fresh app (and plugin manager) per test, on SQLite and on PostgreSQL.

Every test that uses ``app`` runs twice: ``[sqlite]`` on an in-memory database and ``[postgresql]``
on the server named by ``PORTAL_TEST_DATABASE_URL`` (skipped, with the reason shown, when unset).
Each pytest session works in its own PostgreSQL schema so that parallel runs never collide.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine

from portal import create_app
from portal.audit import audit_actor, install_triggers
from portal.extensions import db
from portal.models import Role, RoleAssignment, User
from portal.passwords import hash_password
from portal.security import new_api_token
from portal.services.blocks import save_block
from portal.services.provinces import save_province, set_enabled_plugins
from portal.services.units import save_unit
from portal.text import search_text, sort_key

# Property tests (hypothesis) are reproducible and never fail on a busy machine's timing:
# the same examples every run, no deadline. HYPOTHESIS_PROFILE=explore searches further.
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.register_profile("explore", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_ENV = "PORTAL_TEST_DATABASE_URL"


def pytest_report_header(config):
    if os.environ.get(PG_ENV):
        return f"database tests: SQLite and PostgreSQL ({PG_ENV} is set)"
    return f"database tests: SQLite only; the PostgreSQL variants are skipped because {PG_ENV} is not set"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2's production cost (~0.3 s a hash) would dominate the suite; tests use the cheapest
    profile. The production parameters are argon2-cffi's defaults (``portal.passwords``)."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from portal import passwords

    original = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = original
PASSWORD = "Mat-khau-1"


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@pytest.fixture(scope="session")
def pg_schema_url():
    base = _pg_base_url()
    if base is None:
        yield None
        return
    schema = f"pt_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, pg_schema_url):
    if request.param == "sqlite":
        return "sqlite://"
    if pg_schema_url is None:
        pytest.skip(f"PostgreSQL pass: set {PG_ENV} (for example postgresql://postgres@127.0.0.1:5432/test)")
    return pg_schema_url


class IsolatedClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    The ``app`` fixture keeps an app context pushed, and Flask reuses a pushed context of the same
    app for requests, so without this ``g`` (Flask-Login's cached user, the API user) would leak
    from one request, and one client, to the next: an anonymous client would act as the last
    user who signed in with another client.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        response = super().open(*args, **kwargs)
        # Werkzeug closes a large upload's spooled input file only when following redirects;
        # otherwise it waits for garbage collection and warns in whichever test runs then.
        request = getattr(response, "request", None)
        if request is not None:
            request.input_stream.close()
        return response


def make_app(database_url: str, tmp_path, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PORTAL_LOGIN_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_ENABLED": True,
        **extra,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app_config():
    """Override in a test module to add settings (e.g. CSRF on)."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = make_app(database_url, tmp_path, **app_config)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def real_app(database_url, tmp_path):
    """An app whose connections are real and separate (a file for SQLite, not one shared
    in-memory connection), for tests where threads race as people in a hall would."""
    url = f"sqlite:///{tmp_path}/race.sqlite3" if database_url.startswith("sqlite") else database_url
    app = make_app(url, tmp_path)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def register_plugin(app):
    """Register a plugin object for one test (the app, and its manager, die with the test)."""
    registry = app.extensions["portal.plugins"]

    def _register(plugin, name):
        registry.pm.register(plugin, name=name)
        return plugin

    return _register


# -- data ----------------------------------------------------------------------------------


class World:
    """Two provinces with units, a 2023 block each, and one account per role."""


def make_user(username, role=None, province=None, unit=None, password=PASSWORD, **kw) -> User:
    user = User(
        username=username, full_name=kw.pop("full_name", username.title()), sort_key=sort_key(username),
        search_text=search_text(username), password_hash=hash_password(password), **kw,
    )
    if role is not None:
        user.roles.append(
            RoleAssignment(
                role=role,
                province_id=province.id if province is not None and role.scope == "province" else None,
                unit_id=unit.id if unit is not None else None,
            )
        )
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def world(app):
    return build_world()


def build_world() -> World:
    """The ``world`` fixture's data, for tests that need it inside an app of their own."""
    w = World()
    with audit_actor("fixture"):
        w.laichau = save_province(None, code="laichau", name="Tỉnh Lai Châu")
        set_enabled_plugins(w.laichau, ["province.laichau"])
        w.travinh = save_province(None, code="travinh", name="Tỉnh Trà Vinh")
        w.lc_units = {
            code: save_unit(None, w.laichau, code=code, name=name, kind=kind, staff_count=40)
            for code, name, kind in [
                ("SNV", "Sở Nội vụ", "department"),
                ("STC", "Sở Tài chính", "department"),
                ("SYT", "Sở Y tế", "department"),
                ("SGDDT", "Sở Giáo dục và Đào tạo", "department"),
                ("DLLC", "Công ty Điện lực Lai Châu", "enterprise"),
            ]
        }
        w.tv_units = {
            code: save_unit(None, w.travinh, code=code, name=name, kind="department", staff_count=30)
            for code, name in [("SNV", "Sở Nội vụ Trà Vinh"), ("STC", "Sở Tài chính Trà Vinh")]
        }
        u = w.lc_units
        w.block = save_block(
            None, w.laichau, year=2023, code="KTH", name="Khối thi đua Tổng hợp",
            member_ids=[u["SNV"].id, u["STC"].id, u["SYT"].id], leader_unit_id=u["SNV"].id, deputy_unit_id=u["STC"].id,
        )
        w.tv_block = save_block(
            None, w.travinh, year=2023, code="KTH", name="Khối Tổng hợp Trà Vinh",
            member_ids=[x.id for x in w.tv_units.values()], leader_unit_id=w.tv_units["SNV"].id, deputy_unit_id=None,
        )
        w.admin = make_user("admin", Role.ADMIN)
        w.officer = make_user("canbo.laichau", Role.PROVINCE_OFFICER, province=w.laichau)
        w.tv_officer = make_user("canbo.travinh", Role.PROVINCE_OFFICER, province=w.travinh)
        w.leader = make_user("khoitruong", Role.UNIT_OFFICER, unit=u["SNV"])
        w.member = make_user("donvi", Role.UNIT_OFFICER, unit=u["STC"])
        w.outsider = make_user("ngoai.khoi", Role.UNIT_OFFICER, unit=u["DLLC"])
        w.observer = make_user("theodoi", Role.OBSERVER, province=w.laichau)
        db.session.commit()
    return w


def login(client, user_or_name, password=PASSWORD):
    name = user_or_name if isinstance(user_or_name, str) else user_or_name.username
    return client.post("/auth/login", data={"username": name, "password": password})


@pytest.fixture
def api_headers(app):
    """``api_headers(user)`` -> Authorization header with a fresh token for ``user``."""

    def _headers(user):
        _token, plain = new_api_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return _headers


@pytest.fixture
def issued(world):
    """Two issued documents: a Lai Châu block's vote-count record and a Trà Vinh ballot paper."""
    import dataclasses

    from plugins.national import samples
    from portal.catalogue import report_layouts_for
    from portal.services.documents import issue_document

    vote = samples.vote_count()
    vote = dataclasses.replace(vote, header=dataclasses.replace(vote.header, number=None))
    with audit_actor("fixture"):
        world.document = issue_document(
            report_layouts_for(world.laichau)["vote_count_record"], vote,
            province=world.laichau, block=world.block, actor=world.leader,
        )
        world.tv_document = issue_document(
            report_layouts_for(world.travinh)["ballot_paper"], samples.ballot(),
            province=world.travinh, block=world.tv_block,
        )
        db.session.commit()
    return world


@pytest.fixture
def scoring_world(issued):
    """``issued`` plus scoring data: criteria tables (and, later, rounds) for the access walks.

    Criteria tables: ``world.table`` (Lai Châu 2023, from the national template) and
    ``world.tv_table`` (Trà Vinh 2023, foreign to Lai Châu users)."""
    from plugins.national.criteria import DEPARTMENTS
    from portal.services.criteria import create_table

    world = issued
    with audit_actor("fixture"):
        world.table = create_table(world.laichau, 2023, "Bảng tiêu chí khối", list(DEPARTMENTS.criteria))
        world.tv_table = create_table(world.travinh, 2023, "Bảng tiêu chí khối", list(DEPARTMENTS.criteria))
        db.session.commit()
    return world


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def round_world(scoring_world):
    """``scoring_world`` plus scoring rounds, for the access walks and the scoring tests.

    ``world.round``: Lai Châu's block round (``world.table``), open for self-scoring, with one
    self score (``world.self_score``) and one evidence PDF (``world.evidence``) of the member
    unit STC. ``world.tv_round`` / ``world.tv_evidence``: the same for Trà Vinh's block (foreign
    to Lai Châu users). A round that ``scoring_world`` already made for a block is reused."""
    import datetime as dt

    from portal.models import RoundState
    from portal.scoring_pages.common import round_of
    from portal.services.evidence import add_evidence
    from portal.services.scoring import save_self_score, scorable
    from portal.services.scoring_rounds import create_round, transition

    world = scoring_world
    friday, monday = dt.date(2024, 1, 5), dt.date(2024, 1, 8)
    with audit_actor("fixture"):
        world.round = round_of(world.block) or create_round(
            world.block, world.table, meeting_date=friday, conference_date=monday
        )
        if world.round.state == RoundState.DRAFT:
            transition(world.leader, world.round, "open_self_scoring")
        stc = world.lc_units["STC"].id
        first = scorable(world.round)[0]
        world.self_score = save_self_score(world.member, world.round, stc, first.id, "3")
        world.evidence = add_evidence(world.member, world.round, stc, first.id, "Báo cáo kết quả.pdf", PDF_BYTES)
        world.round.secretary_id = world.member.id  # the walker unit officer is the meeting's secretary
        world.tv_round = round_of(world.tv_block) or create_round(
            world.tv_block, world.tv_table, meeting_date=friday, conference_date=monday
        )
        world.tv_round.state = RoundState.SELF_SCORING
        world.tv_leader = make_user("khoitruong.travinh", Role.UNIT_OFFICER, unit=world.tv_units["SNV"])
        world.tv_evidence = add_evidence(
            world.tv_leader, world.tv_round, world.tv_units["SNV"].id, None, "Minh chứng.pdf", PDF_BYTES
        )
        db.session.commit()
    return world


@pytest.fixture
def award_world(round_world):
    """``round_world`` plus an award record in each province, for the access walks and the award
    tests: ``world.award_record`` (Lai Châu: a provincial certificate of merit for a worker of STC,
    decided) and ``world.tv_award_record`` (Trà Vinh, foreign to Lai Châu users)."""
    import datetime as dt

    from portal.services.award_records import save_record

    world = round_world
    with audit_actor("fixture"):
        world.award_record = save_record(
            None, world.laichau, award_code="bang_khen_ubnd_tinh", recipient="individual",
            recipient_name="Lò Thị Mai", unit_id=world.lc_units["STC"].id, person_group="worker",
            position="Chuyên viên", category="ktxh", status="decided", decision_number="123/QĐ-UBND",
            decision_date=dt.date(2023, 12, 20), decided_by="Chủ tịch UBND tỉnh",
        )
        world.tv_award_record = save_record(
            None, world.travinh, award_code="bang_khen_thu_tuong", recipient="individual",
            recipient_name="Thạch Thị Sa Ra", unit_id=world.tv_units["SNV"].id, person_group="leader",
            position="Phó Giám đốc", status="pending", submitted_on=dt.date(2023, 10, 2),
        )
        db.session.commit()
    return world
