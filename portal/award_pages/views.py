"""Award-record pages: list with filters and search, add, edit, delete, import with preview, export."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import pending, tabular
from portal.access import can_manage_province, provinces_visible_to
from portal.admin.common import apply_service_error, unit_choices
from portal.award_pages import bp
from portal.award_pages.common import (
    EXPORT_FORMATS,
    XLSX,
    RecordFilters,
    can_read_awards,
    export_file,
    record_years,
    records_stmt,
)
from portal.award_pages.forms import RecordForm, RecordImportForm
from portal.catalogue import award_categories_for, award_types_for
from portal.extensions import db
from portal.labels import LEVEL_LABELS
from portal.models import Province, Unit
from portal.models.awards import AwardRecord, RecordStatus
from portal.services import ServiceError
from portal.services import award_records as svc
from portal.templating import paginate

IMPORT_KIND = "award_records"


def province_for(province_id: int, *, manage: bool = False) -> Province:
    province = db.get_or_404(Province, province_id)
    if not can_read_awards(current_user, province.id):
        abort(403)
    if manage and not can_manage_province(current_user, province.id):
        abort(403)
    return province


def record_for(record_id: int, *, manage: bool = False) -> AwardRecord:
    record = db.get_or_404(AwardRecord, record_id)
    if not can_read_awards(current_user, record.province_id):
        abort(404)  # do not confirm that another province's record exists
    if manage and not can_manage_province(current_user, record.province_id):
        abort(403)
    return record


def readable_provinces() -> list[Province]:
    stmt = provinces_visible_to(current_user)
    if not current_user.is_admin:
        stmt = stmt.where(Province.id.in_(current_user.province_ids() or {-1}))
    return db.session.scalars(stmt).all()


@bp.route("/awards")
def index():
    """The first province the user reads (the list of records)."""
    provinces = readable_provinces()
    if not provinces:
        flash(_("Chưa có tỉnh nào trong phạm vi của bạn."), "info")
        return redirect(url_for("main.dashboard"))
    target = "awards.statistics" if request.args.get("to") == "statistics" else "awards.records"
    return redirect(url_for(target, province_id=provinces[0].id))


def _labels(province):
    catalogue = award_types_for(province)
    categories = award_categories_for(province)
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.province_id == province.id)).all())
    return catalogue, categories, units


@bp.route("/provinces/<int:province_id>/awards")
def records(province_id: int):
    province = province_for(province_id)
    filters = RecordFilters.from_args(request.args, province)
    page = paginate(db.session, records_stmt(province, filters))
    catalogue, categories, units = _labels(province)
    families = {}
    for a in catalogue.values():
        key = a.family or a.code
        if key not in families and a.level in ("state", "provincial"):
            base = catalogue.get(a.family) if a.family else None
            families[key] = (a.short_name or a.name) if a.family and base is None else a.name
    return render_template(
        "awards/records.html",
        province=province,
        provinces=readable_provinces(),
        page=page,
        filters=filters,
        years=record_years(province),
        catalogue=catalogue,
        families=families,
        categories=categories,
        units=units,
        statuses=svc.STATUS_LABELS,
        recipients=svc.RECIPIENT_LABELS,
        groups=svc.GROUP_LABELS,
        levels=LEVEL_LABELS,
        can_manage=can_manage_province(current_user, province.id),
        category_label=svc.category_label,
    )


def _form(province, record=None):
    form = RecordForm(obj=record)
    catalogue = award_types_for(province)
    form.set_choices(catalogue, award_categories_for(province), unit_choices(province, active_only=False))
    if record is None and request.method == "GET":
        form.status.data = RecordStatus.DECIDED.value
    return form


def _render_form(form, province, record, status=200):
    return render_template("awards/record_form.html", form=form, province=province, record=record), status


@bp.route("/provinces/<int:province_id>/awards/new", methods=["GET", "POST"])
def record_new(province_id: int):
    province = province_for(province_id, manage=True)
    form = _form(province)
    if form.validate_on_submit():
        try:
            record = svc.save_record(None, province, **form.values())
            db.session.commit()
            flash(_("Đã thêm khen thưởng cho %(name)s.", name=record.recipient_name), "success")
            return redirect(url_for("awards.records", province_id=province.id, year=record.year))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    return _render_form(form, province, None, 422 if form.errors or form.form_errors else 200)


@bp.route("/awards/records/<int:record_id>/edit", methods=["GET", "POST"])
def record_edit(record_id: int):
    record = record_for(record_id, manage=True)
    province = db.session.get(Province, record.province_id)
    form = _form(province, record)
    if request.method == "GET":
        form.person_group.data = record.person_group.value if record.person_group else ""
        form.status.data = record.status.value
    if form.validate_on_submit():
        try:
            svc.save_record(record, province, **form.values())
            db.session.commit()
            flash(_("Đã lưu khen thưởng của %(name)s.", name=record.recipient_name), "success")
            return redirect(url_for("awards.records", province_id=province.id, year=record.year))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    return _render_form(form, province, record, 422 if form.errors or form.form_errors else 200)


@bp.route("/awards/records/<int:record_id>/delete", methods=["POST"])
def record_delete(record_id: int):
    record = record_for(record_id, manage=True)
    province_id, name = record.province_id, record.recipient_name
    svc.delete_record(record)
    db.session.commit()
    flash(_("Đã xóa khen thưởng của %(name)s.", name=name), "success")
    return redirect(url_for("awards.records", province_id=province_id))


@bp.route("/provinces/<int:province_id>/awards/export")
def records_export(province_id: int):
    province = province_for(province_id)
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        abort(404)
    data, mimetype, name = export_file(province, RecordFilters.from_args(request.args, province), fmt)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/provinces/<int:province_id>/awards/template.xlsx")
def records_template(province_id: int):
    province = province_for(province_id, manage=True)
    data = tabular.template_xlsx(svc.record_columns(province), sheet_title="Khen thưởng")
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": "attachment; filename=mau-nhap-khen-thuong.xlsx"})


def _import_page(form, province, plan, token, status=200):
    catalogue = award_types_for(province)
    return render_template(
        "awards/import.html",
        form=form,
        province=province,
        plan=plan,
        token=token,
        counts=plan.counts(catalogue) if plan is not None and plan.ok else [],
        preview=plan.rows[:20] if plan is not None and plan.ok else [],
        category_label=svc.category_label,
        catalogue=catalogue,
        categories=award_categories_for(province),
        units=dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.province_id == province.id)).all()),
        statuses=svc.STATUS_LABELS,
        groups=svc.GROUP_LABELS,
        recipients=svc.RECIPIENT_LABELS,
        levels={"state": _("Cấp Nhà nước"), "provincial": _("Cấp tỉnh"), "grassroots": _("Cấp cơ sở")},
        columns=svc.record_columns(province),
    ), status


@bp.route("/provinces/<int:province_id>/awards/import", methods=["GET", "POST"])
def records_import(province_id: int):
    province = province_for(province_id, manage=True)
    form = RecordImportForm()
    token = request.form.get("token")
    if request.method == "POST" and token:
        # The confirmation of a clean preview: check the same bytes again, then write them all.
        stored = pending.load(current_user.id, IMPORT_KIND, token)
        if stored is None:
            flash(_("Phiên nhập dữ liệu đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("awards.records_import", province_id=province.id))
        filename, data = stored
        plan = svc.plan_record_import(province, data, filename)
        try:
            count = svc.apply_record_import(province, plan, actor=current_user, filename=filename, data=data)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return _import_page(form, province, plan, None, 422)
        pending.discard(token)
        flash(_("Đã nhập %(n)s khen thưởng.", n=count), "success")
        years = sorted({r["year"] for r in plan.rows})
        return redirect(url_for("awards.records", province_id=province.id, year=years[-1] if len(years) == 1 else None))
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "khen-thuong.csv"
        plan = svc.plan_record_import(province, data, filename)
        token = pending.save(current_user.id, IMPORT_KIND, filename, data) if plan.ok else None
        return _import_page(form, province, plan, token, 200 if plan.ok else 422)
    return _import_page(form, province, None, None, 422 if form.errors else 200)

