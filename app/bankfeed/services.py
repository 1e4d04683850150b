"""A feed notification stored once by the webhook; its money recorded moments later, in batches, by a task.

ingest() is what the webhook calls: it inserts the row of bank_feed_transactions (unique on the provider's id and
on the bank's reference; INSERT … ON CONFLICT DO NOTHING, so a provider's retry, a duplicate under another id or two
deliveries racing each other store one row and are answered at once) and asks, after the commit, for the recording
task. record_pending() — the task bankfeed.record_pending (app/bankfeed/tasks.py), kicked after the webhook's commit
and swept every minute by beat — takes the queued rows in batches (FOR UPDATE SKIP LOCKED on PostgreSQL, so two
workers never take the same row) and records the credits of a batch through ONE call of
app.contributions.receive.receive() (the one money-in path; COPY from 20 rows), debits through
app.payouts.services.match_debit. The money's idempotency key is derived from the bank's reference, so a row
recorded twice (a task redelivered after a crash) never records a đồng twice.

Why the webhook no longer records the money itself: a credit costs about 25 SQL statements inside receive(), so the
feed reached 0.08 of the one-query route (BENCHMARKS.md, "bankfeed.ingest"); stored and answered, it costs an
account lookup and one INSERT, and the task records a few hundred credits per receive() call."""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from app.audit.services import record
from app.bankfeed import reconcile
from app.bankfeed.adapters import FeedNotification, FeedRefused, Provider
from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.banking.models import OfficialBankAccount
from app.banking.services import account_owner
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import MoneyIn, Received, mask_account, receive
from app.core import outbox, transaction
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.text import nfc
from app.core.transaction import DomainError
from app.payments.transfers import active_campaign_for
from app.payouts.services import match_debit
from app.pledges.models import Pledge
from app.pledges.references import find_references, normalize

log = logging.getLogger(__name__)

UNKNOWN_SENDER = "Chưa xác định người gửi"
PAYMENT_MAIL_TASK = "bankfeed.payment_received"
RECORD_TASK = "bankfeed.record_pending"
# Queued rows taken per batch: one receive() call (COPY from 20 rows) and one commit each.
RECORD_BATCH = 300
ALREADY_RECORDED_BY_LINE = N_(
    "Dòng sao kê của cùng giao dịch này đã được ghi nhận: khoản tiền đã vào quỹ, không ghi nhận lại lần nữa."
)
NO_CAMPAIGN_NOTE = "Chưa có cuộc vận động đang diễn ra cho địa bàn của tài khoản: chờ cán bộ xử lý."


class FeedError(DomainError):
    """A staff action on a feed transaction refused; the message is Vietnamese."""


@dataclass
class Outcome:
    txn_id: int | None
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


@dataclass(frozen=True)
class NotifiedAccount:
    """The official account a notification names: what the webhook needs of it (its id and feed settings)."""

    id: int
    feed_provider: str
    feed_secret_env: str


def feed_secret(
    session: Session, provider: Provider, account: NotifiedAccount | None, config: Mapping[str, Any]
) -> str | None:
    """The secret a notification must be signed with: the official account's own when the account declares this
    provider and names the environment variable that holds its secret (app.banking: feed_provider,
    feed_secret_env; the secret itself is never stored), else the provider's shared secret from the configuration.
    The account comes from the payload read before it is authenticated (`read_notification`), only to choose the
    key: a notification for an account signed with another account's key, or with the shared key, fails the
    check."""
    if account is not None and account.feed_provider == provider.name and account.feed_secret_env:
        return os.environ.get(account.feed_secret_env) or None
    return config.get(provider.config_key) or None


def read_notification(
    session: Session, provider: Provider, body: bytes
) -> tuple[FeedNotification | None, FeedRefused | None, NotifiedAccount | None]:
    """The body read once: the notification (or why it cannot be read, answered only once the signature is
    checked) and the official account it names (None: not an official account)."""
    try:
        n = provider.parse(body)
    except FeedRefused as exc:
        return None, exc, None
    return n, None, notified_account(session, n.account_number)


