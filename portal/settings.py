"""Reading and writing plugin settings for a province, strictly: an unknown key is an error.

Values are stored as JSON (fractions as "4/5", dates as ISO strings) and come back typed.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models.settings import PluginSetting
from portal.plugins import get_registry
from portal.services import ServiceError
from portal.types import Setting


def declared(plugin_name: str) -> dict[str, Setting]:
    plugin = get_registry().pm.get_plugin(plugin_name)
    if plugin is None:
        raise KeyError(plugin_name)
    return {s.key: s for s in getattr(plugin, "SETTINGS", ())}


def to_json(setting: Setting, value):
    if setting.kind == "fraction":
        f = Fraction(value)
        return f"{f.numerator}/{f.denominator}"
    if setting.kind == "date":
        return value.isoformat() if value is not None else None
    return value


def from_json(setting: Setting, raw):
    if raw is None:
        return None
    if setting.kind == "fraction":
        return Fraction(raw)
    if setting.kind == "date":
        return dt.date.fromisoformat(raw)
    return raw


def values(province, plugin_name: str) -> dict:
    """Every declared setting of the plugin for ``province``: the override, else the default."""
    decl = declared(plugin_name)
    rows = db.session.scalars(
        select(PluginSetting).where(PluginSetting.province_id == province.id, PluginSetting.plugin_name == plugin_name)
    )
    out = {key: s.default for key, s in decl.items()}
    for row in rows:
        if row.key in decl:
            out[row.key] = from_json(decl[row.key], row.value)
    return out


def plugin_setting(province, plugin_name: str, key: str):
    """One setting's value; an undeclared key raises ``KeyError`` (a typo must not pass silently)."""
    decl = declared(plugin_name)
    if key not in decl:
        raise KeyError(f"{plugin_name} declares no setting {key!r}")
    return values(province, plugin_name)[key]


def parse(setting: Setting, raw: str):
    """A value typed in the settings page, checked; ``ServiceError`` with the reason otherwise."""
    raw = (raw or "").strip()
    try:
        if setting.kind == "bool":
            return raw.lower() in ("1", "true", "y", "yes", "on", "có")
        if setting.kind == "int":
            return int(raw)
        if setting.kind in ("fraction", "percent"):
            text = raw.replace(",", ".").rstrip("%").strip()
            value = Fraction(text) / (100 if raw.endswith("%") or setting.kind == "percent" else 1)
            if not 0 <= value <= 1:
                raise ValueError
            return value if setting.kind == "fraction" else float(value * 100)
        if setting.kind == "date":
            if not raw:
                return None
            day, month, year = (int(x) for x in raw.split("/"))
            return dt.date(year, month, day)
        if setting.kind == "choice":
            if raw not in {c for c, _label in setting.choices}:
                raise ValueError
            return raw
        return raw
    except (ValueError, ZeroDivisionError):
        raise ServiceError(_("Giá trị của “%(label)s” không hợp lệ.", label=setting.label), setting.key) from None


def save(province, plugin_name: str, changes: dict) -> None:
    """Store overrides (typed values) for declared keys; a value equal to the default is removed."""
    decl = declared(plugin_name)
    for key, value in changes.items():
        if key not in decl:
            raise ServiceError(_("Plugin không có thiết lập “%(key)s”.", key=key), key)
        row = db.session.scalar(
            select(PluginSetting).where(
                PluginSetting.province_id == province.id, PluginSetting.plugin_name == plugin_name, PluginSetting.key == key
            )
        )
        if value == decl[key].default:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = PluginSetting(province_id=province.id, plugin_name=plugin_name, key=key)
            db.session.add(row)
        row.value = to_json(decl[key], value)
    db.session.flush()
