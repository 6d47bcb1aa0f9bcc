"""Nominations, dossiers, and the province office's inbox and review.

Writes check the request first (what is asked, and whether it makes sense), then whether this
user may do it; refusals are flashed and nothing is kept.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.access import can_manage_province, can_view_province, provinces_visible_to
from portal.catalogue import award_categories_for, award_types_for
from portal.document_pages.common import pdf_response
from portal.dossier_pages import bp
from portal.dossier_pages.forms import DecideForm, ReturnForm
from portal.extensions import db
from portal.models import (
    Ballot,
    Block,
    Document,
    Dossier,
    DossierItem,
    Nomination,
    Province,
    Unit,
    User,
)
from portal.models.awards import DossierState
from portal.services import ServiceError
from portal.services import dossiers as svc
from portal.services import evidence as files
from portal.services import nominations as nom

S = DossierState


def _user():
    return current_user._get_current_object()


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _year() -> int:
    """``?year=``, else the latest year of the blocks this user sees, else last year."""
    year = _int(request.args.get("year"))
    if year and 2000 <= year <= 2100:
        return year
    from portal.access import blocks_visible_to

    latest = db.session.scalar(blocks_visible_to(_user(), select(func.max(Block.year))))
    return latest or svc.today().year - 1


def _flash_error(exc: ServiceError) -> None:
    db.session.rollback()
    if isinstance(exc, svc.Incomplete):
        flash(
            _("Chưa nộp được hồ sơ. Còn thiếu hoặc chưa đạt:") + " " + "; ".join(exc.problems),
            "danger",
        )
    else:
        flash(exc.message, "danger")


def _dossier_or_404(dossier_id: int) -> Dossier:
    d = db.get_or_404(Dossier, dossier_id)
    if not svc.can_view_dossier(_user(), d):
        abort(404)  # do not confirm that another province's dossier exists
    return d


def _back(d: Dossier, anchor: str = ""):
    return redirect(url_for("dossiers.view", dossier_id=d.id) + (f"#{anchor}" if anchor else ""))


def _run(d: Dossier, fn, done: str, anchor: str = ""):
    try:
        fn()
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        flash(done, "success")
    return _back(d, anchor)


def _user_provinces() -> list[Province]:
    return list(db.session.scalars(provinces_visible_to(_user())))


def _panel(province: Province, year: int) -> dict:
    return {
        "province": province,
        "year": year,
        "rows": svc.deadlines(province, year),
        "today": svc.today(),
    }


# -- the user's dossiers -----------------------------------------------------------------------


@bp.route("/dossiers")
def index():
    user = _user()
    year = _year()
    dossiers = db.session.scalars(
        svc.dossiers_visible_to(user, select(Dossier))
        .where(Dossier.year == year)
        .order_by(Dossier.id.desc())
    ).all()
    provinces = _user_provinces()
    led = nom.led_blocks(user, None, year)
    block_offers = [(b, len(svc.free_nominations(block=b))) for b in led]
    units = [db.session.get(Unit, uid) for uid in sorted(user.unit_ids())]
    unit_offers = [
        (u, len(svc.free_nominations(unit=u, year=year))) for u in units if u is not None
    ]
    inbox = [
        p
        for p in provinces
        if can_view_province(user, p.id) and (user.is_admin or p.id in user.province_ids())
    ]
    return render_template(
        "dossiers/index.html",
        year=year,
        dossiers=dossiers,
        block_offers=block_offers,
        unit_offers=unit_offers,
        panels=[_panel(p, year) for p in provinces[:3]],
        inbox=inbox,
        state_label=svc.state_label,
    )


@bp.route("/dossiers/new", methods=["POST"])
def create():
    user = _user()
    block_id, unit_id = _int(request.form.get("block_id")), _int(request.form.get("unit_id"))
    year = _int(request.form.get("year"))
    if not block_id and not unit_id:
        flash(_("Cần chọn khối (hồ sơ khối) hoặc đơn vị (hồ sơ đơn vị)."), "danger")
        return redirect(url_for("dossiers.index"))
    block = db.session.get(Block, block_id) if block_id else None
    unit = db.session.get(Unit, unit_id) if unit_id and not block_id else None
    if (block_id and block is None) or (unit_id and not block_id and unit is None):
        abort(404)
    try:
        d = svc.create_dossier(user, block=block, unit=unit, year=year)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
        return redirect(url_for("dossiers.index", year=year or (block.year if block else None)))
    flash(
        _("Đã lập hồ sơ. Hãy tạo các văn bản, tải tài liệu lên, xem các lưu ý rồi nộp hồ sơ."),
        "success",
    )
    return _back(d)


# -- one dossier ---------------------------------------------------------------------------------


@bp.route("/dossiers/<int:dossier_id>")
def view(dossier_id: int):
    return _dossier_page(_dossier_or_404(dossier_id))


def _dossier_page(d: Dossier, decide_form: DecideForm | None = None):
    """The dossier page; ``decide_form`` is a refused decision, shown again with what was typed."""
    user = _user()
    entries = svc.checklist(d)
    rows = svc.findings(d)
    province = db.session.get(Province, d.province_id)
    manager = svc.can_manage_dossier(user, d)
    editable = manager and d.state in svc.EDITABLE
    free = []
    if editable:
        free = (
            svc.free_nominations(block=d.block)
            if d.block
            else svc.free_nominations(unit=d.unit, year=d.year)
        )
    deadline = svc.dossier_deadline(province, d.year)
    return render_template(
        "dossiers/view.html",
        d=d,
        province=province,
        entries=entries,
        others=svc.other_items(d, entries),
        rows=rows,
        problems=svc.problems(d, entries, rows) if d.state in svc.EDITABLE else [],
        manager=manager,
        editable=editable,
        reviewer=svc.can_review(user, d),
        free=free,
        panel=_panel(province, d.year),
        deadline=deadline,
        achievements=svc.previous_achievements(d),
        signer=svc.previous_signer(d, user),
        award_name=lambda code: svc.award_name(province, code),
        categories=award_categories_for(province),
        state_label=svc.state_label,
        event_label=svc.event_label,
        local=svc.local,
        size_label=files.size_label,
        return_form=ReturnForm(),
        max_bytes=files.max_bytes(),
        ack_users={
            u.id: u.full_name
            for u in db.session.scalars(
                select(User).where(
                    User.id.in_(
                        [r.acknowledgement.acknowledged_by_id for r in rows if r.acknowledgement]
                        or [-1]
                    )
                )
            )
        },
        decide_form=decide_form or DecideForm(),
        has_minutes=d.block_id is not None
        and db.session.scalar(
            select(Document.id)
            .where(Document.block_id == d.block_id, Document.layout_code == "block_minutes")
            .limit(1)
        )
        is not None,
    )


@bp.route("/dossiers/<int:dossier_id>/generate", methods=["POST"])
def generate(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    code = (request.form.get("requirement_code") or "").strip()
    if not code:
        flash(_("Cần chọn văn bản cần tạo."), "danger")
        return _back(d, "checklist")
    options = {k: request.form.get(k) for k in (*svc.MINUTES_FIELDS, "signer_title", "signer_name")}
    options["achievements"] = {
        key.split("_", 1)[1]: value
        for key, value in request.form.items()
        if key.startswith("achievements_")
    }
    return _run(
        d, lambda: svc.generate(_user(), d, code, **options), _("Đã tạo văn bản."), "checklist"
    )


@bp.route("/dossiers/<int:dossier_id>/upload", methods=["POST"])
def upload(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    key = (request.form.get("key") or "").strip()
    upload = request.files.get("file")
    if not key or upload is None or not upload.filename:
        flash(_("Hãy chọn tệp cần tải lên."), "danger")
        return _back(d, "checklist")
    code, _sep, nomination = key.partition(":")
    data = files.read_limited(upload.stream, files.max_bytes())
    try:
        item = svc.upload(_user(), d, code, _int(nomination), upload.filename, data)
    except ServiceError as exc:
        _flash_error(exc)
        return _back(d, "checklist")
    except files.StorageError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(d, "checklist")
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        svc.discard(item)
        raise
    flash(_("Đã tải lên %(name)s.", name=item.file_name), "success")
    return _back(d, "checklist")


def _item_or_404(d: Dossier, item_id: int) -> DossierItem:
    item = db.session.get(DossierItem, item_id)
    if item is None or item.dossier_id != d.id:
        abort(404)
    return item


@bp.route("/dossiers/<int:dossier_id>/items/<int:item_id>")
def item(dossier_id: int, item_id: int):
    d = _dossier_or_404(dossier_id)
    it = _item_or_404(d, item_id)
    if it.document is not None:
        return pdf_response(
            it.document.pdf, svc.item_name(it), inline=request.args.get("inline") == "1"
        )
    try:
        return files.download(it)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return _back(d, "checklist")
    except files.StorageError as exc:
        flash(exc.message, "danger")
        return _back(d, "checklist")


@bp.route("/dossiers/<int:dossier_id>/items/<int:item_id>/delete", methods=["POST"])
def item_delete(dossier_id: int, item_id: int):
    d = _dossier_or_404(dossier_id)
    it = _item_or_404(d, item_id)
    try:
        svc.delete_item(_user(), d, it)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        svc.discard(it)
        flash(_("Đã xóa tài liệu."), "success")
    return _back(d, "checklist")


@bp.route("/dossiers/<int:dossier_id>/acknowledge", methods=["POST"])
def acknowledge(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    nomination_id = _int(request.form.get("nomination_id"))
    code = (request.form.get("finding_code") or "").strip()
    if not nomination_id or not code:
        flash(_("Không có cảnh báo này trong hồ sơ."), "danger")
        return _back(d, "findings")
    return _run(
        d,
        lambda: svc.acknowledge(_user(), d, nomination_id, code),
        _("Đã ghi nhận xác nhận cảnh báo."),
        "findings",
    )


@bp.route("/dossiers/<int:dossier_id>/nominations", methods=["POST"])
def add_nominations(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    return _run(
        d, lambda: svc.add_free_nominations(_user(), d), _("Đã thêm các đề nghị mới vào hồ sơ.")
    )


@bp.route("/dossiers/<int:dossier_id>/nominations/<int:nomination_id>/remove", methods=["POST"])
def remove_nomination(dossier_id: int, nomination_id: int):
    d = _dossier_or_404(dossier_id)
    n = db.session.get(Nomination, nomination_id)
    if n is None or n.dossier_id != d.id:
        abort(404)
    try:
        removed = svc.remove_nomination(_user(), d, n)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        for item in removed:
            svc.discard(item)
        flash(_("Đã bỏ %(who)s khỏi hồ sơ; đề nghị vẫn được giữ.", who=n.nominee_name), "success")
    return _back(d, "nominations")


@bp.route("/dossiers/<int:dossier_id>/submit", methods=["POST"])
def submit(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    resubmit = d.state == S.RETURNED
    return _run(
        d,
        lambda: svc.submit(_user(), d),
        _("Đã nộp lại hồ sơ.") if resubmit else _("Đã nộp hồ sơ."),
    )


@bp.route("/dossiers/<int:dossier_id>/return", methods=["POST"])
def return_(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Cần ghi lý do trả lại hồ sơ."), "danger")
        return _back(d, "review")
    return _run(
        d,
        lambda: svc.return_dossier(_user(), d, form.reason.data),
        _("Đã trả lại hồ sơ."),
        "history",
    )


@bp.route("/dossiers/<int:dossier_id>/decide", methods=["POST"])
def decide(dossier_id: int):
    d = _dossier_or_404(dossier_id)
    form = DecideForm()
    if not form.validate_on_submit():
        # Said next to each field, with what was typed kept (not a flash after a redirect).
        return _dossier_page(d, decide_form=form), 422
    return _run(
        d,
        lambda: svc.decide(
            _user(),
            d,
            number=form.decision_number.data,
            date=form.decision_date.data,
            signer=form.decision_signer.data,
            category=form.category.data or None,
        ),
        _("Đã ghi quyết định khen thưởng; các bản ghi khen thưởng đã được tạo."),
        "history",
    )


# -- the province office ------------------------------------------------------------------------


def _province_or_404(province_id: int) -> Province:
    province = db.get_or_404(Province, province_id)
    user = _user()
    if not (user.is_admin or province.id in user.province_ids()):
        abort(403)
    return province


@bp.route("/provinces/<int:province_id>/dossiers")
def inbox(province_id: int):
    province = _province_or_404(province_id)
    year = _year()
    state = request.args.get("state") or ""
    stmt = select(Dossier).where(Dossier.province_id == province.id, Dossier.year == year)
    counts = dict(
        db.session.execute(
            select(Dossier.state, func.count())
            .where(Dossier.province_id == province.id, Dossier.year == year)
            .group_by(Dossier.state)
        ).all()
    )
    if state in {s.value for s in S}:
        stmt = stmt.where(Dossier.state == S(state))
    dossiers = db.session.scalars(
        stmt.order_by(Dossier.submitted_at.is_(None), Dossier.submitted_at, Dossier.id)
    ).all()
    nominations = dict(
        db.session.execute(
            select(Nomination.dossier_id, func.count())
            .where(Nomination.dossier_id.in_([d.id for d in dossiers] or [-1]))
            .group_by(Nomination.dossier_id)
        ).all()
    )
    return render_template(
        "dossiers/inbox.html",
        province=province,
        year=year,
        state=state,
        states=list(S),
        counts={S(k) if not isinstance(k, S) else k: v for k, v in counts.items()},
        dossiers=dossiers,
        nominations=nominations,
        panel=_panel(province, year),
        deadline=svc.dossier_deadline(province, year),
        manager=can_manage_province(_user(), province.id),
        state_label=svc.state_label,
        local=svc.local,
    )


@bp.route("/provinces/<int:province_id>/dossiers/late", methods=["POST"])
def late_setting(province_id: int):
    province = _province_or_404(province_id)
    allow = request.form.get("allow")
    if allow not in ("0", "1"):
        flash(_("Dữ liệu chưa hợp lệ."), "danger")
        return redirect(url_for("dossiers.inbox", province_id=province.id))
    try:
        svc.set_allow_late(_user(), province, allow == "1")
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        flash(
            _("Đã cho phép nộp muộn.")
            if allow == "1"
            else _("Đã tắt nộp muộn: hồ sơ nộp sau hạn sẽ bị từ chối."),
            "success",
        )
    return redirect(
        url_for("dossiers.inbox", province_id=province.id, year=request.form.get("year") or None)
    )


# -- nominations ----------------------------------------------------------------------------------


@bp.route("/nominations")
def nominations():
    user = _user()
    year = _year()
    rows = db.session.scalars(
        nom.nominations_visible_to(user)
        .where(Nomination.year == year)
        .order_by(Nomination.block_id, Nomination.id)
    ).all()
    ballots = nom.published_ballots_for(user, None, year)
    names = {}
    for n in rows:
        province = db.session.get(Province, n.province_id)
        names[n.id] = svc.award_name(province, n.award_code)
    return render_template(
        "dossiers/nominations.html",
        year=year,
        rows=rows,
        names=names,
        ballots=[(b, nom.has_nominations(b)) for b in ballots],
        can_manage=lambda n: nom.can_manage_nomination(user, n),
        can_create=bool(user.unit_ids() or user.is_admin or user.province_ids("province_officer")),
        state_label=svc.state_label,
    )


def _form_provinces(user) -> list[Province]:
    if user.is_admin:
        return list(
            db.session.scalars(
                select(Province).where(Province.is_active.is_(True)).order_by(Province.sort_key)
            )
        )
    ids = set(user.province_ids("province_officer")) | {
        u.province_id for u in (db.session.get(Unit, i) for i in user.unit_ids()) if u
    }
    return list(
        db.session.scalars(
            select(Province).where(Province.id.in_(ids or {-1})).order_by(Province.sort_key)
        )
    )


@bp.route("/nominations/new", methods=["GET", "POST"])
def nomination_new():
    user = _user()
    provinces = _form_provinces(user)
    chosen = _int(request.values.get("province_id"))
    province = next((p for p in provinces if p.id == chosen), provinces[0] if provinces else None)
    year = _int(request.values.get("year")) or _year()
    errors: dict[str, str] = {}
    values = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST" and province is not None and request.form.get("award_code"):
        try:
            n = nom.create_nomination(
                user,
                province,
                year=year,
                award_code=request.form.get("award_code", ""),
                recipient=request.form.get("recipient", ""),
                unit_id=_int(request.form.get("unit_id")),
                person_name=request.form.get("person_name"),
                person_group=request.form.get("person_group") or None,
                position=request.form.get("position", ""),
                block_id=_int(request.form.get("block_id")),
                hold_reason=request.form.get("hold_reason"),
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            errors[exc.field or "award_code"] = exc.message
            flash(exc.message, "danger")
        else:
            flash(_("Đã lập đề nghị cho %(who)s.", who=n.nominee_name), "success")
            return redirect(url_for("dossiers.nominations", year=year))
    elif request.method == "POST":
        errors["award_code"] = _("Cần chọn danh hiệu hoặc hình thức khen thưởng.")
    units = nom.nominable_units(user, province, year) if province else []
    if province is None or not units:
        return render_template(
            "dossiers/nomination_new.html",
            province=None,
            provinces=provinces,
            year=year,
            units=[],
            awards=[],
            blocks=[],
            values=values,
            errors=errors,
        ), 200
    awards = [a for a in award_types_for(province).values() if a.level != "grassroots"]
    blocks = (
        nom.led_blocks(user, province, year)
        if not can_manage_province(user, province.id)
        else list(
            db.session.scalars(
                select(Block)
                .where(Block.province_id == province.id, Block.year == year)
                .order_by(Block.sort_key)
            )
        )
    )
    return render_template(
        "dossiers/nomination_new.html",
        province=province,
        provinces=provinces,
        year=year,
        units=units,
        awards=awards,
        blocks=blocks,
        values=values,
        errors=errors,
        preselect_block=next((b.id for b in nom.led_blocks(user, province, year)), None),
    )


@bp.route("/ballots/<int:ballot_id>/nominations", methods=["POST"])
def from_ballot(ballot_id: int):
    ballot = db.get_or_404(Ballot, ballot_id)
    from portal.access import can_view_block

    if not can_view_block(_user(), ballot.block):
        abort(404)
    try:
        made = nom.from_ballot(_user(), ballot)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        flash(_("Đã lập %(n)s đề nghị từ kết quả bỏ phiếu.", n=len(made)), "success")
    return redirect(url_for("dossiers.nominations", year=ballot.block.year))


def _nomination_or_404(nomination_id: int) -> Nomination:
    n = db.get_or_404(Nomination, nomination_id)
    if not nom.can_view_nomination(_user(), n):
        abort(404)
    return n


@bp.route("/nominations/<int:nomination_id>/hold", methods=["POST"])
def nomination_hold(nomination_id: int):
    n = _nomination_or_404(nomination_id)
    action = request.form.get("action")
    back = request.form.get("next") == "dossier" and n.dossier_id
    target = (
        url_for("dossiers.view", dossier_id=n.dossier_id) + "#findings"
        if back
        else url_for("dossiers.nominations", year=n.year)
    )
    if action not in ("set", "clear"):
        flash(_("Dữ liệu chưa hợp lệ."), "danger")
        return redirect(target)
    reason = request.form.get("reason", "") if action == "set" else ""
    if action == "set" and not reason.strip():
        flash(
            _("Cần ghi lý do (đang xem xét kỷ luật, điều tra, thanh tra, khiếu nại, tố cáo…)."),
            "danger",
        )
        return redirect(target)
    try:
        nom.set_hold(_user(), n, reason)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        flash(
            _("Đã ghi lý do tạm dừng xét khen thưởng.") if reason else _("Đã bỏ tạm dừng."),
            "success",
        )
    return redirect(target)


@bp.route("/nominations/<int:nomination_id>/delete", methods=["POST"])
def nomination_delete(nomination_id: int):
    n = _nomination_or_404(nomination_id)
    year = n.year
    try:
        nom.delete_nomination(_user(), n)
        db.session.commit()
    except ServiceError as exc:
        _flash_error(exc)
    else:
        flash(_("Đã xóa đề nghị."), "success")
    return redirect(url_for("dossiers.nominations", year=year))
