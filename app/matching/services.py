"""Matching workflow: run the engine over a scope, edit, submit, approve (a second person), revoke.

A proposal freezes what it was computed from: each line keeps a snapshot of its need (and the need's
`version`), the proposal keeps the pool balances. Approval re-reads both under row locks and refuses when
anything moved; then it posts one ledger allocation per included line and records the need's funding, all in
the caller's single database transaction (the caller commits, or rolls back on MatchingError).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.access import can_access_unit_id
from app.accounts.models import Role, User
from app.audit.services import record
from app.campaigns.models import Campaign
from app.contributions.reversal import withdraw_allocation
from app.contributions.services import ContributionError
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.messages import N_, joined, restored, stored
from app.core.money import format_vnd
from app.core.text import nfc
from app.core.transaction import DomainError
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, Purpose
from app.matching import engine
from app.matching.models import MatchingProposal, ProposalLine, ProposalStatus
from app.needs import funding as needs_funding
from app.needs import limits, registry, review, scoring
from app.needs.models import MATCHABLE_STATUSES, HouseholdNeed
from app.needs.priority import rules_for_campaign, score_need
from app.units.models import AdminUnit, UnitLevel

PREPARER_ROLES = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)
APPROVER_ROLES = (Role.APPROVER, Role.CENTRAL_ADMIN)
OPEN = (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)

DRAW_WHY = {
    0: N_("tiền ủng hộ riêng cho xã này, đúng mục đích"),
    1: N_("tiền ủng hộ riêng cho xã này, không chỉ định mục đích"),
    2: N_("tiền của tỉnh chỉ định đúng mục đích"),
    3: N_("tiền của tỉnh không chỉ định mục đích"),
    4: N_("tiền của Trung ương chỉ định đúng mục đích"),
    5: N_("tiền của Trung ương không chỉ định mục đích"),
}


class MatchingError(DomainError):
    """A refused matching operation; the message is Vietnamese."""


def _today() -> date:
    return utcnow().astimezone(VN_TZ).date()


# ------------------------------------------------------------------------------------------ inputs
def scope_units(session: Session, scope_unit_id: int | None) -> tuple[AdminUnit | None, list[int]]:
    """The scope unit and the communes it covers (None: the whole country)."""
    if scope_unit_id is None:
        return None, list(
            session.execute(select(AdminUnit.id).where(AdminUnit.level == UnitLevel.COMMUNE)).scalars()
        )
    unit = session.get(AdminUnit, scope_unit_id)
    if unit is None:
        raise MatchingError(N_("Không tìm thấy địa bàn."))
    if unit.level == UnitLevel.PROVINCE:
        return unit, list(
            session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)).scalars()
        )
    if unit.level == UnitLevel.COMMUNE:
        return unit, [unit.id]
    raise MatchingError(N_("Chỉ lập đề xuất cho một tỉnh hoặc một xã."))


def _pool_label(unit: AdminUnit | None, purpose: str) -> str:
    """E.g. "Quỹ xã Khánh Sơn – nhà ở", "Quỹ tỉnh Khánh Hòa – không chỉ định", "Quỹ Trung ương – y tế": a `N_`
    message, kept with the proposal as msgid + values (app.core.messages.stored) and shown with `|message`."""
    what = engine.PURPOSE_NAMES.get(purpose, purpose)
    if unit is None:
        return N_("Quỹ Trung ương – %(purpose)s", purpose=what)
    name = unit.name
    if name[:1].isupper() and " " in name:
        name = name[0].lower() + name[1:]  # "Xã Khánh Sơn" -> "xã Khánh Sơn"
    return N_("Quỹ %(unit)s – %(purpose)s", unit=name, purpose=what)


def scope_pools(session: Session, fund_id: int, scope_unit_id: int | None) -> list[engine.Pool]:
    """Unallocated money the scope may spend: its own pools and those of its communes (and, for a national
    scope, the national pools)."""
    scope, communes = scope_units(session, scope_unit_id)
    allowed: set[int | None]
    if scope is None:
        allowed = (
            set(communes)
            | set(
                session.execute(select(AdminUnit.id).where(AdminUnit.level == UnitLevel.PROVINCE)).scalars()
            )
            | {None}
        )
    else:
        allowed = {*communes, scope.id}
    accounts = [a for a in ledger.pool_balances(session, fund_id) if a.unit_id in allowed]
    units = {
        u.id: u
        for u in session.execute(
            select(AdminUnit).where(AdminUnit.id.in_({a.unit_id for a in accounts if a.unit_id}))
        ).scalars()
    }
    pools = []
    for a in accounts:
        unit = units.get(a.unit_id) if a.unit_id else None
        level = (
            "national" if unit is None else ("province" if unit.level == UnitLevel.PROVINCE else "commune")
        )
        pools.append(
            engine.Pool(
                unit_id=a.unit_id,
                level=level,
                purpose=a.purpose.value,
                balance_vnd=int(a.balance_vnd),
                label=_pool_label(unit, a.purpose.value),
            )
        )
    return pools


def need_snapshot(
    need: HouseholdNeed,
    score: int,
    reasons: list[tuple[str, str, int]],
    province_id: int,
    commune_name: str,
    limit: limits.Limit | None = None,
) -> dict:
    """The need as the proposal freezes it; what remains to fund is held to the program's support limit unless
    the need carries an override reason (app.needs.limits)."""
    return {
        "id": need.id,
        "version": need.version,
        "head_name": need.head_name,
        "head_initials": need.head_initials,
        "commune_id": need.commune_id,
        "commune_name": commune_name,
        "province_id": province_id,
        "hamlet": need.hamlet.name if need.hamlet else "",
        "purpose": need.purpose.value,
        "need_kind": need.need_kind.value,
        "kind_label": need.kind_label,
        "poverty_status": need.poverty_status.value,
        "poverty_label": need.poverty_label,
        "estimated_cost_vnd": need.estimated_cost_vnd,
        "secured_vnd": need.secured_vnd,
        "requested_vnd": need.requested_vnd,
        "funded_vnd": need.funded_vnd,
        "remaining_vnd": max(limits.cap(need, limit) - need.funded_vnd, 0),
        "limit_vnd": limit.max_vnd if limit else None,
        "limit_override_reason": need.limit_override_reason,
        "score": score,
        "criteria": [[code, label, weight] for code, label, weight in reasons],
        "poor_district": any(code == "poor_district" for code, _, _ in reasons),
    }


def scope_needs(session: Session, campaign: Campaign, scope_unit_id: int | None) -> list[dict]:
    """Approved needs of the campaign in the scope still waiting for money, scored, as snapshots."""
    _, communes = scope_units(session, scope_unit_id)
    if not communes:
        return []
    rows = list(
        session.execute(
            select(HouseholdNeed)
            .where(
                HouseholdNeed.campaign_id == campaign.id,
                HouseholdNeed.status.in_(MATCHABLE_STATUSES),
                HouseholdNeed.requested_vnd > HouseholdNeed.funded_vnd,
                HouseholdNeed.commune_id.in_(communes),
            )
            .options(selectinload(HouseholdNeed.hamlet))
            .order_by(HouseholdNeed.id)
        ).scalars()
    )
    if not rows:
        return []
    ids = {n.commune_id for n in rows}
    units = {u.id: u for u in session.execute(select(AdminUnit).where(AdminUnit.id.in_(ids))).scalars()}
    designations = scoring.designations_by_area(
        session, {(n.commune_id, n.legacy_commune_id) for n in rows}, on=scoring.scoring_date(campaign)
    )
    rules = rules_for_campaign(session, campaign.id)
    cache: dict = {}
    out = []
    for n in rows:
        score, reasons = score_need(n, designations.get((n.commune_id, n.legacy_commune_id), []), rules)
        unit = units[n.commune_id]
        limit = limits.limit_for(session, n.need_kind, unit.parent_id, campaign.starts_on, cache=cache)
        snap = need_snapshot(n, score, reasons, unit.parent_id or 0, unit.name, limit)
        if snap["remaining_vnd"] > 0:  # at its support limit already
            out.append(snap)
    return out


def _engine_need(s: dict) -> engine.Need:
    return engine.Need(
        id=s["id"],
        commune_id=s["commune_id"],
        province_id=s["province_id"],
        purpose=s["purpose"],
        requested_vnd=s["remaining_vnd"],
        secured_vnd=s["secured_vnd"] + s["funded_vnd"],
        score=float(s["score"]),
        poor_district=bool(s["poor_district"]),
    )


def _pools_from_snapshot(snapshot: list[dict]) -> list[engine.Pool]:
    return [
        engine.Pool(
            unit_id=p["unit_id"],
            level=p["level"],
            purpose=p["purpose"],
            balance_vnd=p["balance_vnd"],
            label=restored(p["label"]),
        )
        for p in snapshot
    ]


def _draws_json(draws: list[tuple[tuple[int | None, str], int]], pools: dict) -> list[dict]:
    out = []
    for key, amount in sorted(draws, key=lambda d: pools[d[0]].rank):
        p = pools[key]
        out.append(
            {
                "pool_unit_id": key[0],
                "purpose": key[1],
                "amount_vnd": int(amount),
                "label": stored(p.display()),
                "level": p.level,
                "why": DRAW_WHY[p.rank],
            }
        )
    return out


def _explain(line: ProposalLine, unfunded_reason: str = "") -> dict:
    s = line.snapshot
    criteria = [{"label": label, "weight": weight} for _, label, weight in s.get("criteria", [])]
    exp = {
        "score": s.get("score", 0),
        "criteria": criteria,
        "weight": round(line.weight, 3),
        "poor_district": s.get("poor_district", False),
    }
    if line.included:
        # the Vietnamese record of the draws (kept with the line, not shown: the page lists `draws`)
        exp["summary"] = "; ".join(
            f"{restored(d['label'])}: {format_vnd(d['amount_vnd'])}" for d in line.draws
        )
        exp["draws"] = [
            {"label": d["label"], "amount_vnd": d["amount_vnd"], "why": d["why"]} for d in line.draws
        ]
        if s.get("secured_vnd") or s.get("funded_vnd"):
            exp["completes"] = stored(
                N_(
                    "Cùng %(secured)s đã có từ nguồn khác, đủ %(cost)s dự toán.",
                    secured=format_vnd(s["secured_vnd"] + s["funded_vnd"]),
                    cost=format_vnd(s["estimated_cost_vnd"]),
                )
            )
    else:
        exp["reason"] = stored(unfunded_reason or N_("Cán bộ đã loại khỏi đề xuất."))
    return exp


def _fill_lines(
    proposal: MatchingProposal, snapshots: list[dict], result: engine.Result, pools: list[engine.Pool]
) -> None:
    by_key = {p.key: p for p in pools}
    funded = {a.need_id: a for a in result.allocations}
    reasons = {u.need_id: u.reason for u in result.unfunded}
    order = [a.need_id for a in result.allocations] + [u.need_id for u in result.unfunded]
    snap = {s["id"]: s for s in snapshots}
    for rank, nid in enumerate(order, 1):
        s = snap[nid]
        a = funded.get(nid)
        line = ProposalLine(
            need_id=nid,
            need_version=s["version"],
            commune_id=s["commune_id"],
            snapshot=s,
            rank=rank,
            score=int(s["score"]),
            weight=float(result.weights.get(nid, 0.0)),
            included=a is not None,
            amount_vnd=a.amount_vnd if a else 0,
            draws=_draws_json(a.draws, by_key) if a else [],
        )
        line.explanation = _explain(line, reasons.get(nid, ""))
        line.explanation["rank"] = rank
        proposal.lines.append(line)
    proposal.total_vnd = result.total_vnd
    proposal.total_priority = float(result.objective)


# ------------------------------------------------------------------------------------------ access
def _check_area(session: Session, user: User, proposal: MatchingProposal) -> None:
    if not can_access_unit_id(session, user, proposal.scope_unit_id):
        raise MatchingError(N_("Không tìm thấy đề xuất."))


def get_proposal(session: Session, user: User, proposal_id: int, *, lock: bool = False) -> MatchingProposal:
    q = select(MatchingProposal).where(MatchingProposal.id == proposal_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    p = session.execute(q).scalar_one_or_none()
    if p is None:
        raise MatchingError(N_("Không tìm thấy đề xuất."))
    _check_area(session, user, p)
    return p


# ------------------------------------------------------------------------------------------ run / edit
def run_proposal(
    session: Session,
    actor: Actor,
    user: User,
    campaign: Campaign,
    scope_unit_id: int | None,
    config: engine.Config | None = None,
) -> MatchingProposal:
    """Compute a draft proposal for the scope; older open proposals of the same scope are superseded."""
    if user.role not in PREPARER_ROLES:
        raise MatchingError(N_("Bạn không có quyền lập đề xuất phân bổ."))
    if not can_access_unit_id(session, user, scope_unit_id):
        raise MatchingError(N_("Không tìm thấy địa bàn."))
    if user.role == Role.COMMUNE_STAFF:
        scope = session.get(AdminUnit, scope_unit_id) if scope_unit_id else None
        if scope is None or scope.level != UnitLevel.COMMUNE:
            raise MatchingError(N_("Cán bộ xã chỉ lập đề xuất cho quỹ của xã mình."))
    config = config or engine.Config()
    pools = scope_pools(session, campaign.fund_id, scope_unit_id)
    snapshots = scope_needs(session, campaign, scope_unit_id)
    result = engine.propose(pools, [_engine_need(s) for s in snapshots], config)
    for old in session.execute(
        select(MatchingProposal).where(
            MatchingProposal.campaign_id == campaign.id,
            MatchingProposal.scope_unit_id == scope_unit_id
            if scope_unit_id is not None
            else MatchingProposal.scope_unit_id.is_(None),
            MatchingProposal.status.in_(OPEN),
        )
    ).scalars():
        old.status = ProposalStatus.SUPERSEDED
        old.decided_at = utcnow()
    proposal = MatchingProposal(
        campaign_id=campaign.id,
        fund_id=campaign.fund_id,
        scope_unit_id=scope_unit_id,
        status=ProposalStatus.DRAFT,
        method=result.method,
        prepared_by_id=user.id,
        pool_snapshot=[
            {
                "unit_id": p.unit_id,
                "level": p.level,
                "purpose": p.purpose,
                "balance_vnd": p.balance_vnd,
                "label": stored(p.display()),
            }
            for p in pools
        ],
        config={"poor_district_factor": config.poor_district_factor, "fairness_decay": config.fairness_decay},
        solve_seconds=round(result.seconds, 3),
    )
    _fill_lines(proposal, snapshots, result, pools)
    session.add(proposal)
    session.flush()
    review.log(session, review.PROPOSAL, proposal.id, "create", user.id)
    record(
        session,
        actor,
        "matching.run",
        "matching_proposal",
        proposal.id,
        new={
            "scope_unit_id": scope_unit_id,
            "method": result.method,
            "lines": len(proposal.lines),
            "funded": len(result.allocations),
            "total_vnd": proposal.total_vnd,
        },
        unit_id=scope_unit_id,
    )
    return proposal


def set_included(
    session: Session, actor: Actor, user: User, proposal_id: int, line_ids: set[int], included: bool
) -> MatchingProposal:
    """Staff edit: include or exclude lines; the engine recomputes which pools pay for the edited set and
    refuses a set the eligible pools cannot pay. Editing a submitted proposal sends it back to draft (to be
    submitted again); the edit is recorded with its author and the change (app.needs.review)."""
    proposal = get_proposal(session, user, proposal_id, lock=True)
    if proposal.status not in OPEN:
        raise MatchingError(N_("Chỉ sửa được đề xuất ở trạng thái bản nháp hoặc chờ phê duyệt."))
    old_total = proposal.total_vnd
    if proposal.prepared_by_id != user.id and user.role != Role.CENTRAL_ADMIN:
        raise MatchingError(N_("Chỉ người lập đề xuất được sửa đề xuất."))
    lines = {ln.id: ln for ln in proposal.lines}
    unknown = line_ids - set(lines)
    if unknown or not line_ids:
        raise MatchingError(N_("Dòng đề xuất không hợp lệ."))
    wanted = {ln.need_id for ln in proposal.lines if ln.included}
    changed = {lines[i].need_id for i in line_ids}
    wanted = wanted | changed if included else wanted - changed
    pools = _pools_from_snapshot(proposal.pool_snapshot)
    needs = [_engine_need(ln.snapshot) for ln in proposal.lines]
    draws = engine.check_feasible(pools, needs, wanted)
    if draws is None:
        names = ", ".join(f"#{lines[i].need_id}" for i in sorted(line_ids))
        raise MatchingError(
            N_(
                "Không thể đưa hộ %(names)s vào đề xuất: các quỹ được phép chi không còn đủ tiền. "
                "Hãy loại bớt hộ khác trước.",
                names=names,
            )
        )
    by_key = {p.key: p for p in pools}
    remaining = {p.key: p.balance_vnd for p in pools}
    for lst in draws.values():
        for key, a in lst:
            remaining[key] -= a
    for ln in proposal.lines:
        was = ln.included
        ln.included = ln.need_id in draws
        ln.draws = _draws_json(draws[ln.need_id], by_key) if ln.included else []
        ln.amount_vnd = sum(d["amount_vnd"] for d in ln.draws)
        reason = ""
        if not ln.included and not was and ln.explanation.get("reason"):
            avail = sum(max(remaining.get(k, 0), 0) for k in engine.eligible_keys(_engine_need(ln.snapshot)))
            reason = engine.Unfunded(ln.need_id, ln.weight, avail, ln.snapshot["remaining_vnd"]).reason
        exp = _explain(ln, reason)
        exp["rank"] = ln.rank
        if ln.need_id in changed:
            exp["edited"] = N_("Cán bộ đưa vào đề xuất.") if included else N_("Cán bộ loại khỏi đề xuất.")
        ln.explanation = exp
    proposal.total_vnd = sum(ln.amount_vnd for ln in proposal.lines)
    proposal.total_priority = float(sum(ln.weight for ln in proposal.lines if ln.included))
    if proposal.status == ProposalStatus.SUBMITTED:
        proposal.status = ProposalStatus.DRAFT
        proposal.submitted_at = None
    what = "đưa vào đề xuất" if included else "loại khỏi đề xuất"
    changes: dict = {
        "lines": [
            [],
            [
                f"#{lines[i].need_id} {lines[i].snapshot.get('head_initials', '')}: {what}"
                for i in sorted(line_ids)
            ],
        ]
    }
    if old_total != proposal.total_vnd:
        changes["total_vnd"] = [format_vnd(old_total), format_vnd(proposal.total_vnd)]
    review.log(session, review.PROPOSAL, proposal.id, "include" if included else "exclude", user.id, changes)
    session.flush()
    record(
        session,
        actor,
        "matching.include" if included else "matching.exclude",
        "matching_proposal",
        proposal.id,
        new={"needs": sorted(changed), "total_vnd": proposal.total_vnd},
        unit_id=proposal.scope_unit_id,
    )
    return proposal


def submit(session: Session, actor: Actor, user: User, proposal_id: int) -> MatchingProposal:
    proposal = get_proposal(session, user, proposal_id, lock=True)
    if proposal.status != ProposalStatus.DRAFT:
        raise MatchingError(N_("Đề xuất này không ở trạng thái bản nháp."))
    if proposal.prepared_by_id != user.id and user.role != Role.CENTRAL_ADMIN:
        raise MatchingError(N_("Chỉ người lập đề xuất được trình duyệt."))
    if not any(ln.included for ln in proposal.lines):
        raise MatchingError(N_("Đề xuất chưa có hộ nào được bố trí kinh phí."))
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = utcnow()
    review.log(session, review.PROPOSAL, proposal.id, "submit", user.id)
    session.flush()
    record(
        session,
        actor,
        "matching.submit",
        "matching_proposal",
        proposal.id,
        new={"total_vnd": proposal.total_vnd},
        unit_id=proposal.scope_unit_id,
    )
    return proposal


def _check_approver(session: Session, user: User, proposal: MatchingProposal) -> None:
    if proposal.prepared_by_id == user.id:
        raise MatchingError(N_("Người lập đề xuất không được tự phê duyệt: cần một người khác phê duyệt."))
    if user.role not in APPROVER_ROLES:
        raise MatchingError(N_("Chỉ người có quyền phê duyệt mới phê duyệt được đề xuất."))
    if review.is_author(session, review.PROPOSAL, proposal.id, user.id):
        raise MatchingError(
            N_("Bạn đã sửa hoặc trình đề xuất này nên không được tự phê duyệt: cần một người khác phê duyệt.")
        )


def stale_reasons(session: Session, proposal: MatchingProposal, *, lock: bool = False) -> list[str]:
    """What changed since the proposal was computed: pool balances it drew on or that belong to its scope,
    and the needs it includes (version or status). With lock=True the rows are locked (in id order)."""
    drawn = {(d["pool_unit_id"], d["purpose"]) for ln in proposal.lines if ln.included for d in ln.draws}
    check = [
        p
        for p in proposal.pool_snapshot
        if (p["unit_id"], p["purpose"]) in drawn or p["level"] != "national" or proposal.scope_unit_id is None
    ]
    problems: list[str] = []
    keys = {
        LedgerAccount.make_key(
            proposal.fund_id, p["unit_id"], AccountKind.UNALLOCATED, Purpose(p["purpose"])
        ): p
        for p in check
    }
    q = select(LedgerAccount).where(LedgerAccount.key.in_(list(keys))).order_by(LedgerAccount.id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    current = {a.key: a.balance_vnd for a in session.execute(q).scalars()}
    for key, p in keys.items():
        now = current.get(key, 0)
        if now != p["balance_vnd"]:
            problems.append(
                N_(
                    "Số dư %(pool)s đã thay đổi từ %(before)s thành %(now)s.",
                    pool=restored(p["label"]),
                    before=format_vnd(p["balance_vnd"]),
                    now=format_vnd(now),
                )
            )
    ids = sorted(ln.need_id for ln in proposal.lines if ln.included)
    nq = select(HouseholdNeed).where(HouseholdNeed.id.in_(ids)).order_by(HouseholdNeed.id)
    if lock:
        nq = nq.with_for_update().execution_options(populate_existing=True)
    needs = {n.id: n for n in session.execute(nq).scalars()}
    for ln in proposal.lines:
        if not ln.included:
            continue
        n = needs.get(ln.need_id)
        if n is None or n.version != ln.need_version:
            problems.append(
                N_(
                    "Hồ sơ hộ #%(id)s (%(name)s) đã được sửa hoặc bố trí kinh phí sau khi lập đề xuất.",
                    id=ln.need_id,
                    name=ln.snapshot.get("head_name", ""),
                )
            )
        elif n.status not in MATCHABLE_STATUSES:
            problems.append(N_("Hồ sơ hộ #%(id)s không còn ở trạng thái chờ bố trí kinh phí.", id=ln.need_id))
    return problems


def _over_limit(session: Session, proposal: MatchingProposal) -> list[str]:
    """Lines that would take a need above the program's support limit in force (without an override reason)."""
    campaign = session.get(Campaign, proposal.campaign_id)
    if campaign is None:
        return []
    cache: dict = {}
    problems = []
    for ln in proposal.lines:
        if not ln.included:
            continue
        need = session.get(HouseholdNeed, ln.need_id)
        if need is None or need.limit_override_reason:
            continue
        limit = limits.limit_for(
            session, need.need_kind, ln.snapshot.get("province_id") or None, campaign.starts_on, cache=cache
        )
        if limit is not None and need.funded_vnd + ln.amount_vnd > limit.max_vnd:
            problems.append(
                N_(
                    "Hộ #%(id)s sẽ được bố trí %(amount)s, vượt mức hỗ trợ tối đa %(max)s (%(program)s).",
                    id=need.id,
                    amount=format_vnd(need.funded_vnd + ln.amount_vnd),
                    max=format_vnd(limit.max_vnd),
                    program=limit.program_name,
                )
            )
    return problems


