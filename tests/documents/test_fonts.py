"""The embedded Liberation Serif covers the whole Vietnamese alphabet in all four faces."""

import unicodedata
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from portal.documents.fonts import FACES, font_path, register_fonts

VOWELS = "a ă â e ê i o ô ơ u ư y".split()
CONSONANTS = "b c d đ g h k l m n p q r s t v x f j w z".split()
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # ngang huyền hỏi ngã sắc nặng


def vietnamese_letters() -> set[str]:
    letters = set(CONSONANTS)
    for vowel in VOWELS:
        for tone in TONES:
            letters.add(unicodedata.normalize("NFC", vowel + tone))
    letters |= {letter.upper() for letter in letters}
    assert all(len(letter) == 1 for letter in letters), "every letter has a precomposed form"
    return letters


def test_alphabet_has_all_134_toned_vowels_and_d_bar():
    letters = vietnamese_letters()
    assert len(letters) == 2 * (12 * 6 + len(CONSONANTS))
    assert {"đ", "Đ", "ự", "Ự", "ỹ", "Ỹ", "ẫ", "Ẫ"} <= letters


@pytest.mark.parametrize("face", sorted(FACES))
def test_every_face_has_a_glyph_for_every_letter(face):
    font = TTFont(face, font_path(face))
    missing = sorted(c for c in vietnamese_letters() if ord(c) not in font.face.charToGlyph)
    assert not missing, f"{face} lacks {missing}"


def test_fonts_ship_with_their_licence_inside_the_package():
    folder = Path(font_path(next(iter(FACES)))).parent
    assert (folder / "LICENSE").read_text(encoding="utf-8").count("Open Font License") >= 1
    for filename in FACES.values():
        assert (folder / filename).stat().st_size > 100_000


def test_registration_is_idempotent():
    assert register_fonts() == register_fonts() == "LiberationSerif"
