"""Staff role × area on the registry: list, detail, identifiers, approve, disburse. Another area's records
are 404 (never shown), a role that may not act gets 403, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.needs.models import HouseholdNeed, NeedDisbursement, NeedStatus
from tests.conftest import csrf_from, login
from tests.needs.conftest import CITIZEN_ID, PHONE, add_need, approve, fund

# (user attribute on World, may see Khánh Sơn's needs?)
AREA = [
    ("ks_staff", True),
    ("cl_staff", False),
    ("province_staff", True),
    ("approver", True),
    ("other_province_staff", False),
    ("admin", True),
]


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/can-bo").get_data(as_text=True))


@pytest.mark.parametrize("who,allowed", AREA)
def test_registry_and_detail_only_for_the_area(client, session, world, who, allowed):
    need = add_need(session, world, head_name="Bo Bo Thị Riêng")
    login(client, getattr(world, who).email)
    listing = client.get("/can-bo/nhu-cau").get_data(as_text=True)
    assert ("Bo Bo Thị Riêng" in listing) is allowed
    resp = client.get(f"/can-bo/nhu-cau/{need.id}")
    assert resp.status_code == (200 if allowed else 404)
    page = resp.get_data(as_text=True)
    assert CITIZEN_ID not in page and PHONE not in page  # never on the detail page until asked for


@pytest.mark.parametrize("who,allowed", AREA)
def test_identifiers_decrypted_on_demand_for_the_area_and_audited(client, session, world, who, allowed):
    need = add_need(session, world)
    login(client, getattr(world, who).email)
    resp = client.post(f"/can-bo/nhu-cau/{need.id}/dinh-danh", data={"csrf_token": _token(client)})
    assert resp.status_code == (200 if allowed else 404)
    page = resp.get_data(as_text=True)
    assert (CITIZEN_ID in page) is allowed
    assert (PHONE in page) is allowed
    reads = (
        session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "need.reveal_identifiers", AuditEntry.entity_id == str(need.id)
            )
        )
        .scalars()
        .all()
    )
    assert len(reads) == (1 if allowed else 0)
    if allowed:
        assert reads[0].user_id == getattr(world, who).id
        assert resp.headers["Cache-Control"] == "private, no-store"


# (who, expected status of POST approve, approved afterwards?)
APPROVE = [
    ("ks_staff", 403, False),  # the commune proposes; it does not approve
    ("cl_staff", 403, False),
    ("province_staff", 302, True),
    ("approver", 302, True),
    ("other_province_staff", 404, False),
]


@pytest.mark.parametrize("who,status,approved", APPROVE)
def test_approve_is_for_the_province_of_the_need(client, session, world, who, status, approved):
    need = add_need(session, world)
    login(client, getattr(world, who).email)
    resp = client.post(f"/can-bo/nhu-cau/{need.id}/duyet", data={"csrf_token": _token(client)})
    assert resp.status_code == status
    session.expire_all()
    assert (session.get(HouseholdNeed, need.id).status == NeedStatus.APPROVED) is approved


def test_the_proposer_cannot_approve_their_own_need(client, session, world):
    from app.core.actor import Actor
    from app.needs import registry

    need = registry.create_need(
        session,
        Actor(world.province_staff.id),
        world.campaign,
        __import__("tests.needs.conftest", fromlist=["need_input"]).need_input(world.khanh_son),
    )
    session.commit()
    login(client, world.province_staff.email)
    resp = client.post(
        f"/can-bo/nhu-cau/{need.id}/duyet", data={"csrf_token": _token(client)}, follow_redirects=True
    )
    assert "Người đề xuất không được tự duyệt" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(HouseholdNeed, need.id).status == NeedStatus.PROPOSED


# (who, expected status of POST prepare a payout order): a tranche is paid through a payout order prepared by one
# person and approved by another (issue 18.2); the one-person form on the need page is gone.
DISBURSE = [
    ("ks_staff", 302),
    ("cl_staff", 404),
    ("province_staff", 302),
    ("approver", 403),  # approvers approve; preparing the payout is the staff's job
    ("other_province_staff", 404),
]


@pytest.mark.parametrize("who,status", DISBURSE)
def test_disburse_by_role_and_area(client, session, world, who, status):
    from app.payouts import services as payouts
    from app.payouts.models import PayMethod, PayoutOrder
    from tests.needs.conftest import actor_of

    need = fund(session, world, approve(session, world, add_need(session, world)))
    payouts.set_payment_details(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        payouts.DetailsInput(PayMethod.CASH, recipient_name="Mấu Văn Thử", witness_name="Trưởng thôn"),
    )
    session.commit()
    login(client, getattr(world, who).email)
    # the old one-person route no longer pays anything
    old = client.post(
        f"/can-bo/nhu-cau/{need.id}/giai-ngan",
        data={
            "csrf_token": _token(client),
            "tranche": "advance",
            "amount": "30.000.000",
            "document_ref": "PC-1",
        },
    )
    assert old.status_code in (404, 405)
    resp = client.post(
        f"/can-bo/chi-tra/ho/{need.id}/lap-lenh",
        data={"csrf_token": _token(client), "tranche": "advance", "amount": "30.000.000", "note": ""},
    )
    assert resp.status_code == status
    orders = session.execute(select(PayoutOrder).where(PayoutOrder.need_id == need.id)).scalars().all()
    assert len(orders) == (1 if status == 302 else 0)
    paid = (
        session.execute(select(NeedDisbursement).where(NeedDisbursement.need_id == need.id)).scalars().all()
    )
    assert paid == []  # prepared, not paid: a second person approves it first


def test_commune_staff_cannot_add_a_need_in_another_commune(client, session, world):
    login(client, world.cl_staff.email)
    page = client.get("/can-bo/nhu-cau/them").get_data(as_text=True)
    assert "Xã Khánh Sơn" not in page  # only their own commune is offered
    resp = client.post(
        "/can-bo/nhu-cau/them",
        data={
            "csrf_token": csrf_from(page),
            "commune_id": world.khanh_son.id,
            "hamlet_id": 0,
            "head_name": "Người Lạ",
            "household_size": 3,
            "poverty_status": "poor",
            "need_kind": "new_house",
            "estimated_cost": "70.000.000",
            "requested": "60.000.000",
        },
    )
    assert resp.status_code == 200  # the form refuses the commune choice
    assert session.execute(select(HouseholdNeed).where(HouseholdNeed.head_name == "Người Lạ")).first() is None
