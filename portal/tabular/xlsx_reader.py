"""XLSX uploads through openpyxl, with the archive checked first.

An .xlsx file is a zip archive of XML parts; a crafted one of a few hundred kilobytes can
inflate to gigabytes, so the zip directory is checked before openpyxl opens anything. Values are
read in openpyxl's streaming (read-only) mode with the results Excel cached for formulas.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from flask_babel import lazy_gettext as _l

from .table import (
    CellError,
    Table,
    TableError,
    build_table,
    clean_text,
    megabytes,
    no_header,
    unsupported_format,
)

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
"""Largest total uncompressed size of an XLSX's zip members; 20 000 rows x 50 columns fit."""
MAX_RATIO = 100
"""Compression ratio above which a large zip member is treated as a bomb (real sheets: 5-30)."""
_RATIO_MIN_SIZE = 1024 * 1024  # small members may compress very well; they cannot hurt
_MAX_MEMBERS = 2000

# Any element named f (with or without a namespace prefix): a formula somewhere in the workbook.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def read_xlsx(data: bytes, max_rows: int, max_unzipped_bytes: int) -> Table:
    import openpyxl

    has_formulas = _check_zip(data, max_unzipped_bytes)
    # openpyxl warns about things it drops (data validation extensions, unknown styles) that do
    # not matter for reading values; keep them out of the logs and out of tests' error filter.
    # (catch_warnings swaps the process-wide filters: harmless here, as only warnings raised
    # meanwhile by other threads could be hidden.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            # With data_only a formula without a cached result looks like an empty cell; a
            # second, formula-preserving reader run in step tells the two apart. Skipped when
            # the archive holds no formula at all, which is the usual case.
            formulas = (
                openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                if has_formulas
                else None
            )
        except TableError:
            raise
        except Exception as exc:  # malformed archives raise anything from KeyError to XML errors
            raise _corrupt_xlsx() from exc
        try:
            for sheet in values.worksheets:
                if getattr(sheet, "sheet_state", "visible") != "visible":
                    continue
                formula_sheet = formulas[sheet.title] if formulas is not None else None
                table = build_table(
                    _sheet_records(sheet, formula_sheet),
                    max_rows,
                    format="xlsx",
                    sheet=sheet.title,
                )
                if table is not None:
                    return table
        except TableError:
            raise
        except Exception as exc:
            raise _corrupt_xlsx() from exc
        finally:
            values.close()
            if formulas is not None:
                formulas.close()
    raise no_header()


def _corrupt_xlsx() -> TableError:
    return TableError(_l("Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx; không đọc được."))


def _check_zip(data: bytes, max_unzipped_bytes: int) -> bool:
    """Refuse zip bombs before openpyxl sees the file; return whether any formula is present.

    The declared sizes are enough: :mod:`zipfile` stops inflating a member at its declared size
    (then fails its CRC check), so a member cannot produce more than the directory says. Only
    stored and deflated members are allowed: bzip2 and LZMA members are inflated a whole input
    chunk at a time, unbounded, and Excel never writes them.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _corrupt_xlsx() from exc
    with archive:
        members = archive.infolist()
        if len(members) > _MAX_MEMBERS:
            raise _corrupt_xlsx()
        total = 0
        for member in members:
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _corrupt_xlsx()
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > max_unzipped_bytes:
                raise TableError(
                    _l(
                        "Tệp Excel có nội dung giải nén quá lớn (giới hạn %(limit)s MB); "
                        "không đọc được.",
                        limit=megabytes(max_unzipped_bytes),
                    )
                )
            if member.file_size > _RATIO_MIN_SIZE and ratio > MAX_RATIO:
                raise TableError(
                    _l("Tệp Excel được nén bất thường (có thể là tệp độc hại); không đọc được.")
                )
        names = {member.filename for member in members}
        if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
            raise unsupported_format()  # an OpenDocument spreadsheet (.ods), renamed
        if "[Content_Types].xml" not in names:
            raise _corrupt_xlsx()
        try:
            return any(
                _contains_formula(archive, member)
                for member in members
                if member.filename.endswith(".xml")
            )
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # includes CRC mismatch
            raise _corrupt_xlsx() from exc


def _contains_formula(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1024 * 1024):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _sheet_records(sheet, formula_sheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # Some producers write a wrong <dimension>; read_only would then cut rows or columns.
    sheet.reset_dimensions()
    formula_rows: Iterable[tuple[Any, ...]] = repeat(())
    if formula_sheet is not None:
        formula_sheet.reset_dimensions()
        formula_rows = formula_sheet.iter_rows(values_only=True)
    for number, (cells, formulas) in enumerate(
        zip(sheet.iter_rows(), formula_rows, strict=False), start=1
    ):
        yield (
            number,
            tuple(
                _xlsx_value(cell, formulas[i] if i < len(formulas) else None)
                for i, cell in enumerate(cells)
            ),
        )


def _xlsx_value(cell: Any, formula: Any) -> Any:
    value = cell.value
    if cell.data_type == "e":
        return CellError(_l("Ô bị lỗi công thức %(code)s.", code=value))
    if value is None:
        # A formula with an empty-string result is cached as t="str"; that cell really is empty.
        if formula is not None and cell.data_type != "str":
            return CellError(
                _l(
                    "Ô chứa công thức chưa được tính nên không có giá trị. Hãy mở tệp bằng "
                    "Excel, lưu lại rồi tải lên lần nữa."
                )
            )
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
