"""Certificates as PDF with ReportLab: A4 landscape, Be Vietnam Pro (embedded, subset), QR code.

ReportLab does no glyph shaping, so every string is NFC-normalised before it is drawn (an NFD "ặ" would
print its marks beside the letter). Text is drawn as text (not outlines), so it can be extracted and searched.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import math
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import fontpkg
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.boxstuff import aspectRatioFix
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap
from reportlab.pdfgen.canvas import Canvas

from app.certificates.words import amount_in_words
from app.core.money import format_vnd

FONT = "CT-Cert-BeVietnamPro"
FONT_BOLD = "CT-Cert-BeVietnamPro-Bold"
# Italic lines are the regular face slanted 11° (an oblique): a third embedded font costs a quarter of the time
# of a whole certificate, since every PDF subsets and embeds each font it uses.
OBLIQUE = "oblique"
OBLIQUE_SLANT = math.tan(math.radians(11))
RED = HexColor("#b3121b")
GOLD = HexColor("#b8862b")
INK = HexColor("#1a1a1a")
STAR = HexColor("#ffd400")
PAGE = landscape(A4)  # 841.9 x 595.3 pt

_font_lock = threading.Lock()
_fonts_ready = False

# Every certificate PDF starts its font subsets with the same characters in the same order (ReportLab already
# puts all of ASCII in subset 0; these are the other letters and signs Vietnamese text uses), so the subset is
# the same from one certificate to the next and its embedded font file is built and compressed once per process
# (see _ReusedSubsetFont). A name with a character outside this set still prints: that certificate's subset is
# simply built afresh, as ReportLab always did.
_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
PRESEED = _VI_LOWER + _VI_LOWER.upper() + "₫“”‘’–—…"


class _StateHolder:
    """A stand-in document (ReportLab keeps each font's per-document state in a weak-keyed dictionary)."""


class _ReusedSubsetFont(TTFont):
    """A TTFont whose subset objects (font file, ToUnicode map, widths) are made once per process for each
    distinct subset, then added to every document that uses that same subset. Documents not marked with
    `_ct_reuse_subsets` (the benchmark's blank page) get ReportLab's own per-document subsetting."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        # ReportLab keeps one font object per face name: had another module registered a plain TTFont of the same
        # file first (reports, donor statements), registerFont would hand back that font under our name.
        self.face.name = self.face.name + b"-CT"
        self._subset_cache: dict[tuple[int, tuple[int, ...]], tuple[bytes, bytes, bytes, int]] = {}

    def preseed(self, doc) -> None:  # type: ignore[no-untyped-def]
        """Start `doc`'s subsets with PRESEED (a copy of a state made once: assigning 150 characters one by
        one for each document cost more than the rest of its text)."""
        template = getattr(self, "_preseeded", None)
        if template is None:
            holder = _StateHolder()
            self.splitString(PRESEED, holder)
            template = self._preseeded = (holder, self.state[holder])
        state = copy.copy(template[1])
        state.assignments = dict(state.assignments)
        state.subsets = [list(s) for s in state.subsets]
        self.state[doc] = state

    def _subset_parts(
        self, n: int, subset: list[int], base_font_name: str
    ) -> tuple[bytes, bytes, bytes, int]:
        key = (n, tuple(subset))
        parts = self._subset_cache.get(key)
        if parts is None:
            widths = pdfdoc.format(pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset))), None)
            cmap = zlib.compress(makeToUnicodeCMap(base_font_name, subset).encode("latin-1"))
            font_file = self.face.makeSubset(subset)
            parts = (widths, cmap, zlib.compress(font_file), len(font_file))
            if len(self._subset_cache) >= 64:
                self._subset_cache.clear()
            self._subset_cache[key] = parts
        return parts

    def addObjects(self, doc) -> None:  # type: ignore[no-untyped-def]
        if not getattr(doc, "_ct_reuse_subsets", False) or not doc.compression:
            super().addObjects(doc)
            return
        # As TTFont.addObjects and TTFontFace.addSubsetObjects, with the expensive parts reused.
        state = self._assignState(doc)
        state.frozen = 1
        face = self.face
        flate = pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])})
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_font_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            widths, cmap, font_file, length1 = self._subset_parts(n, subset, base_font_name)
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = widths
            cmap_stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(dict(flate.dict)), cmap)
            pdf_font.ToUnicode = doc.Reference(cmap_stream, "toUnicodeCMap:" + base_font_name)
            file_stream = pdfdoc.PDFStream(
                pdfdoc.PDFDictionary({**flate.dict, "Length1": length1}), font_file
            )
            file_ref = doc.Reference(file_stream, f"fontFile:{face.filename}({base_font_name})")
            descriptor = pdfdoc.PDFDictionary(
                {
                    "Type": "/FontDescriptor",
                    "Ascent": face.ascent,
                    "CapHeight": face.capHeight,
                    "Descent": face.descent,
                    "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                    "FontBBox": pdfdoc.PDFArray(face.bbox),
                    "FontName": pdfdoc.PDFName(base_font_name),
                    "ItalicAngle": face.italicAngle,
                    "StemV": face.stemV,
                    "FontFile2": file_ref,
                    "MissingWidth": face.defaultWidth,
                }
            )
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_font_name)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]


def register_fonts() -> None:
    """Register Be Vietnam Pro (regular and bold) once per process, under font and face names of their own:
    other PDFs of the application register plain TTFonts of the same files, which must not replace these."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _font_lock:
        if _fonts_ready:
            return
        # Binary (zlib) image streams instead of ASCII85 text: smaller files, and ReportLab's pure-Python
        # ASCII85 encoder was a quarter of the time spent per certificate.
        rl_config.useA85 = 0
        pdfmetrics.registerFont(_ReusedSubsetFont(FONT, str(fontpkg.path("Be Vietnam Pro", 400))))
        pdfmetrics.registerFont(_ReusedSubsetFont(FONT_BOLD, str(fontpkg.path("Be Vietnam Pro", 700))))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _fonts_ready = True


