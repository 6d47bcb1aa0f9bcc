"""Good manners of a web app, checked on the pages people use.

* a refused form keeps what was typed and says what is wrong next to the field;
* destructive actions ask first (``data-confirm``, handled by ``static/confirm.js``);
* dates are typed and shown as dd/mm/yyyy (no ``<input type="date">``, whose order follows the
  browser's language);
* keyboard and screen-reader users: every control has an accessible name, tables say which
  cells are headers, a skip link leads to the content;
* no page needs the internet: every script, style, image and link points at the portal itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import url_for

from portal.extensions import db
from tests.conftest import login
from tests.test_access_matrix import (  # noqa: F401 - fixtures used by name
    _bootstrap_filename,
    _path_values,
    ballot_world,
    dossier_world,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"


# -- an HTML reader ------------------------------------------------------------------------------


class Page(HTMLParser):
    """What the checks need from a rendered page: controls and their labels, forms, tables, links."""

    CONTROLS = ("input", "select", "textarea", "button")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.forms: list[dict] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.headers_without_scope: list[str] = []
        self.ids: list[str] = []
        self._labels = 0
        self._form: dict | None = None
        self._button: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        line = self.getpos()[0]
        if "id" in a:
            self.ids.append(a["id"])
        for attribute in ("src", "href", "action", "formaction", "poster", "data"):
            if attribute in a:
                self.links.append((tag, attribute, a[attribute]))
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag == "form":
            self._form = {"attrs": a, "controls": [], "text": "", "line": line}
            self.forms.append(self._form)
        elif tag == "th" and "scope" not in a:
            self.headers_without_scope.append(f"line {line}")
        elif tag in self.CONTROLS:
            control = {"tag": tag, "attrs": a, "line": line, "in_label": bool(self._labels), "text": ""}
            self.controls.append(control)
            if self._form is not None:
                self._form["controls"].append(control)
            if tag == "button":
                self._button = control

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "button":
            self._button = None

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            self._labels -= 1
        elif tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data
        if self._form is not None:
            self._form["text"] += data

    def unnamed_controls(self) -> list[str]:
        """Visible controls without an accessible name (label, aria-label(ledby), title, text)."""
        problems = []
        for c in self.controls:
            a = c["attrs"]
            kind = a.get("type", "text" if c["tag"] == "input" else "").lower()
            if kind == "hidden":
                continue
            named = (
                a.get("aria-label", "").strip()
                or a.get("aria-labelledby", "").strip()
                or a.get("title", "").strip()
                or (a.get("id") and a["id"] in self.label_for)
                or c["in_label"]
                or (c["tag"] == "button" and re.search(r"\w", c["text"]))  # "×" or "✓" alone is no name
                or (kind in ("submit", "reset", "button") and a.get("value", "").strip())
            )
            if not named:
                shown = " ".join(f'{k}="{v}"' for k, v in a.items())[:160]
                problems.append(f"line {c['line']}: <{c['tag']} {shown}>")
        return problems


SKIPPED_ENDPOINTS = {"static", "bootstrap.static", "main.health"}


def _html_pages(app, world, user) -> dict[str, str]:
    """Every GET page (not the API, not files) this user reaches with the walk's data: url -> HTML."""
    from portal.security import new_api_token

    client = app.test_client()
    assert login(client, user).status_code == 302
    token, _plain = new_api_token(user, "manners")
    db.session.commit()
    values = _path_values(world, token.id)
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS or rule.rule.startswith("/api/"):
            continue
        if not rule.arguments <= values.keys():  # a page whose object the walk's data lacks
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: v for k, v in _bootstrap_filename(rule.endpoint, values).items()
                                            if k in rule.arguments})
        response = client.get(url)
        body = response.get_data(as_text=response.mimetype == "text/html")
        response.close()
        db.session.rollback()
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[url] = body
    return pages


@pytest.fixture
def full_world(request):
    """The access walk's data: provinces, units, blocks, a round, a ballot, dossiers, awards."""
    return request.getfixturevalue("dossier_world")


@pytest.fixture
def admin_pages(app, full_world):
    return _html_pages(app, full_world, full_world.admin)


