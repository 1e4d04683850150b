from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.core.actor import Actor
from app.core.collation import units_sorted, vi_collate
from app.core.transaction import domain_errors
from app.extensions import db
from app.units import services
from app.units.forms import HAMLET_KINDS, HamletForm
from app.units.models import DESIGNATION_LABELS, AdminUnit, Hamlet, UnitLevel

bp = Blueprint("units", __name__, url_prefix="/can-bo/dia-ban")


@bp.route("/")
@staff_required()
def index() -> ResponseReturnValue:
    communes = units_sorted(
        db.session.execute(
            select(AdminUnit)
            .where(AdminUnit.level == UnitLevel.COMMUNE, unit_scope_clause(current_user, AdminUnit.id))
            .order_by(vi_collate(AdminUnit.name))
            .limit(500)
        ).scalars()
    )
    counts = dict(
        db.session.execute(
            select(Hamlet.commune_id, func.count())
            .where(Hamlet.commune_id.in_([c.id for c in communes]))
            .group_by(Hamlet.commune_id)
        ).all()
    )
    return render_template("units/index.html", communes=communes, counts=counts)


@bp.route("/xa/<int:commune_id>", methods=["GET", "POST"])
@staff_required()
def commune(commune_id: int) -> ResponseReturnValue:
    require_unit(commune_id)
    unit = db.session.get(AdminUnit, commune_id)
    if unit is None or unit.level != UnitLevel.COMMUNE:
        abort(404)
    form = HamletForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            hamlet = services.create_hamlet(
                db.session, Actor.from_request(), unit.id, form.name.data, form.kind.data
            )
        if outcome.ok:
            flash(_("Đã thêm %(name)s.", name=hamlet.name), "success")
            return redirect(url_for("units.commune", commune_id=unit.id))
    hamlets = (
        db.session.execute(
            select(Hamlet).where(Hamlet.commune_id == unit.id).order_by(vi_collate(Hamlet.name))
        )
        .scalars()
        .all()
    )
    designations = services.designations_for_commune(db.session, unit.id)
    districts = services.former_districts(db.session, unit.id)
    return render_template(
        "units/commune.html",
        unit=unit,
        hamlets=hamlets,
        form=form,
        designations=designations,
        districts=districts,
        labels=DESIGNATION_LABELS,
        hamlet_kinds={value for value, _label in HAMLET_KINDS},
    )
