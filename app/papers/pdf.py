"""The papers a business files, as PDF (A4 portrait): the sponsorship confirmation record and the receipt.

Drawn with the certificates' machinery (app.certificates.pdf: one canvas factory, the fonts of app.core.pdf,
the seal and signature images scaled once) and the one QR module (app.core.qr), so every signed paper of
the application looks and verifies the same way. Text is drawn as text: it can be extracted and searched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.certificates.pdf import INK, RED, _centred, _chunk_by_width, _draw_png, date_line, new_canvas
from app.certificates.words import amount_in_words
from app.core import qr
from app.core.money import format_vnd
from app.core.pdf import FONT, FONT_BOLD, FONT_ITALIC
from app.core.pdf import text as t

PORTRAIT = A4  # 595.3 x 841.9 pt
LEFT, RIGHT_MARGIN, BOTTOM = 62.0, 48.0, 40.0


@dataclass(frozen=True)
class PaymentLine:
    receipt_no: str
    received_on: date
    channel: str  # "Chuyển khoản"
    bank_ref: str
    amount_vnd: int


@dataclass(frozen=True)
class RecordPrint:
    """Everything printed on one sponsorship confirmation record (no database access while drawing)."""

    number: str
    form_name: str
    basis: str
    dossier: str
    issuer_name: str  # "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa"
    place: str
    issued_on: date
    donor_name: str
    tax_code: str
    donor_address: str
    donor_representative: str
    amount_vnd: int
    form_text: str
    purpose_text: str
    period_text: str  # "khoản ủng hộ ngày 20/10/2026" | "các khoản ủng hộ năm 2026"
    payments: tuple[PaymentLine, ...]
    verify_url: str
    signer_name: str = ""
    signer_title: str = ""
    seal_png: bytes | None = None
    signature_png: bytes | None = None


@dataclass(frozen=True)
class ReceiptPrint:
    receipt_no: str
    issuer_name: str
    place: str
    received_on: date
    payer_name: str
    tax_code: str
    address: str
    channel: str
    amount_vnd: int
    purpose_text: str
    pledge_reference: str
    bank_ref: str
    in_kind: str
    reversed: bool
    verify_url: str
    extra: tuple[str, ...] = field(default_factory=tuple)


class _Writer:
    """A cursor down a portrait page: paragraphs wrap to the width; a new page starts when the next one would
    run into the bottom margin (a yearly record of many gifts)."""

    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.w, self.h = PORTRAIT
        self.width = self.w - LEFT - RIGHT_MARGIN
        self.y = self.h - 56

    def room(self, needed: float) -> None:
        if self.y - needed < BOTTOM:
            self.c.showPage()
            self.y = self.h - 56

    def para(
        self,
        text: str,
        font: str = FONT,
        size: float = 10.5,
        indent: float = 0,
        gap: float = 3,
        lead: float = 0,
    ) -> None:
        leading = lead or size * 1.3
        lines = simpleSplit(t(text), font, size, self.width - indent)
        for line in lines:
            self.room(leading)
            self.c.setFont(font, size)
            self.c.setFillColor(INK)
            self.c.drawString(LEFT + indent, self.y - size, line)
            self.y -= leading
        self.y -= gap

    def label(self, label: str, value: str, size: float = 10.5) -> None:
        """ "Label: value", the label bold, the value wrapped under itself."""
        label_t = t(label) + " "
        lw = pdfmetrics.stringWidth(label_t, FONT_BOLD, size)
        lines = simpleSplit(t(value), FONT, size, self.width - lw) or [""]
        leading = size * 1.3
        for i, line in enumerate(lines):
            self.room(leading)
            self.c.setFillColor(INK)
            # one text object per line, so the label and its value extract as one line ("Mã số thuế: 42…")
            tx = self.c.beginText(LEFT + (0 if i == 0 else lw), self.y - size)
            if i == 0:
                tx.setFont(FONT_BOLD, size)
                tx.textOut(label_t)
            tx.setFont(FONT, size)
            tx.textOut(line)
            self.c.drawText(tx)
            self.y -= leading
        self.y -= 2


def _heading(c: Canvas, issuer_name: str, number: str) -> float:
    """Two-column heading of an administrative paper: the issuing committee (left), the national motto
    (right), the number under the committee. Returns the y under it."""
    w, h = PORTRAIT
    lx, rx = LEFT + 105, w - RIGHT_MARGIN - 130
    c.setFillColor(INK)
    issuer = t(issuer_name.upper())
    lines = simpleSplit(issuer, FONT_BOLD, 9.5, 220)[:3]
    y = h - 52
    c.setFont(FONT_BOLD, 9.5)
    for line in lines:
        c.drawCentredString(lx, y, line)
        y -= 12
    c.setFont(FONT, 9.5)
    c.drawCentredString(lx, y, t("BAN VẬN ĐỘNG QUỸ “VÌ NGƯỜI NGHÈO”"))
    c.setLineWidth(0.6)
    c.line(lx - 40, y - 5, lx + 40, y - 5)
    c.drawCentredString(lx, y - 20, t(f"Số: {number}"))
    _centred(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", rx, h - 52, FONT_BOLD, 10)
    motto = t("Độc lập - Tự do - Hạnh phúc")
    _centred(c, motto, rx, h - 65, FONT_BOLD, 10.5)
    half = pdfmetrics.stringWidth(motto, FONT_BOLD, 10.5) / 2
    c.line(rx - half, h - 69, rx + half, h - 69)
    return min(y - 40, h - 120)


def _qr_block(c: Canvas, url: str, y: float) -> None:
    qr.draw(c, url, LEFT - 4, y, 84)
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 8.5)
    c.drawString(LEFT + 86, y + 66, t("Quét mã QR để xác minh"))
    c.setFont(FONT, 7)
    yy = y + 55
    for line in _chunk_by_width(url, FONT, 7, 170)[:4]:
        c.drawString(LEFT + 86, yy, line)
        yy -= 9


def draw_record(c: Canvas, d: RecordPrint) -> None:
    """The record on as many pages as its payment documents need (one, for a gift)."""
    w, _h = PORTRAIT
    writer = _Writer(c)
    writer.y = _heading(c, d.issuer_name, d.number)
    _centred(c, d.form_name, w / 2, writer.y, FONT_BOLD, 16, RED)
    writer.y -= 16
    _centred(c, f"(Về {d.period_text} cho Quỹ “Vì người nghèo”)", w / 2, writer.y, FONT_ITALIC, 11, width=420)
    writer.y -= 18
    writer.para(d.basis, FONT_ITALIC, 10, gap=4)
    writer.para(
        f"Hôm nay, ngày {d.issued_on.day:02d} tháng {d.issued_on.month:02d} năm {d.issued_on.year}, "
        f"tại {d.place}, chúng tôi gồm:",
        gap=4,
    )
    writer.para("BÊN TÀI TRỢ (Bên A):", FONT_BOLD, gap=1)
    writer.label("Tên đơn vị:", d.donor_name)
    writer.label("Mã số thuế:", d.tax_code or "…………………")
    writer.label("Địa chỉ:", d.donor_address or "…………………………………………")
    writer.label("Đại diện:", d.donor_representative or "…………………………………  Chức vụ: ………………")
    writer.y -= 3
    writer.para("BÊN NHẬN TÀI TRỢ (Bên B):", FONT_BOLD, gap=1)
    writer.label("Tên đơn vị:", f"{d.issuer_name} – Ban Vận động Quỹ “Vì người nghèo”")
    rep = d.signer_name + (f" – {d.signer_title}" if d.signer_title else "")
    writer.label("Đại diện:", rep or "…………………………………")
    writer.y -= 3
    writer.para("Hai bên cùng xác nhận khoản tài trợ sau:", FONT_BOLD, gap=2)
    writer.label("1. Số tiền tài trợ:", format_vnd(d.amount_vnd))
    writer.label("    Bằng chữ:", amount_in_words(d.amount_vnd) + ".")
    writer.label("2. Hình thức tài trợ:", d.form_text)
    writer.label("3. Mục đích:", d.purpose_text)
    writer.label("4. Chứng từ thanh toán kèm theo:", f"{len(d.payments)} chứng từ")
    for i, p in enumerate(d.payments, 1):
        ref = f", số tham chiếu {p.bank_ref}" if p.bank_ref else ""
        writer.para(
            f"{i}) Biên nhận số {p.receipt_no} ngày {p.received_on:%d/%m/%Y}, {p.channel.lower()}{ref}: "
            f"{format_vnd(p.amount_vnd)}",
            size=10,
            indent=14,
            gap=0,
        )
    writer.y -= 4
    writer.para(d.dossier, size=10, gap=2)
    writer.para(
        "Biên bản được lập thành 02 bản có giá trị như nhau, mỗi bên giữ 01 bản. Khoản tài trợ được Ủy ban "
        "Mặt trận Tổ quốc Việt Nam tiếp nhận và sử dụng đúng mục đích, công khai trên trang sao kê của Quỹ.",
        size=10,
        gap=6,
    )
    # Signatures (both sides), seal and signature of the receiving committee, then the verification QR.
    writer.room(228)
    top = writer.y
    lx, rx = LEFT + 110, w - RIGHT_MARGIN - 125
    _centred(c, date_line(d.place, d.issued_on), rx, top - 10, FONT_ITALIC, 10.5, width=240)
    _centred(c, "ĐẠI DIỆN BÊN TÀI TRỢ", lx, top - 28, FONT_BOLD, 10.5)
    _centred(c, "(Ký, ghi rõ họ tên, đóng dấu)", lx, top - 41, FONT_ITALIC, 9)
    _centred(c, "ĐẠI DIỆN BÊN NHẬN TÀI TRỢ", rx, top - 28, FONT_BOLD, 10.5)
    _centred(c, "TM. BAN THƯỜNG TRỰC", rx, top - 41, FONT_BOLD, 9.5)
    if d.signer_title:
        _centred(c, d.signer_title.upper(), rx, top - 53, FONT_BOLD, 9, width=230)
    if d.seal_png:
        _draw_png(c, d.seal_png, rx - 85, top - 135, 74, 74)
    if d.signature_png:
        _draw_png(c, d.signature_png, rx - 40, top - 120, 85, 42)
    _centred(c, d.signer_name, rx, top - 148, FONT_BOLD, 11, width=230)
    _qr_block(c, d.verify_url, top - 228)


def render_record(d: RecordPrint) -> bytes:
    buf = io.BytesIO()
    c = new_canvas(buf, f"{d.number} – {d.donor_name}", PORTRAIT)
    draw_record(c, d)
    c.showPage()
    c.save()
    return buf.getvalue()


def draw_receipt(c: Canvas, d: ReceiptPrint) -> None:
    w, _h = PORTRAIT
    writer = _Writer(c)
    writer.y = _heading(c, d.issuer_name, d.receipt_no)
    _centred(c, "BIÊN NHẬN", w / 2, writer.y, FONT_BOLD, 18, RED)
    writer.y -= 14
    if d.reversed:
        _centred(c, "ĐÃ HỦY", w / 2, writer.y - 4, FONT_BOLD, 12, RED)
        writer.y -= 16
    writer.y -= 10
    writer.label("Đã nhận của:", d.payer_name)
    if d.tax_code:
        writer.label("Mã số thuế:", d.tax_code)
    if d.address:
        writer.label("Địa chỉ:", d.address)
    writer.label("Hình thức:", d.channel)
    if d.in_kind:
        writer.label("Hiện vật:", d.in_kind)
    writer.label("Số tiền:", format_vnd(d.amount_vnd))
    writer.label("Bằng chữ:", amount_in_words(d.amount_vnd) + ".")
    writer.label("Mục đích:", d.purpose_text)
    if d.pledge_reference:
        writer.label("Theo đăng ký:", d.pledge_reference)
    if d.bank_ref:
        writer.label("Số tham chiếu ngân hàng:", d.bank_ref)
    writer.label("Ngày nhận:", f"{d.received_on:%d/%m/%Y}")
    for line in d.extra:
        writer.para(line, size=10)
    writer.y -= 4
    writer.para("Ủy ban Mặt trận Tổ quốc Việt Nam trân trọng cảm ơn tấm lòng của Quý vị đối với người nghèo.")
    writer.room(160)
    top = writer.y
    lx, rx = LEFT + 110, w - RIGHT_MARGIN - 125
    _centred(c, date_line(d.place, d.received_on), rx, top - 10, FONT_ITALIC, 10.5, width=240)
    _centred(c, "NGƯỜI NỘP", lx, top - 28, FONT_BOLD, 10.5)
    _centred(c, "(Ký, ghi rõ họ tên)", lx, top - 41, FONT_ITALIC, 9)
    _centred(c, "NGƯỜI NHẬN", rx, top - 28, FONT_BOLD, 10.5)
    _centred(c, "(Ký, ghi rõ họ tên)", rx, top - 41, FONT_ITALIC, 9)
    _qr_block(c, d.verify_url, top - 160)


def render_receipt(d: ReceiptPrint) -> bytes:
    buf = io.BytesIO()
    c = new_canvas(buf, f"Biên nhận {d.receipt_no}", PORTRAIT)
    draw_receipt(c, d)
    c.showPage()
    c.save()
    return buf.getvalue()
