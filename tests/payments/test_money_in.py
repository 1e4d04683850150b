"""One path for money (issue 15 items 1, 3): whatever the channel, money received for a pledge revives it the
same way, and bank money is booked by the unit that owns the account it arrived in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.contributions.models import Channel, Contribution
from app.core.i18n import today_vn
from app.ledger import services as ledger
from app.ledger.models import AccountKind, Purpose
from app.payments.importing import create_statement, import_statement
from app.payments.recording import match_to_references
from app.pledges import services as pledges
from app.pledges.models import Pledge, PledgeStatus
from tests.factories import SYSTEM, hanoi
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import vcb_csv


def _statement(session, account, lines: list[tuple[str, int, str]], day: date | None = None):  # type: ignore[no-untyped-def]
    stmt = create_statement(
        session,
        SYSTEM,
        account=account,
        kind="csv",
        data=vcb_csv([(day or today_vn(), lines)], 0),
        original_name="sao-ke.csv",
    )
    session.commit()
    return stmt


def _lapsed_pledge(session, kh_setup) -> Pledge:  # type: ignore[no-untyped-def]
    """A pledge of Khánh Hòa, due 90 days ago, lapsed by the nightly task."""
    pledge = make_pledge(
        session, kh_setup["campaign"], 6_000_000, receiving=kh_setup["province"], donor_name="Hộ ông Trễ Hạn"
    )
    pledge.due_on = today_vn() - timedelta(days=90)
    session.commit()
    assert pledges.lapse_overdue(session, [pledge.id], after_days=60) == [pledge.id]
    session.commit()
    assert pledge.status == PledgeStatus.LAPSED
    return pledge


def _pay_in_cash(session, kh_setup, pledge: Pledge) -> None:  # type: ignore[no-untyped-def]
    pledges.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=1_000_000,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key="cash-late-1",
    )
    session.commit()


def _pay_by_statement(session, kh_setup, pledge: Pledge) -> None:  # type: ignore[no-untyped-def]
    stmt = _statement(session, kh_setup["prov_acc"], [("1", 1_000_000, f"{pledge.reference} nop tre")])
    import_statement(session, SYSTEM, stmt)
    session.commit()


def _pay_by_typed_reference(session, kh_setup, pledge: Pledge) -> None:  # type: ignore[no-untyped-def]
    from app.payments.models import StatementLine

    stmt = _statement(session, kh_setup["prov_acc"], [("1", 1_000_000, "UNG HO NGUOI NGHEO")])
    import_statement(session, SYSTEM, stmt)
    line = session.execute(select(StatementLine).where(StatementLine.statement_id == stmt.id)).scalar_one()
    match_to_references(session, SYSTEM, {line.id: pledge.reference}, {kh_setup["prov_acc"].id})
    session.commit()


@pytest.mark.parametrize("pay", [_pay_in_cash, _pay_by_statement, _pay_by_typed_reference])
def test_money_after_a_lapse_revives_the_pledge_with_a_fresh_grace_period_whatever_the_channel(
    session, kh_setup, pay
):  # type: ignore[no-untyped-def]
    pledge = _lapsed_pledge(session, kh_setup)
    pay(session, kh_setup, pledge)
    session.expire_all()
    pledge = session.get(Pledge, pledge.id)
    assert pledge.status == PledgeStatus.PARTLY_PAID
    assert pledge.reopened_at is not None
    # The nightly task does not lapse it again the next night (and so does not mail the donor again).
    candidates = pledges.lapse_candidates(session, after_days=60)
    assert pledges.lapse_overdue(session, candidates, after_days=60) == []
    session.commit()
    assert session.get(Pledge, pledge.id).status == PledgeStatus.PARTLY_PAID


def _unallocated(session, fund_id: int, unit_id: int | None, purpose: Purpose) -> int:  # type: ignore[no-untyped-def]
    return ledger.account(session, fund_id, unit_id, AccountKind.UNALLOCATED, purpose).balance_vnd


@pytest.mark.parametrize("how", ["reference_in_memo", "typed_by_staff"])
def test_a_pledge_of_another_area_paid_into_khanh_hoa_account_is_booked_by_khanh_hoa(session, kh_setup, how):  # type: ignore[no-untyped-def]
    from app.payments.models import StatementLine

    kh, hn = kh_setup["province"], hanoi(session)
    campaign = kh_setup["campaign"]
    pledge = make_pledge(
        session, campaign, 2_000_000, receiving=hn, earmark=hn, donor_name="Công ty Hà Thành"
    )
    memo = f"{pledge.reference} ung ho" if how == "reference_in_memo" else "UNG HO QUY VI NGUOI NGHEO"
    stmt = _statement(session, kh_setup["prov_acc"], [("1", 2_000_000, memo)])
    import_statement(session, SYSTEM, stmt)
    if how == "typed_by_staff":
        line = session.execute(
            select(StatementLine).where(StatementLine.statement_id == stmt.id)
        ).scalar_one()
        match_to_references(session, SYSTEM, {line.id: pledge.reference}, {kh_setup["prov_acc"].id})
    session.commit()
    session.expire_all()

    [c] = session.execute(select(Contribution).where(Contribution.pledge_id == pledge.id)).scalars().all()
    assert c.receiving_unit_id == kh.id  # the account's owner, not the pledge's area
    assert c.pool_unit_id == kh.id
    assert _unallocated(session, campaign.fund_id, kh.id, pledge.purpose) == 2_000_000
    assert _unallocated(session, campaign.fund_id, hn.id, pledge.purpose) == 0
    assert "Thành phố Hà Nội" in c.note  # visible to staff: whose pledge it was
    # The pledge is still paid (the donor did pay), and a transfer to Hà Nội is proposed, audited.
    assert pledges.amount_paid(session, pledge.id) == 2_000_000
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    from app.contributions.models import FundTransferProposal

    [proposal] = session.execute(select(FundTransferProposal)).scalars().all()
    assert (proposal.from_unit_id, proposal.to_unit_id, proposal.amount_vnd, proposal.contribution_id) == (
        kh.id,
        hn.id,
        2_000_000,
        c.id,
    )
    assert proposal.status == "proposed"
    from app.audit.models import AuditEntry

    assert session.execute(
        select(AuditEntry).where(
            AuditEntry.action == "fund_transfer.propose", AuditEntry.entity_id == str(proposal.id)
        )
    ).scalar_one()


def test_a_pledge_of_the_same_area_paid_into_its_account_needs_no_transfer(session, kh_setup):  # type: ignore[no-untyped-def]
    kh, ks = kh_setup["province"], kh_setup["khanh_son"]
    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh, earmark=ks)
    stmt = _statement(session, kh_setup["prov_acc"], [("1", 2_000_000, f"{pledge.reference}")])
    import_statement(session, SYSTEM, stmt)
    session.commit()
    [c] = session.execute(select(Contribution).where(Contribution.pledge_id == pledge.id)).scalars().all()
    assert (c.receiving_unit_id, c.pool_unit_id) == (kh.id, ks.id)  # earmarked for Khánh Sơn, as pledged
    from app.contributions.models import FundTransferProposal

    assert session.execute(select(FundTransferProposal)).first() is None


def test_both_areas_staff_see_the_transfer_proposal_on_their_ledger_page(app, session, kh_setup):  # type: ignore[no-untyped-def]
    from app.accounts.models import Role
    from tests.conftest import login
    from tests.factories import PASSWORD, make_user

    kh, hn = kh_setup["province"], hanoi(session)
    pledge = make_pledge(session, kh_setup["campaign"], 3_000_000, receiving=hn, earmark=hn)
    import_statement(
        session, SYSTEM, _statement(session, kh_setup["prov_acc"], [("1", 3_000_000, pledge.reference)])
    )
    session.commit()
    [c] = session.execute(select(Contribution).where(Contribution.pledge_id == pledge.id)).scalars().all()
    for staff in (make_user(session, Role.PROVINCE_STAFF, kh), make_user(session, Role.PROVINCE_STAFF, hn)):
        client = app.test_client()
        login(client, staff.email, PASSWORD)
        page = client.get("/can-bo/so-quy/").get_data(as_text=True)
        assert "Đề xuất chuyển tiền cho địa bàn khác" in page
        assert c.receipt_no in page and "3.000.000" in page
        assert "Tỉnh Khánh Hòa" in page and "Thành phố Hà Nội" in page
        if staff.unit_id == hn.id:  # the pledge's own staff read on the pledge where its money went
            detail = client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}").get_data(as_text=True)
            assert "tiền vào tài khoản của Tỉnh Khánh Hòa" in detail
    # A third area's staff sees nothing of it.
    other = make_user(session, Role.COMMUNE_STAFF, kh_setup["khanh_son"])
    client = app.test_client()
    login(client, other.email, PASSWORD)
    assert "Đề xuất chuyển tiền cho địa bàn khác" not in client.get("/can-bo/so-quy/").get_data(as_text=True)


@pytest.mark.parametrize("n", [1, 25])  # one item, and enough for the bulk (COPY) path on PostgreSQL
def test_one_item_or_many_are_recorded_alike_with_receipts_ledger_and_audit(session, kh_setup, n):  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEntry
    from app.contributions.receive import MoneyIn, receive

    kh, campaign = kh_setup["province"], kh_setup["campaign"]
    before = ledger.totals(session, campaign.fund_id).received_vnd
    made = receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=100_000 + i,
                channel=Channel.HOUSEHOLD_COLLECTION,
                display_name=f"Hộ số {i}",
                receiving_unit_id=kh.id,
                idempotency_key=f"many-{n}-{i}",
            )
            for i in range(n)
        ],
        campaign=campaign,
    )
    session.commit()
    assert [r.index for r in made] == list(range(n))
    rows = [session.get(Contribution, r.id) for r in made]
    assert [c.public_name for c in rows] == [f"Hộ số {i}" for i in range(n)]
    assert len({c.receipt_no for c in rows}) == n
    assert all(c.ledger_transaction_id is not None and c.receiving_unit_id == kh.id for c in rows)
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == sum(
        100_000 + i for i in range(n)
    )
    audited = session.execute(
        select(AuditEntry.entity_id).where(AuditEntry.action == "contribution.record")
    ).scalars()
    assert {str(c.id) for c in rows} <= set(audited)
    # Sent again: recorded once.
    again = receive(
        session,
        SYSTEM,
        [MoneyIn(amount_vnd=100_000, channel=Channel.HOUSEHOLD_COLLECTION, idempotency_key=f"many-{n}-0")],
        campaign=campaign,
    )
    assert again[0].earlier and again[0].id == made[0].id


def test_reversing_the_line_withdraws_its_transfer_proposal(session, kh_setup):  # type: ignore[no-untyped-def]
    from app.contributions.models import FundTransferProposal, TransferStatus
    from app.payments.models import StatementLine
    from app.payments.reversal import reverse_line

    hn = hanoi(session)
    pledge = make_pledge(session, kh_setup["campaign"], 1_500_000, receiving=hn, earmark=hn)
    stmt = _statement(session, kh_setup["prov_acc"], [("1", 1_500_000, pledge.reference)])
    import_statement(session, SYSTEM, stmt)
    session.commit()
    line = session.execute(select(StatementLine).where(StatementLine.statement_id == stmt.id)).scalar_one()
    reverse_line(session, SYSTEM, line.id, "Ghép nhầm đăng ký")
    session.commit()
    [proposal] = session.execute(select(FundTransferProposal)).scalars().all()
    assert proposal.status == TransferStatus.WITHDRAWN
    assert session.get(Pledge, pledge.id).status == PledgeStatus.PLEDGED
