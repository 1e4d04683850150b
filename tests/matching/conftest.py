"""A Khánh Hòa campaign with money in pools and approved needs, entered and approved through the real services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.accounts.models import Role, User
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.ledger.models import Purpose
from app.needs import registry
from app.needs.models import HouseholdNeed, NeedKind, PovertyStatus, SourceKind
from app.units.models import AdminUnit
from app.units.services import import_units
from tests.factories import CAM_LAM, KHANH_SON, make_campaign, make_user, province, receive, unit


@dataclass
class World:
    campaign: Campaign
    khanh_hoa: AdminUnit
    khanh_son: AdminUnit
    cam_lam: AdminUnit
    hanoi: AdminUnit
    ks_staff: User
    cl_staff: User
    preparer: User
    approver: User
    approver2: User
    other_province_staff: User


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.email)


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    import_units(session, [1])  # Hà Nội, another province
    session.commit()
    kh = province(session)
    return World(
        campaign=make_campaign(session, kh),
        khanh_hoa=kh,
        khanh_son=unit(session, KHANH_SON),
        cam_lam=unit(session, CAM_LAM),
        hanoi=province(session, 1),
        ks_staff=make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON)),
        cl_staff=make_user(session, Role.COMMUNE_STAFF, unit(session, CAM_LAM)),
        preparer=make_user(session, Role.PROVINCE_STAFF, kh),
        approver=make_user(session, Role.APPROVER, kh),
        approver2=make_user(session, Role.APPROVER, kh),
        other_province_staff=make_user(session, Role.PROVINCE_STAFF, province(session, 1)),
    )


def add_need(
    session,
    w: World,
    commune: AdminUnit,
    *,
    name: str = "Mấu Văn Thử",
    cost: int = 80_000_000,  # type: ignore[no-untyped-def]
    requested: int = 60_000_000,
    kind: NeedKind = NeedKind.NEW_HOUSE,
    approve: bool = True,
    **flags,
) -> HouseholdNeed:
    proposer = (
        w.ks_staff
        if commune.id == w.khanh_son.id
        else w.cl_staff
        if commune.id == w.cam_lam.id
        else w.preparer
    )
    sources = [registry.SourceInput(SourceKind.OWN, "Hộ tự có", cost - requested)] if cost > requested else []
    data = registry.NeedInput(
        commune_id=commune.id,
        head_name=name,
        poverty_status=PovertyStatus.POOR,
        need_kind=kind,
        estimated_cost_vnd=cost,
        requested_vnd=requested,
        sources=sources,
        **flags,
    )
    need = registry.create_need(session, actor_of(proposer), w.campaign, data)
    if approve:
        registry.approve_need(session, actor_of(w.preparer), w.preparer, need.id)
    session.commit()
    return need


def give(
    session,
    w: World,
    amount: int,
    *,
    earmark: AdminUnit | None = None,  # type: ignore[no-untyped-def]
    purpose: Purpose = Purpose.HOUSING,
) -> None:
    receive(
        session,
        w.campaign,
        amount,
        receiving=earmark or w.khanh_hoa,
        earmark=earmark or w.khanh_hoa,
        purpose=purpose,
    )
