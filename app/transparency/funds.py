"""Use of funds: what was received, allocated and disbursed, per purpose and per unit."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignStatus
from app.core.collation import unit_key
from app.ledger.models import PURPOSE_LABELS, AccountKind, LedgerAccount, Purpose
from app.transparency.overview import percent_of
from app.transparency.units import scope_unit_ids, unit_map


def use_of_funds(session: Session, campaign: Campaign) -> dict:
    """Allocated and disbursed money by area and purpose, from the ledger's ALLOCATED/DISBURSED accounts."""
    ids = scope_unit_ids(session, campaign.scope_unit)
    q = select(
        LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose, LedgerAccount.balance_vnd
    ).where(
        LedgerAccount.fund_id == campaign.fund_id,
        LedgerAccount.kind.in_([AccountKind.ALLOCATED, AccountKind.DISBURSED]),
    )
    if ids is not None:
        q = q.where(LedgerAccount.unit_id.in_([i for i in ids if i]))
    cells: dict[tuple[int | None, Purpose], dict[str, int]] = defaultdict(
        lambda: {"allocated": 0, "disbursed": 0}
    )
    for unit_id, kind, purpose, balance in session.execute(q):
        cell = cells[(unit_id, Purpose(purpose))]
        cell["allocated"] += balance  # allocated = still allocated + already disbursed
        if kind == AccountKind.DISBURSED:
            cell["disbursed"] += balance
    units = unit_map(session, {u for u, _ in cells if u})
    rows = []
    for (unit_id, purpose), v in cells.items():
        if not v["allocated"]:
            continue
        u = units.get(unit_id) if unit_id else None
        rows.append(
            {
                "unit_id": unit_id,
                "code": u.code if u else None,
                "unit": u.name if u else "Trung ương",
                "purpose": purpose.value,
                "purpose_label": PURPOSE_LABELS[purpose],
                "allocated_vnd": v["allocated"],
                "disbursed_vnd": v["disbursed"],
                "percent": percent_of(v["disbursed"], v["allocated"]),
            }
        )
    rows.sort(key=lambda r: (unit_key(r["unit"]), r["purpose"]))
    by_purpose: dict[str, dict] = {}
    for r in rows:
        p = by_purpose.setdefault(
            r["purpose"],
            {
                "purpose": r["purpose"],
                "purpose_label": r["purpose_label"],
                "allocated_vnd": 0,
                "disbursed_vnd": 0,
            },
        )
        p["allocated_vnd"] += r["allocated_vnd"]
        p["disbursed_vnd"] += r["disbursed_vnd"]
    return {
        "rows": rows,
        "by_purpose": list(by_purpose.values()),
        "allocated_vnd": sum(r["allocated_vnd"] for r in rows),
        "disbursed_vnd": sum(r["disbursed_vnd"] for r in rows),
    }


def totals_by_unit(session: Session, fund_id: int) -> list[dict]:
    """Open data: the ledger's derived totals per unit (received, in kind, allocated, disbursed, unallocated)."""
    sums: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, kind, balance in session.execute(
        select(LedgerAccount.unit_id, LedgerAccount.kind, func.sum(LedgerAccount.balance_vnd))
        .where(LedgerAccount.fund_id == fund_id)
        .group_by(LedgerAccount.unit_id, LedgerAccount.kind)
    ):
        sums[unit_id][str(kind)] += int(balance or 0)
    units = unit_map(session, {u for u in sums if u})
    out = []
    for unit_id, s in sums.items():
        u = units.get(unit_id) if unit_id else None
        out.append(
            {
                "ma_don_vi": str(u.code) if u else "",
                "don_vi": u.name if u else "Trung ương",
                "cap": u.level if u else "national",
                "da_nhan_vnd": -s[AccountKind.DONATIONS.value],
                "hien_vat_vnd": s[AccountKind.IN_KIND.value],
                "da_phan_bo_vnd": s[AccountKind.ALLOCATED.value] + s[AccountKind.DISBURSED.value],
                "da_giai_ngan_vnd": s[AccountKind.DISBURSED.value],
                "chua_phan_bo_vnd": s[AccountKind.UNALLOCATED.value],
            }
        )
    out.sort(key=lambda r: (r["cap"] != "national", r["cap"] != "province", r["ma_don_vi"]))
    return out


def public_campaigns(session: Session) -> list[Campaign]:
    return list(
        session.execute(
            select(Campaign)
            .where(Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.year.desc(), Campaign.id)
        ).scalars()
    )
