"""Creating provinces and switching their plugins on and off."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Province, ProvincePlugin
from portal.plugins import get_registry
from portal.services import ServiceError
from portal.text import nfc, sort_key


def save_province(
    province: Province | None,
    *,
    code: str,
    name: str,
    successor_id: int | None = None,
    merged_on: date | None = None,
    is_active: bool = True,
) -> Province:
    code = (nfc(code) or "").lower()
    clash = db.session.scalar(select(Province).where(Province.code == code))
    if clash is not None and clash is not province:
        raise ServiceError(_("Mã tỉnh %(code)s đã được dùng.", code=code), "code", 409)
    if successor_id is not None:
        successor = db.session.get(Province, successor_id)
        if successor is None:
            raise ServiceError(_("Tỉnh kế thừa không tồn tại."), "successor_id")
        if province is not None and successor.id == province.id:
            raise ServiceError(_("Một tỉnh không thể kế thừa chính nó."), "successor_id")
        if merged_on is None:
            raise ServiceError(_("Cần ngày hợp nhất khi có tỉnh kế thừa."), "merged_on")
    elif merged_on is not None:
        raise ServiceError(_("Ngày hợp nhất chỉ dùng khi có tỉnh kế thừa."), "merged_on")
    if province is None:
        province = Province()
        db.session.add(province)
        # Every province starts on the rules it must have; its own plugin is enabled by hand.
        province.plugins = []
    province.code = code
    province.name = nfc(name)
    province.sort_key = sort_key(province.name)
    province.successor_id = successor_id
    province.merged_on = merged_on
    province.is_active = is_active
    db.session.flush()
    return province


def set_enabled_plugins(province: Province, names: list[str]) -> list[str]:
    """Enable exactly ``names`` (registered plugin names) for ``province``.

    Refused when a name is not installed, so a province never silently runs on other rules.
    Required plugins (the national rules) are always on and need not be listed.
    """
    registry = get_registry()
    wanted = []
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        info = registry.info(name)
        if info is None:
            raise ServiceError(
                _("Plugin %(name)s chưa được cài đặt trên máy chủ nên không thể bật.", name=name),
                "plugins",
            )
        if info.required:
            continue
        if name not in wanted:
            wanted.append(name)
    current = {p.plugin_name: p for p in province.plugins}
    for name, row in current.items():
        if name not in wanted:
            province.plugins.remove(row)
    for name in wanted:
        if name not in current:
            province.plugins.append(ProvincePlugin(plugin_name=name))
    db.session.flush()
    return wanted
