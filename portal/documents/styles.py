"""Paragraph and table styles: the sizes and faces NĐ 30/2020/NĐ-CP Phụ lục I prescribes.

Why our own styles: reportlab's sample stylesheet is Helvetica, which has no Vietnamese letters.
Every style here names a Liberation Serif face, and the sizes are those of the decree (RULES.md
§8, FMT-2 to FMT-5), in one place so a layout cannot drift from them:

=====================  ======================================
issuing body           caps 12, bold (parent body not bold)
Quốc hiệu              caps 12, bold
Tiêu ngữ               13, bold, rule as long as the line
Số, ký hiệu            13
place and date         14, italic
document type          caps 14, bold; summary 14, bold
body                   14, justified, indent 1 cm, 6 pt after
signature              titles caps 13 bold, name 14 bold
Nơi nhận               label 12 bold italic, entries 11
page number            13, centred in the top margin
=====================  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm

from .fonts import SERIF, SERIF_BOLD, SERIF_BOLD_ITALIC, SERIF_ITALIC, register_fonts

SIZE_HEADER = 12  # issuing body, Quốc hiệu
SIZE_MOTTO = 13
SIZE_NUMBER = 13
SIZE_DATELINE = 14
SIZE_BODY = 14
SIZE_SIGNATURE = 13
SIZE_NAME = 14
SIZE_DISTRIBUTION_LABEL = 12
SIZE_DISTRIBUTION = 11
SIZE_PAGE_NUMBER = 13
SIZE_FOOTER = 7
LEADING = 1.2  # single line spacing
PARAGRAPH_GAP = 6  # points between body paragraphs (at least 6, Phụ lục I)
FIRST_LINE_INDENT = 1 * cm

_ALIGN = {"L": TA_LEFT, "C": TA_CENTER, "R": TA_RIGHT, "J": TA_JUSTIFY}


def _style(name, font, size, align="L", **kw) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=round(size * LEADING, 1),
        alignment=_ALIGN[align],
        **kw,
    )


@dataclass(frozen=True)
class Styles:
    """The named paragraph styles every layout uses."""

    parent_body: ParagraphStyle
    issuing_body: ParagraphStyle
    national: ParagraphStyle
    motto: ParagraphStyle
    number: ParagraphStyle
    dateline: ParagraphStyle
    doc_type: ParagraphStyle
    summary: ParagraphStyle
    subtitle: ParagraphStyle
    body: ParagraphStyle
    body_flush: ParagraphStyle
    lead: ParagraphStyle
    heading: ParagraphStyle
    basis: ParagraphStyle
    addressee: ParagraphStyle
    sign_title: ParagraphStyle
    sign_name: ParagraphStyle
    distribution_label: ParagraphStyle
    distribution: ParagraphStyle
    note: ParagraphStyle


@cache
def styles() -> Styles:
    """The stylesheet (built once, after the fonts are registered)."""
    register_fonts()
    return Styles(
        parent_body=_style("parent_body", SERIF, SIZE_HEADER, "C"),
        issuing_body=_style("issuing_body", SERIF_BOLD, SIZE_HEADER, "C"),
        national=_style("national", SERIF_BOLD, SIZE_HEADER, "C"),
        motto=_style("motto", SERIF_BOLD, SIZE_MOTTO, "C"),
        number=_style("number", SERIF, SIZE_NUMBER, "C", spaceBefore=4),
        dateline=_style("dateline", SERIF_ITALIC, SIZE_DATELINE, "C", spaceBefore=4),
        doc_type=_style("doc_type", SERIF_BOLD, SIZE_BODY, "C", spaceBefore=18),
        summary=_style("summary", SERIF_BOLD, SIZE_BODY, "C"),
        subtitle=_style("subtitle", SERIF_ITALIC, SIZE_BODY, "C"),
        body=_style(
            "body",
            SERIF,
            SIZE_BODY,
            "J",
            firstLineIndent=FIRST_LINE_INDENT,
            spaceAfter=PARAGRAPH_GAP,
        ),
        body_flush=_style("body_flush", SERIF, SIZE_BODY, "J", spaceAfter=PARAGRAPH_GAP),
        lead=_style(  # a body paragraph that introduces a list or table: kept with it
            "lead",
            SERIF,
            SIZE_BODY,
            "J",
            firstLineIndent=FIRST_LINE_INDENT,
            spaceAfter=PARAGRAPH_GAP,
            keepWithNext=1,
        ),
        heading=_style(
            "heading",
            SERIF_BOLD,
            SIZE_BODY,
            "J",
            firstLineIndent=FIRST_LINE_INDENT,
            spaceAfter=PARAGRAPH_GAP,
            keepWithNext=1,
        ),
        basis=_style(
            "basis",
            SERIF_ITALIC,
            SIZE_BODY,
            "J",
            firstLineIndent=FIRST_LINE_INDENT,
            spaceAfter=PARAGRAPH_GAP,
        ),
        addressee=_style("addressee", SERIF, SIZE_BODY, "L", spaceAfter=PARAGRAPH_GAP),
        sign_title=_style("sign_title", SERIF_BOLD, SIZE_SIGNATURE, "C"),
        sign_name=_style("sign_name", SERIF_BOLD, SIZE_NAME, "C"),
        distribution_label=_style(
            "distribution_label", SERIF_BOLD_ITALIC, SIZE_DISTRIBUTION_LABEL, "L"
        ),
        distribution=_style("distribution", SERIF, SIZE_DISTRIBUTION, "L"),
        note=_style("note", SERIF_ITALIC, 12, "J", spaceBefore=4),
    )


@cache
def cell_style(size: float = 12, align: str = "L", bold: bool = False, italic: bool = False):
    """A table-cell style: tighter leading than the body, no indent."""
    register_fonts()
    font = {
        (False, False): SERIF,
        (True, False): SERIF_BOLD,
        (False, True): SERIF_ITALIC,
        (True, True): SERIF_BOLD_ITALIC,
    }[(bold, italic)]
    return ParagraphStyle(
        f"cell-{size}-{align}-{bold}-{italic}",
        fontName=font,
        fontSize=size,
        leading=round(size * 1.15, 1),
        alignment=_ALIGN[align],
    )
