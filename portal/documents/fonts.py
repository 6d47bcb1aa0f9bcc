"""The one typeface of every printed document, registered with reportlab.

NĐ 30/2020/NĐ-CP asks for Times New Roman; Liberation Serif has the same metrics, full Vietnamese
coverage and a free licence, so it ships inside the package (``fonts/``, with its licence) and a
fresh machine needs no system font. reportlab embeds only the glyphs a document uses (subsetting),
which keeps a two-page document small.

Nothing may fall back to reportlab's built-in Helvetica, which has no Vietnamese letters: every
style names ``SERIF`` or one of its faces, and the document template starts its canvas on
``SERIF`` too (see ``engine``).
"""

from __future__ import annotations

import threading
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SERIF = "LiberationSerif"
SERIF_BOLD = "LiberationSerif-Bold"
SERIF_ITALIC = "LiberationSerif-Italic"
SERIF_BOLD_ITALIC = "LiberationSerif-BoldItalic"

FACES = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

_lock = threading.Lock()


def font_path(face: str) -> str:
    """Absolute path of a face's .ttf inside the installed package (reportlab wants a real file)."""
    return str(resources.files("portal.documents").joinpath("fonts", FACES[face]))


def register_fonts() -> str:
    """Register the four faces and the family once per process; return the family name.

    Safe to call before every render and from several threads: registration is skipped when the
    faces are already known to reportlab. ``registerFontFamily`` makes ``<b>`` and ``<i>`` in
    ``Paragraph`` markup pick the right face instead of a synthetic one.
    """
    with _lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for face in FACES:
            if face not in registered:
                pdfmetrics.registerFont(TTFont(face, font_path(face)))
        pdfmetrics.registerFontFamily(
            SERIF,
            normal=SERIF,
            bold=SERIF_BOLD,
            italic=SERIF_ITALIC,
            boldItalic=SERIF_BOLD_ITALIC,
        )
    return SERIF
