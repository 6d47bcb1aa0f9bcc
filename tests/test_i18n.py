"""Message catalogues: every message has English, the .mo files are fresh, placeholders survive.

Message ids are the Vietnamese text itself (``portal/i18n.py``). The source tree is re-extracted in
memory with the map in ``babel.cfg`` (the same as ``scripts/i18n.sh``), so a string added to the
code without running the script fails here with its text and location. Fix: ``scripts/i18n.sh``,
translate the new entries in ``portal/translations/en/LC_MESSAGES/messages.po``, run it again.
"""

from __future__ import annotations

import ast
import io
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
LOCALES = ("en", "vi")
# pybabel -k _l -k lazy_gettext -k lazy_pgettext:1c,2 (scripts/i18n.sh)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
REFRESH = "run scripts/i18n.sh"


def _walk(root: Path):
    """Files below ``root`` in the order, and with the filter, of ``pybabel extract .``."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for filename in sorted(filenames):
            yield Path(dirpath, filename).relative_to(root).as_posix()


def _extract():
    """``({(msgid, context): [locations]}, {path: error})`` for the tree, as ``babel.cfg`` maps it.

    Templates are parsed strictly (``silent=false``): ``pybabel`` skips a template it cannot parse
    without a word, and its strings would then never reach the catalogues.
    """
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    messages: dict[tuple[str, str | None], list[str]] = {}
    errors: dict[str, str] = {}
    for path in _walk(ROOT):
        for pattern, method in method_map:
            if not pathmatch(pattern, path):
                continue
            if method != "ignore":
                options = dict(options_map.get(pattern, {}))
                if method == "jinja2":
                    options["silent"] = "false"
                try:
                    found = extract_from_file(method, ROOT / path, keywords=KEYWORDS, options=options)
                except Exception as exc:  # noqa: BLE001 - report any parse failure by file
                    errors[path] = f"{type(exc).__name__}: {exc}"
                    found = []
                for lineno, message, _comments, context in found:
                    msgid = message[0] if isinstance(message, tuple) else message
                    if msgid:
                        messages.setdefault((msgid, context), []).append(f"{path}:{lineno}")
            break
    return messages, errors


@pytest.fixture(scope="module")
def extracted():
    return _extract()


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_po(locale: str):
    with open(_po_path(locale), "rb") as f:
        return read_po(f, locale=locale)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def test_every_source_file_parses(extracted):
    _messages, errors = extracted
    assert not errors, "files whose strings cannot be extracted:\n" + "\n".join(
        f"  {path}: {error}" for path, error in errors.items()
    )


def test_extraction_finds_the_known_strings(extracted):
    """Guards the test itself: an empty extraction would make the next test pass vacuously."""
    messages, _errors = extracted
    assert ("Đăng nhập", None) in messages  # a template
    assert ("Tên đăng nhập", None) in messages  # a lazy_gettext form label
    assert ("Đơn vị", "singular") in messages  # a lazy_pgettext form label
    assert ("Trưởng ban", "tally committee") in messages  # a pgettext in Python
    assert ("Mục này là bắt buộc.", None) in messages  # WTForms' own message, in the portal's words


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted, locale):
    messages, _errors = extracted
    catalog = _read_po(locale)
    problems = []
    for (msgid, context), locations in messages.items():
        entry = catalog.get(msgid, context)
        where = ", ".join(locations[:3])
        if entry is None:
            problems.append(f"  missing: {msgid!r}{f' [msgctxt {context!r}]' if context else ''} ({where})")
        elif locale == "en" and (entry.fuzzy or not all(_strings(entry))):
            problems.append(f"  {'fuzzy' if entry.fuzzy else 'empty'}: {msgid!r} ({where})")
        elif locale == "vi" and not set(_strings(entry)) <= set(_ids(entry)):
            problems.append(f"  msgstr differs from msgid: {msgid!r} ({where})")
    assert not problems, (
        f"{os.path.relpath(_po_path(locale), ROOT)} is incomplete ({REFRESH}, then translate):\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_up_to_date(locale):
    po = _po_path(locale)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{os.path.relpath(mo, ROOT)} is missing ({REFRESH})"
    buffer = io.BytesIO()
    write_mo(buffer, _read_po(locale))  # fuzzy entries left out, as `pybabel compile` does
    buffer.seek(0)
    def entries(catalog):  # plural entries come back as lists: make them hashable
        return {
            (tuple(m.id) if isinstance(m.id, list) else m.id, m.context):
            tuple(m.string) if isinstance(m.string, list) else m.string
            for m in catalog if m.id
        }

    with open(mo, "rb") as f:
        on_disk = entries(read_mo(f))
    expected = entries(read_mo(buffer))
    stale = sorted(
        str(key[0]) for key in expected.keys() | on_disk.keys() if expected.get(key) != on_disk.get(key)
    )
    assert not stale, f"{os.path.relpath(mo, ROOT)} differs from the .po ({REFRESH}) for:\n  " + "\n  ".join(stale)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    problems = []
    for message in _read_po(locale):
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(_ids(message)[0]))
        for string in _strings(message):
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"  {_ids(message)[0]!r} -> {string!r}")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_login_page_follows_the_chosen_language(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page

    assert client.post("/language/en").status_code == 302
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page
    assert "Đăng nhập" not in page
    assert "Username" in page  # a lazy_gettext form label

    client.post("/language/vi")
    assert "Đăng nhập" in client.get("/auth/login").get_data(as_text=True)


# -- strings that would escape the catalogue ------------------------------------------------------
#
# The catalogue test above sees only what is wrapped in a gettext call. These tests find text
# shown to people that is not wrapped, and so would stay Vietnamese on an English page.

VIETNAMESE = re.compile(r"[À-ỹĐđ]")
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext", "lazy_pgettext"}
# Names of languages are written in the language itself, so a reader finds theirs.
AUTONYMS = {"Tiếng Việt"}


def _untranslated_in_template(node, wrapped=False):
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in GETTEXT_CALLS:
        wrapped = True
    if isinstance(node, nodes.TemplateData) and VIETNAMESE.search(node.data):
        yield node.lineno, node.data.strip()
    elif (
        isinstance(node, nodes.Const) and isinstance(node.value, str) and not wrapped
        and VIETNAMESE.search(node.value) and node.value not in AUTONYMS
    ):
        yield node.lineno, node.value
    for child in node.iter_child_nodes():
        yield from _untranslated_in_template(child, wrapped)


def test_templates_show_no_unwrapped_text():
    """Vietnamese in a template's HTML, or a Vietnamese string literal in an expression
    (``{{ 'Trưởng ban' }}``), outside ``_()``/``pgettext()``."""
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    problems = []
    for path in sorted((ROOT / "portal" / "templates").rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"), filename=str(path))
        problems += [
            f"  {path.relative_to(ROOT)}:{line}: {text[:80]!r}" for line, text in _untranslated_in_template(tree)
        ]
    assert not problems, "text outside _() in templates:\n" + "\n".join(problems)


# Calls whose string arguments reach people: flash messages, API and service errors, form field
# labels and descriptions, validators' messages, a refused value's reason.
MESSAGE_CALLS = {"flash", "ApiError", "ServiceError", "BadFilter", "ValidationError", "StopValidation"}
VALIDATORS = {
    "DataRequired", "InputRequired", "Optional", "Length", "NumberRange", "Regexp", "Email", "EqualTo",
    "AnyOf", "NoneOf", "FileRequired", "FileAllowed", "FileSize",
}
# Command-line output and the demo data may stay Vietnamese (operators, not the UI).
PYTHON_EXEMPT = {"portal/cli.py", "portal/demo.py", "portal/bench.py"}


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _looks_like_words(node) -> bool:
    """A literal (or f-string, or concatenation) holding words rather than a code like
    ``"validation_error"``: Vietnamese letters, or letters with a space."""
    if isinstance(node, ast.Call):
        return False  # _("…") and friends, or any computed value
    texts, todo = [], [node]
    while todo:  # literals of the expression itself, not those inside calls (_("…") + detail)
        current = todo.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str):
            texts.append(current.value)
        elif not isinstance(current, ast.Call):
            todo.extend(ast.iter_child_nodes(current))
    return any(VIETNAMESE.search(t) or re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", t) for t in texts)


def _unwrapped_messages(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in GETTEXT_CALLS:
            continue
        suspects = []
        if name in MESSAGE_CALLS:
            suspects = list(node.args) + [k.value for k in node.keywords if k.arg in ("message", "description")]
        elif name and name.endswith("Field"):
            suspects = node.args[:1] + [k.value for k in node.keywords if k.arg in ("label", "description")]
        elif name in VALIDATORS:
            suspects = [a for a in node.args if isinstance(a, ast.Constant | ast.JoinedStr)]
            suspects += [k.value for k in node.keywords if k.arg == "message"]
        for arg in suspects:
            if isinstance(arg, ast.Constant | ast.JoinedStr | ast.BinOp) and _looks_like_words(arg):
                yield node.lineno, name, ast.unparse(arg)[:80]


def test_python_messages_are_wrapped():
    """Flash messages, API/service errors, form labels and validators' messages go through the
    catalogue. (Regexp patterns and machine codes are not words and pass.)"""
    problems, files = [], 0
    for top in ("portal", "plugins", "provinces"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in PYTHON_EXEMPT:
                continue
            files += 1
            problems += [f"  {rel}:{line}: {name}({text})" for line, name, text in _unwrapped_messages(path)]
    assert files > 50
    assert not problems, "messages shown to people without _()/_l():\n" + "\n".join(problems)


def test_the_python_check_sees_an_unwrapped_message(tmp_path):
    """Guards the check above: it must notice the usual slips."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'flash("Đã lưu.", "success")\n'
        'raise ApiError(422, "validation_error", f"Sai {x} rồi")\n'
        'name = StringField("Họ và tên", validators=[DataRequired(message="Cần nhập.")])\n'
        'ok = StringField(_l("Họ và tên"), validators=[Regexp(r"^[a-z]+$")])\n',
        encoding="utf-8",
    )
    found = [(name, text) for _line, name, text in _unwrapped_messages(sample)]
    assert [name for name, _text in found] == ["flash", "ApiError", "StringField", "DataRequired"], found


