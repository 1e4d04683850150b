"""A payout order is marked paid by the bank's debit, whichever way the debit reaches us (issue 18.2 with 17.1/17.3):
a bank feed notification or a line of an imported statement file. The same debit through both pays once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.needs.models import NeedDisbursement
from app.payments.importing import create_statement, import_statement
from app.payouts import services as payouts
from app.payouts.models import OrderStatus, PayoutOrder
from tests.bankfeed.conftest import DIRECT_SECRET, SEPAY_KEY, post_sepay, sepay_body  # noqa: F401
from tests.factories import SYSTEM
from tests.needs.conftest import actor_of
from tests.payments.test_statements import vcb_csv
from tests.payouts.conftest import bank_details, funded_need, prepared


def _approved_order(session, world, paying_account) -> PayoutOrder:  # type: ignore[no-untyped-def]
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = prepared(session, world, need)
    payouts.approve_order(session, actor_of(world.approver), world.approver, order.id)
    payouts.export_batch(session, actor_of(world.approver), world.approver, [order.id], paying_account.id)
    session.commit()
    return order


def _tranches(session, need_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count(NeedDisbursement.id)).where(NeedDisbursement.need_id == need_id)
    ).scalar_one()


def test_a_feed_debit_naming_the_order_marks_it_paid_once(app, client, session, world, paying_account):
    app.config.update(BANKFEED_SEPAY_API_KEY=SEPAY_KEY)
    order = _approved_order(session, world, paying_account)
    body = sepay_body(
        order.approved_amount_vnd,
        f"MTTQ KHANH HOA CHI TRA {order.reference} HO TRO XAY NHA",
        account=paying_account.account_number,
        direction="out",
    )
    assert post_sepay(client, body).status_code in (200, 201)
    assert post_sepay(client, body).status_code in (200, 201)  # SePay's retry
    session.expire_all()
    paid = session.get(PayoutOrder, order.id)
    assert paid is not None and paid.status == OrderStatus.PAID
    assert _tranches(session, order.need_id) == 1


def test_a_statement_debit_line_naming_the_order_marks_it_paid_and_the_feed_twin_does_not_pay_again(
    app, client, session, world, paying_account
):
    order = _approved_order(session, world, paying_account)
    day = date(2026, 12, 7)
    data = vcb_csv(
        [(day, [("5210", -order.approved_amount_vnd, f"CHI TRA {order.reference} HO TRO XAY NHA")])],
        500_000_000,
    )
    stmt = create_statement(
        session, SYSTEM, account=paying_account, kind="csv", data=data, original_name="sao-ke.csv"
    )
    session.commit()
    import_statement(session, SYSTEM, stmt, acknowledge_breaks=True)
    session.commit()
    session.expire_all()
    paid = session.get(PayoutOrder, order.id)
    assert paid is not None and paid.status == OrderStatus.PAID
    # the same debit reported again (another statement of the day, or the feed) is no second payment
    app.config.update(BANKFEED_SEPAY_API_KEY=SEPAY_KEY)
    body = sepay_body(
        order.approved_amount_vnd,
        f"CHI TRA {order.reference}",
        account=paying_account.account_number,
        direction="out",
    )
    assert post_sepay(client, body).status_code in (200, 201)
    session.expire_all()
    assert _tranches(session, order.need_id) == 1


def test_a_late_feed_debit_without_a_bank_reference_pays_nothing_more_and_reconciles(
    app, client, session, world, paying_account
):
    """The statement's debit line paid the order; the feed's notification of the same debit arrives afterwards
    without the bank's reference (SePay's referenceCode empty): the order stays paid once, and the feed row is the
    statement line's twin, so the day has no difference to explain."""
    from app.bankfeed.models import BankFeedTransaction
    from app.bankfeed.reconcile import day_report

    order = _approved_order(session, world, paying_account)
    day = date(2026, 12, 7)
    memo = f"CHI TRA {order.reference} HO TRO XAY NHA"
    data = vcb_csv([(day, [("5211", -order.approved_amount_vnd, memo)])], 500_000_000)
    stmt = create_statement(
        session, SYSTEM, account=paying_account, kind="csv", data=data, original_name="sao-ke.csv"
    )
    session.commit()
    import_statement(session, SYSTEM, stmt, acknowledge_breaks=True)
    session.commit()
    app.config.update(BANKFEED_SEPAY_API_KEY=SEPAY_KEY)
    body = sepay_body(order.approved_amount_vnd, memo, account=paying_account.account_number, direction="out")
    body["referenceCode"] = None
    assert post_sepay(client, body).status_code == 200
    session.expire_all()
    assert _tranches(session, order.need_id) == 1
    paid = session.get(PayoutOrder, order.id)
    assert paid is not None and paid.status == OrderStatus.PAID
    feed = session.execute(select(BankFeedTransaction)).scalar_one()
    assert feed.bank_reference is None and feed.statement_line_id is not None
    account = session.get(type(paying_account), paying_account.id)
    assert day_report(session, account, day).differences == []
