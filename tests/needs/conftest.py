"""Fixtures for the needs registry: a Khánh Hòa campaign, staff in and out of the area, and helpers that
enter, approve and fund needs through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.accounts.models import Role, User
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import funding, registry
from app.needs.models import HouseholdNeed, NeedKind, PovertyStatus
from app.units.models import AdminUnit, Hamlet
from app.units.services import add_hamlet, import_units
from tests.factories import CAM_LAM, KHANH_SON, SYSTEM, make_campaign, make_user, province, receive, unit

CITIZEN_ID = "056085731901"
PHONE = "0935731901"
ADDRESS = "Nhà số 99, tổ 7, Thôn Tà Lương (thử nghiệm)"


@dataclass
class World:
    campaign: Campaign
    khanh_hoa: AdminUnit
    khanh_son: AdminUnit
    cam_lam: AdminUnit
    hanoi: AdminUnit
    hamlet: Hamlet
    ks_staff: User
    cl_staff: User
    province_staff: User
    approver: User
    admin: User
    other_province_staff: User


@pytest.fixture
def world(session) -> World:
    import_units(session, [1])  # Hà Nội, a second province
    session.commit()
    kh = province(session)
    ks, cl = unit(session, KHANH_SON), unit(session, CAM_LAM)
    hamlet = add_hamlet(session, ks.id, "Thôn Tà Lương")
    session.commit()
    return World(
        campaign=make_campaign(session, kh),
        khanh_hoa=kh,
        khanh_son=ks,
        cam_lam=cl,
        hanoi=province(session, 1),
        hamlet=hamlet,
        ks_staff=make_user(session, Role.COMMUNE_STAFF, ks),
        cl_staff=make_user(session, Role.COMMUNE_STAFF, cl),
        province_staff=make_user(session, Role.PROVINCE_STAFF, kh),
        approver=make_user(session, Role.APPROVER, kh),
        admin=make_user(session, Role.CENTRAL_ADMIN),
        other_province_staff=make_user(session, Role.PROVINCE_STAFF, province(session, 1)),
    )


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.email)


def need_input(commune: AdminUnit, **kw) -> registry.NeedInput:  # type: ignore[no-untyped-def]
    base = dict(
        commune_id=commune.id,
        head_name="Mấu Văn Thử",
        poverty_status=PovertyStatus.POOR,
        need_kind=NeedKind.NEW_HOUSE,
        estimated_cost_vnd=80_000_000,
        requested_vnd=60_000_000,
        citizen_id=CITIZEN_ID,
        phone=PHONE,
        address=ADDRESS,
        ethnic_minority=True,
    )
    base.update(kw)
    return registry.NeedInput(**base)


def add_need(session, w: World, commune: AdminUnit | None = None, **kw) -> HouseholdNeed:  # type: ignore[no-untyped-def]
    commune = commune or w.khanh_son
    proposer = w.ks_staff if commune.id == w.khanh_son.id else w.cl_staff
    need = registry.create_need(session, actor_of(proposer), w.campaign, need_input(commune, **kw))
    session.commit()
    return need


def approve(session, w: World, need: HouseholdNeed, on: date | None = None) -> HouseholdNeed:  # type: ignore[no-untyped-def]
    registry.approve_need(session, actor_of(w.province_staff), w.province_staff, need.id, on=on)
    session.commit()
    return need


def fund(session, w: World, need: HouseholdNeed, amount: int | None = None) -> HouseholdNeed:  # type: ignore[no-untyped-def]
    """Receive money earmarked for the need's commune and allocate it to the need (as matching would)."""
    amount = amount or need.remaining_vnd
    commune = session.get(AdminUnit, need.commune_id)
    receive(session, w.campaign, amount, receiving=w.khanh_hoa, earmark=commune, purpose=Purpose.HOUSING)
    draws = [PoolDraw(commune.id, Purpose.HOUSING, amount)]
    txn = ledger.allocate(
        session,
        SYSTEM,
        fund_id=w.campaign.fund_id,
        target_unit_id=commune.id,
        target_purpose=Purpose.HOUSING,
        draws=draws,
        occurred_on=date.today(),
    )
    funding.record_need_funding(session, SYSTEM, need, amount, draws, None, txn.id)
    session.commit()
    return need


def need_form_data(world, **over):  # type: ignore[no-untyped-def]
    """A valid household need as the entry form posts it, with some fields replaced."""
    data = {
        "commune_id": str(world.khanh_son.id),
        "hamlet_id": str(world.hamlet.id),
        "head_name": "Hồ Văn Lũy",
        "household_size": "4",
        "poverty_status": "poor",
        "need_kind": "new_house",
        "situation": "",
        "estimated_cost": "80.000.000",
        "requested": "60.000.000",
        "source1_kind": "",
        "source2_kind": "",
        "source3_kind": "",
    }
    data.update(over)
    return data


def post_on_need_page(client, need, action: str, data: dict) -> str:  # type: ignore[no-untyped-def]
    """POST one of the need page's forms (with the page's CSRF token) and return the page shown after it."""
    from tests.conftest import post_form

    resp = post_form(
        client,
        f"/can-bo/nhu-cau/{need.id}/{action}",
        data,
        page=f"/can-bo/nhu-cau/{need.id}",
        follow_redirects=True,
    )
    return resp.get_data(as_text=True)
