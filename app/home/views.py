"""Landing pages: the public home, the staff desk and the donor's home (blueprint "pages")."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.access import staff_required, unit_scope_clause
from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.audit.readable import describe
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import active_campaign
from app.contributions.models import Contribution
from app.core.page_cache import public_page
from app.extensions import db
from app.ledger import services as ledger
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("pages", __name__)


def scope_unit_ids(user) -> list[int | None] | None:  # type: ignore[no-untyped-def]
    """The unit ids whose books a user sees (None: all)."""
    if user.role == Role.CENTRAL_ADMIN:
        return None
    unit = user.unit
    if unit is None:
        return []
    if unit.level == UnitLevel.PROVINCE:
        return [
            unit.id,
            *db.session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)).scalars(),
        ]
    return [unit.id]


@bp.route("/")
@public_page
def home():  # type: ignore[no-untyped-def]
    campaign = active_campaign(db.session)
    campaigns = (
        db.session.execute(
            select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE).order_by(Campaign.year.desc())
        )
        .scalars()
        .all()
    )
    fund = ledger.main_fund(db.session) if campaigns else None
    totals = ledger.totals(db.session, fund.id) if fund else None
    return render_template(
        "pages/home.html",
        campaign=campaign or (campaigns[0] if campaigns else None),
        campaigns=campaigns,
        totals=totals,
    )


@bp.route("/can-bo")
@staff_required()
def staff_home():  # type: ignore[no-untyped-def]
    fund = ledger.main_fund(db.session)
    ids = scope_unit_ids(current_user)
    totals = ledger.totals(db.session, fund.id, ids)
    campaign = active_campaign(db.session, current_user.unit_id)
    recent = (
        db.session.execute(
            select(Contribution)
            .where(unit_scope_clause(current_user, Contribution.receiving_unit_id))
            .order_by(Contribution.id.desc())
            .limit(10)
        )
        .scalars()
        .all()
    )
    audit = (
        db.session.execute(
            select(AuditEntry)
            .where(unit_scope_clause(current_user, AuditEntry.unit_id))
            .order_by(AuditEntry.id.desc())
            .limit(10)
        )
        .scalars()
        .all()
    )
    return render_template(
        "pages/staff_home.html",
        totals=totals,
        campaign=campaign,
        recent=recent,
        audit=describe(db.session, audit),
    )


@bp.route("/tai-khoan")
@login_required
def donor_home():  # type: ignore[no-untyped-def]
    if current_user.is_staff:
        return redirect(url_for("pages.staff_home"))
    return redirect(url_for("pledges.dashboard"))
