"""``ReportLayout``: the contract between the document engine and the plugins that supply layouts.

Why a class: plugins return layouts from the ``register_report_layouts`` hook, and the portal picks
one by ``code`` (a province's layout replaces the national one with the same code). A layout
declares what it needs, ``data_class``, and turns one such plain-data object into reportlab
flowables; the engine does everything else (page size, margins, page numbers, fingerprint,
metadata, fonts). A layout never queries a database: whoever prints the document fills the data
object first.

A minimal layout::

    class Notice(ReportLayout):
        code = "notice"
        title = "Thông báo"
        data_class = NoticeData
        type_code = "TB"

        def story(self, data):
            return [*self.header(data.header), *self.title_block("THÔNG BÁO", data.summary),
                    self.blocks.paragraph(data.text)]
"""

from __future__ import annotations

from typing import Any, ClassVar

from reportlab.platypus import Flowable

from . import blocks
from .data import DocumentHeader
from .engine import DEFAULT_MARGINS, Margins, Orientation, PageSetup


class ReportLayout:
    """Base class of every printed-document layout.

    Class attributes a layout sets:

    ``code``        stable ASCII identifier ("vote_count_record"); the key for replacement.
    ``title``       Vietnamese name shown in the portal ("Biên bản kiểm phiếu").
    ``data_class``  the dataclass of plain data it renders: what data it needs.
    ``orientation`` "portrait" (default) or "landscape" (tables only, Phụ lục I).
    ``margins``     ``Margins`` in mm; defaults 20/20/30/15, checked against the decree.
    ``type_code``   document-type part of the number symbol ("BB", "TTr"); ``None`` when the
                    document carries no number of its own (ballots, attached tables).
    ``doc_type``    the document-type line in capitals ("BIÊN BẢN"), or "".
    """

    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    data_class: ClassVar[type] = object
    orientation: ClassVar[Orientation] = "portrait"
    margins: ClassVar[Margins] = DEFAULT_MARGINS
    type_code: ClassVar[str | None] = None
    doc_type: ClassVar[str] = ""

    blocks = blocks  # the building blocks (header, tables, signatures), for subclasses

    # -- the part a layout writes -----------------------------------------------------------

    def story(self, data: Any) -> list[Flowable]:
        """Return the flowables of the document for ``data`` (an instance of ``data_class``)."""
        raise NotImplementedError

    # -- defaults a layout may override -----------------------------------------------------

    def metadata(self, data: Any) -> dict[str, str]:
        """PDF title, author and subject: the document type, the issuing body, the summary."""
        header = getattr(data, "header", None)
        summary = getattr(data, "summary", "") or getattr(data, "title", "")
        author = header.issuing_body if isinstance(header, DocumentHeader) else ""
        return {
            "title": f"{self.title}: {summary}" if summary else self.title,
            "author": author or "thidua-portal",
            "subject": summary or self.title,
        }

    def check(self, data: Any) -> None:
        """Refuse data of the wrong kind before anything is drawn."""
        if not isinstance(data, self.data_class):
            raise TypeError(
                f"layout {self.code!r} renders {self.data_class.__name__}, "
                f"not {type(data).__name__}"
            )

    # -- helpers ----------------------------------------------------------------------------

    @property
    def page(self) -> PageSetup:
        """Paper and margins of this layout; ``page.frame_width`` is the width for text."""
        return PageSetup(self.orientation, self.margins)

    def header(self, header: DocumentHeader, *, numbered: bool = True) -> list[Flowable]:
        """The two-column header of page 1 (issuing body and number | Quốc hiệu and date)."""
        type_code = self.type_code if numbered else None
        return [blocks.header_block(header, self.page.frame_width, type_code=type_code)]

    def title_block(self, doc_type: str, summary: str = "") -> list[Flowable]:
        """The document type in capitals and the summary (trích yếu) with its short rule."""
        return blocks.title_block(doc_type, summary, self.page.frame_width)

    def sample(self) -> Any | None:
        """Example data for the layout's preview in the portal ("Mẫu văn bản"); ``None`` when
        the layout offers none. Plugins are encouraged to provide one."""
        return None

    def opening(self, data: Any) -> list[Flowable]:
        """Header, document type and summary: how every numbered document begins
        (``data.header`` and ``data.summary``)."""
        return [*self.header(data.header), *self.title_block(self.doc_type, data.summary)]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code!r}>"