def t(text: str | None) -> str:
    """NFC, and no non-breaking spaces (so extracted text reads "50.000.000 ₫" with a plain space)."""
    return unicodedata.normalize("NFC", text or "").replace("\u00a0", " ").replace("\u202f", " ")


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


@dataclass(frozen=True)
class _PdfImage:
    """An uploaded PNG, scaled, decoded and zlib-compressed once per process as PDF image objects."""

    name: str
    image: pdfdoc.PDFImageXObject
    smask: pdfdoc.PDFImageXObject | None
    width: int
    height: int


@lru_cache(maxsize=32)
def _pdf_image(digest: str, data: bytes, max_px: int) -> _PdfImage:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGBA")
        img.thumbnail((max_px, max_px))  # ~200 dpi at the printed size: sharp, and small to embed
        reader = ImageReader(img.copy())
    name = f"ct{digest[:24]}"
    image = pdfdoc.PDFImageXObject(name, reader, mask="auto")
    image.name = name
    smask = getattr(image, "_smask", None)
    if smask is not None:
        del image._smask
    return _PdfImage(name, image, smask, image.width, image.height)


def _image_of(data: bytes | None, max_px: int = 200) -> _PdfImage | None:
    if not data:
        return None
    return _pdf_image(hashlib.sha256(data).hexdigest(), data, max_px)


def _draw_image(c: Canvas, img: _PdfImage, x: float, y: float, width: float, height: float) -> None:
    """Canvas.drawImage, minus decoding and compressing the same seal for every certificate: the prepared
    objects are copied into this document (a fresh copy, as ReportLab names each object per document)."""
    doc = c._doc
    reg = doc.getXObjectName(img.name)
    if reg not in doc.idToObject:
        image = copy.copy(img.image)
        doc.Reference(image, reg)
        doc.addForm(img.name, image)
        if img.smask is not None:
            smask = copy.copy(img.smask)
            image.smask = doc.Reference(smask, doc.getXObjectName(smask.name))
    x, y, width, height, _scaled = aspectRatioFix(
        True, "c", x, y, width, height, img.width, img.height, False
    )
    c.saveState()
    c.translate(x, y)
    c.scale(width, height)
    c.addLiteral(f"/{reg} Do")
    c.restoreState()
    c._formsinuse.append(img.name)
    c._currentPageHasImages = 1


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
    color=INK,  # type: ignore[no-untyped-def]
    width: float | None = None,
) -> float:
    text = t(text)
    oblique = font == OBLIQUE
    if oblique:
        font = FONT
    if width:
        size = _fit_size(text, font, size, width)
    c.setFont(font, size)
    c.setFillColor(color)
    if oblique:
        c.saveState()
        c.transform(1, 0, OBLIQUE_SLANT, 1, x, y)
        c.drawCentredString(0, 0, text)
        c.restoreState()
    else:
        c.drawCentredString(x, y, text)
    return size