@pytest.fixture
def leader_pages(app, full_world):
    return _html_pages(app, full_world, full_world.leader)


def test_walk_reaches_the_main_pages(admin_pages, leader_pages):
    """Guards the walk: the checks below would pass on an empty walk."""
    assert len(admin_pages) >= 40, sorted(admin_pages)
    assert len(leader_pages) >= 15, sorted(leader_pages)
    for needed in ("/dashboard", "/admin/units", "/admin/blocks", "/admin/users"):
        assert any(url.startswith(needed) for url in admin_pages), needed


def test_every_control_has_an_accessible_name(admin_pages, leader_pages):
    problems = []
    for who, pages in (("admin", admin_pages), ("leader", leader_pages)):
        for url, html in sorted(pages.items()):
            problems += [f"{who} {url} {p}" for p in Page(html).unnamed_controls()]
    assert not problems, "controls without a label or aria-label:\n" + "\n".join(problems)


def test_table_headers_say_what_they_head(admin_pages, leader_pages):
    problems = []
    for who, pages in (("admin", admin_pages), ("leader", leader_pages)):
        for url, html in sorted(pages.items()):
            problems += [f"{who} {url} <th> at {line} without scope" for line in Page(html).headers_without_scope]
    assert not problems, "\n".join(problems)


def test_ids_are_unique_on_a_page(admin_pages):
    """A label's ``for`` and ``aria-describedby`` point at one element; two with the same id
    send the screen reader (and the click on the label) to the wrong field."""
    problems = []
    for url, html in sorted(admin_pages.items()):
        ids = Page(html).ids
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"{url}: {dupes}")
    assert not problems, "\n".join(problems)


# The hall screen shows the count to the room and is driven by no one: no menu, no switch.
WITHOUT_SWITCH = re.compile(r"/ballots/\d+/projector$")


def test_every_page_has_a_skip_link_and_a_language_switch(admin_pages, leader_pages, full_world, client):
    """Also for people not signed in: the login page and the public voter page."""
    anonymous = {
        url: client.get(url).get_data(as_text=True)
        for url in ("/auth/login", f"/vote/{full_world.ballot.id}")
    }
    assert all('id="content"' in html for html in anonymous.values())
    for url, html in {**admin_pages, **leader_pages, **anonymous}.items():
        if WITHOUT_SWITCH.search(url):
            continue
        page = Page(html)
        if not any(tag == "a" and value == "#content" for tag, _attr, value in page.links):
            pytest.fail(f"{url}: no skip link to #content")
        targets = {value for _tag, attribute, value in page.links if attribute == "action"}
        assert {"/language/vi", "/language/en"} <= targets, f"{url}: no language switch"


def test_no_page_needs_the_internet(app, admin_pages):
    """Scripts, styles, images, frames and links all point at the portal (intranets often have
    no way out, and a CDN would see who reads what). A legal reference may be plain text."""
    problems = []
    for url, html in sorted(admin_pages.items()):
        for tag, attribute, value in Page(html).links:
            target = urlsplit(value.strip())
            if target.scheme in ("http", "https") or value.strip().startswith("//"):
                if target.hostname not in ("localhost",):
                    problems.append(f"{url}: <{tag} {attribute}={value!r}>")
    assert not problems, "\n".join(problems)


# -- refused forms -------------------------------------------------------------------------------

