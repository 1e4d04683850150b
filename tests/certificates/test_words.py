"""Amounts in Vietnamese words: the readings printed on every letter."""

from __future__ import annotations

import pytest

from app.certificates.words import amount_in_words, number_to_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (11, "mười một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1_001, "một nghìn không trăm linh một"),
        (1_010_000, "một triệu không trăm mười nghìn"),
        # Convention: a group that is entirely zero is skipped ("không nghìn" is not read).
        (1_000_008, "một triệu không trăm linh tám"),
        (2_000_500, "hai triệu năm trăm"),
        (1_000_005_000, "một tỷ không trăm linh năm nghìn"),
        (50_000_000, "năm mươi triệu"),
        (10**12, "một nghìn tỷ"),
        (10**12 + 5, "một nghìn tỷ không trăm linh năm"),
        (2 * 10**15 + 10**9, "hai triệu tỷ không trăm linh một tỷ"),
    ],
)
def test_readings(n, words):
    assert number_to_words(n) == words


def test_amount_in_words_is_capitalised_and_in_dong():
    assert amount_in_words(50_000_000) == "Năm mươi triệu đồng"
    assert amount_in_words(1_250_000) == "Một triệu hai trăm năm mươi nghìn đồng"


def test_big_numbers_with_zeros_never_read_empty_groups():
    for n in (10**12 + 5, 10**15 + 1, 7 * 10**12 + 3 * 10**6):
        text = number_to_words(n)
        assert "không nghìn" not in text and "không triệu" not in text and "không tỷ" not in text
        assert "  " not in text


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100"])
def test_rejects_what_is_not_a_whole_amount(bad):
    with pytest.raises(ValueError, match="nguyên"):
        number_to_words(bad)
