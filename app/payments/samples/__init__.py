"""Sample bank statements, one per supported preset, each as the bank exports it and as a PDF statement turned into
a spreadsheet by a converter (memos wrapped onto rows of their own, the column header repeated on every page, the
bank's contact block and page numbers between pages). Names, accounts and amounts are synthetic.

The files in this folder are written by `python -m app.payments.samples` (deterministic content) and described in
manifest.json: the lines each must give, so the tests import every sample and check its line count and amounts,
and the demo loads one (app/payments/demo.py)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
MANIFEST = SAMPLES_DIR / "manifest.json"
OPENING_VND = 1_250_000_000
PAGE_LINES = 4  # transactions per page of the PDF-converted variants (small, so every sample has page breaks)
WRAP = 22  # characters per memo row in the PDF-converted variants


@dataclass(frozen=True)
class Txn:
    at: datetime
    amount_vnd: int  # > 0 credit, < 0 debit
    memo: str
    sender: str = ""
    ref: str = ""


def transactions(bank: str) -> list[Txn]:
    """Two days of a fund account: named and anonymous gifts, company transfers whose memo wraps on a word such
    as "Công ty"/"CONG TY", two identical gifts, a bank fee (a debit) and a refund."""
    d1 = datetime(2024, 9, 13, 8, 5, 0)
    d2 = d1 + timedelta(days=1)
    raw = [
        (
            d1,
            50_000_000,
            "IBFT CK 24091300123 CONG TY TNHH THUONG MAI AN PHU UNG HO QUY VI NGUOI NGHEO",
            "CONG TY TNHH AN PHU",
        ),
        (
            d1 + timedelta(minutes=7),
            500_000,
            "MBVCB.5521.NGUYEN VAN AN chuyen tien ung ho nguoi ngheo",
            "NGUYEN VAN AN",
        ),
        (d1 + timedelta(minutes=9), 200_000, "ung ho dong bao", ""),
        (d1 + timedelta(minutes=9), 200_000, "ung ho dong bao", ""),
        (
            d1 + timedelta(minutes=31),
            10_000_000,
            "MBVCB.7781.HOI NVTS Cộng đồng người Việt tại Séc ủng hộ đồng bào bị bão lũ",
            "HOI NGUOI VIET",
        ),
        (d1 + timedelta(hours=2), -11_000, "Phi SMS Banking thang 08", ""),
        (d1 + timedelta(hours=3), 1_000_000, "IBFT TRAN THI BINH ung ho lien he 0909000111", "TRAN THI BINH"),
        (d1 + timedelta(hours=5), 3_000_000, "CK ung ho tong cong ty dien luc mien trung", "TONG CONG TY DL"),
        (d2, 25_000_000, "Công ty CP Hòa Bình ủng hộ người nghèo tỉnh Khánh Hòa", "CONG TY CP HOA BINH"),
        (d2 + timedelta(minutes=3), 300_000, "LE VAN CUONG ung ho www.lecuong.vn", "LE VAN CUONG"),
        (d2 + timedelta(minutes=40), -300_000, "Hoan tra giao dich chuyen nham", ""),
        (d2 + timedelta(hours=1), 2_000_000, "PHAM THI DUNG ung ho", "PHAM THI DUNG"),
    ]
    prefix = {
        "vietcombank": "5390",
        "vietcombank_stt": "FT24",
        "bidv": "BID",
        "vietinbank": "VTB",
        "agribank": "AG",
    }
    return [
        Txn(at, amount, memo, sender, f"{prefix[bank]}.{1000 + i}")
        for i, (at, amount, memo, sender) in enumerate(raw, start=1)
    ]


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _commas(n: int) -> str:
    return f"{n:,}"


def _wrap(text: str, width: int = WRAP) -> list[str]:
    rows: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            rows.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        rows.append(current)
    return rows or [""]


@dataclass(frozen=True)
class Layout:
    bank: str
    title: str
    header: list[str]
    kind: str  # "csv" | "xlsx"
    memo_col: int

    def row(self, t: Txn, n: int, balance: int) -> list[str]:
        b = self.bank
        credit, debit = (t.amount_vnd, 0) if t.amount_vnd > 0 else (0, -t.amount_vnd)
        if b == "vietcombank":
            return [
                t.at.strftime("%d/%m/%Y"),
                t.ref,
                _dots(debit) if debit else "",
                _dots(credit) if credit else "",
                _dots(balance),
                t.memo,
            ]
        if b == "vietcombank_stt":
            signed = _dots(credit) if credit else "-" + _dots(debit)
            return [str(n), t.at.strftime("%d/%m/%Y %H:%M:%S"), signed, t.memo, t.sender]
        if b == "bidv":
            return [
                str(n),
                t.at.strftime("%d/%m/%Y %H:%M:%S"),
                _dots(debit) + ",00" if debit else "",
                _dots(credit) + ",00" if credit else "",
                _dots(balance) + ",00",
                t.sender,
                t.memo,
            ]
        if b == "vietinbank":
            signed = _dots(credit) if credit else "-" + _dots(debit)
            return [str(n), t.at.strftime("%d/%m/%Y %H:%M:%S"), t.memo, signed, t.sender]
        # agribank
        return [
            t.at.strftime("%d/%m/%Y"),
            t.memo,
            _commas(debit) if debit else "",
            _commas(credit) if credit else "",
            _commas(balance),
            t.ref,
        ]


LAYOUTS = {
    "vietcombank": Layout(
        "vietcombank",
        "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM — SAO KÊ TÀI KHOẢN",
        [
            "Ngày GD/TNX Date",
            "Số CT/Doc No",
            "Số tiền ghi nợ/Debit",
            "Số tiền ghi có/Credit",
            "Số dư/Balance",
            "Nội dung chi tiết/Transactions in detail",
        ],
        "csv",
        5,
    ),
    "vietcombank_stt": Layout(
        "vietcombank_stt",
        "VIETCOMBANK — CHI TIẾT GIAO DỊCH TÀI KHOẢN",
        ["STT", "Ngày giờ giao dịch", "Số tiền", "Nội dung", "Đối ứng"],
        "csv",
        3,
    ),
    "bidv": Layout(
        "bidv",
        "NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM — SAO KÊ",
        [
            "STT (No)",
            "Ngày giao dịch (Trans.Date)",
            "Số tiền ghi nợ (Debit amount)",
            "Phát sinh có (Credit amount)",
            "Số dư (Balance)",
            "Tài khoản đối ứng",
            "Diễn giải (Description)",
        ],
        "xlsx",
        6,
    ),
    "vietinbank": Layout(
        "vietinbank",
        "NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM — SAO KÊ",
        ["STT", "Ngày giao dịch", "Nội dung", "Số tiền", "Người chuyển"],
        "csv",
        2,
    ),
    "agribank": Layout(
        "agribank",
        "NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM — SAO KÊ",
        ["Ngày", "Diễn giải", "Ghi nợ", "Ghi có", "Số dư", "Số bút toán"],
        "xlsx",
        1,
    ),
}

FURNITURE = {
    "vietcombank": ["Telex: 411504 VCB - VT    Swift: BFTVVNVX", "198 Trần Quang Khải, Hoàn Kiếm, Hà Nội"],
    "vietcombank_stt": ["Hotline 1900 545413 - www.vietcombank.com.vn", "Swift: BFTVVNVX"],
    "bidv": ["Tháp BIDV, 194 Trần Quang Khải, Hà Nội - Swift: BIDVVNVX", "Người in: GDV01"],
    "vietinbank": ["108 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội", "Telex: 412345 ICB VT - Swift: ICBVVNVX"],
    "agribank": ["Số 2 Láng Hạ, Ba Đình, Hà Nội - Swift: VBAAVNVX", "Ngày in: 16/09/2024"],
}


def sample_rows(bank: str, *, pdf: bool) -> list[list[str]]:
    """The rows of one sample: the bank's export, or (pdf=True) the same statement as a PDF converter gives it."""
    layout = LAYOUTS[bank]
    width = len(layout.header)
    pad = [""] * width
    rows: list[list[str]] = [
        [layout.title] + pad[1:],
        ["Số tài khoản: 0071000999888 — QUY VI NGUOI NGHEO"] + pad[1:],
    ]
    rows.append(list(layout.header))
    txns = transactions(bank)
    pages = (len(txns) + PAGE_LINES - 1) // PAGE_LINES
    balance = OPENING_VND
    for n, t in enumerate(txns, start=1):
        balance += t.amount_vnd
        row = layout.row(t, n, balance)
        if not pdf:
            rows.append(row)
            continue
        memo_rows = _wrap(t.memo)
        row[layout.memo_col] = memo_rows[0]
        rows.append(row)
        for cont in memo_rows[1:]:
            extra = list(pad)
            extra[layout.memo_col] = cont
            rows.append(extra)
        if n % PAGE_LINES == 0 or n == len(txns):
            page = (n + PAGE_LINES - 1) // PAGE_LINES
            for line in FURNITURE[bank]:
                rows.append([line] + pad[1:])
            rows.append([f"{page}/{pages}"] + pad[1:])
            if n != len(txns):
                rows.append(list(layout.header))
    return rows


