"""Security properties checked across the whole portal rather than one page at a time.

* CSRF: every ``<form method="post">`` that any page shows an admin or a block leader carries a
  token, and submitting it without one is refused (400) with nothing written.
* CSP: every HTML page forbids inline script, and no template holds inline script or event
  handler attributes (which the policy would block, breaking the page).
* Uploaded files are never served as HTML: refused by name and content at upload, and served as
  attachments with ``nosniff`` even when a stored row claims another type.
* Logs and the audit log never hold passwords, token secrets, voting codes, or how a unit voted.

``tests/test_accounts.py`` already covers the login form's token, session cookies and the login
rate limit; ``tests/test_ballot_pages.py`` the voting code rate limit.
"""

from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Ballot, BallotPaper, Evidence
from portal.services import ballots as ballot_svc
from tests.conftest import PASSWORD, PDF_BYTES, login
from tests.test_access_matrix import (  # noqa: F401 - fixtures registered in this module
    _bootstrap_filename,
    _path_values,
    _routes,
    _url,
    ballot_world,
    dossier_world,
)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "portal", ROOT / "plugins", ROOT / "provinces"]


class FormCollector(HTMLParser):
    """The POST forms of a page: action, and the fields a browser would send (the first
    submit button's value included, the CSRF token kept apart)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {"method": a.get("method", "get").lower(), "action": a.get("action", ""), "fields": {}, "csrf": False}
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if name.endswith("csrf_token"):  # "tpl-csrf_token" in prefixed forms
                form["csrf"] = True
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["fields"].setdefault(name, a.get("value", "on"))
            elif kind == "file":
                pass
            elif kind == "submit":
                form["fields"].setdefault(name, a.get("value", ""))
            else:
                form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "button" and name:
            form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            form["fields"].setdefault(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            form["fields"].setdefault(name, "x")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def post_forms(html: str, page_url: str) -> list[dict]:
    parser = FormCollector()
    parser.feed(html)
    out = []
    for form in parser.forms:
        if form["method"] != "post":
            continue
        action = urlsplit(urljoin("http://localhost" + page_url, form["action"] or page_url))
        out.append({**form, "url": action.path + (f"?{action.query}" if action.query else "")})
    return out


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def script_src(csp: str) -> str:
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    return directives.get("script-src", directives.get("default-src", ""))


@pytest.fixture
def full_world(request):
    """``dossier_world`` of the access walk: one object of every kind a page addresses."""
    return request.getfixturevalue("dossier_world")


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


# -- the walk: every page an admin and a block leader see ---------------------------------------


def _walk_pages(app, client, world, spare_token_id):
    """GET every page route (not the API, not static files) and yield (url, response)."""
    values = _path_values(world, spare_token_id)
    for endpoint, method, rule in _routes(app):
        if method != "GET" or endpoint in ("static", "bootstrap.static") or rule.rule.startswith("/api/"):
            continue
        url = _url(app, rule, _bootstrap_filename(endpoint, values))
        response = client.get(url)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        db.session.rollback()
        yield url, response, body


@pytest.mark.parametrize("database_url", ["sqlite://"], indirect=False)
@pytest.mark.parametrize("who", ["admin", "leader", "member"])
def test_every_page_form_needs_its_csrf_token(app, full_world, who, database_url):
    """Collect every POST form an admin, a block leader or a unit officer is shown anywhere, then send each one
    back without its token (CSRF on, as in production): 400, no row written, still signed in.
    A form without a token field would fail for real users, so that is a failure too."""
    from portal.security import new_api_token

    world = full_world
    # The member (STC) owns the dossier and the evidence, and is the meeting's secretary.
    user = {"admin": world.admin, "leader": world.leader, "member": world.member}[who]
    client = app.test_client()
    assert login(client, user).status_code == 302
    spare, _plain = new_api_token(user, "spare")
    db.session.commit()

    # Pages render the token field only while CSRF is on (as in production).
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forms: dict[str, dict] = {}
        pages = 0
        for url, response, body in _walk_pages(app, client, world, spare.id):
            if response.status_code != 200 or not body:
                continue
            pages += 1
            for form in post_forms(body, url):
                key = form["url"] + "|" + ",".join(sorted(form["fields"]))
                forms.setdefault(key, {**form, "page": url})
        assert pages > 15, pages
        assert len(forms) > 5, len(forms)

        missing_token = [f"{f['page']} -> {f['url']}" for f in forms.values() if not f["csrf"]]
        assert not missing_token, "POST forms without a csrf_token field:\n" + "\n".join(missing_token)

        before = audit_count()
        wrong = []
        for form in forms.values():
            response = client.post(form["url"], data=form["fields"])
            response.close()
            db.session.rollback()
            if response.status_code != 400:
                wrong.append(f"{form['page']} -> POST {form['url']}: {response.status_code}")
        assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)
        assert audit_count() == before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    # The sign-out form was among them: without its token it did not sign anyone out.
    assert any(f["url"] == "/auth/logout" for f in forms.values())
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite://"], indirect=False)
def test_every_html_page_has_a_strict_script_policy(app, full_world, database_url):
    """Every HTML answer (pages, error pages, the public vote and verify pages) carries a CSP
    whose script-src has no 'unsafe-inline', and its body has no inline script or handlers."""
    from portal.security import new_api_token

    world = full_world
    problems, seen = [], 0
    for user in (None, world.admin, world.leader):
        client = app.test_client()
        if user is not None:
            assert login(client, user).status_code == 302
        spare, _plain = new_api_token(world.admin, "spare")
        db.session.commit()
        for url, response, body in _walk_pages(app, client, world, spare.id):
            if response.mimetype != "text/html":
                continue
            seen += 1
            csp = response.headers.get("Content-Security-Policy", "")
            scripts = script_src(csp)
            if not scripts or "unsafe-inline" in scripts or "unsafe-eval" in scripts or "*" in scripts:
                problems.append(f"{url}: script policy {scripts!r}")
            if response.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{url}: no nosniff")
            for pattern in (INLINE_SCRIPT, HANDLER_ATTR, JS_URL):
                if match := pattern.search(body):
                    problems.append(f"{url}: {match.group(0)[:80]!r}")
    # A 404 page is HTML too.
    missing = app.test_client().get("/khong-co-trang-nay")
    assert "unsafe-inline" not in script_src(missing.headers["Content-Security-Policy"])
    assert seen > 60, seen
    assert not problems, "\n".join(problems)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def test_no_template_has_inline_script_or_handlers():
    """The CSP blocks inline script, handler attributes and inline styles: a template with one
    would silently not work. All behaviour lives in portal/static/*.js."""
    templates = list(_templates())
    assert len(templates) > 50
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER_ATTR, JS_URL, re.compile(r"<style\b|\sstyle\s*=", re.I)):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]!r}")
    assert not problems, "\n".join(problems)


# -- uploads are never served as HTML -------------------------------------------------------------

HTML_BYTES = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF_WITH_HTML = PDF_BYTES + b"<html><script>alert(1)</script></html>\n"


def _evidence_count() -> int:
    return db.session.scalar(select(func.count(Evidence.id)))


@pytest.mark.parametrize(
    "name,data",
    [
        ("Báo cáo.html", HTML_BYTES),
        ("Báo cáo.html", PDF_BYTES),  # a real PDF under an HTML name is refused by its name
        ("Báo cáo.pdf.html", PDF_BYTES),
        ("Báo cáo.htm", HTML_BYTES),
        ("Báo cáo.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("Báo cáo.pdf", HTML_BYTES),  # HTML under a PDF name is refused by its content
    ],
    ids=["html", "pdf-named-html", "double-extension", "htm", "svg", "html-named-pdf"],
)
def test_html_uploads_are_refused_everywhere(app, full_world, api_headers, name, data):
    """Evidence through the page and the API, and dossier files through the API: 415 with a
    clear message, and no file row and no file on disk."""
    import io

    world = full_world
    stc = world.lc_units["STC"].id
    client = app.test_client()
    assert login(client, world.member).status_code == 302
    headers = api_headers(world.member)
    evidence_dir = Path(app.instance_path) / "evidence"
    files_before = sorted(evidence_dir.iterdir()) if evidence_dir.exists() else []
    rows_before, audit_before = _evidence_count(), audit_count()

    page = client.post(
        f"/scoring/{world.round.id}/units/{stc}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    db.session.rollback()
    assert page.status_code in (302, 415, 422)
    if page.status_code == 302:  # the page reports through a flash message
        page = client.get(page.headers["Location"])
    assert "PDF, PNG hoặc JPEG" in page.get_data(as_text=True)

    api = client.post(
        f"/api/v1/rounds/{world.round.id}/units/{stc}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    db.session.rollback()
    assert api.status_code == 415, api.get_data(as_text=True)
    assert api.get_json()["error"]["code"] and "PDF" in api.get_json()["error"]["message"]

    dossier = client.post(
        f"/api/v1/dossiers/{world.dossier.id}/items",
        data={"file": (io.BytesIO(data), name), "requirement_code": "achievement_report",
              "nomination_id": str(world.nomination.id)},
        headers=headers,
        content_type="multipart/form-data",
    )
    db.session.rollback()
    assert dossier.status_code == 415, dossier.get_data(as_text=True)

    assert _evidence_count() == rows_before
    assert audit_count() == audit_before
    files_after = sorted(evidence_dir.iterdir()) if evidence_dir.exists() else []
    assert files_after == files_before


def _assert_not_rendered(response, *, expect_type=None):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype != "text/html"
    if expect_type:
        assert response.mimetype == expect_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers.get("Content-Disposition", "")
    assert disposition.startswith("attachment") or response.mimetype == "application/pdf", disposition
    response.close()


def test_stored_files_are_served_as_attachments_never_html(app, full_world, api_headers):
    """A PDF carrying HTML is still a PDF attachment; a stored row that claims ``text/html``
    under an ``.html`` name (an old row, or one edited in the database) is served as
    ``application/octet-stream``, as an attachment, never rendered; issued documents are PDFs."""
    import io

    world = full_world
    stc = world.lc_units["STC"].id
    client = app.test_client()
    assert login(client, world.member).status_code == 302
    headers = api_headers(world.member)
    up = client.post(
        f"/api/v1/rounds/{world.round.id}/units/{stc}/evidence",
        data={"file": (io.BytesIO(PDF_WITH_HTML), "Báo cáo.pdf")}, headers=headers,
        content_type="multipart/form-data",
    )
    assert up.status_code == 201, up.get_data(as_text=True)
    evidence_id = up.get_json()["id"]
    for url, h in ((f"/scoring/evidence/{evidence_id}", None), (f"/api/v1/evidence/{evidence_id}", headers)):
        _assert_not_rendered(client.get(url, headers=h), expect_type="application/pdf")

    forged = db.session.get(Evidence, evidence_id)
    forged.content_type, forged.file_name = "text/html", "trang.html"
    db.session.commit()
    for url, h in ((f"/scoring/evidence/{evidence_id}", None), (f"/api/v1/evidence/{evidence_id}", headers)):
        response = client.get(url, headers=h)
        _assert_not_rendered(response, expect_type="application/octet-stream")
        assert response.headers["Content-Disposition"].startswith("attachment")

    item = world.dossier_item
    item.content_type, item.file_name = "text/html", "ho-so.html"
    db.session.commit()
    for url, h in (
        (f"/dossiers/{world.dossier.id}/items/{item.id}", None),
        (f"/api/v1/dossiers/{world.dossier.id}/items/{item.id}", headers),
    ):
        _assert_not_rendered(client.get(url, headers=h), expect_type="application/octet-stream")

    leader = app.test_client()
    assert login(leader, world.leader).status_code == 302
    document = world.document
    for url, h in (
        (f"/api/v1/documents/{document.id}/pdf", api_headers(world.leader)),
    ):
        _assert_not_rendered(leader.get(url, headers=h), expect_type="application/pdf")


# -- no secrets, and no vote, in the logs -----------------------------------------------------------


def test_logs_and_audit_hold_no_secret_and_no_vote(app, world, api_headers, caplog, request):
    """Sign in, change the password, make tokens (page and API), issue a voting code and cast a
    vote with it on the public page and through the API, all with every logger at DEBUG. No log
    line and no audit row written meanwhile holds the password, a token, a code, or the choice
    made; and no audit row names the ballot paper or which unit cast it. SQL logging is on
    (``echo``), so the statements that write the paper and the participation are in the log."""
    caplog.set_level(logging.DEBUG)
    # As an administrator chasing a problem would run it: every SQL statement logged.
    db.engine.echo = True
    request.addfinalizer(lambda: setattr(db.engine, "echo", False))
    start_id = db.session.scalar(select(func.coalesce(func.max(AuditLog.id), 0)))
    secrets = {PASSWORD}

    client = app.test_client()
    assert login(client, world.leader).status_code == 302
    new_password = "Mat-khau-moi-Rat-Rieng-9"
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    secrets.add(new_password)
    page = client.post("/auth/tokens", data={"name": "may chu"}).get_data(as_text=True)
    page_token = page.split('id="new-token">')[1].split("<")[0].strip()
    assert page_token.startswith("tdp_")
    secrets.add(page_token)
    api = client.post("/api/v1/tokens", json={"name": "tich hop"}, headers={"Authorization": f"Bearer {page_token}"})
    assert api.status_code == 201
    secrets.add(api.get_json()["token"])
    fixture_header = api_headers(world.leader)
    secrets.add(fixture_header["Authorization"].split(" ", 1)[1])

    # A ballot among SNV, STC, SYT; STC and SYT vote with codes (page, then API).
    u = world.lc_units
    ballot = ballot_svc.create_ballot(
        world.leader, world.block, award_code="co_thi_dua_tinh", candidate_unit_ids=[u["SNV"].id, u["STC"].id, u["SYT"].id],
    )
    db.session.commit()
    codes = {code: ballot_svc.issue_code(world.leader, ballot, u[code].id) for code in ("STC", "SYT")}
    ballot_svc.open_ballot(world.leader, ballot)
    db.session.commit()
    secrets.update(codes.values())
    ballot = db.session.get(Ballot, ballot.id)
    cand = {c.unit.code: c.id for c in ballot.candidates}
    phone = app.test_client()
    done = phone.post(
        f"/vote/{ballot.id}",
        data={"code": codes["STC"], f"c{cand['SYT']}": "agree", f"c{cand['SNV']}": "disagree",
              f"c{cand['STC']}": "disagree", "action": "cast"},
    )
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    cast = phone.post(f"/api/v1/ballots/{ballot.id}/cast", json={"code": codes["SYT"], "agree": [cand["SNV"]]})
    assert cast.status_code == 201, cast.get_data(as_text=True)

    assert db.session.scalar(select(func.count(BallotPaper.id)).where(BallotPaper.ballot_id == ballot.id)) == 2

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '') or ''}" for r in caplog.records
    )
    rows = list(db.session.scalars(select(AuditLog).where(AuditLog.id > start_id)))
    assert rows, "the password change and the tokens are audited"
    audited = json.dumps(
        [[r.object_type, r.action, r.actor_name, r.object_id, r.before, r.after] for r in rows], ensure_ascii=False
    )
    for secret in secrets:
        assert secret not in logged, secret
        assert secret not in audited, secret
        assert secret.replace("-", "") not in audited
    # How anyone voted is nowhere: no paper or participation row, no choices.
    types = {r.object_type for r in rows}
    assert not types & {"BallotPaper", "BallotParticipation"}, types
    for r in rows:
        for state in (r.before or {}, r.after or {}):
            assert not {"agree", "disagree", "choices", "code_hash"} & set(state), (r.object_type, state)
    assert any("ballot_papers" in r.getMessage() for r in caplog.records), "SQL was logged"
    for record in caplog.records:
        text = record.getMessage()
        assert "agree" not in text, text  # the paper's choices ({"agree": [...]}) never logged
