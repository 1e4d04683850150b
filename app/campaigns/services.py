"""Creating and activating campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import Campaign, CampaignGoal, CampaignStatus
from app.core.actor import Actor
from app.core.messages import N_
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.units.models import AdminUnit


class CampaignError(DomainError):
    """A refused campaign action; the message is Vietnamese."""


def default_dates(year: int) -> tuple[date, date]:
    """The peak month "Tháng cao điểm Vì người nghèo": 17/10 – 18/11."""
    return date(year, 10, 17), date(year, 11, 18)


def scope_key(scope_unit_id: int | None) -> str:
    return f"unit:{scope_unit_id}" if scope_unit_id else "national"


def create_campaign(
    session: Session,
    actor: Actor,
    *,
    year: int,
    name: str,
    fund_id: int,
    scope_unit_id: int | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    goal_vnd: int = 0,
    settings: dict[str, Any] | None = None,
    slug: str | None = None,
    plan_reference: str = "",
    description: str = "",
) -> Campaign:
    d_start, d_end = default_dates(year)
    starts_on = starts_on or d_start
    ends_on = ends_on or d_end
    if ends_on < starts_on:
        raise CampaignError(N_("Ngày kết thúc phải sau ngày bắt đầu."), field="ends_on")
    if goal_vnd < 0:
        raise CampaignError(N_("Mục tiêu không được âm."), field="goal")
    clean_name = nfc(name) or ""
    if not clean_name:
        raise CampaignError(N_("Tên cuộc vận động: chưa nhập."), field="name")
    slug = slug or f"{year}-" + "-".join(fold(clean_name).split())[:60]
    if session.execute(select(Campaign.id).where(Campaign.slug == slug)).first():
        raise CampaignError(N_("Đã có cuộc vận động với tên này trong năm."), field="name")
    campaign = Campaign(
        year=year,
        name=clean_name,
        fund_id=fund_id,
        scope_unit_id=scope_unit_id,
        starts_on=starts_on,
        ends_on=ends_on,
        goal_vnd=goal_vnd,
        settings=settings or {},
        slug=slug,
        plan_reference=plan_reference or "",
        description=description or "",
    )
    session.add(campaign)
    session.flush()
    record(
        session,
        actor,
        "campaign.create",
        "campaign",
        campaign.id,
        new={"name": clean_name, "year": year, "goal_vnd": goal_vnd},
        unit_id=scope_unit_id,
    )
    return campaign


def set_status(session: Session, actor: Actor, campaign: Campaign, status: CampaignStatus) -> None:
    """Move a campaign through draft -> active -> closed; one active campaign per scope."""
    allowed = {
        CampaignStatus.DRAFT: {CampaignStatus.ACTIVE},
        CampaignStatus.ACTIVE: {CampaignStatus.CLOSED},
        CampaignStatus.CLOSED: set(),
    }
    if status not in allowed[campaign.status]:
        raise CampaignError(
            N_(
                "Không thể chuyển cuộc vận động từ “%(status)s” sang trạng thái này.",
                status=campaign.status_label,
            )
        )
    if status == CampaignStatus.ACTIVE:
        other = session.execute(
            select(Campaign).where(Campaign.active_scope_key == scope_key(campaign.scope_unit_id))
        ).scalar_one_or_none()
        if other is not None:
            raise CampaignError(
                N_("Địa bàn này đang có cuộc vận động “%(name)s”; hãy kết thúc nó trước.", name=other.name)
            )
    old = campaign.status
    campaign.status = status
    campaign.active_scope_key = scope_key(campaign.scope_unit_id) if status == CampaignStatus.ACTIVE else None
    session.flush()
    record(
        session,
        actor,
        "campaign.status",
        "campaign",
        campaign.id,
        old={"status": old},
        new={"status": status},
        unit_id=campaign.scope_unit_id,
    )


def set_goal(session: Session, actor: Actor, campaign: Campaign, unit_id: int, goal_vnd: int) -> CampaignGoal:
    if goal_vnd < 0:
        raise CampaignError(N_("Mục tiêu không được âm."), field="goal")
    goal = session.execute(
        select(CampaignGoal).where(CampaignGoal.campaign_id == campaign.id, CampaignGoal.unit_id == unit_id)
    ).scalar_one_or_none()
    old = goal.goal_vnd if goal else None
    if goal is None:
        goal = CampaignGoal(campaign_id=campaign.id, unit_id=unit_id, goal_vnd=goal_vnd)
        session.add(goal)
    else:
        goal.goal_vnd = goal_vnd
    session.flush()
    record(
        session,
        actor,
        "campaign.goal",
        "campaign",
        campaign.id,
        old={"unit_id": unit_id, "goal_vnd": old},
        new={"unit_id": unit_id, "goal_vnd": goal_vnd},
        unit_id=unit_id,
    )
    return goal


def active_campaign(session: Session, scope_unit_id: int | None = None) -> Campaign | None:
    """The active campaign for a unit: its own, else its province's, else the national one."""

    unit = session.get(AdminUnit, scope_unit_id) if scope_unit_id else None
    keys = []
    while unit is not None:
        keys.append(scope_key(unit.id))
        unit = unit.parent
    keys.append("national")
    found = {
        c.active_scope_key: c
        for c in session.execute(select(Campaign).where(Campaign.active_scope_key.in_(keys))).scalars()
    }
    for k in keys:
        if k in found:
            return found[k]
    return None
