"""The consistency verifier (`flask ledger verify`, the nightly `ledger.verify` task).

Each check re-derives one figure from the rows it summarises and reports every disagreement as a
`Problem(check, message, ids, unit_id)`: the check's name, a Vietnamese sentence naming the rows, the ids
involved ({"contribution": [12], "ledger_transaction": [5]}) and the area (unit) it concerns, if any.

What must agree:
- `balanced`: the postings of every ledger transaction sum to zero;
- `account_balance`: every account's cached balance equals the sum of its postings, on the right side of zero;
- `receipt_posting`: each contribution equals what its receipt transaction put into its pool (pool unit,
  purpose, money or in kind); for a transaction recording many (an import batch, a bank statement, generated
  data), their sum per pool;
- `contribution_status`: a recorded contribution's receipt is not reversed; a reversed one names its reversal;
- `fund_receipts`: per fund and area (pool unit) and purpose, what the ledger says was received equals the
  recorded, not reversed contributions (money and in kind apart);
- `pledge_status`: each pledge's status matches the money received against it (app.pledges.services.amount_paid);
- `need_funding`, `allocation`: each need's funded and disbursed amounts equal its active fundings and its
  tranches not reversed; per fund and commune and purpose, the ledger's allocated and disbursed money equals
  them; per fund, no more allocated than received (per area the invariant is that no pool is overdrawn —
  `account_balance` — since an allocation to a commune may draw on the province's or the national pool);
- `public_totals`: for every public campaign, the received money the public statement lists for its area equals
  the overview's figure, and a current cached overview shows the ledger's figures;
- `public_ledger`: per fund and unit, the public ledger's totals (the sum of the lines it lists) equal the ledger's
  balances.
- `year_close`: each closed year's carried (opening) balances equal the postings dated up to its 31/12, account by
  account (app.ledger.yearend).
- `transfers`: each transfer between levels carried out has exactly its ledger TRANSFER.
- `goods`: each store item's quantity and value on hand = received − handed out, never negative; per fund, unit and
  purpose the ledger's goods handed out (IN_KIND_OUT) = the completed handouts; a contribution's goods in the stores
  are worth no more than it (app.goods).
- `payouts`: every paid payout order has exactly its tranche (its need, its amount, not reversed); an order whose
  tranche was reversed reads "reversed"; no tranche on an order neither paid nor reversed (app.payouts).

Every query is set-based (GROUP BY, joins on aggregated subqueries): a few scans, also on millions of
contributions. Problems are listed by check, at most MAX_PER_CHECK per check (the count says how many more).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, SupportsInt

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import ColumnElement, Executable

from app.core.messages import N_, stored
from app.core.money import format_vnd
from app.ledger.models import (
    CREDIT_NORMAL,
    PURPOSE_LABELS,
    AccountKind,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Purpose,
    TransactionKind,
)

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.ledger.models import LedgerCheck

MAX_PER_CHECK = 200
MAX_IDS = 20  # ids listed in one problem


@dataclass
class Problem:
    check: str
    message: str
    ids: dict[str, list[int]] = field(default_factory=dict)
    unit_id: int | None = None

    def line(self) -> str:
        ids = "; ".join(f"{k}={','.join(str(i) for i in v)}" for k, v in self.ids.items() if v)
        return f"[{self.check}] {self.message}" + (f" ({ids})" if ids else "")

    def as_dict(self) -> dict:
        """As kept in JSON (LedgerCheck.problems): the message as its msgid and values, translated when shown."""
        return {**asdict(self), "message": stored(self.message)}


@dataclass
class Report:
    problems: list[Problem]
    counts: dict[str, int]  # what was checked: rows per kind
    per_check: dict[str, int]  # problems found per check (before the MAX_PER_CHECK cut)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return sum(self.per_check.values())


def _int(v: SupportsInt | None) -> int:
    return int(v or 0)  # PostgreSQL's SUM of BIGINT is NUMERIC (Decimal); NULL is 0


def _vnd(v: SupportsInt | None) -> str:
    return format_vnd(_int(v))


def _purpose(p: object) -> str:
    try:
        return PURPOSE_LABELS[Purpose(str(p))]
    except ValueError:
        return str(p)


class _Names:
    """Unit names for messages, fetched once per run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, str] = {}

    def __call__(self, unit_id: int | None) -> str:
        if unit_id is None:
            return N_("Trung ương")
        if unit_id not in self.cache:
            from app.units.models import AdminUnit

            unit = self.session.get(AdminUnit, unit_id)
            self.cache[unit_id] = f"{unit.name} (#{unit_id})" if unit else N_("đơn vị #%(id)s", id=unit_id)
        return self.cache[unit_id]


