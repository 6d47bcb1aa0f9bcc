"""Vietnamese text handling (pure, no app)."""

import unicodedata

from portal.text import nfc, search_text, sort_key, vi_sorted


def test_dictionary_order_of_letters_and_tones():
    words = ["Đồng Nai", "Dũng", "Ân", "Ăn", "An", "Bình", "Ấn", "Ẩn", "a", "á", "à", "ả", "ã", "ạ", "Ơn", "Ôm", "Om", "Ưu", "Uy"]
    assert vi_sorted(words) == [
        "a", "à", "ả", "ã", "á", "ạ", "An", "Ăn", "Ân", "Ẩn", "Ấn", "Bình", "Dũng", "Đồng Nai",
        "Om", "Ôm", "Ơn", "Uy", "Ưu",
    ]


def test_composed_and_decomposed_sort_and_search_alike():
    composed = "Sở Nội vụ"
    decomposed = unicodedata.normalize("NFD", composed)
    assert sort_key(composed) == sort_key(decomposed)
    assert nfc(decomposed) == composed
    assert search_text(decomposed) == search_text("SỞ NỘI VỤ") == "so noi vu"


def test_prefix_sorts_first():
    assert vi_sorted(["Lai Châu 2", "Lai Châu", "Lai"]) == ["Lai", "Lai Châu", "Lai Châu 2"]
