"""A feed notification stored once and, for a credit, received at once through the one money-in service.

ingest() is what the webhook calls: the row in bank_feed_transactions is the notification's identity (unique on
the provider's id and on the bank's reference), the money goes through app.contributions.receive.receive() with
an idempotency key derived from the bank's reference, so a provider's retry, a duplicate under another id or two
deliveries racing each other never record a đồng twice (the loser of a race fails on a unique index and its whole
transaction rolls back)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.bankfeed.adapters import FeedNotification, FeedRefused, Provider
from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.banking.models import OfficialBankAccount
from app.banking.services import account_owner
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import ContributionError, MoneyIn, mask_account, receive
from app.core import outbox
from app.core.actor import Actor
from app.core.messages import N_
from app.core.text import nfc
from app.core.transaction import DomainError
from app.payments.transfers import active_campaign_for
from app.payouts.services import match_debit
from app.pledges.models import Pledge
from app.pledges.references import find_references, normalize

UNKNOWN_SENDER = "Chưa xác định người gửi"
PAYMENT_MAIL_TASK = "bankfeed.payment_received"


class FeedError(DomainError):
    """A staff action on a feed transaction refused; the message is Vietnamese."""


@dataclass
class Outcome:
    transaction: BankFeedTransaction
    duplicate: bool = False
    message: str = ""


def account_digits(number: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", number or "").upper()


def money_key(txn: BankFeedTransaction) -> str:
    """The idempotency key of a feed credit: the bank's reference on the account when there is one (the same
    transfer notified twice, by two providers or under two ids, is one key), else the provider's id."""
    if txn.bank_reference:
        return f"bankfeed:{account_digits(txn.account_number)}:{normalize(txn.bank_reference)}"
    return f"bankfeed:{txn.provider}:{txn.provider_txn_id}"


def find_existing(session: Session, n: FeedNotification) -> BankFeedTransaction | None:
    """The row of an earlier delivery: the same provider id, else the same bank reference on the account (each
    lookup on its unique index)."""
    found = session.execute(
        select(BankFeedTransaction).where(
            BankFeedTransaction.provider == n.provider,
            BankFeedTransaction.provider_txn_id == n.provider_txn_id,
        )
    ).scalar_one_or_none()
    if found is None and n.bank_reference:
        found = session.execute(
            select(BankFeedTransaction).where(
                BankFeedTransaction.account_number == n.account_number,
                BankFeedTransaction.bank_reference == n.bank_reference,
            )
        ).scalar_one_or_none()
    return found


def feed_secret(session: Session, provider: Provider, body: bytes, config: Mapping[str, Any]) -> str | None:
    """The secret a notification must be signed with: the official account's own when the account declares this
    provider and names the environment variable that holds its secret (app.banking: feed_provider,
    feed_secret_env; the secret itself is never stored), else the provider's shared secret from the configuration.
    The payload is read before it is authenticated only to choose the key: a notification for an account signed
    with another account's key, or with the shared key, fails the check."""
    try:
        number = provider.parse(body).account_number
    except FeedRefused:
        number = ""
    account = _account(session, number) if number else None
    if account is not None and account.feed_provider == provider.name and account.feed_secret_env:
        return os.environ.get(account.feed_secret_env) or None
    return config.get(provider.config_key) or None


def _account(session: Session, number: str) -> OfficialBankAccount | None:
    digits = account_digits(number)
    for acc in session.execute(
        select(OfficialBankAccount).where(OfficialBankAccount.account_number.in_({number, digits}))
    ).scalars():
        return acc
    return None


def _pledge_for(session: Session, memo: str) -> Pledge | None:
    """The first valid reference in the memo that names a pledge (stray text passes the check 1 time in 25)."""
    refs = find_references(memo)
    if not refs:
        return None
    found = {
        p.reference: p for p in session.execute(select(Pledge).where(Pledge.reference.in_(refs))).scalars()
    }
    return next((found[r] for r in refs if r in found), None)


def ingest(session: Session, n: FeedNotification) -> Outcome:
    """Store a notification once; receive a credit's money at once. The caller commits."""
    earlier = find_existing(session, n)
    if earlier is not None:
        return Outcome(earlier, duplicate=True, message="đã nhận trước đó")
    account = _account(session, n.account_number)
    txn = BankFeedTransaction(
        provider=n.provider,
        provider_txn_id=n.provider_txn_id,
        bank_reference=n.bank_reference,
        account_number=n.account_number,
        bank_account_id=account.id if account else None,
        is_credit=n.is_credit,
        amount_vnd=n.amount_vnd,
        txn_at=n.txn_at,
        memo=nfc(n.memo),
        counterparty_name=nfc(n.counterparty_name)[:255],
        counterparty_account=n.counterparty_account[:40],
        running_balance_vnd=n.running_balance_vnd,
        raw_payload=n.raw,
        status=FeedStatus.DEBIT if not n.is_credit else FeedStatus.PENDING,
    )
    session.add(txn)
    session.flush()  # a concurrent twin fails here (or at commit) on the unique constraints
    if account is None:
        txn.status = FeedStatus.UNKNOWN_ACCOUNT
        txn.note = "Số tài khoản không thuộc danh sách tài khoản chính thức: không ghi nhận tiền."
        return Outcome(txn, message="tài khoản không thuộc danh sách chính thức")
    if not n.is_credit:
        # A debit carrying a payout order's code (CT-PO-000123) is that order paid (app.payouts, one path).
        order = match_debit(
            session,
            account_number=n.account_number,
            amount_vnd=n.amount_vnd,
            reference_text=n.memo,
            booked_at=n.txn_at,
        )
        if order is not None:
            txn.note = f"Khớp lệnh chi {order.reference}"[:255]
        return Outcome(txn, message="ghi nợ: đã lưu")
    _receive_credit(session, Actor.system(f"bankfeed-{n.provider}"), txn, account)
    return Outcome(txn, message="đã ghi nhận" if txn.status == FeedStatus.RECEIVED else txn.note)


