"""Turn an uploaded CSV or XLSX file into a :class:`Table` of clean cells.

Everything that depends on how the file was produced is settled here, so the column mapping and
the row parsers see one shape whatever the officer's Excel version, keyboard or locale:

* text is NFC (Unikey's decomposed mode and the Windows-1258 code page both produce decomposed
  Vietnamese) and stripped; a cell holding only white space is ``None``;
* rows carry the spreadsheet's own row number, so "Dòng 7" in an error is row 7 in Excel;
* entirely empty rows are skipped (officials leave gaps between groups);
* a cell whose value cannot be trusted is a :class:`CellError` instead of silently empty, and it
  only becomes a row error if its column is actually imported.

Untrusted input: sizes are bounded before anything is decompressed or parsed, and the zip
directory of an XLSX is checked before openpyxl opens it (a few kilobytes can otherwise inflate
to gigabytes).
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .csv_reader import read_csv
from .table import Table, TableError, megabytes, unsupported_format
from .xlsx_reader import MAX_UNZIPPED_BYTES, read_xlsx

MAX_BYTES = 20 * 1024 * 1024
"""Largest upload accepted (bytes), for either format."""
MAX_ROWS = 20_000
"""Default limit on data rows: far above a province's yearly award list, far below trouble."""
_CSV_EXTENSIONS = {"csv", "tsv", "txt"}
_XLSX_EXTENSIONS = {"xlsx", "xlsm"}


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
) -> Table:
    """Read an uploaded CSV or XLSX file; raise :class:`TableError` if it cannot be imported.

    The format follows the file name's extension, corrected by the content: a zip archive is read
    as XLSX even if it was renamed ``.csv``. Legacy ``.xls``, ``.ods`` and other formats are
    refused with a message asking to save as ``.xlsx`` or CSV UTF-8, since guessing wrong would
    show the officer garbage rather than an explanation.
    """
    if not data:
        raise TableError(_l("Tệp rỗng, không có dữ liệu."))
    if len(data) > max_bytes:
        raise TableError(
            _l("Tệp quá lớn; chỉ nhận tệp đến %(limit)s MB.", limit=megabytes(max_bytes))
        )
    if _detect_format(data, filename) == "xlsx":
        return read_xlsx(data, max_rows, max_unzipped_bytes)
    return read_csv(data, max_rows)


def _detect_format(data: bytes, filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1]
    extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2: Excel 97-2003, or an .xlsx encrypted with a password (Excel wraps it in OLE2).
        raise TableError(
            _l(
                "Tệp Excel 97–2003 (.xls) hoặc tệp Excel có đặt mật khẩu không đọc được. Hãy mở "
                "tệp bằng Excel, bỏ mật khẩu nếu có, và lưu lại dưới dạng .xlsx."
            )
        )
    if extension not in _CSV_EXTENSIONS | _XLSX_EXTENSIONS | {""}:
        raise unsupported_format()
    if data.startswith(b"PK"):
        return "xlsx"
    if extension in _XLSX_EXTENSIONS:
        raise TableError(_l("Tệp không phải là tệp Excel .xlsx hợp lệ."))
    return "csv"