JS_TEXT_SINKS = re.compile(
    r"(?:textContent|innerText|innerHTML|title|placeholder|ariaLabel)\s*\+?=\s*(['\"])(?P<text>[^'\"]*[A-Za-zÀ-ỹ][^'\"]*)\1"
    r"|(?:alert|confirm|prompt)\(\s*(['\"])(?P<text2>[^'\"]+)\3"
    r"|setAttribute\(\s*['\"](?:aria-label|title|placeholder)['\"]\s*,\s*(['\"])(?P<text3>[^'\"]+)\5"
)


def test_javascript_takes_its_words_from_the_page():
    """Our scripts show no words of their own: text comes from ``data-msg-*`` attributes (or the
    server's JSON), which templates render with ``_()``, so it follows the page's language."""
    problems = []
    scripts = sorted((ROOT / "portal" / "static").glob("*.js"))
    assert scripts
    for path in scripts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0] if not line.lstrip().startswith("//") else ""
            if VIETNAMESE.search(code):
                problems.append(f"  {path.name}:{number}: Vietnamese text: {line.strip()[:100]}")
            for match in JS_TEXT_SINKS.finditer(code):
                problems.append(f"  {path.name}:{number}: hard-coded text: {match.group(0)[:100]}")
    assert not problems, "words in JavaScript (use a data-msg-* attribute with _()):\n" + "\n".join(problems)


