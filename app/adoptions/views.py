"""Adopting a commune: the business's form (its verified users only) and the commune's public adoption page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import donor_required, staff_required
from app.adoptions import services as svc
from app.adoptions.forms import AdoptForm
from app.adoptions.models import CommuneAdoption
from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.money import AmountError, parse_vnd
from app.core.transaction import domain_errors
from app.donors.models import Donor
from app.donors.services import speaks_for
from app.extensions import db
from app.pledges.notify import view_token
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("adoptions", __name__)


@bp.app_template_global()
def donor_adoptions(donor_id: int) -> list[tuple[CommuneAdoption, svc.Progress]]:
    """The business's adopted communes and their progress (the donor dashboard's section)."""
    return svc.for_donor(db.session, donor_id)


@bp.route("/tai-khoan/do-dau", methods=["GET", "POST"])
@donor_required
def adopt() -> ResponseReturnValue:
    donor = db.session.get_one(Donor, current_user.donor_id)
    if not speaks_for(db.session, current_user, donor.id):
        flash(_("Chỉ người dùng đã xác minh của doanh nghiệp mới nhận đỡ đầu xã được."), "warning")
        return redirect(url_for("pledges.dashboard"))
    form = AdoptForm()
    communes = units_sorted(
        db.session.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.COMMUNE)).scalars()
    )
    form.commune_id.choices = [(0, _("— Chọn xã/phường —"))] + [(u.id, u.name) for u in communes]
    if form.validate_on_submit():
        try:
            yearly = parse_vnd(form.yearly.data, field=_("Số tiền mỗi năm"))
        except AmountError as exc:
            form.yearly.errors.append(str(exc))
        else:
            with domain_errors(form, errors=svc.AdoptionError) as outcome:
                adoption = svc.adopt(
                    db.session,
                    Actor.from_request(),
                    donor,
                    commune_id=form.commune_id.data or 0,
                    years=form.years.data or 0,
                    yearly_vnd=yearly,
                )
            if outcome.ok:
                flash(
                    _("Cảm ơn quý doanh nghiệp đã nhận đỡ đầu %(name)s.", name=adoption.commune.name),
                    "success",
                )
                return redirect(
                    url_for(
                        "pledges.confirmation",
                        reference=adoption.pledge.reference,
                        k=view_token(adoption.pledge),
                    )
                )
    status = 422 if request.method == "POST" else 200
    return render_template("adoptions/adopt.html", form=form, donor=donor), status


@bp.route("/cong-khai/xa/<int:commune_id>/do-dau")
def commune(commune_id: int) -> ResponseReturnValue:
    """The commune's public adoption page: "Đỡ đầu bởi …", the commitment and the commune's progress."""
    unit = db.session.get(AdminUnit, commune_id)
    if unit is None or unit.level != UnitLevel.COMMUNE:
        abort(404)
    adoptions = [(a, svc.progress(db.session, a)) for a in svc.for_commune(db.session, commune_id)]
    return render_template("adoptions/commune.html", commune=unit, adoptions=adoptions)


@bp.route("/can-bo/do-dau")
@staff_required()
def staff_list() -> ResponseReturnValue:
    """Staff: the communes adopted by businesses in their area."""
    q = (request.args.get("q") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int))
    adoptions, total = svc.staff_list(db.session, current_user, q=q, page=page)
    return render_template(
        "adoptions/staff_list.html",
        adoptions=adoptions,
        total=total,
        q=q,
        page=page,
        pages=max(1, -(-total // svc.STAFF_PAGE)),
    )
