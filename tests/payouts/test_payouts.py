"""Money out with two people and proof (issue 18 items 1–2): payment details masked and revealed with a reason,
maker ≠ checker ≠ editor, approval freezing the order, the bank file, the matching debit, cash with a second person."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.ledger import services as ledger
from app.needs import registry
from app.needs.models import NeedDisbursement, TrancheKind
from app.payouts import services as payouts
from app.payouts.models import OrderStatus, PaymentDetails, PayMethod, PayoutOrder
from app.payouts.services import PayoutError
from tests.factories import make_user
from tests.needs.conftest import actor_of, need_input
from tests.payouts.conftest import ACCOUNT, HOLDER, bank_details, cash_details, funded_need, prepared


def _approve(session, user, order):  # type: ignore[no-untyped-def]
    payouts.approve_order(session, actor_of(user), user, order.id)
    session.commit()
    return order


# ----------------------------------------------------------------------------------------- 18.1 details
def test_payment_details_are_stored_encrypted_and_shown_masked(session, world):
    need = funded_need(session, world)
    details = bank_details(session, world, need)

    row = session.execute(select(PaymentDetails).where(PaymentDetails.need_id == need.id)).scalar_one()
    stored = " ".join(str(v) for v in (row.account_number_enc, row.holder_name_enc))
    assert ACCOUNT not in stored and HOLDER not in stored
    m = payouts.masked(details)
    assert m.account == "…3456" and m.holder == "M.V.T." and m.bank_name == "Agribank"
    # the audit log of the change holds only the masked form
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "payout.details_set")).scalar_one()
    assert ACCOUNT not in str(entry.new_values) and "…3456" in str(entry.new_values)


def test_revealing_payment_details_needs_a_typed_reason_and_is_audited(session, world):
    need = funded_need(session, world)
    bank_details(session, world, need)

    with pytest.raises(PayoutError, match="Lý do xem"):
        payouts.reveal_payment_details(session, actor_of(world.approver), world.approver, need.id, "xem")
    with pytest.raises(PayoutError, match="không có quyền"):
        payouts.reveal_payment_details(
            session,
            actor_of(world.other_province_staff),
            world.other_province_staff,
            need.id,
            "Đối chiếu UNC số 12",
        )
    shown = payouts.reveal_payment_details(
        session, actor_of(world.approver), world.approver, need.id, "Đối chiếu ủy nhiệm chi số 12/2026"
    )
    session.commit()

    assert shown.account_number == ACCOUNT and shown.holder_name == HOLDER
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "payout.details_reveal")
    ).scalar_one()
    assert entry.user_id == world.approver.id
    assert entry.new_values["reason"] == "Đối chiếu ủy nhiệm chi số 12/2026"


def test_cash_handover_needs_a_witness_other_than_the_recipient(session, world):
    need = funded_need(session, world)
    with pytest.raises(PayoutError, match="làm chứng"):
        payouts.set_payment_details(
            session,
            actor_of(world.ks_staff),
            world.ks_staff,
            need.id,
            payouts.DetailsInput(PayMethod.CASH, recipient_name=HOLDER, witness_name=HOLDER),
        )
    session.rollback()
    details = cash_details(session, world, need)
    assert payouts.masked(details).recipient == "M.V.T." and payouts.masked(details).witness == "C.T.T.T."


# ----------------------------------------------------------------------------------------- 18.2 maker–checker
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("ks_staff", False),  # the commune officer who prepared it
        ("cl_staff", False),  # another commune's officer (role and area)
        ("province_staff", True),  # the province, a different person
        ("approver", True),
        ("admin", True),
        ("other_province_staff", False),  # another province
        ("other_province_approver", False),
    ],
)
def test_who_may_approve_a_payout_prepared_by_the_commune(session, world, who, allowed):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = prepared(session, world, need)
    if who == "other_province_approver":
        user = make_user(session, Role.APPROVER, world.hanoi)
    else:
        user = getattr(world, who)

    if allowed:
        _approve(session, user, order)
        assert order.status == OrderStatus.APPROVED and order.approved_by_id == user.id
    else:
        with pytest.raises(PayoutError):
            payouts.approve_order(session, actor_of(user), user, order.id)
        session.rollback()
        assert session.get(PayoutOrder, order.id).status == OrderStatus.PENDING


def test_an_editor_of_the_order_cannot_approve_it(session, world):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = prepared(session, world, need)
    payouts.edit_order(
        session,
        actor_of(world.province_staff),
        world.province_staff,
        order.id,
        25_000_000,
        TrancheKind.ADVANCE,
    )
    session.commit()

    with pytest.raises(PayoutError, match="đã sửa"):
        payouts.approve_order(session, actor_of(world.province_staff), world.province_staff, order.id)
    session.rollback()
    _approve(session, world.approver, order)
    assert order.approved_amount_vnd == 25_000_000


def test_who_entered_the_account_or_edited_the_household_cannot_approve_its_payout(session, world):
    need = funded_need(session, world)
    bank_details(session, world, need, by=world.province_staff)  # the province typed the account
    order = prepared(session, world, need)
    with pytest.raises(PayoutError, match="thông tin nhận tiền"):
        payouts.approve_order(session, actor_of(world.province_staff), world.province_staff, order.id)
    session.rollback()

    # a province officer who edited the household's record before approving it
    other = registry.create_need(
        session,
        actor_of(world.ks_staff),
        world.campaign,
        need_input(world.khanh_son, citizen_id="056085731902"),
    )
    session.commit()
    registry.update_need(
        session,
        actor_of(world.province_staff),
        world.province_staff,
        other.id,
        need_input(world.khanh_son, citizen_id="056085731902", requested_vnd=55_000_000),
    )
    session.commit()
    from tests.needs.conftest import fund

    # the editor may not approve the need either (issue 18.4); the province's approver does
    registry.approve_need(session, actor_of(world.approver), world.approver, other.id)
    session.commit()
    fund(session, world, other)
    bank_details(session, world, other)
    order2 = prepared(session, world, other)
    with pytest.raises(PayoutError, match="hồ sơ của hộ"):
        payouts.approve_order(session, actor_of(world.province_staff), world.province_staff, order2.id)
    session.rollback()
    _approve(session, world.approver, order2)


def test_approval_freezes_the_order_and_an_edit_sends_it_back(session, world):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = _approve(session, world.approver, prepared(session, world, need))
    assert (order.approved_amount_vnd, order.approved_details_version) == (20_000_000, 1)

    payouts.edit_order(
        session, actor_of(world.ks_staff), world.ks_staff, order.id, 60_000_000, TrancheKind.FINAL
    )
    session.commit()
    assert order.status == OrderStatus.PENDING and order.approved_by_id is None

    _approve(session, world.approver, order)
    bank_details(session, world, need)  # the beneficiary's account changed after the approval
    session.refresh(order)
    assert order.status == OrderStatus.PENDING and order.approved_amount_vnd is None


def test_an_order_cannot_exceed_what_was_allocated_and_not_yet_paid_or_ordered(session, world):
    need = funded_need(session, world)
    bank_details(session, world, need)
    prepared(session, world, need, 40_000_000)
    with pytest.raises(PayoutError, match="vượt"):
        payouts.prepare_order(
            session, actor_of(world.ks_staff), world.ks_staff, need.id, 20_000_001, TrancheKind.FINAL
        )


# ----------------------------------------------------------------------------------------- bank file and debit
def test_the_bank_file_lists_the_approved_orders_with_their_codes(session, world, paying_account):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = _approve(session, world.approver, prepared(session, world, need))

    batch = payouts.export_batch(
        session, actor_of(world.approver), world.approver, [order.id], paying_account.id
    )
    data = payouts.batch_file(session, actor_of(world.approver), world.approver, batch.id)
    session.commit()

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(payouts.BANK_FILE_COLUMNS)
    assert rows[1][:5] == ["1", ACCOUNT, HOLDER, "Agribank", "20000000"]
    assert rows[1][5].startswith(f"CT-PO-{order.id:06d} ")
    assert order.status == OrderStatus.EXPORTED
    assert (
        session.execute(select(AuditEntry).where(AuditEntry.action == "payout.batch_download"))
        .scalar_one()
        .user_id
        == world.approver.id
    )


def test_a_formula_in_a_holder_name_is_neutralised_in_the_bank_file(session, world, paying_account):
    need = funded_need(session, world)
    payouts.set_payment_details(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        payouts.DetailsInput(
            PayMethod.BANK, bank_name="Agribank", account_number=ACCOUNT, holder_name="=HYPERLINK(1)"
        ),
    )
    order = _approve(session, world.approver, prepared(session, world, need))
    batch = payouts.export_batch(
        session, actor_of(world.approver), world.approver, [order.id], paying_account.id
    )
    rows = list(
        csv.reader(
            io.StringIO(
                payouts.batch_file(session, actor_of(world.approver), world.approver, batch.id).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert not rows[1][2].startswith("=")


def test_a_matching_debit_marks_the_order_paid_through_the_need_disbursement(session, world, paying_account):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = _approve(session, world.approver, prepared(session, world, need))
    payouts.export_batch(session, actor_of(world.approver), world.approver, [order.id], paying_account.id)
    session.commit()
    booked = datetime.now(UTC)

    # another amount, an unknown account, no code: nothing matched
    assert (
        payouts.match_debit(
            session,
            account_number=paying_account.account_number,
            amount_vnd=19_000_000,
            reference_text=f"CT-PO-{order.id:06d}",
            booked_at=booked,
        )
        is None
    )
    assert (
        payouts.match_debit(
            session,
            account_number="999999999",
            amount_vnd=20_000_000,
            reference_text=f"CT-PO-{order.id:06d}",
            booked_at=booked,
        )
        is None
    )
    assert (
        payouts.match_debit(
            session,
            account_number=paying_account.account_number,
            amount_vnd=20_000_000,
            reference_text="Chuyen tien",
            booked_at=booked,
        )
        is None
    )

    # the bank keeps the code but drops the hyphens
    paid = payouts.match_debit(
        session,
        account_number=paying_account.account_number,
        amount_vnd=20_000_000,
        reference_text=f"MBVCB.123 CTPO{order.id:06d} Ho tro ho {need.id}",
        booked_at=booked,
    )
    session.commit()

    assert paid is not None and paid.id == order.id and paid.status == OrderStatus.PAID
    d = session.get(NeedDisbursement, paid.disbursement_id)
    assert d.amount_vnd == 20_000_000 and d.ledger_transaction_id is not None
    assert need.disbursed_vnd == 20_000_000
    assert ledger.verify_ledger(session) == []
    # the same line delivered twice pays nothing more
    assert (
        payouts.match_debit(
            session,
            account_number=paying_account.account_number,
            amount_vnd=20_000_000,
            reference_text=f"CT-PO-{order.id:06d}",
            booked_at=booked,
        )
        is None
    )
    assert need.disbursed_vnd == 20_000_000


def test_a_debit_for_an_order_changed_after_approval_does_not_pay_it(session, world, paying_account):
    need = funded_need(session, world)
    bank_details(session, world, need)
    order = _approve(session, world.approver, prepared(session, world, need))
    payouts.edit_order(
        session, actor_of(world.ks_staff), world.ks_staff, order.id, 20_000_000, TrancheKind.FINAL
    )
    session.commit()
    assert (
        payouts.match_debit(
            session,
            account_number=paying_account.account_number,
            amount_vnd=20_000_000,
            reference_text=f"CT-PO-{order.id:06d}",
            booked_at=datetime.now(UTC),
        )
        is None
    )
    assert need.disbursed_vnd == 0


# ----------------------------------------------------------------------------------------- cash
def test_cash_is_paid_when_a_second_person_confirms_the_signed_receipt(session, world, app):
    from werkzeug.datastructures import FileStorage

    from app.payouts.models import ProofKind
    from tests.payouts.test_proofs import pdf_bytes

    need = funded_need(session, world)
    cash_details(session, world, need)
    order = _approve(session, world.approver, prepared(session, world, need))
    proof = payouts.upload_proof(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        FileStorage(io.BytesIO(pdf_bytes()), filename="phieu-chi.pdf"),
        ProofKind.RECEIPT,
        order_id=order.id,
        document_ref="PC-15/2026",
    )
    session.commit()

    with pytest.raises(PayoutError, match="người thứ hai"):
        payouts.confirm_cash_paid(session, actor_of(world.ks_staff), world.ks_staff, order.id, proof.id)
    session.rollback()
    payouts.confirm_cash_paid(
        session, actor_of(world.province_staff), world.province_staff, order.id, proof.id
    )
    session.commit()

    assert order.status == OrderStatus.PAID and order.paid_by_id == world.province_staff.id
    d = session.get(NeedDisbursement, order.disbursement_id)
    assert d.document_ref.startswith("PC-15/2026") and need.disbursed_vnd == 20_000_000
    assert ledger.verify_ledger(session) == []


# ----------------------------------------------------------------------------------------- races
@pytest.mark.postgres
def test_concurrent_approvals_approve_once_and_concurrent_debits_pay_once(
    app, session, world, paying_account
):
    from tests.conftest import race

    need = funded_need(session, world)
    bank_details(session, world, need)
    order = prepared(session, world, need)
    second = make_user(session, Role.APPROVER, world.khanh_hoa)
    approvers = [world.approver.id, second.id, world.province_staff.id, world.admin.id]

    def approve(i: int) -> None:
        from app.accounts.models import User
        from app.extensions import db

        user = db.session.get(User, approvers[i])
        payouts.approve_order(db.session, actor_of(user), user, order.id)

    ok, refused, errors = race(app, 4, approve, refused=(PayoutError,))
    assert errors == [] and (ok, refused) == (1, 3)

    def debit(i: int) -> None:
        from app.extensions import db

        found = payouts.match_debit(
            db.session,
            account_number=paying_account.account_number,
            amount_vnd=20_000_000,
            reference_text=f"CT-PO-{order.id:06d}",
            booked_at=datetime.now(UTC),
        )
        if found is None:
            raise PayoutError("không khớp")

    ok, refused, errors = race(app, 4, debit, refused=(PayoutError,))
    assert errors == [] and (ok, refused) == (1, 3)
    session.expire_all()
    assert session.get(PayoutOrder, order.id).status == OrderStatus.PAID
    assert need.disbursed_vnd == 20_000_000
    assert (
        len(session.execute(select(NeedDisbursement).where(NeedDisbursement.need_id == need.id)).all()) == 1
    )
    assert ledger.verify_ledger(session) == []
