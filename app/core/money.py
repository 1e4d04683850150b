"""Whole-đồng amounts: parsing what people type and writing them the Vietnamese way."""

from __future__ import annotations

import re

from babel.numbers import format_decimal

MAX_AMOUNT_VND = 1_000_000_000_000  # 1 000 tỷ: larger than any single gift; anything above is a typo


class AmountError(ValueError):
    """An amount that cannot be read; the message is Vietnamese and shown to the user."""


_SUFFIX = re.compile(r"\s*(₫|vnđ|vnd|đồng|dong|đ|d)\.?\s*$", re.IGNORECASE)
_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_GROUPED_SPACE = re.compile(r"^\d{1,3}( \d{3})+$")


def parse_vnd(text: str | int | None, *, field: str = "Số tiền", allow_zero: bool = False) -> int:
    """Read "50.000.000", "50,000,000", "50 000 000 đ", "50000000" or "400.000,00" as an int of đồng.

    Mixed or ambiguous grouping ("1.000,000", "1,5") is refused rather than guessed.
    """
    if isinstance(text, bool):
        raise AmountError(f"{field}: không hợp lệ.")
    if isinstance(text, int):
        value = text
    else:
        raw = (text or "").replace("\u00a0", " ").replace("\u202f", " ").strip()
        if not raw:
            raise AmountError(f"{field}: chưa nhập số tiền.")
        if raw.startswith("-"):
            raise AmountError(f"{field}: số tiền phải lớn hơn 0.")
        s = _SUFFIX.sub("", raw).strip()
        # Bank exports write "400.000,00" or "400,000.00": whole đồng with zero decimals.
        m = re.match(r"^(.*?)([.,])00$", s)
        if m and (
            (m.group(2) == "," and (_GROUPED_DOT.match(m.group(1)) or m.group(1).isdigit()))
            or (m.group(2) == "." and (_GROUPED_COMMA.match(m.group(1)) or m.group(1).isdigit()))
        ):
            s = m.group(1)
        if s.isascii() and s.isdigit():  # str.isdigit alone accepts "²" and other scripts' digits
            digits = s
        elif _GROUPED_DOT.match(s) or _GROUPED_COMMA.match(s) or _GROUPED_SPACE.match(s):
            digits = re.sub(r"[., ]", "", s)
        else:
            raise AmountError(f"{field}: “{raw}” không phải số tiền hợp lệ (ví dụ: 50.000.000).")
        value = int(digits)
    if value < 0 or (value == 0 and not allow_zero):
        raise AmountError(f"{field}: số tiền phải lớn hơn 0.")
    if value > MAX_AMOUNT_VND:
        raise AmountError(f"{field}: số tiền quá lớn (tối đa {format_vnd(MAX_AMOUNT_VND)}).")
    return value


def format_vnd(amount: int | None, *, symbol: bool = True) -> str:
    """50000000 -> "50.000.000 ₫" (dot thousands, no decimals, đồng sign after a space)."""
    if amount is None:
        return ""
    text = format_decimal(int(amount), format="#,##0", locale="vi_VN")
    return f"{text} ₫" if symbol else text
