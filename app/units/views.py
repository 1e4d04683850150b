from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.audit.services import record
from app.core.actor import Actor
from app.core.collation import units_sorted, vi_collate
from app.extensions import db
from app.units import services
from app.units.forms import HAMLET_KINDS, HamletForm
from app.units.models import DESIGNATION_LABELS, AdminUnit, Hamlet, UnitLevel

bp = Blueprint("units", __name__, url_prefix="/can-bo/dia-ban")


@bp.route("/")
@staff_required()
def index():  # type: ignore[no-untyped-def]
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
def commune(commune_id: int):  # type: ignore[no-untyped-def]
    require_unit(commune_id)
    unit = db.session.get(AdminUnit, commune_id)
    if unit is None or unit.level != UnitLevel.COMMUNE:
        abort(404)
    form = HamletForm()
    if form.validate_on_submit():
        try:
            hamlet = services.add_hamlet(db.session, unit.id, form.name.data, form.kind.data)
            record(
                db.session,
                Actor.from_request(),
                "hamlet.create",
                "hamlet",
                hamlet.id,
                new={"name": hamlet.name, "kind": hamlet.kind},
                unit_id=unit.id,
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(_("Thôn/tổ dân phố này đã có trong danh sách."), "error")
        except ValueError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
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
