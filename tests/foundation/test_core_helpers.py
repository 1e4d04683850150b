from __future__ import annotations

import unicodedata

import pytest

from app.core.identifiers import IdentifierError, normalize_phone, normalize_tax_code
from app.core.money import AmountError, format_vnd, parse_vnd
from app.core.text import fold, initials, nfc


@pytest.mark.parametrize(
    "text",
    [
        "50.000.000",
        "50,000,000",
        "50000000",
        "50 000 000 đ",
        "50.000.000 VNĐ",
        "50.000.000₫",
        "50.000.000,00",
        "50,000,000.00",
    ],
)
def test_amounts_are_read_the_way_people_write_them(text):
    assert parse_vnd(text) == 50_000_000


@pytest.mark.parametrize(
    "text", ["0", "-5", "-50.000", "abc", "1,5", "1.000,000", "10.5", "", "  ", "1000000000000000"]
)
def test_bad_amounts_are_refused_with_the_field_named(text):
    with pytest.raises(AmountError, match="Số tiền"):
        parse_vnd(text)


def test_amounts_are_written_the_vietnamese_way():
    assert format_vnd(50_000_000) == "50.000.000 ₫"
    assert format_vnd(0) == "0 ₫"
    assert format_vnd(1_234) == "1.234 ₫"


def test_fold_ignores_diacritics_case_and_d_stroke_in_any_normal_form():
    assert fold("Nguyễn Văn A") == "nguyen van a"
    assert fold("ĐƯỜNG Biên Hòa") == "duong bien hoa"
    decomposed = unicodedata.normalize("NFD", "Đặng Thị Ánh")
    assert fold(decomposed) == "dang thi anh"
    assert nfc(decomposed) == "Đặng Thị Ánh"
    assert initials("Nguyễn văn an") == "N.V.A."


@pytest.mark.parametrize("code", ["0100047516", "0100233488", "0314409058", "0314409058-002", "056087001234"])
def test_real_tax_codes_are_accepted(code):
    assert normalize_tax_code(code) == code


@pytest.mark.parametrize(
    "code,reason",
    [
        ("0100047517", "chữ số kiểm tra"),
        ("0100233489", "chữ số kiểm tra"),
        ("0314409058-000", "000"),
        ("01-00047516", "10 chữ số"),
        ("12345", "10 chữ số"),
        ("", "chưa nhập"),
    ],
)
def test_wrong_tax_codes_are_refused_in_vietnamese(code, reason):
    with pytest.raises(IdentifierError, match=reason):
        normalize_tax_code(code)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0905 123 456", "0905123456"),
        ("+84905123456", "0905123456"),
        ("905123456", "0905123456"),
        ("0258.3822.123", "02583822123"),
        # donors abroad (issue 19.4): E.164, written with + or 00
        ("+1 415 555 2671", "+14155552671"),
        ("001 (415) 555-2671", "+14155552671"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "0105123456", "abc", "+1 555 0100", "+999 1234567"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(IdentifierError, match="Số điện thoại"):
        normalize_phone(raw)
