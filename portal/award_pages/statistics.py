"""The province's award statistics page, and the summary table as PDF and XLSX."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import can_manage_province
from portal.award_pages import bp
from portal.award_pages.common import (
    XLSX,
    BadFilter,
    clean_attached_to,
    default_year,
    period_from_args,
    record_years,
    summary_pdf,
    summary_xlsx,
)
from portal.award_pages.views import province_for, readable_provinces
from portal.catalogue import award_record_findings
from portal.document_pages.common import pdf_response
from portal.documents.formatting import format_int
from portal.services import ServiceError
from portal.services import award_records as rec_svc
from portal.services import award_statistics as svc


def _stats(province):
    try:
        start, end = period_from_args(request.args, province)
    except BadFilter as exc:
        return None, exc.message
    return svc.compute(province, start, end, bases=svc.bases_for(svc.summary_layout(province))), None


@bp.route("/provinces/<int:province_id>/award-statistics")
def statistics(province_id: int):
    province = province_for(province_id)
    stats, problem = _stats(province)
    if stats is None:
        start, end = svc.calendar_year(default_year(province))
        stats = svc.compute(province, start, end, bases=svc.bases_for(svc.summary_layout(province)))
    return render_template(
        "awards/statistics.html",
        province=province,
        provinces=readable_provinces(),
        stats=stats,
        problem=problem,
        years=record_years(province),
        share=svc.share_text,
        statuses=rec_svc.STATUS_LABELS,
        status_order=rec_svc.STATUS_ORDER,
        category_label=rec_svc.category_label,
        attached_to=clean_attached_to(request.args.get("attached_to")),
        layout=svc.summary_layout(province),
        num=lambda n: format_int(n, zero="-"),
        level_names={"state": _("Cấp Nhà nước"), "provincial": _("Cấp tỉnh"), "grassroots": _("Cấp cơ sở")},
        can_manage=can_manage_province(current_user, province.id),
        findings=award_record_findings(province, stats.year) if stats.year else [],
    ), (422 if problem else 200)


@bp.route("/provinces/<int:province_id>/award-statistics.pdf")
def statistics_pdf(province_id: int):
    province = province_for(province_id)
    stats, problem = _stats(province)
    if stats is None:
        abort(400, problem)
    try:
        pdf, name = summary_pdf(province, stats, attached_to=clean_attached_to(request.args.get("attached_to")),
                                actor=current_user)
    except ServiceError as exc:
        abort(422, exc.message)
    return pdf_response(pdf, name, inline=request.args.get("inline") == "1")


@bp.route("/provinces/<int:province_id>/award-statistics.xlsx")
def statistics_xlsx(province_id: int):
    province = province_for(province_id)
    stats, problem = _stats(province)
    if stats is None:
        abort(400, problem)
    data, name = summary_xlsx(stats)
    from urllib.parse import quote

    from portal.text import strip_tones

    ascii_name = strip_tones(name).encode("ascii", "ignore").decode()
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": disposition})