def _wrapped(
    c: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    width: float,  # type: ignore[no-untyped-def]
    leading: float,
    color=INK,
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


# The Reed-Solomon generator polynomial depends only on the number of error-correction codewords, yet the
# encoder rebuilds it for every block of every code (a third of the encoding time): remember it.
_rs_generator = qrencoder.QRUtil.getErrorCorrectPolynomial
qrencoder.QRUtil.getErrorCorrectPolynomial = staticmethod(lru_cache(maxsize=64)(_rs_generator))


def _qr_reference_matrix(value: str) -> list[list[bool]]:
    """QR modules of `value` with ReportLab's encoder as it stands (the one QrCodeWidget uses), level M, mask 2."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.version = code.calculate_version()
    code.makeImpl(False, 2)
    return code.modules


class _Bits:
    """QRBitBuffer's put/putBit/getLengthInBits on one integer instead of a bit at a time."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def putBit(self, bit: bool) -> None:  # noqa: N802 (ReportLab's name)
        self.put(1 if bit else 0, 1)

    def getLengthInBits(self) -> int:  # noqa: N802 (ReportLab's name)
        return self.length


_GF_EXP = [1] * 512
for _i in range(1, 255):
    _GF_EXP[_i] = (_GF_EXP[_i - 1] << 1) ^ (0x11D if _GF_EXP[_i - 1] & 0x80 else 0)
for _i in range(255, 512):
    _GF_EXP[_i] = _GF_EXP[_i - 255]
_GF_LOG = [0] * 256
for _i in range(255):
    _GF_LOG[_GF_EXP[_i]] = _i


@lru_cache(maxsize=64)
def _rs_generator_logs(ec: int) -> tuple[int, ...]:
    """log α of the coefficients (after the leading 1) of Π (x − αⁱ), i < ec: the Reed-Solomon generator."""
    g = [1]
    for i in range(ec):
        nxt = [*g, 0]
        for j, coef in enumerate(g):
            if coef:
                nxt[j + 1] ^= _GF_EXP[_GF_LOG[coef] + i]
        g = nxt
    return tuple(_GF_LOG[c] for c in g[1:])


def _rs_remainder(data: list[int], ec: int) -> list[int]:
    gen = _rs_generator_logs(ec)
    rem = [0] * ec
    exp, log = _GF_EXP, _GF_LOG
    for d in data:
        factor = d ^ rem[0]
        rem = rem[1:]
        rem.append(0)
        if factor:
            lf = log[factor]
            rem = [r ^ exp[lf + g] for r, g in zip(rem, gen, strict=True)]
    return rem


@lru_cache(maxsize=16)
def _qr_layout(version: int) -> tuple[tuple[tuple[bool, ...], ...], tuple[tuple[int, int, bool], ...], int]:
    """For one version at level M with mask 2: the modules with every function pattern and format/version
    information drawn (data modules all light, then masked), the data module positions in placement order with
    their mask bit, and the number of codewords. The same for every code of that version."""
    code = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, qrencoder.QRErrorCorrectLevel.M)
    total = sum(b.totalCount for b in blocks)
    code.dataCache = [0] * total
    code.makeImpl(False, 2)
    mask = qrencoder.QRUtil.getMask(2)
    positions = tuple((row, col, bool(mask(row, col))) for col, row in code.dataPosIterator())
    return tuple(tuple(r) for r in code.modules), positions, total


