"""API for issued documents, their PDFs, the public verification and the layouts in force."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import can_view_province
from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, load, paged
from portal.apiv1.spec import api_route, list_of, ref
from portal.document_pages.common import (
    can_view_document,
    documents_visible_to,
    pdf_response,
    province_layouts,
)
from portal.errors import ApiError
from portal.extensions import db
from portal.models import Document, Province


def document_json(d: Document, *, data: bool = False) -> dict:
    body = {
        "id": d.id,
        "province_id": d.province_id,
        "block_id": d.block_id,
        "layout_code": d.layout_code,
        "title": d.title,
        "summary": d.summary,
        "issuing_body": d.issuing_body,
        "year": d.year,
        "number": d.number,
        "symbol": d.symbol,
        "fingerprint": d.fingerprint,
        "file_name": d.file_name,
        "created_at": d.created_at.isoformat(),
    }
    if data:
        body["data"] = d.data
    return body


_DOC_PROPS = {
    "id": {"type": "integer"},
    "province_id": {"type": "integer"},
    "block_id": {"type": ["integer", "null"]},
    "layout_code": {"type": "string"},
    "title": {"type": "string"},
    "summary": {"type": "string"},
    "issuing_body": {"type": "string"},
    "year": {"type": "integer"},
    "number": {"type": ["integer", "null"]},
    "symbol": {"type": "string"},
    "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "file_name": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
}
SCHEMAS.update(
    {
        "Document": {"type": "object", "properties": _DOC_PROPS, "required": ["id", "title", "fingerprint"]},
        "Verification": {
            "type": "object",
            "properties": {**_DOC_PROPS, "data": {"type": "object", "description": "Dữ liệu văn bản được tạo từ đó."}},
            "required": ["title", "fingerprint", "data"],
        },
        "Layout": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "title": {"type": "string"},
                "plugin": {"type": "string"},
                "orientation": {"type": "string", "enum": ["portrait", "landscape"]},
                "numbered": {"type": "boolean"},
                "data_class": {"type": "string"},
                "data_fields": {"type": "array", "items": {"type": "string"}},
                "has_sample": {"type": "boolean"},
            },
            "required": ["code", "title", "plugin"],
        },
    }
)
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


@api_route(
    bp, "/documents", summary="Văn bản đã phát hành trong phạm vi của tôi", tag="documents",
    response=list_of("Document"),
    query=(("province_id", {"type": "integer"}), ("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}), ("per_page", {"type": "integer", "minimum": 1, "maximum": 200})),
    errors=(400, 401, 403), endpoint="documents_list",
)
def documents_list():
    stmt = documents_visible_to(actor())
    province_id = request.args.get("province_id")
    if province_id is not None:
        if not province_id.isdigit() or len(province_id) > 9:
            raise ApiError(400, "bad_request")
        stmt = stmt.where(Document.province_id == int(province_id))
    return paged(stmt.order_by(Document.created_at.desc(), Document.id.desc()), document_json)


@api_route(bp, "/documents/<int:document_id>", summary="Một văn bản", tag="documents", response="Document", errors=(401, 403, 404), endpoint="document_get")
def document_get(document_id: int):
    return jsonify(document_json(load(Document, document_id, lambda d: can_view_document(actor(), d))))


@api_route(
    bp, "/documents/<int:document_id>/pdf", summary="Tệp PDF của văn bản (inline=1 để xem trong trình duyệt)",
    tag="documents", query=(("inline", {"type": "integer", "enum": [0, 1]}),), response=PDF, errors=(401, 403, 404), endpoint="document_pdf",
)
def document_pdf(document_id: int):
    document = load(Document, document_id, lambda d: can_view_document(actor(), d))
    return pdf_response(document.pdf, document.file_name, inline=request.args.get("inline") == "1")


@api_route(
    bp, "/verify/<fingerprint>", summary="Xác thực văn bản giấy theo mã SHA-256 in ở chân trang", tag="documents",
    response="Verification", public=True, errors=(404,), endpoint="verify",
)
def verify(fingerprint: str):
    fingerprint = fingerprint.strip().lower()
    document = None
    if len(fingerprint) == 64 and all(c in "0123456789abcdef" for c in fingerprint):
        document = db.session.scalar(select(Document).where(Document.fingerprint == fingerprint))
    if document is None:
        raise ApiError(404, "not_found", _("Không tìm thấy văn bản có mã xác thực này."))
    return jsonify(document_json(document, data=True))


@api_route(
    bp, "/provinces/<int:province_id>/layouts", summary="Mẫu văn bản áp dụng cho tỉnh (theo plugin được bật)",
    tag="documents", response={"type": "array", "items": ref("Layout")}, errors=(401, 403, 404), endpoint="layouts_list",
)
def layouts_list(province_id: int):
    province = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    return jsonify(province_layouts(province))
