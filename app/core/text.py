"""Vietnamese text: NFC normalisation of input and diacritic-insensitive folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


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


def initials(full_name: str) -> str:
    """"Nguyễn Văn An" -> "N.V.A." (for anonymised public cards)."""
    parts = [p for p in (nfc(full_name) or "").split() if p]
    return "".join(p[0].upper() + "." for p in parts)