def approve(session: Session, actor: Actor, user: User, proposal_id: int) -> MatchingProposal:
    """Accept a submitted proposal: post every included allocation to the ledger and record the fundings, in
    the caller's transaction. Refused for the preparer, for a proposal computed against data that has since
    changed, and when a pool no longer holds the money (a concurrent approval won the race)."""
    proposal = get_proposal(session, user, proposal_id, lock=True)
    _check_approver(session, user, proposal)
    if proposal.status != ProposalStatus.SUBMITTED:
        raise MatchingError(
            N_("Không phê duyệt được: đề xuất đang ở trạng thái “%(status)s”.", status=proposal.status_label)
        )
    problems = stale_reasons(session, proposal, lock=True)
    if problems:
        listed = joined(problems[:5])
        if len(problems) > 5:
            listed = N_("%(problems)s (và %(n)s thay đổi khác).", problems=listed, n=len(problems) - 5)
        raise MatchingError(
            N_(
                "Đề xuất đã cũ, không phê duyệt được: %(problems)s Vui lòng chạy lại đề xuất.",
                problems=listed,
            )
        )
    over = _over_limit(session, proposal)
    if over:
        raise MatchingError(
            N_("Không phê duyệt được: %(problems)s Vui lòng chạy lại đề xuất.", problems=joined(over[:5]))
        )
    today = _today()
    try:
        for ln in proposal.lines:
            if not ln.included:
                continue
            purpose = Purpose(ln.snapshot["purpose"])
            draws = [
                ledger.PoolDraw(d["pool_unit_id"], Purpose(d["purpose"]), int(d["amount_vnd"]))
                for d in ln.draws
            ]
            tx = ledger.allocate(
                session,
                actor,
                fund_id=proposal.fund_id,
                target_unit_id=ln.commune_id,
                target_purpose=purpose,
                draws=draws,
                occurred_on=today,
                # the memo in the books: Vietnamese, kept as written (a str; the books are data)
                memo=N_("Đề xuất phân bổ #%(proposal)s, hộ #%(need)s", proposal=proposal.id, need=ln.need_id),
                source_type="matching_line",
                source_id=ln.id,
                idempotency_key=f"matching:{proposal.id}:{ln.id}",
            )
            funding = needs_funding.record_need_funding(
                session, actor, ln.need_id, ln.amount_vnd, draws, proposal.id, tx.id
            )
            ln.ledger_transaction_id = tx.id
            ln.funding_id = funding.id
    except (ledger.LedgerError, registry.NeedError) as exc:
        raise MatchingError(N_("Không phê duyệt được: %(error)s", error=exc)) from exc
    proposal.status = ProposalStatus.APPROVED
    proposal.approved_by_id = user.id
    proposal.decided_at = utcnow()
    review.log(session, review.PROPOSAL, proposal.id, "approve", user.id)
    session.flush()
    record(
        session,
        actor,
        "matching.approve",
        "matching_proposal",
        proposal.id,
        new={"total_vnd": proposal.total_vnd, "lines": sum(1 for ln in proposal.lines if ln.included)},
        unit_id=proposal.scope_unit_id,
    )
    return proposal