_ACCOUNTS = OfficialBankAccount.__table__
# Plain columns, no ORM entity: the webhook's one read (measured: the entity cost 3.5 ms of CPU per request).
_ACCOUNT_QUERY = (
    select(_ACCOUNTS.c.id, _ACCOUNTS.c.feed_provider, _ACCOUNTS.c.feed_secret_env)
    .where(_ACCOUNTS.c.account_number.in_(bindparam("numbers", expanding=True)))
    .order_by(_ACCOUNTS.c.id)
    .limit(1)
)


def notified_account(session: Session, number: str) -> NotifiedAccount | None:
    row = session.execute(_ACCOUNT_QUERY, {"numbers": sorted({number, account_digits(number)})}).first()
    return NotifiedAccount(row.id, row.feed_provider or "", row.feed_secret_env or "") if row else None


@functools.cache
def _insert_statement(dialect: str) -> Insert:
    """The webhook's INSERT (Core, built once per dialect; values are parameters): either unique constraint
    (provider id; account + bank reference) makes it a duplicate, which inserts nothing and returns no id."""
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = BankFeedTransaction.__table__
    return upsert(table).on_conflict_do_nothing().returning(table.c.id)


def ingest(session: Session, n: FeedNotification, account: NotifiedAccount | None) -> Outcome:
    """Store a notification once (a second delivery inserts nothing) and, for an official account, queue it for
    the recording task, asked for once the caller has committed. The caller commits."""
    values = {
        "provider": n.provider,
        "provider_txn_id": n.provider_txn_id,
        "bank_reference": n.bank_reference,
        "account_number": n.account_number,
        "bank_account_id": account.id if account else None,
        "is_credit": n.is_credit,
        "amount_vnd": n.amount_vnd,
        "txn_at": n.txn_at,
        "memo": nfc(n.memo),
        "counterparty_name": nfc(n.counterparty_name)[:255],
        "counterparty_account": n.counterparty_account[:40],
        "running_balance_vnd": n.running_balance_vnd,
        "raw_payload": n.raw,
        "status": FeedStatus.QUEUED if account else FeedStatus.UNKNOWN_ACCOUNT,
        "note": ""
        if account
        else "Số tài khoản không thuộc danh sách tài khoản chính thức: không ghi nhận tiền.",
        "received_at": utcnow(),
    }
    # On PostgreSQL a twin still in flight in another transaction is waited for, then counted as the duplicate.
    new_id = session.execute(_insert_statement(session.get_bind().dialect.name), values).scalar()
    if new_id is None:
        return Outcome(None, duplicate=True, message="đã nhận trước đó")
    if account is None:
        return Outcome(new_id, message="tài khoản không thuộc danh sách chính thức")
    transaction.on_commit(kick_recording, session)
    return Outcome(new_id, message="đã lưu, đang ghi nhận")


