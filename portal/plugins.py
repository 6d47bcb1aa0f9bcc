"""Plugin manager: discovery, the per-province subset of hooks, and cached registrations.

One manager per app (never a module global), built in ``create_app``. Plugins come from the
entry-point groups ``portal.plugins`` (generic, registered as ``plugin.<name>``) and
``portal.provinces`` (registered as ``province.<slug>``). A plugin is *installed* when its entry
point is present and *enabled* for a province when the province's row says so; province-scoped
calls see only the core defaults, the required generic plugins and the enabled ones.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import Flask, current_app

from portal import hookspecs
from portal.types import PluginInfo, StartupError

DEFAULT_PLUGINS = ("portal.defaults",)
PLUGIN_GROUP = "portal.plugins"
PROVINCE_GROUP = "portal.provinces"
PROVINCE_PREFIX = "province."
GENERIC_PREFIX = "plugin."
EXTENSION_KEY = "portal.plugins"


class PluginRegistry:
    """The app's plugin manager plus what the core knows about each plugin."""

    def __init__(self, pm: pluggy.PluginManager, versions: dict[str, str]):
        self.pm = pm
        self._versions = versions
        self._cache: dict[Any, Any] = {}

    # -- what is installed ----------------------------------------------------------------
    def info(self, name: str) -> PluginInfo | None:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return None
        doc = inspect.getdoc(plugin) or ""
        title, _, rest = doc.partition("\n")
        if name.startswith(PROVINCE_PREFIX):
            kind, slug = "province", name[len(PROVINCE_PREFIX) :]
        elif name.startswith(GENERIC_PREFIX):
            kind, slug = "plugin", name[len(GENERIC_PREFIX) :]
        else:
            kind, slug = "core", name
        return PluginInfo(
            name=name,
            kind=kind,
            slug=slug,
            title=getattr(plugin, "TITLE", None) or title.strip() or slug,
            description=rest.strip(),
            version=self._versions.get(name, getattr(plugin, "__version__", "")),
            required=bool(getattr(plugin, "REQUIRED", False)) or kind == "core",
            hooks=tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])),
        )

    def installed(self) -> list[PluginInfo]:
        """Every registered plugin, core first, then generic plugins, then provinces."""
        order = {"core": 0, "plugin": 1, "province": 2}
        infos = [self.info(name) for name, _ in self.pm.list_name_plugin()]
        return sorted((i for i in infos if i), key=lambda i: (order[i.kind], i.name))

    def optional(self) -> list[PluginInfo]:
        """Plugins a province may switch on or off (everything but core and required ones)."""
        return [i for i in self.installed() if not i.required]

    def is_installed(self, name: str) -> bool:
        return self.pm.has_plugin(name)

    # -- what a province sees -------------------------------------------------------------
    def active_names(self, enabled: Iterable[str]) -> frozenset[str]:
        """The plugins whose hooks answer for a province that enabled ``enabled``."""
        enabled = set(enabled)
        missing = sorted(n for n in enabled if not self.pm.has_plugin(n))
        if missing:
            raise MissingPluginError(missing)
        keep = {i.name for i in self.installed() if i.required} | enabled
        return frozenset(keep)

    def hooks(self, enabled: Iterable[str]) -> ProvinceHooks:
        return ProvinceHooks(self, self.active_names(enabled))

    def cached(self, key, compute):
        """Memoise a registration result per plugin set (cleared when plugins change)."""
        full_key = (key, tuple(n for n, _ in self.pm.list_name_plugin()))
        if full_key not in self._cache:
            self._cache[full_key] = compute()
        return self._cache[full_key]


