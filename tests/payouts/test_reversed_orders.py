"""A payout order whose tranche is reversed says so (issue 18 follow-up), and `flask ledger verify`'s payouts check
holds orders and tranches together."""

from __future__ import annotations

from sqlalchemy import update

from app.ledger import services as ledger
from app.ledger.verify import run_checks
from app.needs import funding
from app.payouts import services as payouts
from app.payouts.models import OrderStatus, PayoutOrder
from tests.needs.conftest import actor_of
from tests.payouts.conftest import cash_details, funded_need, prepared


def _paid_in_cash(session, world):  # type: ignore[no-untyped-def]
    import io

    from werkzeug.datastructures import FileStorage

    from app.payouts.models import ProofKind
    from tests.payouts.test_proofs import pdf_bytes

    need = funded_need(session, world)
    cash_details(session, world, need)
    order = prepared(session, world, need)
    payouts.approve_order(session, actor_of(world.approver), world.approver, order.id)
    proof = payouts.upload_proof(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        FileStorage(io.BytesIO(pdf_bytes()), filename="phieu-chi.pdf"),
        ProofKind.RECEIPT,
        order_id=order.id,
    )
    payouts.confirm_cash_paid(
        session, actor_of(world.province_staff), world.province_staff, order.id, proof.id
    )
    session.commit()
    return need, order


def test_reversing_the_tranche_an_order_paid_moves_the_order_to_reversed(session, world):
    need, order = _paid_in_cash(session, world)
    assert order.status == OrderStatus.PAID and run_checks(session, ["payouts"]).problems == []

    funding.reverse_disbursement(
        session, actor_of(world.approver), world.approver, order.disbursement_id, "ghi nhầm hộ nhận tiền"
    )
    session.commit()
    assert order.status == OrderStatus.REVERSED and order.status_label == "Đã hoàn chi (khoản chi bị đảo)"
    assert need.disbursed_vnd == 0
    assert ledger.verify_ledger(session, full=True) == []
    # the household may be paid again, by a new order approved by a second person
    again = prepared(session, world, need)
    assert again.status == OrderStatus.PENDING


def test_the_payouts_check_catches_an_order_left_paid_after_its_tranche_was_reversed(session, world):
    _need, order = _paid_in_cash(session, world)
    funding.reverse_disbursement(
        session, actor_of(world.approver), world.approver, order.disbursement_id, "ghi nhầm hộ nhận tiền"
    )
    session.commit()
    session.execute(update(PayoutOrder).where(PayoutOrder.id == order.id).values(status=OrderStatus.PAID))
    session.commit()
    problems = run_checks(session, ["payouts"]).problems
    assert [p.check for p in problems] == ["payouts"]
    assert f"CT-PO-{order.id:06d}" in problems[0].message and "đã bị đảo" in problems[0].message


def test_the_payouts_check_catches_a_tranche_on_an_order_not_paid(session, world):
    _need, order = _paid_in_cash(session, world)
    session.execute(update(PayoutOrder).where(PayoutOrder.id == order.id).values(status=OrderStatus.APPROVED))
    session.commit()
    problems = run_checks(session, ["payouts"]).problems
    assert len(problems) == 1 and "lệnh chưa chi mà đã gắn khoản giải ngân" in problems[0].message
