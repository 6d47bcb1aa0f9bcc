"""Criteria-table pages. Province officers (and admins) of the province manage its tables;
its observers and unit officers may read them. Every change goes through
``portal.services.criteria``: an unlocked table is rewritten in place, a locked one (in use by a
started round) is never changed, a new version takes the edit."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal import pending, tabular
from portal.access import can_manage_province, can_view_province
from portal.admin.common import province_or_404, selected_province, visible_provinces
from portal.catalogue import criteria_templates_for
from portal.choices import options
from portal.criteria_pages import bp
from portal.criteria_pages.forms import (
    AUTO_PARENT,
    BlankTableForm,
    CopyTableForm,
    CriteriaImportForm,
    RowForm,
    TemplateTableForm,
)
from portal.extensions import db
from portal.models import Block, CriteriaTable, Criterion
from portal.services import ServiceError
from portal.services import criteria as svc
from portal.services.criteria_io import CRITERIA_COLUMNS, export_file, plan_criteria_import
from portal.types import CriterionSpec

EXPORT_FORMATS = ("xlsx", "csv")


def points(value) -> str:
    """Maximum points as the pages show them: "10", "2,5", "—"."""
    if value is None:
        return "—"
    return str(svc.tidy(value)).replace(".", ",")


def _table(table_id: int, manage: bool = False) -> CriteriaTable:
    table = db.get_or_404(CriteriaTable, table_id)
    if not can_view_province(current_user, table.province_id):
        abort(404)  # do not confirm that another province's table exists
    if manage and not can_manage_province(current_user, table.province_id):
        abort(403)
    return table


def _default_year(province_id: int, years: list[int]) -> int:
    """The latest year with tables, else the latest year with blocks, else this year."""
    if years:
        return years[0]
    latest = db.session.scalar(select(func.max(Block.year)).where(Block.province_id == province_id))
    return latest or date.today().year


def _years(province_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CriteriaTable.year)
            .where(CriteriaTable.province_id == province_id)
            .distinct()
            .order_by(CriteriaTable.year.desc())
        )
    )


@bp.route("/criteria")
def index():
    province = selected_province()
    if province is None:
        flash(_("Chưa có tỉnh nào trong phạm vi của bạn."), "info")
        return redirect(url_for("main.dashboard"))
    years = _years(province.id)
    year = request.args.get("year", type=int) or _default_year(province.id, years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    tables = db.session.scalars(
        select(CriteriaTable)
        .where(CriteriaTable.province_id == province.id, CriteriaTable.year == year)
        .order_by(CriteriaTable.name, CriteriaTable.version.desc())
    ).all()
    latest = {}
    for t in tables:
        latest.setdefault(t.name, t.version)
    return render_template(
        "criteria/index.html",
        province=province,
        provinces=visible_provinces(),
        years=years,
        year=year,
        tables=tables,
        latest=latest,
        rounds=svc.rounds_using(t.id for t in tables),
        totals={t.id: svc.maxima(svc.specs_of(t)) for t in tables},
        points=points,
        can_manage=can_manage_province(current_user, province.id),
    )


@bp.route("/criteria/<int:table_id>")
def view(table_id: int):
    table = _table(table_id)
    specs = svc.specs_of(table)
    group_totals = {}
    for row, _depth, has_children in svc.tree(table):
        if has_children:
            group_totals[row.id] = sum(
                (
                    c.max_points or 0
                    for c in table.criteria
                    if c.parent_id == row.id and c.kind.value != "info"
                ),
                0,
            )
    return render_template(
        "criteria/view.html",
        table=table,
        rows=svc.tree(table),
        problems=svc.spec_problems(specs),
        totals=svc.maxima(specs),
        group_totals=group_totals,
        versions=svc.versions_of(table),
        rounds=svc.rounds_using([table.id]).get(table.id, []),
        points=points,
        kind_label=svc.kind_label,
        can_manage=can_manage_province(current_user, table.province_id),
    )


@bp.route("/criteria/<int:table_id>/export")
def export(table_id: int):
    table = _table(table_id)
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        abort(400)
    data, mimetype, name = export_file(table, fmt)
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


# -- creating ---------------------------------------------------------------------------------


def _block_choice(province, year):
    raw = request.form.get("tpl-block_id", type=int) or request.args.get("block", type=int)
    if not raw:
        return None
    block = db.session.get(Block, raw)
    if block is None or block.province_id != province.id or block.year != year:
        return None
    return block


def _new_forms(province, year, block, templates):
    blank = BlankTableForm(prefix="blank", year=year)
    tpl = TemplateTableForm(prefix="tpl", year=year, block_id=block.id if block else "")
    tpl.template.choices = options((code, t.name) for code, t in templates.items())
    copy = CopyTableForm(prefix="copy", year=year)
    sources = db.session.scalars(
        select(CriteriaTable)
        .where(CriteriaTable.province_id == province.id)
        .order_by(CriteriaTable.year.desc(), CriteriaTable.name, CriteriaTable.version.desc())
    ).all()
    copy.source_id.choices = options((t.id, f"{t.year} — {t.name} (v{t.version})") for t in sources)
    if request.method == "GET":
        previous = [t for t in sources if t.year < year]
        if previous:
            copy.source_id.data = previous[0].id
    return blank, tpl, copy


@bp.route("/provinces/<int:province_id>/criteria/new", methods=["GET", "POST"])
def new(province_id: int):
    province = province_or_404(province_id, manage=True)
    action = request.form.get("action")
    prefix = {"blank": "blank", "template": "tpl", "copy": "copy"}.get(action or "")
    year = (request.form.get(f"{prefix}-year", type=int) if prefix else None) or request.args.get(
        "year", type=int
    )
    if not year or not 2000 <= year <= 2100:
        year = _default_year(province.id, _years(province.id))
    block = _block_choice(province, year)
    templates = criteria_templates_for(province, block, year)
    blank, tpl, copy = _new_forms(province, year, block, templates)
    if request.method == "POST":
        table = None
        try:
            if action == "blank" and blank.validate_on_submit():
                table = svc.create_table(
                    province,
                    blank.year.data,
                    blank.name.data,
                    [],
                    allow_empty=True,
                    source=_("Tạo mới"),
                )
            elif action == "template" and tpl.validate_on_submit():
                chosen = templates[tpl.template.data]
                source = f"{chosen.name} — {chosen.source}" if chosen.source else chosen.name
                table = svc.create_table(
                    province,
                    tpl.year.data,
                    tpl.name.data or chosen.name,
                    list(chosen.criteria),
                    source=source,
                )
            elif action == "copy" and copy.validate_on_submit():
                src = db.session.get(CriteriaTable, copy.source_id.data)
                if src is None or src.province_id != province.id:
                    abort(404)
                table = svc.copy_table(src, province, copy.year.data, copy.name.data or src.name)
        except ServiceError as exc:
            db.session.rollback()
            form = {"blank": blank, "template": tpl, "copy": copy}.get(action)
            target = getattr(form, exc.field, None) if form is not None and exc.field else None
            if target is not None:
                target.errors = list(target.errors) + [exc.message]
            else:
                flash(exc.message, "danger")
        if table is not None:
            db.session.commit()
            flash(
                _("Đã tạo bảng tiêu chí “%(n)s” năm %(y)s.", n=table.name, y=table.year), "success"
            )
            return redirect(url_for("criteria.view", table_id=table.id))
    blocks = db.session.scalars(
        select(Block)
        .where(Block.province_id == province.id, Block.year == year)
        .order_by(Block.sort_key)
    ).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "criteria/new.html",
        province=province,
        year=year,
        block=block,
        blocks=blocks,
        templates=templates,
        blank=blank,
        tpl=tpl,
        copy=copy,
        action=action,
        points=points,
        maxima=svc.maxima,
    ), status


@bp.route("/provinces/<int:province_id>/criteria/template.xlsx")
def import_template(province_id: int):
    province_or_404(province_id, manage=True)
    return Response(
        tabular.template_xlsx(CRITERIA_COLUMNS, sheet_title="Bảng tiêu chí"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=mau-nhap-bang-tieu-chi.xlsx"},
    )


@bp.route("/provinces/<int:province_id>/criteria/import", methods=["GET", "POST"])
def import_file(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = CriteriaImportForm()
    if request.method == "GET":
        form.year.data = request.args.get("year", type=int) or _default_year(
            province.id, _years(province.id)
        )
    token = request.form.get("token")
    if request.method == "POST" and token:
        # Confirmation of a clean preview: parse the same bytes again and write everything.
        stored = pending.load(current_user.id, "criteria", token)
        if stored is None:
            flash(_("Phiên nhập dữ liệu đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("criteria.import_file", province_id=province.id))
        filename, data = stored
        plan = plan_criteria_import(data, filename)
        year = request.form.get("year", type=int) or 0
        try:
            if not plan.ok:
                raise ServiceError(_("Tệp không còn hợp lệ; hãy tải tệp lên lại."))
            table = svc.create_table(
                province,
                year,
                request.form.get("name", ""),
                plan.specs,
                source=_("Nhập từ tệp %(f)s", f=filename),
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            form.year.data, form.name.data = year, request.form.get("name", "")
            return render_template(
                "criteria/import.html",
                form=form,
                province=province,
                plan=plan,
                token=token,
                points=points,
                kind_label=svc.kind_label,
            ), 422
        pending.discard(token)
        flash(
            _("Đã nhập bảng tiêu chí “%(n)s” với %(c)s tiêu chí.", n=table.name, c=len(plan.specs)),
            "success",
        )
        return redirect(url_for("criteria.view", table_id=table.id))
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "criteria.csv"
        plan = plan_criteria_import(data, filename)
        token = pending.save(current_user.id, "criteria", filename, data) if plan.ok else None
        return render_template(
            "criteria/import.html",
            form=form,
            province=province,
            plan=plan,
            token=token,
            points=points,
            kind_label=svc.kind_label,
        ), 200 if plan.ok else 422
    status = 422 if form.errors else 200
    return render_template(
        "criteria/import.html",
        form=form,
        province=province,
        plan=None,
        token=None,
        points=points,
        kind_label=svc.kind_label,
    ), status


# -- editing row by row -----------------------------------------------------------------------


def _row_form(table: CriteriaTable, specs: list[CriterionSpec], row: Criterion | None) -> RowForm:
    spec = next((s for s in specs if row is not None and s.code == row.code), None)
    if request.method == "GET":
        if spec is not None:
            form = RowForm(
                formdata=None,
                code=spec.code,
                title=spec.title,
                kind=spec.kind,
                max_points=points(spec.max_points) if spec.max_points is not None else "",
                parent=spec.parent or "",
                guidance=spec.guidance,
            )
        else:
            form = RowForm(formdata=None, parent=request.args.get("parent") or AUTO_PARENT)
    else:
        form = RowForm()
    below = svc.subtree(specs, spec.code) if spec is not None else set()
    form.parent.choices = options(
        [(AUTO_PARENT, _("Theo mã tiêu chí (I.2.a thuộc I.2)")), ("", _("— Nhóm cấp cao nhất —"))]
        + [(s.code, f"{s.code}. {s.title[:80]}") for s in specs if s.code not in below]
    )
    return form


def _spec_from(form: RowForm, specs: list[CriterionSpec]) -> CriterionSpec:
    code = svc.normalise_code(form.code.data)
    if not code:
        raise ServiceError(_("Cần mã tiêu chí."), "code")
    try:
        max_points = svc.parse_points(form.max_points.data)
    except ValueError as exc:
        raise ServiceError(str(exc), "max_points") from None
    parent = form.parent.data
    if parent == AUTO_PARENT:
        parent = svc.derive_parent(code, {s.code for s in specs})
    try:
        return CriterionSpec(
            code=code,
            title=(form.title.data or "").strip(),
            kind=form.kind.data,
            max_points=max_points,
            parent=parent or None,
            guidance=(form.guidance.data or "").strip(),
        )
    except ValueError:
        raise ServiceError(
            _("Tiêu chí chấm điểm, điểm cộng hoặc điểm trừ cần điểm tối đa."), "max_points"
        ) from None


def _save(
    table: CriteriaTable,
    before: list[CriterionSpec],
    after: list[CriterionSpec],
    *,
    allow_empty=False,
):
    """Write the rows and say what happened; returns where to go next."""
    result, is_new = svc.replace_criteria(table, after, allow_empty=allow_empty)
    db.session.commit()
    if is_new:
        flash(
            _(
                "Bảng “%(n)s” phiên bản %(v)s đang được dùng cho đợt chấm điểm đã bắt đầu nên được giữ nguyên; "
                "thay đổi được lưu thành phiên bản %(new)s.",
                n=table.name,
                v=table.version,
                new=result.version,
            ),
            "warning",
        )
    else:
        flash(_("Đã lưu bảng tiêu chí."), "success")
    changes = svc.group_changes(before, after)
    if changes:
        flash(
            _(
                "Đã cập nhật điểm tối đa của nhóm: %(list)s.",
                list="; ".join(
                    f"{code}: {points(old)} → {points(new)}" for code, old, new in changes
                ),
            ),
            "info",
        )
    return redirect(url_for("criteria.view", table_id=result.id))


def _row_page(table, form, row, status=200):
    return render_template("criteria/row_form.html", table=table, form=form, row=row), status


@bp.route("/criteria/<int:table_id>/rows/new", methods=["GET", "POST"])
def row_new(table_id: int):
    table = _table(table_id, manage=True)
    specs = svc.specs_of(table)
    form = _row_form(table, specs, None)
    if form.validate_on_submit():
        try:
            after = svc.put_row(
                specs, None, _spec_from(form, specs), sum_groups=form.sum_groups.data
            )
            return _save(table, specs, after)
        except ServiceError as exc:
            db.session.rollback()
            _field_error(form, exc)
    return _row_page(table, form, None, 422 if request.method == "POST" else 200)


def _criterion(table: CriteriaTable, criterion_id: int) -> Criterion:
    row = db.session.get(Criterion, criterion_id)
    if row is None or row.table_id != table.id:
        abort(404)
    return row


@bp.route("/criteria/<int:table_id>/rows/<int:criterion_id>/edit", methods=["GET", "POST"])
def row_edit(table_id: int, criterion_id: int):
    table = _table(table_id, manage=True)
    row = _criterion(table, criterion_id)
    specs = svc.specs_of(table)
    form = _row_form(table, specs, row)
    if form.validate_on_submit():
        try:
            after = svc.put_row(
                specs, row.code, _spec_from(form, specs), sum_groups=form.sum_groups.data
            )
            return _save(table, specs, after)
        except ServiceError as exc:
            db.session.rollback()
            _field_error(form, exc)
    return _row_page(table, form, row, 422 if request.method == "POST" else 200)


@bp.route("/criteria/<int:table_id>/rows/<int:criterion_id>/delete", methods=["POST"])
def row_delete(table_id: int, criterion_id: int):
    table = _table(table_id, manage=True)
    row = _criterion(table, criterion_id)
    specs = svc.specs_of(table)
    try:
        return _save(table, specs, svc.drop_row(specs, row.code), allow_empty=True)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("criteria.view", table_id=table.id))


@bp.route("/criteria/<int:table_id>/delete", methods=["POST"])
def delete(table_id: int):
    """Delete a table that no round uses and that is not locked (a mistake, a test import)."""
    table = _table(table_id, manage=True)
    if (
        table.locked
        or svc.rounds_using([table.id])
        or db.session.scalar(select(CriteriaTable.id).where(CriteriaTable.previous_id == table.id))
    ):
        flash(
            _("Không xóa được: bảng đang được dùng cho đợt chấm điểm hoặc đã có phiên bản sau."),
            "danger",
        )
        return redirect(url_for("criteria.view", table_id=table.id))
    province_id, year, name = table.province_id, table.year, table.name
    for c in table.criteria:
        c.parent = None
    db.session.flush()
    db.session.delete(table)
    db.session.commit()
    flash(_("Đã xóa bảng tiêu chí “%(n)s”.", n=name), "success")
    return redirect(url_for("criteria.index", province=province_id, year=year))


def _field_error(form, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and exc.field != "criteria":
        field.errors = list(field.errors) + [exc.message]
        return
    form.form_errors.append(exc.message)
    if exc.field == "criteria" and not form.sum_groups.data:
        form.form_errors.append(
            _(
                "Để điểm tối đa của các nhóm cha tự cộng theo tiêu chí con, hãy đánh dấu ô “%(label)s”.",
                label=form.sum_groups.label.text,
            )
        )
