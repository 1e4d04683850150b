"""A donor's yearly statement of contributions (for a business's accounts): PDF and XLSX.

The fixed text is in the reader's language (gettext inside the download's request: English for a donor who picked
English, Vietnamese otherwise and outside a request); names, receipt numbers, amounts and dates are data and stay as
they are ("50.000.000 ₫", dd/mm/yyyy, as on the receipts). The statement is an account of receipts already issued,
not a legal document: certificates (Law on Emulation and Commendation No. 06/2022/QH15) and the Front's reports stay
Vietnamese by design (docs/CONVENTIONS.md, "Translations")."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.contributions.models import Contribution, ContributionStatus
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.money import format_vnd
from app.core.pdf import FONT, FONT_BOLD, register_fonts
from app.core.spreadsheet import Formula, append_row
from app.donors.models import Donor
from app.ledger.models import PURPOSE_LABELS


def nfc(value: object) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def yearly_contributions(session: Session, donor_id: int, year: int) -> list[Contribution]:
    """Money and goods received from the donor in a calendar year (Vietnam time), reversed ones left out."""
    return list(
        session.execute(
            select(Contribution)
            .where(
                Contribution.donor_id == donor_id,
                Contribution.status == ContributionStatus.RECORDED,
                Contribution.received_on >= date(year, 1, 1),
                Contribution.received_on <= date(year, 12, 31),
            )
            .order_by(Contribution.received_on, Contribution.id)
        ).scalars()
    )


def _row(c: Contribution) -> list[str]:
    unit = c.receiving_unit.full_name if c.receiving_unit else _("Ủy ban Trung ương MTTQ Việt Nam")
    what = _(c.channel_label)
    if c.in_kind_description:
        what = _("%(channel)s: %(goods)s", channel=what, goods=c.in_kind_description)
    return [c.received_on.strftime("%d/%m/%Y"), c.receipt_no, what, _(PURPOSE_LABELS[c.purpose]), unit]


def _headers() -> tuple[str, ...]:
    return (_("Ngày"), _("Số biên nhận"), _("Hình thức"), _("Mục đích"), _("Đơn vị tiếp nhận"), _("Số tiền"))


def statement_pdf(donor: Donor, year: int, rows: list[Contribution]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10.5)
    right = ParagraphStyle("right", parent=small, alignment=TA_RIGHT)
    title = ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18, spaceAfter=4)

    def p(text: object, style: ParagraphStyle = small) -> Paragraph:
        return Paragraph(escape(nfc(text)), style)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=nfc(_("Sao kê đóng góp năm %(year)s – %(name)s", year=year, name=donor.name)),
        author="Chung Tay – Quỹ Vì người nghèo",
    )
    story = [
        p(_("ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM · QUỸ “VÌ NGƯỜI NGHÈO”"), body),
        Spacer(1, 4 * mm),
        p(_("SAO KÊ CÁC KHOẢN ĐÓNG GÓP NĂM %(year)s", year=year), title),
        p(_("Nhà tài trợ: %(name)s", name=donor.name), body),
    ]
    if donor.tax_code:
        story.append(p(_("Mã số thuế: %(tax_code)s", tax_code=donor.tax_code), body))
    if donor.address:
        story.append(p(_("Địa chỉ: %(address)s", address=donor.address), body))
    story.append(p(_("Ngày lập: %(day)s", day=utcnow().astimezone(VN_TZ).strftime("%d/%m/%Y")), body))
    story.append(Spacer(1, 5 * mm))
    *columns, amount = _headers()
    header = [p(h) for h in columns] + [p(amount, right)]
    data = [header]
    total = 0
    for c in rows:
        data.append([p(v) for v in _row(c)] + [p(format_vnd(c.amount_vnd), right)])
        total += c.amount_vnd
    data.append([p(_("Tổng cộng"), body), "", "", "", "", p(format_vnd(total), right)])
    # the receipt number carries its unit code ("22714-2026-000001"): wide enough for one line
    table = Table(data, colWidths=[22 * mm, 35 * mm, 29 * mm, 25 * mm, 37 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2e6e6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("SPAN", (0, -1), (4, -1)),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        p(
            _(
                "Sao kê lập từ sổ quỹ của hệ thống Chung Tay. Mỗi khoản có biên nhận số theo đơn vị tiếp nhận và "
                "năm; hiện vật ghi theo giá trị ước tính."
            ),
            small,
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def statement_xlsx(donor: Donor, year: int, rows: list[Contribution]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = nfc(_("Năm %(year)s", year=year))
    append_row(ws, [nfc(_("Sao kê các khoản đóng góp năm %(year)s – %(name)s", year=year, name=donor.name))])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [nfc(_("Mã số thuế: %(tax_code)s", tax_code=donor.tax_code or ""))])
    append_row(ws, [])
    append_row(ws, [nfc(h) for h in _headers()])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    fmt = '#,##0 "₫"'
    for c in rows:
        values = _row(c)
        append_row(ws, [c.received_on, *[nfc(v) for v in values[1:]], c.amount_vnd])
        ws.cell(row=ws.max_row, column=1).number_format = "DD/MM/YYYY"
        ws.cell(row=ws.max_row, column=6).number_format = fmt
    first, last = 5, ws.max_row
    total = Formula(f"=SUM(F{first}:F{last})") if rows else 0  # our own formula: the only one written
    append_row(ws, [nfc(_("Tổng cộng")), None, None, None, None, total])
    ws.cell(row=ws.max_row, column=6).number_format = fmt
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for col, width in zip("ABCDEF", (12, 16, 30, 24, 36, 18), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
