"""Vietnamese text: NFC normalisation on the way in, and dictionary order for lists.

People type Vietnamese with different keyboards (Unikey in composed or decomposed mode, phones), so
every string is normalised to NFC before it is stored or compared. Python's default string order
puts "Đ" after "Z" and "Ă" after "Z"; Vietnamese dictionaries order the letters
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, and the tones
ngang, huyền, hỏi, ngã, sắc, nặng (the CLDR "vi" tailoring). PyICU would do this but needs the ICU
headers to build, which a fresh machine with only Python lacks; the rules are small enough to state
here and are tested letter by letter.
"""

from __future__ import annotations

import re
import unicodedata

# Combining marks that make a separate letter of the alphabet.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
# Tone marks, in dictionary order (ngang = no mark comes first).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANK = {letter: i for i, letter in enumerate(ALPHABET)}


def nfc(value: str | None) -> str | None:
    """Return ``value`` in NFC with surrounding white space removed (``None`` stays ``None``)."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str) -> str:
    """Casefolded, NFC, single-spaced: the form used to match what people type against names."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value).casefold()).strip()


def strip_tones(value: str) -> str:
    """Remove diacritics entirely ("Lai Châu" -> "Lai Chau"), for ASCII file names and search."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _split(ch_group: str) -> tuple[str, int, bool]:
    """Split one NFD grapheme into (Vietnamese letter, tone rank, is_upper)."""
    base, marks = ch_group[0], ch_group[1:]
    upper = base.isupper()
    letter = base.lower()
    if letter == "đ":
        pass
    elif _BREVE in marks and letter == "a":
        letter = "ă"
    elif _CIRCUMFLEX in marks and letter in "aeo":
        letter = {"a": "â", "e": "ê", "o": "ô"}[letter]
    elif _HORN in marks and letter in "ou":
        letter = {"o": "ơ", "u": "ư"}[letter]
    tone = 0
    for mark in marks:
        tone = _TONES.get(mark, tone)
    return letter, tone, upper


def _graphemes(value: str) -> list[str]:
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", value):
        if unicodedata.combining(ch) and out:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def sort_key(value: str | None) -> str:
    """An ASCII string whose plain (``"C"``) order is Vietnamese dictionary order.

    Stored in ``sort_key`` columns so that the database can order and page lists itself. Primary:
    letters (digits before letters, other symbols before both); secondary: tones; tertiary: case.
    Each symbol is two base-36 characters, so byte order equals the intended order.
    """
    if not value:
        return ""
    primary, secondary, tertiary = [], [], []
    for grapheme in _graphemes(fold(value)):
        letter, tone, upper = _split(grapheme)
        if letter in _LETTER_RANK:
            code = 20 + _LETTER_RANK[letter]
        elif letter.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
            code = 10 + int(letter)
        elif letter == " ":
            code = 1
        else:
            code = 2 + min(ord(letter) % 8, 7)
        primary.append(_b36(code))
        secondary.append(_b36(tone + 1))
        tertiary.append("1" if upper else "0")
    # "00" separates the levels and sorts before every symbol, so "An" < "An Giang".
    return "".join(primary) + "00" + "".join(secondary) + "00" + "".join(tertiary)


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return digits[n // 36] + digits[n % 36]


def vi_sorted(items, key=lambda x: x):
    """Sort any iterable by a string key in Vietnamese order."""
    return sorted(items, key=lambda item: sort_key(key(item) or ""))


def search_text(*parts: str | None) -> str:
    """Lower case, no tones, single spaces: stored beside a name so that "so noi vu", "SỞ NỘI VỤ"
    and "Sở Nội vụ" all find the same unit with a plain ``LIKE``."""
    return " ".join(strip_tones(fold(p)) for p in parts if p)
