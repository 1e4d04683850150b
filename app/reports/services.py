"""Periodic reports (sơ kết 6 tháng, tổng kết năm) for a unit and campaign.

Every money figure comes from the ledger, by the rules the public overview uses (app.transparency.overview:
figures_at, totals_from_kinds), or from the published contributions, so the report matches what the public sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import Campaign, CampaignGoal
from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.collation import vi_collate
from app.core.db import utcnow
from app.core.messages import N_
from app.core.transaction import DomainError
from app.donors.models import DONOR_KIND_LABELS, DonorKind
from app.ledger import yearend
from app.ledger.models import (
    PURPOSE_LABELS,
    AccountKind,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Purpose,
    TransactionKind,
)
from app.ledger.services import Totals
from app.reports import figures as extra
from app.reports import outcomes
from app.reports.models import ReportJob, ReportKind, ReportStatus
from app.reports.render import to_pdf, to_xlsx
from app.transparency import overview, units
from app.units.models import AdminUnit

TOP_DONORS = 10


class ReportError(DomainError):
    """A report that cannot be produced; the message is Vietnamese."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


def period_for(kind: ReportKind, year: int, half: int = 1) -> Period:
    if not 2000 <= year <= 2100:
        raise ReportError(N_("Năm: không hợp lệ."))
    if kind == ReportKind.YEAR:
        return Period(date(year, 1, 1), date(year, 12, 31), f"Tổng kết năm {year}")
    if half not in (1, 2):
        raise ReportError(N_("Kỳ sơ kết: chọn 6 tháng đầu năm hoặc 6 tháng cuối năm."))
    if half == 1:
        return Period(date(year, 1, 1), date(year, 6, 30), f"Sơ kết 6 tháng đầu năm {year}")
    return Period(date(year, 7, 1), date(year, 12, 31), f"Sơ kết 6 tháng cuối năm {year}")


def _on_hand(t: Totals) -> int:
    """Money the area holds, not yet paid out: unallocated plus allocated-but-not-disbursed (money passed to it by
    another area counts where it is, so the difference shows as the transfers line)."""
    return t.unallocated_vnd + t.allocated_vnd - t.disbursed_vnd


def previous_period(kind: ReportKind, period: Period) -> Period:
    if kind == ReportKind.YEAR:
        return period_for(kind, period.start.year - 1)
    if period.start.month == 7:
        return period_for(kind, period.start.year, 1)
    return period_for(kind, period.start.year - 1, 2)


def _core(
    session: Session,
    fund_id: int,
    ids: list[int | None] | None,
    period: Period,
    *,
    after: Totals | None = None,
    before: Totals | None = None,
    paid: list | None = None,
) -> dict:
    """The figures compared between periods: received, paid out, households helped, houses built and repaired
    (what the caller has already computed for the period is passed in, not queried again)."""
    before = before or overview.figures_at(session, fund_id, ids, period.start - timedelta(days=1))
    after = after or overview.figures_at(session, fund_id, ids, period.end)
    paid = paid if paid is not None else extra.disbursements(session, ids, period.start, period.end)
    helped = [p for p in paid if p[5] > 0]
    return {
        "label": period.label,
        "receipts_vnd": after.received_vnd - before.received_vnd,
        "disbursed_vnd": after.disbursed_vnd - before.disbursed_vnd,
        "households": len(helped),
        "houses_built": sum(1 for p in helped if p[2] == "new_house"),
        "houses_repaired": sum(1 for p in helped if p[2] == "repair"),
    }


def _target(session: Session, campaign: Campaign, unit: AdminUnit | None) -> int:
    """The area's target for the campaign: its goal (CampaignGoal), or the campaign's own goal for its scope."""
    if unit is not None:
        goal = session.execute(
            select(CampaignGoal.goal_vnd).where(
                CampaignGoal.campaign_id == campaign.id, CampaignGoal.unit_id == unit.id
            )
        ).scalar_one_or_none()
        if goal is not None:
            return int(goal)
    return int(campaign.goal_vnd or 0) if campaign.scope_unit_id == (unit.id if unit else None) else 0


