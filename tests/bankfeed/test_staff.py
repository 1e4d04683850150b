"""Staff see their area's feed transactions (the raw memo is theirs, never the public's) and attribute an
unattributed credit to a pledge later: the gift is reversed and the money received again for the pledge."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.bankfeed.models import BankFeedTransaction
from app.contributions.models import Contribution, ContributionStatus
from app.pledges.models import Pledge, PledgeStatus
from tests.bankfeed.conftest import direct_body, post_direct
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.payments.conftest import make_pledge


def test_staff_attribute_an_unattributed_credit_to_a_pledge(feed_app, client, session, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 1_000_000, receiving=kh_setup["province"])
    assert post_direct(client, direct_body(1_000_000, "CK UNG HO CONG TY THU NGHIEM")).status_code == 200
    (gift,) = session.execute(select(Contribution)).scalars().all()
    assert gift.pledge_id is None

    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    page = client.get("/can-bo/giao-dich-truc-tuyen?loai=chua-gan").get_data(as_text=True)
    assert "CK UNG HO CONG TY THU NGHIEM" in page and "1.000.000" in page
    txn = session.execute(select(BankFeedTransaction)).scalar_one()
    resp = client.post(
        f"/can-bo/giao-dich-truc-tuyen/{txn.id}/gan",
        data={
            "csrf_token": csrf_from(page),
            "reference": pledge.reference.lower(),
            "reason": "Công ty gọi xác nhận",
        },
        follow_redirects=True,
    )
    assert f"Đã gán khoản tiền cho đăng ký {pledge.reference.lower()}" in resp.get_data(as_text=True)
    session.expire_all()
    rows = session.execute(select(Contribution).order_by(Contribution.id)).scalars().all()
    assert [(c.amount_vnd, c.status, c.pledge_id) for c in rows] == [
        (1_000_000, ContributionStatus.REVERSED, None),
        (1_000_000, ContributionStatus.RECORDED, pledge.id),
    ]
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    txn = session.get(BankFeedTransaction, txn.id)
    assert txn.pledge_id == pledge.id and txn.contribution_id == rows[1].id
    assert (
        session.execute(select(AuditEntry).where(AuditEntry.action == "bankfeed.attribute"))
        .scalar_one()
        .user_id
        == staff.id
    )
    # a provider's late retry of the same notification changes nothing
    assert post_direct(client, {**txn.raw_payload}).get_json()["duplicate"] is True
    assert len(session.execute(select(Contribution)).scalars().all()) == 2


def test_attribution_refused_for_an_unknown_reference_and_without_a_reason(
    feed_app, client, session, kh_setup
):
    assert post_direct(client, direct_body(50_000, "ung ho")).status_code == 200
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    txn = session.execute(select(BankFeedTransaction)).scalar_one()
    page = client.get("/can-bo/giao-dich-truc-tuyen").get_data(as_text=True)
    resp = client.post(
        f"/can-bo/giao-dich-truc-tuyen/{txn.id}/gan",
        data={"csrf_token": csrf_from(page), "reference": "VNN0000000", "reason": "thử"},
        follow_redirects=True,
    )
    assert "Không có đăng ký ủng hộ mã" in resp.get_data(as_text=True)
    session.expire_all()
    assert [c.status for c in session.execute(select(Contribution)).scalars()] == [
        ContributionStatus.RECORDED
    ]
