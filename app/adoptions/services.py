"""Adopting a commune (đỡ đầu): the commitment (a pledge of one instalment a year, earmarked to the commune, made
by app.pledges.services.insert_pledge) and the commune's progress shown with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.accounts.access import unit_scope_clause
from app.accounts.models import User
from app.adoptions.models import CommuneAdoption
from app.audit.services import record
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import fold, sql_fold
from app.core.transaction import DomainError
from app.donors.models import Donor, DonorKind
from app.ledger.models import Purpose
from app.pledges.models import Pledge, PledgeSchedule, PledgeStatus
from app.pledges.services import (
    MIN_PLEDGE_VND,
    InstalmentInput,
    PledgeInput,
    amount_paid,
    campaign_for,
    insert_pledge,
)
from app.units.models import AdminUnit, UnitLevel

MAX_YEARS = 10
FIRST_DUE_DAYS = 30  # the first year's money is asked for a month after the commitment, like a one-off pledge


class AdoptionError(DomainError):
    """A refused adoption; the message is Vietnamese and names the field."""


def yearly_dates(first: date, years: int) -> list[date]:
    """The first due date, then the same day each following year (29/2 falls back to 28/2)."""
    return [
        date(first.year + k, first.month, min(first.day, 28) if first.month == 2 else first.day)
        for k in range(years)
    ]


def adopt(
    session: Session, actor: Actor, donor: Donor, *, commune_id: int, years: int, yearly_vnd: int
) -> CommuneAdoption:
    """A business commits to a commune for `years` years, `yearly_vnd` a year: a pledge earmarked to the commune
    for housing with one instalment a year (reminders, statuses and QR are the pledge's), and the adoption record
    the commune's public page and the business's dashboard show."""
    if donor.kind not in (DonorKind.BUSINESS, DonorKind.ORGANISATION):
        raise AdoptionError(N_("Chỉ doanh nghiệp, tổ chức nhận đỡ đầu xã."))
    commune = session.get(AdminUnit, commune_id)
    if commune is None or commune.level != UnitLevel.COMMUNE:
        raise AdoptionError(N_("Xã/phường đỡ đầu: chưa chọn hoặc không tồn tại."), field="commune_id")
    if not 1 <= years <= MAX_YEARS:
        raise AdoptionError(N_("Số năm: từ 1 đến %(max_years)s.", max_years=MAX_YEARS), field="years")
    if yearly_vnd < MIN_PLEDGE_VND:
        raise AdoptionError(
            N_("Số tiền mỗi năm: tối thiểu %(amount)s.", amount=format_vnd(MIN_PLEDGE_VND)),
            field="yearly_vnd",
        )
    campaign = campaign_for(session, commune.id)
    if campaign is None:
        raise AdoptionError(N_("Hiện chưa có cuộc vận động nào đang diễn ra."))
    first = today_vn() + timedelta(days=FIRST_DUE_DAYS)
    dates = yearly_dates(first, years)
    data = PledgeInput(
        amount_vnd=years * yearly_vnd,
        purpose=Purpose.HOUSING,
        earmark_unit_id=commune.id,
        schedule=PledgeSchedule.INSTALMENTS if years > 1 else PledgeSchedule.NOW,
        instalments=[InstalmentInput(d, yearly_vnd) for d in dates] if years > 1 else [],
        due_on=first if years == 1 else None,
        contact_email=donor.email,
        note=f"Đỡ đầu {commune.name} {years} năm ({dates[0].year}–{dates[-1].year}).",
    )
    pledge = insert_pledge(session, actor, campaign, donor, data)
    adoption = CommuneAdoption(
        donor_id=donor.id,
        commune_id=commune.id,
        pledge_id=pledge.id,
        start_year=dates[0].year,
        years=years,
        yearly_vnd=yearly_vnd,
        created_by_id=actor.user_id,
    )
    session.add(adoption)
    session.flush()
    record(
        session,
        actor,
        "adoption.create",
        "commune_adoption",
        adoption.id,
        new={
            "donor_id": donor.id,
            "commune_id": commune.id,
            "pledge_id": pledge.id,
            "reference": pledge.reference,
            "years": years,
            "yearly_vnd": yearly_vnd,
            "start_year": adoption.start_year,
        },
        unit_id=commune.id,
    )
    return adoption


@dataclass(frozen=True)
class Progress:
    """The commune's progress, as the adoption shows it: houses of the Fund in the commune (funded, completed or
    handed over), households helped that left the poor list (their latest poverty review, the rule of
    app.reports.outcomes), and the money received on the commitment."""

    houses_funded: int
    houses_completed: int
    households_out: int
    committed_vnd: int
    received_vnd: int


def progress(session: Session, adoption: CommuneAdoption) -> Progress:
    from app.needs.funding import PUBLIC_STATUSES
    from app.needs.models import HouseholdNeed, NeedKind, NeedStatus, PovertyStatus
    from app.reports.models import PovertyReview, ReviewResult

    houses = dict(
        session.execute(
            select(HouseholdNeed.status, func.count())
            .where(
                HouseholdNeed.commune_id == adoption.commune_id,
                HouseholdNeed.need_kind.in_([NeedKind.NEW_HOUSE, NeedKind.REPAIR]),
                HouseholdNeed.status.in_(PUBLIC_STATUSES),
            )
            .group_by(HouseholdNeed.status)
        ).all()
    )
    latest: dict[int, tuple[int, ReviewResult]] = {}
    for need_id, year, result in session.execute(
        select(PovertyReview.need_id, PovertyReview.year, PovertyReview.result)
        .join(HouseholdNeed, HouseholdNeed.id == PovertyReview.need_id)
        .where(
            PovertyReview.commune_id == adoption.commune_id,
            HouseholdNeed.poverty_status == PovertyStatus.POOR,
        )
    ):
        if need_id not in latest or year > latest[need_id][0]:
            latest[need_id] = (year, ReviewResult(result))
    out = sum(1 for _, r in latest.values() if r in (ReviewResult.NEAR_POOR, ReviewResult.OUT_OF_POVERTY))
    return Progress(
        houses_funded=sum(houses.values()),
        houses_completed=houses.get(NeedStatus.COMPLETED, 0) + houses.get(NeedStatus.HANDED_OVER, 0),
        households_out=out,
        committed_vnd=adoption.pledge.amount_vnd,
        received_vnd=amount_paid(session, adoption.pledge_id),
    )


LIVE = (PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID, PledgeStatus.FULFILLED)


def for_donor(session: Session, donor_id: int) -> list[tuple[CommuneAdoption, Progress]]:
    rows = session.execute(
        select(CommuneAdoption).where(CommuneAdoption.donor_id == donor_id).order_by(CommuneAdoption.id)
    ).scalars()
    return [(a, progress(session, a)) for a in rows]


def for_commune(session: Session, commune_id: int) -> list[CommuneAdoption]:
    """The commune's adoptions still standing (a cancelled or lapsed commitment is not shown as an adoption)."""
    return list(
        session.execute(
            select(CommuneAdoption)
            .join(Pledge, Pledge.id == CommuneAdoption.pledge_id)
            .where(CommuneAdoption.commune_id == commune_id, Pledge.status.in_(LIVE))
            .order_by(CommuneAdoption.start_year, CommuneAdoption.id)
        ).scalars()
    )


# ----------------------------------------------------------------------------------------- staff list
STAFF_PAGE = 50


def staff_list(
    session: Session, user: User, *, q: str = "", page: int = 1
) -> tuple[list[CommuneAdoption], int]:
    """Staff: the communes adopted in their area (a commune its own, a province its communes'), newest first,
    STAFF_PAGE a page; `q` finds the business or the commune, with or without diacritics."""
    stmt = (
        select(CommuneAdoption)
        .join(Donor, Donor.id == CommuneAdoption.donor_id)
        .join(AdminUnit, AdminUnit.id == CommuneAdoption.commune_id)
        .where(unit_scope_clause(user, CommuneAdoption.commune_id))
    )
    if q.strip():
        typed = f"%{fold(q)}%"
        stmt = stmt.where(or_(sql_fold(Donor.name).like(typed), sql_fold(AdminUnit.name).like(typed)))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.options(
            joinedload(CommuneAdoption.donor),
            joinedload(CommuneAdoption.commune),
            joinedload(CommuneAdoption.pledge),
        )  # fmt: skip
        .order_by(CommuneAdoption.id.desc())
        .limit(STAFF_PAGE)
        .offset((max(page, 1) - 1) * STAFF_PAGE)
    )
    return list(rows.scalars()), total
