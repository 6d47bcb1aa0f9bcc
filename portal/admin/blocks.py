"""Blocks per emulation year: members, leader, deputy; copying last year's blocks forward."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import can_manage_province, can_view_block, require
from portal.admin import bp
from portal.admin.common import (
    apply_service_error,
    none_label,
    province_or_404,
    selected_province,
    unit_choices,
    visible_provinces,
)
from portal.admin.forms import BlockForm, CopyBlocksForm
from portal.extensions import db
from portal.models import Block
from portal.services import ServiceError
from portal.services.blocks import block_years, copy_blocks, save_block


@bp.route("/blocks")
def blocks():
    province = selected_province()
    if province is None:
        flash(_("Chưa có tỉnh nào trong phạm vi của bạn."), "info")
        return redirect(url_for("main.dashboard"))
    years = block_years(province.id)
    year = request.args.get("year", type=int) or (years[0] if years else date.today().year)
    rows = db.session.scalars(
        select(Block).where(Block.province_id == province.id, Block.year == year).order_by(Block.sort_key)
    ).all()
    copy_form = CopyBlocksForm(formdata=None, from_year=year, to_year=year + 1)
    return render_template(
        "admin/blocks.html",
        province=province,
        provinces=visible_provinces(),
        blocks=rows,
        years=years,
        year=year,
        copy_form=copy_form,
        can_manage=can_manage_province(current_user, province.id),
    )


def _block_form(province, block=None):
    form = BlockForm(obj=block)
    if request.method == "GET" and block is not None:
        form.member_ids.data = [u.id for u in block.members]
    choices = unit_choices(province)
    if block is not None:
        # Keep current members listed even if one was deactivated since.
        known = {c[0] for c in choices}
        choices += [(u.id, f"{u.name} ({u.code})") for u in block.members if u.id not in known]
    form.member_ids.choices = choices
    form.leader_unit_id.choices = [("", none_label())] + choices
    form.deputy_unit_id.choices = [("", none_label())] + choices
    return form


def _save(form, province, block):
    return save_block(
        block,
        province,
        year=form.year.data,
        code=form.code.data,
        name=form.name.data,
        member_ids=form.member_ids.data or [],
        leader_unit_id=form.leader_unit_id.data,
        deputy_unit_id=form.deputy_unit_id.data,
    )


@bp.route("/provinces/<int:province_id>/blocks/new", methods=["GET", "POST"])
def block_new(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = _block_form(province)
    if request.method == "GET":
        form.year.data = request.args.get("year", type=int) or date.today().year
    if form.validate_on_submit():
        try:
            block = _save(form, province, None)
            db.session.commit()
            flash(_("Đã tạo khối %(name)s.", name=block.name), "success")
            return redirect(url_for("admin.block_view", block_id=block.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/block_form.html", form=form, province=province, block=None), status


@bp.route("/blocks/<int:block_id>/edit", methods=["GET", "POST"])
def block_edit(block_id: int):
    block = db.get_or_404(Block, block_id)
    province = province_or_404(block.province_id, manage=True)
    form = _block_form(province, block)
    if form.validate_on_submit():
        try:
            _save(form, province, block)
            db.session.commit()
            flash(_("Đã lưu khối %(name)s.", name=block.name), "success")
            return redirect(url_for("admin.block_view", block_id=block.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/block_form.html", form=form, province=province, block=block), status


@bp.route("/blocks/<int:block_id>")
def block_view(block_id: int):
    block = db.get_or_404(Block, block_id)
    require(can_view_block(current_user, block))
    return render_template(
        "admin/block_view.html",
        block=block,
        can_manage=can_manage_province(current_user, block.province_id),
        my_units=current_user.unit_ids(),
    )


@bp.route("/provinces/<int:province_id>/blocks/copy", methods=["POST"])
def blocks_copy(province_id: int):
    province = province_or_404(province_id, manage=True)
    form = CopyBlocksForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "danger")
        return redirect(url_for("admin.blocks", province=province.id))
    try:
        created = copy_blocks(province, form.from_year.data, form.to_year.data)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("admin.blocks", province=province.id, year=form.from_year.data))
    no_leader = sum(1 for b in created if b.leader_unit_id is None)
    flash(
        _(
            "Đã sao chép %(n)s khối sang năm %(y)s. Khối phó năm trước trở thành khối trưởng; hãy chọn khối phó mới.",
            n=len(created),
            y=form.to_year.data,
        ),
        "success",
    )
    if no_leader:
        flash(_("%(n)s khối chưa có khối trưởng (năm trước không có khối phó).", n=no_leader), "warning")
    return redirect(url_for("admin.blocks", province=province.id, year=form.to_year.data))


