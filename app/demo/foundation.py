"""The foundation's part of the demo: Khánh Hòa's units, designations, hamlets, the 2026 campaign,
staff accounts, sample donors and a few contributions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.services import create_user
from app.banking.models import OfficialBankAccount
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import create_campaign, set_goal, set_status
from app.contributions.models import Channel
from app.contributions.services import NewContribution, record_contributions
from app.core.actor import Actor
from app.core.text import fold
from app.donors.models import Donor, DonorKind, PublicDisplay
from app.ledger.models import Purpose
from app.ledger.services import main_fund
from app.units.models import AdminUnit, Hamlet, UnitLevel
from app.units.services import import_designations_csv, import_units

DEMO_PASSWORD = "ChungTay@2026"  # noqa: S105 - demo accounts only; README lists them
KHANH_HOA = 56
DATA = Path(__file__).parent / "data"

DEMO_USERS = [
    ("admin@chungtay.vn", "Quản trị Trung ương", Role.CENTRAL_ADMIN, None, "Quản trị hệ thống"),
    (
        "tinh@khanhhoa.chungtay.vn",
        "Trần Thị Thu Hà",
        Role.PROVINCE_STAFF,
        "province",
        "Chuyên viên Ban vận động tỉnh",
    ),
    (
        "pheduyet@khanhhoa.chungtay.vn",
        "Nguyễn Văn Mẫu",
        Role.APPROVER,
        "province",
        "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh",
    ),
    (
        "khanhson@khanhhoa.chungtay.vn",
        "Lê Văn Thử",
        Role.COMMUNE_STAFF,
        22714,
        "Chủ tịch Ủy ban MTTQ xã Khánh Sơn",
    ),
    (
        "camlam@khanhhoa.chungtay.vn",
        "Lê Thị Mai",
        Role.COMMUNE_STAFF,
        22453,
        "Phó Chủ tịch Ủy ban MTTQ xã Cam Lâm",
    ),
]

HAMLETS = {
    22714: ["Thôn Tà Lương", "Thôn Tô Hạp", "Thôn Dốc Gạo", "Thôn Xóm Cỏ", "Thôn Hòn Dung"],
    22453: ["Thôn Tân Xương 1", "Thôn Tân Xương 2", "Thôn Vĩnh Thái", "Thôn Quảng Đức", "Thôn Bãi Giếng"],
    22720: ["Thôn Ma O", "Thôn Tà Gụ", "Thôn Suối Đá"],
    22609: ["Thôn Đá Trắng", "Thôn Suối Lách", "Thôn Cà Thêu"],
}

DONORS = [
    (DonorKind.BUSINESS, "Công ty Cổ phần Yến Sào Khánh Hòa", "4200237211", PublicDisplay.FULL_NAME),
    (
        DonorKind.BUSINESS,
        "Ngân hàng TMCP Ngoại thương – Chi nhánh Nha Trang",
        "0100112437-052",
        PublicDisplay.FULL_NAME,
    ),
    (DonorKind.BUSINESS, "Công ty TNHH Đường Biên Hòa – Ninh Hòa", "0100233488", PublicDisplay.FULL_NAME),
    (DonorKind.HOUSEHOLD, "Hộ ông Đặng Văn Ánh", None, PublicDisplay.FULL_NAME),
    (DonorKind.INDIVIDUAL, "Nguyễn Thị Hồng", None, PublicDisplay.ANONYMOUS),
]


# The four communes the demo walks through; every other commune of the province gets a target between 150 and
# 350 million (the same on every load), so the commune targets add up to less than the province's 20 billion.
GOALS = {22714: 600_000_000, 22453: 900_000_000, 22720: 400_000_000, 22609: 500_000_000}


def commune_goals(communes, province_id: int) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """The campaign target of each commune of the province, by commune code."""
    rng = random.Random(KHANH_HOA)  # noqa: S311 - demo figures, not security
    return {
        u.code: GOALS.get(u.code) or rng.randrange(150, 351, 25) * 1_000_000
        for u in sorted(communes, key=lambda u: u.code)
        if u.parent_id == province_id
    }


def demo_loaded(session: Session) -> bool:
    return session.execute(select(User.id).where(User.email == DEMO_USERS[0][0])).first() is not None


def load(session: Session, ctx: dict) -> None:
    actor = Actor.system("demo")
    import_units(session)  # all 34 provinces: the demo is national, the first deployment Khánh Hòa
    import_designations_csv(session, (DATA / "khanh-hoa-designations.csv").read_text(encoding="utf-8"))
    units = {
        u.code: u
        for u in session.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.COMMUNE)).scalars()
    }
    province = session.execute(
        select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == KHANH_HOA)
    ).scalar_one()
    for code, names in HAMLETS.items():
        for name in names:
            session.add(
                Hamlet(
                    commune_id=units[code].id,
                    name=name,
                    kind="tổ dân phố" if name.startswith("Tổ") else "thôn",
                    search_key=fold(name),
                )
            )
    fund = main_fund(session)
    campaign = create_campaign(
        session,
        actor,
        year=2026,
        name="Ngày vì người nghèo năm 2026 – tỉnh Khánh Hòa",
        fund_id=fund.id,
        scope_unit_id=province.id,
        goal_vnd=20_000_000_000,
        settings={"household_display": "name", "acknowledge_on": "fulfilled"},
    )
    campaign.plan_reference = "Kế hoạch tháng cao điểm “Vì người nghèo” năm 2026"
    set_status(session, actor, campaign, CampaignStatus.ACTIVE)
    for code, goal in commune_goals(units.values(), province.id).items():
        set_goal(session, actor, campaign, units[code].id, goal)
    session.add_all(
        [
            OfficialBankAccount(
                unit_id=province.id,
                fund_id=fund.id,
                bank_bin="970436",
                bank_name="Vietcombank",
                account_number="0061001234567",
                branch="Chi nhánh Khánh Hòa",
                swift_code="BFTVVNVX",  # donors abroad: the international transfer details (issue 19.4)
                account_name="UY BAN MTTQ VIET NAM TINH KHANH HOA - QUY VI NGUOI NGHEO",
            ),
            OfficialBankAccount(
                unit_id=province.id,
                fund_id=fund.id,
                bank_bin="970405",
                bank_name="Agribank",
                account_number="4600201009876",
                branch="Chi nhánh Khánh Hòa",
                account_name="UY BAN MTTQ VIET NAM TINH KHANH HOA - QUY VI NGUOI NGHEO",
            ),
            OfficialBankAccount(
                unit_id=units[22714].id,
                fund_id=fund.id,
                bank_bin="970418",
                bank_name="BIDV",
                account_number="58010000123456",
                branch="Chi nhánh Cam Ranh",
                account_name="UY BAN MTTQ VIET NAM XA KHANH SON",
            ),
        ]
    )
    users = {}
    for email, name, role, where, title in DEMO_USERS:
        unit_id = province.id if where == "province" else (units[where].id if where else None)
        users[email] = create_user(
            session,
            actor,
            email=email,
            full_name=name,
            password=DEMO_PASSWORD,
            role=role,
            unit_id=unit_id,
            title=title,
        )
    donors: list[Donor] = []
    for kind, name, tax_code, display in DONORS:
        d = Donor(
            kind=kind,
            name=name,
            tax_code=tax_code,
            public_display=display,
            search_key=fold(name),
            province_id=province.id,
            email=f"lienhe{len(donors) + 1}@example.vn",
        )
        session.add(d)
        donors.append(d)
    session.flush()
    donor_user = create_user(
        session,
        actor,
        email="ketoan@yensao.example.vn",
        full_name="Phạm Minh Tuấn",
        password=DEMO_PASSWORD,
        role=Role.DONOR,
        donor_id=donors[0].id,
        title="Kế toán trưởng",
    )
    now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    items = [
        NewContribution(
            amount_vnd=500_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donors[0],
            received_at=now,
            receiving_unit_id=province.id,
            purpose=Purpose.HOUSING,
            bank_txn_ref="FT26293001234",
            source="demo",
        ),
        NewContribution(
            amount_vnd=300_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donors[1],
            received_at=now + timedelta(days=1),
            receiving_unit_id=province.id,
            earmark_unit_id=units[22714].id,
            purpose=Purpose.HOUSING,
            source="demo",
        ),
        NewContribution(
            amount_vnd=200_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donors[2],
            received_at=now + timedelta(days=2),
            receiving_unit_id=province.id,
            source="demo",
        ),
        NewContribution(
            amount_vnd=2_000_000,
            channel=Channel.CASH,
            donor=donors[3],
            received_at=now + timedelta(days=3),
            receiving_unit_id=units[22453].id,
            source="demo",
        ),
        NewContribution(
            amount_vnd=10_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donors[4],
            received_at=now + timedelta(days=3),
            receiving_unit_id=province.id,
            source="demo",
        ),
    ]
    record_contributions(session, actor, campaign, items)
    ctx.update(
        campaign=campaign,
        province=province,
        communes=units,
        users=users,
        donors=donors,
        donor_user=donor_user,
        fund=fund,
    )


def campaign_of(session: Session) -> Campaign:
    return session.execute(select(Campaign).where(Campaign.year == 2026)).scalars().first()
