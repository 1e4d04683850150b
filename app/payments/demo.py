"""Demo data for payments: a Vietcombank statement of Khánh Hòa's fund account, imported, with lines matched
by pledge reference, one proposal to confirm, and unmatched lines waiting in the review queue."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.i18n import VN_TZ
from app.ledger.models import Purpose
from app.payments.importing import create_statement, import_statement
from app.payments.samples import sample_path
from app.pledges.models import Pledge
from app.pledges.references import new_reference

HEADER = [
    "Ngày GD/TNX Date",
    "Số CT/Doc No",
    "Số tiền ghi nợ/Debit",
    "Số tiền ghi có/Credit",
    "Số dư/Balance",
    "Nội dung chi tiết/Transactions in detail",
]


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def statement_csv(day: datetime, lines: list[tuple[str, int, str]], opening: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM – CHI NHÁNH KHÁNH HÒA"])
    w.writerow(["SAO KÊ TÀI KHOẢN", "", "Số TK: 0061001234567"])
    w.writerow(HEADER)
    balance = opening
    for i, (ref, amount, memo) in enumerate(lines):
        balance += amount
        first, _, rest = memo.partition("|")
        w.writerow(
            [
                day.strftime("%d/%m/%Y"),
                ref,
                _dots(-amount) if amount < 0 else "",
                _dots(amount) if amount > 0 else "",
                _dots(balance) if i == len(lines) - 1 else "",
                first,
            ]
        )
        if rest:
            w.writerow(["", "", "", "", "", rest])
    w.writerow(["Page 1 of 1", "", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def load(session: Session, ctx: dict) -> None:
    actor = Actor.system("demo")
    province, campaign, donors, communes = ctx["province"], ctx["campaign"], ctx["donors"], ctx["communes"]
    account = (
        session.execute(
            select(OfficialBankAccount).where(
                OfficialBankAccount.unit_id == province.id, OfficialBankAccount.bank_bin == "970436"
            )
        )
        .scalars()
        .first()
    )
    if account is None:
        return
    household = Pledge(
        reference=new_reference(),
        campaign_id=campaign.id,
        donor_id=donors[3].id,
        amount_vnd=5_000_000,
        receiving_unit_id=province.id,
        earmark_unit_id=communes[22714].id,
        purpose=Purpose.HOUSING,
        note="Dữ liệu mẫu: trả bằng chuyển khoản, đã khớp sao kê",
    )
    business = Pledge(
        reference=new_reference(),
        campaign_id=campaign.id,
        donor_id=donors[2].id,
        amount_vnd=30_000_000,
        receiving_unit_id=province.id,
        purpose=Purpose.LIVELIHOOD,
        note="Dữ liệu mẫu: chuyển khoản quên ghi mã, chờ cán bộ xác nhận đề xuất",
    )
    session.add_all([household, business])
    session.flush()
    day = datetime.now(VN_TZ) + timedelta(minutes=5)
    ref = household.reference
    lines = [
        (
            "5390.1341",
            5_000_000,
            f"MBVCB.8123456 {ref[:6]} {ref[6:]} DANG VAN ANH UNG HO|NGUOI NGHEO KHANH SON",
        ),
        ("5390.1341", 30_000_000, "CTY TNHH DUONG BIEN HOA NINH HOA chuyen khoan ung ho quy vi nguoi ngheo"),
        ("5390.1341", 500_000, "ung ho dong bao ngheo"),
        ("5390.1341", 500_000, "ung ho dong bao ngheo"),
        ("5390.1342", -2_200, "Phi SMS Banking thang 11"),
        ("5390.1343", 2_000_000, "NGUYEN THI LAN 0905xxx123 ung ho MTTQ"),
        ("5390.1344", 1_200_000, "IBFT TRAN VAN HAI chuyen tien"),
    ]
    data = statement_csv(day, lines, opening=1_250_000_000)
    stmt = create_statement(
        session, actor, account=account, kind="csv", data=data, original_name=f"VCB_saoke_{day:%d%m%Y}.csv"
    )
    import_statement(session, actor, stmt)
    ctx["payments_statement"] = stmt
    # A PDF statement turned into a spreadsheet, left as a draft: the review page shows the preset chosen and why,
    # the page furniture left out and the memos joined across rows (app/payments/samples).
    sample = sample_path("vietcombank", pdf=True)
    ctx["payments_draft_statement"] = create_statement(
        session, actor, account=account, kind="csv", data=sample.read_bytes(), original_name=sample.name
    )
    ctx.setdefault("demo_pledges", []).extend([household, business])
