"""Units of a province: list with search, create, edit, deactivate, import with preview."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import jobs, pending, tabular
from portal.access import can_manage_province
from portal.admin import bp
from portal.admin.common import (
    apply_service_error,
    none_label,
    province_or_404,
    selected_province,
    unit_choices,
    visible_provinces,
)
from portal.admin.forms import ImportForm, UnitForm
from portal.extensions import db
from portal.imports import UNIT_COLUMNS, plan_unit_import
from portal.labels import unit_kind_label
from portal.models import Unit, UnitKind
from portal.services import ServiceError
from portal.services.units import apply_unit_import, save_unit
from portal.templating import paginate
from portal.text import search_text


def unit_search(stmt, q: str | None, kind: str | None):
    """Search by code or name, ignoring case and tones ("so noi vu" finds "Sở Nội vụ")."""
    if q:
        stmt = stmt.where(Unit.search_text.contains(search_text(q), autoescape=True))
    if kind in {k.value for k in UnitKind}:
        stmt = stmt.where(Unit.kind == UnitKind(kind))
    return stmt


@bp.route("/units")
def units():
    province = selected_province()
    if province is None:
        flash(_("Chưa có tỉnh nào trong phạm vi của bạn."), "info")
        return redirect(url_for("main.dashboard"))
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    show = request.args.get("show", "active")
    stmt = select(Unit).where(Unit.province_id == province.id)
    if show == "active":
        stmt = stmt.where(Unit.is_active)
    stmt = unit_search(stmt, q, kind).order_by(Unit.sort_key, Unit.code)
    page = paginate(db.session, stmt)
    return render_template(
        "admin/units.html",
        province=province,
        provinces=visible_provinces(),
        page=page,
        q=q,
        kind=kind,
        show=show,
        kinds=[(k.value, unit_kind_label(k)) for k in UnitKind],
        kind_label=unit_kind_label,
        can_manage=can_manage_province(current_user, province.id),
    )


def _unit_form(province, unit=None):
    form = UnitForm(obj=unit)
    form.successor_id.choices = [("", none_label())] + [
        c for c in unit_choices(province) if unit is None or c[0] != unit.id
    ]
    return form


def _save(form, province, unit):
    return save_unit(
        unit,
        province,
        code=form.code.data,
        name=form.name.data,
        kind=form.kind.data,
        staff_count=form.staff_count.data,
        is_active=form.is_active.data,
        successor_id=form.successor_id.data,
    )


@bp.route("/provinces/<int:province_id>/units/new", methods=["GET", "POST"])
def unit_new(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = _unit_form(province)
    if form.validate_on_submit():
        try:
            unit = _save(form, province, None)
            db.session.commit()
            flash(_("Đã thêm đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for("admin.units", province=province.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/unit_form.html", form=form, province=province, unit=None), status


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    province = province_or_404(unit.province_id, manage=True)
    form = _unit_form(province, unit)
    if form.validate_on_submit():
        try:
            _save(form, province, unit)
            db.session.commit()
            flash(_("Đã lưu đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for("admin.units", province=province.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/unit_form.html", form=form, province=province, unit=unit), status


@bp.route("/units/<int:unit_id>/deactivate", methods=["POST"])
def unit_deactivate(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    province_or_404(unit.province_id, manage=True)
    unit.is_active = False
    db.session.commit()
    flash(_("Đã ngừng hoạt động đơn vị %(name)s. Dữ liệu cũ vẫn được giữ.", name=unit.name), "success")
    return redirect(url_for("admin.units", province=unit.province_id))


@bp.route("/provinces/<int:province_id>/units/template.xlsx")
def units_template(province_id: int):
    province_or_404(province_id, manage=True)
    data = tabular.template_xlsx(UNIT_COLUMNS)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=mau-nhap-don-vi.xlsx"},
    )


@bp.route("/provinces/<int:province_id>/units/import", methods=["GET", "POST"])
def units_import(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = ImportForm()
    token = request.form.get("token")
    if request.method == "POST" and token:
        # Confirmation of a clean preview: parse the same bytes again and write everything.
        stored = pending.load(current_user.id, "units", token)
        if stored is None:
            flash(_("Phiên nhập dữ liệu đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("admin.units_import", province_id=province.id))
        filename, data = stored
        if rows := jobs.rows_for_background(data, filename):
            # Thousands of rows: a background job checks and writes them (still all or
            # nothing) while its page shows the progress.
            job = jobs.submit_units_import(current_user, province, token, rows)
            return redirect(url_for("jobs.view", job_id=job.id))
        plan, _preview = plan_unit_import(province, data, filename)
        try:
            count = apply_unit_import(province, plan)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return render_template("admin/units_import.html", form=form, province=province, plan=plan, token=None), 422
        pending.discard(token)
        flash(_("Đã nhập %(n)s đơn vị.", n=count), "success")
        return redirect(url_for("admin.units", province=province.id))
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "units.csv"
        plan, _preview = plan_unit_import(province, data, filename)
        token = pending.save(current_user.id, "units", filename, data) if plan.ok else None
        status = 200 if plan.ok else 422
        return render_template("admin/units_import.html", form=form, province=province, plan=plan, token=token), status
    status = 422 if form.errors else 200
    return render_template("admin/units_import.html", form=form, province=province, plan=None, token=None), status