def transfers_net(
    session: Session, fund_id: int, ids: list[int | None] | None, until: date, since: date | None = None
) -> int:
    """Money moved into the area by transfers between levels, less money moved out (and their reversals), on
    days up to `until` (from `since`): the report's "Điều chuyển" line, from the ledger's TRANSFER postings.
    A national scope nets to zero."""
    transfer_ids = select(LedgerTransaction.id).where(LedgerTransaction.kind == TransactionKind.TRANSFER)
    q = (
        select(func.sum(LedgerPosting.amount_vnd))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerAccount.fund_id == fund_id,
            LedgerAccount.kind == AccountKind.UNALLOCATED,
            (LedgerTransaction.kind == TransactionKind.TRANSFER)
            | LedgerTransaction.reverses_id.in_(transfer_ids),
            LedgerTransaction.occurred_on <= until,
        )
    )
    if since is not None:
        q = q.where(LedgerTransaction.occurred_on >= since)
    if ids is not None:
        clean = [i for i in ids if i is not None]
        clause = LedgerAccount.unit_id.in_(clean)
        q = q.where(clause | LedgerAccount.unit_id.is_(None) if None in ids else clause)
    return int(session.execute(q).scalar() or 0)


def build_figures(
    session: Session, campaign: Campaign, unit: AdminUnit | None, kind: ReportKind, period: Period
) -> dict:
    """All the report's figures as a JSON-serialisable dict (stored on the job, rendered to HTML, XLSX, PDF)."""
    ids = units.scope_unit_ids(session, unit)
    fund = campaign.fund_id
    # The ledger's postings are read twice, summed per account: up to the day before the period, and in it; the
    # balances before and after, the money by purpose and by area all come from these sums (overview's rules).
    opening_sums = extra.account_sums(session, fund, ids, None, period.start - timedelta(days=1))
    period_sums = extra.account_sums(session, fund, ids, period.start, period.end)
    closing_sums = extra.combined(opening_sums, period_sums)
    before = overview.totals_from_kinds(extra.by_kind(opening_sums))
    after = overview.totals_from_kinds(extra.by_kind(closing_sums))
    receipts = after.received_vnd - before.received_vnd
    in_kind = after.in_kind_vnd - before.in_kind_vnd
    allocated = extra.by_purpose(period_sums, [AccountKind.ALLOCATED, AccountKind.DISBURSED])
    disbursed = extra.by_purpose(period_sums, [AccountKind.DISBURSED])
    purposes = [
        {
            "purpose": p.value,
            "label": PURPOSE_LABELS[p],
            "allocated_vnd": allocated.get(p.value, 0),
            "disbursed_vnd": disbursed.get(p.value, 0),
        }
        for p in Purpose
        if allocated.get(p.value) or disbursed.get(p.value)
    ]
    # money on hand is read from the area's own accounts, so it already holds what transfers between levels brought
    # in or took out; the report balances: opening + receipts − disbursed + transfers = closing
    transfers = transfers_net(session, fund, ids, period.end, period.start)
    opening, closing = _on_hand(before), _on_hand(after)
    disbursed_total = sum(disbursed.values())

    base = [
        Contribution.campaign_id == campaign.id,
        Contribution.status == ContributionStatus.RECORDED,
        Contribution.received_on >= period.start,
        Contribution.received_on <= period.end,
    ]
    if ids is not None:
        base.append(Contribution.pool_unit_id.in_([i for i in ids if i is not None]))
    by_channel = {
        str(ch): (n, int(s or 0))
        for ch, n, s in session.execute(
            select(Contribution.channel, func.count(), func.sum(Contribution.amount_vnd))
            .where(*base)
            .group_by(Contribution.channel)
        )
    }
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for dk, ch, n, s in session.execute(
        select(Contribution.donor_kind, Contribution.channel, func.count(), func.sum(Contribution.amount_vnd))
        .where(*base)
        .group_by(Contribution.donor_kind, Contribution.channel)
    ):
        if ch != Channel.IN_KIND:
            by_kind[str(dk)][0] += n
            by_kind[str(dk)][1] += int(s or 0)
    top = session.execute(
        select(Contribution.public_name, func.count(), func.sum(Contribution.amount_vnd).label("total"))
        .where(*base, Contribution.is_anonymous.is_(False), Contribution.channel != Channel.IN_KIND)
        .group_by(Contribution.public_name)
        .order_by(func.sum(Contribution.amount_vnd).desc(), vi_collate(Contribution.public_name))
        .limit(TOP_DONORS)
    ).all()
    overall = overview.figures_at(session, fund, ids)
    paid = extra.disbursements(session, ids, period.start, period.end)
    goals = {
        g.unit_id: int(g.goal_vnd)
        for g in session.execute(
            select(CampaignGoal).where(CampaignGoal.campaign_id == campaign.id)
        ).scalars()
    }
    moves = extra.transfers(session, fund, ids, period.start, period.end)
    target = _target(session, campaign, unit)
    carried = (
        yearend.opening_balances(session, fund, period.start.year, ids) if period.start.month == 1 else {}
    )
    current = _core(session, fund, ids, period, before=before, after=after, paid=paid)
    previous = _core(session, fund, ids, previous_period(kind, period), after=before)
    return {
        "title": period.label,
        "kind": kind.value,
        "campaign": campaign.name,
        "unit": unit.full_name if unit else "Toàn quốc",
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "opening_balance_vnd": opening,
        "receipts_vnd": receipts,
        "in_kind_vnd": in_kind,
        "receipts_by_channel": [
            {
                "channel": ch.value,
                "label": CHANNEL_LABELS[ch],
                "count": by_channel[ch.value][0],
                "amount_vnd": by_channel[ch.value][1],
            }
            for ch in Channel
            if ch.value in by_channel
        ],
        "receipts_by_donor_kind": [
            {
                "kind": k.value,
                "label": DONOR_KIND_LABELS[k],
                "count": by_kind[k.value][0],
                "amount_vnd": by_kind[k.value][1],
            }
            for k in DonorKind
            if k.value in by_kind
        ],
        "allocations_by_purpose": purposes,
        "allocated_vnd": sum(allocated.values()),
        "disbursed_vnd": disbursed_total,
        # Money moved between areas (e.g. a province passing money to a commune) balances the books of one area.
        "transfers_net_vnd": transfers,
        "closing_balance_vnd": closing,
        "cumulative": {
            "received_vnd": after.received_vnd,
            "allocated_vnd": after.allocated_vnd,
            "disbursed_vnd": after.disbursed_vnd,
            "unallocated_vnd": after.unallocated_vnd,
            "in_kind_vnd": after.in_kind_vnd,
        },
        "current": {
            "received_vnd": overall.received_vnd,
            "allocated_vnd": overall.allocated_vnd,
            "disbursed_vnd": overall.disbursed_vnd,
        },
        "houses": overview.houses(session, ids, campaign.id),
        "top_donors": [{"name": name, "count": n, "amount_vnd": int(total)} for name, n, total in top],
        "by_area": extra.by_area(session, unit, period_sums, closing_sums, paid, goals),
        "programmes": extra.programmes(paid, disbursed_total),
        "households": extra.households(paid),
        "transfers": moves,
        "transfers_in_vnd": sum(t["amount_vnd"] for t in moves if t["direction"] == "in"),
        "transfers_out_vnd": sum(t["amount_vnd"] for t in moves if t["direction"] == "out"),
        "transfers_within_vnd": sum(t["amount_vnd"] for t in moves if t["direction"] == "within"),
        # The balance carried into this year when the previous year was closed (app.ledger.yearend), else None.
        "opening_carried_vnd": (
            carried.get(AccountKind.UNALLOCATED.value, 0) + carried.get(AccountKind.ALLOCATED.value, 0)
            if carried
            else None
        ),
        "target": {
            "goal_vnd": target,
            "receipts_vnd": receipts,
            "percent": overview.percent_of(receipts, target) if target else None,
        },
        "comparison": {"current": current, "previous": previous},
        "outcomes": outcomes.figures(session, unit, ids, period.end.year),
    }


