from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import can_access_unit_id, staff_required, unit_scope_clause
from app.accounts.models import Role
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.extensions import db
from app.ledger import services as ledger
from app.ledger.models import PURPOSE_LABELS, AccountKind, LedgerAccount, LedgerPosting, LedgerTransaction
from app.units.models import AdminUnit

bp = Blueprint("ledger", __name__, url_prefix="/can-bo/so-quy")

KIND_LABELS = {
    AccountKind.DONATIONS: "Tiếp nhận",
    AccountKind.UNALLOCATED: "Chưa phân bổ",
    AccountKind.ALLOCATED: "Đã phân bổ (chưa chi)",
    AccountKind.DISBURSED: "Đã giải ngân",
    AccountKind.IN_KIND: "Hiện vật",
    AccountKind.IN_KIND_DONATIONS: "Tiếp nhận hiện vật",
}

# Postings that a domain record mirrors are undone on that record's page, so the record and the books agree
# (a need's disbursed figure, an allocation's funding); the plain reversal here would leave the record stale.
REVERSED_ELSEWHERE = {
    "need_disbursement": "Khoản giải ngân cho hộ: hãy đảo tại trang của hộ (mục “Giải ngân theo đợt”) để số đã "
    "giải ngân của hộ khớp với sổ quỹ.",
    "matching_line": "Khoản phân bổ theo đề xuất: hãy thu hồi tại trang đề xuất phân bổ để khoản bố trí của hộ "
    "khớp với sổ quỹ.",
}


@bp.route("/")
@staff_required()
def books():  # type: ignore[no-untyped-def]
    fund = ledger.main_fund(db.session)
    accounts = (
        db.session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.fund_id == fund.id, unit_scope_clause(current_user, LedgerAccount.unit_id))
            .order_by(LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose)
        )
        .scalars()
        .all()
    )
    account_ids = [a.id for a in accounts]
    txs = []
    if account_ids:
        txs = (
            db.session.execute(
                select(LedgerTransaction)
                .where(
                    LedgerTransaction.id.in_(
                        select(LedgerPosting.transaction_id).where(LedgerPosting.account_id.in_(account_ids))
                    )
                )
                .order_by(LedgerTransaction.id.desc())
                .limit(50)
            )
            .scalars()
            .all()
        )

    units = {
        u.id: u
        for u in db.session.execute(
            select(AdminUnit).where(AdminUnit.id.in_({a.unit_id for a in accounts if a.unit_id}))
        ).scalars()
    }
    reversed_ids = set(
        db.session.execute(
            select(LedgerTransaction.reverses_id).where(
                LedgerTransaction.reverses_id.in_([t.id for t in txs])
            )
        ).scalars()
    )
    return render_template(
        "ledger/books.html",
        accounts=accounts,
        txs=txs,
        units=units,
        kind_labels=KIND_LABELS,
        purpose_labels=PURPOSE_LABELS,
        reversed_ids=reversed_ids,
        reversed_elsewhere=REVERSED_ELSEWHERE,
        can_reverse=current_user.role in (Role.APPROVER, Role.CENTRAL_ADMIN),
    )


@bp.route("/but-toan/<int:tx_id>/dao", methods=["POST"])
@staff_required(Role.APPROVER)
def reverse(tx_id: int):  # type: ignore[no-untyped-def]
    tx = db.session.get(LedgerTransaction, tx_id)
    if tx is None:
        abort(404)
    if not all(can_access_unit_id(db.session, current_user, p.account.unit_id) for p in tx.postings):
        abort(404)
    if tx.source_type in REVERSED_ELSEWHERE:
        flash(REVERSED_ELSEWHERE[tx.source_type], "error")
        return redirect(url_for("ledger.books"))
    try:
        ledger.reverse(
            db.session,
            Actor.from_request(),
            tx.id,
            reason=request.form.get("reason", ""),
            occurred_on=today_vn(),
        )
        db.session.commit()
    except ledger.LedgerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(f"Đã đảo bút toán #{tx.id}.", "success")
    return redirect(url_for("ledger.books"))
