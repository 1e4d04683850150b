from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import can_access_unit_id, staff_required
from app.accounts.models import Role
from app.campaigns.forms import CampaignForm
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import CampaignError, create_campaign, set_status
from app.core.actor import Actor
from app.core.money import AmountError, parse_vnd
from app.core.transaction import domain_errors, flash_result
from app.extensions import db
from app.ledger.services import main_fund

bp = Blueprint("campaigns", __name__, url_prefix="/can-bo/cuoc-van-dong")


def _visible(c: Campaign) -> bool:
    return (
        c.scope_unit_id is None
        or can_access_unit_id(db.session, current_user, c.scope_unit_id)
        or (current_user.unit is not None and current_user.unit.parent_id == c.scope_unit_id)
    )


@bp.route("/", methods=["GET", "POST"])
@staff_required()
def index() -> ResponseReturnValue:
    form = CampaignForm()
    can_create = current_user.role in (Role.CENTRAL_ADMIN, Role.PROVINCE_STAFF)
    if form.validate_on_submit():
        if not can_create:
            abort(403)
        with domain_errors(form, errors=(CampaignError, AmountError)) as outcome:
            goal = parse_vnd(form.goal.data, field="Mục tiêu", allow_zero=True) if form.goal.data else 0
            scope = None if current_user.role == Role.CENTRAL_ADMIN else current_user.unit_id
            c = create_campaign(
                db.session,
                Actor.from_request(),
                year=form.year.data,
                name=form.name.data,
                fund_id=main_fund(db.session).id,
                scope_unit_id=scope,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                goal_vnd=goal,
                plan_reference=form.plan_reference.data or "",
                description=form.description.data or "",
            )
        if outcome.ok:
            flash(_("Đã tạo cuộc vận động “%(name)s”.", name=c.name), "success")
            return redirect(url_for("campaigns.index"))
    campaigns = [
        c
        for c in db.session.execute(
            select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())
        ).scalars()
        if _visible(c)
    ]
    return render_template("campaigns/index.html", campaigns=campaigns, form=form, can_create=can_create)


@bp.route("/<int:campaign_id>/trang-thai", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF)
def change_status(campaign_id: int) -> ResponseReturnValue:
    from flask import request

    c = db.session.get(Campaign, campaign_id)
    if c is None or not (
        c.scope_unit_id is None
        and current_user.role == Role.CENTRAL_ADMIN
        or c.scope_unit_id is not None
        and can_access_unit_id(db.session, current_user, c.scope_unit_id)
    ):
        abort(404)
    try:
        status = CampaignStatus(request.form.get("status", ""))
    except ValueError:
        flash(_("Trạng thái không hợp lệ."), "error")
    else:
        flash_result(
            lambda: set_status(db.session, Actor.from_request(), c, status),
            "Đã cập nhật trạng thái.",
        )
    return redirect(url_for("campaigns.index"))
