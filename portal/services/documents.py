"""Issuing documents: allocate the number, fingerprint the data, render, store — one transaction.

Later features (scoring sheets, vote-count records, dossiers) fill a layout's data object and call
``issue_document``; the number comes from the issuing body's series for the document's year, so
two people printing at the same moment get consecutive numbers, never the same one, and a
transaction that fails gives its number back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.documents import ReportLayout, fingerprint, render_pdf
from portal.documents.fingerprint import canonical_json
from portal.documents.formatting import number_symbol
from portal.extensions import db
from portal.models import Block, Document, DocumentSeries, Province
from portal.services import ServiceError


def issuer_key(province: Province, block: Block | None = None) -> str:
    """Whose number series a document takes: the block's (its leader issues block documents) or
    the province office's."""
    return f"block:{block.id}" if block is not None else f"province:{province.id}"


def allocate_number(key: str, year: int) -> int:
    """The next number of ``key``'s series for ``year``, inside the caller's transaction.

    The row is created if missing (ON CONFLICT DO NOTHING), then one ``UPDATE … RETURNING``
    increments it: PostgreSQL row-locks it and SQLite holds its write lock until commit, so
    concurrent issuers queue instead of reading the same value.
    """
    table = DocumentSeries.__table__
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(
        insert(table)
        .values(issuer_key=key, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["issuer_key", "year"])
    )
    return db.session.execute(
        update(table)
        .where(table.c.issuer_key == key, table.c.year == year)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    ).scalar_one()


def issue_document(
    layout: ReportLayout,
    data,
    *,
    province: Province,
    block: Block | None = None,
    actor=None,
) -> Document:
    """Number (when the layout is numbered and the data has none yet), render and store."""
    try:
        layout.check(data)
    except TypeError as exc:
        raise ServiceError(str(exc)) from None
    header = getattr(data, "header", None)
    date = getattr(header, "date", None) or dt.date.today()
    key = issuer_key(province, block)
    number = getattr(header, "number", None)
    if layout.type_code and header is not None and number is None:
        number = allocate_number(key, date.year)
        data = dataclasses.replace(data, header=dataclasses.replace(header, number=number))
    fp = fingerprint(data)
    existing = db.session.scalar(select(Document).where(Document.fingerprint == fp))
    if existing is not None:
        # The same data printed again (an unnumbered document): one record, one fingerprint.
        return existing
    try:
        pdf = render_pdf(layout, data, fingerprint=fp)
    except ValueError as exc:
        raise ServiceError(_("Không tạo được văn bản: %(reason)s", reason=str(exc))) from None
    symbol = ""
    if number is not None and layout.type_code:
        codes = [c for c in (layout.type_code, getattr(header, "body_code", "")) if c]
        symbol = number_symbol(number, *codes)
    document = Document(
        province_id=province.id,
        block_id=block.id if block is not None else None,
        layout_code=layout.code,
        title=layout.title,
        summary=(layout.metadata(data).get("subject") or "")[:500],
        issuer_key=key,
        issuing_body=getattr(header, "issuing_body", "") if header is not None else "",
        year=date.year,
        number=number,
        symbol=symbol,
        fingerprint=fp,
        data=json.loads(canonical_json(data)),
        pdf=pdf,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    return document
