"""Staff pages for donor records (issue 19.2): duplicate candidates, the side-by-side merge, merges and undo."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.accounts.access import staff_required
from app.core.actor import Actor
from app.core.forms import BaseForm, field_problems
from app.core.transaction import domain_errors
from app.donors import merge as merging
from app.donors.models import DONOR_KIND_LABELS, Donor, DonorKind, DonorMerge
from app.donors.services import DonorError
from app.extensions import db
from app.units.models import AdminUnit

bp = Blueprint("donors", __name__)


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do (bắt buộc, ghi vào nhật ký)"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=2000, message=_l("Lý do: tối đa 2000 ký tự.")),
        ],
    )


def _donor_or_404(donor_id: int) -> Donor:
    donor = db.session.get(Donor, donor_id)
    if donor is None or not merging.may_see(db.session, current_user, donor_id):
        abort(404)
    return donor


def _shown(donor: Donor, field: str) -> str:
    value = getattr(donor, field)
    if value in (None, ""):
        return "—"
    if field == "kind":
        return DONOR_KIND_LABELS[DonorKind(value)]
    if field == "public_display":
        return "Ẩn danh" if value == "anonymous" else "Hiện tên"
    if field in ("province_id", "commune_id"):
        unit = db.session.get(AdminUnit, value)
        return unit.name if unit else str(value)
    if field == "national_id_hash":
        return "…" + str(value)[-6:]
    return str(value)


@bp.route("/can-bo/nha-tai-tro/trung-lap")
@staff_required()
def duplicates() -> ResponseReturnValue:
    pairs = merging.duplicate_pairs(db.session, current_user)
    ids = {i for p in pairs for i in (p.first, p.second)}
    donors = {d.id: d for d in db.session.execute(select(Donor).where(Donor.id.in_(ids))).scalars()}
    return render_template("donors/duplicates.html", pairs=pairs, donors=donors)


@bp.route("/can-bo/nha-tai-tro/gop/<int:first>/<int:second>", methods=["GET", "POST"])
@staff_required()
def compare(first: int, second: int) -> ResponseReturnValue:
    """Side by side: for each field, whose value the surviving record keeps; the survivor chosen by a radio."""
    a, b = _donor_or_404(first), _donor_or_404(second)
    form = ReasonForm()
    if form.validate_on_submit():
        keep = request.form.get("survivor") == str(b.id)
        survivor, merged = (b, a) if keep else (a, b)
        choose: dict[str, str] = {}
        for f in merging.MERGE_FIELDS:
            picked = request.form.get(f"pick-{f}")
            if picked in (str(a.id), str(b.id)):
                choose[f] = "survivor" if picked == str(survivor.id) else "merged"
        with domain_errors(form, errors=DonorError, field="reason") as outcome:
            row = merging.merge(
                db.session,
                Actor.from_request(),
                survivor,
                merged,
                choose=choose,
                reason=form.reason.data or "",
            )
        if outcome.ok:
            flash(_("Đã gộp hồ sơ. Có thể hoàn tác tại danh sách các lần gộp."), "success")
            return redirect(url_for("donors.merges") + f"#gop-{row.id}")
    elif request.method == "POST":
        flash(" ".join(field_problems(form)), "error")
    rows = [
        (f, merging.FIELD_LABELS[f], _shown(a, f), _shown(b, f), getattr(a, f) == getattr(b, f))
        for f in merging.MERGE_FIELDS
    ]
    counts = {
        d.id: {
            "pledges": db.session.query(merging.Pledge).filter(merging.Pledge.donor_id == d.id).count(),
            "contributions": db.session.query(merging.Contribution)
            .filter(merging.Contribution.donor_id == d.id)
            .count(),
        }
        for d in (a, b)
    }
    return render_template("donors/compare.html", a=a, b=b, rows=rows, form=form, counts=counts)


@bp.route("/can-bo/nha-tai-tro/lan-gop")
@staff_required()
def merges() -> ResponseReturnValue:
    scope = merging.donor_scope_clause(current_user)
    visible = select(Donor.id).where(scope)
    rows = (
        db.session.execute(
            select(DonorMerge)
            .where(or_(DonorMerge.survivor_id.in_(visible), DonorMerge.merged_id.in_(visible)))
            .order_by(DonorMerge.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
    return render_template("donors/merges.html", rows=rows, form=ReasonForm())


@bp.route("/can-bo/nha-tai-tro/lan-gop/<int:merge_id>/hoan-tac", methods=["POST"])
@staff_required()
def undo_merge(merge_id: int) -> ResponseReturnValue:
    row = db.session.get(DonorMerge, merge_id)
    if row is None:
        abort(404)
    _donor_or_404(row.survivor_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with domain_errors(errors=DonorError, quiet=True) as outcome:
            merging.undo(db.session, Actor.from_request(), row, reason=form.reason.data or "")
        if outcome.ok:
            flash(_("Đã hoàn tác lần gộp."), "success")
        else:
            flash(outcome.message, "error")
    else:
        flash(" ".join(field_problems(form)), "error")
    return redirect(url_for("donors.merges"))
