"""Year-end: closing a year of a fund's books and carrying each account's balance into the next year.

A close covers a province with its communes (unit_id = the province) or the whole fund (unit_id None). Closing year
Y freezes every date up to 31/12/Y for the accounts it covers: post() refuses a transaction dated then that touches
one of them (closed_year_for), and a reversal of a closed-year entry is dated in the open year (reverse() moves
its date past the closed period). Each covered account's balance at 31/12/Y — the sum of its postings dated up to
then, not the cached balance, which may already include next year's postings — is written as its opening balance of
Y+1 (OpeningBalance). The ledger itself keeps cumulative accounts with no year in them, so the carry-over is this
record, not a pair of postings (which would count twice in every period's sums); `flask ledger verify` checks each
opening balance against the postings (check "year_close"), so a posting slipped into a closed year shows there.

Concurrency: the close locks the fund's row (SELECT … FOR UPDATE) before reading the balances; a posting dated in a
past year first takes the same row FOR SHARE (closed_year_for) and only then reads the closes. A posting racing the
close is therefore either committed before the close reads (and carried) or waits for the close and is refused.
Closing is idempotent: the same scope and year again returns the first close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import event, func, insert, or_, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.transaction import DomainError
from app.ledger.models import (
    AccountKind,
    Fund,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    OpeningBalance,
    YearClose,
)
from app.units.models import AdminUnit, UnitLevel

ALL = "all"  # scope_key of a close of the whole fund
ON_HAND = (AccountKind.UNALLOCATED, AccountKind.ALLOCATED)


class YearEndError(DomainError):
    """A refused close; the message is Vietnamese."""


def _scope_key(unit_id: int | None) -> str:
    return ALL if unit_id is None else str(unit_id)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def first_open_day(session: Session, fund_id: int, unit_ids: set[int | None]) -> date | None:
    """The day after the latest closed year covering any of these units (None when none is closed)."""
    closed = _closed_through(session, fund_id, unit_ids)
    return date(closed + 1, 1, 1) if closed is not None else None


def _provinces_of(session: Session, unit_ids: set[int | None]) -> set[int]:
    ids = [u for u in unit_ids if u is not None]
    if not ids:
        return set()
    rows = session.execute(
        select(AdminUnit.id, AdminUnit.level, AdminUnit.parent_id).where(AdminUnit.id.in_(ids))
    ).all()
    return {uid if level == UnitLevel.PROVINCE else (parent or uid) for uid, level, parent in rows}


def _closed_through(
    session: Session, fund_id: int, unit_ids: set[int | None], since_year: int | None = None
) -> int | None:
    """The latest closed year whose close covers one of these units' accounts (a national-level account, unit
    None, is covered only by a close of the whole fund)."""
    q = select(YearClose.scope_key, func.max(YearClose.year)).where(YearClose.fund_id == fund_id)
    if since_year is not None:
        q = q.where(YearClose.year >= since_year)
    closes = dict(session.execute(q.group_by(YearClose.scope_key)).all())
    if not closes:
        return None
    keys = {ALL} | {str(p) for p in _provinces_of(session, unit_ids)}
    years = [y for k, y in closes.items() if k in keys]
    return max(years) if years else None


def closed_year_for(
    session: Session, fund_id: int, occurred_on: date, unit_ids: set[int | None]
) -> int | None:
    """The closed year that refuses a posting dated `occurred_on` on these units' accounts, or None. Called by
    ledger.post() before it locks its accounts (it raises ClosedPeriod with closed_message). Only a year that has
    ended can be closed, so a posting dated in the current year (or later) never waits or reads anything here."""
    if occurred_on.year >= today_vn().year:
        return None
    # FOR SHARE: postings do not wait for one another, but they wait for a close in progress, and a close waits for
    # them (then reads their postings). Statement-level snapshots (READ COMMITTED): the read below sees the close.
    session.execute(select(Fund.id).where(Fund.id == fund_id).with_for_update(read=True)).all()
    return _closed_through(session, fund_id, unit_ids, since_year=occurred_on.year)


def closed_message(closed: int, occurred_on: date) -> str:
    return N_(
        "Sổ quỹ đã khóa đến hết ngày 31/12/%(year)s: không ghi được bút toán ngày %(date)s. Hãy ghi vào năm đang mở "
        "(điều chỉnh bằng bút toán đảo).",
        year=closed,
        date=occurred_on.strftime("%d/%m/%Y"),
    )


@dataclass(frozen=True)
class Carried:
    accounts: int
    on_hand_vnd: int
    in_kind_vnd: int


def balances_at(
    session: Session,
    fund_id: int,
    day: date,
    unit: AdminUnit | None,
    *,
    exclude_closed_year: int | None = None,
) -> list[tuple[int, int | None, AccountKind, str, int]]:
    """(account id, unit id, kind, purpose, balance) of every account in scope with a non-zero balance at the end
    of `day`, from the postings dated up to then."""
    q = (
        select(
            LedgerAccount.id,
            LedgerAccount.unit_id,
            LedgerAccount.kind,
            LedgerAccount.purpose,
            func.sum(LedgerPosting.amount_vnd),
        )
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerAccount.fund_id == fund_id, LedgerTransaction.occurred_on <= day)
    )
    if unit is not None:
        q = q.where(_in_province(unit))
    if exclude_closed_year is not None:  # a whole-fund close after province closes of the same year
        q = q.where(
            ~LedgerAccount.id.in_(
                select(OpeningBalance.account_id).where(OpeningBalance.year == exclude_closed_year + 1)
            )
        )
    q = q.group_by(LedgerAccount.id, LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose)
    return [
        (acc_id, unit_id, AccountKind(kind), str(purpose), int(total))
        for acc_id, unit_id, kind, purpose, total in session.execute(q)
        if int(total or 0) != 0
    ]


def _in_province(unit: AdminUnit):  # type: ignore[no-untyped-def]  # a SQL clause
    return or_(
        LedgerAccount.unit_id == unit.id,
        LedgerAccount.unit_id.in_(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)),
    )


def existing_close(session: Session, fund_id: int, year: int, unit: AdminUnit | None) -> YearClose | None:
    """The close that already covers this scope and year: its own, or a whole-fund close of that year."""
    return session.execute(
        select(YearClose)
        .where(
            YearClose.fund_id == fund_id,
            YearClose.year == year,
            YearClose.scope_key.in_({ALL, _scope_key(unit.id if unit else None)}),
        )
        .order_by(YearClose.id)
        .limit(1)
    ).scalar_one_or_none()


def close_year(
    session: Session,
    actor: Actor,
    *,
    fund_id: int,
    year: int,
    unit: AdminUnit | None,
    confirm_year: int | None,
    campaign_id: int | None = None,
) -> tuple[YearClose, bool]:
    """Close `year` for a province (with its communes) or, unit None, the whole fund. Returns (close, created);
    closing again returns the existing close. The caller commits; the annual report is queued on commit."""
    if unit is not None and unit.level != UnitLevel.PROVINCE:
        raise YearEndError(N_("Chỉ khóa sổ theo tỉnh/thành phố hoặc toàn Quỹ."), field="unit_id")
    if confirm_year != year:
        raise YearEndError(
            N_("Xác nhận: hãy nhập lại đúng năm %(year)s để khóa sổ (không mở lại được).", year=year),
            field="confirm_year",
        )
    if year >= today_vn().year:
        raise YearEndError(
            N_("Năm %(year)s chưa kết thúc: chỉ khóa sổ được năm đã qua.", year=year), field="year"
        )
    session.execute(select(Fund.id).where(Fund.id == fund_id).with_for_update()).all()
    found = existing_close(session, fund_id, year, unit)
    if found is not None:
        return found, False
    later = _closed_through(session, fund_id, {unit.id} if unit else set(), since_year=year)
    if unit is None:
        later = session.execute(
            select(func.max(YearClose.year)).where(YearClose.fund_id == fund_id, YearClose.scope_key == ALL)
        ).scalar()
    if later is not None and later > year:
        raise YearEndError(
            N_("Sổ quỹ đã khóa đến năm %(later)s; không khóa lại năm %(year)s.", later=later, year=year),
            field="year",
        )

    rows = balances_at(
        session, fund_id, year_end(year), unit, exclude_closed_year=year if unit is None else None
    )
    report_job_id = (
        _queue_annual_report(session, actor, campaign_id, unit, year) if campaign_id is not None else None
    )
    close = YearClose(
        report_job_id=report_job_id,
        fund_id=fund_id,
        unit_id=unit.id if unit else None,
        scope_key=_scope_key(unit.id if unit else None),
        year=year,
        closed_by_id=actor.user_id,
        account_count=len(rows),
        on_hand_vnd=sum(b for _, _, k, _, b in rows if k in ON_HAND),
        in_kind_vnd=sum(b for _, _, k, _, b in rows if k == AccountKind.IN_KIND),
    )
    session.add(close)
    session.flush()
    table = OpeningBalance.__table__
    for start in range(0, len(rows), 5000):
        session.execute(
            insert(table),
            [
                dict(
                    close_id=close.id,
                    fund_id=fund_id,
                    year=year + 1,
                    account_id=acc_id,
                    unit_id=unit_id,
                    kind=kind.value,
                    purpose=purpose,
                    amount_vnd=balance,
                )
                for acc_id, unit_id, kind, purpose, balance in rows[start : start + 5000]
            ],
        )
    record(
        session,
        actor,
        "ledger.year_close",
        "ledger_year_close",
        close.id,
        new={
            "year": year,
            "scope": unit.name if unit else "Toàn Quỹ",
            "accounts": len(rows),
            "on_hand_vnd": close.on_hand_vnd,
            "in_kind_vnd": close.in_kind_vnd,
            "report_job_id": close.report_job_id,
        },
        unit_id=unit.id if unit else None,
    )
    return close, True


def _queue_annual_report(
    session: Session, actor: Actor, campaign_id: int, unit: AdminUnit | None, year: int
) -> int:
    from app.campaigns.models import Campaign
    from app.core import outbox
    from app.reports import services as reports
    from app.reports.models import ReportKind

    campaign = session.get_one(Campaign, campaign_id)
    job = reports.create_job(session, actor, campaign=campaign, unit=unit, kind=ReportKind.YEAR, year=year)
    outbox.enqueue(session, "reports.generate", job.id)
    return job.id


def opening_balances(
    session: Session, fund_id: int, year: int, unit_ids: list[int | None] | None
) -> dict[str, int]:
    """The balances carried into `year`, summed by account kind, for an area (None: everything)."""
    q = select(OpeningBalance.kind, func.sum(OpeningBalance.amount_vnd)).where(
        OpeningBalance.fund_id == fund_id, OpeningBalance.year == year
    )
    if unit_ids is not None:
        ids = [i for i in unit_ids if i is not None]
        clause = OpeningBalance.unit_id.in_(ids)
        q = q.where(clause | OpeningBalance.unit_id.is_(None) if None in unit_ids else clause)
    return {str(k): int(v or 0) for k, v in session.execute(q.group_by(OpeningBalance.kind))}


def describe(close: YearClose) -> str:
    return (
        f"Năm {close.year}: {close.account_count} tài khoản, chuyển sang năm {close.year + 1} "
        f"{format_vnd(close.on_hand_vnd)} chưa chi"
    )


@event.listens_for(YearClose, "before_update")
@event.listens_for(YearClose, "before_delete")
@event.listens_for(OpeningBalance, "before_update")
@event.listens_for(OpeningBalance, "before_delete")
def _refuse_change(mapper: object, connection: object, target: object) -> None:
    raise YearEndError(N_("Năm đã khóa sổ không sửa hay xóa được."))
