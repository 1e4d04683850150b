"""Whole-đồng amounts: parsing what people type and writing them the Vietnamese way."""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel import Locale
from babel.numbers import parse_pattern

from app.core.messages import N_

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
        raise AmountError(N_("%(field)s: không hợp lệ.", field=field))
    if isinstance(text, int):
        value = text
    else:
        raw = (text or "").replace("\u00a0", " ").replace("\u202f", " ").strip()
        if not raw:
            raise AmountError(N_("%(field)s: chưa nhập số tiền.", field=field))
        if raw.startswith("-"):
            raise AmountError(N_("%(field)s: số tiền phải lớn hơn 0.", field=field))
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
            raise AmountError(
                N_(
                    "%(field)s: “%(raw)s” không phải số tiền hợp lệ (ví dụ: 50.000.000).",
                    field=field,
                    raw=raw,
                )
            )
        value = int(digits)
    if value < 0 or (value == 0 and not allow_zero):
        raise AmountError(N_("%(field)s: số tiền phải lớn hơn 0.", field=field))
    if value > MAX_AMOUNT_VND:
        raise AmountError(
            N_("%(field)s: số tiền quá lớn (tối đa %(max)s).", field=field, max=format_vnd(MAX_AMOUNT_VND))
        )
    return value


# Babel's pattern and locale, parsed once: format_decimal parses both on every call (26 µs vs 8 µs per amount; the
# overview page with its chart tables formats ~250 amounts).
_VI = Locale.parse("vi_VN")
_VND_PATTERN = parse_pattern("#,##0")


def format_vnd(amount: int | None, *, symbol: bool = True) -> str:
    """50000000 -> "50.000.000 ₫" (dot thousands, no decimals, đồng sign after a space)."""
    if amount is None:
        return ""
    text = _VND_PATTERN.apply(int(amount), _VI)
    return f"{text} ₫" if symbol else text


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` đồng in proportion to `weights` so that the parts add up to `total` exactly.

    Largest remainder (Hamilton): each part is first the floor of its exact share total·w/Σw, then the đồng left
    over go one each to the parts with the largest remainders, an earlier index first when remainders tie.
    Integer arithmetic only (no float: 60.000.000 split 14:22:26 is 13.548.387 + 21.290.323 + 25.161.290, never
    59.999.999). A zero weight gets 0; a negative weight or total is refused; all weights zero splits nothing
    (total 0) or is refused. Each part is within 1 đồng of its exact share.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ValueError(f"apportion: total must be a non-negative int, got {total!r}")
    ws = list(weights)
    for w in ws:
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            raise ValueError(f"apportion: weights must be non-negative ints, got {w!r}")
    whole = sum(ws)
    if whole == 0:
        if total == 0:
            return [0] * len(ws)
        raise ValueError("apportion: cannot split a non-zero total by weights that are all zero")
    parts = [total * w // whole for w in ws]
    left = total - sum(parts)  # 0 <= left < len(ws)
    if left:
        by_remainder = sorted(range(len(ws)), key=lambda i: (-(total * ws[i] % whole), i))
        for i in by_remainder[:left]:
            parts[i] += 1
    return parts
