"""Spreadsheet imports and exports shared by every import page (units, users, criteria, awards).

Officers keep their lists in Excel and upload them as CSV or XLSX. An import is all-or-nothing:
the page shows a preview with every problem listed by spreadsheet row number, and nothing is
written unless the whole file is clean. This package does the file-level work and knows nothing
about the database or Flask requests:

* :func:`read_table` turns the uploaded bytes into a :class:`Table` of clean, NFC-normalised cells
  (``reading``, with ``csv_reader`` and ``xlsx_reader``; the shared types are in ``table``);
* :class:`Column` declarations, :func:`map_columns` and :func:`parse_rows` match the headers the
  officer typed and validate each row into an :class:`ImportPreview` (``columns``), with ready
  cell parsers in ``parsers``;
* :func:`write_csv`, :func:`write_xlsx` and :func:`template_xlsx` produce files Excel opens with
  the Vietnamese intact and without evaluating anything a user typed (``writing``).

User-facing messages are lazy strings whose ids are the Vietnamese text, like the rest of the
portal; ``str()`` them (or let Jinja do it) inside a request to get the user's language.
"""

from __future__ import annotations

from .columns import (
    Column,
    ColumnMapping,
    ImportPreview,
    ParsedRow,
    RowError,
    header_key,
    map_columns,
    parse_rows,
)
from .parsers import boolean, choice, date, integer, text
from .reading import MAX_BYTES, MAX_ROWS, read_table
from .table import CellError, Table, TableError, TableRow
from .writing import neutralise, restore, template_xlsx, write_csv, write_xlsx
from .xlsx_reader import MAX_UNZIPPED_BYTES

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "CellError",
    "Column",
    "ColumnMapping",
    "ImportPreview",
    "ParsedRow",
    "RowError",
    "Table",
    "TableError",
    "TableRow",
    "boolean",
    "choice",
    "date",
    "header_key",
    "integer",
    "map_columns",
    "neutralise",
    "parse_rows",
    "read_table",
    "restore",
    "template_xlsx",
    "text",
    "write_csv",
    "write_xlsx",
]
