"""Papers a business downloads from its account (issue 19.3): the receipt PDF, the sponsorship confirmation
record per gift and per year, and "Gửi qua e-mail". The verification page is certificates.verify (one
/xac-minh/<code> for every signed paper), which hands receipts and records to verify_paper below."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import donor_required
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.transaction import domain_errors
from app.core.web import download
from app.donors.models import Donor
from app.extensions import db
from app.papers import services
from app.papers.forms import MailForm
from app.papers.models import SponsorshipRecord

bp = Blueprint("papers", __name__)
DASHBOARD_SECTION = "#giay-to"


def _pdf(data: bytes, filename: str) -> Response:
    return download(data, filename, "application/pdf")


def _own_contribution(contribution_id: int) -> Contribution:
    c = db.session.get(Contribution, contribution_id)
    if c is None or c.donor_id is None or c.donor_id != current_user.donor_id:
        abort(404)
    return c


def _own_business() -> Donor:
    donor = db.session.get_one(Donor, current_user.donor_id)
    if donor.kind not in services.BUSINESS_KINDS:
        abort(404)
    return donor


@bp.route("/tai-khoan/bien-nhan/<int:contribution_id>.pdf")
@donor_required
def receipt_pdf(contribution_id: int) -> ResponseReturnValue:
    c = _own_contribution(contribution_id)
    return _pdf(services.receipt_pdf(db.session, c), f"bien-nhan-{c.receipt_no}.pdf")


def _record_from_request(donor: Donor, contribution_id: int | None, year: int | None,
                         unit: str | None) -> SponsorshipRecord | None:  # fmt: skip
    """The record asked for (issued on first request), or None when there is nothing to confirm (flashed)."""
    rec: SponsorshipRecord | None = None
    with domain_errors(errors=services.PaperError) as outcome:
        if contribution_id is not None:
            _own_contribution(contribution_id)
            rec = services.record_for_gift(db.session, Actor.from_request(), donor.id, contribution_id)
        elif year is not None and unit:
            rec = services.record_for_year(db.session, Actor.from_request(), donor.id, year, unit)
        else:
            abort(404)
    return rec if outcome.ok else None


@bp.route("/tai-khoan/bien-ban-tai-tro/khoan/<int:contribution_id>.pdf")
@donor_required
def record_gift(contribution_id: int) -> ResponseReturnValue:
    rec = _record_from_request(_own_business(), contribution_id, None, None)
    if rec is None:
        return redirect(url_for("pledges.dashboard") + DASHBOARD_SECTION)
    return _pdf(services.record_pdf(db.session, rec), services.record_filename(rec))


@bp.route("/tai-khoan/bien-ban-tai-tro/nam/<int:year>.pdf")
@donor_required
def record_year(year: int) -> ResponseReturnValue:
    if not 2000 <= year <= 2100:
        abort(404)
    rec = _record_from_request(_own_business(), None, year, request.args.get("don-vi", ""))
    if rec is None:
        return redirect(url_for("pledges.dashboard") + DASHBOARD_SECTION)
    return _pdf(services.record_pdf(db.session, rec), services.record_filename(rec))


@bp.route("/tai-khoan/bien-ban-tai-tro/gui", methods=["POST"])
@donor_required
def record_mail() -> ResponseReturnValue:
    donor = _own_business()
    form = MailForm()
    if not form.validate_on_submit():
        abort(400)
    cid = form.contribution_id.data or ""
    year = form.year.data or ""
    rec = _record_from_request(
        donor,
        int(cid) if cid.isdecimal() else None,
        int(year) if year.isdecimal() else None,
        form.unit.data or None,
    )
    if rec is not None:
        to = donor.email or current_user.email
        with domain_errors(errors=services.PaperError) as outcome:
            services.request_mail(db.session, Actor.from_request(), rec, to)
        if outcome.ok:
            flash(_("Đã gửi biên bản %(no)s tới %(email)s.", no=rec.number, email=to), "success")
    return redirect(url_for("pledges.dashboard") + DASHBOARD_SECTION)


def verify_paper(kind: int, ident: int, signature: bytes, code: str) -> ResponseReturnValue:
    """The verification page of a receipt or a sponsorship record (called by certificates.verify)."""
    result = services.check_paper(db.session, kind, ident, signature)
    return render_template("papers/verify.html", result=result, code=code), (200 if result.valid else 404)
