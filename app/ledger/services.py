"""The ledger's service API: receipts, allocations, disbursements, transfers and reversals.

Every function flushes and leaves the commit to its caller (a view, task or command). Invariants —
no pool allocates more than it received, no unit disburses more than was allocated to it — are
checked after locking the accounts involved (SELECT … FOR UPDATE on PostgreSQL, in id order so two
transactions never deadlock); the CHECK constraints on ledger_accounts are the last line of defence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.audit.services import record
from app.core.actor import Actor
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.signals import money_moved
from app.core.transaction import DomainError
from app.ledger import yearend
from app.ledger.models import (
    CREDIT_NORMAL,
    AccountKind,
    Fund,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Purpose,
    TransactionKind,
)

MAIN_FUND_CODE = "vi-nguoi-ngheo"
SHARE_REVERSAL = "receipt_share_reversal"  # source_type of reverse_receipt_share's transactions


class LedgerError(DomainError):
    """A refused ledger operation; the message is Vietnamese."""


class InsufficientFunds(LedgerError):
    pass


class AlreadyReversed(LedgerError):
    pass


class ClosedPeriod(LedgerError):
    """A posting dated in a closed year (app.ledger.yearend)."""


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount_vnd: int  # + debit, - credit


# --- append-only guard (the migrations add database triggers as well) ---
@event.listens_for(LedgerPosting, "before_update")
@event.listens_for(LedgerPosting, "before_delete")
@event.listens_for(LedgerTransaction, "before_update")
@event.listens_for(LedgerTransaction, "before_delete")
def _refuse_change(mapper: object, connection: object, target: object) -> None:
    raise LedgerError(N_("Sổ quỹ chỉ được ghi thêm: không sửa hay xóa bút toán; hãy dùng bút toán đảo."))


def main_fund(session: Session) -> Fund:
    fund = session.execute(select(Fund).where(Fund.code == MAIN_FUND_CODE)).scalar_one_or_none()
    if fund is None:
        fund = Fund(
            code=MAIN_FUND_CODE,
            name="Quỹ “Vì người nghèo”",
            legal_basis="Quy chế vận động, quản lý và sử dụng Quỹ “Vì người nghèo” (QĐ 1198/QĐ-MTTW-ĐCT, 2016)",
        )
        session.add(fund)
        session.flush()
    return fund


def account(
    session: Session,
    fund_id: int,
    unit_id: int | None,
    kind: AccountKind,
    purpose: Purpose = Purpose.UNRESTRICTED,
) -> LedgerAccount:
    """Get or create an account, without racing a concurrent creator."""
    key = LedgerAccount.make_key(fund_id, unit_id, kind, purpose)
    acc = session.execute(select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one_or_none()
    if acc is not None:
        return acc
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(LedgerAccount)
        .values(key=key, fund_id=fund_id, unit_id=unit_id, kind=kind, purpose=purpose, balance_vnd=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.execute(select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one()


def accounts(
    session: Session, fund_id: int, specs: Iterable[tuple[int | None, AccountKind, Purpose]]
) -> dict[tuple, LedgerAccount]:
    """Get or create many accounts with two queries: {(unit_id, kind, purpose): account}."""
    wanted = {LedgerAccount.make_key(fund_id, u, k, p): (u, k, p) for u, k, p in specs}
    found = {
        a.key: a
        for a in session.execute(select(LedgerAccount).where(LedgerAccount.key.in_(list(wanted)))).scalars()
    }
    missing = [k for k in wanted if k not in found]
    if missing:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # In chunks: one multi-row INSERT may carry at most 65 535 parameters on PostgreSQL (6 per row here).
        for start in range(0, len(missing), 5000):
            part = missing[start : start + 5000]
            session.execute(
                insert(LedgerAccount)
                .values(
                    [
                        dict(
                            key=k,
                            fund_id=fund_id,
                            unit_id=wanted[k][0],
                            kind=wanted[k][1],
                            purpose=wanted[k][2],
                            balance_vnd=0,
                        )
                        for k in part
                    ]
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
            found.update(
                {
                    a.key: a
                    for a in session.execute(
                        select(LedgerAccount).where(LedgerAccount.key.in_(part))
                    ).scalars()
                }
            )
    return {spec: found[key] for key, spec in wanted.items()}


def post(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    kind: TransactionKind,
    legs: Iterable[Leg],
    occurred_on: date,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
    audit_unit_id: int | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction. Locks its accounts, checks the invariants, updates balances."""
    if idempotency_key:
        existing = session.execute(
            select(LedgerTransaction).where(LedgerTransaction.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    by_account: dict[int, int] = defaultdict(int)
    accounts: dict[int, LedgerAccount] = {}
    for leg in legs:
        if leg.amount_vnd == 0:
            continue
        if not isinstance(leg.amount_vnd, int) or isinstance(leg.amount_vnd, bool):
            raise LedgerError(N_("Số tiền phải là số nguyên đồng."))
        by_account[leg.account.id] += leg.amount_vnd
        accounts[leg.account.id] = leg.account
    by_account = {k: v for k, v in by_account.items() if v != 0}
    if not by_account:
        raise LedgerError(N_("Bút toán không có số tiền nào."))
    if sum(by_account.values()) != 0:
        raise LedgerError(N_("Bút toán không cân (tổng Nợ khác tổng Có)."))
    # A closed year (app.ledger.yearend) takes no more postings; checked before the accounts are locked.
    closed = yearend.closed_year_for(session, fund_id, occurred_on, {a.unit_id for a in accounts.values()})
    if closed is not None:
        raise ClosedPeriod(yearend.closed_message(closed, occurred_on))

    locked = {
        a.id: a
        for a in session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.id.in_(sorted(by_account)))
            .order_by(LedgerAccount.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    for acc_id, delta in by_account.items():
        acc = locked[acc_id]
        new_balance = acc.balance_vnd + delta
        if acc.kind in CREDIT_NORMAL:
            if new_balance > 0:
                raise LedgerError(N_("Không thể ghi giảm khoản tiếp nhận quá số đã nhận."))
        elif new_balance < 0:
            raise InsufficientFunds(_shortfall_message(acc, acc.balance_vnd, -delta))

    tx = LedgerTransaction(
        fund_id=fund_id,
        kind=kind,
        occurred_on=occurred_on,
        created_by_id=actor.user_id,
        memo=memo,
        source_type=source_type,
        source_id=str(source_id),
        idempotency_key=idempotency_key,
        reverses_id=reverses_id,
    )
    session.add(tx)
    session.flush()
    # Core executemany statements: one round trip each, no ORM bookkeeping per row (bulk imports post
    # transactions with thousands of legs).
    conn = session.connection()
    postings = LedgerPosting.__table__
    conn.execute(
        postings.insert(),
        [{"transaction_id": tx.id, "account_id": a, "amount_vnd": d} for a, d in by_account.items()],
    )
    accounts_table = LedgerAccount.__table__
    conn.execute(
        accounts_table.update()
        .where(accounts_table.c.id == bindparam("acc_id"))
        .values(balance_vnd=accounts_table.c.balance_vnd + bindparam("delta")),
        [{"acc_id": a, "delta": d} for a, d in by_account.items()],
    )
    for acc_id in by_account:
        session.expire(locked[acc_id], ["balance_vnd"])
    record(
        session,
        actor,
        f"ledger.{kind.value}",
        "ledger_transaction",
        tx.id,
        new={
            "memo": memo,
            "postings": {locked[a].key: d for a, d in by_account.items()},
            "source": f"{source_type}:{source_id}" if source_type else None,
            "reverses": reverses_id,
        },
        unit_id=audit_unit_id,
    )
    money_moved.send(session, transaction=tx)
    return tx


def _shortfall_message(acc: LedgerAccount, balance: int, wanted: int) -> str:
    what = {
        AccountKind.UNALLOCATED: N_("Quỹ chưa phân bổ"),
        AccountKind.ALLOCATED: N_("Số đã phân bổ"),
        AccountKind.DISBURSED: N_("Số đã giải ngân"),
        AccountKind.IN_KIND: N_("Hiện vật"),
        AccountKind.IN_KIND_OUT: N_("Hiện vật đã cấp phát"),
    }.get(acc.kind, N_("Tài khoản"))
    return N_(
        "%(what)s (%(purpose)s) chỉ còn %(balance)s, không đủ %(wanted)s. Số dư có thể vừa thay đổi do thao tác khác; "
        "vui lòng tải lại và thử lại.",
        what=what,
        purpose=acc.purpose.value,
        balance=format_vnd(balance),
        wanted=format_vnd(wanted),
    )


def record_receipts(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    items: Iterable[tuple[int | None, Purpose, int]],
    occurred_on: date,
    in_kind: bool = False,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Money (or goods) received, as one transaction: each item (pool unit, purpose, amount) into the pool of
    that unit and purpose — one receipt, or a whole statement or import batch. Called by
    app.contributions.receive only."""
    totals: dict[tuple[int | None, Purpose], int] = defaultdict(int)
    for unit_id, purpose, amount in items:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise LedgerError(N_("Số tiền nhận phải lớn hơn 0."))
        totals[(unit_id, purpose)] += amount
    if not totals:
        raise LedgerError(N_("Số tiền nhận phải lớn hơn 0."))
    if in_kind:
        asset, income, kind = (
            AccountKind.IN_KIND,
            AccountKind.IN_KIND_DONATIONS,
            TransactionKind.IN_KIND_RECEIPT,
        )
    else:
        asset, income, kind = AccountKind.UNALLOCATED, AccountKind.DONATIONS, TransactionKind.RECEIPT
    accs = accounts(session, fund_id, [(u, k, p) for (u, p) in totals for k in (asset, income)])
    legs: list[Leg] = []
    for (unit_id, purpose), amount in totals.items():
        legs.append(Leg(accs[(unit_id, asset, purpose)], amount))
        legs.append(Leg(accs[(unit_id, income, purpose)], -amount))
    pools = {u for u, _ in totals}
    return post(
        session,
        actor,
        fund_id=fund_id,
        kind=kind,
        legs=legs,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        audit_unit_id=next(iter(pools)) if len(pools) == 1 else None,
    )


@dataclass(frozen=True)
class PoolDraw:
    """Money taken from one pool (unit or national, purpose) for an allocation."""

    pool_unit_id: int | None
    purpose: Purpose
    amount_vnd: int


def allocate(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    target_unit_id: int,
    target_purpose: Purpose,
    draws: Iterable[PoolDraw],
    occurred_on: date,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Move received money from one or more pools to the allocated account of a unit."""
    draws = list(draws)
    if not draws or any(d.amount_vnd <= 0 for d in draws):
        raise LedgerError(N_("Số tiền phân bổ phải lớn hơn 0."))
    total = sum(d.amount_vnd for d in draws)
    legs = [Leg(account(session, fund_id, target_unit_id, AccountKind.ALLOCATED, target_purpose), total)]
    legs += [
        Leg(account(session, fund_id, d.pool_unit_id, AccountKind.UNALLOCATED, d.purpose), -d.amount_vnd)
        for d in draws
    ]
    return post(
        session,
        actor,
        fund_id=fund_id,
        kind=TransactionKind.ALLOCATION,
        legs=legs,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        audit_unit_id=target_unit_id,
    )


def disburse(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    unit_id: int,
    purpose: Purpose,
    amount_vnd: int,
    occurred_on: date,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Pay out allocated money in a unit."""
    if amount_vnd <= 0:
        raise LedgerError(N_("Số tiền giải ngân phải lớn hơn 0."))
    return _move_within_unit(
        session,
        actor,
        fund_id=fund_id,
        unit_id=unit_id,
        values={purpose: amount_vnd},
        to_kind=AccountKind.DISBURSED,
        from_kind=AccountKind.ALLOCATED,
        kind=TransactionKind.DISBURSEMENT,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
    )


def _move_within_unit(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    unit_id: int,
    values: dict[Purpose, int],
    to_kind: AccountKind,
    from_kind: AccountKind,
    kind: TransactionKind,
    occurred_on: date,
    memo: str,
    source_type: str,
    source_id: object,
    idempotency_key: str | None,
) -> LedgerTransaction:
    """One transaction moving, per purpose, value from one account kind of a unit to another (money paid out,
    goods handed out): the legs both callers build the same way."""
    legs: list[Leg] = []
    for purpose, amount in values.items():
        legs.append(Leg(account(session, fund_id, unit_id, to_kind, purpose), amount))
        legs.append(Leg(account(session, fund_id, unit_id, from_kind, purpose), -amount))
    return post(
        session,
        actor,
        fund_id=fund_id,
        kind=kind,
        legs=legs,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        audit_unit_id=unit_id,
    )


def hand_out_goods(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    unit_id: int,
    values: dict[Purpose, int],
    occurred_on: date,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Goods leave a unit's store (app.goods): their value moves, per purpose, from the unit's IN_KIND account (what
    record_receipts(in_kind=True) debited when they were given) to its IN_KIND_OUT account. Refused (InsufficientFunds)
    beyond the goods' value held."""
    if not values or any(v <= 0 for v in values.values()):
        raise LedgerError(N_("Giá trị hàng cấp phát phải lớn hơn 0."))
    return _move_within_unit(
        session,
        actor,
        fund_id=fund_id,
        unit_id=unit_id,
        values=values,
        to_kind=AccountKind.IN_KIND_OUT,
        from_kind=AccountKind.IN_KIND,
        kind=TransactionKind.IN_KIND_HANDOUT,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
    )


def transfer(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    from_unit_id: int | None,
    from_purpose: Purpose,
    to_unit_id: int | None,
    to_purpose: Purpose,
    amount_vnd: int,
    occurred_on: date,
    memo: str = "",
    source_type: str = "",
    source_id: object = "",
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """Pass unallocated money between pools (e.g. a province passing money down to a commune): both sides in one
    transaction. Refused (InsufficientFunds) when the sending pool no longer holds the amount, so a transfer never
    takes money already allocated. Callers: app.ledger.transfers."""
    if amount_vnd <= 0:
        raise LedgerError(N_("Số tiền chuyển phải lớn hơn 0."))
    legs = [
        Leg(account(session, fund_id, to_unit_id, AccountKind.UNALLOCATED, to_purpose), amount_vnd),
        Leg(account(session, fund_id, from_unit_id, AccountKind.UNALLOCATED, from_purpose), -amount_vnd),
    ]
    return post(
        session,
        actor,
        fund_id=fund_id,
        kind=TransactionKind.TRANSFER,
        legs=legs,
        occurred_on=occurred_on,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        audit_unit_id=from_unit_id,
    )


def reverse(
    session: Session,
    actor: Actor,
    transaction_id: int,
    *,
    reason: str,
    occurred_on: date,
    source_type: str = "",
    source_id: object = "",
) -> LedgerTransaction:
    """Undo a transaction with its mirror image. Refused if it was already reversed, or if the money
    has moved on (e.g. a receipt whose money is already allocated)."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(N_("Phải ghi lý do khi đảo bút toán."))
    # Lock the original first: two concurrent reversals of it are serialised here, and the second then
    # sees the first's reversal (a plain existence check before locking would let both through).
    original = session.execute(
        select(LedgerTransaction).where(LedgerTransaction.id == transaction_id).with_for_update()
    ).scalar_one_or_none()
    if original is None:
        raise LedgerError(N_("Không tìm thấy bút toán."))
    if original.kind == TransactionKind.REVERSAL:
        raise LedgerError(N_("Không đảo một bút toán đảo; hãy ghi bút toán mới."))
    if session.execute(
        select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
    ).first():
        raise AlreadyReversed(N_("Bút toán này đã được đảo trước đó."))
    if has_share_reversals(session, transaction_id):
        raise AlreadyReversed(
            N_(
                "Một phần bút toán này (từng biên nhận) đã được đảo; không đảo toàn bộ được nữa. "
                "Hãy đảo từng biên nhận còn lại tại trang sao kê."
            )
        )
    legs = [Leg(p.account, -p.amount_vnd) for p in original.postings]
    occurred_on = _in_open_year(
        session, original.fund_id, occurred_on, {p.account.unit_id for p in original.postings}
    )
    return post(
        session,
        actor,
        fund_id=original.fund_id,
        kind=TransactionKind.REVERSAL,
        legs=legs,
        occurred_on=occurred_on,
        memo=f"Đảo bút toán #{original.id}: {reason}",
        source_type=source_type or original.source_type,
        source_id=source_id or original.source_id,
        reverses_id=original.id,
    )


def reverse_receipt_share(
    session: Session,
    actor: Actor,
    transaction_id: int,
    *,
    pool_unit_id: int | None,
    purpose: Purpose,
    amount_vnd: int,
    reason: str,
    occurred_on: date,
    memo: str = "",
) -> LedgerTransaction:
    """Undo one receipt's share of a receipt transaction that recorded many (a bank statement's matched lines):
    a new transaction mirroring that share's legs (the pool and purpose it was received into), so the other
    receipts of the transaction stay as they are. The original is locked first, as reverse() does, so a whole
    reversal of it and share reversals are serialised; refused once the whole transaction is reversed, for a
    share larger than the original received into that pool, and (by post()'s checks) when the pool's money
    has been allocated beyond what would remain. The caller guarantees that the same share is not reversed
    twice (it locks and marks the receipt). The new transaction names the original as its source
    (SHARE_REVERSAL, original id), and reverse() then refuses to reverse the original as a whole."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(N_("Phải ghi lý do khi đảo bút toán."))
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool) or amount_vnd <= 0:
        raise LedgerError(N_("Số tiền đảo phải là số nguyên đồng lớn hơn 0."))
    original = session.execute(
        select(LedgerTransaction).where(LedgerTransaction.id == transaction_id).with_for_update()
    ).scalar_one_or_none()
    if original is None:
        raise LedgerError(N_("Không tìm thấy bút toán."))
    if original.kind != TransactionKind.RECEIPT:
        raise LedgerError(N_("Chỉ đảo được một phần của bút toán tiếp nhận tiền."))
    if is_reversed(session, original.id):
        raise AlreadyReversed(N_("Bút toán này đã được đảo toàn bộ trước đó."))
    pool = account(session, original.fund_id, pool_unit_id, AccountKind.UNALLOCATED, purpose)
    income = account(session, original.fund_id, pool_unit_id, AccountKind.DONATIONS, purpose)
    received = sum(p.amount_vnd for p in original.postings if p.account_id == pool.id)
    occurred_on = _in_open_year(session, original.fund_id, occurred_on, {pool_unit_id})
    if received < amount_vnd:
        raise LedgerError(
            N_(
                "Bút toán #%(id)s chỉ ghi nhận %(received)s vào quỹ này, không đảo được %(amount)s.",
                id=original.id,
                received=format_vnd(received),
                amount=format_vnd(amount_vnd),
            )
        )
    return post(
        session,
        actor,
        fund_id=original.fund_id,
        kind=TransactionKind.REVERSAL,
        legs=[Leg(pool, -amount_vnd), Leg(income, amount_vnd)],
        occurred_on=occurred_on,
        memo=f"Đảo một phần bút toán #{original.id}{': ' + memo if memo else ''} – {reason}",
        source_type=SHARE_REVERSAL,
        source_id=original.id,
        audit_unit_id=pool_unit_id,
    )


def _in_open_year(session: Session, fund_id: int, occurred_on: date, unit_ids: set[int | None]) -> date:
    """A reversal is dated in the open year: a date inside a closed year moves to the first day after it."""
    opens = yearend.first_open_day(session, fund_id, unit_ids)
    return max(occurred_on, opens) if opens is not None else occurred_on


def has_share_reversals(session: Session, transaction_id: int) -> bool:
    return (
        session.execute(
            select(LedgerTransaction.id).where(
                LedgerTransaction.source_type == SHARE_REVERSAL,
                LedgerTransaction.source_id == str(transaction_id),
            )
        ).first()
        is not None
    )


def is_reversed(session: Session, transaction_id: int) -> bool:
    return (
        session.execute(
            select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
        ).first()
        is not None
    )


@dataclass
class Totals:
    received_vnd: int = 0  # money received (net of reversals)
    in_kind_vnd: int = (
        0  # goods received, at estimated value: still in a store (IN_KIND) + handed out (IN_KIND_OUT)
    )
    in_kind_out_vnd: int = 0  # goods handed out from the stores (app.goods)
    unallocated_vnd: int = 0
    allocated_vnd: int = 0  # ever allocated, still allocated + already disbursed
    disbursed_vnd: int = 0


def totals(session: Session, fund_id: int, unit_ids: Iterable[int | None] | None = None) -> Totals:
    """Derived balances for a set of units (None: everything). Allocated includes what was later disbursed."""
    q = select(LedgerAccount.kind, func.sum(LedgerAccount.balance_vnd)).where(
        LedgerAccount.fund_id == fund_id
    )
    if unit_ids is not None:
        ids = list(unit_ids)
        clauses = [LedgerAccount.unit_id.in_([i for i in ids if i is not None])]
        if None in ids:
            clauses.append(LedgerAccount.unit_id.is_(None))
        from sqlalchemy import or_

        q = q.where(or_(*clauses))
    # SUM over BIGINT is NUMERIC on PostgreSQL: back to int.
    sums = {kind: int(total or 0) for kind, total in session.execute(q.group_by(LedgerAccount.kind)).all()}
    t = Totals(
        received_vnd=-(sums.get(AccountKind.DONATIONS) or 0),
        in_kind_vnd=(sums.get(AccountKind.IN_KIND) or 0) + (sums.get(AccountKind.IN_KIND_OUT) or 0),
        in_kind_out_vnd=sums.get(AccountKind.IN_KIND_OUT) or 0,
        unallocated_vnd=sums.get(AccountKind.UNALLOCATED) or 0,
        disbursed_vnd=sums.get(AccountKind.DISBURSED) or 0,
    )
    t.allocated_vnd = (sums.get(AccountKind.ALLOCATED) or 0) + t.disbursed_vnd
    return t


def pool_balances(session: Session, fund_id: int) -> list[LedgerAccount]:
    """Every pool of received, unallocated money with a positive balance."""
    return list(
        session.execute(
            select(LedgerAccount)
            .where(
                LedgerAccount.fund_id == fund_id,
                LedgerAccount.kind == AccountKind.UNALLOCATED,
                LedgerAccount.balance_vnd > 0,
            )
            .order_by(LedgerAccount.id)
        ).scalars()
    )


def verify_ledger(session: Session, *, full: bool = False) -> list[str]:
    """Check the books: each transaction balances, each cached balance equals its postings and is on the right side
    of zero. With full=True, also everything that must agree with the books (app.ledger.verify: contributions,
    pledges, allocations, disbursements, public figures — what `flask ledger verify` runs). Returns the problems
    found, one line each (empty when everything agrees)."""
    from app.ledger.verify import run_checks

    only = None if full else ["balanced", "account_balance"]
    return [p.line() for p in run_checks(session, only).problems]
