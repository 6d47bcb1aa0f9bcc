"""API of background jobs: a job's state and progress, its result file, and printing every
block's documents of a year (answered 202 with the job to poll)."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _

from portal import jobs
from portal.access import can_manage_province, can_view_province
from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, bind, json_body, load, validated
from portal.apiv1.spec import api_route, form_schema
from portal.document_pages.forms import PrintAllForm
from portal.errors import ApiError
from portal.job_pages.views import job_for
from portal.models import JobState, Province

_NULLABLE_STR = {"type": ["string", "null"]}
SCHEMAS["Job"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [jobs.UNITS_IMPORT, jobs.DOCUMENTS_PRINT]},
        "state": {"type": "string", "enum": [s.value for s in JobState]},
        "done": {"type": "integer"},
        "total": {"type": "integer"},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "message": {"type": "string"},
        "result": {
            "type": ["object", "null"],
            "description": "Tóm tắt kết quả (số dòng đã ghi; với lỗi nhập tệp: errors là các dòng lỗi).",
        },
        "province_id": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string"},
        "api_url": {"type": "string"},
        "download_url": _NULLABLE_STR,
        "result_name": _NULLABLE_STR,
    },
    "required": ["id", "kind", "state", "done", "total", "percent", "message", "url", "api_url"],
}
SCHEMAS["JobAccepted"] = {
    "type": "object",
    "properties": {"job": {"$ref": "#/components/schemas/Job"}},
    "required": ["job"],
}


def accepted(job):
    """202 Accepted with the job, and its URL in ``Location``."""
    response = jsonify(job=jobs.job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.job_get", job_id=job.id)
    return response


def _job_or_404(job_id: int):
    job = job_for(actor(), job_id)
    if job is None:
        raise ApiError(404)
    return job


@api_route(bp, "/jobs/<int:job_id>", summary="Trạng thái, tiến độ và kết quả của một công việc chạy nền", tag="jobs",
           response="Job", errors=(401, 403, 404), endpoint="job_get")
def job_get(job_id: int):
    return jsonify(jobs.job_json(_job_or_404(job_id)))


@api_route(bp, "/jobs/<int:job_id>/download", summary="Tệp kết quả của công việc (ZIP)", tag="jobs",
           response={"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
           errors=(401, 403, 404), endpoint="job_download")
def job_download(job_id: int):
    response = jobs.result_download(_job_or_404(job_id))
    if response is None:
        raise ApiError(404, "not_found", _("Công việc chưa xong hoặc không có tệp kết quả."))
    return response


@api_route(
    bp, "/provinces/<int:province_id>/documents/print-all", "POST",
    summary="In văn bản của tất cả các khối trong một năm (một tệp ZIP, chạy nền; trả về 202 và công việc)",
    tag="documents", body=lambda: form_schema(PrintAllForm), response="JobAccepted", status=202,
    errors=(401, 403, 404), endpoint="documents_print_all",
)
def documents_print_all(province_id: int):
    province = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), province.id):
        raise ApiError(403)
    form = bind(PrintAllForm, json_body())
    validated(form.fill(province))
    job = jobs.submit(
        jobs.DOCUMENTS_PRINT, actor(), province_id=province.id,
        params={"year": form.year.data, "layout_code": form.layout_code.data},
    )
    return accepted(job)
