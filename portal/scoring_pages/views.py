"""Scoring pages: a block's round (create, dates, transitions, who has self-scored), a unit's
self-scoring sheet (autosave, a plain form without JavaScript, submission) and evidence files."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import can_view_block
from portal.admin.common import apply_service_error
from portal.extensions import db
from portal.models import (
    Block,
    CriteriaTable,
    CriterionKind,
    Evidence,
    RoundState,
    ScoringRound,
    Unit,
)
from portal.scoring_pages import bp
from portal.scoring_pages.common import (
    can_edit_self,
    can_manage_round,
    can_view_round,
    can_view_unit_scores,
    checked_score,
    input_value,
    points,
    progress,
    round_of,
    same_value,
    sheet,
    table_label,
    tables_for,
)
from portal.scoring_pages.forms import RoundForm, RoundUpdateForm, TransitionForm
from portal.services import ServiceError
from portal.services import evidence as evidence_service
from portal.services.scoring import ScoreConflict, missing_self, save_self_score, submit_self_scores
from portal.services.scoring_rounds import (
    STATE_LABELS,
    TRANSITIONS,
    available,
    create_round,
    state_label,
    transition,
    update_round,
)

EDITABLE_STATES = (
    RoundState.DRAFT,
    RoundState.SELF_SCORING,
    RoundState.SELF_SCORING_CLOSED,
    RoundState.IN_MEETING,
    RoundState.RETURNED,
)
NOTE_MAX = 2000


def _user():
    return current_user._get_current_object()


def _block_or_404(block_id: int) -> Block:
    block = db.get_or_404(Block, block_id)
    if not can_view_block(_user(), block):
        abort(403)
    return block


def _round_or_404(round_id: int) -> ScoringRound:
    round_ = db.get_or_404(ScoringRound, round_id)
    if not can_view_round(_user(), round_):
        abort(404)  # do not confirm that another block's round exists
    return round_


def _unit_of(round_: ScoringRound, unit_id: int) -> Unit:
    member = next((m for m in round_.members if m.unit_id == unit_id), None)
    if member is None:
        abort(404)
    if not can_view_unit_scores(_user(), round_, unit_id):
        abort(403)
    return member.unit


def _with_tables(form, block: Block, round_: ScoringRound | None = None):
    choices = [(t.id, table_label(t)) for t in tables_for(block)]
    if round_ is not None and round_.table_id not in {c[0] for c in choices}:
        choices.append((round_.table_id, table_label(round_.table)))
    form.table_id.choices = [("", _("— Chọn bảng tiêu chí —"))] + choices
    form.table_id.validate_choice = False  # checked below, with a Vietnamese message
    return form


def _chosen_table(form) -> CriteriaTable | None:
    if not form.table_id.data:
        return None
    table = db.session.get(CriteriaTable, form.table_id.data)
    if table is None:
        raise ServiceError(_("Không có bảng tiêu chí này."), "table_id")
    return table


# -- the round page -----------------------------------------------------------------------------


def _render_round(
    block: Block,
    round_: ScoringRound | None,
    *,
    create_form=None,
    update_form=None,
    transition_error=None,
    reason="",
    status=200,
):
    user = _user()
    manage = can_manage_round(user, block)
    if round_ is None and create_form is None and manage:
        create_form = _with_tables(RoundForm(formdata=None), block)
    if round_ is not None and update_form is None and manage and round_.state in EDITABLE_STATES:
        update_form = _with_tables(RoundUpdateForm(formdata=None, obj=round_), block, round_)
    rows = progress(round_) if round_ is not None else []
    return render_template(
        "scoring/round.html",
        block=block,
        round=round_,
        can_manage=manage,
        tables=tables_for(block) if round_ is None else [],
        create_form=create_form,
        update_form=update_form,
        transitions=available(user, round_) if round_ is not None else [],
        transition_error=transition_error,
        reason=reason,
        rows=rows,
        not_submitted=[r for r in rows if r.submitted_at is None],
        state_label=state_label,
        states=STATE_LABELS,
        my_units=user.unit_ids(),
        can_view_unit=(lambda uid: can_view_unit_scores(user, round_, uid))
        if round_ is not None
        else None,
    ), status


@bp.route("/blocks/<int:block_id>/scoring")
def round_view(block_id: int):
    block = _block_or_404(block_id)
    return _render_round(block, round_of(block))


@bp.route("/blocks/<int:block_id>/scoring", methods=["POST"])
def round_create(block_id: int):
    block = _block_or_404(block_id)
    existing = round_of(block)
    form = _with_tables(RoundForm(), block)
    if not form.validate_on_submit():
        return _render_round(
            block, existing, create_form=form if existing is None else None, status=422
        )
    if not can_manage_round(_user(), block):
        abort(403)
    try:
        round_ = create_round(
            block,
            _chosen_table(form) or abort(422),
            meeting_date=form.meeting_date.data,
            conference_date=form.conference_date.data,
            cross_scoring=form.cross_scoring.data,
            trim=form.trim.data or 0,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if existing is not None:
            flash(exc.message, "danger")
            return redirect(url_for("scoring.round_view", block_id=block.id))
        apply_service_error(form, exc)
        return _render_round(block, None, create_form=form, status=exc.status)
    flash(
        _(
            "Đã tạo đợt chấm điểm của %(block)s. Khi đã sẵn sàng, hãy bấm “Mở tự chấm điểm”.",
            block=block.name,
        ),
        "success",
    )
    return redirect(url_for("scoring.round_view", block_id=round_.block_id))


@bp.route("/scoring/<int:round_id>/settings", methods=["POST"])
def round_update(round_id: int):
    round_ = _round_or_404(round_id)
    block = round_.block
    form = _with_tables(RoundUpdateForm(), block, round_)
    if not form.validate_on_submit():
        return _render_round(block, round_, update_form=form, status=422)
    if not can_manage_round(_user(), block):
        abort(403)
    draft = round_.state == RoundState.DRAFT
    try:
        update_round(
            round_,
            meeting_date=form.meeting_date.data,
            conference_date=form.conference_date.data,
            cross_scoring=form.cross_scoring.data if draft else None,
            trim=(form.trim.data or 0) if draft else None,
            table=_chosen_table(form) if draft else None,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        apply_service_error(form, exc)
        return _render_round(
            block, db.session.get(ScoringRound, round_id), update_form=form, status=exc.status
        )
    flash(_("Đã lưu ngày và thiết lập của đợt chấm điểm."), "success")
    return redirect(url_for("scoring.round_view", block_id=block.id))


@bp.route("/scoring/<int:round_id>/transition", methods=["POST"])
def round_transition(round_id: int):
    round_ = _round_or_404(round_id)
    block_id = round_.block_id
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("Thao tác không hợp lệ."), "danger")
        return redirect(url_for("scoring.round_view", block_id=block_id))
    name = form.action.data
    try:
        transition(_user(), round_, name, reason=form.reason.data)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        round_ = db.session.get(ScoringRound, round_id)
        return _render_round(
            round_.block,
            round_,
            transition_error=exc.message,
            reason=form.reason.data or "",
            status=exc.status,
        )
    flash(
        _(
            "Đã thực hiện “%(action)s”. Trạng thái: %(state)s.",
            action=str(TRANSITIONS[name].label),
            state=state_label(round_.state),
        ),
        "success",
    )
    return redirect(url_for("scoring.round_view", block_id=block_id))


# -- the self-scoring sheet ---------------------------------------------------------------------


def _render_self(
    round_: ScoringRound,
    unit: Unit,
    *,
    typed=None,
    errors=None,
    upload_errors=None,
    top_errors=(),
    missing=(),
    versions=None,
    status=200,
):
    user = _user()
    rows, general = sheet(round_, unit.id)
    member = next(m for m in round_.members if m.unit_id == unit.id)
    editable = can_edit_self(user, round_, unit.id)
    required = [r for r in rows if r.scorable and r.criterion.kind == CriterionKind.SCORED]
    return render_template(
        "scoring/self.html",
        round=round_,
        block=round_.block,
        unit=unit,
        member=member,
        rows=rows,
        general=general,
        required=len(required),
        filled=sum(1 for r in required if r.cell is not None and r.cell.value is not None),
        editable=editable,
        typed=typed or {},
        errors=errors or {},
        upload_errors=upload_errors or {},
        top_errors=top_errors,
        missing=set(missing),
        versions=versions or {},
        points=points,
        input_value=input_value,
        state_label=state_label,
        accept=",".join([*evidence_service.EXTENSIONS, *sorted(evidence_service.SERVED_TYPES)]),
        max_size=evidence_service.size_label(evidence_service.max_bytes()),
        size_label=evidence_service.size_label,
        can_delete=editable,
    ), status


@bp.route("/scoring/<int:round_id>/units/<int:unit_id>/self")
def self_view(round_id: int, unit_id: int):
    round_ = _round_or_404(round_id)
    return _render_self(round_, _unit_of(round_, unit_id))


def _own_unit(round_: ScoringRound, unit_id: int) -> Unit:
    unit = _unit_of(round_, unit_id)
    if unit_id not in _user().unit_ids():
        abort(403)
    return unit


@bp.route("/scoring/<int:round_id>/units/<int:unit_id>/self", methods=["POST"])
def self_save(round_id: int, unit_id: int):
    """Without JavaScript: save every changed field (each cell on its own, so one bad value does
    not lose the others), keep what was typed, and submit when asked."""
    round_ = _round_or_404(round_id)
    unit = _own_unit(round_, unit_id)
    user = _user()
    if not can_edit_self(user, round_, unit.id):
        message = (
            _("Đơn vị đã nộp điểm tự chấm; không sửa được nữa.")
            if round_.state == RoundState.SELF_SCORING
            else _("Đợt chấm điểm không mở tự chấm.")
        )
        return _render_self(round_, unit, top_errors=[message], status=409)
    rows, _general = sheet(round_, unit.id)
    typed, errors, versions, saved = {}, {}, {}, 0
    for row in rows:
        if not row.scorable:
            continue
        cid = row.criterion.id
        raw = request.form.get(f"value-{cid}")
        if raw is None:
            continue
        raw = raw.strip()
        note = (request.form.get(f"note-{cid}") or "").strip()
        typed[cid] = (raw, note)
        if (
            same_value(raw, request.form.get(f"orig-{cid}", ""))
            and note == (request.form.get(f"orignote-{cid}") or "").strip()
        ):
            continue  # untouched: someone else's later save of this cell is not a conflict
        if len(note) > NOTE_MAX:
            errors[cid] = _("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX)
            continue
        version = request.form.get(f"version-{cid}", type=int)
        try:
            save_self_score(
                user, round_, unit.id, cid, checked_score(raw), note=note, version=version
            )
            db.session.commit()
            saved += 1
        except ScoreConflict as exc:
            db.session.rollback()
            errors[cid] = exc.message
            versions[cid] = exc.current_version
        except ServiceError as exc:
            db.session.rollback()
            errors[cid] = exc.message
        round_ = db.session.get(ScoringRound, round_id)
    if errors:
        conflict = any(cid in versions for cid in errors)
        return _render_self(
            round_,
            unit,
            typed=typed,
            errors=errors,
            versions=versions,
            status=409 if conflict else 422,
            top_errors=[
                _("Chưa lưu được %(n)s ô; xem thông báo cạnh từng ô bên dưới.", n=len(errors))
            ],
        )
    if request.form.get("action") == "submit":
        try:
            submit_self_scores(user, round_, unit.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            round_ = db.session.get(ScoringRound, round_id)
            missing = [c.id for c in missing_self(round_, unit.id)]
            return _render_self(
                round_, unit, top_errors=[exc.message], missing=missing, status=exc.status
            )
        flash(_("Đã nộp điểm tự chấm của %(unit)s.", unit=unit.name), "success")
        return redirect(url_for("scoring.self_view", round_id=round_id, unit_id=unit.id))
    flash(
        _("Đã lưu %(n)s ô điểm.", n=saved) if saved else _("Không có thay đổi nào để lưu."),
        "success" if saved else "info",
    )
    return redirect(url_for("scoring.self_view", round_id=round_id, unit_id=unit.id))


def _json_error(status: int, message: str, fields=None, current=None):
    code = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(status, "validation_error")
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if current is not None:
        body["current"] = current
    return jsonify(body), status


@bp.route("/scoring/<int:round_id>/units/<int:unit_id>/self/cell", methods=["POST"])
def self_autosave(round_id: int, unit_id: int):
    """Drafts save as they go: the page's script sends one changed cell (CSRF token in the
    X-CSRFToken header) with the version it saw; the answer is the new version or the reason."""
    round_ = _round_or_404(round_id)
    unit = _own_unit(round_, unit_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _json_error(400, _("Nội dung yêu cầu phải là một đối tượng JSON."))
    cid, version, note = data.get("criterion_id"), data.get("version"), data.get("note", "")
    bad = {}
    if not isinstance(cid, int) or isinstance(cid, bool) or not 0 < cid < 2**63:
        bad["criterion_id"] = [_("Cần mã số tiêu chí.")]
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or not 0 < version < 2**31
    ):
        bad["version"] = [_("Phiên bản không hợp lệ.")]
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        bad["note"] = [_("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX)]
    value = data.get("value")
    if value is not None and not isinstance(value, str | int | float) or isinstance(value, bool):
        bad["value"] = [_("Điểm phải là một số.")]
    if bad:
        return _json_error(422, _("Dữ liệu chưa hợp lệ."), bad)
    try:
        cell = save_self_score(
            _user(), round_, unit.id, cid, checked_score(value), note=note, version=version
        )
        db.session.commit()
    except ScoreConflict as exc:
        db.session.rollback()
        current = {
            "value": input_value(exc.current_value),
            "display": points(exc.current_value),
            "version": exc.current_version,
        }
        return _json_error(409, exc.message, exc.fields, current)
    except ServiceError as exc:
        db.session.rollback()
        status = exc.status if exc.status in (403, 404, 409) else 422
        return _json_error(status, exc.message, exc.fields)
    return jsonify(
        criterion_id=cid,
        value=input_value(cell.value),
        display=points(cell.value),
        note=cell.note,
        version=cell.version,
        message=_("Đã lưu"),
    )


# -- evidence -----------------------------------------------------------------------------------


def _storage_failure(exc: evidence_service.StorageError):
    db.session.rollback()
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


@bp.route("/scoring/<int:round_id>/units/<int:unit_id>/evidence", methods=["POST"])
def evidence_upload(round_id: int, unit_id: int):
    round_ = _round_or_404(round_id)
    unit = _own_unit(round_, unit_id)
    raw_criterion = request.form.get("criterion_id", "").strip()
    criterion_id = (
        int(raw_criterion) if raw_criterion.isdigit() and len(raw_criterion) < 18 else None
    )
    anchor = f"c-{criterion_id}" if criterion_id else "evidence"
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ServiceError(_("Hãy chọn tệp để tải lên."), "file")
        data = evidence_service.read_limited(upload.stream, evidence_service.max_bytes())
        evidence = evidence_service.add_evidence(
            _user(), round_, unit.id, criterion_id, upload.filename, data
        )
    except ServiceError as exc:
        db.session.rollback()
        round_ = db.session.get(ScoringRound, round_id)
        return _render_self(
            round_, unit, upload_errors={criterion_id: exc.message}, status=exc.status
        )
    except evidence_service.StorageError as exc:
        return _storage_failure(exc)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence_service.discard(evidence)
        raise
    flash(_("Đã tải lên “%(name)s”.", name=evidence.file_name), "success")
    return redirect(
        url_for("scoring.self_view", round_id=round_id, unit_id=unit.id, _anchor=anchor)
    )


def _evidence_or_404(evidence_id: int) -> Evidence:
    evidence = db.get_or_404(Evidence, evidence_id)
    round_ = db.session.get(ScoringRound, evidence.round_id)
    if not can_view_round(_user(), round_) or not can_view_unit_scores(
        _user(), round_, evidence.unit_id
    ):
        abort(404)  # a file's existence is not confirmed to those who may not read it
    return evidence


@bp.route("/scoring/evidence/<int:evidence_id>")
def evidence_download(evidence_id: int):
    evidence = _evidence_or_404(evidence_id)
    try:
        return evidence_service.download(evidence)
    except ServiceError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    except evidence_service.StorageError as exc:
        return _storage_failure(exc)


@bp.route("/scoring/evidence/<int:evidence_id>/delete", methods=["POST"])
def evidence_delete(evidence_id: int):
    evidence = _evidence_or_404(evidence_id)
    round_id, unit_id, criterion_id, name = (
        evidence.round_id,
        evidence.unit_id,
        evidence.criterion_id,
        evidence.file_name,
    )
    try:
        evidence_service.delete_evidence(_user(), evidence)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message, "danger")
        return redirect(url_for("scoring.self_view", round_id=round_id, unit_id=unit_id))
    evidence_service.discard(evidence)
    flash(_("Đã xóa “%(name)s”.", name=name), "success")
    anchor = f"c-{criterion_id}" if criterion_id else "evidence"
    return redirect(
        url_for("scoring.self_view", round_id=round_id, unit_id=unit_id, _anchor=anchor)
    )
