"""Document pages. Issued PDFs are stored as printed, so a download is the paper's exact twin."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.admin.common import province_or_404, visible_provinces
from portal.catalogue import report_layouts_for
from portal.document_pages import bp
from portal.document_pages.common import (
    can_view_document,
    documents_visible_to,
    pdf_response,
    province_layouts,
)
from portal.documents import render_pdf
from portal.extensions import db
from portal.models import Document
from portal.templating import paginate
from portal.text import nfc


@bp.route("/documents")
def index():
    """Issued documents the user may see, newest first; filter by province and text."""
    stmt = documents_visible_to(current_user)
    province = None
    if request.args.get("province", type=int):
        province = province_or_404(request.args.get("province", type=int))
        stmt = stmt.where(Document.province_id == province.id)
    q = nfc(request.args.get("q", "")) or ""
    if q:
        like = f"%{q}%"
        stmt = stmt.where(Document.title.ilike(like) | Document.summary.ilike(like) | Document.symbol.ilike(like))
    page = paginate(db.session, stmt.order_by(Document.created_at.desc(), Document.id.desc()))
    return render_template("documents/index.html", page=page, q=q, province=province)


def _document_or_404(document_id: int) -> Document:
    document = db.get_or_404(Document, document_id)
    if not can_view_document(current_user, document):
        abort(404)  # do not confirm that a document exists to someone outside it
    return document


@bp.route("/documents/<int:document_id>")
def view(document_id: int):
    return render_template("documents/view.html", document=_document_or_404(document_id))


@bp.route("/documents/<int:document_id>/pdf")
def pdf(document_id: int):
    document = _document_or_404(document_id)
    return pdf_response(document.pdf, document.file_name, inline=request.args.get("inline") == "1")


@bp.route("/verify/<fingerprint>")
def verify(fingerprint: str):
    """Anyone holding the paper can check what the portal recorded for its footer's fingerprint."""
    fingerprint = fingerprint.strip().lower()
    document = None
    if len(fingerprint) == 64 and all(c in "0123456789abcdef" for c in fingerprint):
        document = db.session.scalar(select(Document).where(Document.fingerprint == fingerprint))
    status = 200 if document is not None else 404
    return render_template("documents/verify.html", document=document, fingerprint=fingerprint), status


@bp.route("/provinces/<int:province_id>/layouts")
def layouts(province_id: int):
    """The province's layout gallery: which layouts its plugins supply, and a preview of each."""
    province = province_or_404(province_id)
    return render_template(
        "documents/layouts.html",
        province=province,
        provinces=visible_provinces(),
        layouts=province_layouts(province),
    )


@bp.route("/provinces/<int:province_id>/layouts/<layout_code>.pdf")
def layout_preview(province_id: int, layout_code: str):
    province = province_or_404(province_id)
    layout = report_layouts_for(province).get(layout_code)
    sample = layout.sample() if layout is not None else None
    if sample is None:
        abort(404)
    return pdf_response(render_pdf(layout, sample), f"Mẫu {layout.title}.pdf", inline=True)



@bp.route("/provinces/<int:province_id>/documents/print-all", methods=["GET", "POST"])
def print_all(province_id: int):
    """Every block's document of one layout for a year, in one ZIP: a background job gathers
    them while its page shows the progress (``portal.jobs``)."""
    from flask import redirect, url_for

    from portal import jobs
    from portal.document_pages.forms import PrintAllForm

    province = province_or_404(province_id, manage=True)
    form = PrintAllForm().fill(province)
    if form.validate_on_submit():
        job = jobs.submit(
            jobs.DOCUMENTS_PRINT, current_user, province_id=province.id,
            params={"year": form.year.data, "layout_code": form.layout_code.data},
        )
        return redirect(url_for("jobs.view", job_id=job.id))
    status = 422 if form.errors else 200
    return render_template("documents/print_all.html", form=form, province=province), status