class MissingPluginError(StartupError):
    """A province names a plugin that is not installed: refuse to run on other rules."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__("plugin(s) not installed: " + ", ".join(names))


class ProvinceHooks:
    """Hook relay restricted to the given plugin names (pluggy's ``subset_hook_caller``)."""

    def __init__(self, registry: PluginRegistry, active: frozenset[str]):
        self._registry = registry
        self.active = active
        self._remove = [p for n, p in registry.pm.list_name_plugin() if n not in active]

    def __getattr__(self, hook_name: str):
        if hook_name.startswith("_"):
            raise AttributeError(hook_name)
        return self._registry.pm.subset_hook_caller(hook_name, remove_plugins=self._remove)

    def collect(self, hook_name: str, **kwargs) -> list[tuple[str, Any]]:
        """Call a collecting hook and return ``(plugin name, answer)`` pairs, None answers dropped.

        Needed where the combination rule depends on who answered (rank-based replacement).
        """
        caller = getattr(self, hook_name)
        pm = self._registry.pm
        results = []
        for impl in caller.get_hookimpls():
            args = {name: kwargs[name] for name in impl.argnames}
            answer = impl.function(**args)
            if answer is not None:
                results.append((pm.get_name(impl.plugin), answer))
        return results


def rank(plugin_name: str) -> int:
    if plugin_name.startswith(PROVINCE_PREFIX):
        return 2
    if plugin_name.startswith(GENERIC_PREFIX):
        return 1
    return 0


def merge_by_code(pairs: list[tuple[str, list]], what: str, *, sources: bool = False) -> dict[str, Any]:
    """Combine registration answers keyed by ``.code``: higher rank replaces, equal rank clashes.

    With ``sources``, each value is ``(plugin name, item)``: who supplied the entry in force.
    """
    chosen: dict[str, tuple[int, str, Any]] = {}
    for plugin_name, items in pairs:
        for item in items:
            code = item.code
            r = rank(plugin_name)
            if code in chosen:
                old_rank, old_plugin, _ = chosen[code]
                if old_rank == r and old_plugin != plugin_name:
                    raise StartupError(
                        f"{what} {code!r} is defined by both {old_plugin} and {plugin_name}"
                    )
                if old_plugin == plugin_name:
                    raise StartupError(f"{plugin_name} defines {what} {code!r} twice")
                if old_rank > r:
                    continue
            chosen[code] = (r, plugin_name, item)
    if sources:
        return {code: (plugin, item) for code, (_, plugin, item) in chosen.items()}
    return {code: item for code, (_, _, item) in chosen.items()}


def make_plugin_manager(
    *, load_entrypoints: bool = True, blocked: Iterable[str] = (), extra: Iterable = ()
) -> tuple[pluggy.PluginManager, dict[str, str]]:
    pm = pluggy.PluginManager("portal")
    pm.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    for name in blocked:
        pm.set_blocked(name)
    for dotted in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(dotted), name=dotted)
    if load_entrypoints:
        _load_group(pm, PLUGIN_GROUP, GENERIC_PREFIX, versions)
        _load_group(pm, PROVINCE_GROUP, PROVINCE_PREFIX, versions)
    for name, plugin in extra:
        if isinstance(plugin, str):
            plugin = importlib.import_module(plugin)
        if not pm.has_plugin(name):
            pm.register(plugin, name=name)
    pm.check_pending()
    return pm, versions


def _load_group(pm: pluggy.PluginManager, group: str, prefix: str, versions: dict) -> None:
    for ep in entry_points(group=group):
        name = prefix + ep.name
        if pm.is_blocked(name) or pm.has_plugin(name):
            continue
        pm.register(ep.load(), name=name)
        if ep.dist is not None:
            versions[name] = ep.dist.version


def init_app(app: Flask) -> None:
    cfg = app.config
    pm, versions = make_plugin_manager(
        load_entrypoints=_as_bool(cfg.get("PORTAL_LOAD_ENTRYPOINTS", True)),
        blocked=cfg.get("PORTAL_BLOCKED_PLUGINS", ()),
        extra=cfg.get("PORTAL_EXTRA_PLUGINS", ()),
    )
    if _as_bool(cfg.get("PORTAL_TRACE_PLUGINS")):
        pm.trace.root.setwriter(app.logger.debug)
        pm.enable_tracing()
    app.extensions[EXTENSION_KEY] = PluginRegistry(pm, versions)


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def get_registry() -> PluginRegistry:
    return current_app.extensions[EXTENSION_KEY]


def hooks_for(province) -> ProvinceHooks:
    """Hooks as seen by ``province``: ``hooks_for(p).register_award_types()``."""
    return get_registry().hooks(province.enabled_plugin_names)
