"""The report's figures as XLSX (openpyxl) and PDF (ReportLab, Be Vietnam Pro). Every string is NFC."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from app.core.messages import N_
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
            N_("I. Cân đối quỹ trong kỳ"),
            ["Chỉ tiêu", "Số tiền"],
            [
                [N_("Số dư đầu kỳ (chưa chi)"), f["opening_balance_vnd"]],
                [N_("Tiếp nhận trong kỳ"), f["receipts_vnd"]],
                [N_("Giải ngân trong kỳ"), f["disbursed_vnd"]],
                [N_("Điều chuyển giữa các địa bàn (ròng)"), f["transfers_net_vnd"]],
                [N_("Số dư cuối kỳ (chưa chi)"), f["closing_balance_vnd"]],
                [N_("Hiện vật tiếp nhận trong kỳ (giá trị ước tính)"), f["in_kind_vnd"]],
            ],
        ),
        (
            N_("II. Tiếp nhận theo kênh"),
            ["Kênh", "Số khoản", "Số tiền"],
            [[r["label"], r["count"], r["amount_vnd"]] for r in f["receipts_by_channel"]],
        ),
        (
            N_("III. Tiếp nhận theo loại nhà hảo tâm"),
            ["Loại", "Số khoản", "Số tiền"],
            [[r["label"], r["count"], r["amount_vnd"]] for r in f["receipts_by_donor_kind"]],
        ),
        (
            N_("IV. Phân bổ và giải ngân theo mục đích"),
            ["Mục đích", N_("Phân bổ"), N_("Giải ngân")],
            [[r["label"], r["allocated_vnd"], r["disbursed_vnd"]] for r in f["allocations_by_purpose"]]
            + [["Cộng", f["allocated_vnd"], f["disbursed_vnd"]]],
        ),
        (
            N_("V. Lũy kế đến cuối kỳ"),
            ["Chỉ tiêu", "Số tiền"],
            [
                ["Đã nhận", f["cumulative"]["received_vnd"]],
                ["Đã phân bổ", f["cumulative"]["allocated_vnd"]],
                ["Đã giải ngân", f["cumulative"]["disbursed_vnd"]],
                ["Chưa phân bổ", f["cumulative"]["unallocated_vnd"]],
            ],
        ),
    ]
    out += extra_sections(f)
    houses = f.get("houses")
    out.append(
        (
            N_("VI. Nhà Đại đoàn kết theo giai đoạn"),
            ["Giai đoạn", N_("Số căn")],
            [[h["label"], h["count"]] for h in houses]
            if houses is not None
            else [[N_("Chưa có dữ liệu"), ""]],
        )
    )
    out.append(
        (
            N_("VII. Nhà hảo tâm tiêu biểu (tên công khai)"),
            ["Tên", "Số khoản", "Số tiền"],
            [[r["name"], r["count"], r["amount_vnd"]] for r in f["top_donors"]],
        )
    )
    return out


COUNT_COLUMNS = (
    "Số khoản",
    N_("Số căn"),
    "Số hộ",
    N_("Số hộ, căn, suất"),
    N_("Hộ được hỗ trợ"),
    N_("Đã rà soát"),
    "Thoát nghèo",
    N_("Sang cận nghèo"),
    N_("Vẫn nghèo"),
    N_("Ra khỏi danh sách hộ nghèo"),
)
DIRECTION_LABELS = {"in": "Nhận về", "out": "Chuyển đi", "within": "Trong địa bàn"}


def extra_sections(f: dict) -> list[tuple[str, list[str], list[list[object]]]]:
    """The Front's report lines (issue 18.9): programmes, households by category, areas, transfers between levels,
    the comparison with the target and the previous period. Reports made before these figures existed skip them."""
    if "programmes" not in f:
        return []
    out: list[tuple[str, list[str], list[list[object]]]] = [
        (
            N_("VIII. Kết quả hỗ trợ theo chương trình"),
            [N_("Chương trình"), N_("Số hộ, căn, suất"), "Số tiền"],
            [[r["label"], "" if r["count"] is None else r["count"], r["amount_vnd"]] for r in f["programmes"]]
            + [[N_("Cộng giải ngân"), "", f["disbursed_vnd"]]],
        ),
        (
            N_("IX. Hộ được hỗ trợ theo đối tượng"),
            [N_("Đối tượng"), "Số hộ"],
            [[r["label"], r["count"]] for r in f["households"]],
        ),
        (
            N_("X. Theo địa bàn"),
            ["Địa bàn", N_("Tiếp nhận"), N_("Giải ngân"), "Số hộ", "Chỉ tiêu vận động", N_("Tồn cuối kỳ")],
            [
                [
                    r["name"],
                    r["received_vnd"],
                    r["disbursed_vnd"],
                    r["households"],
                    r["goal_vnd"],
                    r["closing_vnd"],
                ]
                for r in f["by_area"]
            ],
        ),
        (
            N_("XI. Điều chuyển giữa các cấp"),
            ["Ngày", "Từ", "Đến", "Số tiền"],
            [[_d(t["date"]), t["from"], t["to"], t["amount_vnd"]] for t in f["transfers"]]
            + [
                [N_("Nhận về từ địa bàn khác"), "", "", f["transfers_in_vnd"]],
                [N_("Chuyển đi địa bàn khác"), "", "", f["transfers_out_vnd"]],
                [N_("Chuyển trong địa bàn (cấp trên – cấp dưới)"), "", "", f["transfers_within_vnd"]],
            ],
        ),
    ]
    now, before = f["comparison"]["current"], f["comparison"]["previous"]
    target = f["target"]
    out.append(
        (
            N_("XII. So sánh với chỉ tiêu và kỳ trước"),
            ["Chỉ tiêu", N_("Kỳ này"), N_("Kỳ trước")],
            [
                [N_("Tiếp nhận"), now["receipts_vnd"], before["receipts_vnd"]],
                [N_("Giải ngân"), now["disbursed_vnd"], before["disbursed_vnd"]],
                [
                    N_("Số hộ được hỗ trợ"),
                    f"{now['households']:,}".replace(",", "."),
                    f"{before['households']:,}".replace(",", "."),
                ],
                [N_("Nhà xây mới (căn)"), str(now["houses_built"]), str(before["houses_built"])],
                [N_("Nhà sửa chữa (căn)"), str(now["houses_repaired"]), str(before["houses_repaired"])],
                ["Chỉ tiêu vận động", target["goal_vnd"], ""],
                [
                    N_("Tỷ lệ đạt so với chỉ tiêu"),
                    f"{target['percent']}%" if target["percent"] is not None else "Chưa giao chỉ tiêu",
                    "",
                ],
            ],
        )
    )
    o = f.get("outcomes")
    if o:
        t = o["total"]
        out.append(
            (
                N_("XIII. Kết quả giảm nghèo của hộ được hỗ trợ (rà soát trong năm)"),
                [
                    "Địa bàn",
                    N_("Hộ được hỗ trợ"),
                    N_("Đã rà soát"),
                    "Thoát nghèo",
                    N_("Sang cận nghèo"),
                    N_("Vẫn nghèo"),
                    N_("Ra khỏi danh sách hộ nghèo"),
                ],
                [
                    [
                        r["name"],
                        r["helped"],
                        r["reviewed"],
                        r["out_of_poverty"],
                        r["near_poor"],
                        r["still_poor"],
                        r["left_poor_list"],
                    ]
                    for r in o["by_area"]
                ]
                + [
                    [
                        "Cộng",
                        t["helped"],
                        t["reviewed"],
                        t["out_of_poverty"],
                        t["near_poor"],
                        t["still_poor"],
                        t["left_poor_list"],
                    ]
                ]
                + (
                    [
                        [
                            f"Chỉ tiêu ra khỏi danh sách hộ nghèo ({o['target_basis'] or 'chỉ tiêu của đơn vị'})",
                            "",
                            "",
                            "",
                            "",
                            "",
                            o["target"],
                        ],
                        [N_("Tỷ lệ đạt so với chỉ tiêu"), "", "", "", "", "", f"{o['percent']}%"],
                    ]
                    if o["target"] is not None
                    else []
                ),
            )
        )
    return out


def document_of(f: dict) -> dict | None:
    return f.get("document")


def header_lines(f: dict) -> list[str]:
    return [
        f"{f['title']} – {f['unit']}",
        f"Cuộc vận động: {f['campaign']}",
        f"Kỳ báo cáo: {_d(f['period_start'])} – {_d(f['period_end'])}",
    ]


def _date_line(doc: dict) -> str:
    d = date.fromisoformat(doc["issued_on"])
    return f"{doc['place']}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def to_xlsx(f: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    doc = document_of(f)
    if doc:
        append_row(ws, [_t(doc["body"][0]), "", _t(doc["motto"])])
        for line in doc["body"][1:]:
            append_row(ws, [_t(line)])
        append_row(ws, [_t(f"Số: {doc['number']}"), "", _t(_date_line(doc))])
        append_row(ws, [_t(doc["title"])])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=13)
        append_row(ws, [_t(doc["subtitle"])])
    for line in header_lines(f):
        append_row(ws, [_t(line)])
    if not doc:
        ws["A1"].font = Font(bold=True, size=13)
    for heading, columns, rows in sections(f):
        append_row(ws, [])
        append_row(ws, [_t(heading)])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        append_row(ws, [_t(c) for c in columns])
        for row in rows:
            append_row(ws, [v if isinstance(v, int) else _t(v) for v in row])
            for cell in ws[ws.max_row][1:]:
                if isinstance(cell.value, int) and columns[cell.column - 1] not in COUNT_COLUMNS:
                    cell.number_format = MONEY_FORMAT
    if doc:
        append_row(ws, [])
        append_row(ws, [_t("Nơi nhận:"), "", _t(doc["signer_title"].replace("\n", " – "))])
        for line in doc["recipients"]:
            append_row(ws, [_t(f"- {line}")])
        append_row(ws, ["", "", _t(doc["signer_name"])])
    ws.column_dimensions["A"].width = 48
    for col in "BCDEF":
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
    center = ParagraphStyle("center", parent=body, alignment=1)
    center_bold = ParagraphStyle("center_bold", parent=center, fontName=FONT_BOLD)
    doc_info = document_of(f)
    lines = header_lines(f)
    story: list = []
    if doc_info:
        left = [Paragraph(escape(_t(doc_info["body"][0])), center)] + [
            Paragraph(escape(_t(x)), center_bold) for x in doc_info["body"][1:]
        ]
        left.append(Paragraph(escape(_t(f"Số: {doc_info['number']}")), center))
        motto = [
            Paragraph(escape(_t(doc_info["motto"])), center_bold),
            Paragraph("<i>" + escape(_t(_date_line(doc_info))) + "</i>", center),
        ]
        head = Table([[left, motto]], colWidths=[85 * mm, 95 * mm])
        head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [head, Spacer(1, 6 * mm)]
        story.append(Paragraph(escape(_t(doc_info["title"])), ParagraphStyle("t", parent=title, alignment=1)))
        story.append(Paragraph(escape(_t(doc_info["subtitle"])), center_bold))
        story.append(Spacer(1, 3 * mm))
    else:
        story += [
            Paragraph(
                escape(_t("ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM – BAN VẬN ĐỘNG QUỸ “VÌ NGƯỜI NGHÈO”")), body
            ),
            Spacer(1, 4 * mm),
        ]
    story.append(Paragraph(escape(_t(lines[0])), title))
    story += [Paragraph(escape(_t(line)), body) for line in lines[1:]]
    for heading, columns, rows in sections(f):
        story.append(Paragraph(escape(_t(heading)), h2))
        data = [[Paragraph(f"<b>{escape(_t(c))}</b>", body) for c in columns]]
        for row in rows:
            cells = []
            for i, v in enumerate(row):
                if isinstance(v, int) and i > 0:
                    text = format_vnd(v) if columns[i] not in COUNT_COLUMNS else f"{v:,}".replace(",", ".")
                    cells.append(Paragraph(escape(_t(text)), right))
                else:
                    cells.append(Paragraph(escape(_t(v)), body))
            data.append(cells)
        first = 95 if len(columns) <= 3 else 45
        widths = [first * mm] + [(180 - first) * mm / (len(columns) - 1)] * (len(columns) - 1)
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
    if doc_info:
        small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
        received = [Paragraph("<b><i>" + escape(_t("Nơi nhận:")) + "</i></b>", body)] + [
            Paragraph(escape(_t(f"- {line}")), small) for line in doc_info["recipients"]
        ]
        signer = [Paragraph(escape(_t(x)), center_bold) for x in doc_info["signer_title"].split("\n")]
        signer += [Spacer(1, 18 * mm), Paragraph(escape(_t(doc_info["signer_name"])), center_bold)]
        foot = Table([[received, signer]], colWidths=[95 * mm, 85 * mm])
        foot.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 8 * mm), foot]
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
