"""The figures a sơ kết / tổng kết reports as the Front files them (issue 18.9), beyond the fund's balance: by area, by
programme (houses built and repaired, livelihood, scholarships, health), households helped by category, the
comparison with the target and with the previous period, and the transfers between levels — all from the ledger and
the needs' disbursements that the ledger records, so they add up to the ledger's figures.

Programmes map from the needs' kinds (app.needs.models.NeedKind): xây mới → houses built, sửa chữa → houses repaired,
sinh kế → livelihood, học tập → scholarships, y tế → health (incl. health insurance cards). The Front's lists also
name Tết gifts and emergency aid: no need kind records them yet, so the report shows what was paid out of the
unrestricted purpose (not through a household's need) on one line, "Chi khác (quà Tết, cứu trợ đột xuất…)".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.core.messages import N_
from app.ledger.models import AccountKind, LedgerAccount, LedgerPosting, LedgerTransaction, TransactionKind
from app.units.models import AdminUnit, UnitLevel

PROGRAMMES = [
    ("new_house", N_("Xây mới nhà Đại đoàn kết (căn)")),
    ("repair", N_("Sửa chữa nhà ở (căn)")),
    ("livelihood", N_("Hỗ trợ sinh kế (hộ)")),
    ("education", N_("Học bổng, hỗ trợ học tập (suất)")),
    ("health", N_("Hỗ trợ y tế, thẻ bảo hiểm y tế (suất)")),
]
OTHER_LABEL = N_("Chi khác (quà Tết, cứu trợ đột xuất…), không qua hồ sơ hộ")
CATEGORIES = [
    ("poor", N_("Hộ nghèo")),
    ("near_poor", "Hộ cận nghèo"),
    ("special_hardship", N_("Hoàn cảnh đặc biệt khó khăn")),
]
FLAGS = [
    ("merit_family", N_("trong đó: gia đình có công với cách mạng")),
    ("ethnic_minority", N_("trong đó: hộ đồng bào dân tộc thiểu số")),
    ("elderly_alone", N_("trong đó: người cao tuổi neo đơn")),
    ("disability", N_("trong đó: có người khuyết tật")),
    ("single_parent", N_("trong đó: cha/mẹ đơn thân")),
]


def _in_scope(column, ids: list[int | None] | None):  # type: ignore[no-untyped-def]  # a SQL clause
    if ids is None:
        return None
    real = [i for i in ids if i is not None]
    clause = column.in_(real)
    return or_(clause, column.is_(None)) if None in ids else clause


def _unit_names(session: Session) -> dict[int, AdminUnit]:
    return {u.id: u for u in session.execute(select(AdminUnit)).scalars()}


def area_of(unit_id: int | None, scope: AdminUnit | None, units: dict[int, AdminUnit]) -> int | None:
    """The row a unit's figures go to: for a province's report the unit itself (the province's own level or a
    commune), for the national report its province (None: the central level)."""
    if unit_id is None:
        return None
    if scope is not None:
        return unit_id
    u = units.get(unit_id)
    return u.province_id if u is not None else unit_id


Sums = dict[tuple[int | None, str, str], int]
"""{(unit id, account kind, purpose): sum of postings}."""


def account_sums(
    session: Session, fund_id: int, ids: list[int | None] | None, start: date | None, end: date
) -> Sums:
    """The area's postings dated from `start` (None: from the first) to `end`, summed per account in one pass and
    labelled by the account's unit, kind and purpose. A report reads the postings twice (before its period, in it)
    and derives every ledger figure from these sums: a national tổng kết reads millions of postings."""
    accounts = select(LedgerAccount.id).where(LedgerAccount.fund_id == fund_id)
    scope = _in_scope(LedgerAccount.unit_id, ids)
    if scope is not None:
        accounts = accounts.where(scope)
    dated = [LedgerTransaction.occurred_on <= end]
    if start is not None:
        dated.append(LedgerTransaction.occurred_on >= start)
    per_account = (
        select(LedgerPosting.account_id, func.sum(LedgerPosting.amount_vnd).label("total"))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerPosting.account_id.in_(accounts), *dated)
        .group_by(LedgerPosting.account_id)
        .subquery()
    )
    out: Sums = defaultdict(int)
    for unit_id, kind, purpose, total in session.execute(
        select(LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose, per_account.c.total).join(
            per_account, per_account.c.account_id == LedgerAccount.id
        )
    ):
        out[(unit_id, str(kind), str(purpose))] += int(total or 0)
    return dict(out)


def combined(a: Sums, b: Sums) -> Sums:
    out: Sums = defaultdict(int, a)
    for key, total in b.items():
        out[key] += total
    return dict(out)


def by_kind(sums: Sums) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for (_unit, kind, _purpose), total in sums.items():
        out[kind] += total
    return dict(out)


def by_purpose(sums: Sums, kinds: list[AccountKind]) -> dict[str, int]:
    wanted = {k.value for k in kinds}
    out: dict[str, int] = defaultdict(int)
    for (_unit, kind, purpose), total in sums.items():
        if kind in wanted:
            out[purpose] += total
    return dict(out)


def disbursements(
    session: Session, ids: list[int | None] | None, start: date, end: date
) -> list[tuple[int, int, str, str, dict[str, bool], int]]:
    """Each need's net payout in the period: (need id, commune id, kind, poverty status, flags, amount) — a
    disbursement dated in the period counts, its reversal dated in the period takes it back (as the ledger does)."""
    from app.needs.models import HouseholdNeed, NeedDisbursement

    reversal = aliased(LedgerTransaction)
    paid = (
        select(NeedDisbursement.need_id, NeedDisbursement.amount_vnd.label("amount"))
        .where(NeedDisbursement.occurred_on >= start, NeedDisbursement.occurred_on <= end)
        .union_all(
            select(NeedDisbursement.need_id, (-NeedDisbursement.amount_vnd).label("amount"))
            .join(reversal, reversal.id == NeedDisbursement.reversal_transaction_id)
            .where(reversal.occurred_on >= start, reversal.occurred_on <= end)
        )
        .subquery()
    )
    N = HouseholdNeed
    q = (
        select(
            N.id,
            N.commune_id,
            N.need_kind,
            N.poverty_status,
            N.merit_family,
            N.ethnic_minority,
            N.elderly_alone,
            N.disability,
            N.single_parent,
            func.sum(paid.c.amount),
        )
        .join(paid, paid.c.need_id == N.id)
        .group_by(
            N.id,
            N.commune_id,
            N.need_kind,
            N.poverty_status,
            N.merit_family,
            N.ethnic_minority,
            N.elderly_alone,
            N.disability,
            N.single_parent,
        )
    )
    scope = _in_scope(N.commune_id, ids)
    if scope is not None:
        q = q.where(scope)
    out = []
    for nid, commune, kind, status, merit, ethnic, elderly, disab, single, total in session.execute(q):
        flags = dict(
            merit_family=merit,
            ethnic_minority=ethnic,
            elderly_alone=elderly,
            disability=disab,
            single_parent=single,
        )
        out.append((nid, commune, str(kind), str(status), flags, int(total or 0)))
    return out


def programmes(paid: list, disbursed_total: int) -> list[dict]:
    """Households (houses, awards) helped and money paid out per programme; the last line is what the ledger paid
    out in the period without a household's need, so the lines add up to the ledger's disbursed figure."""
    count: dict[str, int] = defaultdict(int)
    amount: dict[str, int] = defaultdict(int)
    for _nid, _commune, kind, _status, _flags, total in paid:
        amount[kind] += total
        if total > 0:
            count[kind] += 1
    rows = [
        {"programme": key, "label": label, "count": count[key], "amount_vnd": amount[key]}
        for key, label in PROGRAMMES
    ]
    other = disbursed_total - sum(amount.values())
    rows.append({"programme": "other", "label": OTHER_LABEL, "count": None, "amount_vnd": other})
    return rows


def households(paid: list) -> list[dict]:
    helped = [p for p in paid if p[5] > 0]
    rows = [
        {"category": key, "label": label, "count": sum(1 for p in helped if p[3] == key)}
        for key, label in CATEGORIES
    ]
    rows.append({"category": "total", "label": N_("Cộng số hộ được hỗ trợ"), "count": len(helped)})
    rows += [
        {"category": key, "label": label, "count": sum(1 for p in helped if p[4][key])}
        for key, label in FLAGS
    ]
    return rows


def transfers(
    session: Session, fund_id: int, ids: list[int | None] | None, start: date, end: date
) -> list[dict]:
    """Money passed between levels or areas (ledger transfers, whatever created them) in the period, touching the
    area: date, from, to, amount, and the direction seen from the area (in, out, or within it)."""
    units = _unit_names(session)
    src = aliased(LedgerAccount)
    dst = aliased(LedgerAccount)
    out_leg = aliased(LedgerPosting)
    in_leg = aliased(LedgerPosting)
    q = (
        select(
            LedgerTransaction.id,
            LedgerTransaction.occurred_on,
            LedgerTransaction.memo,
            src.unit_id,
            dst.unit_id,
            in_leg.amount_vnd,
        )
        .join(out_leg, and_(out_leg.transaction_id == LedgerTransaction.id, out_leg.amount_vnd < 0))
        .join(src, src.id == out_leg.account_id)
        .join(in_leg, and_(in_leg.transaction_id == LedgerTransaction.id, in_leg.amount_vnd > 0))
        .join(dst, dst.id == in_leg.account_id)
        .where(
            LedgerTransaction.fund_id == fund_id,
            LedgerTransaction.kind == TransactionKind.TRANSFER,
            LedgerTransaction.occurred_on >= start,
            LedgerTransaction.occurred_on <= end,
            src.unit_id.is_distinct_from(dst.unit_id),
        )
        .order_by(LedgerTransaction.occurred_on, LedgerTransaction.id)
    )
    inside = None if ids is None else set(ids)
    rows = []
    for tx_id, day, memo, from_id, to_id, amount in session.execute(q):
        from_in = inside is None or from_id in inside
        to_in = inside is None or to_id in inside
        if not (from_in or to_in):
            continue
        direction = "within" if from_in and to_in else ("in" if to_in else "out")
        rows.append(
            {
                "transaction_id": tx_id,
                "date": day.isoformat(),
                "from": _name(from_id, units),
                "to": _name(to_id, units),
                "amount_vnd": int(amount),
                "direction": direction,
                "memo": memo,
            }
        )
    return rows


def _name(unit_id: int | None, units: dict[int, AdminUnit]) -> str:
    if unit_id is None:
        return "Trung ương"
    u = units.get(unit_id)
    return u.full_name if u is not None else f"#{unit_id}"


def by_area(
    session: Session,
    scope: AdminUnit | None,
    in_period: Sums,
    at_end: Sums,
    paid: list,
    goals: dict[int, int],
) -> list[dict]:
    """Per commune (a province's report: the province's own level first) or per province (the national report):
    received, paid out, households helped, money held at the end (unallocated and allocated), and the area's
    target; from the postings of the period and those up to its end (account_sums)."""
    units = _unit_names(session)
    money: dict[tuple[int | None, str], int] = defaultdict(int)
    for (unit_id, kind, _purpose), total in in_period.items():
        money[(unit_id, kind)] += total
    held: dict[int | None, int] = defaultdict(int)
    for (unit_id, kind, _purpose), total in at_end.items():
        if kind in (AccountKind.UNALLOCATED.value, AccountKind.ALLOCATED.value):
            held[unit_id] += total
    rows: dict[int | None, dict] = {}

    def row(unit_id: int | None) -> dict:
        area = area_of(unit_id, scope, units)
        if area not in rows:
            rows[area] = {
                "unit_id": area,
                "name": _name(area, units) if area is not None else "Trung ương",
                "received_vnd": 0,
                "disbursed_vnd": 0,
                "households": 0,
                "closing_vnd": 0,
                "goal_vnd": goals.get(area, 0) if area is not None else 0,
            }
        return rows[area]

    for (unit_id, kind), total in money.items():
        if kind == AccountKind.DONATIONS.value:
            row(unit_id)["received_vnd"] += -total
        elif kind == AccountKind.DISBURSED.value:
            row(unit_id)["disbursed_vnd"] += total
    for unit_id, total in held.items():
        row(unit_id)["closing_vnd"] += total
    for _nid, commune, _kind, _status, _flags, total in paid:
        if total > 0:
            row(commune)["households"] += 1
    if scope is not None and scope.level == UnitLevel.PROVINCE:
        row(scope.id)  # the province's own level is always listed
    from app.core.collation import unit_key

    def order(r: dict) -> tuple:
        u = units.get(r["unit_id"]) if r["unit_id"] is not None else None
        level_first = 0 if u is None or u.level == UnitLevel.PROVINCE and scope is not None else 1
        return (level_first, unit_key(r["name"]))

    out = sorted(rows.values(), key=order)
    for r in out:
        if scope is not None and r["unit_id"] == scope.id and scope.level == UnitLevel.PROVINCE:
            r["name"] = f"Cấp tỉnh ({r['name']})"
    return out
