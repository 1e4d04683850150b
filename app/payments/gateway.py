"""Card payments: Stripe Checkout (or the local test gateway) and the processing of their events.

Every event, from Stripe's signed webhook or from the test gateway's confirm button, goes through
process_event(): each event id is processed once (table payment_webhook_events, unique), money is recorded
only through app.contributions.receive.receive with the Checkout Session id as idempotency key, and a refund — even one
that arrives before the payment it refunds — reverses what was recorded.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import MoneyIn, receive
from app.contributions.reversal import reverse_contributions
from app.core.actor import Actor
from app.core.cards import card_available, gateway_mode, mark_unreachable
from app.core.db import utcnow
from app.core.messages import N_
from app.payments.models import CardPayment, CardPaymentStatus, CardRefund, WebhookEvent
from app.pledges.models import Pledge
from app.pledges.services import amount_due, refresh_status

CURRENCY = "vnd"  # zero-decimal: Stripe amounts in VND are whole đồng
REUSE_WINDOW = timedelta(hours=23)  # Stripe keeps idempotency keys and open sessions about a day


class GatewayError(ValueError):
    """A card payment that cannot start; the message is Vietnamese."""


def stripe_client() -> stripe.StripeClient:
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise GatewayError(N_("Cổng thanh toán thẻ chưa được cấu hình (thiếu khóa Stripe)."))
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(key, base_addresses={"api": base} if base else None, max_network_retries=2)


def start_checkout(
    session: Session,
    actor: Actor,
    pledge: Pledge,
    *,
    success_url: str,
    cancel_url: str,
    test_gateway_url: str | None = None,
    whole: bool = False,
) -> CardPayment:
    """A Checkout Session for the instalment due (the whole remainder with `whole`, as the donor chose on the
    pledge page; pledges.services.amount_due). A second click within a day returns the same
    open session instead of charging twice; the Stripe call carries an idempotency key, so the library's
    retries after a network error create nothing twice."""
    mode = gateway_mode()
    if not card_available():
        raise GatewayError(N_("Thanh toán bằng thẻ hiện không khả dụng; vui lòng chuyển khoản."))
    asked = amount_due(session, pledge)  # the instalment due, as the pledge page asks (issue 19.4)
    due = int(asked.remainder_vnd if whole else asked.amount_vnd)
    if due <= 0:
        raise GatewayError(N_("Đăng ký này đã được nộp đủ; không cần thanh toán thêm."))
    reusable = (
        session.execute(
            select(CardPayment)
            .where(
                CardPayment.pledge_id == pledge.id,
                CardPayment.status == CardPaymentStatus.OPEN,
                CardPayment.gateway == mode,
                CardPayment.amount_vnd == due,
                CardPayment.session_id.is_not(None),
                CardPayment.created_at >= utcnow() - REUSE_WINDOW,
            )
            .order_by(CardPayment.id.desc())
        )
        .scalars()
        .first()
    )
    if reusable is not None:
        return reusable
    cp = CardPayment(
        pledge_id=pledge.id,
        gateway=mode,
        amount_vnd=due,
        idempotency_key=f"ct-checkout-{pledge.reference}-{uuid.uuid4().hex}",
    )
    session.add(cp)
    session.flush()
    if mode == "stripe":
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": due,
                        "product_data": {"name": f"Ủng hộ Quỹ “Vì người nghèo” – {pledge.reference}"},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": pledge.reference,
            "metadata": {"pledge_reference": pledge.reference, "card_payment_id": str(cp.id)},
            "payment_intent_data": {"metadata": {"pledge_reference": pledge.reference}},
            "expires_at": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
        }
        try:
            cs = stripe_client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": cp.idempotency_key},
            )
        except stripe.StripeError as exc:
            current_app.logger.warning("Stripe checkout failed for %s: %s", pledge.reference, exc)
            if isinstance(exc, stripe.APIConnectionError):
                mark_unreachable()
            raise GatewayError(
                N_("Không kết nối được cổng thanh toán thẻ. Vui lòng thử lại sau hoặc chuyển khoản.")
            ) from exc
        cp.session_id = cs.id
        cp.checkout_url = cs.url or ""
        cp.payment_intent_id = cs.get("payment_intent") if hasattr(cs, "get") else None
    else:
        cp.session_id = f"cs_localtest_{secrets.token_hex(12)}"
        cp.checkout_url = test_gateway_url.replace("__SESSION__", cp.session_id) if test_gateway_url else ""
    session.flush()
    record(
        session,
        actor,
        "card.checkout",
        "card_payment",
        cp.id,
        new={"pledge": pledge.reference, "amount_vnd": due, "gateway": mode, "session": cp.session_id},
        unit_id=pledge.receiving_unit_id,
    )
    return cp


def test_gateway_event(cp: CardPayment, pledge: Pledge, *, paid: bool) -> dict:
    """The event the local test gateway sends when the demo user confirms or cancels — shaped like Stripe's."""
    now = int(datetime.now(UTC).timestamp())
    return {
        "id": f"evt_localtest_{secrets.token_hex(12)}",
        "object": "event",
        "created": now,
        "type": "checkout.session.completed" if paid else "checkout.session.expired",
        "data": {
            "object": {
                "id": cp.session_id,
                "object": "checkout.session",
                "amount_total": cp.amount_vnd,
                "currency": CURRENCY,
                "payment_status": "paid" if paid else "unpaid",
                "status": "complete" if paid else "expired",
                "payment_intent": f"pi_localtest_{cp.id}" if paid else None,
                "client_reference_id": pledge.reference,
                "metadata": {"pledge_reference": pledge.reference, "card_payment_id": str(cp.id)},
            }
        },
    }


