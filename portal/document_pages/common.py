"""What pages and API share about documents: who may see one, the PDF response, the layouts."""

from __future__ import annotations

import dataclasses
from io import BytesIO

from flask import send_file

from portal.access import can_view_block, can_view_province, only_unit_officer, rows_visible_to
from portal.catalogue import report_layouts_for
from portal.models import Document


def can_view_document(user, document: Document) -> bool:
    """Block documents go to the block's members and the province; the province's own documents
    to the province's staff and observers."""
    if document.block is not None:
        return can_view_block(user, document.block)
    return can_view_province(user, document.province_id) and not only_unit_officer(user)


def documents_visible_to(user, stmt=None):
    return rows_visible_to(user, Document, stmt)


def pdf_response(pdf: bytes, file_name: str, *, inline: bool):
    """The PDF, previewed in the browser or downloaded. Werkzeug writes the Vietnamese name as
    ``filename*`` (RFC 5987) with an ASCII fallback for old clients."""
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=not inline,
        download_name=file_name,
        max_age=0,
    )
    # Browsers' PDF viewers count as plugins; the HTML policy (object-src 'none') would block them.
    response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def layout_info(layout, plugin: str) -> dict:
    """What the gallery and the API say about a layout: who supplies it and the data it needs."""
    fields = (
        [f.name for f in dataclasses.fields(layout.data_class)]
        if dataclasses.is_dataclass(layout.data_class)
        else []
    )
    return {
        "code": layout.code,
        "title": layout.title,
        "plugin": plugin,
        "orientation": layout.orientation,
        "numbered": bool(layout.type_code),
        "data_class": layout.data_class.__name__,
        "data_fields": fields,
        "has_sample": layout.sample() is not None,
    }


def province_layouts(province) -> list[dict]:
    """The layouts in force for ``province``, in title order, with their descriptions."""
    pairs = report_layouts_for(province, sources=True)
    return sorted((layout_info(layout, plugin) for plugin, layout in pairs.values()), key=lambda i: i["title"])