CONTROL = re.compile(r"<(input|select|textarea)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def _attrs(tag: str) -> dict[str, str]:
    inner = tag[tag.index(" ") if " " in tag else len(tag):].rstrip("/>")
    return {m.group(1): m.group(2) or m.group(3) or m.group(4) or "" for m in ATTR.finditer(inner)}


def assert_refused_next_to_field(html: str, name: str, says: str | None = None):
    """The control ``name`` is marked invalid, points (aria-describedby) at its error, and that
    error is the next thing after it: before any other control of the form."""
    controls = [(m, _attrs(m.group(0))) for m in CONTROL.finditer(html)]
    found = [(m, a) for m, a in controls if a.get("name") == name]
    assert found, f"no control named {name!r}"
    match, attrs = found[0]
    assert "is-invalid" in attrs.get("class", "").split(), f"{name}: not marked is-invalid: {match.group(0)}"
    assert attrs.get("aria-invalid") == "true", f"{name}: aria-invalid is not true"
    error_id = f"{attrs['id']}-err"
    assert error_id in attrs.get("aria-describedby", "").split(), f"{name}: aria-describedby lacks {error_id}"
    error = re.search(rf'<div class="invalid-feedback[^"]*" id="{re.escape(error_id)}">([^<]+)</div>', html)
    assert error, f"{name}: no invalid-feedback element {error_id}"
    following = [m.start() for m, _a in controls if m.start() > match.end()]
    assert error.start() > match.end() and (not following or error.start() < following[0]), (
        f"{name}: the error is not next to the field"
    )
    if says:
        assert says in error.group(1), f"{name}: {error.group(1)!r} does not say {says!r}"


def assert_kept(html: str, name: str, typed: str):
    """What was typed comes back in the control (escaped as HTML would)."""
    from markupsafe import escape

    controls = [(m, _attrs(m.group(0))) for m in CONTROL.finditer(html)]
    match, attrs = next((m, a) for m, a in controls if a.get("name") == name)
    if match.group(1) == "textarea":
        body = html[match.end():html.index("</textarea>", match.end())]
        assert body.strip() == str(escape(typed)), f"{name}: typed text lost ({body!r})"
    else:
        assert f'value="{escape(typed)}"' in match.group(0), f"{name}: typed value lost: {match.group(0)}"


def test_refused_forms_keep_what_was_typed_and_say_what_is_wrong(app, round_world):
    world = round_world
    client = app.test_client()
    assert login(client, world.admin).status_code == 302
    cases = [
        (
            "unit",
            f"/admin/provinces/{world.laichau.id}/units/new",
            {"code": "SXD thu", "name": "Sở Xây dựng <thử>", "kind": "department", "staff_count": "35"},
            {"code": None},
            ["name", "staff_count"],
        ),
        (
            "user",
            "/admin/users/new",
            {"username": "ab", "full_name": "Nguyễn Thị Thử", "email": "khong-phai-thu", "locale": "vi",
             "role": "observer", "province_id": str(world.laichau.id)},
            {"username": "Cần từ 3 đến 80 ký tự.", "email": None},
            ["full_name"],
        ),
        (
            "block",
            f"/admin/provinces/{world.laichau.id}/blocks/new",
            {"year": "1999", "code": "KVHXH", "name": "Khối Văn hóa - Xã hội"},
            {"year": None},
            ["year", "code", "name"],
        ),
        (
            "criteria row",
            f"/criteria/{world.table.id}/rows/new",
            {"code": "", "title": "Tiêu chí thử: \"đúng hạn\" & đủ", "kind": "score", "max_points": "2,5",
             "guidance": "Chấm theo báo cáo."},
            {"code": "Mục này là bắt buộc."},  # WTForms' own message, from the portal catalogue
            ["title", "max_points", "guidance"],
        ),
        (
            "round dates",
            f"/scoring/{world.round.id}/settings",
            {"meeting_date": "31/02/2024", "conference_date": "15/01/2024"},
            {"meeting_date": "ngày/tháng/năm"},
            ["meeting_date", "conference_date"],
        ),
    ]
    for what, url, data, refused, kept in cases:
        response = client.post(url, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code in (400, 409, 422), f"{what}: {response.status_code}"
        for name, says in refused.items():
            assert_refused_next_to_field(html, name, says)
        for name in kept:
            assert_kept(html, name, data[name])
        db.session.rollback()


def test_refused_form_in_english_says_it_in_english(app, world):
    client = app.test_client()
    assert login(client, world.admin).status_code == 302
    client.post("/language/en")
    html = client.post(
        f"/admin/provinces/{world.laichau.id}/blocks/new", data={"year": "2024", "code": "K1", "name": ""}
    ).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert_refused_next_to_field(html, "name", "This field is required.")


# -- destructive actions ask first ---------------------------------------------------------------

DESTRUCTIVE = re.compile(r"delete|remove|revoke|close|return|cancel|deactivate|reset")
FORM_TAG = re.compile(r"<form\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
ACTION_VALUE = re.compile(
    r"<(?:input|button)\b(?=[^>]*\bname=\"action\")[^>]*\bvalue=\"([^\"]*)\"", re.S
)
ENDPOINT = re.compile(r"url_for\(\s*['\"]([\w.]+)['\"]")
CONDITION = re.compile(r"{%\s*if\s+\w+\.name\s+in\s+\(([^)]*)\)\s*%}\s*data-confirm")


def _dynamic_action_names() -> set[str]:
    """Actions a template fills in from a list (``value="{{ t.name }}"``): the round transitions."""
    from portal.services.scoring_rounds import TRANSITIONS

    return set(TRANSITIONS)


def _post_forms(source: str):
    """(line, form tag, endpoint, action values) of each POST form in a template's source."""
    for match in FORM_TAG.finditer(source):
        tag = match.group(0)
        if 'method="post"' not in tag.lower():
            continue
        end = source.find("</form>", match.end())
        body = source[match.end(): end if end != -1 else len(source)]
        endpoint = ENDPOINT.search(tag)
        yield (
            source.count("\n", 0, match.start()) + 1,
            tag,
            endpoint.group(1) if endpoint else "",
            ACTION_VALUE.findall(body),
        )


def test_destructive_forms_ask_for_confirmation():
    """Every POST form that deletes, removes, revokes, closes, returns, cancels or deactivates
    carries ``data-confirm`` (the question ``confirm.js`` asks). Read from the templates, so a
    form is checked whatever state would show it."""
    dynamic = sorted(n for n in _dynamic_action_names() if DESTRUCTIVE.search(n))
    problems, checked = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line, tag, endpoint, values in _post_forms(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(TEMPLATES)}:{line} ({endpoint or 'this page'})"
            fixed = [v for v in values if "{{" not in v]
            needs = [v for v in fixed if DESTRUCTIVE.search(v)]
            if DESTRUCTIVE.search(endpoint.rsplit(".", 1)[-1]):
                needs.append(endpoint)
            if any("{{" in v for v in values):
                needs += dynamic
            if not needs:
                continue
            checked += 1
            if "data-confirm" not in tag:
                problems.append(f"{where}: {needs} without data-confirm")
                continue
            condition = CONDITION.search(tag)
            if condition:
                asked = set(re.findall(r"['\"](\w+)['\"]", condition.group(1)))
                missing = [n for n in needs if n in dynamic and n not in asked]
                if missing:
                    problems.append(f"{where}: data-confirm not asked for {missing}")
    assert checked >= 15, "the walk found too few destructive forms: is the template reader broken?"
    assert not problems, "\n".join(problems)


def test_confirm_script_is_on_every_page(admin_pages):
    for url, html in admin_pages.items():
        assert "/static/confirm.js" in html, url


# -- dates as dd/mm/yyyy -------------------------------------------------------------------------


def test_no_page_uses_the_browsers_date_inputs(admin_pages):
    """``type="date"``/``datetime-local`` show the browser's order (mm/dd/yyyy in English
    Chromium); dates are text fields read as dd/mm/yyyy."""
    bad = re.compile(r"""type\s*=\s*["']?(date|datetime-local|datetime|month|week)\b""")
    problems = [
        f"{path.relative_to(TEMPLATES)}: {m.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for m in bad.finditer(path.read_text(encoding="utf-8"))
    ]
    problems += [f"{url}: {m.group(0)}" for url, html in admin_pages.items() for m in bad.finditer(html)]
    assert not problems, "\n".join(problems)


def test_every_form_date_field_reads_dd_mm_yyyy():
    """Each WTForms date field of the portal's forms is a ``VNDateField``/``VNDateTimeField``."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm
    from wtforms import DateField, DateTimeField, DateTimeLocalField

    import portal
    from portal.fields import VNDateField, VNDateTimeField

    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        if info.name.endswith("forms"):
            importlib.import_module(info.name)
    problems, seen = [], 0

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for form in subclasses(FlaskForm):
        if not form.__module__.startswith(("portal.", "plugins.", "provinces.")):
            continue
        for name in dir(form):
            unbound = getattr(form, name, None)
            field_class = getattr(unbound, "field_class", None)
            if field_class and issubclass(field_class, DateField | DateTimeField | DateTimeLocalField):
                seen += 1
                if not issubclass(field_class, VNDateField | VNDateTimeField):
                    problems.append(f"{form.__module__}.{form.__name__}.{name}: {field_class.__name__}")
    assert seen >= 6
    assert not problems, "\n".join(problems)


def test_vn_date_field_reads_both_forms_and_shows_dd_mm_yyyy(app):
    import datetime as dt

    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms.validators import DataRequired, Optional

    from portal.fields import VNDateField, VNDateTimeField, parse_vn_date, parse_vn_datetime

    class F(FlaskForm):
        day = VNDateField("d", validators=[Optional()])
        moment = VNDateTimeField("m", validators=[Optional()])

    with app.test_request_context():
        for typed, moment in (("05/01/2024", " 08/01/2024  08:30 "), ("2024-01-05", "2024-01-08T08:30")):
            form = F(formdata=MultiDict({"day": typed, "moment": moment}), meta={"csrf": False})
            assert form.validate(), form.errors
            assert form.day.data == dt.date(2024, 1, 5)
            assert form.moment.data == dt.datetime(2024, 1, 8, 8, 30)

        shown = F(formdata=None, data={"day": dt.date(2024, 1, 5), "moment": dt.datetime(2024, 1, 8, 8, 30)},
                  meta={"csrf": False})
        html = str(shown.day) + str(shown.moment)
        assert 'type="text"' in html and 'value="05/01/2024"' in html and 'value="08/01/2024 08:30"' in html
        assert 'placeholder="dd/mm/yyyy"' in html and 'inputmode="numeric"' in html and "pattern=" in html

        for wrong in ("01/13/2024", "31/02/2024", "5 tháng 1"):
            form = F(formdata=MultiDict({"day": wrong}), meta={"csrf": False})
            assert not form.validate()
            assert "ngày/tháng/năm" in form.day.errors[0]
            assert f'value="{wrong}"' in str(form.day)  # kept as typed
        empty = F(formdata=MultiDict({"day": "", "moment": ""}), meta={"csrf": False})
        assert empty.validate() and empty.day.data is None

        class Required(FlaskForm):
            day = VNDateField("d", validators=[DataRequired()])

        typed_wrong = Required(formdata=MultiDict({"day": "31/02/2024"}), meta={"csrf": False})
        assert not typed_wrong.validate()
        assert len(typed_wrong.day.errors) == 1 and "ngày/tháng/năm" in typed_wrong.day.errors[0]  # not "required"
        left_empty = Required(formdata=MultiDict({"day": ""}), meta={"csrf": False})
        assert not left_empty.validate() and "ngày/tháng/năm" not in left_empty.day.errors[0]

    assert parse_vn_date(" 05/01/2024 ") == dt.date(2024, 1, 5) and parse_vn_date("") is None
    assert parse_vn_datetime("08/01/2024 08:30") == dt.datetime(2024, 1, 8, 8, 30)
    with pytest.raises(ValueError):
        parse_vn_date("2024/01/05")


def test_a_refused_decision_keeps_what_was_typed(app, full_world):
    """The province's decision on a dossier: a wrong date is said next to it, the number and the
    signer stay typed (it used to be a flash after a redirect, with the form emptied)."""
    from portal.models.awards import DossierState

    world = full_world
    world.dossier.state = DossierState.SUBMITTED  # the review panel shows for a submitted dossier
    db.session.commit()
    client = app.test_client()
    assert login(client, world.officer).status_code == 302
    data = {"decision_number": "15/QĐ-UBND", "decision_date": "31/02/2024", "decision_signer": "Giàng A Tính"}
    response = client.post(f"/dossiers/{world.dossier.id}/decide", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_refused_next_to_field(html, "decision_date", "ngày/tháng/năm")
    for name, typed in data.items():
        assert_kept(html, name, typed)
    db.session.refresh(world.dossier)
    assert world.dossier.state == DossierState.SUBMITTED
