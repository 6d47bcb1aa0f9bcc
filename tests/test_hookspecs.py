"""Meta-tests (datasette's test_docs/test_plugins): every hook is documented, implemented by the
test plugin, and has its own ``test_hook_<name>`` test."""

import ast
import inspect
import re
from pathlib import Path

import pytest

import tests.plugins.everything as everything
from portal import hookspecs
from portal.plugins import make_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "portal_spec")
)


def test_there_are_hooks():
    assert "register_award_types" in HOOKS and "register_report_layouts" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert "Scope:" in doc and "Combination:" in doc, f"{hook}: docstring must state scope and combination"
    args = ", ".join(inspect.signature(spec).parameters)
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"`{hook}({args})`" in docs, f"docs/plugins.md lacks a section for {hook}({args})"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_implemented_by_the_test_plugin(hook):
    assert hasattr(everything, hook), f"tests/plugins/everything.py must implement {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert any(re.fullmatch(rf"test_hook_{hook}(_\w+)?", n) for n in names), f"no test_hook_{hook}"


def test_every_installed_plugin_passes_check_pending():
    pm, _versions = make_plugin_manager(load_entrypoints=True, extra=[("province.everything", everything)])
    pm.check_pending()
