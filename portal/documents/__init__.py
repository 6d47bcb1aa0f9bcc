"""Printed documents: PDFs that read as Vietnamese administrative documents (NĐ 30/2020/NĐ-CP).

``engine`` sets up the page and renders; ``blocks`` are the header, tables, signatures and the
"Nơi nhận" list; ``layout.ReportLayout`` is what plugins subclass; ``data`` holds the plain data
the national layouts print; ``formatting`` prints numbers and dates the Vietnamese way;
``fingerprint`` hashes the data a document was made from; ``fonts`` registers the embedded
Liberation Serif.
"""

from .engine import DEFAULT_MARGINS, Margins, PageSetup, render_pdf
from .fingerprint import fingerprint
from .fonts import register_fonts
from .layout import ReportLayout

__all__ = [
    "DEFAULT_MARGINS",
    "Margins",
    "PageSetup",
    "ReportLayout",
    "fingerprint",
    "register_fonts",
    "render_pdf",
]
