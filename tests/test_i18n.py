"""Message catalogues: every message has English, the .mo files are fresh, placeholders survive.

Message ids are the Vietnamese text itself (``portal/i18n.py``). The source tree is re-extracted in
memory with the map in ``babel.cfg`` (the same as ``scripts/i18n.sh``), so a string added to the
code without running the script fails here with its text and location. Fix: ``scripts/i18n.sh``,
translate the new entries in ``portal/translations/en/LC_MESSAGES/messages.po``, run it again.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
LOCALES = ("en", "vi")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # pybabel -k _l -k lazy_gettext
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


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted, locale):
    messages, _errors = extracted
    catalog = _read_po(locale)
    problems = []
    for (msgid, context), locations in messages.items():
        entry = catalog.get(msgid, context)
        where = ", ".join(locations[:3])
        if entry is None:
            problems.append(f"  missing: {msgid!r} ({where})")
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
    with open(mo, "rb") as f:
        on_disk = {(m.id, m.context): m.string for m in read_mo(f) if m.id}
    expected = {(m.id, m.context): m.string for m in read_mo(buffer) if m.id}
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
