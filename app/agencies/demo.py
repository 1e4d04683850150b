"""Demo agency collection (issue 19 item 5): an invented provincial department collects one day's salary from its
staff, uploads the list, confirms it and pays part of it by one transfer (through receive(), which splits it into
one contribution per line), so the staff list at /can-bo/co-quan-thu-ho and the public lookup by code show lines
fully received and lines still waiting. Every name is invented."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.agencies import services
from app.agencies.services import HEADERS, AgencyInput
from app.contributions.models import Channel
from app.contributions.receive import MoneyIn, receive
from app.core.actor import Actor

SYSTEM = Actor.system("demo")
AGENCY = "Sở Thử nghiệm Tài chính tỉnh Khánh Hòa"
STAFF = (
    ("Nguyễn Thị Thử An", 450_000, "Phòng Ngân sách", "có"),
    ("Trần Văn Mẫu Bình", 520_000, "Phòng Ngân sách", ""),
    ("Lê Thị Demo Chi", 380_000, "Văn phòng Sở", "có"),
    ("Phạm Văn Thử Dũng", 610_000, "Phòng Tin học", ""),
    ("Hoàng Thị Mẫu Em", 400_000, "Văn phòng Sở", "có"),
    ("Võ Văn Demo Giang", 700_000, "Ban Giám đốc", ""),
)
PAID_VND = 1_350_000  # the first three lines, received in full


def load(session: Session, ctx: dict[str, Any]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([name, str(amount), note, publish] for name, amount, note, publish in STAFF)
    collection = services.register(
        session, SYSTEM, ctx["campaign"], AgencyInput(name=AGENCY, email="ketoan.sotc@demo.chungtay.vn")
    )
    services.verify_email(session, SYSTEM, collection)
    check = services.upload_list(
        session, SYSTEM, collection, "csv", out.getvalue().encode("utf-8-sig"), "mot-ngay-luong.csv"
    )
    assert not check.errors, check.errors
    pledge = services.confirm(session, SYSTEM, collection)
    receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=PAID_VND,
                channel=Channel.BANK_TRANSFER,
                pledge_id=pledge.id,
                received_at=datetime(2026, 10, 17, 2, 30, tzinfo=UTC),
                bank_txn_ref="FT26290DEMO0001",
                idempotency_key="demo-agency-1",
            )
        ],
    )
    ctx["agency_demo"] = {"agency": AGENCY, "lines": len(STAFF)}