def reject(session: Session, actor: Actor, user: User, proposal_id: int, reason: str) -> MatchingProposal:
    proposal = get_proposal(session, user, proposal_id, lock=True)
    _check_approver(session, user, proposal)
    reason = nfc(reason or "").strip()
    if not reason:
        raise MatchingError(N_("Lý do từ chối: chưa nhập."))
    if proposal.status != ProposalStatus.SUBMITTED:
        raise MatchingError(N_("Chỉ từ chối được đề xuất đang chờ phê duyệt."))
    proposal.status = ProposalStatus.REJECTED
    proposal.decision_reason = reason
    proposal.decided_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "matching.reject",
        "matching_proposal",
        proposal.id,
        new={"reason": reason},
        unit_id=proposal.scope_unit_id,
    )
    return proposal


def revoke_line(session: Session, actor: Actor, user: User, line_id: int, reason: str) -> ProposalLine:
    """Undo one approved allocation: a ledger reversal restores the pools, the need's funding is revoked."""
    line = session.execute(
        select(ProposalLine)
        .where(ProposalLine.id == line_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if line is None:
        raise MatchingError(N_("Không tìm thấy dòng đề xuất."))
    proposal = get_proposal(session, user, line.proposal_id)
    if user.role not in APPROVER_ROLES:
        raise MatchingError(N_("Chỉ người có quyền phê duyệt mới thu hồi được khoản phân bổ."))
    reason = nfc(reason or "").strip()
    if not reason:
        raise MatchingError(N_("Lý do thu hồi: chưa nhập."))
    if proposal.status != ProposalStatus.APPROVED or not line.included or line.ledger_transaction_id is None:
        raise MatchingError(N_("Dòng này chưa được phân bổ nên không có gì để thu hồi."))
    if line.revoked_at is not None:
        raise MatchingError(N_("Khoản phân bổ này đã được thu hồi trước đó."))
    try:
        tx = withdraw_allocation(
            session,
            actor,
            line.ledger_transaction_id,
            line.funding_id,
            reason,
            source_type="matching_revoke",
            source_id=line.id,
        )
    except (ledger.LedgerError, registry.NeedError, ContributionError) as exc:
        raise MatchingError(N_("Không thu hồi được: %(error)s", error=exc)) from exc
    line.revoked_at = utcnow()
    line.revoke_reason = reason
    session.flush()
    record(
        session,
        actor,
        "matching.revoke",
        "proposal_line",
        line.id,
        old={"amount_vnd": line.amount_vnd, "need_id": line.need_id},
        new={"reason": reason, "reversal_id": tx.id},
        unit_id=line.commune_id,
    )
    return line


def pool_summary(proposal: MatchingProposal) -> list[dict]:
    """Per pool: balance at computation, what the proposal takes, what is left."""
    used: dict[tuple, int] = defaultdict(int)
    for ln in proposal.lines:
        if ln.included:
            for d in ln.draws:
                used[(d["pool_unit_id"], d["purpose"])] += d["amount_vnd"]
    rows = []
    for p in sorted(
        proposal.pool_snapshot, key=lambda p: (engine.LEVELS.index(p["level"]), str(restored(p["label"])))
    ):
        u = used.get((p["unit_id"], p["purpose"]), 0)
        rows.append(
            {
                "label": restored(p["label"]),
                "balance_vnd": p["balance_vnd"],
                "used_vnd": u,
                "left_vnd": p["balance_vnd"] - u,
            }
        )
    return rows
