"""Vietnamese text: NFC normalisation of input and diacritic-insensitive folding for search."""

from __future__ import annotations

import re
import unicodedata
from typing import overload

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


@overload
def nfc(text: str) -> str: ...
@overload
def nfc(text: None) -> None: ...
@overload
def nfc(text: str | None) -> str | None: ...
def nfc(text: str | None) -> str | None:
    """Normalise to NFC and trim; None stays None."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics and map đ/Đ to d: "Đặng Văn Ánh" -> "dang van anh"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped).lower()).strip()


def search_words(*parts: str | None) -> str:
    """The words a search key holds: folded, with every run of spaces or punctuation made one space.

    "Công ty TNHH (Hà Nội)", "VNN26-0042-K" -> "cong ty tnhh ha noi vnn26 0042 k". Stored search keys and the
    searched text both go through it, so a search matches from the start of a word whatever the punctuation."""
    return _NOT_WORD.sub(" ", fold(" ".join(p for p in parts if p))).strip()


def initials(full_name: str) -> str:
    """ "Nguyễn Văn An" -> "N.V.A." (for anonymised public cards)."""
    parts = [p for p in (nfc(full_name) or "").split() if p]
    return "".join(p[0].upper() + "." for p in parts)
