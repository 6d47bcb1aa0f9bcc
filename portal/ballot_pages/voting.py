"""The voter's page (public: the one-time code is the credential; or a unit officer's login), the
hall's projector and its progress feed.

Failed code attempts are rate-limited per address (``PORTAL_VOTE_CODE_RATE_LIMIT``, shared with the
API's cast endpoint): only failures count, so a hall of phones behind one router is not slowed
down, while guessing codes (31^8 of them) is hopeless.
"""

from __future__ import annotations

import segno
from flask import abort, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal.ballot_pages import bp
from portal.ballot_pages import common as c
from portal.ballot_pages.forms import ReceiptForm, VoteForm
from portal.extensions import db, limiter
from portal.models import Ballot, BallotMethod, BallotMode, BallotPaper, BallotState
from portal.services import ServiceError
from portal.services import ballots as svc

S = BallotState
CODE_LIMIT_SCOPE = "ballot-code"


def code_limit() -> str:
    return current_app.config.get("PORTAL_VOTE_CODE_RATE_LIMIT", "20 per minute;100 per hour")


def code_failed() -> None:
    """Count this request against the address's allowance of failed code attempts."""
    g.ballot_code_failed = True


def failed_attempt(_response) -> bool:
    return bool(g.get("ballot_code_failed"))


def vote_url(ballot: Ballot) -> str:
    return url_for("ballots.vote", ballot_id=ballot.id, _external=True)


def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG (no script, no style: the CSP allows it)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=4, border=2, omitsize=True, title=_("Mã QR bỏ phiếu")
    )
    # segno writes the markup itself: the data becomes path geometry, and the title is escaped
    # (xml.sax.saxutils.escape), so nothing of the input reaches the page as markup.
    return Markup(svg)  # noqa: S704  # nosec B704


def read_choices(ballot: Ballot) -> tuple[list[int], list[int], dict[int, str]]:
    """(agree, disagree, per-candidate mark) from the form: radio ``c<id>`` = agree/disagree for
    the tick method; checkboxes ``keep`` for the strike method (names not kept are struck)."""
    marks: dict[int, str] = {}
    if ballot.method == BallotMethod.STRIKE:
        kept = set(request.form.getlist("keep"))
        for cand in ballot.candidates:
            marks[cand.id] = "agree" if str(cand.id) in kept else "disagree"
    else:
        for cand in ballot.candidates:
            value = request.form.get(f"c{cand.id}", "")
            if value in ("agree", "disagree"):
                marks[cand.id] = value
    agree = [i for i, m in marks.items() if m == "agree"]
    disagree = [i for i, m in marks.items() if m == "disagree"]
    return agree, disagree, marks


def _check_voter(ballot: Ballot, code: str):
    """Who votes: the unit of the code, or of the signed-in officer; with why not."""
    voted = c.voted_unit_ids(ballot)
    if code:
        voter = c.voter_for_code(ballot, code)
        if voter is None:
            code_failed()
            return None, _(
                "Mã bỏ phiếu không đúng hoặc đã được thay bằng mã khác. Hãy kiểm tra lại mã trên phiếu mã."
            )
    else:
        voter = c.login_voter(current_user, ballot)
        if voter is None:
            return None, _("Hãy nhập mã bỏ phiếu in trên phiếu mã của đơn vị.")
    if voter.unit_id in voted:
        return None, _("%(unit)s đã bỏ phiếu; mỗi đơn vị chỉ bỏ một phiếu.", unit=voter.unit.name)
    if not voter.present:
        return None, _("Đơn vị không có mặt nên không bỏ phiếu.")
    return voter, None


