"""Matching award names as people type them to catalogue codes.

Officials write "BẰNG KHEN CỦA UBND TỈNH", "Bằng khen của Chủ tịch UBND tỉnh", decomposed
Unicode from old keyboards, or the catalogue code itself. Names are compared folded and without
tones; exact names, codes and aliases come first, short names only where they are unambiguous
(a province's variant of an award shares the short name of the national one, which wins).
"""

from __future__ import annotations

from collections.abc import Mapping

from portal.text import fold, strip_tones
from portal.types import AwardType


def key(text: str) -> str:
    return " ".join(strip_tones(fold(text)).replace(",", " ").split())


class AwardMatcher:
    def __init__(self, catalogue: Mapping[str, AwardType]):
        self._index: dict[str, str] = {}
        for award in catalogue.values():
            for name in (award.code, award.name, *award.aliases):
                self._index.setdefault(key(name), award.code)
        # Short names last; the family's own entry (no family) wins over a variant.
        for award in sorted(catalogue.values(), key=lambda a: a.family is not None):
            if award.short_name:
                self._index.setdefault(key(award.short_name), award.code)

    def match(self, text: str | None) -> str | None:
        if not text:
            return None
        return self._index.get(key(text))