# ------------------------------------------------------------------------------------------------ events
def process_event(session: Session, gateway: str, event: dict) -> str:
    """Apply one (already authenticated) gateway event; returns what happened, for the log. A re-delivered
    event id changes nothing. Safe against concurrent deliveries: the unique event id and the unique
    contribution idempotency keys make the loser's transaction fail, and its retry is a no-op."""
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id:
        return "bỏ qua: sự kiện không có mã"
    if session.execute(
        select(WebhookEvent.id).where(WebhookEvent.gateway == gateway, WebhookEvent.event_id == event_id)
    ).first():
        return "trùng: sự kiện đã xử lý"
    logged = WebhookEvent(
        gateway=gateway,
        event_id=event_id[:255],
        event_type=event_type[:80],
        object_id=str(obj.get("id") or "")[:255],
    )
    session.add(logged)
    session.flush()
    actor = Actor.system(f"{gateway}-webhook")
    received_at = datetime.fromtimestamp(int(event.get("created") or datetime.now(UTC).timestamp()), UTC)
    if event_type == "charge.refunded":
        outcome = _on_refund(session, actor, obj)
    elif event_type.startswith("checkout.session."):
        outcome = _on_session(session, actor, gateway, event_type, obj, received_at)
    else:
        outcome = "bỏ qua: loại sự kiện không xử lý"
    logged.outcome = outcome[:255]
    session.flush()
    return outcome


def _card_payment_for(session: Session, gateway: str, obj: dict) -> CardPayment | None:
    cp = session.execute(
        select(CardPayment).where(CardPayment.session_id == obj.get("id"))
    ).scalar_one_or_none()
    if cp is not None:
        return cp
    ref = (obj.get("metadata") or {}).get("pledge_reference") or obj.get("client_reference_id")
    pledge = (
        session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one_or_none() if ref else None
    )
    amount = obj.get("amount_total")
    if pledge is None or not isinstance(amount, int) or amount <= 0:
        return None
    cp = CardPayment(
        pledge_id=pledge.id,
        gateway=gateway,
        session_id=obj.get("id"),
        amount_vnd=amount,
        idempotency_key=f"ct-external-{obj.get('id')}",
    )
    session.add(cp)
    session.flush()
    return cp


def _on_session(
    session: Session, actor: Actor, gateway: str, event_type: str, obj: dict, received_at: datetime
) -> str:
    cp = _card_payment_for(session, gateway, obj)
    if cp is None:
        return "bỏ qua: không tìm thấy đăng ký ủng hộ của phiên thanh toán"
    if obj.get("payment_intent") and not cp.payment_intent_id:
        cp.payment_intent_id = str(obj["payment_intent"])
    if event_type == "checkout.session.completed":
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            return _settle(session, actor, cp, obj, received_at)
        if cp.status == CardPaymentStatus.OPEN:
            _set_status(session, actor, cp, CardPaymentStatus.PROCESSING)
        return "chờ: phương thức thanh toán xử lý sau"
    if event_type == "checkout.session.async_payment_succeeded":
        return _settle(session, actor, cp, obj, received_at)
    if event_type == "checkout.session.async_payment_failed":
        if cp.status in (CardPaymentStatus.OPEN, CardPaymentStatus.PROCESSING):
            _set_status(session, actor, cp, CardPaymentStatus.FAILED)
        return "thất bại"
    if event_type == "checkout.session.expired":
        if cp.status in (CardPaymentStatus.OPEN, CardPaymentStatus.PROCESSING):
            _set_status(session, actor, cp, CardPaymentStatus.EXPIRED)
        return "hết hạn"
    return "bỏ qua: loại sự kiện không xử lý"


