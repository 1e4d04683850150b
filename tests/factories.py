"""Factories: plain functions that build valid records through the real services."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.services import create_user
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import create_campaign, set_status
from app.contributions.models import Channel, Contribution
from app.contributions.services import NewContribution, record_contribution
from app.core.actor import Actor
from app.core.text import fold
from app.donors.models import Donor, DonorKind, PublicDisplay
from app.ledger.models import Purpose
from app.ledger.services import main_fund
from app.units.models import AdminUnit, UnitLevel

PASSWORD = "Matkhau-2026"  # noqa: S105
_seq = itertools.count(1)
SYSTEM = Actor.system("test")

# Official codes of Khánh Hòa units used across tests.
KHANH_HOA = 56
KHANH_SON = 22714  # former poor district Khánh Sơn
CAM_LAM = 22453
DAI_LANH = 22504  # contains former special-difficulty commune Vạn Thạnh
KHANH_VINH = 22609


def unit(session: Session, code: int, level: UnitLevel = UnitLevel.COMMUNE) -> AdminUnit:
    return session.execute(
        select(AdminUnit).where(AdminUnit.level == level, AdminUnit.code == code)
    ).scalar_one()


def province(session: Session, code: int = KHANH_HOA) -> AdminUnit:
    return unit(session, code, UnitLevel.PROVINCE)


def hanoi(session: Session) -> AdminUnit:
    """A second province (Hà Nội, no bank account, no staff): found if an earlier test of the run added it (on
    PostgreSQL the units are loaded once per run, not reset between tests)."""
    found = session.execute(
        select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == 1)
    ).scalar()
    if found is None:
        found = AdminUnit(
            level=UnitLevel.PROVINCE,
            code=1,
            name="Thành phố Hà Nội",
            division_type="thành phố trung ương",
            codename="ha_noi",
            valid_from=date(2025, 7, 1),
            code_source="test",
        )
        session.add(found)
        session.commit()
    return found


def make_user(
    session: Session,
    role: Role,
    unit_obj: AdminUnit | None = None,
    *,
    email: str | None = None,
    donor: Donor | None = None,
) -> User:
    n = next(_seq)
    user = create_user(
        session,
        SYSTEM,
        email=email or f"{role.value}{n}@test.vn",
        full_name=f"Người dùng {n}",
        password=PASSWORD,
        role=role,
        unit_id=unit_obj.id if unit_obj else None,
        donor_id=donor.id if donor else None,
    )
    session.commit()
    return user


def make_campaign(
    session: Session, scope: AdminUnit | None = None, *, year: int = 2026, active: bool = True
) -> Campaign:
    n = next(_seq)
    campaign = create_campaign(
        session,
        SYSTEM,
        year=year,
        name=f"Ngày vì người nghèo {year} #{n}",
        fund_id=main_fund(session).id,
        scope_unit_id=scope.id if scope else None,
    )
    if active:
        set_status(session, SYSTEM, campaign, CampaignStatus.ACTIVE)
    session.commit()
    return campaign


def make_donor(
    session: Session,
    name: str = "Công ty TNHH Thử Nghiệm",
    *,
    kind: DonorKind = DonorKind.BUSINESS,
    anonymous: bool = False,
    tax_code: str | None = None,
) -> Donor:
    donor = Donor(
        kind=kind,
        name=name,
        tax_code=tax_code,
        search_key=fold(name),
        public_display=PublicDisplay.ANONYMOUS if anonymous else PublicDisplay.FULL_NAME,
    )
    session.add(donor)
    session.commit()
    return donor


def receive(
    session: Session,
    campaign: Campaign,
    amount_vnd: int,
    *,
    receiving: AdminUnit | None = None,
    earmark: AdminUnit | None = None,
    purpose: Purpose = Purpose.UNRESTRICTED,
    channel: Channel = Channel.BANK_TRANSFER,
    donor: Donor | None = None,
    name: str | None = None,
) -> Contribution:
    c = record_contribution(
        session,
        SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=amount_vnd,
            channel=channel,
            donor=donor,
            display_name=name,
            received_at=datetime.now(UTC),
            receiving_unit_id=receiving.id if receiving else None,
            earmark_unit_id=earmark.id if earmark else None,
            purpose=purpose,
        ),
    )
    session.commit()
    return c
