"""The document engine: page setup, page decorations and ``render_pdf``.

Why one engine: every printed output (minutes, vote counts, ballots, scoring sheets, letters,
award tables) must share the page rules of NĐ 30/2020/NĐ-CP Phụ lục I: A4, the margins below,
the page number centred in the top margin from page 2 on, and one typeface. Layouts only supply
the story (``ReportLayout.story``); they cannot get the page wrong.

The engine also prints, at the foot of every page, the SHA-256 fingerprint of the data the
document was made from (see ``fingerprint``), and builds with reportlab's ``invariant`` mode so the
same data gives byte-identical PDFs: a reprint can be compared with the original byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any, Literal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from .fingerprint import fingerprint as compute_fingerprint
from .fonts import SERIF, register_fonts
from .styles import SIZE_BODY, SIZE_FOOTER, SIZE_PAGE_NUMBER

if TYPE_CHECKING:
    from .layout import ReportLayout

Orientation = Literal["portrait", "landscape"]

# NĐ 30/2020/NĐ-CP Phụ lục I, I.4: allowed margin ranges in millimetres.
MARGIN_RANGES = {"top": (20, 25), "bottom": (20, 25), "left": (30, 35), "right": (15, 20)}

FOOTER_LABEL = "Mã xác thực dữ liệu (SHA-256): "
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Margins:
    """Page margins in millimetres; refused outside the decree's ranges.

    The ranges apply to the page as printed: on a landscape page "left" is still the binding
    side the decree means, so the same values are used.
    """

    top: float = 20
    bottom: float = 20
    left: float = 30
    right: float = 15

    def __post_init__(self):
        for side, (low, high) in MARGIN_RANGES.items():
            value = getattr(self, side)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{side} margin must be a number of millimetres")
            if not low <= value <= high:
                raise ValueError(
                    f"{side} margin {value} mm is outside NĐ 30/2020's range {low}-{high} mm"
                )


DEFAULT_MARGINS = Margins()


@dataclass(frozen=True)
class PageSetup:
    """Paper size and margins in points, and the width left for text."""

    orientation: Orientation = "portrait"
    margins: Margins = DEFAULT_MARGINS

    def __post_init__(self):
        if self.orientation not in ("portrait", "landscape"):
            raise ValueError(f"orientation must be portrait or landscape, not {self.orientation!r}")

    @property
    def pagesize(self) -> tuple[float, float]:
        return landscape(A4) if self.orientation == "landscape" else A4

    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - (self.margins.left + self.margins.right) * mm

    @property
    def frame_height(self) -> float:
        return self.pagesize[1] - (self.margins.top + self.margins.bottom) * mm


def nfc(value: Any) -> Any:
    """NFC-normalise every string inside plain data, rebuilding frozen dataclasses.

    People type Vietnamese in composed and decomposed forms; decomposed marks would be drawn as
    separate glyphs and read back differently, so the engine normalises all input first.
    """
    import dataclasses

    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: nfc(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(nfc(v) for v in value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


def _decorate(setup: PageSetup, fingerprint_hex: str):
    """The onPage callback: page number (page 2 on) in the top margin, fingerprint at the foot."""
    width, height = setup.pagesize
    m = setup.margins

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        if doc.page >= 2:
            canvas.setFont(SERIF, SIZE_PAGE_NUMBER)
            # centred in the top margin, baseline a little below its middle
            canvas.drawCentredString(
                m.left * mm + setup.frame_width / 2,
                height - m.top * mm / 2 - SIZE_PAGE_NUMBER / 3,
                str(doc.page),
            )
        canvas.setFont(SERIF, SIZE_FOOTER)
        canvas.drawString(m.left * mm, m.bottom * mm / 2, FOOTER_LABEL + fingerprint_hex)
        canvas.restoreState()

    return on_page


def render_pdf(
    layout: ReportLayout,
    data: Any,
    *,
    fingerprint: str | None = None,
    invariant: bool = True,
) -> bytes:
    """Render ``data`` with ``layout`` and return the PDF bytes.

    ``fingerprint`` is the SHA-256 printed at the foot of each page; by default it is computed
    from ``data`` with ``fingerprint()``. With ``invariant`` (the default) the PDF carries no
    creation date or random id, so equal input gives byte-identical output.
    """
    register_fonts()
    layout.check(data)
    data = nfc(data)
    fp = fingerprint if fingerprint is not None else compute_fingerprint(data)
    if not _HEX64.match(fp):
        raise ValueError("fingerprint must be 64 lower-case hex digits (SHA-256)")
    setup = PageSetup(layout.orientation, layout.margins)
    m = setup.margins
    meta = {k: unicodedata.normalize("NFC", v) for k, v in layout.metadata(data).items()}

    buf = BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=setup.pagesize,
        leftMargin=m.left * mm,
        rightMargin=m.right * mm,
        topMargin=m.top * mm,
        bottomMargin=m.bottom * mm,
        title=meta["title"],
        author=meta["author"],
        subject=meta["subject"],
        creator="thidua-portal",
        producer="thidua-portal (reportlab)",
        lang="vi",
        invariant=1 if invariant else 0,
        pageCompression=1,
        initialFontName=SERIF,
        initialFontSize=SIZE_BODY,
        initialLeading=SIZE_BODY * 1.2,
    )
    frame = Frame(
        m.left * mm,
        m.bottom * mm,
        setup.frame_width,
        setup.frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_decorate(setup, fp))])
    doc.build(layout.story(data))
    return buf.getvalue()
