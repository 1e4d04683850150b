"""Certificates as PDF with ReportLab: A4 landscape, Be Vietnam Pro (embedded, subset), a QR code of the
verification address.

Fonts and NFC text come from app.core.pdf, the QR code from app.core.qr: the same for every PDF of the
application. Text is drawn as text (not outlines), so it can be extracted and searched.
"""

from __future__ import annotations

import copy
import hashlib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from reportlab.lib.boxstuff import aspectRatioFix
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfgen.canvas import Canvas

from app.certificates.words import amount_in_words
from app.core import qr
from app.core.money import format_vnd
from app.core.pdf import FONT, FONT_BOLD, FONT_ITALIC, register_fonts
from app.core.pdf import text as t

RED = HexColor("#b3121b")
GOLD = HexColor("#b8862b")
INK = HexColor("#1a1a1a")
STAR = HexColor("#ffd400")
PAGE = landscape(A4)  # 841.9 x 595.3 pt


@dataclass(frozen=True)
class PrintData:
    """Everything printed on one certificate (no database access while drawing)."""

    kind: str  # acknowledgement | giay_khen | bang_khen
    issuer_name: str  # "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa"
    recipient_name: str
    amount_vnd: int
    place: str
    issued_on: date
    serial: str
    verify_url: str
    purpose_text: str = ""
    campaign_name: str = ""
    achievement: str = ""
    decision_no: str = ""
    decision_date: date | None = None
    signer_name: str = ""
    signer_title: str = ""
    seal_png: bytes | None = None
    signature_png: bytes | None = None


def date_line(place: str, day: date) -> str:
    """ "Khánh Hòa, ngày 20 tháng 10 năm 2026" (the day and month as written in official documents)."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@lru_cache(maxsize=32)
def _scaled_image(digest: str, data: bytes, max_px: int) -> ImageReader:
    """An uploaded seal or signature decoded and scaled once per process (a cache: every certificate of a
    committee carries the same two images). ~200 dpi at the printed size: sharp, and small to embed.
    Benchmark-driven (docs/CONVENTIONS.md): certificates.single_pdf_per_core needs it, 45.8 vs 33.4 certificates/s
    with the cache emptied before each render (07/12/2026, 150 renders): the national 0.65x would fall to about
    0.47x, under the row's 0.5 target."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGBA")
        img.thumbnail((max_px, max_px))
        return ImageReader(img.copy())


@lru_cache(maxsize=32)
def _image_object(digest: str, data: bytes, max_px: int) -> PDFImageXObject:
    """The scaled image as ReportLab's image object, its pixels (and its transparency, a soft mask) compressed
    once per process. `canvas.drawImage` would hash the raw pixels and compress them again in every document:
    for a signed paper that is most of the cost of its seal and signature (two images, each with its mask).
    Benchmark-driven (docs/CONVENTIONS.md): papers.sponsorship_record_pdf, 73.3 vs 63.2 records/s with the cache
    emptied before each render (08/12/2026, 150 renders under the bench lock): 1.16x; certificates share it."""
    return PDFImageXObject(
        f"ChungTayImg{digest[:24]}{max_px}", _scaled_image(digest, data, max_px), mask="auto"
    )


def _draw_png(c: Canvas, data: bytes, x: float, y: float, width: float, height: float) -> None:
    """A PNG fitted (aspect kept, centred) in the box; its transparent parts stay transparent.

    What `canvas.drawImage` does for an image seen for the first time in a document (register the image and its
    soft mask as XObjects of this document, then draw it scaled into the box), with the compressed pixels taken
    from `_image_object` instead of made again: each document gets its own shallow copy of the cached object,
    sharing only the compressed bytes (immutable)."""
    template = _image_object(hashlib.sha256(data).hexdigest(), data, 200)
    doc = c._doc
    name = doc.getXObjectName(template.name)
    image = doc.idToObject.get(name)
    if image is None:
        image = copy.copy(template)
        smask = image.__dict__.pop("_smask", None)
        c._setXObjects(image)
        doc.Reference(image, name)
        doc.addForm(template.name, image)
        if smask is not None:
            smask = copy.copy(smask)
            c._setXObjects(smask)
            image.smask = doc.Reference(smask, doc.getXObjectName(smask.name))
    x, y, w, h, _scaled = aspectRatioFix(True, "c", x, y, width, height, image.width, image.height)
    c._currentPageHasImages = 1
    c.saveState()
    c.translate(x, y)
    c.scale(w, h)
    c._code.append(f"/{name} Do")
    c.restoreState()
    c._formsinuse.append(template.name)  # in this page's resources


