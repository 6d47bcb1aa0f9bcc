"""The building blocks of an administrative document, as reportlab flowables.

Why here and not in each layout: the header, the title, the căn cứ lines, the "Kính gửi" block,
tables with repeating header rows, signature blocks and the "Nơi nhận" list look the same in every
document (NĐ 30/2020/NĐ-CP Phụ lục I). Layouts compose these; a province layout that replaces a
national one reuses them and only changes what differs.

All text given to these functions is plain text: it is NFC-normalised and escaped for reportlab's
paragraph markup here, so a unit called "Sở Kế hoạch & Đầu tư" prints as typed. Only
``markup()`` takes trusted markup (``<b>``, ``<i>``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .data import Distribution, DocumentHeader, Signature
from .fonts import SERIF, SERIF_BOLD
from .formatting import dateline, number_line
from .styles import SIZE_BODY, SIZE_HEADER, SIZE_MOTTO, cell_style, styles

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RULE_THICKNESS = 0.6
SIGNING_SPACE = 26 * mm  # room for the hand signature and the seal

Cell = str | Flowable | list | None


def clean(text: str) -> str:
    """NFC, single-spaced, escaped for paragraph markup."""
    return escape(" ".join(unicodedata.normalize("NFC", text).split()))


def upper(text: str) -> str:
    """Vietnamese capitals ("đ" -> "Đ"; Python's upper() knows every accented letter)."""
    return unicodedata.normalize("NFC", text).upper()


def paragraph(text: str, style=None) -> Paragraph:
    """A paragraph of plain text, in the body style unless another is given."""
    return Paragraph(clean(text), style or styles().body)


def markup(text: str, style=None) -> Paragraph:
    """A paragraph of trusted markup (``<b>``, ``<i>``); escape data with ``clean()`` first."""
    return Paragraph(unicodedata.normalize("NFC", text), style or styles().body)


def rule(width: float, *, space_before: float = 1, space_after: float = 0) -> HRFlowable:
    """A solid black line of ``width`` points, centred."""
    return HRFlowable(
        width=width,
        thickness=RULE_THICKNESS,
        color=colors.black,
        hAlign="CENTER",
        spaceBefore=space_before,
        spaceAfter=space_after,
    )


def _longest_line(text: str, font: str, size: float, limit: float) -> float:
    """Width of ``text`` on one line, or ``limit`` if it wraps."""
    return min(stringWidth(text, font, size), limit)


# -- header ---------------------------------------------------------------------------------


def header_columns(frame_width: float) -> tuple[float, float]:
    """Widths of the left (issuing body) and right (Quốc hiệu) header columns."""
    left = frame_width * 0.42
    return left, frame_width - left


def header_block(
    header: DocumentHeader,
    frame_width: float,
    *,
    type_code: str | None = None,
    dated: bool = True,
) -> Table:
    """The top of page 1 (Phụ lục I, II.1-4).

    Left: the parent body (capitals, not bold), the issuing body (capitals, bold) and a rule of
    about 40 % of its length, then "Số: 05/BB-KTĐ" when ``type_code`` is given. Right: the Quốc
    hiệu, the Tiêu ngữ with a rule exactly as long as it, then the italic place and date line on
    the same row as the number.
    """
    st = styles()
    left_w, right_w = header_columns(frame_width)
    text_w = left_w - 4
    body = upper(header.issuing_body)
    left: list[Flowable] = []
    if header.parent_body.strip():
        left.append(paragraph(upper(header.parent_body), st.parent_body))
    left.append(paragraph(body, st.issuing_body))
    left.append(rule(_longest_line(body, SERIF_BOLD, SIZE_HEADER, text_w) * 0.4))

    right: list[Flowable] = [
        paragraph(NATIONAL_NAME, st.national),
        paragraph(MOTTO, st.motto),
        rule(stringWidth(MOTTO, SERIF_BOLD, SIZE_MOTTO)),
    ]
    rows: list[list[Cell]] = [[left, right]]
    number = None
    if type_code:
        codes = [type_code] + ([header.body_code] if header.body_code.strip() else [])
        number = paragraph(number_line(header.number, *codes), st.number)
    date = paragraph(dateline(header.place, header.date), st.dateline) if dated else None
    if number or date:
        rows.append([number or "", date or ""])
    table = Table(rows, colWidths=[left_w, right_w], hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # centres the rules under the text
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 6),  # number and date line below the rules
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
            ]
        )
    )
    return table