def qr_matrix(value: str) -> list[list[bool]]:
    """QR modules of `value`, level M: the very modules ReportLab's encoder makes with mask pattern 2
    (_qr_reference_matrix), in a fraction of its time.

    QrCodeWidget itself tries all eight mask patterns twice and draws every module as its own shape: about
    0.5 s per certificate. Any mask pattern is valid QR (the choice only tunes contrast), so one fixed mask
    is used. Here the function patterns and the placement order are made once per version, the data bits are
    gathered in one integer and the error correction uses log tables instead of polynomial objects.
    """
    level = qrencoder.QRErrorCorrectLevel.M
    code = qrencoder.QRCode(None, level)
    code.addData(value)
    version = code.calculate_version()
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, level)
    capacity = sum(b.dataCount for b in blocks)
    bits = _Bits()
    for data in code.dataList:
        data.write(bits, version)
    if bits.length > capacity * 8:
        raise ValueError(f"code length overflow ({bits.length} > {capacity * 8})")
    if bits.length + 4 <= capacity * 8:
        bits.put(0, 4)
    if bits.length % 8:
        bits.put(0, 8 - bits.length % 8)
    codewords = list(bits.value.to_bytes(bits.length // 8, "big")) if bits.length else []
    pads = itertools.cycle((0xEC, 0x11))
    codewords += [next(pads) for _ in range(capacity - len(codewords))]
    dc, ec, offset = [], [], 0
    for b in blocks:
        chunk = codewords[offset : offset + b.dataCount]
        offset += b.dataCount
        dc.append(chunk)
        ec.append(_rs_remainder(chunk, b.totalCount - b.dataCount))
    stream = [
        d
        for group in itertools.chain(itertools.zip_longest(*dc), itertools.zip_longest(*ec))
        for d in group
        if d is not None
    ]
    template, positions, _total = _qr_layout(version)
    modules = [list(row) for row in template]
    for (row, col, masked), bit in zip(positions, "".join(f"{b:08b}" for b in stream), strict=False):
        modules[row][col] = (bit == "1") ^ masked
    return modules


_DARK_RUN = re.compile(b"\x01+")


def _qr(c: Canvas, value: str, x: float, y: float, size: float, quiet: int = 2) -> None:
    modules = qr_matrix(value)
    n = len(modules)
    cell = size / (n + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    # One module = one unit after the transform; each dark run of a row is one integer "re" operator.
    ops = [
        f"{m.start()} {n - 1 - r} {m.end() - m.start()} 1 re"
        for r, row in enumerate(modules)
        for m in _DARK_RUN.finditer(bytes(row))
    ]
    c.saveState()
    c.translate(x + quiet * cell, y + quiet * cell)
    c.scale(cell, cell)
    c.setFillColor(black)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


def draw_certificate(c: Canvas, d: PrintData) -> None:
    """Draw one certificate on the current page of `c`."""
    register_fonts()
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
        _centred(c, "Trân trọng cảm ơn", cx, h - 238, OBLIQUE, 14)
        _centred(c, d.recipient_name, cx, h - 268, FONT_BOLD, 23, INK, width=w - 140)
        _centred(
            c, f"đã ủng hộ Quỹ “Vì người nghèo” số tiền: {format_vnd(d.amount_vnd)}", cx, h - 296, FONT, 14.5
        )
        _centred(c, f"(Bằng chữ: {amount_in_words(d.amount_vnd)})", cx, h - 316, OBLIQUE, 12.5, width=w - 140)
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
            OBLIQUE,
            11.5,
        )
    else:
        title = "BẰNG KHEN" if d.kind == "bang_khen" else "GIẤY KHEN"
        _centred(c, title, cx, h - 212, FONT_BOLD, 38, RED)
        _centred(c, "Tặng", cx, h - 240, OBLIQUE, 15)
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
                OBLIQUE,
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
    _qr(c, d.verify_url, left - 4, 64, 100)
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
    _centred(c, date_line(d.place, d.issued_on), rx, 200, OBLIQUE, 12, width=300)
    _centred(c, "TM. BAN THƯỜNG TRỰC", rx, 182, FONT_BOLD, 12)
    title = t(d.signer_title.upper())
    title_size = _fit_size(title, FONT_BOLD, 12, 330, minimum=10)
    title_lines = simpleSplit(title, FONT_BOLD, title_size, 330)[:2] if title else []
    y = 166
    c.setFont(FONT_BOLD, title_size)
    for line in title_lines:
        c.drawCentredString(rx, y, line)
        y -= 15
    seal = _image_of(d.seal_png)
    signature = _image_of(d.signature_png)
    if seal is not None:
        _draw_image(c, seal, rx - 100, 70, 86, 86)
    if signature is not None:
        _draw_image(c, signature, rx - 45, 78, 100, 50)
    _centred(c, d.signer_name, rx, 52, FONT_BOLD, 13.5, width=300)


def _canvas(buf: io.BytesIO, title: str, reuse_subsets: bool = True) -> Canvas:
    register_fonts()
    c = Canvas(buf, pagesize=PAGE, pageCompression=1, invariant=1)
    if reuse_subsets:
        c._doc._ct_reuse_subsets = True
        for name in (FONT, FONT_BOLD):
            pdfmetrics.getFont(name).preseed(c._doc)
    c.setTitle(t(title))
    c.setAuthor(t("Ủy ban Mặt trận Tổ quốc Việt Nam"))
    c.setCreator("Chung Tay")
    return c


def render_pdf(d: PrintData) -> bytes:
    """One certificate, one page."""
    buf = io.BytesIO()
    c = _canvas(buf, f"{d.serial} – {d.recipient_name}")
    draw_certificate(c, d)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_many(items: Iterable[PrintData], title: str) -> bytes:
    """Every certificate of a batch in one PDF, one per page (for the ceremony)."""
    buf = io.BytesIO()
    c = _canvas(buf, title)
    any_page = False
    for d in items:
        draw_certificate(c, d)
        c.showPage()
        any_page = True
    if not any_page:
        c.showPage()
    c.save()
    return buf.getvalue()


def render_blank(text: str = "Trang trắng") -> bytes:
    """The benchmark floor: an A4 landscape page with one line in the same embedded font, subset by ReportLab
    as it does for any document (none of the certificates' reuse of subsets)."""
    buf = io.BytesIO()
    c = _canvas(buf, "blank", reuse_subsets=False)
    c.setFont(FONT, 12)
    c.drawString(72, 500, t(text))
    c.showPage()
    c.save()
    return buf.getvalue()