# -- the reader's language ---------------------------------------------------------------------


def test_api_errors_follow_accept_language(client):
    """The API answers in the language the client asks for; codes stay the same."""
    vi = client.get("/api/v1/me", headers={"Accept": "application/json"}).get_json()["error"]
    en = client.get(
        "/api/v1/me", headers={"Accept": "application/json", "Accept-Language": "en-GB,en;q=0.8"}
    ).get_json()["error"]
    assert vi["code"] == en["code"] == "unauthorized"
    assert vi["message"] == "Cần đăng nhập để tiếp tục."
    assert en["message"] != vi["message"] and not VIETNAMESE.search(en["message"])
    asked_vi = client.get("/api/v1/me", headers={"Accept-Language": "vi, en;q=0.5"}).get_json()["error"]
    assert asked_vi["message"] == vi["message"]


def test_the_language_follows_the_user_across_logins(app, world):
    from portal.extensions import db
    from tests.conftest import login

    client = app.test_client()
    assert login(client, world.member).status_code == 302
    assert client.post("/language/en").status_code == 302
    db.session.refresh(world.member)
    assert world.member.locale == "en"
    client.post("/auth/logout")

    elsewhere = app.test_client()  # another browser: nothing in its session
    assert login(elsewhere, world.member).status_code == 302
    assert '<html lang="en">' in elsewhere.get("/dashboard").get_data(as_text=True)
    elsewhere.post("/auth/logout")
    assert '<html lang="en">' in elsewhere.get("/auth/login").get_data(as_text=True)  # kept after logout


def test_a_choice_on_the_login_page_becomes_the_users(app, world):
    """Chosen before signing in: the latest choice wins and is remembered for next time."""
    from portal.extensions import db
    from tests.conftest import login

    client = app.test_client()
    assert client.post("/language/en").status_code == 302
    assert login(client, world.observer).status_code == 302
    db.session.refresh(world.observer)
    assert world.observer.locale == "en"

    # Someone else signing in on this browser afterwards keeps their own language.
    client.post("/auth/logout")
    assert login(client, world.member).status_code == 302
    db.session.refresh(world.member)
    assert world.member.locale == "vi"
    assert '<html lang="vi">' in client.get("/dashboard").get_data(as_text=True)


def test_the_public_voter_page_has_the_language_switch(client, world):
    from portal.extensions import db
    from portal.services import ballots

    ballot = ballots.create_ballot(
        world.leader, world.block, award_code="co_thi_dua_tinh", candidate_unit_ids=[world.lc_units["SNV"].id]
    )
    db.session.commit()
    page = client.get(f"/vote/{ballot.id}").get_data(as_text=True)
    assert 'action="/language/en"' in page and 'action="/language/vi"' in page
    client.post("/language/en", headers={"Referer": f"http://localhost/vote/{ballot.id}"})
    assert '<html lang="en">' in client.get(f"/vote/{ballot.id}").get_data(as_text=True)
