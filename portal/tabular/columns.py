"""Match the headers an officer typed to declared columns, then validate every row.

Each import declares its columns once (field name, accepted header labels, whether required, a
cell parser). Headers are compared folded and without tones, so "TÊN ĐƠN VỊ", "Tên đơn vị",
"ten don vi" and decomposed forms all find the same column; unknown columns are listed as ignored
rather than refused, because officials keep notes and helper columns next to the data.

Problems are collected, not raised: the preview page lists all of them at once with the
spreadsheet row numbers, and the import only runs when the list is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter

from ..text import fold, strip_tones
from .table import CellError, Table

Parser = Callable[[Any], Any]
RowValidator = Callable[[dict[str, Any]], Iterable[tuple[str | None, Any]] | None]

MAX_ERRORS = 500
"""Errors kept for display; beyond that the officer fixes the file in bulk anyway."""


@dataclass(frozen=True)
class Column:
    """One importable column.

    ``labels`` are the header texts accepted besides ``field`` itself; the first one is what
    templates and messages show. A ``required`` column must be present and non-blank in every row.
    ``parse`` turns a non-blank cell into the stored value or raises ``ValueError(message)``;
    without it the cell is kept as read. Blank cells become ``default``.
    """

    field: str
    labels: tuple[str, ...] = ()
    required: bool = False
    parse: Parser | None = None
    default: Any = None

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else self.field


@dataclass(frozen=True)
class RowError:
    """A problem at spreadsheet row ``row`` (``None``: the file as a whole) in ``field``
    (``None``: the whole row). ``column`` is the header to show, ``message`` a (lazy) string."""

    row: int | None
    field: str | None
    message: Any
    column: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        if self.column:
            return str(
                _l(
                    "Dòng %(row)s, cột «%(column)s»: %(message)s",
                    row=self.row,
                    column=self.column,
                    message=self.message,
                )
            )
        return str(_l("Dòng %(row)s: %(message)s", row=self.row, message=self.message))


@dataclass(frozen=True)
class ColumnMapping:
    """Where each declared field is in the table (0-based index) and what did not match."""

    positions: dict[str, int]
    missing: tuple[Column, ...] = ()
    duplicated: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    errors: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ParsedRow:
    number: int
    values: dict[str, Any]


@dataclass
class ImportPreview:
    """Outcome of :func:`parse_rows`: the clean rows, and every problem found.

    ``rows`` holds only rows without errors; ``row_count`` counts all data rows of the file.
    ``errors`` is in row order and capped at ``MAX_ERRORS``; ``error_count`` is the true total.
    The import may run only when :attr:`ok`.
    """

    rows: list[ParsedRow]
    errors: list[RowError]
    mapping: ColumnMapping
    row_count: int = 0
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def ignored_columns(self) -> tuple[str, ...]:
        return self.mapping.ignored

    def errors_by_row(self) -> dict[int | None, list[RowError]]:
        grouped: dict[int | None, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped


def header_key(text: str) -> str:
    """Comparison form of a header: folded, toneless, "_" as space, required marks ("*", "(*)")
    and trailing ":" dropped."""
    text = text.replace("(*)", " ").replace("_", " ")
    return " ".join(strip_tones(fold(text)).strip(" *:.").split())


def map_columns(table: Table, columns: Sequence[Column]) -> ColumnMapping:
    """Locate ``columns`` among ``table.headers``.

    Missing required columns and columns present twice are errors (reported at the header row);
    headers matching no column are returned in ``ignored``. Two declared columns sharing a label
    is a programming error and raises ``ValueError``.
    """
    owner: dict[str, Column] = {}
    for column in columns:
        for label in (column.field, *column.labels):
            key = header_key(label)
            if owner.get(key, column).field != column.field:
                raise ValueError(
                    f"header {label!r} matches both {owner[key].field!r} and {column.field!r}"
                )
            owner[key] = column

    found: dict[str, list[int]] = {}
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        column = owner.get(header_key(header)) if header else None
        if column is None:
            if header:
                ignored.append(header)
            continue
        found.setdefault(column.field, []).append(index)

    errors: list[RowError] = []
    missing = tuple(c for c in columns if c.required and c.field not in found)
    for column in missing:
        errors.append(
            RowError(
                table.header_row,
                column.field,
                _l("Thiếu cột bắt buộc «%(column)s».", column=column.label),
            )
        )
    duplicated = {name: tuple(places) for name, places in found.items() if len(places) > 1}
    for column in columns:
        if column.field in duplicated:
            letters = ", ".join(get_column_letter(i + 1) for i in duplicated[column.field])
            errors.append(
                RowError(
                    table.header_row,
                    column.field,
                    _l(
                        "Cột «%(column)s» xuất hiện nhiều lần (các cột %(letters)s); chỉ giữ một.",
                        column=column.label,
                        letters=letters,
                    ),
                )
            )
    return ColumnMapping(
        positions={name: places[0] for name, places in found.items()},
        missing=missing,
        duplicated=duplicated,
        ignored=tuple(ignored),
        errors=tuple(errors),
    )


def _unique_key(value: Any) -> Any:
    return fold(value) if isinstance(value, str) else value


def parse_rows(
    table: Table,
    columns: Sequence[Column],
    validate_row: RowValidator | None = None,
    *,
    unique: Iterable[str | tuple[str, ...]] = (),
    max_errors: int = MAX_ERRORS,
) -> ImportPreview:
    """Map the columns, parse every cell and check every row.

    ``validate_row(values)`` runs on rows whose cells all parsed; it may adjust ``values`` in
    place, and reports problems by raising ``ValueError(message)`` (whole row) or returning
    ``(field, message)`` pairs. ``unique`` lists fields (or tuples of fields, for composite keys)
    that must not repeat within the file; text is compared case-insensitively, and a repeat is
    reported on the later row, naming the first.
    """
    mapping = map_columns(table, columns)
    if not mapping.ok:
        errors = list(mapping.errors)
        return ImportPreview([], errors, mapping, len(table.rows), len(errors))
    if not table.rows:
        error = RowError(None, None, _l("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
        return ImportPreview([], [error], mapping, 0, 1)

    headers = {
        c.field: table.headers[mapping.positions[c.field]]
        for c in columns
        if c.field in mapping.positions
    }
    labels = {c.field: headers.get(c.field, c.label) for c in columns}
    keys = [(k,) if isinstance(k, str) else tuple(k) for k in unique]
    seen: list[dict[tuple[Any, ...], int]] = [{} for _ in keys]
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    error_count = 0

    def report(row: int, name: str | None, message: Any) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < max_errors:
            errors.append(RowError(row, name, message, labels.get(name) if name else None))

    for table_row in table.rows:
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for column in columns:
            position = mapping.positions.get(column.field)
            raw = table_row.get(position) if position is not None else None
            try:
                values[column.field] = _parse_cell(column, raw)
            except ValueError as exc:
                failed.add(column.field)
                report(table_row.number, column.field, exc.args[0] if exc.args else str(exc))
        for key_fields, first_rows in zip(keys, seen, strict=True):
            if failed.intersection(key_fields):
                continue
            key = tuple(_unique_key(values.get(name)) for name in key_fields)
            if any(part is None for part in key):
                continue
            if key in first_rows:
                if len(key_fields) == 1:
                    message = _l("Trùng với dòng %(row)s.", row=first_rows[key])
                else:
                    shown = ", ".join(f"«{labels.get(name, name)}»" for name in key_fields)
                    message = _l(
                        "Trùng bộ giá trị %(columns)s với dòng %(row)s.",
                        columns=shown,
                        row=first_rows[key],
                    )
                report(table_row.number, key_fields[0], message)
                failed.add(key_fields[0])
            else:
                first_rows[key] = table_row.number
        if not failed and validate_row is not None:
            for name, message in _row_problems(validate_row, values):
                failed.add(name or "")
                report(table_row.number, name, message)
        if not failed:
            rows.append(ParsedRow(table_row.number, values))
    return ImportPreview(rows, errors, mapping, len(table.rows), error_count)


def _parse_cell(column: Column, raw: Any) -> Any:
    if isinstance(raw, CellError):
        raise ValueError(raw.message)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if column.required:
            raise ValueError(_l("Chưa nhập giá trị (cột bắt buộc)."))
        return column.default
    return column.parse(raw) if column.parse is not None else raw


def _row_problems(
    validate_row: RowValidator, values: dict[str, Any]
) -> list[tuple[str | None, Any]]:
    try:
        problems = validate_row(values)
    except ValueError as exc:
        return [(None, exc.args[0] if exc.args else str(exc))]
    if problems is None:
        return []
    if isinstance(problems, Mapping):
        return list(problems.items())
    return list(problems)
