"""A feed credit goes through the one money-in service at once: a pledge reference pays the pledge (ledger, receipt,
status, the donor's e-mail); without one, a public gift "Chưa xác định người gửi" (or the sender the bank names).
Retries and duplicates never double a đồng; debits and unknown accounts post nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core import mail
from app.ledger import services as ledger
from app.pledges.models import Pledge, PledgeStatus
from tests.bankfeed.conftest import (
    casso_body,
    direct_body,
    post_casso,
    post_direct,
    post_sepay,
    sepay_body,
)
from tests.payments.conftest import make_pledge


def all_contributions(session) -> list[Contribution]:  # type: ignore[no-untyped-def]
    return list(session.execute(select(Contribution).order_by(Contribution.id)).scalars())


def feed(session) -> list[BankFeedTransaction]:  # type: ignore[no-untyped-def]
    return list(session.execute(select(BankFeedTransaction).order_by(BankFeedTransaction.id)).scalars())


def test_credit_with_pledge_reference_pays_the_pledge(feed_app, client, session, kh_setup):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(session, campaign, 10_000_000, receiving=kh_setup["province"])
    pledge.contact_email = "donor@example.vn"
    session.commit()
    before = ledger.totals(session, campaign.fund_id).received_vnd
    memo = f"MBVCB.123 UNG HO {pledge.reference[:5]} {pledge.reference[5:]} CONG TY THU NGHIEM"
    resp = post_sepay(client, sepay_body(10_000_000, memo, when="2026-12-07 14:02:00"))
    assert resp.status_code == 200 and resp.get_json()["success"] is True

    (c,) = all_contributions(session)
    assert c.pledge_id == pledge.id and c.amount_vnd == 10_000_000
    assert c.channel == Channel.BANK_TRANSFER and c.receipt_no
    assert c.receiving_unit_id == kh_setup["province"].id  # the account's owner receives it
    assert c.ledger_transaction_id is not None
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == 10_000_000
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    (row,) = feed(session)
    assert row.status == FeedStatus.RECEIVED and row.contribution_id == c.id and row.pledge_id == pledge.id
    # the donor's confirmation
    (sent,) = [m for m in mail.OUTBOX if "donor@example.vn" in m["To"]]
    assert "10.000.000 ₫" in sent["Subject"] and pledge.reference in sent["Subject"]
    text = sent.get_content()
    assert "14:02 07/12/2026" in text or "07/12/2026 14:02" in text
    assert c.receipt_no in text


def test_credit_without_reference_is_a_public_gift_from_an_unknown_sender(
    feed_app, client, session, kh_setup
):
    resp = post_direct(client, direct_body(777_000, "CHUYEN KHOAN UNG HO QUY"))
    assert resp.status_code == 200
    (c,) = all_contributions(session)
    assert c.pledge_id is None and c.public_name == "Chưa xác định người gửi"
    assert c.campaign_id == kh_setup["campaign"].id and c.status == ContributionStatus.RECORDED
    page = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Chưa xác định người gửi" in page and "777.000" in page
    assert "CHUYEN KHOAN UNG HO QUY" not in page  # the raw memo is never public


def test_casso_gives_the_senders_name(feed_app, client, session, kh_setup):
    assert post_casso(client, casso_body(250_000, "ung ho 0901234567")).status_code == 200
    (c,) = all_contributions(session)
    assert c.public_name == "NGUYEN VAN AN"
    assert c.masked_account == "******6789"
    page = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "NGUYEN VAN AN" in page and "0901234567" not in page and "0123456789" not in page


def test_retries_and_duplicates_record_once(feed_app, client, session, kh_setup):
    body = sepay_body(500_000, "ung ho", reference="FT26341000001")
    for _ in range(7):  # SePay retries up to 7 times
        assert post_sepay(client, body).status_code == 200
    # the same bank transfer notified under another id (a second provider, a provider's re-sync)
    again = sepay_body(500_000, "ung ho", reference="FT26341000001")
    resp = post_sepay(client, again)
    assert resp.status_code == 200 and resp.get_json()["duplicate"] is True
    direct = direct_body(500_000, "ung ho", reference="FT26341000001")
    assert post_direct(client, direct).get_json()["duplicate"] is True
    assert len(feed(session)) == 1
    assert [c.amount_vnd for c in all_contributions(session)] == [500_000]


def test_debit_is_stored_and_posts_nothing(feed_app, client, session, kh_setup):
    resp = post_sepay(client, sepay_body(2_200, "Phi SMS Banking", direction="out"))
    assert resp.status_code == 200
    (row,) = feed(session)
    assert row.status == FeedStatus.DEBIT and row.is_credit is False and row.contribution_id is None
    assert all_contributions(session) == []


def test_unknown_account_is_stored_refused_and_listed_for_staff(feed_app, client, session, kh_setup):
    from app.accounts.models import Role
    from tests.conftest import login
    from tests.factories import make_user

    resp = post_sepay(client, sepay_body(900_000, "ung ho", account="9999999999"))
    assert resp.status_code == 200
    (row,) = feed(session)
    assert row.status == FeedStatus.UNKNOWN_ACCOUNT and row.bank_account_id is None
    assert all_contributions(session) == []
    admin = make_user(session, Role.CENTRAL_ADMIN, None)
    login(client, admin.email)
    page = client.get("/can-bo/giao-dich-truc-tuyen?loai=khong-ro-tai-khoan").get_data(as_text=True)
    assert "9999999999" in page and "900.000" in page


def test_credit_waits_when_no_campaign_is_active(feed_app, client, session, kh_setup):
    from app.campaigns.models import CampaignStatus

    kh_setup["campaign"].status = CampaignStatus.CLOSED
    session.commit()
    assert post_direct(client, direct_body(100_000, "ung ho")).status_code == 200
    (row,) = feed(session)
    assert row.status == FeedStatus.PENDING and "cuộc vận động" in row.note
    assert all_contributions(session) == []
