"""One path for money out: a reversal, wherever it is asked for, reverses the ledger posting AND the contribution it
belongs to, and the pledge it paid is recomputed, so the books, the pledge and the public statement agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.ledger import services as ledger
from app.ledger.models import LedgerTransaction
from app.pledges.models import PledgeStatus
from app.pledges.services import record_pledge_payment
from tests.conftest import login, post_form
from tests.factories import SYSTEM, make_user
from tests.payments.conftest import make_pledge


def _card_gift(session, kh_setup):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, kh_setup["campaign"], 20_000_000, receiving=kh_setup["province"])
    [gift] = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=20_000_000,
        channel=Channel.CARD,
        received_at=datetime.now(UTC),
        source="card:cs_test_L",
        idempotency_key="cs_test_L",
        bank_txn_ref="pi_L",
    )
    session.commit()
    assert pledge.status == PledgeStatus.FULFILLED
    return pledge, gift


@pytest.mark.app_config(PUBLIC_PAGE_CACHE_SECONDS=60)
def test_reversing_a_card_receipt_on_the_ledger_page_reverses_the_gift_and_the_pledge(
    client, session, kh_setup
):
    pledge, gift = _card_gift(session, kh_setup)
    public = client.application.test_client()  # an anonymous reader, whose statement page is cached
    assert "Đã hủy" not in public.get("/cong-khai/sao-ke").get_data(as_text=True)
    fund_id = kh_setup["campaign"].fund_id
    received = ledger.totals(session, fund_id).received_vnd
    approver = make_user(session, Role.APPROVER, kh_setup["province"])
    login(client, approver.email)

    resp = post_form(
        client,
        f"/can-bo/so-quy/but-toan/{gift.ledger_transaction_id}/dao",
        {"reason": "Thẻ bị tranh chấp"},
        page="/can-bo/so-quy/",
        follow_redirects=True,
    )

    assert resp.status_code == 200
    session.expire_all()
    assert ledger.totals(session, fund_id).received_vnd == received - 20_000_000
    assert session.get(Contribution, gift.id).status == ContributionStatus.REVERSED
    assert pledge.status == PledgeStatus.PLEDGED  # was still "fulfilled"
    assert ledger.verify_ledger(session) == []
    api = public.get(f"/api/v1/contributions/{gift.id}").get_json()
    assert api["trang_thai"] == "da_huy"  # was "da_nhan": the public list showed the gift
    page = public.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Đã hủy" in page


def test_a_posting_shared_by_many_receipts_is_refused_on_the_ledger_page_with_where_to_reverse_it(
    client, session, kh_setup
):
    from datetime import date, timedelta

    from app.payments.importing import import_statement
    from tests.payments.test_statements import stmt_from, vcb_csv

    campaign, kh = kh_setup["campaign"], kh_setup["province"]
    p = make_pledge(session, campaign, 5_000_000, receiving=kh)
    q = make_pledge(session, campaign, 2_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh)
    lines = [("1", 5_000_000, f"{p.reference} ung ho"), ("2", 2_000_000, f"{q.reference} ung ho")]
    stmt = stmt_from(session, kh_setup["prov_acc"], vcb_csv([(date.today() + timedelta(days=1), lines)], 0))
    import_statement(session, SYSTEM, stmt)
    session.commit()
    gifts = list(session.execute(select(Contribution).order_by(Contribution.id)).scalars())
    assert len(gifts) == 2 and gifts[0].ledger_transaction_id == gifts[1].ledger_transaction_id
    tx_id = gifts[0].ledger_transaction_id
    approver = make_user(session, Role.APPROVER, kh)
    login(client, approver.email)
    books = client.get("/can-bo/so-quy/").get_data(as_text=True)
    assert f"/can-bo/so-quy/but-toan/{tx_id}/dao" not in books  # no reversal form: a link to the statement
    assert f'href="/can-bo/sao-ke/{stmt.id}"' in books

    html = post_form(
        client,
        f"/can-bo/so-quy/but-toan/{tx_id}/dao",
        {"reason": "Nhầm"},
        page="/can-bo/so-quy/",
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "trang sao kê" in html
    assert f"/can-bo/sao-ke/{stmt.id}" in html
    session.expire_all()
    assert not ledger.is_reversed(session, tx_id)
    assert all(c.status == ContributionStatus.RECORDED for c in gifts)
    assert p.status == PledgeStatus.FULFILLED
    assert (
        session.execute(select(LedgerTransaction).where(LedgerTransaction.reverses_id == tx_id)).first()
        is None
    )


def test_a_receipt_whose_money_was_allocated_is_refused_on_the_ledger_page_and_stays_recorded(
    client, session, kh_setup
):
    from datetime import date

    from app.ledger.models import Purpose
    from app.ledger.services import PoolDraw

    pledge, gift = _card_gift(session, kh_setup)
    kh = kh_setup["province"]
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=kh_setup["campaign"].fund_id,
        target_unit_id=kh.id,
        target_purpose=Purpose.HOUSING,
        draws=[PoolDraw(kh.id, Purpose.HOUSING, 15_000_000)],
        occurred_on=date.today(),
    )
    session.commit()
    login(client, make_user(session, Role.APPROVER, kh).email)

    html = post_form(
        client,
        f"/can-bo/so-quy/but-toan/{gift.ledger_transaction_id}/dao",
        {"reason": "Thẻ bị tranh chấp"},
        page="/can-bo/so-quy/",
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "flash-error" in html
    session.expire_all()
    assert session.get(Contribution, gift.id).status == ContributionStatus.RECORDED
    assert pledge.status == PledgeStatus.FULFILLED
    assert not ledger.is_reversed(session, gift.ledger_transaction_id)


def test_reversing_one_of_a_pledges_two_payments_leaves_it_partly_paid_and_twice_is_refused(
    session, kh_setup
):
    from app.contributions.reversal import reverse_contribution
    from app.contributions.services import ContributionError

    pledge = make_pledge(session, kh_setup["campaign"], 20_000_000, receiving=kh_setup["province"])
    paid = [
        record_pledge_payment(
            session,
            SYSTEM,
            pledge,
            amount_vnd=10_000_000,
            channel=Channel.CASH,
            received_at=datetime.now(UTC),
            source="test",
            idempotency_key=f"cash-{i}",
        )[0]
        for i in range(2)
    ]
    session.commit()
    assert pledge.status == PledgeStatus.FULFILLED

    reverse_contribution(session, SYSTEM, paid[1].id, "Ghi trùng")
    session.commit()

    assert pledge.status == PledgeStatus.PARTLY_PAID
    with pytest.raises(ContributionError, match="đã được hủy trước đó"):
        reverse_contribution(session, SYSTEM, paid[1].id, "Ghi trùng")
    session.rollback()
    with pytest.raises(ContributionError, match="Lý do đảo"):
        reverse_contribution(session, SYSTEM, paid[0].id, "  ")
    session.rollback()
    assert ledger.verify_ledger(session) == []


@pytest.mark.postgres
def test_concurrent_reversals_of_one_receipt_reverse_it_once(app, session, kh_setup):
    from app.contributions.reversal import reverse_contribution
    from app.ledger.services import LedgerError
    from tests.conftest import race

    pledge, gift = _card_gift(session, kh_setup)
    fund_id = kh_setup["campaign"].fund_id
    received = ledger.totals(session, fund_id).received_vnd

    def undo(i: int) -> None:
        from app.extensions import db

        reverse_contribution(db.session, SYSTEM, gift.id, f"Lần {i}")

    ok, refused, errors = race(app, 4, undo, refused=(ValueError, LedgerError))

    assert errors == [] and (ok, refused) == (1, 3)
    session.expire_all()
    assert ledger.totals(session, fund_id).received_vnd == received - 20_000_000
    reversals = session.execute(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == gift.ledger_transaction_id)
    ).all()
    assert len(reversals) == 1
    assert pledge.status == PledgeStatus.PLEDGED
    assert ledger.verify_ledger(session) == []


def test_an_allocation_reversed_on_the_ledger_page_withdraws_the_houses_funding(client, session, world):
    from app.needs.funding import active_fundings
    from app.needs.models import NeedStatus
    from tests.needs.conftest import add_need, approve, fund

    need = fund(session, world, approve(session, world, add_need(session, world)))
    [funding] = active_fundings(session, need.id)
    assert need.status == NeedStatus.FUNDED
    login(client, world.approver.email)

    post_form(
        client,
        f"/can-bo/so-quy/but-toan/{funding.ledger_transaction_id}/dao",
        {"reason": "Nhầm hộ"},
        page="/can-bo/so-quy/",
        follow_redirects=True,
    )

    session.expire_all()
    assert ledger.is_reversed(session, funding.ledger_transaction_id)
    assert (
        active_fundings(session, need.id) == []
    )  # was still active: the house kept money the books took back
    assert need.funded_vnd == 0 and need.status == NeedStatus.APPROVED
    assert ledger.verify_ledger(session) == []


def test_a_receipt_matched_by_hand_from_a_statement_line_is_sent_to_the_lines_page(client, session, kh_setup):
    from datetime import date, timedelta

    from app.payments.importing import import_statement
    from app.payments.models import LineStatus, StatementLine
    from app.payments.recording import match_to_references
    from tests.payments.test_statements import stmt_from, vcb_csv

    campaign, kh = kh_setup["campaign"], kh_setup["province"]
    pledge = make_pledge(session, campaign, 3_000_000, receiving=kh)
    stmt = stmt_from(
        session,
        kh_setup["prov_acc"],
        vcb_csv([(date.today() + timedelta(days=1), [("1", 3_000_000, "ung ho nguoi ngheo")])], 0),
    )
    import_statement(session, SYSTEM, stmt)
    session.commit()
    line = session.execute(select(StatementLine)).scalar_one()
    match_to_references(session, SYSTEM, {line.id: pledge.reference}, {kh_setup["prov_acc"].id})
    session.commit()
    gift = session.get(Contribution, line.contribution_id)
    login(client, make_user(session, Role.APPROVER, kh).email)

    html = post_form(
        client,
        f"/can-bo/so-quy/but-toan/{gift.ledger_transaction_id}/dao",
        {"reason": "Nhầm"},
        page="/can-bo/so-quy/",
        follow_redirects=True,
    ).get_data(as_text=True)

    assert f'href="/can-bo/sao-ke/{stmt.id}/dong/{line.id}/dao"' in html
    session.expire_all()
    assert session.get(Contribution, gift.id).status == ContributionStatus.RECORDED
    assert session.get(StatementLine, line.id).status == LineStatus.MATCHED
    assert not ledger.is_reversed(session, gift.ledger_transaction_id)
