"""Issued documents: numbering, concurrency, downloads and previews, verification, scope."""

from __future__ import annotations

import dataclasses
import threading
import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import tests.plugins.everything as everything
from plugins.national import samples
from portal.catalogue import report_layouts_for
from portal.extensions import db
from portal.models import AuditLog, Document, ProvincePlugin
from portal.services import ServiceError
from portal.services.documents import allocate_number, issue_document
from tests.conftest import login


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return unicodedata.normalize("NFC", " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages))


def _unnumbered_vote(day=None):
    vote = samples.vote_count()
    header = dataclasses.replace(vote.header, number=None, **({"date": day} if day else {}))
    return dataclasses.replace(vote, header=header)


def _issue(world, data=None, block=None):
    layout = report_layouts_for(world.laichau)["vote_count_record"]
    doc = issue_document(layout, data or _unnumbered_vote(), province=world.laichau, block=block or world.block)
    db.session.commit()
    return doc


def test_numbers_run_per_issuer_per_year_and_are_printed(world):
    import datetime as dt

    first, second = _issue(world), _issue(world, _unnumbered_vote())
    assert (first.number, second.number) == (1, 2)
    assert second.symbol == "02/BB-KTĐ"
    assert "Số: 02/BB-KTĐ" in _text(second.pdf)
    assert second.fingerprint in _text(second.pdf).replace(" ", "")
    # Another year starts again at 01; another block has its own series.
    assert _issue(world, _unnumbered_vote(dt.date(2025, 1, 6))).number == 1
    other = world.tv_block
    layout = report_layouts_for(world.travinh)["vote_count_record"]
    doc = issue_document(layout, _unnumbered_vote(), province=world.travinh, block=other)
    assert doc.number == 1


def test_a_failed_transaction_gives_its_number_back(world):
    allocate_number(f"block:{world.block.id}", 2024)
    db.session.rollback()
    assert _issue(world).number == 1


def test_wrong_data_is_refused_and_nothing_is_written(world):
    layout = report_layouts_for(world.laichau)["vote_count_record"]
    with pytest.raises(ServiceError):
        issue_document(layout, samples.ballot(), province=world.laichau, block=world.block)
    db.session.rollback()
    assert db.session.scalar(select(Document)) is None


def test_creation_is_audited_without_the_pdf(world):
    doc = _issue(world)
    row = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "Document"))
    assert row.after["fingerprint"] == doc.fingerprint
    assert "pdf" not in row.after and "data" not in row.after


def test_simultaneous_printing_never_duplicates_or_skips(real_app):
    from portal.services.provinces import save_province

    with real_app.app_context():
        province = save_province(None, code="laichau", name="Tỉnh Lai Châu")
        db.session.commit()
        province_id = province.id
    workers, barrier, numbers, errors = 8, threading.Barrier(8), [], []

    def print_one():
        try:
            with real_app.app_context():
                from portal.models import Province

                p = db.session.get(Province, province_id)
                layout = report_layouts_for(p)["vote_count_record"]
                barrier.wait()
                doc = issue_document(layout, _unnumbered_vote(), province=p)
                db.session.commit()
                numbers.append(doc.number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=print_one) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == list(range(1, workers + 1))


def test_download_and_preview(client, issued):
    doc = issued.document
    login(client, issued.member)
    download = client.get(f"/documents/{doc.id}/pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20ki%E1%BB%83m%20phi%E1%BA%BFu" in disposition
    assert 'filename="Bien ban kiem phieu' in disposition  # ASCII fallback
    preview = client.get(f"/documents/{doc.id}/pdf?inline=1")
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert "object-src 'none'" not in preview.headers["Content-Security-Policy"]
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert doc.fingerprint in page and "Tải về" in page
    listing = client.get("/documents").get_data(as_text=True)
    assert "Biên bản kiểm phiếu" in listing and "Phiếu bầu" not in listing  # Trà Vinh's is not theirs


def test_documents_stay_within_their_block(client, issued):
    login(client, issued.outsider)  # a Lai Châu unit outside the block
    assert client.get(f"/documents/{issued.document.id}").status_code == 404
    assert client.get(f"/documents/{issued.document.id}/pdf").status_code == 404
    client.post("/auth/logout")
    login(client, issued.officer)
    assert client.get(f"/documents/{issued.document.id}/pdf").status_code == 200
    assert client.get(f"/documents/{issued.tv_document.id}").status_code == 404


def test_verify_page_and_api_are_public(client, issued):
    doc = issued.document
    page = client.get(f"/verify/{doc.fingerprint.upper()}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Biên bản kiểm phiếu" in text and "do hệ thống phát hành" in text
    missing = client.get("/verify/" + "0" * 64)
    assert missing.status_code == 404 and "Không tìm thấy" in missing.get_data(as_text=True)
    assert client.get("/verify/not-a-hash").status_code == 404
    api = client.get(f"/api/v1/verify/{doc.fingerprint}")
    assert api.status_code == 200
    body = api.get_json()
    assert body["symbol"] == doc.symbol and body["data"]["ballots_valid"] == doc.data["ballots_valid"]
    gone = client.get("/api/v1/verify/" + "f" * 64)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"


def test_api_lists_and_downloads(client, issued, api_headers):
    headers = api_headers(issued.member)
    listing = client.get("/api/v1/documents", headers=headers).get_json()
    assert [d["id"] for d in listing["items"]] == [issued.document.id]
    pdf = client.get(f"/api/v1/documents/{issued.document.id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get(f"/api/v1/documents/{issued.tv_document.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/documents?province_id=abc", headers=headers).status_code == 400


def test_layout_gallery_shows_the_province_layouts(client, world, register_plugin):
    register_plugin(everything, "province.dongthap")
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()
    login(client, world.tv_officer)
    page = client.get(f"/provinces/{world.travinh.id}/layouts").get_data(as_text=True)
    assert "Biên bản họp khối (mẫu riêng)" in page and "province.dongthap" in page
    preview = client.get(f"/provinces/{world.travinh.id}/layouts/vote_count_record.pdf")
    assert preview.status_code == 200 and "BIÊN BẢN KIỂM PHIẾU" in _text(preview.data)
    # The replacement offers no sample: no preview, a 404 rather than the national one.
    assert client.get(f"/provinces/{world.travinh.id}/layouts/block_minutes.pdf").status_code == 404
    assert client.get(f"/provinces/{world.laichau.id}/layouts").status_code == 403
    layouts = client.get(
        f"/api/v1/provinces/{world.travinh.id}/layouts",
        headers={"Authorization": "Bearer x"},
    )
    assert layouts.status_code == 401
