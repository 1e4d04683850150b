"""The donor's monthly gifts: start one, pause, resume, stop (the donor account only)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import donor_required, staff_required
from app.core.actor import Actor
from app.core.money import AmountError, parse_vnd
from app.core.transaction import domain_errors, flash_result
from app.donors.models import Donor
from app.extensions import db
from app.pledges.notify import view_token
from app.recurring import services as svc
from app.recurring.forms import ActionForm, MonthlyForm
from app.recurring.models import GiftState, MonthlyGift

bp = Blueprint("recurring", __name__)


def _gift(gift_id: int) -> MonthlyGift:
    gift = svc.gift_of_donor(db.session, current_user.donor_id, gift_id)
    if gift is None:
        abort(404)
    return gift


@bp.route("/tai-khoan/ung-ho-hang-thang", methods=["GET", "POST"])
@donor_required
def gifts() -> ResponseReturnValue:
    donor = db.session.get_one(Donor, current_user.donor_id)
    form = MonthlyForm()
    if form.validate_on_submit():
        try:
            monthly = parse_vnd(form.monthly.data, field=_("Số tiền mỗi tháng"))
        except AmountError as exc:
            form.monthly.errors.append(str(exc))
        else:
            with domain_errors(form, errors=svc.GiftError) as outcome:
                gift = svc.start(
                    db.session, Actor.from_request(), donor, monthly_vnd=monthly, day=form.day.data or 0
                )
            if outcome.ok:
                return redirect(
                    url_for(
                        "pledges.confirmation", reference=gift.pledge.reference, k=view_token(gift.pledge)
                    )
                )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "recurring/gifts.html",
        form=form,
        action_form=ActionForm(),
        gifts=svc.of_donor(db.session, donor.id),
        GiftState=GiftState,
    ), status


def _act(gift_id: int, action: str) -> ResponseReturnValue:
    gift = _gift(gift_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    actor = Actor.from_request()
    do, done = {
        "pause": (svc.pause, _("Đã tạm dừng: không còn thư nhắc cho đến khi quý vị tiếp tục.")),
        "resume": (svc.resume, _("Đã tiếp tục ủng hộ hằng tháng.")),
        "stop": (svc.stop, _("Đã dừng ủng hộ hằng tháng. Xin cảm ơn quý vị.")),
    }[action]
    flash_result(lambda: do(db.session, actor, gift), done, errors=svc.GiftError)
    return redirect(url_for("recurring.gifts"))


@bp.route("/tai-khoan/ung-ho-hang-thang/<int:gift_id>/tam-dung", methods=["POST"])
@donor_required
def pause(gift_id: int) -> ResponseReturnValue:
    return _act(gift_id, "pause")


@bp.route("/tai-khoan/ung-ho-hang-thang/<int:gift_id>/tiep-tuc", methods=["POST"])
@donor_required
def resume(gift_id: int) -> ResponseReturnValue:
    return _act(gift_id, "resume")


@bp.route("/tai-khoan/ung-ho-hang-thang/<int:gift_id>/dung", methods=["POST"])
@donor_required
def stop(gift_id: int) -> ResponseReturnValue:
    return _act(gift_id, "stop")


@bp.route("/can-bo/ung-ho-hang-thang")
@staff_required()
def staff_list() -> ResponseReturnValue:
    """Staff: the monthly gifts received in their area, with their state."""
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int))
    gifts, total = svc.staff_list(db.session, current_user, q=q, page=page)
    return render_template(
        "recurring/staff_list.html",
        gifts=gifts,
        total=total,
        q=q,
        page=page,
        pages=max(1, -(-total // svc.STAFF_PAGE)),
    )