# ------------------------------------------------------------------------------------------------ the kick
@dataclass
class _KickClock:
    """When this process (this app) may publish the recording task again (time.monotonic())."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0


def kick_recording() -> None:
    """After a commit that queued feed rows: have bankfeed.record_pending run soon, coalesced.

    Eager Celery (development, tests) runs it here, at once. Otherwise a process publishes the task at most once
    per BANKFEED_RECORD_DELAY seconds, with that countdown: a row committed before this check while the previous
    publication's countdown runs is committed before that task starts, so it is seen without a second message (at
    400 000 credits a day a few messages a second, not one per notification). Not through app.core.outbox: the
    queued rows themselves are the durable queue, and the beat sweep (every minute) records whatever a failed
    publication, a lost worker or a crash left queued. Never raises: the webhook has answered."""
    try:
        celery = current_app.extensions["celery"]
        task = celery.tasks[RECORD_TASK]
        if celery.conf.task_always_eager:
            task.apply_async()
            return
        delay = float(current_app.config.get("BANKFEED_RECORD_DELAY", 1.0))
        clock = current_app.extensions.setdefault("bankfeed.kick", _KickClock())
        now = time.monotonic()
        with clock.lock:
            if now < clock.next_at:
                return
            clock.next_at = now + delay
        try:
            task.apply_async(countdown=delay)
        except Exception:
            with clock.lock:
                clock.next_at = 0.0  # the next commit tries again
            raise
    except Exception:  # noqa: BLE001 - the rows stay queued; the beat sweep records them
        log.exception("bank feed: recording task not started; the sweep will record the queued rows")


# ------------------------------------------------------------------------------------------------ recording
@dataclass
class _Batch:
    """What the credits of a batch share, each read once: accounts, their owners, the owners' active campaign and
    the pledges the memos name."""

    session: Session
    accounts: dict[int, OfficialBankAccount] = field(default_factory=dict)
    owners: dict[int, int | None] = field(default_factory=dict)
    campaigns: dict[int | None, int | None] = field(default_factory=dict)
    pledges: dict[str, Pledge] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, txns: Sequence[BankFeedTransaction]) -> _Batch:
        batch = cls(session)
        ids = {t.bank_account_id for t in txns if t.bank_account_id is not None}
        if ids:
            batch.accounts = {
                a.id: a
                for a in session.execute(
                    select(OfficialBankAccount).where(OfficialBankAccount.id.in_(ids))
                ).scalars()
            }
        refs = {r for t in txns for r in find_references(t.memo)}
        if refs:
            batch.pledges = {
                p.reference: p
                for p in session.execute(select(Pledge).where(Pledge.reference.in_(refs))).scalars()
            }
        return batch

    def owner(self, account_id: int) -> int | None:
        if account_id not in self.owners:
            self.owners[account_id] = account_owner(self.session, account_id)
        return self.owners[account_id]

    def campaign_for(self, unit_id: int | None) -> int | None:
        if unit_id not in self.campaigns:
            campaign = active_campaign_for(self.session, unit_id)
            self.campaigns[unit_id] = campaign.id if campaign else None
        return self.campaigns[unit_id]

    def pledge_for(self, memo: str) -> Pledge | None:
        """The first valid reference in the memo that names a pledge (stray text passes the check 1 time in 25)."""
        return next((self.pledges[r] for r in find_references(memo) if r in self.pledges), None)


def prepare_credit(
    batch: _Batch,
    txn: BankFeedTransaction,
    pledge: Pledge | None = None,
    key: str | None = None,
    display_name: str | None = None,
) -> MoneyIn | None:
    """The per-credit step: what one feed credit will be received as, or None (the row's status and note say why
    it waits). Every path that records a feed credit (the task's batches, staff's retry and attribution) goes
    through here, so a rule about one credit (e.g. taking an already-imported statement line's recording) goes
    here, once."""
    account = batch.accounts.get(txn.bank_account_id or -1)
    if account is None:
        txn.status = FeedStatus.UNKNOWN_ACCOUNT
        return None
    owner = batch.owner(account.id)
    pledge = pledge or batch.pledge_for(txn.memo)
    campaign_id = pledge.campaign_id if pledge else None
    if campaign_id is None:
        campaign_id = batch.campaign_for(owner)
    if campaign_id is None:
        txn.status, txn.note = FeedStatus.PENDING, NO_CAMPAIGN_NOTE
        return None
    name = None if pledge else (display_name or txn.counterparty_name or UNKNOWN_SENDER)
    return MoneyIn(
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


def record_credits(
    session: Session,
    actor: Actor,
    txns: Sequence[BankFeedTransaction],
    *,
    pledge: Pledge | None = None,
    key: str | None = None,
) -> None:
    """Receive feed credits through ONE receive() call; each row becomes RECEIVED, or PENDING with its reason in
    `note` (shown to staff, retried from their page). `pledge` and `key`: staff naming the pledge of one credit.

    A refusal of one item (a ValueError: receive() checks the whole list before writing) would refuse the whole
    call: the batch is then recorded item by item, each in a savepoint, so one bad row does not hold the rest."""
    # The statement line of the same transfer was imported first (app.bankfeed.reconcile, SameTransaction): a
    # recorded line's contribution is this credit's money, an ignored line's credit waits for staff; receiving
    # either again would count it twice. A line still in the review queue is linked and shares this recording.
    taken = reconcile.take_statement_lines(session, txns)
    batch = _Batch.read(session, txns)
    work: list[tuple[BankFeedTransaction, MoneyIn]] = []
    for txn in txns:
        if txn.id in taken:
            continue
        item = prepare_credit(batch, txn, pledge=pledge, key=key)
        if item is not None:
            work.append((txn, item))
    if not work:
        return
    try:
        with session.begin_nested():
            made = receive(session, actor, [item for _, item in work], batch_source=batch_label(work[0][0]))
    except ValueError as exc:
        if len(work) == 1:
            work[0][0].status, work[0][0].note = FeedStatus.PENDING, str(exc)[:255]
            return
        for txn, _item in work:
            record_credits(session, actor, [txn], pledge=pledge, key=key)
        return
    _mark_received(session, [txn for txn, _ in work], made)
    reconcile.share_recording(session, [txn for txn, _ in work])


def batch_label(first: BankFeedTransaction) -> str:
    """The ledger transaction of a batch of feed credits (receive()'s batch_source, as a statement's lines): one
    posting per campaign for the whole batch, each receipt still reversible on its own. Per-credit postings made a
    batch of 300 cost 7.8 s (1 803 statements, 6 per credit in app.ledger.post) instead of 0.98 s (48 statements)
    on the shared bench machine (PostgreSQL, 07/12/2026)."""
    return f"bankfeed:{first.id}"


def _mark_received(session: Session, txns: list[BankFeedTransaction], made: list[Received]) -> None:
    first: dict[int, Received] = {}
    for r in made:
        first.setdefault(r.index, r)  # a pledge payment with an excess: the pledge's part comes first
    mails: list[tuple[tuple[int], dict[str, Any], str]] = []
    for index, txn in enumerate(txns):
        got = first[index]
        txn.status, txn.note = FeedStatus.RECEIVED, ""
        txn.contribution_id = got.id
        txn.pledge_id = got.pledge_id
        if got.pledge_id is not None and not got.earlier:
            mails.append(((got.id,), {}, f"bankfeed-mail:{got.id}"))
    if mails:
        outbox.enqueue_many(session, PAYMENT_MAIL_TASK, mails)


def record_pending(session: Session, limit: int = RECORD_BATCH) -> int:
    """Record up to `limit` queued rows, oldest first (locked, SKIP LOCKED on PostgreSQL: a concurrent run takes
    the next ones); returns how many were taken. Debits: a payout order's code in the memo (CT-PO-000123) is
    that order paid (app.payouts, one path). The caller commits (the task, one commit per batch)."""
    query = (
        select(BankFeedTransaction)
        .where(BankFeedTransaction.status == FeedStatus.QUEUED)
        .order_by(BankFeedTransaction.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.execute(query).scalars())
    # A debit's statement line imported first: linked, so the day shows no difference (match_debit pays an order
    # once, whichever side reports it first).
    reconcile.take_statement_lines(session, [t for t in rows if not t.is_credit])
    credits: dict[str, list[BankFeedTransaction]] = defaultdict(list)
    for txn in rows:
        if txn.is_credit:
            credits[txn.provider].append(txn)
            continue
        order = match_debit(
            session,
            account_number=txn.account_number,
            amount_vnd=txn.amount_vnd,
            reference_text=txn.memo,
            booked_at=txn.txn_at,
        )
        txn.status = FeedStatus.DEBIT
        if order is not None:
            txn.note = f"Khớp lệnh chi {order.reference}"[:255]
        elif txn.statement_line_id is not None:
            txn.note = reconcile.LATE_NOTE
    for provider, txns in credits.items():  # one provider per batch in practice: one receive() call
        record_credits(session, Actor.system(f"bankfeed-{provider}"), txns)
    session.flush()
    return len(rows)


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
    record_credits(session, actor, [txn], pledge=pledge, key=f"{money_key(txn)}:attr{len(n) + 1}")
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
    """Receive a pending credit again (an active campaign now exists for its account's area). The row is locked
    first, so the recording task (which skips locked rows) and a second click wait and then find it received.
    Refused only when the statement line of the same transfer is recorded (the money is received through it);
    a linked line still in the review queue takes this recording (share_recording)."""
    txn = _own_txn(session, txn_id, account_ids)
    session.refresh(txn, with_for_update=True)
    if txn.status not in (FeedStatus.PENDING, FeedStatus.QUEUED):
        raise FeedError(N_("Giao dịch này không ở trạng thái chờ xử lý."))
    if not txn.is_credit:
        raise FeedError(N_("Chỉ ghi nhận lại được khoản tiền vào."))
    if reconcile.recorded_twins(session, [txn]):
        raise FeedError(ALREADY_RECORDED_BY_LINE)
    record_credits(session, actor, [txn])
    if txn.status != FeedStatus.RECEIVED:
        raise FeedError(txn.note)
    session.flush()
    return txn