def document(details: dict, unit: AdminUnit | None, kind: ReportKind, period: Period) -> dict:
    """The document's heading and closing as the Front files its reports (the administrative layout: issuing body
    and number on the left, motto and place and date on the right; recipients bottom left, signer bottom right)."""
    from app.core.i18n import today_vn

    issued = details.get("issued_on") or today_vn().isoformat()
    if unit is None:
        body = ["ỦY BAN TRUNG ƯƠNG", "MẶT TRẬN TỔ QUỐC VIỆT NAM"]
        place = "Hà Nội"
        above = ["Đoàn Chủ tịch UBTW MTTQ Việt Nam (để báo cáo);"]
    else:
        province = unit if unit.parent is None else unit.parent
        body = ["ỦY BAN MTTQ VIỆT NAM", unit.name.upper()]
        place = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        above = (
            [
                "Ban Thường trực UBTW MTTQ Việt Nam (để báo cáo);",
                "Thường trực Tỉnh ủy, HĐND, UBND tỉnh (để báo cáo);",
            ]
            if unit.parent is None
            else [
                "Ban Thường trực UBMTTQ Việt Nam tỉnh (để báo cáo);",
                "Đảng ủy, HĐND, UBND xã (để báo cáo);",
            ]
        )
    recipients = details.get("recipients") or [*above, "Các thành viên Ban Vận động;", "Lưu: VT."]
    return {
        "body": [*body, "BAN VẬN ĐỘNG QUỸ “VÌ NGƯỜI NGHÈO”"],
        "motto": "MẶT TRẬN TỔ QUỐC VIỆT NAM",
        "number": details.get("number") or "…/BC-BVĐ",
        "place": details.get("place") or place,
        "issued_on": issued,
        "title": "BÁO CÁO",
        "subtitle": (
            f"Kết quả vận động, quản lý và sử dụng Quỹ “Vì người nghèo” – {period.label.lower()}"
            if kind == ReportKind.YEAR
            else f"Sơ kết công tác vận động, quản lý và sử dụng Quỹ “Vì người nghèo” – {period.label[8:]}"
        ),
        "recipients": recipients,
        "signer_title": details.get("signer_title") or "TM. BAN VẬN ĐỘNG\nTRƯỞNG BAN",
        "signer_name": details.get("signer_name") or "",
    }