def _receive_credit(
    session: Session,
    actor: Actor,
    txn: BankFeedTransaction,
    account: OfficialBankAccount,
    pledge: Pledge | None = None,
    key: str | None = None,
    display_name: str | None = None,
) -> None:
    owner = account_owner(session, account.id)
    pledge = pledge or _pledge_for(session, txn.memo)
    campaign_id = pledge.campaign_id if pledge else None
    if campaign_id is None:
        campaign = active_campaign_for(session, owner)
        campaign_id = campaign.id if campaign else None
    if campaign_id is None:
        txn.status = FeedStatus.PENDING
        txn.note = "Chưa có cuộc vận động đang diễn ra cho địa bàn của tài khoản: chờ cán bộ xử lý."
        return
    name = None if pledge else (display_name or txn.counterparty_name or UNKNOWN_SENDER)
    try:
        made = receive(
            session,
            actor,
            [
                MoneyIn(
                    amount_vnd=txn.amount_vnd,
                    channel=Channel.BANK_TRANSFER,
                    received_at=txn.txn_at,
                    receiving_unit_id=owner,
                    bank_account_id=account.id,
                    pledge_id=pledge.id if pledge else None,
                    display_name=name,
                    bank_txn_ref=(txn.bank_reference or txn.provider_txn_id)[:80],
                    masked_account=mask_account(txn.counterparty_account),
                    source=f"bankfeed:{txn.id}",
                    idempotency_key=key or money_key(txn),
                    campaign_id=campaign_id,
                )
            ],
        )
    except ContributionError as exc:
        txn.status = FeedStatus.PENDING
        txn.note = str(exc)[:255]
        return
    txn.status = FeedStatus.RECEIVED
    txn.note = ""
    txn.contribution_id = made[0].id
    txn.pledge_id = pledge.id if pledge else None
    if pledge is not None and not made[0].earlier:
        outbox.enqueue(session, PAYMENT_MAIL_TASK, made[0].id, dedupe_key=f"bankfeed-mail:{made[0].id}")


# ------------------------------------------------------------------------------------------------ staff actions
def _own_txn(session: Session, txn_id: int, account_ids: set[int]) -> BankFeedTransaction:
    txn = session.get(BankFeedTransaction, txn_id)
    if txn is None or txn.bank_account_id not in account_ids:
        raise FeedError(N_("Giao dịch không tồn tại hoặc không thuộc địa bàn của bạn."))
    return txn


def attribute(
    session: Session, actor: Actor, txn_id: int, account_ids: set[int], reference: str, reason: str
) -> BankFeedTransaction:
    """Staff name the pledge an unattributed feed credit paid: the gift recorded at arrival is reversed (audited,
    through app.contributions.reversal) and the money received again for the pledge, through receive()."""
    from app.contributions.reversal import reverse_contributions

    txn = _own_txn(session, txn_id, account_ids)
    if not txn.is_credit or txn.pledge_id is not None:
        raise FeedError(N_("Chỉ gán được khoản tiền vào chưa gắn với đăng ký nào."))
    if not (reason or "").strip():
        raise FeedError(N_("Cần ghi lý do gán khoản tiền."), field="reason")
    pledge = session.execute(
        select(Pledge).where(Pledge.reference == normalize(reference))
    ).scalar_one_or_none()
    if pledge is None:
        raise FeedError(N_("Không có đăng ký ủng hộ mã “%(ref)s”.", ref=reference), field="reference")
    account = session.get(OfficialBankAccount, txn.bank_account_id)
    assert account is not None  # noqa: S101 - _own_txn checked the account
    if txn.contribution_id is not None:
        status = session.execute(
            select(Contribution.status).where(Contribution.id == txn.contribution_id)
        ).scalar_one()
        if status == ContributionStatus.RECORDED:
            reverse_contributions(
                session, actor, [txn.contribution_id], f"Gán cho đăng ký {pledge.reference}: {reason.strip()}"
            )
    n = (
        session.execute(
            select(Contribution.id).where(Contribution.idempotency_key.like(f"{money_key(txn)}:attr%"))
        )
        .scalars()
        .all()
    )
    _receive_credit(session, actor, txn, account, pledge=pledge, key=f"{money_key(txn)}:attr{len(n) + 1}")
    if txn.status != FeedStatus.RECEIVED:
        raise FeedError(txn.note or "Không ghi nhận được khoản tiền.")
    record(
        session,
        actor,
        "bankfeed.attribute",
        "bank_feed_transaction",
        txn.id,
        new={
            "pledge": pledge.reference,
            "contribution_id": txn.contribution_id,
            "reason": nfc(reason.strip()),
        },
        unit_id=account.unit_id,
    )
    session.flush()
    return txn


def retry_pending(session: Session, actor: Actor, txn_id: int, account_ids: set[int]) -> BankFeedTransaction:
    """Receive a pending credit again (an active campaign now exists for its account's area)."""
    txn = _own_txn(session, txn_id, account_ids)
    if txn.status != FeedStatus.PENDING or txn.statement_line_id is not None:
        raise FeedError(N_("Giao dịch này không ở trạng thái chờ xử lý."))
    account = session.get(OfficialBankAccount, txn.bank_account_id)
    assert account is not None  # noqa: S101
    _receive_credit(session, actor, txn, account)
    if txn.status != FeedStatus.RECEIVED:
        raise FeedError(txn.note)
    session.flush()
    return txn