def _fit_size(text: str, font: str, size: float, width: float, minimum: float = 11) -> float:
    """The largest size ≤ `size` (in half points, not below `minimum`) at which `text` fits in `width`."""
    natural = pdfmetrics.stringWidth(text, font, size)
    if natural <= width:
        return size
    return max(minimum, math.floor(size * width / natural * 2) / 2)


def _centred(
    c: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    color: HexColor = INK,
    width: float | None = None,
) -> float:
    text = t(text)
    if width:
        size = _fit_size(text, font, size, width)
    c.setFont(font, size)
    c.setFillColor(color)
    c.drawCentredString(x, y, text)
    return size


def _wrapped(
    c: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    width: float,
    leading: float,
    color: HexColor = INK,
    max_lines: int = 3,
) -> float:
    lines = simpleSplit(t(text), font, size, width)[:max_lines]
    c.setFont(font, size)
    c.setFillColor(color)
    for line in lines:
        c.drawCentredString(x, y, line)
        y -= leading
    return y


def _chunk_by_width(text: str, font: str, size: float, width: float) -> list[str]:
    """Break a long unbreakable string (an address) into lines no wider than `width`."""
    widths = {ch: pdfmetrics.stringWidth(ch, font, size) for ch in set(text)}
    lines, current, used = [], "", 0.0
    for ch in text:
        if current and used + widths[ch] > width:
            lines.append(current)
            current, used = "", 0.0
        current += ch
        used += widths[ch]
    return [*lines, current] if current else lines


def _star(c: Canvas, cx: float, cy: float, r: float) -> None:
    p = c.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        px, py = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            p.moveTo(px, py)
        else:
            p.lineTo(px, py)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _frame(c: Canvas) -> None:
    w, h = PAGE
    c.setStrokeColor(RED)
    c.setLineWidth(3.2)
    c.rect(16, 16, w - 32, h - 32)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.1)
    c.rect(24, 24, w - 48, h - 48)
    # small corner squares tie the two borders together, as on printed certificates
    c.setFillColor(GOLD)
    for x, y in ((20, 20), (w - 20, 20), (20, h - 20), (w - 20, h - 20)):
        c.rect(x - 3, y - 3, 6, 6, stroke=0, fill=1)


def _emblem(c: Canvas, cx: float, cy: float, r: float) -> None:
    """The emblem area: a red disc with a gold ring and a yellow star (a placeholder, not the Front's emblem)."""
    c.setStrokeColor(GOLD)
    c.setLineWidth(2)
    c.setFillColor(RED)
    c.circle(cx, cy, r, stroke=1, fill=1)
    c.setFillColor(STAR)
    _star(c, cx, cy - r * 0.05, r * 0.62)