def _set_status(session: Session, actor: Actor, cp: CardPayment, status: CardPaymentStatus) -> None:
    old = cp.status
    cp.status = status
    cp.updated_at = utcnow()
    session.flush()
    record(session, actor, "card.status", "card_payment", cp.id, old={"status": old}, new={"status": status})


def _settle(session: Session, actor: Actor, cp: CardPayment, obj: dict, received_at: datetime) -> str:
    if cp.paid_vnd:
        return "trùng: khoản thanh toán đã được ghi nhận"
    amount = obj.get("amount_total")
    if str(obj.get("currency") or "").lower() != CURRENCY or not isinstance(amount, int) or amount <= 0:
        return "lỗi: số tiền hoặc loại tiền không hợp lệ, không ghi nhận"
    cp.paid_vnd = amount
    cp.status = CardPaymentStatus.PAID
    cp.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "card.paid",
        "card_payment",
        cp.id,
        new={"amount_vnd": amount, "session": cp.session_id},
    )
    _reconcile(session, actor, cp, received_at)
    return "đã ghi nhận"


def _on_refund(session: Session, actor: Actor, obj: dict) -> str:
    pi = obj.get("payment_intent")
    refunded = obj.get("amount_refunded")
    if not pi or not isinstance(refunded, int) or refunded < 0:
        return "bỏ qua: sự kiện hoàn tiền thiếu thông tin"
    row = session.execute(select(CardRefund).where(CardRefund.payment_intent_id == pi)).scalar_one_or_none()
    if row is None:
        row = CardRefund(payment_intent_id=str(pi), amount_refunded_vnd=0)
        session.add(row)
    if refunded <= row.amount_refunded_vnd:  # amount_refunded is cumulative: an older event changes nothing
        return "trùng: đã biết số tiền hoàn này"
    row.amount_refunded_vnd = refunded
    row.updated_at = utcnow()
    session.flush()
    cp = session.execute(select(CardPayment).where(CardPayment.payment_intent_id == pi)).scalar_one_or_none()
    if cp is None or not cp.paid_vnd:
        return "ghi nhớ: hoàn tiền đến trước khoản thanh toán"
    _reconcile(session, actor, cp, datetime.now(UTC))
    return "đã hoàn tiền"


def _reconcile(session: Session, actor: Actor, cp: CardPayment, received_at: datetime) -> None:
    """Make the recorded contributions of a card payment equal what was paid less what was refunded:
    the first recording uses the session id as key; after a refund everything recorded is reversed and
    the net (if any) recorded again under a key naming the refunded total."""
    refunded = 0
    if cp.payment_intent_id:
        refunded = (
            session.execute(
                select(CardRefund.amount_refunded_vnd).where(
                    CardRefund.payment_intent_id == cp.payment_intent_id
                )
            ).scalar()
            or 0
        )
    refunded = min(refunded, cp.paid_vnd)
    key = cp.session_id if refunded == 0 else f"{cp.session_id}:net{refunded}"
    keep = {key, f"{key}:excess"}
    source = f"card:{cp.session_id}"
    stale = [
        c.id
        for c in session.execute(
            select(Contribution).where(
                Contribution.source == source, Contribution.status == ContributionStatus.RECORDED
            )
        ).scalars()
        if c.idempotency_key not in keep
    ]
    if stale:  # the pledge is recomputed by the reversal
        reverse_contributions(session, actor, stale, f"Hoàn tiền thẻ {cp.payment_intent_id}")
    if refunded:
        cp.refunded_vnd = refunded
        cp.status = CardPaymentStatus.REFUNDED
        record(session, actor, "card.refunded", "card_payment", cp.id, new={"refunded_vnd": refunded})
    net = cp.paid_vnd - refunded
    if net > 0:
        pledge = session.get(Pledge, cp.pledge_id)
        assert pledge is not None  # noqa: S101 - a card payment is made for a pledge
        receive(
            session,
            actor,
            [
                MoneyIn(
                    amount_vnd=net,
                    channel=Channel.CARD,
                    received_at=received_at,
                    receiving_unit_id=pledge.receiving_unit_id,
                    pledge_id=pledge.id,
                    source=source,
                    idempotency_key=key,
                    bank_txn_ref=cp.payment_intent_id,
                )
            ],
        )
    elif refunded:
        refresh_status(session, actor, session.get(Pledge, cp.pledge_id))  # type: ignore[arg-type]
    cp.updated_at = utcnow()
    session.flush()