def file_name(bank: str, *, pdf: bool) -> str:
    return f"{bank}{'-pdf' if pdf else ''}.{LAYOUTS[bank].kind}"


def render(rows: list[list[str]], kind: str) -> bytes:
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.properties.created = wb.properties.modified = datetime(2024, 9, 16)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def expected(bank: str) -> dict:
    txns = transactions(bank)
    return {
        "preset": bank,
        "lines": len(txns),
        "credits": sum(1 for t in txns if t.amount_vnd > 0),
        "credits_vnd": sum(t.amount_vnd for t in txns if t.amount_vnd > 0),
        "debits_vnd": sum(-t.amount_vnd for t in txns if t.amount_vnd < 0),
        "opening_balance_vnd": OPENING_VND,
    }


def sample_path(bank: str, *, pdf: bool = False) -> Path:
    return SAMPLES_DIR / file_name(bank, pdf=pdf)


def manifest() -> dict[str, dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def write_samples(folder: Path = SAMPLES_DIR) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for bank, layout in LAYOUTS.items():
        for pdf in (False, True):
            name = file_name(bank, pdf=pdf)
            (folder / name).write_bytes(render(sample_rows(bank, pdf=pdf), layout.kind))
            entries[name] = {**expected(bank), "pdf_converted": pdf}
    (folder / "manifest.json").write_text(
        json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return entries
