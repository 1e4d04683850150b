"""Background work for payments (Celery; eager in development and tests)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import select, update

from app.core import transaction
from app.core.actor import Actor
from app.core.db import utcnow
from app.extensions import db
from app.payments.errors import PaymentError
from app.payments.importing import finish_progress, import_statement, progress_writer, refresh_preview
from app.payments.models import BankStatement, CardPayment, CardPaymentStatus, StatementStatus


@shared_task(name="payments.import_statement")
def import_statement_task(statement_id: int, user_id: int | None, acknowledge_breaks: bool = False) -> dict:
    """Import a draft statement outside the request (national statements take minutes)."""

    stmt = db.session.get(BankStatement, statement_id)
    if stmt is None or stmt.status != StatementStatus.DRAFT:
        return {"ok": False, "error": "Sao kê không ở trạng thái bản nháp."}
    try:
        summary = import_statement(
            db.session,
            Actor(user_id=user_id, label="celery"),
            stmt,
            acknowledge_breaks=acknowledge_breaks,
            progress=progress_writer(db.session, statement_id),
        )
    except PaymentError as exc:
        transaction.rollback()  # nothing of the refused import is kept
        finish_progress(db.session, statement_id, ok=False, done=0, message=str(exc))
        return {"ok": False, "error": str(exc)}
    finish_progress(db.session, statement_id, ok=True, done=summary.lines_total)
    return {
        "ok": True,
        "new": summary.lines_new,
        "already": summary.lines_already,
        "matched": summary.lines_matched,
    }


@shared_task(name="payments.preview_statement")
def preview_statement_task(statement_id: int) -> dict:
    """Parse a large draft statement once and store its preview (the upload or a correction answered at once)."""
    stmt = db.session.get(BankStatement, statement_id)
    if stmt is None or stmt.status != StatementStatus.DRAFT:
        return {"ok": False}
    refresh_preview(stmt)
    return {"ok": True, "lines": int((stmt.preview or {}).get("line_count", 0))}


@shared_task(name="payments.expire_stale_checkouts")
def expire_stale_checkouts(hours: int = 25) -> int:
    """Checkout Sessions still open after a day can no longer be paid (Stripe expires them after at most 24 h;
    its checkout.session.expired event normally arrives first): mark them so the pledge page stops offering them."""
    cutoff = utcnow() - timedelta(hours=hours)
    stale = list(
        db.session.execute(
            select(CardPayment.id).where(
                CardPayment.status == CardPaymentStatus.OPEN, CardPayment.created_at < cutoff
            )
        ).scalars()
    )
    if stale:
        db.session.execute(
            update(CardPayment)
            .where(CardPayment.id.in_(stale))
            .values(status=CardPaymentStatus.EXPIRED, updated_at=utcnow())
        )
    return len(stale)
