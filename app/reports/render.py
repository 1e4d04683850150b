"""The report's figures as XLSX (openpyxl) and PDF (ReportLab, Be Vietnam Pro). Every string is NFC."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from app.core.money import format_vnd
from app.core.pdf import FONT, FONT_BOLD, register_fonts
from app.core.spreadsheet import append_row

MONEY_FORMAT = '#,##0 "₫"'


def _t(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


def _d(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def sections(f: dict) -> list[tuple[str, list[str], list[list[object]]]]:
    """(heading, column headers, rows) in reading order; amounts stay int for the spreadsheet."""
    out: list[tuple[str, list[str], list[list[object]]]] = [
        (
            "I. Cân đối quỹ trong kỳ",
            ["Chỉ tiêu", "Số tiền"],
            [
                ["Số dư đầu kỳ (chưa chi)", f["opening_balance_vnd"]],
                ["Tiếp nhận trong kỳ", f["receipts_vnd"]],
                ["Giải ngân trong kỳ", f["disbursed_vnd"]],
                ["Điều chuyển giữa các địa bàn (ròng)", f["transfers_net_vnd"]],
                ["Số dư cuối kỳ (chưa chi)", f["closing_balance_vnd"]],
                ["Hiện vật tiếp nhận trong kỳ (giá trị ước tính)", f["in_kind_vnd"]],
            ],
        ),
        (
            "II. Tiếp nhận theo kênh",
            ["Kênh", "Số khoản", "Số tiền"],
            [[r["label"], r["count"], r["amount_vnd"]] for r in f["receipts_by_channel"]],
        ),
        (
            "III. Tiếp nhận theo loại nhà hảo tâm",
            ["Loại", "Số khoản", "Số tiền"],
            [[r["label"], r["count"], r["amount_vnd"]] for r in f["receipts_by_donor_kind"]],
        ),
        (
            "IV. Phân bổ và giải ngân theo mục đích",
            ["Mục đích", "Phân bổ", "Giải ngân"],
            [[r["label"], r["allocated_vnd"], r["disbursed_vnd"]] for r in f["allocations_by_purpose"]]
            + [["Cộng", f["allocated_vnd"], f["disbursed_vnd"]]],
        ),
        (
            "V. Lũy kế đến cuối kỳ",
            ["Chỉ tiêu", "Số tiền"],
            [
                ["Đã nhận", f["cumulative"]["received_vnd"]],
                ["Đã phân bổ", f["cumulative"]["allocated_vnd"]],
                ["Đã giải ngân", f["cumulative"]["disbursed_vnd"]],
                ["Chưa phân bổ", f["cumulative"]["unallocated_vnd"]],
            ],
        ),
    ]
    houses = f.get("houses")
    out.append(
        (
            "VI. Nhà Đại đoàn kết theo giai đoạn",
            ["Giai đoạn", "Số căn"],
            [[h["label"], h["count"]] for h in houses] if houses is not None else [["Chưa có dữ liệu", ""]],
        )
    )
    out.append(
        (
            "VII. Nhà hảo tâm tiêu biểu (tên công khai)",
            ["Tên", "Số khoản", "Số tiền"],
            [[r["name"], r["count"], r["amount_vnd"]] for r in f["top_donors"]],
        )
    )
    return out


def header_lines(f: dict) -> list[str]:
    return [
        f"{f['title']} – {f['unit']}",
        f"Cuộc vận động: {f['campaign']}",
        f"Kỳ báo cáo: {_d(f['period_start'])} – {_d(f['period_end'])}",
    ]


def to_xlsx(f: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for line in header_lines(f):
        append_row(ws, [_t(line)])
    ws["A1"].font = Font(bold=True, size=13)
    for heading, columns, rows in sections(f):
        append_row(ws, [])
        append_row(ws, [_t(heading)])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        append_row(ws, [_t(c) for c in columns])
        for row in rows:
            append_row(ws, [v if isinstance(v, int) else _t(v) for v in row])
            for cell in ws[ws.max_row][1:]:
                if (
                    isinstance(cell.value, int)
                    and columns[cell.column - 1] != "Số khoản"
                    and columns[cell.column - 1] != "Số căn"
                ):
                    cell.number_format = MONEY_FORMAT
    ws.column_dimensions["A"].width = 48
    for col in "BC":
        ws.column_dimensions[col].width = 22
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(f: dict) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
    title = ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18)
    h2 = ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=11, leading=15, spaceBefore=8)
    right = ParagraphStyle("right", parent=body, alignment=2)
    story = [
        Paragraph(escape(_t("ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM – BAN VẬN ĐỘNG QUỸ “VÌ NGƯỜI NGHÈO”")), body),
        Spacer(1, 4 * mm),
    ]
    lines = header_lines(f)
    story.append(Paragraph(escape(_t(lines[0])), title))
    story += [Paragraph(escape(_t(line)), body) for line in lines[1:]]
    for heading, columns, rows in sections(f):
        story.append(Paragraph(escape(_t(heading)), h2))
        data = [[Paragraph(f"<b>{escape(_t(c))}</b>", body) for c in columns]]
        for row in rows:
            cells = []
            for i, v in enumerate(row):
                if isinstance(v, int) and i > 0:
                    text = (
                        format_vnd(v)
                        if columns[i] not in ("Số khoản", "Số căn")
                        else f"{v:,}".replace(",", ".")
                    )
                    cells.append(Paragraph(escape(_t(text)), right))
                else:
                    cells.append(Paragraph(escape(_t(v)), body))
            data.append(cells)
        widths = [95 * mm] + [(180 - 95) * mm / (len(columns) - 1)] * (len(columns) - 1)
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_t(lines[0]),
        author="Chung Tay",
    )
    doc.build(story)
    return out.getvalue()
