"""End-to-end tests in a real browser: the portal runs as people run it, and Chromium drives it.

The server is the real app (``flask run``, threaded, CSRF on, argon2 at production cost) in a
subprocess on a free port of 127.0.0.1, over a temporary SQLite file built by the migrations and
loaded with the demo (``portal.demo``, as ``flask portal demo`` does) plus what the journeys need
that the demo lacks (see ``seed_database``). Playwright drives Debian's ``/usr/bin/chromium``
(Playwright's own browsers are never downloaded); without it the module is skipped.

Every page records the hosts it asks for; a request to anything but 127.0.0.1 fails the test, so
an intranet without Internet access sees the same portal. Screenshots of the key pages go to
``tests/e2e/screenshots/`` (or ``$PORTAL_E2E_SCREENSHOTS``) for people to look at.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal.demo import ACCOUNTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("PORTAL_E2E_SCREENSHOTS") or Path(__file__).parent / "screenshots")
LOCAL_HOSTS = {"127.0.0.1"}

# Accounts the seed adds to the demo's (username, password).
CUM_LEADER = ("khoitruong.cum", "CumTruong@2024")  # leader of the 10-unit district cluster, 2024
DEMO = {username: password for username, password, *_rest in ACCOUNTS} | {CUM_LEADER[0]: CUM_LEADER[1]}
CUM_UNITS = ["TUYEN", "TPLC", "TDUONG", "PTHO", "SHO", "MTE", "TANUYEN", "NNHUN", "TD", "HND"]
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


# -- the seed (runs in the server's environment, in a subprocess) ------------------------------


def seed_database() -> None:
    """The demo, plus what the journeys need and the demo has not:

    * a short Lai Châu criteria table for 2023 (the scoring meeting of *Khối thi đua Tổng hợp*:
      three scored rows, a bonus and a penalty, so the meeting is typed in seconds);
    * a 2024 cluster of ten Lai Châu units led by Ủy ban nhân dân huyện Than Uyên, with its
      officer ``khoitruong.cum`` (ten phones vote in it);
    * for *Khối thi đua Tổng hợp*: a published ballot electing Sở Tài chính, its nomination and a
      dossier with every generated paper, missing only the achievement report (uploaded in the
      browser); Lai Châu accepts late dossiers (2023's deadline is long past).
    """
    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal import create_app, demo
    from portal.audit import audit_actor
    from portal.ballot_pages.common import publish_with_record
    from portal.extensions import db
    from portal.models import Block, Province, Role, RoleAssignment, Unit, User
    from portal.passwords import hash_password
    from portal.services import ballots as ballot_svc
    from portal.services import dossiers as dossier_svc
    from portal.services import nominations as nom_svc
    from portal.services.blocks import save_block
    from portal.services.criteria import create_table
    from portal.text import search_text, sort_key
    from portal.types import CriterionSpec

    SHORT_TABLE = [
        CriterionSpec("I", "Thực hiện nhiệm vụ chính trị, chuyên môn", "scored", Decimal(60)),
        CriterionSpec("I.1", "Hoàn thành các chỉ tiêu được UBND tỉnh giao", "scored", Decimal(40), "I"),
        CriterionSpec("I.2", "Cải cách hành chính, chuyển đổi số", "scored", Decimal(20), "I"),
        CriterionSpec("II", "Công tác thi đua, khen thưởng", "scored", Decimal(30)),
        CriterionSpec("II.1", "Tổ chức phong trào thi đua, nhân rộng điển hình", "scored", Decimal(30), "II"),
        CriterionSpec("III", "Điểm cộng", "bonus", Decimal(5)),
        CriterionSpec("III.1", "Sáng kiến được cấp có thẩm quyền công nhận", "bonus", Decimal(5), "III"),
        CriterionSpec("IV", "Điểm trừ", "penalty", Decimal(5)),
        CriterionSpec("IV.1", "Gửi báo cáo cho Khối chậm", "penalty", Decimal(5), "IV"),
    ]
    app = create_app()
    with app.app_context():
        upgrade()
        assert demo.load() is not None, "the e2e database must start empty"
        with audit_actor("e2e-seed"):
            laichau = db.session.scalar(select(Province).where(Province.code == "laichau"))
            units = {
                u.code: u for u in db.session.scalars(select(Unit).where(Unit.province_id == laichau.id))
            }
            user = {u.username: u for u in db.session.scalars(select(User))}
            create_table(laichau, 2023, "Bảng tiêu chí rút gọn năm 2023", SHORT_TABLE)
            save_block(
                None, laichau, year=2024, code="CUM", name="Cụm thi đua các huyện, thành phố",
                member_ids=[units[c].id for c in CUM_UNITS],
                leader_unit_id=units["TUYEN"].id, deputy_unit_id=units["TPLC"].id,
            )
            name = "Hà Văn Sơn (UBND huyện Than Uyên — cụm trưởng)"
            cum = User(
                username=CUM_LEADER[0], full_name=name, sort_key=sort_key(name),
                search_text=search_text(CUM_LEADER[0], name), password_hash=hash_password(CUM_LEADER[1]),
            )
            cum.roles.append(RoleAssignment(role=Role.UNIT_OFFICER, unit_id=units["TUYEN"].id))
            db.session.add(cum)

            block = db.session.scalar(
                select(Block).where(Block.province_id == laichau.id, Block.year == 2023, Block.code == "KTH")
            )
            leader = user["khoitruong"]
            ballot = ballot_svc.create_ballot(
                leader, block, award_code="co_thi_dua_tinh",
                candidate_unit_ids=[units["SNV"].id, units["STC"].id, units["SKHDT"].id],
            )
            db.session.flush()
            codes = [ballot_svc.issue_code(leader, ballot, v.unit_id) for v in ballot.roll]
            ballot_svc.open_ballot(leader, ballot)
            elected = next(c.id for c in ballot.candidates if c.unit.code == "STC")
            for code in codes:
                ballot_svc.cast(ballot.id, [elected], code=code)
            ballot_svc.close_ballot(leader, ballot)
            ballot_svc.set_tally_committee(leader, ballot, [(user["donvi"].id, "Trưởng ban")])
            publish_with_record(leader, ballot, "Hội trường Sở Nội vụ tỉnh Lai Châu")
            nom_svc.from_ballot(leader, ballot)
            d = dossier_svc.create_dossier(leader, block=block)
            dossier_svc.generate(leader, d, "submission_letter", signer_title="GIÁM ĐỐC", signer_name="Lò Văn Hùng")
            dossier_svc.generate(
                leader, d, "block_minutes", started_at="2024-01-12T08:00", ended_at="2024-01-12T11:00",
                venue="Hội trường Sở Nội vụ tỉnh Lai Châu", chair="Lò Văn Hùng - Giám đốc Sở Nội vụ",
                secretary="Phạm Thị Ánh - Chuyên viên",
                attendees="Lò Văn Hùng - Giám đốc Sở Nội vụ\nĐại diện Sở Tài chính",
                content="Tổng kết phong trào thi đua năm 2023\nBỏ phiếu kín, kết quả kèm theo.",
            )
            dossier_svc.generate(leader, d, "vote_count_record")
            dossier_svc.generate(
                leader, d, "nominee_summary",
                achievements={str(n.id): "Dẫn đầu khối thi đua năm 2023." for n in d.nominations},
            )
            for row in dossier_svc.findings(d):
                if row.finding.severity == "warning":
                    dossier_svc.acknowledge(leader, d, row.nomination.id, row.finding.code)
            laichau.allow_late_submissions = True
            db.session.commit()


# -- the server --------------------------------------------------------------------------------


# The app as ``flask run`` serves it (werkzeug, a thread per request), with one change: every
# browser here comes from 127.0.0.1, so the login throttle (per address) is raised. It is set in
# the config, not through the environment: ``PORTAL_LOGIN_RATE_LIMIT`` in the environment
# becomes ``LOGIN_RATE_LIMIT`` (``from_prefixed_env`` strips the prefix) and is ignored.
SERVE = """
import sys
from werkzeug.serving import run_simple
from portal import create_app
app = create_app({"PORTAL_LOGIN_RATE_LIMIT": "1000 per minute"})
run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"end-to-end tests need Chromium at {CHROMIUM} (Debian package 'chromium')")
    pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the playwright package")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, chromium_path):
    """The portal on ``http://127.0.0.1:<port>``; yields the base URL."""
    root = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "PORTAL_INSTANCE_PATH": str(root / "instance"),
        "DATABASE_URL": f"sqlite:///{root / 'portal.sqlite3'}",
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "FLASK_APP": "wsgi",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("FLASK_DEBUG", None)
    seed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "from tests.e2e.conftest import seed_database; seed_database()"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert seed.returncode == 0, seed.stderr[-4000:]
    port = _free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", SERVE, str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as r:  # noqa: S310 - local
                if r.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise AssertionError((root / "server.log").read_text()[-4000:])
        time.sleep(0.1)
    yield base
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
    text = (root / "server.log").read_text()
    at = text.find("Traceback")
    assert at < 0, f"the server failed (log {root / 'server.log'}):\n{text[max(0, at - 300):at + 4000]}"


