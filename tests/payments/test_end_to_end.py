"""The issue's "must show", through the real pages: a business pays its housing pledge by card (test gateway,
same event path as Stripe), a household pays by transfer and the statement import matches it; both show paid
on the pledge page and in the ledger exactly once."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.accounts.models import Role
from app.contributions.models import Channel, Contribution
from app.donors.models import DonorKind
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction
from tests.conftest import csrf_from, login, open_as_donor
from tests.factories import PASSWORD, make_user
from tests.payments.conftest import make_pledge


def test_card_and_transfer_payments_show_on_the_pledge_pages_and_post_to_the_ledger_once(
    client, session, kh_setup
):
    campaign = kh_setup["campaign"]
    business = make_pledge(
        session,
        campaign,
        50_000_000,
        donor_name="Công ty Cổ phần Yến Sào Khánh Hòa",
        receiving=kh_setup["province"],
        earmark=kh_setup["khanh_son"],
    )
    household = make_pledge(
        session, campaign, 2_000_000, donor_name="Hộ ông Đặng Văn Ánh", receiving=kh_setup["province"]
    )
    household.donor.kind = DonorKind.HOUSEHOLD
    session.commit()
    before = ledger.totals(session, campaign.fund_id).received_vnd
    tx_before = session.execute(select(func.count(LedgerTransaction.id))).scalar_one()

    # Business: card, through the test gateway.
    open_as_donor(client, business)
    page = client.get(f"/ung-ho/{business.reference}").get_data(as_text=True)
    assert f"/ung-ho/{business.reference}/vietqr.svg" in page
    assert f"/ung-ho/{business.reference}/thanh-toan-the" in page
    resp = client.post(f"/ung-ho/{business.reference}/thanh-toan-the", data={"csrf_token": csrf_from(page)})
    gateway_url = resp.headers["Location"]
    gw = client.get(gateway_url).get_data(as_text=True)
    assert "Cổng thanh toán thử nghiệm" in gw
    client.post(gateway_url, data={"csrf_token": csrf_from(gw), "action": "pay"})

    # Household: bank transfer with the reference in the memo, matched by the statement import.
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email, PASSWORD)
    csv_data = (
        "Ngày GD/TNX Date,Số CT/Doc No,Số tiền ghi nợ/Debit,Số tiền ghi có/Credit,Số dư/Balance,"
        "Nội dung chi tiết/Transactions in detail\n"
        f"31/12/2026,5390.1341,,2.000.000,,MBVCB.1 DANG VAN ANH {household.reference} UNG HO\n"
    )
    token = csrf_from(client.get("/can-bo/sao-ke").get_data(as_text=True))
    resp = client.post(
        "/can-bo/sao-ke/tai-len",
        data={
            "csrf_token": token,
            "account_id": str(kh_setup["prov_acc"].id),
            "preset": "auto",
            "opening_balance": "",
            "file": (io.BytesIO(csv_data.encode()), "vcb.csv"),
        },
        content_type="multipart/form-data",
    )
    draft = client.get(resp.headers["Location"]).get_data(as_text=True)
    client.post(resp.headers["Location"], data={"csrf_token": csrf_from(draft), "action": "import"})
    client.post(resp.headers["Location"], data={"csrf_token": csrf_from(draft), "action": "import"})  # twice

    session.expire_all()
    rows = session.execute(
        select(Contribution.pledge_id, Contribution.channel, Contribution.amount_vnd).order_by(
            Contribution.id
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (business.id, Channel.CARD, 50_000_000),
        (household.id, Channel.BANK_TRANSFER, 2_000_000),
    ]
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == 52_000_000
    assert session.execute(select(func.count(LedgerTransaction.id))).scalar_one() - tx_before == 2
    for pledge in (business, household):
        html = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
        assert "Đã hoàn thành" in html
        assert "thanh-toan-the" not in html  # nothing left to pay
