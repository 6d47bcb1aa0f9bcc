"""CSV uploads: encoding detection, delimiter sniffing, Excel's own conventions.

Officers' CSV files come from Excel on Windows, so their bytes depend on the Excel version and
regional settings: "CSV UTF-8" (with a BOM), "Unicode text" (UTF-16), or plain "CSV", which is
written in the ANSI code page, Windows-1258 on Vietnamese Windows. Vietnamese regional settings
also make Excel separate fields with ";" rather than ",".
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from flask_babel import lazy_gettext as _l

from .table import Table, TableError, build_table, clean_text, no_header
from .writing import restore

_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024


def read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = _decode(data)
    delimiter = None
    # "sep=;" on the first line is an Excel convention; Excel hides that line, so do we.
    if match := re.match(r"sep=(.)\r?\n", text):
        delimiter, text = match.group(1), text[match.end() :]
    delimiter = delimiter or _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterator[tuple[int, tuple[Any, ...]]]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                yield number, tuple(clean_text(restore(field)) for field in record)
        except csv.Error as exc:
            raise TableError(
                _l(
                    "Dòng %(row)s: không đọc được dòng này (ô quá dài hoặc có ký tự không hợp lệ).",
                    row=number + 1,
                )
            ) from exc

    table = build_table(records(), max_rows, format="csv", encoding=encoding, delimiter=delimiter)
    if table is None:
        raise no_header()
    return table


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258.

    Windows-1258 writes tones as separate combining marks, so its text is decomposed; the cells
    are NFC-normalised afterwards like every other cell. Strict UTF-8 almost never succeeds on
    Windows-1258 Vietnamese (its tone bytes are invalid UTF-8), so the order is safe.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as exc:
        raise _bad_encoding() from exc
    if b"\x00" in data[:4096]:
        raise _bad_encoding()  # UTF-16 without a BOM, or a binary file
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258"), "cp1258"
    except UnicodeDecodeError as exc:
        raise _bad_encoding() from exc


def _bad_encoding() -> TableError:
    return TableError(
        _l(
            "Không nhận ra bảng mã của tệp CSV. Hãy mở tệp bằng Excel và lưu lại với kiểu "
            "«CSV UTF-8 (Comma delimited)»."
        )
    )


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel with Vietnamese regional settings) or tab.

    Each candidate parses the first records; the winner is the one under which the most records
    have as many fields as the header, then the one giving the widest header. ``csv.Sniffer`` is
    not used: it guesses from character frequencies and picks letters or spaces on short files.
    """
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > len(sample)
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            records = [r for r in islice(reader, 100) if any(f.strip() for f in r)]
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records.pop()  # probably cut in the middle
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(len(r) == width for r in records) / len(records), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