def title_block(doc_type: str, summary: str, frame_width: float) -> list[Flowable]:
    """Document type (capitals, bold, centred), summary (bold) and a short rule (Phụ lục I, II.5)."""
    st = styles()
    out: list[Flowable] = []
    if doc_type:
        out.append(paragraph(upper(doc_type), st.doc_type))
    if summary:
        summary_style = st.summary if doc_type else st.doc_type
        out.append(paragraph(summary, summary_style))
        line = _longest_line(" ".join(summary.split()), SERIF_BOLD, SIZE_BODY, frame_width * 0.85)
        out.append(rule(max(line / 3, 30 * mm), space_before=4))
    elif doc_type:
        out.append(rule(30 * mm, space_before=3))
    out.append(Spacer(1, 12))
    return out


# -- text blocks ----------------------------------------------------------------------------


def _end_with(text: str, mark: str) -> str:
    return text.strip().rstrip(";.,:") + mark


def legal_bases(lines: Sequence[str]) -> list[Flowable]:
    """The căn cứ lines: italic, one per line, each ending ";" and the last "." (Phụ lục I)."""
    st = styles()
    return [
        paragraph(_end_with(line, "." if i == len(lines) - 1 else ";"), st.basis)
        for i, line in enumerate(lines)
    ]


def addressees(names: Sequence[str], frame_width: float) -> Table:
    """The "Kính gửi:" block of a submission letter, centred on the page.

    One addressee goes on the label's line; several are listed "- …;" under one another.
    """
    st = styles()
    label_w = stringWidth("Kính gửi: ", SERIF, SIZE_BODY) + 4
    if len(names) == 1:
        cells = [paragraph(_end_with(names[0], "."), st.addressee)]
    else:
        cells = [
            paragraph("- " + _end_with(n, "." if i == len(names) - 1 else ";"), st.addressee)
            for i, n in enumerate(names)
        ]
    text_w = max(_longest_line(clean(n), SERIF, SIZE_BODY, frame_width * 0.7) for n in names) + 20
    table = Table(
        [[paragraph("Kính gửi:", st.addressee), cells]],
        colWidths=[label_w, text_w],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


# -- tables ---------------------------------------------------------------------------------


def data_table(
    header_rows: Sequence[Sequence[Cell]],
    rows: Sequence[Sequence[Cell]],
    col_widths: Sequence[float],
    *,
    align: str,
    font_size: float = 12,
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    total_rows: int = 0,
    extra_style: Sequence[tuple] = (),
) -> Table:
    """A ruled table whose ``header_rows`` repeat at the top of every page.

    Text cells become ``Paragraph``s so long names wrap inside their column; ``align`` gives one
    letter per column (L, C, R, J) for the body rows; header rows are bold and centred; the last
    ``total_rows`` rows are bold ("CỘNG"). ``spans`` are (start, end) cell pairs as in reportlab's
    SPAN command, for two-level headers.

    Short single-word body cells (numbers, "-", "05") that fit their column stay plain strings
    drawn in the table's own font settings: they cannot wrap, and a Paragraph per figure would
    triple the time a 60-unit sheet takes to lay out.
    """
    if len(align) != len(col_widths):
        raise ValueError("align needs one letter per column")
    n_head = len(header_rows)
    head_style = cell_style(font_size, "C", bold=True)
    first_total = n_head + len(rows) - total_rows

    def cell(value: Cell, style, column: int | None = None):
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            text = unicodedata.normalize("NFC", value).strip()
            font = SERIF_BOLD if style.fontName == SERIF_BOLD else SERIF
            if (
                column is not None
                and len(text.split()) == 1
                and stringWidth(text, font, font_size) <= col_widths[column] - 7
            ):
                return text
            return paragraph(value, style)
        return value

    data = [[cell(v, head_style) for v in row] for row in header_rows]
    for i, row in enumerate(rows):
        bold = i >= len(rows) - total_rows
        data.append(
            [cell(v, cell_style(font_size, align[c], bold=bold), c) for c, v in enumerate(row)]
        )
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), SERIF),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("LEADING", (0, 0), (-1, -1), round(font_size * 1.15, 1)),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    names = {"L": "LEFT", "C": "CENTER", "R": "RIGHT", "J": "LEFT"}
    commands += [("ALIGN", (c, n_head), (c, -1), names[a]) for c, a in enumerate(align)]
    if total_rows:
        commands.append(("FONTNAME", (0, first_total), (-1, -1), SERIF_BOLD))
    commands += [("SPAN", start, end) for start, end in spans]
    commands += list(extra_style)
    table = Table(data, colWidths=list(col_widths), repeatRows=n_head, hAlign="CENTER")
    table.setStyle(TableStyle(commands))
    return table


# -- signatures and distribution ------------------------------------------------------------