def create_job(
    session: Session,
    actor: Actor,
    *,
    campaign: Campaign,
    unit: AdminUnit | None,
    kind: ReportKind,
    year: int,
    half: int = 1,
    details: dict | None = None,
) -> ReportJob:
    """Queue a report (the caller commits, then sends the task). `details`: the document's number, place, date
    (ISO), recipients (a list of lines), signer's title and name — what is left out is filled in by document()."""

    period = period_for(kind, year, half)
    job = ReportJob(
        kind=kind,
        campaign_id=campaign.id,
        unit_id=unit.id if unit else None,
        period_start=period.start,
        period_end=period.end,
        created_by_id=actor.user_id,
        details={k: v for k, v in (details or {}).items() if v},
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "report.create",
        "report_job",
        job.id,
        new={
            "kind": kind.value,
            "campaign_id": campaign.id,
            "period": [period.start.isoformat(), period.end.isoformat()],
        },
        unit_id=job.unit_id,
    )
    return job


def run_job(session: Session, job_id: int, checkpoint: Callable[[], None] | None = None) -> ReportJob:
    """Compute, then render. `checkpoint` (the task passes app.core.transaction.checkpoint) is called after each
    step, so the progress bar moves, and after a failure is marked; a service never commits by itself."""
    checkpoint = checkpoint or (lambda: None)
    from app.reports.models import ReportJob

    job = session.get(ReportJob, job_id)
    if job is None:
        raise ReportError(N_("Không tìm thấy báo cáo."))
    try:
        job.status, job.progress = ReportStatus.RUNNING, 5
        checkpoint()
        half = 1 if job.period_start.month == 1 else 2
        period = period_for(job.kind, job.period_start.year, half)
        job.figures = build_figures(session, job.campaign, job.unit, job.kind, period)
        job.figures["document"] = document(job.details or {}, job.unit, job.kind, period)
        job.progress = 40
        checkpoint()
        job.xlsx = to_xlsx(job.figures)
        job.progress = 70
        checkpoint()
        job.pdf = to_pdf(job.figures)
        job.status, job.progress, job.finished_at = ReportStatus.DONE, 100, utcnow()
        checkpoint()
    except Exception as exc:
        session.rollback()  # the failed step; the mark below is kept
        job = session.get_one(ReportJob, job_id)
        job.status, job.error = ReportStatus.FAILED, f"Không lập được báo cáo: {exc}"
        checkpoint()
        raise
    return job
