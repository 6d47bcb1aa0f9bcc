"""The block's ballots and the leader's management page: settings and candidates (draft only),
attendance, the tally committee, voting-code slips, ballot papers, the lifecycle, paper counts,
results, exports and the block minutes."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.ballot_pages import bp
from portal.ballot_pages import common as c
from portal.ballot_pages.forms import (
    ActionForm,
    BallotForm,
    CancelForm,
    CountForm,
    MinutesForm,
    PublishForm,
)
from portal.catalogue import report_layouts_for
from portal.choices import options
from portal.document_pages.common import pdf_response
from portal.documents import render_pdf
from portal.extensions import db
from portal.logic.tally import basis_words, rule_text
from portal.models import Ballot, BallotMode, BallotState, Block, PaperCount
from portal.services import ServiceError
from portal.services import ballots as svc

S = BallotState


def _user():
    return current_user._get_current_object()


def _block_or_404(block_id: int) -> Block:
    block = db.get_or_404(Block, block_id)
    if not c.can_view_block(_user(), block):
        abort(404)  # do not confirm that another block exists
    return block


def _ballot_or_404(ballot_id: int) -> Ballot:
    ballot = db.get_or_404(Ballot, ballot_id)
    if not c.can_view_ballot(_user(), ballot):
        abort(404)
    return ballot


def _leader_ballot(ballot_id: int) -> Ballot:
    ballot = _ballot_or_404(ballot_id)
    if not c.is_leader(_user(), ballot):
        abort(403)
    return ballot


def _back(ballot: Ballot, anchor: str = ""):
    return redirect(url_for("ballots.view", ballot_id=ballot.id) + (f"#{anchor}" if anchor else ""))


def _run(ballot: Ballot, fn, done: str, anchor: str = ""):
    """Do ``fn``, commit, say ``done``; a refusal is flashed and nothing is kept."""
    try:
        fn()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(done, "success")
    return _back(ballot, anchor)


def _candidate_ids(block: Block) -> list[int] | None:
    """Candidates from the order inputs ``pos_<unit id>``: numbered units, by number (then name);
    None when the form carried no candidate list."""
    members = {u.id: u for u in block.members}
    picked = []
    seen = False
    for uid, unit in members.items():
        raw = request.form.get(f"pos_{uid}")
        if raw is None:
            continue
        seen = True
        raw = raw.strip()
        if raw:
            try:
                pos = int(raw)
            except ValueError:
                raise ServiceError(_("Thứ tự ứng viên phải là số."), "candidate_unit_ids") from None
            picked.append((pos, unit.sort_key or unit.name, uid))
    if not seen:
        return None
    return [uid for _pos, _key, uid in sorted(picked)]


def _ballot_form(block: Block, ballot: Ballot | None = None) -> BallotForm:
    """The create form; for an existing ballot the settings form, without the award (the rule
    was copied for it when the ballot was created)."""
    form = BallotForm(obj=ballot) if ballot is not None else BallotForm()
    if ballot is not None:
        del form.award_code
    else:
        form.award_code.choices = options(
            (a.code, a.name) for a in c.collective_awards(block.province)
        )
    if ballot is not None and request.method == "GET":
        form.method.data, form.mode.data = ballot.method.value, ballot.mode.value
    return form


# -- the block's ballots -----------------------------------------------------------------------


@bp.route("/blocks/<int:block_id>/ballots")
def index(block_id: int):
    block = _block_or_404(block_id)
    ballots = db.session.scalars(
        select(Ballot)
        .where(Ballot.block_id == block.id)
        .order_by(Ballot.created_at.desc(), Ballot.id.desc())
    ).all()
    leader = c.is_block_leader(_user(), block)
    form = _ballot_form(block) if leader else None
    if form is not None and "co_thi_dua_tinh" in {
        a.code for a in c.collective_awards(block.province)
    }:
        form.award_code.data = form.award_code.data or "co_thi_dua_tinh"
    defaults = {u.id: i for i, u in enumerate(svc.default_candidates(block), 1)} if leader else {}
    return render_template(
        "ballots/index.html",
        block=block,
        ballots=ballots,
        leader=leader,
        form=form,
        defaults=defaults,
        members=sorted(
            block.members, key=lambda u: (defaults.get(u.id, 10**6), u.sort_key or u.name)
        ),
        state_label=c.state_label,
        has_published=any(b.state == S.PUBLISHED for b in ballots),
    )


@bp.route("/blocks/<int:block_id>/ballots", methods=["POST"])
def create(block_id: int):
    block = _block_or_404(block_id)
    if not c.is_block_leader(_user(), block):
        abort(403)
    form = _ballot_form(block)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "danger")
        return redirect(url_for("ballots.index", block_id=block.id))
    try:
        ballot = svc.create_ballot(
            _user(),
            block,
            award_code=form.award_code.data,
            title=form.title.data or None,
            seats=form.seats.data,
            method=form.method.data,
            mode=form.mode.data,
            candidate_unit_ids=_candidate_ids(block),
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("ballots.index", block_id=block.id))
    flash(_("Đã tạo cuộc bỏ phiếu. Hãy điểm danh, chọn Ban kiểm phiếu rồi mở bỏ phiếu."), "success")
    return _back(ballot)


# -- one ballot ----------------------------------------------------------------------------------


@bp.route("/ballots/<int:ballot_id>")
def view(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    user = _user()
    leader = c.is_leader(user, ballot)
    voted = c.voted_unit_ids(ballot)
    progress = c.progress_json(ballot)
    candidates_pos = {cand.unit_id: cand.position + 1 for cand in ballot.candidates}
    committee = c.committee_of(ballot)
    roles = {m.user_id: m.role for m in committee}
    status = None
    if ballot.mode == BallotMode.PAPER and ballot.state == S.CLOSED:
        _entry, status = svc.paper_count_status(ballot)
    return render_template(
        "ballots/view.html",
        ballot=ballot,
        leader=leader,
        voted=voted,
        progress=progress,
        state_label=c.state_label,
        method_label=c.method_label,
        mode_label=c.mode_label,
        rule=rule_text(
            svc.rules_of(ballot),
            ballot.seats,
            len(ballot.roll) if ballot.rule_basis == "members" else None,
        ),
        form=_ballot_form(ballot.block, ballot) if leader else None,
        action=ActionForm(),
        cancel_form=CancelForm(),
        publish_form=PublishForm(
            venue=ballot.block.leader_unit.name if ballot.block.leader_unit else ""
        ),
        members=sorted(
            ballot.block.members,
            key=lambda u: (candidates_pos.get(u.id, 10**6), u.sort_key or u.name),
        ),
        candidates_pos=candidates_pos,
        roll=sorted(ballot.roll, key=lambda v: v.unit.sort_key or v.unit.name),
        committee=committee,
        roles=roles,
        committee_candidates=c.committee_candidates(ballot) if leader else [],
        count_status=status,
        is_counter=c.is_counter(user, ballot),
        runoff=db.session.scalar(
            select(Ballot).where(Ballot.runoff_of_id == ballot.id, Ballot.state != S.CANCELLED)
        ),
        tie_note=c.tie_note(ballot.result) if ballot.result else None,
    )


@bp.route("/ballots/<int:ballot_id>/settings", methods=["POST"])
def settings(ballot_id: int):
    ballot = _leader_ballot(ballot_id)
    form = _ballot_form(ballot.block, ballot)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "danger")
        return _back(ballot, "settings")

    def apply():
        svc.update_ballot(
            _user(),
            ballot,
            title=form.title.data or None,
            seats=form.seats.data,
            method=form.method.data,
            mode=form.mode.data,
            candidate_unit_ids=_candidate_ids(ballot.block),
        )

    return _run(ballot, apply, _("Đã lưu thiết lập và danh sách ứng viên."), "settings")


@bp.route("/ballots/<int:ballot_id>/attendance", methods=["POST"])
def attendance(ballot_id: int):
    ballot = _leader_ballot(ballot_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    present = {int(x) for x in request.form.getlist("present") if x.isdigit() and len(x) < 19}

    def apply():
        if ballot.state != S.DRAFT:
            raise ServiceError(_("Điểm danh đã bị khóa khi mở bỏ phiếu."), "state", 409)
        for v in ballot.roll:
            if v.present != (v.unit_id in present):
                svc.set_present(_user(), ballot, v.unit_id, v.unit_id in present)

    return _run(
        ballot,
        apply,
        _(
            "Đã lưu điểm danh: %(n)s đơn vị có mặt.",
            n=len(present & {v.unit_id for v in ballot.roll}),
        ),
        "attendance",
    )


@bp.route("/ballots/<int:ballot_id>/committee", methods=["POST"])
def committee(ballot_id: int):
    ballot = _leader_ballot(ballot_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    members = []
    for user, _unit in c.committee_candidates(ballot):
        role = request.form.get(f"role_{user.id}", "")
        if role:
            members.append((user.id, role))
    return _run(
        ballot,
        lambda: c.set_committee(_user(), ballot, members),
        _("Đã lưu Ban kiểm phiếu."),
        "committee",
    )


@bp.route("/ballots/<int:ballot_id>/lifecycle", methods=["POST"])
def lifecycle(ballot_id: int):
    ballot = _leader_ballot(ballot_id)
    action = request.form.get("action", "")
    user = _user()
    if action == "open" and ActionForm().validate_on_submit():
        return _run(
            ballot,
            lambda: svc.open_ballot(user, ballot),
            _("Đã mở bỏ phiếu. Thiết lập và điểm danh đã được khóa."),
        )
    if action == "close" and ActionForm().validate_on_submit():
        return _run(ballot, lambda: svc.close_ballot(user, ballot), _("Đã kết thúc bỏ phiếu."))
    if action == "publish":
        form = PublishForm()
        if not form.validate_on_submit():
            flash(_("Cần ghi địa điểm kiểm phiếu (in trên biên bản)."), "danger")
            return _back(ballot, "lifecycle")
        return _run(
            ballot,
            lambda: c.publish_with_record(user, ballot, form.venue.data),
            _("Đã công bố kết quả và lập biên bản kiểm phiếu."),
        )
    if action == "cancel":
        form = CancelForm()
        if not form.validate_on_submit():
            flash(_("Cần ghi lý do hủy."), "danger")
            return _back(ballot, "lifecycle")
        return _run(
            ballot, lambda: svc.cancel(user, ballot, form.reason.data), _("Đã hủy cuộc bỏ phiếu.")
        )
    if action == "runoff" and ActionForm().validate_on_submit():
        try:
            runoff = svc.create_runoff(user, ballot)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return _back(ballot)
        flash(
            _("Đã tạo cuộc bầu lại giữa các đơn vị bằng phiếu. Hãy điểm danh rồi mở bỏ phiếu."),
            "success",
        )
        return _back(runoff)
    abort(400)


@bp.route("/ballots/<int:ballot_id>/slips", methods=["POST"])
def slips(ballot_id: int):
    """Issue voting codes and show them once, as printable slips (text and QR code)."""
    ballot = _leader_ballot(ballot_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    unit_id = request.form.get("unit_id", "")
    units = [int(unit_id)] if unit_id.isdigit() and len(unit_id) < 19 else None
    try:
        issued = c.issue_codes(_user(), ballot, units)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(ballot, "codes")
    if not issued:
        flash(
            _("Mọi đơn vị có mặt đều đã có mã. Dùng “Cấp lại mã” cho đơn vị làm mất phiếu mã."),
            "info",
        )
        return _back(ballot, "codes")
    from portal.ballot_pages.voting import qr_svg, vote_url

    url = vote_url(ballot)
    return render_template(
        "ballots/slips.html",
        ballot=ballot,
        url=url,
        slips=[
            {"unit": v.unit.name, "code": code, "qr": qr_svg(f"{url}#{code}")} for v, code in issued
        ],
    )


@bp.route("/ballots/<int:ballot_id>/papers.pdf")
def papers(ballot_id: int):
    """The ballot papers to print: one per present unit, one candidate list each."""
    ballot = _leader_ballot(ballot_id)
    layout = report_layouts_for(ballot.province)["ballot_paper"]
    pdf = render_pdf(layout, c.ballot_paper_data(ballot))
    return pdf_response(
        pdf, f"Phiếu bầu - {ballot.title}.pdf", inline=request.args.get("inline") == "1"
    )


@bp.route("/ballots/<int:ballot_id>/count", methods=["GET", "POST"])
def count(ballot_id: int):
    """Paper ballots: each tally-committee member enters the count on their own; the two entries
    must agree before anything is published."""
    ballot = _ballot_or_404(ballot_id)
    user = _user()
    counter = c.is_counter(user, ballot)
    mine = db.session.scalar(
        select(PaperCount).where(
            PaperCount.ballot_id == ballot.id, PaperCount.entered_by_id == user.id
        )
    )
    form = CountForm(obj=mine)
    votes_in: dict[int, str] = {}
    errors: list[str] = []
    if request.method == "POST":
        votes: dict[int, int] = {}
        for cand in ballot.candidates:
            raw = (request.form.get(f"v_{cand.id}") or "").strip()
            votes_in[cand.id] = raw
            if not raw.isdigit() or len(raw) > 6:
                errors.append(
                    _("Số phiếu đồng ý của %(name)s phải là số từ 0 trở lên.", name=cand.name)
                )
            else:
                votes[cand.id] = int(raw)
        if form.validate_on_submit() and not errors:
            if ballot.mode != BallotMode.PAPER or ballot.state != S.CLOSED:
                errors.append(_("Chỉ nhập kết quả kiểm phiếu sau khi kết thúc bỏ phiếu trên giấy."))
            elif not counter:
                abort(403)
            else:
                try:
                    svc.enter_paper_count(
                        user,
                        ballot,
                        issued=form.issued.data,
                        returned=form.returned.data,
                        invalid=form.invalid.data,
                        votes=votes,
                    )
                    db.session.commit()
                except ServiceError as exc:
                    db.session.rollback()
                    errors.append(exc.message)
                else:
                    flash(_("Đã lưu kết quả kiểm phiếu của bạn."), "success")
                    return redirect(url_for("ballots.count", ballot_id=ballot.id))
        errors += [e for es in form.errors.values() for e in es]
    elif mine is not None:
        votes_in = {int(k): str(v) for k, v in mine.votes.items()}
    entries = db.session.scalars(
        select(PaperCount).where(PaperCount.ballot_id == ballot.id).order_by(PaperCount.id)
    ).all()
    _agreed, status = (
        svc.paper_count_status(ballot) if ballot.mode == BallotMode.PAPER else (None, None)
    )
    return render_template(
        "ballots/count.html",
        ballot=ballot,
        form=form,
        counter=counter,
        votes_in=votes_in,
        errors=errors,
        entries=entries,
        status=status,
        names={cand.id: cand.name for cand in ballot.candidates},
    ), (422 if errors else 200)


@bp.route("/ballots/<int:ballot_id>/results")
def results(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    result, problem = c.result_for_display(ballot)
    if result is None:
        flash(problem or _("Chưa có kết quả: cuộc bỏ phiếu chưa kết thúc."), "info")
        return _back(ballot)
    return render_template(
        "ballots/results.html",
        ballot=ballot,
        result=result,
        rows=c.result_rows(ballot, result),
        tie_note=c.tie_note(result),
        receipts=c.receipts(ballot) if ballot.state == S.PUBLISHED else [],
        basis=basis_words(ballot.rule_basis, c.basis_count(ballot, result)),
        turnout=c.turnout(ballot) if ballot.snapshot else [],
        leader=c.is_leader(_user(), ballot),
        action=ActionForm(),
    )


def _csv(data: bytes, name: str) -> Response:
    from urllib.parse import quote

    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"ballot.csv\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@bp.route("/ballots/<int:ballot_id>/results.csv")
def results_csv(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    try:
        return _csv(c.results_csv(ballot), c.csv_name(ballot, "Kết quả bỏ phiếu"))
    except ServiceError as exc:
        flash(exc.message, "info")
        return _back(ballot)


@bp.route("/ballots/<int:ballot_id>/turnout.csv")
def turnout_csv(ballot_id: int):
    ballot = _ballot_or_404(ballot_id)
    try:
        return _csv(c.turnout_csv(ballot), c.csv_name(ballot, "Đơn vị tham gia bỏ phiếu"))
    except ServiceError as exc:
        flash(exc.message, "info")
        return _back(ballot)


# -- block minutes ---------------------------------------------------------------------------------


@bp.route("/blocks/<int:block_id>/ballots/minutes", methods=["GET", "POST"])
def minutes(block_id: int):
    """Biên bản họp khối of the summary conference, with the published ballots' results attached."""
    block = _block_or_404(block_id)
    if not c.is_block_leader(_user(), block):
        abort(403)
    form = MinutesForm()
    published = c.published_ballots(block)
    if request.method == "GET":
        leader = block.leader_unit.name if block.leader_unit else ""
        form.venue.data = form.venue.data or (f"Hội trường {leader}" if leader else "")
        form.attendees.data = "\n".join(
            f"Đại diện lãnh đạo {u.name}"
            for u in sorted(block.members, key=lambda u: u.sort_key or u.name)
        )
        form.content.data = (
            f"Báo cáo tổng kết công tác thi đua, khen thưởng năm {block.year}\n"
            "Khối trưởng trình bày báo cáo tổng kết; các đơn vị thảo luận, thống nhất.\n\n"
            "Bình xét, suy tôn đơn vị đề nghị khen thưởng\n"
            "Hội nghị bỏ phiếu kín bình xét, suy tôn các đơn vị đề nghị khen thưởng; "
            "kết quả kiểm phiếu được công bố công khai tại Hội nghị."
        )
    errors = []
    if form.validate_on_submit():
        if form.ended_at.data < form.started_at.data:
            errors.append(_("Giờ kết thúc phải sau giờ bắt đầu."))
        else:
            try:
                document = c.issue_minutes(
                    _user(),
                    block,
                    started_at=form.started_at.data,
                    ended_at=form.ended_at.data,
                    venue=form.venue.data,
                    chair=form.chair.data,
                    secretary=form.secretary.data,
                    attendees=form.attendees.data or "",
                    content=form.content.data,
                )
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                errors.append(exc.message)
            else:
                flash(_("Đã lập biên bản họp khối."), "success")
                return redirect(url_for("documents.view", document_id=document.id))
    return render_template(
        "ballots/minutes.html", block=block, form=form, published=published, errors=errors
    ), (422 if errors or (request.method == "POST" and form.errors) else 200)