# -- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}


class Browsing:
    """Opens browser contexts on the live server; each records every host its pages ask for and
    refuses (and reports) anything that is not 127.0.0.1."""

    def __init__(self, browser, base, screenshots):
        self.browser, self.base, self.screenshots = browser, base, screenshots
        self.contexts, self.foreign, self.console_errors = [], [], []
        self.hosts = set()  # every host a page asked for

    def context(self, device=None, **extra):
        ctx = self.browser.new_context(
            base_url=self.base, locale="vi-VN", accept_downloads=True, **(device or DESKTOP), **extra
        )
        ctx.set_default_timeout(30_000)  # the machine may be busy: argon2 at production cost

        def guard(route):
            host = urlsplit(route.request.url).hostname
            self.hosts.add(host)
            if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                self.foreign.append(route.request.url)
                route.abort()

        ctx.route("**/*", guard)
        ctx.on("page", self._watch)
        self.contexts.append(ctx)
        return ctx

    def _watch(self, page):
        def on_console(msg):
            # A 4xx answer is the portal refusing bad input (its page says why), not a fault.
            if msg.type == "error" and not re.search(r"status of 4\d\d", msg.text):
                self.console_errors.append(f"{page.url}: {msg.text}")

        def on_response(response):
            if response.status >= 500:
                self.console_errors.append(f"{response.request.method} {response.url}: {response.status}")

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: {exc}"))
        page.on("dialog", lambda dialog: dialog.accept())  # confirm.js asks before final steps

    def page(self, device=None, user=None, **extra):
        page = self.context(device, **extra).new_page()
        if user is not None:
            self.login(page, user)
        return page

    def login(self, page, username):
        page.goto("/auth/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(DEMO[username])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        return page

    def shot(self, page, name, full_page=True):
        page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=full_page)

    def close(self):
        for ctx in self.contexts:
            ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def web(request, browser, live_server, screenshots_dir):
    """``web.page(device, user)`` opens a signed-in page; at the end no request may have left
    127.0.0.1 and no page may have logged a script error (a CSP refusal is one). A failed test
    leaves a screenshot of every page it had open (``failed-<test>-<n>.png``)."""
    b = Browsing(browser, live_server, screenshots_dir)
    yield b
    if getattr(request.node, "e2e_failed", False):
        pages = [p for ctx in b.contexts for p in ctx.pages]
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(screenshots_dir / f"failed-{request.node.name}-{n}.png"), full_page=True)
            except Exception:  # noqa: BLE001, S110 - a diagnostic only
                pass
    b.close()
    assert not b.foreign, f"requests left 127.0.0.1: {b.foreign}"
    assert b.hosts <= LOCAL_HOSTS, b.hosts
    assert not b.console_errors, "\n".join(b.console_errors)


@pytest.fixture(autouse=True)
def _skip_without_chromium(chromium_path):
    """Every test here needs the browser: skip them all, with the reason, when it is missing."""

