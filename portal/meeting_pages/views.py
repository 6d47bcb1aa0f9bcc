"""Scoring meeting pages.

The meeting sheet works without JavaScript (one form per unit, saved together); with it,
``meeting.js`` saves each cell as it changes through ``meeting.save_cell`` (JSON, X-CSRFToken).
A stale save never overwrites: the page shows the value someone else saved, keeps what the user
typed, and takes the other's version so that saving again is a deliberate choice.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import can_manage_province, is_block_leader, require
from portal.admin.common import province_or_404
from portal.extensions import db
from portal.logic import scoring as logic
from portal.meeting_pages import bp
from portal.models import CrossScore, RoundState, ScoringRound, SelfScore, Unit
from portal.services import ServiceError
from portal.services import meeting as svc
from portal.services.blocks import block_years
from portal.services.scoring import (
    ScoreConflict,
    can_enter_agreed,
    save_agreed_score,
    save_cross_score,
    scorable,
)
from portal.services.scoring_rounds import available, state_label, transition

S = RoundState
MEETING_ACTIONS = ("start_meeting", "agree", "reopen_meeting", "submit")


def _round_or_404(round_id: int) -> ScoringRound:
    """The round, with its block (every page checks it) and its criteria table joined in the
    same query rather than loaded one after the other."""
    round_ = db.get_or_404(
        ScoringRound, round_id, options=(joinedload(ScoringRound.block), joinedload(ScoringRound.table))
    )
    require(svc.can_view_round(current_user, round_))
    return round_


def _editor_round(round_id: int) -> ScoringRound:
    round_ = _round_or_404(round_id)
    require(can_enter_agreed(current_user, round_))
    return round_


def _nav(round_: ScoringRound, active: str, members=None) -> dict:
    """What the round's tabs need: which pages this user may open. ``members``: the round's
    roll when the page has loaded it already."""
    user = current_user._get_current_object()
    if not round_.cross_scoring:
        cross = False
    elif members is not None:
        mine = user.unit_ids()
        cross = any(m.unit_id in mine for m in members)
    else:
        cross = bool(svc.member_units_of(user, round_))
    return {
        "active": active,
        "editor": can_enter_agreed(user, round_),
        "cross": cross,
        "reader": svc.is_round_reader(user, round_),
    }


def _chosen_unit(members, raw) -> int | None:
    ids = [m.unit_id for m in members]
    try:
        wanted = int(raw) if raw not in (None, "") else None
    except ValueError:
        wanted = None
    if wanted in ids:
        return wanted
    return ids[0] if ids else None


def _totals(rows) -> tuple[logic.Total, logic.Total]:
    table = [
        logic.Row(
            r.criterion.id,
            r.criterion.code,
            r.criterion.kind.value,
            r.criterion.max_points,
            r.criterion.parent_id,
        )
        for r in rows
    ]
    own = {r.criterion.id: r.self_value for r in rows if r.scorable}
    agreed = {r.criterion.id: r.value for r in rows if r.scorable}
    return logic.total(table, own), logic.total(table, agreed)


# -- the meeting sheet -------------------------------------------------------------------------


def _render_sheet(
    round_: ScoringRound,
    unit_id: int | None,
    *,
    typed=None,
    errors=None,
    versions=None,
    status: int = 200,
):
    user = current_user._get_current_object()
    members = svc.load_members(round_)
    unit_id = _chosen_unit(members, unit_id)
    rows = svc.sheet_rows(round_, unit_id) if unit_id is not None else []
    own_total, agreed_total = _totals(rows)
    leaf_count = sum(1 for r in rows if r.scorable)
    ids = [m.unit_id for m in members]
    pos = ids.index(unit_id) if unit_id in ids else 0
    leader = is_block_leader(user, round_.block)
    return render_template(
        "meeting/sheet.html",
        round=round_,
        block=round_.block,
        state_label=state_label(round_.state),
        members=members,
        unit=next((m.unit for m in members if m.unit_id == unit_id), None),
        member=next((m for m in members if m.unit_id == unit_id), None),
        previous_id=ids[pos - 1] if pos > 0 else None,
        next_id=ids[pos + 1] if pos + 1 < len(ids) else None,
        rows=rows,
        leaf_count=leaf_count,
        own_total=own_total,
        agreed_total=agreed_total,
        progress=svc.progress(round_, members),
        can_edit=round_.state == S.IN_MEETING,
        is_leader=leader,
        actions=[t for t in available(user, round_) if t.name in MEETING_ACTIONS],
        candidates=svc.secretary_candidates(round_, members) if leader else [],
        typed=typed or {},
        errors=errors or {},
        versions=versions or {},
        fmt=svc.fmt,
        nav=_nav(round_, "sheet", members),
    ), status


@bp.route("/scoring/<int:round_id>/meeting")
def sheet(round_id: int):
    round_ = _editor_round(round_id)
    return _render_sheet(round_, request.args.get("unit"))


def _form_cells(round_: ScoringRound, proposals: dict[int, object]):
    """What the form sent for each scorable criterion: (value, reason, version, changed)."""
    use = request.form.get("use", "")
    use_all = request.form.get("use_all") == "1"
    out = {}
    for c in scorable(round_):
        cid = c.id
        value = (request.form.get(f"v-{cid}") or "").strip()
        reason = (request.form.get(f"r-{cid}") or "").strip()
        original = (request.form.get(f"o-{cid}") or "").strip()
        original_reason = (request.form.get(f"or-{cid}") or "").strip()
        version = request.form.get(f"ver-{cid}", "0")
        proposal = proposals.get(cid)
        if proposal is not None and (use == str(cid) or (use_all and not value)):
            value = svc.fmt(proposal)
        out[cid] = (value, reason, version, value != original or reason != original_reason)
    return out


@bp.route("/scoring/<int:round_id>/meeting", methods=["POST"])
def sheet_save(round_id: int):
    """Save the changed cells of one unit; cells that fail keep what was typed, with the reason."""
    round_ = _editor_round(round_id)
    user = current_user._get_current_object()
    unit_id = request.form.get("unit_id", type=int)
    if unit_id is None or unit_id not in {m.unit_id for m in round_.members}:
        flash(_("Hãy chọn một đơn vị thành viên của khối."), "danger")
        return redirect(url_for("meeting.sheet", round_id=round_.id))
    if round_.state != S.IN_MEETING:
        flash(_("Chỉ nhập điểm thống nhất khi đang họp chấm điểm."), "danger")
        return redirect(url_for("meeting.sheet", round_id=round_.id, unit=unit_id))
    proposals = svc.unit_proposals(round_, unit_id) if round_.cross_scoring else {}
    typed, errors, versions, saved = {}, {}, {}, 0
    for cid, (value, reason, version, changed) in _form_cells(round_, proposals).items():
        if not changed:
            continue
        typed[cid] = (value, reason)
        try:
            expected = int(version) if version.isdigit() and len(version) < 10 else 0
            save_agreed_score(
                user,
                round_,
                unit_id,
                cid,
                svc.checked(value),
                reason=reason,
                version=expected or None,
            )
            db.session.commit()
            saved += 1
            typed.pop(cid)
        except ScoreConflict as exc:
            db.session.rollback()
            errors[cid] = exc.message
            versions[cid] = exc.current_version or 0
        except ServiceError as exc:
            db.session.rollback()
            errors[cid] = exc.message
        round_ = db.session.get(ScoringRound, round_id)
    if errors:
        if saved:
            flash(_("Đã lưu %(n)s ô điểm.", n=saved), "success")
        flash(_("%(n)s ô điểm chưa lưu được; xem thông báo ở từng ô.", n=len(errors)), "danger")
        return _render_sheet(round_, unit_id, typed=typed, errors=errors, versions=versions)
    flash(
        _("Đã lưu %(n)s ô điểm.", n=saved) if saved else _("Các ô điểm đã được lưu trước đó; không có thay đổi mới."),
        "success" if saved else "info",
    )
    return redirect(url_for("meeting.sheet", round_id=round_.id, unit=unit_id) + "#grid")


def _json_error(status: int, message: str, fields=None, **extra):
    code = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(
        status, "validation_error" if status == 422 else "bad_request"
    )
    return jsonify(
        error={"code": code, "message": message, "fields": fields or {}}, **extra
    ), status


def _cell_payload():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    return data


def _id(data: dict, name: str) -> int | None:
    value = data.get(name)
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def _version(data: dict) -> int | None:
    value = data.get("version")
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return value or None
    if value in (None, ""):
        return None
    return -1


@bp.route("/scoring/<int:round_id>/meeting/cell", methods=["POST"])
def save_cell(round_id: int):
    """One agreed cell, as JSON (the sheet's script): {unit_id, criterion_id, value, reason, version}."""
    round_ = _editor_round(round_id)
    user = current_user._get_current_object()
    data = _cell_payload()
    if data is None:
        return _json_error(400, _("Nội dung yêu cầu phải là một đối tượng JSON."))
    unit_id, criterion_id, version = _id(data, "unit_id"), _id(data, "criterion_id"), _version(data)
    if unit_id is None or criterion_id is None or version == -1:
        return _json_error(400, _("Yêu cầu không hợp lệ."))
    reason = data.get("reason") or ""
    if not isinstance(reason, str) or not isinstance(data.get("value", ""), str | int | float):
        return _json_error(422, _("Dữ liệu chưa hợp lệ."))
    try:
        cell = save_agreed_score(
            user,
            round_,
            unit_id,
            criterion_id,
            svc.checked(data.get("value")),
            reason=reason,
            version=version,
        )
        db.session.commit()
    except ScoreConflict as exc:
        db.session.rollback()
        return _json_error(
            409,
            exc.message,
            exc.fields,
            current_value=svc.raw(exc.current_value),
            current_display=svc.fmt(exc.current_value),
            current_version=exc.current_version,
        )
    except ServiceError as exc:
        db.session.rollback()
        return _json_error(
            exc.status if exc.status in (403, 404, 409) else 422, exc.message, exc.fields
        )
    own = db.session.scalar(
        select(SelfScore.value).where(
            SelfScore.round_id == round_.id,
            SelfScore.unit_id == unit_id,
            SelfScore.criterion_id == criterion_id,
        )
    )
    return jsonify(
        value=svc.raw(cell.value),
        display=svc.fmt(cell.value),
        reason=cell.reason,
        version=cell.version,
        differs=own is not None and own != cell.value,
    )


@bp.route("/scoring/<int:round_id>/attendance", methods=["POST"])
def attendance(round_id: int):
    round_ = _editor_round(round_id)
    unit = request.form.get("unit", "")
    try:
        svc.set_attendance(current_user, round_, svc.as_unit_ids(request.form.getlist("present")))
        db.session.commit()
        flash(_("Đã lưu danh sách đơn vị có mặt."), "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("meeting.sheet", round_id=round_id, unit=unit or None))


@bp.route("/scoring/<int:round_id>/secretary", methods=["POST"])
def secretary(round_id: int):
    round_ = _round_or_404(round_id)
    if "user_id" not in request.form:  # the form always sends it ("" for nobody)
        flash(_("Yêu cầu không hợp lệ."), "danger")
        return redirect(url_for("meeting.sheet", round_id=round_id))
    require(is_block_leader(current_user, round_.block))
    raw = request.form.get("user_id", "")
    try:
        chosen = int(raw) if raw.isdigit() and len(raw) < 19 else None
        if raw and chosen is None:
            raise ServiceError(_("Yêu cầu không hợp lệ."), "user_id")
        svc.set_secretary(current_user, round_, chosen)
        db.session.commit()
        flash(
            _("Đã chỉ định thư ký: %(name)s.", name=round_.secretary.full_name)
            if round_.secretary
            else _("Đã bỏ chỉ định thư ký."),
            "success",
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("meeting.sheet", round_id=round_id))


@bp.route("/scoring/<int:round_id>/meeting/action", methods=["POST"])
def action(round_id: int):
    """The meeting's transitions: start, agree (lock), reopen, submit to the province."""
    round_ = _round_or_404(round_id)
    name = request.form.get("action", "")
    if name not in MEETING_ACTIONS:
        flash(_("Thao tác không hợp lệ."), "danger")
        return redirect(url_for("meeting.sheet", round_id=round_id))
    require(is_block_leader(current_user, round_.block))
    try:
        transition(current_user, round_, name)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("meeting.sheet", round_id=round_id))
    if name == "submit":
        flash(
            _("Đã gửi kết quả về Sở Nội vụ và phát hành bảng tổng hợp kết quả chấm điểm."),
            "success",
        )
        return redirect(url_for("meeting.ranking", round_id=round_id))
    flash(
        _("Đợt chấm điểm chuyển sang trạng thái “%(state)s”.", state=state_label(round_.state)),
        "success",
    )
    return redirect(url_for("meeting.sheet", round_id=round_id))


# -- cross-scoring ----------------------------------------------------------------------------


def _cross_context(round_id: int):
    round_ = _round_or_404(round_id)
    if not round_.cross_scoring:
        abort(404)
    mine = svc.member_units_of(current_user, round_)
    require(bool(mine))
    scorer = next((u for u in mine if str(u.id) == request.values.get("as", "")), mine[0])
    return round_, scorer, mine


def _render_cross(round_, scorer, mine, target_raw, *, typed=None, errors=None, versions=None):
    members = [m for m in svc.load_members(round_) if m.unit_id != scorer.id]
    target_id = _chosen_unit(members, target_raw)
    criteria = scorable(round_)
    level = svc.depths(list(round_.table.criteria))
    cells = {}
    own = {}
    if target_id is not None:
        cells = {
            c.criterion_id: c
            for c in db.session.scalars(
                select(CrossScore).where(
                    CrossScore.round_id == round_.id,
                    CrossScore.scorer_unit_id == scorer.id,
                    CrossScore.unit_id == target_id,
                )
            )
        }
        own = dict(
            db.session.execute(
                select(SelfScore.criterion_id, SelfScore.value).where(
                    SelfScore.round_id == round_.id, SelfScore.unit_id == target_id
                )
            ).all()
        )
    return render_template(
        "meeting/cross.html",
        round=round_,
        block=round_.block,
        state_label=state_label(round_.state),
        scorer=scorer,
        mine=mine,
        members=members,
        target=db.session.get(Unit, target_id) if target_id else None,
        criteria=criteria,
        level=level,
        cells=cells,
        own=own,
        can_edit=round_.state in (S.SELF_SCORING_CLOSED, S.IN_MEETING),
        typed=typed or {},
        errors=errors or {},
        versions=versions or {},
        fmt=svc.fmt,
        nav=_nav(round_, "cross"),
    )


@bp.route("/scoring/<int:round_id>/cross")
def cross(round_id: int):
    round_, scorer, mine = _cross_context(round_id)
    return _render_cross(round_, scorer, mine, request.args.get("unit"))


@bp.route("/scoring/<int:round_id>/cross", methods=["POST"])
def cross_save(round_id: int):
    round_, scorer, mine = _cross_context(round_id)
    user = current_user._get_current_object()
    target = request.form.get("unit_id", type=int)
    if target is None or target == scorer.id or target not in {m.unit_id for m in round_.members}:
        flash(_("Hãy chọn một đơn vị khác trong khối để chấm chéo."), "danger")
        return redirect(url_for("meeting.cross", round_id=round_id, **{"as": scorer.id}))
    typed, errors, versions, saved = {}, {}, {}, 0
    for c in scorable(round_):
        value = (request.form.get(f"v-{c.id}") or "").strip()
        if value == (request.form.get(f"o-{c.id}") or "").strip() or not value:
            continue
        typed[c.id] = (value, "")
        version = request.form.get(f"ver-{c.id}", "0")
        try:
            expected = int(version) if version.isdigit() and len(version) < 10 else 0
            save_cross_score(
                user, round_, scorer.id, target, c.id, svc.checked(value), version=expected or None
            )
            db.session.commit()
            saved += 1
            typed.pop(c.id)
        except ScoreConflict as exc:
            db.session.rollback()
            errors[c.id], versions[c.id] = exc.message, exc.current_version or 0
        except ServiceError as exc:
            db.session.rollback()
            errors[c.id] = exc.message
        round_ = db.session.get(ScoringRound, round_id)
    if errors:
        flash(_("%(n)s ô điểm chưa lưu được; xem thông báo ở từng ô.", n=len(errors)), "danger")
        scorer = db.session.get(Unit, scorer.id)
        return _render_cross(
            round_,
            scorer,
            svc.member_units_of(user, round_),
            target,
            typed=typed,
            errors=errors,
            versions=versions,
        )
    flash(
        _("Đã lưu %(n)s ô điểm.", n=saved) if saved else _("Các ô điểm đã được lưu trước đó; không có thay đổi mới."),
        "success" if saved else "info",
    )
    return redirect(url_for("meeting.cross", round_id=round_id, unit=target, **{"as": scorer.id}))


# -- ranking and exports ----------------------------------------------------------------------


@bp.route("/scoring/<int:round_id>/ranking")
def ranking(round_id: int):
    round_ = _round_or_404(round_id)
    user = current_user._get_current_object()
    rows = svc.ranking_rows(round_, hide_self=not svc.shows_self_totals(user, round_))
    return render_template(
        "meeting/ranking.html",
        round=round_,
        block=round_.block,
        state_label=state_label(round_.state),
        rows=rows,
        has_bands=any(r["band"] for r in rows),
        can_return=round_.state in (S.SUBMITTED, S.RESUBMITTED)
        and can_manage_province(user, round_.province_id),
        fmt=svc.fmt,
        shared_label=svc.shared_label(),
        nav=_nav(round_, "ranking"),
    )


@bp.route("/scoring/<int:round_id>/ranking.json")
def ranking_json(round_id: int):
    """The ranking for the page's polling script (values formatted as the page shows them)."""
    round_ = _round_or_404(round_id)
    hide_self = not svc.shows_self_totals(current_user, round_)
    rows = [
        {
            **{
                k: r[k]
                for k in (
                    "rank",
                    "unit_id",
                    "unit_name",
                    "shared",
                    "present",
                    "agreed_cells",
                    "cells",
                )
            },
            "band": r["band"] or "",
            **{k: svc.fmt(r[k]) for k in ("self_total", "scored", "bonus", "penalty", "total")},
        }
        for r in svc.ranking_rows(round_, hide_self=hide_self)
    ]
    return jsonify(
        state=round_.state.value,
        state_label=state_label(round_.state),
        live=round_.state == S.IN_MEETING,
        rows=rows,
        shared_label=svc.shared_label(),
    )


@bp.route("/scoring/<int:round_id>/export")
def export(round_id: int):
    """?what=ranking|cells&format=csv|xlsx"""
    round_ = _round_or_404(round_id)
    try:
        content, mimetype, name = svc.export(
            round_,
            request.args.get("what", "ranking"),
            request.args.get("format", "xlsx"),
            current_user,
        )
    except ServiceError:
        abort(400)
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0
    )


