"""The :class:`Table` every reader produces, and the steps all formats share.

Kept apart from the readers so that the CSV and XLSX modules and the column mapping depend on one
small vocabulary: cells, rows with spreadsheet row numbers, and a file-level :class:`TableError`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


class TableError(ValueError):
    """The file as a whole cannot be imported; ``message`` is meant for the officer as it is."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CellError:
    """A cell that holds no trustworthy value: an Excel error (``#DIV/0!``) or a formula that
    was never calculated. Kept in the table so that only imported columns produce row errors."""

    message: Any

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class TableRow:
    """One non-empty data row: its spreadsheet row number and its cells (trailing blanks cut)."""

    number: int
    cells: tuple[Any, ...]

    def get(self, index: int) -> Any:
        return self.cells[index] if index < len(self.cells) else None


@dataclass(frozen=True)
class Table:
    """The header texts and data rows of an uploaded file, plus how it was read.

    Cells are ``None``, ``str`` (NFC, stripped), ``int``, ``float``, ``bool``, ``datetime.date``,
    ``datetime.datetime`` (only when a time of day is present), ``datetime.time`` or
    :class:`CellError`. CSV cells are always ``str`` or ``None``.
    """

    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    header_row: int = 1
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def unsupported_format() -> TableError:
    return TableError(
        _l(
            "Chỉ nhận tệp Excel .xlsx hoặc tệp CSV. Hãy mở tệp bằng Excel và chọn "
            "«Lưu thành» Excel Workbook (.xlsx) hoặc CSV UTF-8."
        )
    )


def build_table(
    records: Iterable[tuple[int, tuple[Any, ...]]], max_rows: int, **info: Any
) -> Table | None:
    """Find the header (first non-empty row), skip empty rows, enforce the row limit.

    ``records`` are (spreadsheet row number, cells) pairs; ``None`` means the file had no
    non-empty row at all (the caller may try another sheet).
    """
    header_row = 0
    headers: tuple[str, ...] | None = None
    rows: list[TableRow] = []
    for number, cells in records:
        if all(cell is None for cell in cells):
            continue
        if headers is None:
            header_row = number
            headers = _trim(tuple(_header_text(cell) for cell in cells))
            continue
        if len(rows) >= max_rows:
            raise TableError(
                _l(
                    "Tệp có hơn %(limit)s dòng dữ liệu; hãy chia thành nhiều tệp nhỏ hơn.",
                    limit=max_rows,
                )
            )
        rows.append(TableRow(number, _trim(cells)))
    if headers is None:
        return None
    return Table(headers=headers, rows=tuple(rows), header_row=header_row, **info)


def no_header() -> TableError:
    return TableError(_l("Tệp không có dòng tiêu đề: mọi dòng đều trống."))


def _header_text(cell: Any) -> str:
    if cell is None or isinstance(cell, CellError):
        return ""
    # Alt+Enter line breaks inside header cells are common; keep one line for display.
    return " ".join(str(cell).split())


def _trim(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return cells[:end]


def clean_text(value: str) -> str | None:
    value = unicodedata.normalize("NFC", value).strip()
    return value or None
