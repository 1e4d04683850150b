"""Two provinces (Khánh Hòa with two communes, Hà Nội), a campaign with money in Khánh Hòa's housing pool, and the
staff of each side who prepare and approve transfers between levels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.accounts.models import Role, User
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.units.models import AdminUnit
from app.units.services import import_units
from tests.factories import KHANH_SON, make_campaign, make_user, province, receive, unit


@dataclass
class World:
    campaign: Campaign
    khanh_hoa: AdminUnit
    khanh_son: AdminUnit
    hanoi: AdminUnit
    kh_staff: User
    kh_approver: User
    kh_approver2: User
    ks_staff: User
    ks_staff2: User
    hn_approver: User
    admin: User


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.email)


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    import_units(session, [1])  # Hà Nội
    session.commit()
    kh, hn = province(session), province(session, 1)
    ks = unit(session, KHANH_SON)
    w = World(
        campaign=make_campaign(session, kh),
        khanh_hoa=kh,
        khanh_son=ks,
        hanoi=hn,
        kh_staff=make_user(session, Role.PROVINCE_STAFF, kh),
        kh_approver=make_user(session, Role.APPROVER, kh),
        kh_approver2=make_user(session, Role.APPROVER, kh),
        ks_staff=make_user(session, Role.COMMUNE_STAFF, ks),
        ks_staff2=make_user(session, Role.COMMUNE_STAFF, ks),
        hn_approver=make_user(session, Role.APPROVER, hn),
        admin=make_user(session, Role.CENTRAL_ADMIN),
    )
    receive(session, w.campaign, 2_000_000_000, receiving=kh, earmark=kh, purpose=Purpose.HOUSING)
    return w


def pool(session, fund_id: int, unit_id: int | None, purpose: Purpose = Purpose.HOUSING) -> int:  # type: ignore[no-untyped-def]
    acc = session.execute(
        LedgerAccount.__table__.select().where(
            LedgerAccount.__table__.c.key
            == LedgerAccount.make_key(fund_id, unit_id, AccountKind.UNALLOCATED, purpose)
        )
    ).first()
    return int(acc.balance_vnd) if acc else 0