def _nz(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """A NULL-safe, hashable join key for a nullable unit id (NULL: national)."""
    return func.coalesce(column, literal_column("0"))  # inlined: GROUP BY must repeat the SELECT's expression


# ------------------------------------------------------------------------------------------------ the checks
def check_balanced(session: Session, names: _Names) -> list[Problem]:
    rows = session.execute(
        select(LedgerPosting.transaction_id, func.sum(LedgerPosting.amount_vnd))
        .group_by(LedgerPosting.transaction_id)
        .having(func.sum(LedgerPosting.amount_vnd) != 0)
        .order_by(LedgerPosting.transaction_id)
    ).all()
    return [
        Problem(
            "balanced",
            N_("Bút toán #%(tx)s không cân: tổng Nợ và tổng Có lệch %(amount)s.", tx=tx, amount=_vnd(amount)),
            {"ledger_transaction": [tx]},
        )
        for tx, amount in rows
    ]


def check_account_balances(session: Session, names: _Names) -> list[Problem]:
    sums = (
        select(
            LedgerPosting.account_id.label("account_id"), func.sum(LedgerPosting.amount_vnd).label("total")
        )
        .group_by(LedgerPosting.account_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    credit = LedgerAccount.kind.in_([k.value for k in CREDIT_NORMAL])
    rows = session.execute(
        select(LedgerAccount, total)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(
            or_(
                LedgerAccount.balance_vnd != total,
                and_(credit, LedgerAccount.balance_vnd > 0),
                and_(~credit, LedgerAccount.balance_vnd < 0),
            )
        )
        .order_by(LedgerAccount.id)
    ).all()
    problems = []
    for acc, expected in rows:
        where = N_(
            "Tài khoản %(key)s (%(unit)s, %(purpose)s)",
            key=acc.key,
            unit=names(acc.unit_id),
            purpose=_purpose(acc.purpose),
        )
        if acc.balance_vnd != _int(expected):
            problems.append(
                Problem(
                    "account_balance",
                    N_(
                        "%(where)s: số dư ghi %(balance)s khác tổng các bút toán %(expected)s.",
                        where=where,
                        balance=_vnd(acc.balance_vnd),
                        expected=_vnd(expected),
                    ),
                    {"ledger_account": [acc.id]},
                    acc.unit_id,
                )
            )
        if (acc.kind in CREDIT_NORMAL and acc.balance_vnd > 0) or (
            acc.kind not in CREDIT_NORMAL and acc.balance_vnd < 0
        ):
            problems.append(
                Problem(
                    "account_balance",
                    N_(
                        "%(where)s: số dư %(balance)s sai dấu (tiền đã dùng nhiều hơn số có).",
                        where=where,
                        balance=_vnd(acc.balance_vnd),
                    ),
                    {"ledger_account": [acc.id]},
                    acc.unit_id,
                )
            )
    return problems


def _asset_kind(channel_column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    from app.contributions.models import Channel

    return case(
        (
            channel_column == literal_column(f"'{Channel.IN_KIND.value}'"),
            literal_column(f"'{AccountKind.IN_KIND.value}'"),
        ),
        else_=literal_column(f"'{AccountKind.UNALLOCATED.value}'"),
    )


def check_receipt_postings(session: Session, names: _Names) -> list[Problem]:
    """Each contribution (or the contributions of one receipt transaction, per pool) = the receipt's posting."""
    from app.contributions.models import Contribution as C

    kind = _asset_kind(C.channel)
    contrib = (
        select(
            C.ledger_transaction_id.label("tx"),
            _nz(C.pool_unit_id).label("unit"),
            C.purpose.label("purpose"),
            kind.label("kind"),
            func.sum(C.amount_vnd).label("amount"),
            func.count().label("n"),
            func.min(C.id).label("first_id"),
            func.max(C.id).label("last_id"),
        )
        .where(C.ledger_transaction_id.is_not(None))
        .group_by(C.ledger_transaction_id, _nz(C.pool_unit_id), C.purpose, kind)
        .subquery()
    )
    posted = (
        select(
            LedgerPosting.transaction_id.label("tx"),
            _nz(LedgerAccount.unit_id).label("unit"),
            LedgerAccount.purpose.label("purpose"),
            LedgerAccount.kind.label("kind"),
            func.sum(LedgerPosting.amount_vnd).label("amount"),
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerTransaction.kind.in_(
                [TransactionKind.RECEIPT.value, TransactionKind.IN_KIND_RECEIPT.value]
            ),
            LedgerAccount.kind.in_([AccountKind.UNALLOCATED.value, AccountKind.IN_KIND.value]),
        )
        .group_by(
            LedgerPosting.transaction_id,
            _nz(LedgerAccount.unit_id),
            LedgerAccount.purpose,
            LedgerAccount.kind,
        )
        .subquery()
    )
    on = and_(
        posted.c.tx == contrib.c.tx,
        posted.c.unit == contrib.c.unit,
        posted.c.purpose == contrib.c.purpose,
        posted.c.kind == contrib.c.kind,
    )
    problems = []
    rows = session.execute(
        select(contrib, posted.c.amount.label("posted"))
        .outerjoin(posted, on)
        .where(or_(posted.c.amount.is_(None), posted.c.amount != contrib.c.amount))
        .order_by(contrib.c.tx, contrib.c.first_id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    for r in rows:
        unit = r.unit or None
        pool_values = {"unit": names(unit), "purpose": _purpose(r.purpose)}
        pool = (
            N_("quỹ %(unit)s, %(purpose)s (hiện vật)", **pool_values)
            if r.kind == AccountKind.IN_KIND
            else N_("quỹ %(unit)s, %(purpose)s", **pool_values)
        )
        ids: dict[str, list[int]] = {"ledger_transaction": [r.tx]}
        if r.n == 1:
            ids["contribution"] = [r.first_id]
            what = N_("Khoản đóng góp #%(id)s ghi %(amount)s", id=r.first_id, amount=_vnd(r.amount))
        else:
            ids["contribution"] = _ids_in(session, C, r, unit)
            what = N_(
                "%(n)s khoản đóng góp (#%(first)s…#%(last)s) cộng lại %(amount)s",
                n=r.n,
                first=r.first_id,
                last=r.last_id,
                amount=_vnd(r.amount),
            )
        posted_text = N_("không ghi gì") if r.posted is None else N_("ghi %(amount)s", amount=_vnd(r.posted))
        problems.append(
            Problem(
                "receipt_posting",
                N_(
                    "%(what)s nhưng bút toán tiếp nhận #%(tx)s %(posted)s vào %(pool)s.",
                    what=what,
                    tx=r.tx,
                    posted=posted_text,
                    pool=pool,
                ),
                ids,
                unit,
            )
        )
    # Receipt postings that no contribution accounts for.
    orphans = session.execute(
        select(posted)
        .outerjoin(contrib, on)
        .where(contrib.c.tx.is_(None))
        .order_by(posted.c.tx)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    for r in orphans:
        unit = r.unit or None
        problems.append(
            Problem(
                "receipt_posting",
                N_(
                    "Bút toán tiếp nhận #%(tx)s ghi %(amount)s vào quỹ %(unit)s, %(purpose)s nhưng không có khoản "
                    "đóng góp nào tương ứng.",
                    tx=r.tx,
                    amount=_vnd(r.amount),
                    unit=names(unit),
                    purpose=_purpose(r.purpose),
                ),
                {"ledger_transaction": [r.tx]},
                unit,
            )
        )
    return problems


def _ids_in(session: Session, C: Any, r: Any, unit: int | None) -> list[int]:
    """The first contribution ids of one (transaction, pool) group, for the message."""
    return list(
        session.execute(
            select(C.id)
            .where(
                C.ledger_transaction_id == r.tx,
                _nz(C.pool_unit_id) == (unit or 0),
                C.purpose == r.purpose,
                _asset_kind(C.channel) == r.kind,
            )
            .order_by(C.id)
            .limit(MAX_IDS)
        ).scalars()
    )


def check_contribution_status(session: Session, names: _Names) -> list[Problem]:
    from app.contributions.models import Contribution as C
    from app.contributions.models import ContributionStatus

    problems = []
    reversal = aliased(LedgerTransaction)
    # Recorded, but the receipt transaction recording it was reversed as a whole (e.g. from the ledger page).
    rows: Sequence[Any] = session.execute(
        select(
            C.ledger_transaction_id, reversal.id, func.count(), func.min(C.id), func.max(C.receiving_unit_id)
        )
        .join(reversal, reversal.reverses_id == C.ledger_transaction_id)
        .where(C.status == ContributionStatus.RECORDED.value)
        .group_by(C.ledger_transaction_id, reversal.id)
        .order_by(C.ledger_transaction_id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    for tx, rev, n, first, unit in rows:
        ids = list(
            session.execute(
                select(C.id)
                .where(C.ledger_transaction_id == tx, C.status == ContributionStatus.RECORDED.value)
                .order_by(C.id)
                .limit(MAX_IDS)
            ).scalars()
        )
        who = (
            N_("Khoản đóng góp #%(id)s", id=first)
            if n == 1
            else N_("%(n)s khoản đóng góp (từ #%(first)s)", n=n, first=first)
        )
        problems.append(
            Problem(
                "contribution_status",
                N_(
                    "%(who)s vẫn ở trạng thái “đã ghi nhận” nhưng bút toán tiếp nhận #%(tx)s đã bị đảo bởi bút toán "
                    "#%(rev)s.",
                    who=who,
                    tx=tx,
                    rev=rev,
                ),
                {"contribution": ids, "ledger_transaction": [tx, rev]},
                unit,
            )
        )
    # Reversed, but no reversal transaction (or one that is not a reversal).
    rows = session.execute(
        select(C.id, C.reversal_transaction_id, C.receiving_unit_id)
        .outerjoin(reversal, reversal.id == C.reversal_transaction_id)
        .where(
            C.status == ContributionStatus.REVERSED.value,
            or_(reversal.id.is_(None), reversal.kind != TransactionKind.REVERSAL.value),
        )
        .order_by(C.id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    for cid, rev, unit in rows:
        problems.append(
            Problem(
                "contribution_status",
                N_(
                    "Khoản đóng góp #%(id)s ở trạng thái “đã hủy” nhưng không có bút toán đảo (bút toán #%(rev)s "
                    "không phải bút toán đảo).",
                    id=cid,
                    rev=rev,
                )
                if rev
                else N_("Khoản đóng góp #%(id)s ở trạng thái “đã hủy” nhưng không có bút toán đảo.", id=cid),
                {"contribution": [cid], **({"ledger_transaction": [rev]} if rev else {})},
                unit,
            )
        )
    # Recorded without any ledger transaction.
    rows = session.execute(
        select(C.id, C.receiving_unit_id)
        .where(C.ledger_transaction_id.is_(None))
        .order_by(C.id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    for cid, unit in rows:
        problems.append(
            Problem(
                "contribution_status",
                N_("Khoản đóng góp #%(id)s chưa được ghi vào sổ quỹ (không có bút toán tiếp nhận).", id=cid),
                {"contribution": [cid]},
                unit,
            )
        )
    return problems


def check_fund_receipts(session: Session, names: _Names) -> list[Problem]:
    """Per fund, area (pool unit) and purpose: ledger's received money (and goods) = recorded contributions."""
    from app.contributions.models import Contribution as C
    from app.contributions.models import ContributionStatus

    kind = _asset_kind(C.channel)
    contrib = {
        (fund, unit or None, str(purpose), str(k)): (_int(total), n)
        for fund, unit, purpose, k, total, n in session.execute(
            select(C.fund_id, _nz(C.pool_unit_id), C.purpose, kind, func.sum(C.amount_vnd), func.count())
            .where(C.status == ContributionStatus.RECORDED.value)
            .group_by(C.fund_id, _nz(C.pool_unit_id), C.purpose, kind)
        )
    }
    income_of = {
        AccountKind.DONATIONS.value: AccountKind.UNALLOCATED.value,
        AccountKind.IN_KIND_DONATIONS.value: AccountKind.IN_KIND.value,
    }
    ledger_side = {
        (fund, unit, str(purpose), income_of[str(k)]): -_int(balance)
        for fund, unit, purpose, k, balance in session.execute(
            select(
                LedgerAccount.fund_id,
                LedgerAccount.unit_id,
                LedgerAccount.purpose,
                LedgerAccount.kind,
                LedgerAccount.balance_vnd,
            ).where(LedgerAccount.kind.in_(list(income_of)))
        )
    }
    problems = []
    for key in sorted(set(contrib) | set(ledger_side), key=lambda k: (k[0], k[1] or 0, k[2], k[3])):
        fund, unit, purpose, k = key
        got, n = contrib.get(key, (0, 0))
        booked = ledger_side.get(key, 0)
        if got != booked:
            pool_values = {"fund": fund, "unit": names(unit), "purpose": _purpose(purpose)}
            pool = (
                N_("Quỹ #%(fund)s, %(unit)s, %(purpose)s (hiện vật)", **pool_values)
                if k == AccountKind.IN_KIND.value
                else N_("Quỹ #%(fund)s, %(unit)s, %(purpose)s", **pool_values)
            )
            problems.append(
                Problem(
                    "fund_receipts",
                    N_(
                        "%(pool)s: sổ quỹ ghi đã nhận %(booked)s nhưng %(n)s khoản đóng góp còn hiệu lực cộng lại "
                        "%(got)s (lệch %(diff)s).",
                        pool=pool,
                        booked=_vnd(booked),
                        n=n,
                        got=_vnd(got),
                        diff=_vnd(got - booked),
                    ),
                    {"fund": [fund], **({"unit": [unit]} if unit else {})},
                    unit,
                )
            )
    return problems


def check_pledges(session: Session, names: _Names) -> list[Problem]:
    """Pledged ⇔ nothing paid; partly paid ⇔ 0 < paid < amount; fulfilled ⇔ paid ≥ amount; a cancelled or lapsed
    pledge was never fully paid (money arriving later revives it: app.pledges.services.refresh_status)."""
    from app.contributions.models import Contribution as C
    from app.contributions.models import ContributionStatus
    from app.pledges.models import PLEDGE_STATUS_LABELS, Pledge, PledgeStatus

    paid_q = (
        select(C.pledge_id.label("pledge_id"), func.sum(C.amount_vnd).label("paid"))
        .where(C.pledge_id.is_not(None), C.status == ContributionStatus.RECORDED.value)
        .group_by(C.pledge_id)
        .subquery()
    )
    paid = func.coalesce(paid_q.c.paid, 0)
    S = PledgeStatus
    wrong = or_(
        and_(Pledge.status == S.PLEDGED.value, paid != 0),
        and_(Pledge.status == S.PARTLY_PAID.value, or_(paid <= 0, paid >= Pledge.amount_vnd)),
        and_(Pledge.status == S.FULFILLED.value, paid < Pledge.amount_vnd),
        and_(Pledge.status.in_([S.CANCELLED.value, S.LAPSED.value]), paid >= Pledge.amount_vnd),
    )
    rows = session.execute(
        select(Pledge.id, Pledge.reference, Pledge.status, Pledge.amount_vnd, paid, Pledge.receiving_unit_id)
        .outerjoin(paid_q, paid_q.c.pledge_id == Pledge.id)
        .where(wrong)
        .order_by(Pledge.id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    problems = []
    for pid, ref, status, amount, got, unit in rows:
        got = _int(got)
        if got >= amount:
            should = S.FULFILLED
        elif got > 0:
            should = S.PARTLY_PAID
        else:
            should = S.PLEDGED
        label = PLEDGE_STATUS_LABELS[S(str(status))]
        expected = PLEDGE_STATUS_LABELS[should]
        if status in (S.CANCELLED, S.LAPSED):
            expected = PLEDGE_STATUS_LABELS[S.FULFILLED]
        problems.append(
            Problem(
                "pledge_status",
                N_(
                    "Đăng ký #%(id)s (%(ref)s) ở trạng thái “%(status)s” nhưng đã nhận %(got)s trên %(amount)s "
                    "(phải là “%(expected)s”).",
                    id=pid,
                    ref=ref,
                    status=label,
                    got=_vnd(got),
                    amount=_vnd(amount),
                    expected=expected,
                ),
                {"pledge": [pid]},
                unit,
            )
        )
    return problems


def check_need_funding(session: Session, names: _Names) -> list[Problem]:
    """Each need: funded = its active fundings, disbursed = its tranches not reversed, disbursed ≤ funded."""
    from app.needs.models import FundingStatus, HouseholdNeed, NeedDisbursement, NeedFunding

    funded_q = (
        select(NeedFunding.need_id.label("need_id"), func.sum(NeedFunding.amount_vnd).label("total"))
        .where(NeedFunding.status == FundingStatus.ACTIVE.value)
        .group_by(NeedFunding.need_id)
        .subquery()
    )
    paid_q = (
        select(
            NeedDisbursement.need_id.label("need_id"), func.sum(NeedDisbursement.amount_vnd).label("total")
        )
        .where(NeedDisbursement.reversal_transaction_id.is_(None))
        .group_by(NeedDisbursement.need_id)
        .subquery()
    )
    funded = func.coalesce(funded_q.c.total, 0)
    paid = func.coalesce(paid_q.c.total, 0)
    rows = session.execute(
        select(
            HouseholdNeed.id,
            HouseholdNeed.commune_id,
            HouseholdNeed.funded_vnd,
            HouseholdNeed.disbursed_vnd,
            funded,
            paid,
        )
        .outerjoin(funded_q, funded_q.c.need_id == HouseholdNeed.id)
        .outerjoin(paid_q, paid_q.c.need_id == HouseholdNeed.id)
        .where(
            or_(
                HouseholdNeed.funded_vnd != funded,
                HouseholdNeed.disbursed_vnd != paid,
                HouseholdNeed.disbursed_vnd > HouseholdNeed.funded_vnd,
            )
        )
        .order_by(HouseholdNeed.id)
        .limit(MAX_PER_CHECK + 1)
    ).all()
    problems = []
    for nid, unit, funded_vnd, disbursed_vnd, f, d in rows:
        f, d = _int(f), _int(d)
        if funded_vnd != f:
            problems.append(
                Problem(
                    "need_funding",
                    N_(
                        "Hộ #%(id)s (%(unit)s): số đã bố trí ghi %(funded)s nhưng các khoản bố trí còn hiệu lực cộng "
                        "lại %(total)s.",
                        id=nid,
                        unit=names(unit),
                        funded=_vnd(funded_vnd),
                        total=_vnd(f),
                    ),
                    {"need": [nid]},
                    unit,
                )
            )
        if disbursed_vnd != d:
            problems.append(
                Problem(
                    "need_funding",
                    N_(
                        "Hộ #%(id)s (%(unit)s): số đã giải ngân ghi %(disbursed)s nhưng các đợt giải ngân chưa đảo "
                        "cộng lại %(total)s.",
                        id=nid,
                        unit=names(unit),
                        disbursed=_vnd(disbursed_vnd),
                        total=_vnd(d),
                    ),
                    {"need": [nid]},
                    unit,
                )
            )
        if disbursed_vnd > funded_vnd:
            problems.append(
                Problem(
                    "need_funding",
                    N_(
                        "Hộ #%(id)s (%(unit)s): giải ngân %(disbursed)s vượt số đã bố trí %(funded)s.",
                        id=nid,
                        unit=names(unit),
                        disbursed=_vnd(disbursed_vnd),
                        funded=_vnd(funded_vnd),
                    ),
                    {"need": [nid]},
                    unit,
                )
            )
    return problems


def check_allocations(session: Session, names: _Names) -> list[Problem]:
    """Per fund, commune and purpose: the ledger's allocated money (still allocated + paid out) = the needs' active
    fundings, its disbursed money = their tranches not reversed; per fund, allocated ≤ received."""
    from app.campaigns.models import Campaign
    from app.needs.models import FundingStatus, HouseholdNeed, NeedDisbursement, NeedFunding

    def by_area(stmt: Executable) -> dict[tuple, int]:
        return {(f, u, str(p)): _int(t) for f, u, p, t in session.execute(stmt)}

    area = (Campaign.fund_id, HouseholdNeed.commune_id, HouseholdNeed.purpose)
    funded = by_area(
        select(*area, func.sum(NeedFunding.amount_vnd))
        .join(HouseholdNeed, HouseholdNeed.id == NeedFunding.need_id)
        .join(Campaign, Campaign.id == HouseholdNeed.campaign_id)
        .where(NeedFunding.status == FundingStatus.ACTIVE.value)
        .group_by(*area)
    )
    paid = by_area(
        select(*area, func.sum(NeedDisbursement.amount_vnd))
        .join(HouseholdNeed, HouseholdNeed.id == NeedDisbursement.need_id)
        .join(Campaign, Campaign.id == HouseholdNeed.campaign_id)
        .where(NeedDisbursement.reversal_transaction_id.is_(None))
        .group_by(*area)
    )
    balances: dict[tuple, dict[str, int]] = {}
    for f, u, p, k, balance in session.execute(
        select(
            LedgerAccount.fund_id,
            LedgerAccount.unit_id,
            LedgerAccount.purpose,
            LedgerAccount.kind,
            LedgerAccount.balance_vnd,
        ).where(LedgerAccount.kind.in_([AccountKind.ALLOCATED.value, AccountKind.DISBURSED.value]))
    ):
        balances.setdefault((f, u, str(p)), {})[str(k)] = _int(balance)
    problems = []
    for key in sorted(set(funded) | set(paid) | set(balances), key=lambda k: (k[0], k[1] or 0, k[2])):
        fund, unit, purpose = key
        b = balances.get(key, {})
        disbursed = b.get(AccountKind.DISBURSED.value, 0)
        allocated = b.get(AccountKind.ALLOCATED.value, 0) + disbursed
        where = N_(
            "Quỹ #%(fund)s, %(unit)s, %(purpose)s", fund=fund, unit=names(unit), purpose=_purpose(purpose)
        )
        ids = {"fund": [fund], **({"unit": [unit]} if unit else {})}
        if allocated != funded.get(key, 0):
            problems.append(
                Problem(
                    "allocation",
                    N_(
                        "%(where)s: sổ quỹ ghi đã phân bổ %(allocated)s nhưng các khoản bố trí cho hộ còn hiệu lực "
                        "cộng lại %(total)s.",
                        where=where,
                        allocated=_vnd(allocated),
                        total=_vnd(funded.get(key, 0)),
                    ),
                    ids,
                    unit,
                )
            )
        if disbursed != paid.get(key, 0):
            problems.append(
                Problem(
                    "allocation",
                    N_(
                        "%(where)s: sổ quỹ ghi đã giải ngân %(disbursed)s nhưng các đợt giải ngân cho hộ chưa đảo "
                        "cộng lại %(total)s.",
                        where=where,
                        disbursed=_vnd(disbursed),
                        total=_vnd(paid.get(key, 0)),
                    ),
                    ids,
                    unit,
                )
            )
    per_fund: dict[int, dict[str, int]] = {}
    for f, k, total in session.execute(
        select(LedgerAccount.fund_id, LedgerAccount.kind, func.sum(LedgerAccount.balance_vnd)).group_by(
            LedgerAccount.fund_id, LedgerAccount.kind
        )
    ):
        per_fund.setdefault(f, {})[str(k)] = _int(total)
    for fund, s in sorted(per_fund.items()):
        received = -s.get(AccountKind.DONATIONS.value, 0)
        allocated = s.get(AccountKind.ALLOCATED.value, 0) + s.get(AccountKind.DISBURSED.value, 0)
        if allocated > received:
            problems.append(
                Problem(
                    "allocation",
                    N_(
                        "Quỹ #%(fund)s: đã phân bổ %(allocated)s, nhiều hơn số đã nhận %(received)s.",
                        fund=fund,
                        allocated=_vnd(allocated),
                        received=_vnd(received),
                    ),
                    {"fund": [fund]},
                )
            )
    return problems


def check_public_totals(session: Session, names: _Names) -> list[Problem]:
    """What the public reads: the statement's received money for a campaign's area = the overview's figure, and a
    current cached overview (same ledger version) shows the ledger's figures."""
    from app.contributions.models import Channel, ContributionStatus
    from app.contributions.models import Contribution as C
    from app.transparency.funds import public_campaigns
    from app.transparency.models import OverviewCache
    from app.transparency.overview import _version, figures_at, pledged_total
    from app.transparency.units import scope_unit_ids

    problems = []
    for campaign in public_campaigns(session):
        ids = scope_unit_ids(session, campaign.scope_unit)
        t = figures_at(session, campaign.fund_id, ids)
        q = select(
            func.sum(case((C.channel != Channel.IN_KIND.value, C.amount_vnd), else_=0)),
            func.sum(case((C.channel == Channel.IN_KIND.value, C.amount_vnd), else_=0)),
        ).where(C.fund_id == campaign.fund_id, C.status == ContributionStatus.RECORDED.value)
        if ids is not None:
            units = [i for i in ids if i is not None]
            q = q.where(
                or_(C.pool_unit_id.in_(units), C.pool_unit_id.is_(None))
                if None in ids
                else C.pool_unit_id.in_(units)
            )
        money, goods = (_int(v) for v in session.execute(q).one())
        scope = campaign.scope_unit_id
        tag = {"campaign": [campaign.id]}
        if money != t.received_vnd:
            problems.append(
                Problem(
                    "public_totals",
                    N_(
                        "Chiến dịch #%(id)s “%(name)s”: sao kê công khai liệt kê %(listed)s đã nhận nhưng trang "
                        "tổng quan (sổ quỹ) ghi %(booked)s.",
                        id=campaign.id,
                        name=campaign.name,
                        listed=_vnd(money),
                        booked=_vnd(t.received_vnd),
                    ),
                    tag,
                    scope,
                )
            )
        if goods != t.in_kind_vnd:
            problems.append(
                Problem(
                    "public_totals",
                    N_(
                        "Chiến dịch #%(id)s “%(name)s”: sao kê công khai liệt kê hiện vật %(listed)s nhưng trang "
                        "tổng quan ghi %(booked)s.",
                        id=campaign.id,
                        name=campaign.name,
                        listed=_vnd(goods),
                        booked=_vnd(t.in_kind_vnd),
                    ),
                    tag,
                    scope,
                )
            )
        row = session.execute(
            select(OverviewCache).where(
                OverviewCache.campaign_id == campaign.id, OverviewCache.unit_key == "all"
            )
        ).scalar_one_or_none()
        if row is None or row.version != _version(session, campaign):
            continue  # the next reader recomputes it from the ledger
        fresh = {
            "pledged_vnd": pledged_total(session, campaign),
            "received_vnd": t.received_vnd,
            "in_kind_vnd": t.in_kind_vnd,
            "allocated_vnd": t.allocated_vnd,
            "disbursed_vnd": t.disbursed_vnd,
            "unallocated_vnd": t.unallocated_vnd,
        }
        shown = (row.payload or {}).get("totals", {})
        for k, v in fresh.items():
            if _int(shown.get(k)) != v:
                problems.append(
                    Problem(
                        "public_totals",
                        N_(
                            "Chiến dịch #%(id)s: trang tổng quan đang hiển thị %(key)s = %(shown)s nhưng sổ quỹ cho "
                            "%(booked)s.",
                            id=campaign.id,
                            key=k,
                            shown=_vnd(shown.get(k)),
                            booked=_vnd(v),
                        ),
                        tag,
                        scope,
                    )
                )
    return problems


def check_public_ledger(session: Session, names: _Names) -> list[Problem]:
    """The public ledger's figures (app.transparency.public_ledger: the totals above its lines, summed from the
    postings of the lines it lists) equal the ledger's balances, for every unit's own books and every fund."""
    from app.ledger.models import Fund
    from app.ledger.services import totals as ledger_totals
    from app.transparency.public_ledger import totals_by_unit

    problems = []
    labels = {
        "received_vnd": "đã nhận",
        "in_kind_vnd": N_("hiện vật"),
        "in_kind_out_vnd": N_("hàng hóa đã cấp phát"),
        "unallocated_vnd": N_("chưa phân bổ"),
        "allocated_vnd": N_("đã phân bổ"),
        "disbursed_vnd": N_("đã giải ngân"),
    }
    for fund_id in session.execute(select(Fund.id).order_by(Fund.id)).scalars():
        shown = totals_by_unit(session, fund_id)
        units = set(shown) | set(
            session.execute(
                select(LedgerAccount.unit_id).where(LedgerAccount.fund_id == fund_id).distinct()
            ).scalars()
        )
        for unit_id in sorted(units, key=lambda u: (u is not None, u or 0)):
            books = ledger_totals(session, fund_id, [unit_id])
            page = shown.get(unit_id)
            for key, label in labels.items():
                mine, theirs = _int(getattr(page, key, 0) if page else 0), _int(getattr(books, key))
                if mine != theirs:
                    problems.append(
                        Problem(
                            "public_ledger",
                            N_(
                                "%(unit)s, quỹ #%(fund)s: sổ quỹ công khai cộng được %(label)s %(mine)s nhưng số dư "
                                "sổ quỹ là %(theirs)s.",
                                unit=names(unit_id),
                                fund=fund_id,
                                label=label,
                                mine=_vnd(mine),
                                theirs=_vnd(theirs),
                            ),
                            {},
                            unit_id,
                        )
                    )
    return problems


def check_year_closes(session: Session, names: _Names) -> list[Problem]:
    """Each closed year's carried balances (app.ledger.yearend) equal the postings dated up to its 31/12: opening
    balance of the next year = closing balance, account by account. A posting slipped into a closed year, or a
    carried balance changed, shows here."""
    from app.ledger.models import OpeningBalance, YearClose
    from app.ledger.yearend import balances_at, year_end
    from app.units.models import AdminUnit

    problems: list[Problem] = []
    for close in session.execute(select(YearClose).order_by(YearClose.id)).scalars():
        unit = session.get(AdminUnit, close.unit_id) if close.unit_id is not None else None
        expected = {
            a: b for a, _u, _k, _p, b in balances_at(session, close.fund_id, year_end(close.year), unit)
        }
        others = set(
            session.execute(
                select(OpeningBalance.account_id).where(
                    OpeningBalance.year == close.year + 1, OpeningBalance.close_id != close.id
                )
            ).scalars()
        )
        carried = {
            a: int(v)
            for a, v in session.execute(
                select(OpeningBalance.account_id, OpeningBalance.amount_vnd).where(
                    OpeningBalance.close_id == close.id
                )
            )
        }
        where = N_(
            "Khóa sổ năm %(year)s (%(scope)s)",
            year=close.year,
            scope=names(close.unit_id) if unit else N_("toàn Quỹ"),
        )
        for acc_id in sorted((set(expected) - others) | set(carried)):
            want, got = expected.get(acc_id, 0), carried.get(acc_id, 0)
            if want != got:
                problems.append(
                    Problem(
                        "year_close",
                        N_(
                            "%(where)s: tài khoản #%(account)s có số dư cuối năm %(want)s theo bút toán, nhưng số dư "
                            "đầu năm %(next_year)s đã chuyển là %(got)s.",
                            where=where,
                            account=acc_id,
                            want=_vnd(want),
                            next_year=close.year + 1,
                            got=_vnd(got),
                        ),
                        {"ledger_year_close": [close.id], "ledger_account": [acc_id]},
                        close.unit_id,
                    )
                )
    return problems


def check_transfers(session: Session, names: _Names) -> list[Problem]:
    """Transfers between levels: each one carried out has exactly its ledger TRANSFER (the amount out of the sending
    pool and into the receiving pool, one transaction), and no TRANSFER of a transfer proposal exists without it."""
    from app.contributions.models import FundTransferProposal, TransferStatus

    problems: list[Problem] = []
    done = {
        p.id: p
        for p in session.execute(
            select(FundTransferProposal).where(FundTransferProposal.status == TransferStatus.DONE.value)
        ).scalars()
    }
    posted: dict[int, list[tuple[int | None, int]]] = {}
    tx_of: dict[int, int] = {}
    for tx_id, source_id, unit_id, amount in session.execute(
        select(
            LedgerTransaction.id, LedgerTransaction.source_id, LedgerAccount.unit_id, LedgerPosting.amount_vnd
        )
        .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(
            LedgerTransaction.kind == TransactionKind.TRANSFER.value,
            LedgerTransaction.source_type == "fund_transfer",
        )
    ):
        pid = int(source_id) if str(source_id).isdigit() else 0
        posted.setdefault(pid, []).append((unit_id, _int(amount)))
        tx_of[pid] = tx_id
    for pid in sorted(set(done) | set(posted)):
        p = done.get(pid)
        if p is None:
            problems.append(
                Problem(
                    "transfers",
                    N_(
                        "Bút toán điều chuyển #%(tx)s không ứng với đề xuất điều chuyển đã thực hiện nào.",
                        tx=tx_of[pid],
                    ),
                    {"ledger_transaction": [tx_of[pid]]},
                )
            )
            continue
        want = sorted([(p.from_unit_id or 0, -p.amount_vnd), (p.to_unit_id or 0, p.amount_vnd)])
        got = sorted((u or 0, a) for u, a in posted.get(pid, []))
        if got != want or p.ledger_transaction_id != tx_of.get(pid):
            problems.append(
                Problem(
                    "transfers",
                    N_(
                        "Điều chuyển #%(id)s (%(source)s → %(target)s, %(amount)s): sổ quỹ không ghi đúng một bút "
                        "toán chuyển giữa hai bên.",
                        id=pid,
                        source=names(p.from_unit_id),
                        target=names(p.to_unit_id),
                        amount=_vnd(p.amount_vnd),
                    ),
                    {"fund_transfer_proposal": [pid]},
                    p.from_unit_id,
                )
            )
    return problems


def check_goods(session: Session, names: _Names) -> list[Problem]:
    """Goods in the stores (app.goods): each store item's quantity and value on hand = received − handed out
    (completed handouts), never negative; per fund, unit and purpose the ledger's goods handed out (IN_KIND_OUT) =
    the completed handouts' value; the goods received from a contribution are worth no more than it, and only a
    recorded in-kind contribution feeds a store."""
    from app.contributions.models import Channel, Contribution, ContributionStatus
    from app.goods.models import GoodsHandout, GoodsHandoutLine, GoodsReceipt, GoodsStock, HandoutStatus

    problems: list[Problem] = []
    rec = (
        select(
            GoodsReceipt.stock_id.label("sid"),
            func.sum(GoodsReceipt.quantity).label("q"),
            func.sum(GoodsReceipt.value_vnd).label("v"),
        )
        .group_by(GoodsReceipt.stock_id)
        .subquery()
    )
    out = (
        select(
            GoodsHandoutLine.stock_id.label("sid"),
            func.sum(GoodsHandoutLine.quantity).label("q"),
            func.sum(GoodsHandoutLine.value_vnd).label("v"),
        )
        .join(GoodsHandout, GoodsHandout.id == GoodsHandoutLine.handout_id)
        .where(GoodsHandout.status == HandoutStatus.DONE.value)
        .group_by(GoodsHandoutLine.stock_id)
        .subquery()
    )
    rq, rv = func.coalesce(rec.c.q, 0), func.coalesce(rec.c.v, 0)
    oq, ov = func.coalesce(out.c.q, 0), func.coalesce(out.c.v, 0)
    for st in session.execute(
        select(
            GoodsStock.id,
            GoodsStock.unit_id,
            GoodsStock.item,
            GoodsStock.quantity,
            GoodsStock.value_vnd,
            rq.label("rq"),
            rv.label("rv"),
            oq.label("oq"),
            ov.label("ov"),
        )
        .outerjoin(rec, rec.c.sid == GoodsStock.id)
        .outerjoin(out, out.c.sid == GoodsStock.id)
        .where(
            or_(
                GoodsStock.quantity != rq - oq,
                GoodsStock.value_vnd != rv - ov,
                GoodsStock.quantity < 0,
                GoodsStock.value_vnd < 0,
            )
        )
        .order_by(GoodsStock.id)
        .limit(MAX_PER_CHECK + 1)
    ):
        got_q, got_v = _int(st.rq) - _int(st.oq), _int(st.rv) - _int(st.ov)
        problems.append(
            Problem(
                "goods",
                N_(
                    "Kho %(unit)s, “%(item)s”: tồn kho ghi %(quantity)s (%(value)s) nhưng đã nhập %(in_quantity)s "
                    "(%(in_value)s) − đã cấp phát %(out_quantity)s (%(out_value)s) = %(got_quantity)s (%(got_value)s).",
                    unit=names(st.unit_id),
                    item=st.item,
                    quantity=st.quantity,
                    value=_vnd(st.value_vnd),
                    in_quantity=_int(st.rq),
                    in_value=_vnd(st.rv),
                    out_quantity=_int(st.oq),
                    out_value=_vnd(st.ov),
                    got_quantity=got_q,
                    got_value=_vnd(got_v),
                ),
                {"goods_stock": [st.id]},
                st.unit_id,
            )
        )
    handed: dict[tuple[int, int | None, str], int] = {
        (fund, unit, str(purpose)): _int(v)
        for fund, unit, purpose, v in session.execute(
            select(
                GoodsStock.fund_id,
                GoodsStock.unit_id,
                GoodsStock.purpose,
                func.sum(GoodsHandoutLine.value_vnd),
            )
            .join(GoodsHandoutLine, GoodsHandoutLine.stock_id == GoodsStock.id)
            .join(GoodsHandout, GoodsHandout.id == GoodsHandoutLine.handout_id)
            .where(GoodsHandout.status == HandoutStatus.DONE.value)
            .group_by(GoodsStock.fund_id, GoodsStock.unit_id, GoodsStock.purpose)
        )
    }
    booked = {
        (fund, unit, str(purpose)): _int(balance)
        for fund, unit, purpose, balance in session.execute(
            select(
                LedgerAccount.fund_id, LedgerAccount.unit_id, LedgerAccount.purpose, LedgerAccount.balance_vnd
            ).where(LedgerAccount.kind == AccountKind.IN_KIND_OUT.value)
        )
    }
    for key in sorted(set(handed) | set(booked), key=lambda k: (k[0], k[1] or 0, k[2])):
        fund, unit, purpose = key
        if handed.get(key, 0) != booked.get(key, 0):
            problems.append(
                Problem(
                    "goods",
                    N_(
                        "Quỹ #%(fund)s, %(unit)s, %(purpose)s: sổ quỹ ghi hàng hóa đã cấp phát %(booked)s nhưng các "
                        "phiếu xuất kho đã cấp phát cộng lại %(handed)s.",
                        fund=fund,
                        unit=names(unit),
                        purpose=_purpose(purpose),
                        booked=_vnd(booked.get(key, 0)),
                        handed=_vnd(handed.get(key, 0)),
                    ),
                    {"fund": [fund], **({"unit": [unit]} if unit else {})},
                    unit,
                )
            )
    for cid, amount, _channel, _status, taken in session.execute(
        select(
            Contribution.id,
            Contribution.amount_vnd,
            Contribution.channel,
            Contribution.status,
            func.sum(GoodsReceipt.value_vnd),
        )
        .join(GoodsReceipt, GoodsReceipt.contribution_id == Contribution.id)
        .group_by(Contribution.id, Contribution.amount_vnd, Contribution.channel, Contribution.status)
        .having(
            or_(
                func.sum(GoodsReceipt.value_vnd) > Contribution.amount_vnd,
                Contribution.channel != Channel.IN_KIND.value,
                Contribution.status != ContributionStatus.RECORDED.value,
            )
        )
        .limit(MAX_PER_CHECK + 1)
    ):
        problems.append(
            Problem(
                "goods",
                N_(
                    "Khoản đóng góp #%(id)s (%(amount)s) đã nhập kho hàng trị giá %(taken)s: vượt giá trị ước tính, "
                    "hoặc khoản đó không phải hiện vật còn hiệu lực.",
                    id=cid,
                    amount=_vnd(amount),
                    taken=_vnd(taken),
                ),
                {"contribution": [cid]},
            )
        )
    return problems


def check_payouts(session: Session, names: _Names) -> list[Problem]:
    """Payout orders (app.payouts): every paid order has exactly its tranche (a disbursement of its need and amount,
    not reversed); an order whose tranche was reversed reads "reversed"; no tranche hangs on an order that is
    neither paid nor reversed, and no two orders share one."""
    from app.needs.models import NeedDisbursement as D
    from app.payouts.models import OrderStatus
    from app.payouts.models import PayoutOrder as O

    problems: list[Problem] = []
    rows = session.execute(
        select(
            O.id,
            O.status,
            O.need_id,
            O.amount_vnd,
            O.commune_id,
            O.disbursement_id,
            D.id.label("d_id"),
            D.need_id.label("d_need"),
            D.amount_vnd.label("d_amount"),
            D.reversal_transaction_id.label("d_reversed"),
        )
        .outerjoin(D, D.id == O.disbursement_id)
        .where(
            or_(
                O.disbursement_id.is_not(None),
                O.status.in_([OrderStatus.PAID.value, OrderStatus.REVERSED.value]),
            )
        )
        .order_by(O.id)
    ).all()
    for r in rows:
        status = OrderStatus(str(getattr(r.status, "value", r.status)))
        ref = f"CT-PO-{r.id:06d}"
        why = ""
        if status in (OrderStatus.PAID, OrderStatus.REVERSED) and r.d_id is None:
            why = N_("không có khoản giải ngân nào")
        elif r.d_id is not None and (r.d_need != r.need_id or r.d_amount != r.amount_vnd):
            why = N_(
                "khoản giải ngân #%(id)s không đúng hộ hoặc số tiền (%(amount)s so với %(ordered)s)",
                id=r.d_id,
                amount=_vnd(r.d_amount),
                ordered=_vnd(r.amount_vnd),
            )
        elif status == OrderStatus.PAID and r.d_reversed is not None:
            why = N_("khoản giải ngân #%(id)s đã bị đảo nhưng lệnh vẫn ghi “đã chi”", id=r.d_id)
        elif status == OrderStatus.REVERSED and r.d_reversed is None:
            why = N_("lệnh ghi “đã hoàn chi” nhưng khoản giải ngân #%(id)s chưa bị đảo", id=r.d_id)
        elif status not in (OrderStatus.PAID, OrderStatus.REVERSED):
            why = N_("lệnh chưa chi mà đã gắn khoản giải ngân #%(id)s", id=r.d_id)
        if why:
            message = N_("Lệnh chi %(ref)s: %(why)s.", ref=ref, why=why)
            problems.append(Problem("payouts", message, {"payout_order": [r.id]}, r.commune_id))
    for d_id, n in session.execute(
        select(O.disbursement_id, func.count())
        .where(O.disbursement_id.is_not(None))
        .group_by(O.disbursement_id)
        .having(func.count() > 1)
    ):
        problems.append(
            Problem(
                "payouts",
                N_("Khoản giải ngân #%(id)s gắn với %(n)s lệnh chi.", id=d_id, n=n),
                {"need_disbursement": [_int(d_id)]},
            )
        )
    return problems


CHECKS: list[tuple[str, str, Callable[[Session, _Names], list[Problem]]]] = [
    ("balanced", N_("Bút toán cân Nợ – Có"), check_balanced),
    ("account_balance", N_("Số dư tài khoản = tổng bút toán"), check_account_balances),
    ("receipt_posting", N_("Khoản đóng góp = bút toán tiếp nhận"), check_receipt_postings),
    ("contribution_status", N_("Trạng thái khoản đóng góp"), check_contribution_status),
    ("fund_receipts", N_("Đã nhận theo quỹ và địa bàn"), check_fund_receipts),
    ("pledge_status", N_("Trạng thái đăng ký ủng hộ"), check_pledges),
    ("need_funding", N_("Bố trí và giải ngân từng hộ"), check_need_funding),
    ("allocation", N_("Phân bổ và giải ngân theo địa bàn"), check_allocations),
    ("public_totals", N_("Số liệu công khai"), check_public_totals),
    ("public_ledger", "Sổ quỹ công khai = số dư sổ quỹ", check_public_ledger),
    ("year_close", "Số dư đầu năm = số dư cuối năm đã khóa sổ", check_year_closes),
    ("transfers", "Điều chuyển giữa các cấp", check_transfers),
    ("goods", "Hàng hóa: tồn kho = nhập − cấp phát", check_goods),
    ("payouts", "Lệnh chi = khoản giải ngân", check_payouts),
]
CHECK_NAMES = {name: label for name, label, _ in CHECKS}


def _counts(session: Session) -> dict[str, int]:
    from app.contributions.models import Contribution
    from app.needs.models import HouseholdNeed
    from app.pledges.models import Pledge

    row = session.execute(
        select(
            select(func.count()).select_from(LedgerTransaction).scalar_subquery(),
            select(func.count()).select_from(LedgerAccount).scalar_subquery(),
            select(func.count()).select_from(Contribution).scalar_subquery(),
            select(func.count()).select_from(Pledge).scalar_subquery(),
            select(func.count()).select_from(HouseholdNeed).scalar_subquery(),
        )
    ).one()
    return dict(
        zip(("ledger_transactions", "ledger_accounts", "contributions", "pledges", "needs"), row, strict=True)
    )


def run_checks(session: Session, only: list[str] | None = None) -> Report:
    """Run every check (or those named in `only`); reads only."""
    started = time.monotonic()
    names = _Names(session)
    problems: list[Problem] = []
    per_check: dict[str, int] = {}
    for name, _label, check in CHECKS:
        if only and name not in only:
            continue
        found = check(session, names)
        per_check[name] = len(found)
        problems += found[:MAX_PER_CHECK]
    return Report(problems, _counts(session), per_check, time.monotonic() - started)


# ------------------------------------------------------------------------------------------------ results kept
def record_check(session: Session, report: Report) -> int:
    """Keep one run's result (the staff home page shows the latest); the caller commits. Returns its id."""
    from app.ledger.models import LedgerCheck

    row = LedgerCheck(
        ok=report.ok,
        problem_count=report.problem_count,
        problems=[p.as_dict() for p in report.problems],
        counts=report.counts,
        seconds=round(report.seconds, 3),
    )
    session.add(row)
    session.flush()
    return row.id


def latest_check(session: Session) -> LedgerCheck | None:
    from app.ledger.models import LedgerCheck

    return session.execute(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1)).scalar_one_or_none()


def visible_problems(session: Session, user: User, problems: list[dict]) -> list[dict]:
    """The problems a staff member may see: all for central admins, those of their own area for the others (a
    problem of no area, e.g. an unbalanced transaction or a fund's totals, only for central admins)."""
    from app.accounts.access import can_access_unit_id
    from app.accounts.models import Role

    if user.role == Role.CENTRAL_ADMIN:
        return list(problems)
    seen: dict[int | None, bool] = {}
    out = []
    for p in problems:
        unit = p.get("unit_id")
        if unit not in seen:
            seen[unit] = unit is not None and can_access_unit_id(session, user, unit)
        if seen[unit]:
            out.append(p)
    return out