def signature_block(sig: Signature, *, space: float = SIGNING_SPACE) -> list[Flowable]:
    """Authority lines, title(s), room to sign, the signer's name (Phụ lục I, II.7)."""
    st = styles()
    out: list[Flowable] = [paragraph(upper(line), st.sign_title) for line in sig.authority]
    out.append(paragraph(upper(sig.title), st.sign_title))
    out += [paragraph(upper(line), st.sign_title) for line in sig.extra_titles]
    out.append(Spacer(1, space))
    out.append(paragraph(sig.name, st.sign_name))
    return out


def distribution_block(dist: Distribution) -> list[Flowable]:
    """ "Nơi nhận:" (12, bold italic), then "- …;" entries (11) and "- Lưu: VT, …." last."""
    st = styles()
    out: list[Flowable] = [paragraph("Nơi nhận:", st.distribution_label)]
    out += [paragraph("- " + _end_with(r, ";"), st.distribution) for r in dist.recipients]
    out.append(paragraph("- Lưu: " + _end_with(dist.archive, "."), st.distribution))
    return out


class KeepTableTail(KeepTogether):
    """A table followed by its ending (notes, signatures), with the table's last ``rows`` rows
    kept on the page of the ending.

    A long table that fills its last page exactly would otherwise leave the signature alone on
    a page without any of the figures it signs. When the ending does not fit under the table,
    the table is cut ``rows`` body rows early; the cut-off rows start the next page under the
    repeated header rows, followed by the ending.
    """

    def __init__(self, table: Table, ending: Sequence[Flowable], rows: int = 3):
        super().__init__([table, *ending])
        self._table, self._ending, self._rows = table, list(ending), rows

    def split(self, aW, aH):
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        if self._H <= aH:
            return list(self._content)
        table_h = self._table._height  # wrapped just now with the rest of the content
        if table_h > aH:  # the table goes on: split it normally, decide on the next page
            parts = self._table.split(aW, aH)
            if len(parts) == 2:
                return [parts[0], KeepTableTail(parts[1], self._ending, self._rows)]
            return []  # not even a row fits here: the frame moves us to the next page
        heights = self._table._rowHeights
        if len(heights) - self._table.repeatRows > self._rows:
            cut = sum(heights[: -self._rows])
            parts = self._table.split(aW, cut + 0.5)
            if len(parts) == 2:
                return [parts[0], KeepTogether([parts[1], *self._ending])]
        return super().split(aW, aH)


def _plain_table(rows, col_widths, *, valign="TOP") -> Table:
    table = Table(rows, colWidths=col_widths, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), valign),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
            ]
        )
    )
    return table


def signing_area(
    frame_width: float,
    *,
    signer: Signature,
    distribution: Distribution | None = None,
    left_signer: Signature | None = None,
    keep_with: Sequence[Flowable] = (),
    after_table: Table | None = None,
) -> list[Flowable]:
    """The end of a document: signature on the right, "Nơi nhận" bottom-left level with it.

    With ``left_signer`` (minutes: THƯ KÝ left, CHỦ TỌA right) the two sign side by side and
    the distribution list goes under the left signature, as in Mẫu 1.9. ``keep_with`` (the
    closing paragraph) moves to the next page with the signatures, so a signature never stands
    alone on a page without text. ``after_table``: the table the signature closes; its last
    rows are kept with the signature (``KeepTableTail``); do not add that table separately.
    """
    if left_signer is not None:
        half = frame_width / 2
        rows: list[list[Cell]] = [[signature_block(left_signer), signature_block(signer)]]
        if distribution is not None:
            rows.append([distribution_block(distribution), ""])
        table = _plain_table(rows, [half, half])
    else:
        left_w = frame_width * 0.45
        left = distribution_block(distribution) if distribution is not None else ""
        table = _plain_table([[left, signature_block(signer)]], [left_w, frame_width - left_w])
    ending = [*keep_with, Spacer(1, 6), table]
    if after_table is not None:
        return [KeepTableTail(after_table, ending)]
    return [KeepTogether(ending)]


def signature_grid(
    frame_width: float,
    signatures: Sequence[Signature],
    *,
    per_row: int = 3,
    distribution: Distribution | None = None,
    keep_with: Sequence[Flowable] = (),
) -> list[Flowable]:
    """Several signatures (a tally committee) in rows of ``per_row``, the first row's last
    column being the most senior; the distribution list follows bottom-left. ``keep_with`` as
    in ``signing_area``."""
    per_row = max(1, min(per_row, len(signatures)))
    width = frame_width / per_row
    rows = []
    for start in range(0, len(signatures), per_row):
        chunk = [signature_block(s) for s in signatures[start : start + per_row]]
        rows.append(chunk + [""] * (per_row - len(chunk)))
    out: list[Flowable] = [*keep_with, Spacer(1, 6), _plain_table(rows, [width] * per_row)]
    if distribution is not None:
        out += distribution_block(distribution)
    return [KeepTogether(out)]