def draw_certificate(c: Canvas, d: PrintData) -> None:
    """Draw one certificate on the current page of `c` (whose fonts new_canvas registered)."""
    w, h = PAGE
    cx = w / 2
    _frame(c)

    # National heading
    _centred(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", cx, h - 62, FONT_BOLD, 13)
    motto = t("Độc lập - Tự do - Hạnh phúc")
    _centred(c, motto, cx, h - 79, FONT_BOLD, 12.5)
    half = pdfmetrics.stringWidth(motto, FONT_BOLD, 12.5) / 2
    c.setStrokeColor(INK)
    c.setLineWidth(0.7)
    c.line(cx - half, h - 84, cx + half, h - 84)

    _emblem(c, cx, h - 120, 23)
    _centred(c, d.issuer_name, cx, h - 166, FONT_BOLD, 16, RED, width=w - 140)

    if d.kind == "acknowledgement":
        _centred(c, "THƯ CẢM ƠN", cx, h - 210, FONT_BOLD, 34, RED)
        _centred(c, "Trân trọng cảm ơn", cx, h - 238, FONT_ITALIC, 14)
        _centred(c, d.recipient_name, cx, h - 268, FONT_BOLD, 23, INK, width=w - 140)
        _centred(
            c, f"đã ủng hộ Quỹ “Vì người nghèo” số tiền: {format_vnd(d.amount_vnd)}", cx, h - 296, FONT, 14.5
        )
        _centred(
            c, f"(Bằng chữ: {amount_in_words(d.amount_vnd)})", cx, h - 316, FONT_ITALIC, 12.5, width=w - 140
        )
        y = h - 337
        if d.purpose_text:
            _centred(c, f"Mục đích: {d.purpose_text}", cx, y, FONT, 12.5, width=w - 140)
            y -= 18
        if d.campaign_name:
            y = _wrapped(
                c, f"Hưởng ứng Cuộc vận động “{d.campaign_name}”", cx, y, FONT, 12.5, w - 160, 16, max_lines=2
            )
        _centred(
            c,
            "Tấm lòng của Quý vị góp phần giúp người nghèo có nhà ở, ổn định cuộc sống.",
            cx,
            y - 2,
            FONT_ITALIC,
            11.5,
        )
    else:
        title = "BẰNG KHEN" if d.kind == "bang_khen" else "GIẤY KHEN"
        _centred(c, title, cx, h - 212, FONT_BOLD, 38, RED)
        _centred(c, "Tặng", cx, h - 240, FONT_ITALIC, 15)
        _centred(c, d.recipient_name, cx, h - 270, FONT_BOLD, 23, INK, width=w - 140)
        y = _wrapped(
            c,
            d.achievement or "Đã có thành tích xuất sắc trong Cuộc vận động “Ngày vì người nghèo”.",
            cx,
            h - 297,
            FONT,
            13.5,
            w - 180,
            18,
            max_lines=3,
        )
        if d.amount_vnd:
            _centred(
                c,
                f"Tổng số tiền ủng hộ: {format_vnd(d.amount_vnd)} ({amount_in_words(d.amount_vnd)})",
                cx,
                y - 2,
                FONT_ITALIC,
                12,
                width=w - 160,
            )

    # Bottom left: numbers and the QR code of the verification address
    left = 58
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 11)
    if d.kind == "acknowledgement":
        c.drawString(left, 178, t(f"Số: {d.serial}"))
    else:
        if d.decision_no:
            when = f" ngày {d.decision_date:%d/%m/%Y}" if d.decision_date else ""
            c.setFont(FONT, 10.5)
            c.drawString(left, 192, t(f"Quyết định số {d.decision_no}{when}"))
        c.setFont(FONT_BOLD, 11)
        c.drawString(left, 176, t(f"Số sổ vàng: {d.serial}"))
    qr.draw(c, d.verify_url, left - 4, 64, 100)
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 8.5)
    c.drawString(left + 102, 146, t("Quét mã QR để xác minh"))
    c.setFont(FONT, 7)
    yy = 134
    for line in _chunk_by_width(d.verify_url, FONT, 7, 205)[:4]:
        c.drawString(left + 102, yy, line)
        yy -= 9

    # Bottom right: place and date, signer, signature and seal
    rx = w - 215
    _centred(c, date_line(d.place, d.issued_on), rx, 200, FONT_ITALIC, 12, width=300)
    _centred(c, "TM. BAN THƯỜNG TRỰC", rx, 182, FONT_BOLD, 12)
    title = t(d.signer_title.upper())
    title_size = _fit_size(title, FONT_BOLD, 12, 330, minimum=10)
    title_lines = simpleSplit(title, FONT_BOLD, title_size, 330)[:2] if title else []
    y = 166
    c.setFont(FONT_BOLD, title_size)
    for line in title_lines:
        c.drawCentredString(rx, y, line)
        y -= 15
    if d.seal_png:
        _draw_png(c, d.seal_png, rx - 100, 70, 86, 86)
    if d.signature_png:
        _draw_png(c, d.signature_png, rx - 45, 78, 100, 50)
    _centred(c, d.signer_name, rx, 52, FONT_BOLD, 13.5, width=300)


def new_canvas(buf: io.BytesIO, title: str, pagesize: tuple[float, float] = PAGE) -> Canvas:
    """A canvas with the fonts registered and the document's metadata set (every signed paper: certificates,
    receipts and sponsorship records, app.papers.pdf)."""
    register_fonts()
    c = Canvas(buf, pagesize=pagesize, pageCompression=1, invariant=1)
    c.setTitle(t(title))
    c.setAuthor(t("Ủy ban Mặt trận Tổ quốc Việt Nam"))
    c.setCreator("Chung Tay")
    return c


def render_pdf(d: PrintData) -> bytes:
    """One certificate, one page."""
    buf = io.BytesIO()
    c = new_canvas(buf, f"{d.serial} – {d.recipient_name}")
    draw_certificate(c, d)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_many(items: Iterable[PrintData], title: str) -> bytes:
    """Every certificate of a batch in one PDF, one per page (for the ceremony)."""
    buf = io.BytesIO()
    c = new_canvas(buf, title)
    any_page = False
    for d in items:
        draw_certificate(c, d)
        c.showPage()
        any_page = True
    if not any_page:
        c.showPage()
    c.save()
    return buf.getvalue()


def render_blank(text: str = "Trang trắng", pagesize: tuple[float, float] = PAGE) -> bytes:
    """The benchmark floor: an A4 page (landscape unless told) with one line in the same embedded font."""
    buf = io.BytesIO()
    c = new_canvas(buf, "blank", pagesize)
    c.setFont(FONT, 12)
    c.drawString(72, 500, t(text))
    c.showPage()
    c.save()
    return buf.getvalue()
