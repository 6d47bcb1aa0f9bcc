"""Provinces, and which plugins each one has enabled."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import can_manage_province
from portal.admin import bp
from portal.admin.common import apply_service_error, none_label, province_or_404, visible_provinces
from portal.admin.forms import PluginsForm, ProvinceForm
from portal.catalogue import award_types_for
from portal.extensions import db
from portal.labels import LEVEL_LABELS
from portal.models import Province
from portal.plugins import MissingPluginError, get_registry
from portal.services import ServiceError
from portal.services.provinces import save_province, set_enabled_plugins


@bp.route("/plugins")
def plugins():
    return render_template("admin/plugins.html", plugins=get_registry().installed())


@bp.route("/provinces")
def provinces():
    return render_template("admin/provinces.html", provinces=visible_provinces())


def _province_form(province: Province | None):
    form = ProvinceForm(obj=province)
    others = db.session.scalars(select(Province).order_by(Province.sort_key)).all()
    form.successor_id.choices = [("", none_label())] + [
        (p.id, p.name) for p in others if province is None or p.id != province.id
    ]
    return form


@bp.route("/provinces/new", methods=["GET", "POST"])
def province_new():
    form = _province_form(None)
    if form.validate_on_submit():
        try:
            province = save_province(
                None,
                code=form.code.data,
                name=form.name.data,
                successor_id=form.successor_id.data,
                merged_on=form.merged_on.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("Đã tạo tỉnh %(name)s. Hãy bật plugin của tỉnh.", name=province.name), "success")
            return redirect(url_for("admin.province_plugins", province_id=province.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    return render_template("admin/province_form.html", form=form, province=None), (
        422 if form.errors or form.form_errors else 200
    )


@bp.route("/provinces/<int:province_id>/edit", methods=["GET", "POST"])
def province_edit(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = _province_form(province)
    if form.validate_on_submit():
        try:
            save_province(
                province,
                code=form.code.data,
                name=form.name.data,
                successor_id=form.successor_id.data,
                merged_on=form.merged_on.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("Đã lưu."), "success")
            return redirect(url_for("admin.province_view", province_id=province.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    return render_template("admin/province_form.html", form=form, province=province), (
        422 if form.errors or form.form_errors else 200
    )


@bp.route("/provinces/<int:province_id>")
def province_view(province_id: int):
    province = province_or_404(province_id)
    registry = get_registry()
    try:
        catalogue = award_types_for(province)
        missing = []
    except MissingPluginError as exc:
        catalogue, missing = {}, exc.names
    enabled = [registry.info(n) for n in province.enabled_plugin_names if registry.info(n)]
    return render_template(
        "admin/province_view.html",
        province=province,
        catalogue=catalogue,
        enabled=enabled,
        missing=missing,
        level_labels=LEVEL_LABELS,
        can_manage=can_manage_province(current_user, province.id),
        required=[i for i in registry.installed() if i.required and i.kind != "core"],
    )


@bp.route("/provinces/<int:province_id>/plugins", methods=["GET", "POST"])
def province_plugins(province_id: int):
    province = province_or_404(province_id, manage=True)
    registry = get_registry()
    form = PluginsForm()
    if request.method == "GET":
        form.plugins.data = province.enabled_plugin_names
    if form.validate_on_submit():
        try:
            set_enabled_plugins(province, form.plugins.data or [])
            db.session.commit()
            flash(_("Đã cập nhật plugin của %(name)s.", name=province.name), "success")
            return redirect(url_for("admin.province_view", province_id=province.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    return render_template(
        "admin/province_plugins.html",
        province=province,
        form=form,
        optional=registry.optional(),
        required=[i for i in registry.installed() if i.required and i.kind != "core"],
        missing=[n for n in province.enabled_plugin_names if not registry.is_installed(n)],
    ), (422 if form.errors else 200)


@bp.route("/provinces/<int:province_id>/plugins/<plugin_name>/settings", methods=["GET", "POST"])
def plugin_settings(province_id: int, plugin_name: str):
    """A plugin's settings for one province: each with its default, help and source."""
    from portal import settings as plugin_settings_store

    province = province_or_404(province_id, manage=True)
    if plugin_name not in province.enabled_plugin_names:
        abort(404)
    declared = plugin_settings_store.declared(plugin_name)
    current = plugin_settings_store.values(province, plugin_name)
    errors: dict[str, str] = {}
    typed = {}
    if request.method == "POST":  # CSRFProtect has checked the token
        changes = {}
        for key, setting in declared.items():
            raw = request.form.get(key, "") if setting.kind != "bool" else ("1" if request.form.get(key) else "")
            typed[key] = raw
            try:
                changes[key] = plugin_settings_store.parse(setting, raw)
            except ServiceError as exc:
                errors[key] = exc.message
        if not errors:
            plugin_settings_store.save(province, plugin_name, changes)
            db.session.commit()
            flash(_("Đã lưu thiết lập."), "success")
            return redirect(url_for("admin.plugin_settings", province_id=province.id, plugin_name=plugin_name))
    return render_template(
        "admin/plugin_settings.html",
        province=province,
        info=get_registry().info(plugin_name),
        declared=declared,
        current=current,
        typed=typed,
        errors=errors,
        shown=shown_value,
    ), (422 if errors else 200)


def shown_value(setting, value) -> str:
    """A setting's value as the form shows it (fractions as 1/2, dates dd/mm/yyyy)."""
    if value is None:
        return ""
    if setting.kind == "fraction":
        return f"{value.numerator}/{value.denominator}"
    if setting.kind == "date":
        return value.strftime("%d/%m/%Y")
    return str(value)
