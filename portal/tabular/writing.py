"""CSV and XLSX exports that Excel opens with the Vietnamese intact and nothing evaluated.

Exports contain text typed by other people (unit names, notes). A cell starting with ``=``, ``+``,
``-`` or ``@`` is a formula to Excel, so a hostile value like ``=HYPERLINK(...)`` or a DDE command
would run on the officer's machine ("CSV injection"). Such text is neutralised:

* in CSV by a leading apostrophe, which Excel shows but does not evaluate; :func:`restore` removes
  it again when the file is imported, so an export/import round trip keeps the text unchanged;
* in XLSX by storing the cell as a string with Excel's "quote prefix" style, which shows the text
  without any apostrophe and keeps it text when the cell is edited.

Numbers passed as ``int``/``float`` are written as numbers, and text that is just a signed number
("-5") is left alone: Excel reads it as that number and nothing else.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

# Excel starts a formula on these; tab and carriage return because Excel strips them first.
# The full-width forms are typed by East Asian input methods and treated the same way by Excel.
_DANGEROUS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: str) -> str:
    """Prefix ``'`` if Excel would take ``value`` as a formula.

    Text already starting with apostrophes before such a character gets one more, so that
    :func:`restore` (which removes exactly one) gives back the original.
    """
    body = value.lstrip("'")
    if body[:1] in _DANGEROUS and not (body == value and _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise` on a CSV field read back (before any stripping)."""
    if value.startswith("'") and value.lstrip("'")[:1] in _DANGEROUS:
        return value[1:]
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return neutralise(unicodedata.normalize("NFC", str(value)))


def write_csv(
    headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, delimiter: str = ","
) -> bytes:
    """CSV in UTF-8 with a BOM and CRLF line ends: without the BOM Excel reads it as the ANSI
    code page and the Vietnamese comes out garbled. Dates are written dd/mm/yyyy and booleans
    Có/Không, the forms the import parsers accept back."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_csv_cell(header) for header in headers])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _sheet_title(title: str) -> str:
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", unicodedata.normalize("NFC", str(title))).strip()
    return title[:31].strip("' ") or "Sheet1"


def write_xlsx(
    headers: Sequence[Any], rows: Iterable[Sequence[Any]], sheet_title: str = "Dữ liệu"
) -> bytes:
    """One-sheet workbook, streamed (write-only mode), with a bold frozen header row and
    dates shown dd/mm/yyyy; text that Excel would evaluate is stored as plain string."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for index, header in enumerate(headers, start=1):
        label = unicodedata.normalize("NFC", str(header))
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(label) + 4, 12), 60)
        cell = WriteOnlyCell(sheet, value=_ILLEGAL_XML.sub("", label))
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    def xlsx_cell(value: Any) -> Any:
        if isinstance(value, dt.datetime | dt.date):
            cell = WriteOnlyCell(sheet, value=value)
            has_time = isinstance(value, dt.datetime)
            cell.number_format = "DD/MM/YYYY HH:MM" if has_time else "DD/MM/YYYY"
            return cell
        if value is None or isinstance(value, bool | int | float | Decimal):
            return value
        value = _ILLEGAL_XML.sub("", unicodedata.normalize("NFC", str(value)))
        if value[:1] not in _DANGEROUS:
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would otherwise write "=..." as a formula
        cell.quotePrefix = True
        return cell

    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx(columns: Iterable[Any], sheet_title: str = "Mẫu nhập") -> bytes:
    """An empty workbook whose header row is each :class:`~.columns.Column`'s first label."""
    return write_xlsx([column.label for column in columns], [], sheet_title)
