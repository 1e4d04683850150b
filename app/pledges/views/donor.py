"""The donor's own pages: dashboard, colleagues, receipts, yearly statements."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import donor_required
from app.accounts.models import User
from app.accounts.services import normalize_email
from app.certificates.models import Certificate
from app.contributions.models import Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.forms import field_problems
from app.core.transaction import domain_errors
from app.core.web import download
from app.donors import services as donor_services
from app.donors.models import Donor, DonorKind
from app.extensions import db, limiter
from app.ledger.models import PURPOSE_LABELS
from app.needs import tracing
from app.needs.funding import PUBLIC_STATUSES
from app.pledges import notify, services, statements
from app.pledges.forms import (
    BusinessForm,
    ClaimForm,
    InviteForm,
)
from app.pledges.models import (
    Pledge,
    PledgeSchedule,
)
from app.pledges.views.common import bp, receipt_facts

DASHBOARD_LIMIT = 20  # certificates and houses shown on the dashboard; their own pages list them all


@bp.route("/tai-khoan/tong-quan")
@donor_required
def dashboard() -> ResponseReturnValue:
    donor = db.session.get_one(Donor, current_user.donor_id)
    pledges = (
        db.session.execute(
            select(Pledge)
            .where(Pledge.donor_id == donor.id)
            .order_by(Pledge.created_at.desc(), Pledge.id.desc())
        )
        .scalars()
        .all()
    )
    paid_by = dict(
        db.session.execute(
            select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
            .where(
                Contribution.donor_id == donor.id,
                Contribution.status == ContributionStatus.RECORDED,
                Contribution.pledge_id.is_not(None),
            )
            .group_by(Contribution.pledge_id)
        ).all()
    )
    contributions = (
        db.session.execute(
            select(Contribution)
            .where(Contribution.donor_id == donor.id)
            .order_by(Contribution.received_at.desc(), Contribution.id.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    due = []
    for p in pledges:
        if p.is_open and p.schedule == PledgeSchedule.INSTALMENTS:
            due += [
                (p, s)
                for s in services.instalment_states(db.session, p, paid=paid_by.get(p.id, 0))
                if s.outstanding_vnd > 0
            ]
    due.sort(key=lambda ps: ps[1].instalment.due_on)
    years = sorted(
        {c.received_on.year for c in contributions if c.status == ContributionStatus.RECORDED}, reverse=True
    )
    colleagues = (
        db.session.execute(select(User).where(User.donor_id == donor.id).order_by(User.id)).scalars().all()
    )
    verified_user = donor_services.speaks_for(db.session, current_user, donor.id)
    # Issue 19.8: the donor's own certificates and houses on the dashboard itself, each linking to its page.
    certificates = (
        db.session.execute(
            select(Certificate)
            .where(Certificate.donor_id == donor.id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
            .limit(DASHBOARD_LIMIT)
        )
        .scalars()
        .all()
    )
    houses = tracing.houses_funded_by_donor(db.session, donor.id)
    # Issue 19.3: the papers a business files (sponsorship records per gift and per year, receipts).
    from app.papers import services as papers
    from app.papers.forms import MailForm

    files_papers = donor.kind in papers.BUSINESS_KINDS
    return render_template(
        "pledges/dashboard.html",
        donor=donor,
        verified_user=verified_user,
        claims=donor_services.pending_claims(db.session, donor.id) if verified_user else [],
        claim_form=ClaimForm(),
        business_form=BusinessForm(obj=donor) if verified_user else None,
        pledges=pledges,
        paid_by=paid_by,
        contributions=contributions,
        due=due,
        years=years,
        certificates=certificates,
        houses=houses[:DASHBOARD_LIMIT],
        houses_count=len(houses),
        public_house_statuses=PUBLIC_STATUSES,
        limit=DASHBOARD_LIMIT,
        colleagues=colleagues,
        invite_form=InviteForm(),
        today=services.today_vn(),
        files_papers=files_papers,
        paper_years=papers.year_groups(db.session, donor.id) if files_papers else [],
        mail_form=MailForm(),
    )


@bp.route("/tai-khoan/trang-thai.json")
@donor_required
def donor_live_status() -> ResponseReturnValue:
    """The donor's last payment, for the dashboard's live note (app/static/js/live.js)."""
    from flask import jsonify

    from app.pledges.live import payment_sentence

    last = db.session.execute(
        select(Contribution)
        .where(
            Contribution.donor_id == current_user.donor_id, Contribution.status == ContributionStatus.RECORDED
        )
        .order_by(Contribution.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    resp = jsonify(
        {"last_id": last.id if last else 0, "last_payment": payment_sentence(last) if last else ""}
    )
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/tai-khoan/moi-dong-nghiep", methods=["POST"])
@donor_required
@limiter.limit("20 per hour", methods=["POST"], error_message="Quá nhiều lời mời. Vui lòng thử lại sau.")
def invite() -> ResponseReturnValue:
    donor = db.session.get_one(Donor, current_user.donor_id)
    form = InviteForm()
    if donor.kind not in (DonorKind.BUSINESS, DonorKind.ORGANISATION):
        abort(404)
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        if db.session.execute(select(User.id).where(User.email == email)).first():
            flash(_("Email này đã có tài khoản."), "error")
        else:
            notify.invite_colleague(
                db.session, Actor.from_request(), donor, current_user._get_current_object(), email
            )
            flash(_("Đã gửi lời mời tới %(email)s.", email=email), "success")
    else:
        flash(" ".join(field_problems(form)) or _("Email: không hợp lệ."), "error")
    return redirect(url_for("pledges.dashboard") + "#dong-nghiep")


@bp.route("/tai-khoan/bien-nhan/<int:contribution_id>")
@donor_required
def donor_receipt(contribution_id: int) -> ResponseReturnValue:
    c = db.session.get(Contribution, contribution_id)
    if c is None or c.donor_id != current_user.donor_id:
        abort(404)
    return render_template(
        "pledges/receipt.html",
        c=c,
        unit=c.receiving_unit,
        back=url_for("pledges.dashboard"),
        purpose_label=PURPOSE_LABELS[c.purpose],
        **receipt_facts(c),
    )


@bp.route("/tai-khoan/sao-ke/<int:year>.<fmt>")
@donor_required
def statement(year: int, fmt: str) -> ResponseReturnValue:
    if fmt not in ("pdf", "xlsx") or not 2000 <= year <= 2100:
        abort(404)
    donor = db.session.get_one(Donor, current_user.donor_id)
    rows = statements.yearly_contributions(db.session, donor.id, year)
    if fmt == "pdf":
        data, mimetype = statements.statement_pdf(donor, year, rows), "application/pdf"
    else:
        data = statements.statement_xlsx(donor, year, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(data, f"sao-ke-dong-gop-{year}.{fmt}", mimetype)


@bp.route("/tai-khoan/xac-nhan/<int:pledge_id>", methods=["POST"])
@donor_required
def confirm_claim(pledge_id: int) -> ResponseReturnValue:
    """A verified business's user confirms (or disowns) a pledge made in its name (issue 19.1)."""
    pledge = db.session.get(Pledge, pledge_id)
    if (
        pledge is None
        or pledge.claimed_donor_id != current_user.donor_id
        or not donor_services.speaks_for(db.session, current_user, current_user.donor_id)
    ):
        abort(404)
    if ClaimForm().validate_on_submit():
        actor = Actor.from_request()
        if request.form.get("action") == "reject":
            donor_services.reject_claim(db.session, actor, pledge, how="business")
            flash(_("Đã ghi nhận: đăng ký %(ref)s không phải của quý đơn vị.", ref=pledge.reference), "info")
        else:
            donor_services.attach_pledge(db.session, actor, pledge, how="business")
            flash(_("Đã xác nhận đăng ký %(ref)s thuộc quý đơn vị.", ref=pledge.reference), "success")
    return redirect(url_for("pledges.dashboard") + "#xac-nhan")


@bp.route("/tai-khoan/doanh-nghiep", methods=["POST"])
@donor_required
def business_details() -> ResponseReturnValue:
    """A verified business's users manage its name and contacts (issue 19.1)."""
    if not donor_services.speaks_for(db.session, current_user, current_user.donor_id):
        abort(404)
    form = BusinessForm()
    if form.validate_on_submit():
        with domain_errors(form, errors=donor_services.DonorError) as outcome:
            donor_services.update_business(
                db.session,
                Actor.from_request(),
                current_user._get_current_object(),
                name=form.name.data or "",
                contact_person=form.contact_person.data or "",
                phone=form.phone.data or "",
                address=form.address.data or "",
            )
        if outcome.ok:
            flash(_("Đã lưu thông tin doanh nghiệp."), "success")
    else:
        flash(" ".join(field_problems(form)) or _("Vui lòng kiểm tra lại các ô được đánh dấu."), "error")
    return redirect(url_for("pledges.dashboard") + "#doanh-nghiep")