@bp.route("/vote/<int:ballot_id>", methods=["GET", "POST"])
@limiter.shared_limit(
    code_limit, scope=CODE_LIMIT_SCOPE, methods=["POST"], deduct_when=failed_attempt
)
def vote(ballot_id: int):
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None:
        abort(404)
    if ballot.state != S.OPEN or ballot.mode != BallotMode.ELECTRONIC:
        return _not_open(ballot)
    form = VoteForm()
    login_voter = c.login_voter(current_user, ballot)
    ctx = {
        "ballot": ballot,
        "form": form,
        "errors": [],
        "marks": {},
        "login_voter": login_voter,
        "voted": c.voted_unit_ids(ballot),
        "strike": ballot.method == BallotMethod.STRIKE,
    }
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:20]
        return render_template("ballots/vote.html", **ctx)
    if not form.validate_on_submit():
        ctx["errors"] = [e for es in form.errors.values() for e in es] or [
            _("Phiên làm việc đã hết hạn; hãy tải lại trang.")
        ]
        return render_template("ballots/vote.html", **ctx), 400
    agree, disagree, marks = read_choices(ballot)
    ctx["marks"] = marks
    action = request.form.get("action", "review")
    if action == "edit":
        return render_template("ballots/vote.html", **ctx)
    code = (form.code.data or "").strip()
    voter, problem = _check_voter(ballot, code)
    errors = [problem] if problem else []
    try:
        svc.validate_choices(ballot, agree, disagree)
    except ServiceError as exc:
        errors.append(exc.message)
    if ctx["strike"] and not agree:
        errors.append(
            _("Phiếu gạch hết tên là phiếu không hợp lệ: hãy giữ lại ít nhất một đơn vị.")
        )
    if errors:
        ctx["errors"] = errors
        return render_template("ballots/vote.html", **ctx), 422
    names = {cand.id: cand.name for cand in ballot.candidates}
    if action != "cast":
        return render_template(
            "ballots/vote_confirm.html",
            ballot=ballot,
            form=form,
            code=code,
            voter=voter,
            marks=marks,
            agree=[names[i] for i in agree],
            disagree=[names[i] for i in disagree],
            unmarked=[cand.name for cand in ballot.candidates if cand.id not in marks],
            strike=ctx["strike"],
        )
    try:
        receipt = svc.cast(
            ballot.id,
            agree,
            disagree,
            code=code or None,
            user=None if code else current_user._get_current_object(),
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.field == "code":
            code_failed()
        ballot = db.session.get(Ballot, ballot_id)
        ctx.update(ballot=ballot, errors=[exc.message], voted=c.voted_unit_ids(ballot))
        return render_template("ballots/vote.html", **ctx), exc.status if exc.status in (
            409,
            422,
        ) else 422
    return render_template("ballots/vote_done.html", ballot=ballot, receipt=receipt)


def _not_open(ballot: Ballot):
    """Not open for electronic voting: say why; once published, let a voter find their receipt."""
    form = ReceiptForm()
    found, missing = None, False
    if ballot.state == S.PUBLISHED and request.method == "POST":
        if form.validate_on_submit():
            receipt = "".join(ch for ch in form.receipt.data.upper() if ch.isalnum())
            paper = db.session.scalar(
                select(BallotPaper).where(
                    BallotPaper.ballot_id == ballot.id, BallotPaper.receipt == receipt
                )
            )
            if paper is None:
                code_failed()
                missing = True
            else:
                names = {cand.id: cand.name for cand in ballot.candidates}
                found = {
                    "receipt": paper.receipt,
                    "agree": [names.get(i, "?") for i in paper.choices.get("agree", [])],
                    "disagree": [names.get(i, "?") for i in paper.choices.get("disagree", [])],
                }
    elif request.method == "POST" and ballot.state != S.PUBLISHED:
        form.validate_on_submit()
    result = ballot.result if ballot.state == S.PUBLISHED else None
    return render_template(
        "ballots/vote_closed.html",
        ballot=ballot,
        form=form,
        found=found,
        missing=missing,
        result=result,
        rows=c.result_rows(ballot, result) if result else [],
        state_label=c.state_label,
        tie_note=c.tie_note(result) if result else None,
    ), (404 if missing else 200)


# -- the hall's screen -----------------------------------------------------------------------------


def _ballot_or_404(ballot_id: int) -> Ballot:
    ballot = db.get_or_404(Ballot, ballot_id)
    if not c.can_view_ballot(current_user, ballot):
        abort(404)
    return ballot


@bp.route("/ballots/<int:ballot_id>/projector")
def projector(ballot_id: int):
    """Large type for the hall: while open, how many units voted and which (never how); after
    closing, the result with the rule in words and who is elected."""
    ballot = _ballot_or_404(ballot_id)
    result, problem = c.result_for_display(ballot)
    return render_template(
        "ballots/projector.html",
        ballot=ballot,
        progress=c.progress_json(ballot),
        result=result,
        problem=problem,
        rows=c.result_rows(ballot, result) if result else [],
        tie_note=c.tie_note(result) if result else None,
        state_label=c.state_label,
        vote_url=vote_url(ballot),
    )


@bp.route("/ballots/<int:ballot_id>/progress.json")
def progress(ballot_id: int):
    return jsonify(c.progress_json(_ballot_or_404(ballot_id)))
