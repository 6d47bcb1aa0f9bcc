"""Hostile or broken import files through the real upload endpoints (the units import page and
its API twin): a clear 4xx, nothing written, never a 500.

``tests/test_tabular.py`` covers the readers themselves (encodings, zip bombs, formulas); this
file proves the endpoints turn those refusals into answers people can act on, stop an
oversized body before reading it, and store Vietnamese text in one form whatever the file used.
"""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from portal.extensions import db
from portal.models import AuditLog, Unit
from tests.conftest import login

HEADER = "Mã đơn vị,Tên đơn vị,Loại đơn vị,Số biên chế\r\n"
MB = 1024 * 1024


def _state():
    """Units and audit rows: an import that wrote anything changes one of them."""
    return (
        db.session.scalar(select(func.count(Unit.id))),
        db.session.scalar(select(func.count(AuditLog.id))),
    )


@pytest.fixture
def officer(app, world):
    client = app.test_client()
    assert login(client, world.officer).status_code == 302
    return client


@pytest.fixture
def token(world, api_headers):
    return api_headers(world.officer)


def _page(client, world, data: bytes, name: str):
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    db.session.rollback()
    return response, response.get_data(as_text=True)


def _api(client, world, headers, data: bytes, name: str, dry_run=False):
    response = client.post(
        f"/api/v1/provinces/{world.laichau.id}/units/import" + ("?dry_run=1" if dry_run else ""),
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    db.session.rollback()
    return response, response.get_json()


# -- size -------------------------------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that is never held in memory and counts what the
    server reads of it."""

    def __init__(self, size: int, head: bytes):
        self.size, self.head, self.pos, self.read_bytes = size, head, 0, 0

    def readable(self):
        return True

    def seekable(self):  # the test client measures the body by seeking to its end and back
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def tell(self):
        return self.pos

    def readinto(self, buffer):
        n = max(0, min(len(buffer), self.size - self.pos))
        chunk = self.head[self.pos : self.pos + n] if self.pos < len(self.head) else b""
        chunk += b"A" * (n - len(chunk))
        buffer[:n] = chunk
        self.pos += n
        self.read_bytes += n
        return n


def _huge_upload(app, path: str, headers: dict, size: int = 50 * MB):
    boundary = "ranh-gioi"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don-vi.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n{HEADER}"
    ).encode()
    stream = CountingStream(size, head)
    builder = EnvironBuilder(
        path=path, method="POST", headers=headers, input_stream=stream,
        content_type=f"multipart/form-data; boundary={boundary}", content_length=size,
    )
    return stream, builder.get_environ()


def test_a_50_mb_upload_is_refused_before_it_is_read(app, world, officer, token):
    """Over ``MAX_CONTENT_LENGTH`` (16 MB): 413 with a Vietnamese message (page) or a
    ``too_large`` JSON error (API), having read almost none of the 50 MB, and nothing written."""
    before = _state()
    for path, headers, api in (
        (f"/admin/provinces/{world.laichau.id}/units/import", {}, False),
        (f"/api/v1/provinces/{world.laichau.id}/units/import", token, True),
    ):
        stream, environ = _huge_upload(app, path, headers)
        started = time.perf_counter()
        response = officer.open(environ)
        elapsed = time.perf_counter() - started
        db.session.rollback()
        assert response.status_code == 413, (path, response.status_code)
        if api:
            error = response.get_json()["error"]
            assert error["code"] == "too_large" and "quá lớn" in error["message"]
        else:
            assert "quá lớn" in response.get_data(as_text=True)
        assert stream.read_bytes < MB, f"{path}: read {stream.read_bytes} bytes of a refused body"
        assert elapsed < 5
    assert _state() == before


def test_100k_rows_are_refused_quickly_with_the_limit_named(officer, world, token):
    """A 100 000-row CSV (about 4 MB, under the upload limit) is read only up to the row
    limit: 422 naming the limit and asking to split the file, within seconds, nothing written,
    and no background job started for it."""
    body = HEADER + "".join(f"DV{i:06d},Đơn vị số {i},Sở,{i % 500}\r\n" for i in range(100_000))
    data = body.encode("utf-8")
    assert 3 * MB < len(data) < 16 * MB
    before = _state()
    started = time.perf_counter()
    response, payload = _api(officer, world, token, data, "don-vi.csv")
    assert time.perf_counter() - started < 30
    assert response.status_code == 422, payload
    assert payload["error"]["code"] == "import_errors"
    assert "20000 dòng" in payload["error"]["rows"][0]["message"]
    assert "chia thành nhiều tệp" in payload["error"]["rows"][0]["message"]
    page, text = _page(officer, world, data, "don-vi.csv")
    assert page.status_code == 422
    assert "20000 dòng" in text and "chưa ghi dữ liệu nào" in text
    assert _state() == before


# -- malformed workbooks -------------------------------------------------------------------------


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _without_sheets(data: bytes) -> bytes:
    """The same workbook with every worksheet part removed from the archive."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                dst.writestr(info, src.read(info))
    return out.getvalue()


GOOD_BOOK = _workbook([["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["SXD", "Sở Xây dựng", "Sở"]])


@pytest.mark.parametrize(
    "data,fragment",
    [
        pytest.param(b"Ma don vi,Ten don vi\r\nSXD,So Xay dung\r\n", "không phải là tệp Excel", id="not-a-zip"),
        pytest.param(GOOD_BOOK[: len(GOOD_BOOK) // 2], "bị hỏng", id="truncated-zip"),
        # A workbook whose sheets were stripped reads as one with nothing in it.
        pytest.param(_without_sheets(GOOD_BOOK), "không có dòng tiêu đề", id="zip-without-sheet"),
        pytest.param(b"PK\x05\x06" + b"\0" * 18, "bị hỏng", id="empty-zip"),
        pytest.param(b"\0" * 4096, "không phải là tệp Excel", id="zeros"),
    ],
)
def test_malformed_workbooks_are_refused_on_page_and_api(officer, world, token, data, fragment):
    before = _state()
    response, payload = _api(officer, world, token, data, "don-vi.xlsx")
    assert response.status_code == 422, payload
    message = payload["error"]["rows"][0]["message"]
    assert payload["error"]["code"] == "import_errors" and message
    assert fragment in message
    page, text = _page(officer, world, data, "don-vi.xlsx")
    assert page.status_code == 422
    assert "chưa ghi dữ liệu nào" in text and message in text
    assert _state() == before


# -- Vietnamese in any form -----------------------------------------------------------------------


def _cp1258(value: str) -> bytes:
    """Windows-1258 as Vietnamese Excel writes it: precomposed base letters, separate tones."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFC", value):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


NAMES = {"SXD": "Sở Xây dựng", "STTTT": "Sở Thông tin và Truyền thông", "BQLKKT": "Ban Quản lý Khu kinh tế cửa khẩu Ma Lù Thàng"}


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: unicodedata.normalize("NFD", text).encode("utf-8"), id="utf8-decomposed"),
        pytest.param(_cp1258, id="cp1258"),
        pytest.param(lambda text: unicodedata.normalize("NFD", text).encode("utf-16"), id="utf16-bom-decomposed"),
    ],
)
def test_decomposed_and_legacy_vietnamese_are_stored_composed(officer, world, token, encode):
    """Names arrive decomposed (macOS, some Unikey settings) or in Windows-1258; the units are
    stored in NFC, so searching and sorting treat them as the names typed in the portal."""
    body = HEADER + "".join(f"{code},{name},Sở,10\r\n" for code, name in NAMES.items())
    data = encode(body)
    assert data != body.encode("utf-8")
    dry, payload = _api(officer, world, token, data, "don-vi.csv", dry_run=True)
    assert dry.status_code == 200, payload
    assert payload == {"applied": False, "creates": 3, "updates": 0, "errors": []}
    done, payload = _api(officer, world, token, data, "don-vi.csv")
    assert done.status_code == 200 and payload["applied"] is True, payload
    stored = dict(db.session.execute(
        select(Unit.code, Unit.name).where(Unit.province_id == world.laichau.id, Unit.code.in_(NAMES))
    ).all())
    assert stored == NAMES
    assert all(unicodedata.is_normalized("NFC", name) for name in stored.values())
    search = officer.get(f"/api/v1/units?province_id={world.laichau.id}&q=xay dung", headers=token)
    assert search.status_code == 200
