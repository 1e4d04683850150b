"""Every QR code the application makes is made here, with segno (the encoder; BSD, no dependencies).

- `svg()`: an SVG for web pages (the VietQR of a pledge or an official account, a receipt's verification code);
  no inline styles, so it passes the CSP.
- `draw()`: the same code as vector shapes on a ReportLab canvas (a certificate's verification address), so it
  prints sharp at any size.

What a code *says* is decided by its caller: a VietQR payload comes from `app.banking.vietqr.build_payload`
(our small EMVCo encoder), a verification address from `app.core.web.public_url`. Error correction is level M
(15 % of the symbol may be lost: a folded or stamped paper still scans), never a Micro QR (phones' bank apps
do not read them), with a quiet zone of `BORDER` modules (ISO 18004 asks for 4; 2 is what every phone reader
we tried accepts, and it keeps the code large on a small certificate corner).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import segno

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

ERROR = "m"
BORDER = 2
# In a PDF the mask pattern is fixed: segno otherwise applies all eight masks and scores each, two thirds of
# its time (a 122-character verification address: 12 ms instead of 4 ms on the bench machine, where a whole
# certificate takes ~11 ms). Every mask gives valid QR; the choice only evens out dark and light areas, which
# a printed vector code does not need.
PDF_MASK = 2

_DARK_RUN = re.compile(b"\x01+")


def encode(content: str, *, mask: int | None = None) -> segno.QRCode:
    """The QR symbol of `content` (level M, or higher where the same version has room for it)."""
    return segno.make(content, error=ERROR, micro=False, mask=mask)


def svg(content: str, *, title: str, scale: int = 5) -> str:
    """An SVG document of the code for a page (inline in HTML, or served as image/svg+xml)."""
    out = io.BytesIO()
    encode(content).save(
        out, kind="svg", scale=scale, border=BORDER, title=title, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue().decode()


def png(content: str, *, scale: int = 5) -> bytes:
    """A PNG of the code (for a mail client or a program that cannot show SVG)."""
    out = io.BytesIO()
    encode(content).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def draw(canvas: Canvas, content: str, x: float, y: float, size: float) -> None:
    """Draw the code of `content` on a ReportLab canvas: a white square of `size` points with its lower left
    corner at (x, y), quiet zone included; each run of dark modules in a row is one filled rectangle."""
    from reportlab.lib.colors import black, white

    code = encode(content, mask=PDF_MASK)
    matrix = code.matrix
    n = len(matrix)
    cell = size / (n + 2 * BORDER)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    # One module is one unit after this transform, so every rectangle has integer coordinates.
    canvas.translate(x + BORDER * cell, y + BORDER * cell)
    canvas.scale(cell, cell)
    # The rectangles go in as one literal block of "x y w h re" operators: a path object formats every
    # coordinate as a float, which took longer than encoding the code (~1 ms for ~450 rectangles).
    ops = [
        f"{run.start()} {n - 1 - r} {run.end() - run.start()} 1 re"
        for r, row in enumerate(matrix)
        for run in _DARK_RUN.finditer(row)
    ]
    canvas.setFillColor(black)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()
