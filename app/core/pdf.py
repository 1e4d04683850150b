"""What every PDF of the application shares: the Be Vietnam Pro family for ReportLab, and text made drawable.

Certificates, donors' yearly statements and periodic reports all draw with the same four faces, registered
once per process through ReportLab's public API (`pdfmetrics.registerFont(TTFont(...))` and
`registerFontFamily`, so `<b>` and `<i>` work inside Paragraphs). The font files come from the
`fontpkg-be-vietnam-pro` package: designed for Vietnamese, SIL OFL (embedding allowed), the same on every
machine. ReportLab embeds, in each document, a subset of only the characters that document uses.

ReportLab does no glyph shaping, so every string is NFC-normalised before it is drawn (an NFD "ặ" would print
its marks beside the letter): `text()`.
"""

from __future__ import annotations

import threading
import unicodedata

import fontpkg
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "Be Vietnam Pro"
# Our own names: nothing else in the process registers fonts under them.
FONT = "ChungTay-Regular"
FONT_BOLD = "ChungTay-Bold"
FONT_ITALIC = "ChungTay-Italic"
FONT_BOLD_ITALIC = "ChungTay-BoldItalic"
_FACES = (
    (FONT, 400, "normal"),
    (FONT_BOLD, 700, "normal"),
    (FONT_ITALIC, 400, "italic"),
    (FONT_BOLD_ITALIC, 700, "italic"),
)

_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register the four faces and their family once per process (safe from several threads); returns the
    family's name, which is also the regular face's name, for a ParagraphStyle's fontName."""
    global _registered
    if _registered:
        return FONT
    with _lock:
        if not _registered:
            for name, weight, style in _FACES:
                pdfmetrics.registerFont(TTFont(name, str(fontpkg.path(FAMILY, weight, style=style))))
            pdfmetrics.registerFontFamily(
                FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
            )
            _registered = True
    return FONT


def text(value: object) -> str:
    """A value as text ReportLab can draw: NFC, and plain spaces for the non-breaking ones Babel puts in
    amounts (so text extracted from the PDF reads "50.000.000 ₫" with an ordinary space)."""
    s = "" if value is None else str(value)
    return unicodedata.normalize("NFC", s).replace("\u00a0", " ").replace("\u202f", " ")