# -- the province ------------------------------------------------------------------------------


@bp.route("/provinces/<int:province_id>/scoring")
def province_overview(province_id: int):
    province = province_or_404(province_id)
    years = block_years(province.id)
    year = request.args.get("year", type=int)
    if year is None or not 1900 <= year <= 2200:
        year = years[0] if years else None
    rows = svc.province_overview(province, year) if year else []
    return render_template(
        "meeting/overview.html",
        province=province,
        year=year,
        years=years,
        rows=rows,
        state_label=state_label,
        can_return=can_manage_province(current_user, province.id),
        fmt=svc.fmt,
        returnable=(S.SUBMITTED, S.RESUBMITTED),
    )


@bp.route("/scoring/<int:round_id>/return", methods=["POST"])
def return_results(round_id: int):
    round_ = _round_or_404(round_id)
    require(can_manage_province(current_user, round_.province_id))
    try:
        transition(current_user, round_, "return_results", reason=request.form.get("reason", ""))
        db.session.commit()
        flash(_("Đã trả lại kết quả của %(block)s.", block=round_.block.name), "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    target = request.form.get("next", "")
    if target == "ranking":
        return redirect(url_for("meeting.ranking", round_id=round_id))
    return redirect(
        url_for("meeting.province_overview", province_id=round_.province_id, year=round_.block.year)
    )
