"""Staff pages: run a matching proposal, read its explanations, edit, submit, approve or reject, revoke."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import can_access_unit_id, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import active_campaign
from app.core import outbox
from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.transaction import domain_errors, flash_result
from app.extensions import db
from app.matching import services
from app.matching.forms import ActionForm, ReasonForm, RunForm
from app.matching.models import PROPOSAL_STATUS_LABELS, MatchingProposal, ProposalLine, ProposalStatus
from app.needs import review
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("matching", __name__, url_prefix="/can-bo/phan-bo")
NATIONAL = 0
PAGE_SIZE = 200


def _actor() -> Actor:
    return Actor.from_request()


def _campaign() -> Campaign | None:
    found = active_campaign(db.session, current_user.unit_id)
    if found is None and current_user.role == Role.CENTRAL_ADMIN:
        found = (
            db.session.execute(
                select(Campaign)
                .where(Campaign.status == CampaignStatus.ACTIVE)
                .order_by(Campaign.year.desc(), Campaign.id)
            )
            .scalars()
            .first()
        )
    return found


def _scope_choices() -> list[tuple[int, str]]:
    user = current_user
    if user.role == Role.CENTRAL_ADMIN:
        provinces = units_sorted(
            db.session.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE)).scalars()
        )
        return [(NATIONAL, _("Toàn quốc (chạy nền)"))] + [(u.id, u.name) for u in provinces]
    own = user.unit
    if own is None:
        return []
    if user.role == Role.COMMUNE_STAFF:
        return [(own.id, _("%(name)s (quỹ của xã)", name=own.name))]
    communes = units_sorted(
        db.session.execute(select(AdminUnit).where(AdminUnit.parent_id == own.id)).scalars()
    )
    return [(own.id, _("%(name)s (toàn tỉnh)", name=own.name))] + [(c.id, c.name) for c in communes]


def _proposal_or_404(proposal_id: int) -> MatchingProposal:
    proposal = db.session.get(MatchingProposal, proposal_id)
    if proposal is None or not can_access_unit_id(db.session, current_user, proposal.scope_unit_id):
        abort(404)
    return proposal


@bp.route("/")
@staff_required()
def proposals() -> ResponseReturnValue:
    rows = (
        db.session.execute(
            select(MatchingProposal)
            .where(
                unit_scope_clause(current_user, MatchingProposal.scope_unit_id)
                if current_user.role != Role.CENTRAL_ADMIN
                else MatchingProposal.id > 0
            )
            .order_by(MatchingProposal.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
    units = {
        u.id: u
        for u in db.session.execute(
            select(AdminUnit).where(AdminUnit.id.in_({p.scope_unit_id for p in rows if p.scope_unit_id}))
        ).scalars()
    }
    users = {
        u.id: u
        for u in db.session.execute(
            select(User).where(
                User.id.in_({i for p in rows for i in (p.prepared_by_id, p.approved_by_id) if i})
            )
        ).scalars()
    }
    counts = dict(
        db.session.execute(
            select(ProposalLine.proposal_id, func.count())
            .where(ProposalLine.proposal_id.in_([p.id for p in rows]), ProposalLine.included.is_(True))
            .group_by(ProposalLine.proposal_id)
        ).all()
    )
    form = RunForm()
    form.scope.choices = _scope_choices()
    can_run = current_user.role in services.PREPARER_ROLES and bool(form.scope.choices)
    return render_template(
        "matching/proposals.html",
        rows=rows,
        units=units,
        users=users,
        counts=counts,
        form=form,
        can_run=can_run,
        campaign=_campaign(),
        status_labels=PROPOSAL_STATUS_LABELS,
    )


@bp.route("/chay", methods=["POST"])
@staff_required(*services.PREPARER_ROLES)
def run() -> ResponseReturnValue:
    form = RunForm()
    form.scope.choices = _scope_choices()
    if not form.validate_on_submit():
        flash(
            " ".join(str(e) for errs in form.errors.values() for e in errs) or _("Địa bàn: không hợp lệ."),
            "error",
        )
        return redirect(url_for("matching.proposals"))
    campaign = _campaign()
    if campaign is None:
        flash(_("Chưa có cuộc vận động đang diễn ra cho địa bàn của bạn."), "error")
        return redirect(url_for("matching.proposals"))
    scope_id = None if form.scope.data == NATIONAL else form.scope.data
    if scope_id is None:
        # the whole country: too big for a web request, the worker computes it
        outbox.enqueue(db.session, "matching.run_proposal", campaign.id, None, current_user.id)
        flash(
            _("Đã gửi yêu cầu lập đề xuất toàn quốc; kết quả sẽ có trong danh sách khi tính xong."), "success"
        )
        return redirect(url_for("matching.proposals"))
    with domain_errors(errors=services.MatchingError) as outcome:
        proposal = services.run_proposal(db.session, _actor(), current_user, campaign, scope_id)
    if not outcome.ok:
        return redirect(url_for("matching.proposals"))
    funded = sum(1 for ln in proposal.lines if ln.included)
    flash(_("Đã lập đề xuất #%(id)s: %(n)s hộ được bố trí kinh phí.", id=proposal.id, n=funded), "success")
    return redirect(url_for("matching.detail", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>")
@staff_required()
def detail(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal_or_404(proposal_id)
    show = request.args.get("show", "included")
    lines = [ln for ln in proposal.lines if ln.included or show == "all"]
    stale = services.stale_reasons(db.session, proposal) if proposal.status in services.OPEN else []
    users = {
        u.id: u
        for u in db.session.execute(
            select(User).where(
                User.id.in_([i for i in (proposal.prepared_by_id, proposal.approved_by_id) if i])
            )
        ).scalars()
    }
    scope = db.session.get(AdminUnit, proposal.scope_unit_id) if proposal.scope_unit_id else None
    is_author = review.is_author(db.session, review.PROPOSAL, proposal.id, current_user.id)
    is_preparer = proposal.prepared_by_id == current_user.id or is_author
    can_edit = proposal.status in services.OPEN and (is_preparer or current_user.role == Role.CENTRAL_ADMIN)
    can_decide = (
        proposal.status == ProposalStatus.SUBMITTED
        and not is_preparer
        and current_user.role in services.APPROVER_ROLES
    )
    can_revoke = proposal.status == ProposalStatus.APPROVED and current_user.role in services.APPROVER_ROLES
    return render_template(
        "matching/detail.html",
        proposal=proposal,
        lines=lines[:PAGE_SIZE],
        more=max(len(lines) - PAGE_SIZE, 0),
        show=show,
        stale=stale,
        users=users,
        scope=scope,
        pools=services.pool_summary(proposal),
        included_count=sum(1 for ln in proposal.lines if ln.included),
        total_lines=len(proposal.lines),
        can_edit=can_edit,
        can_decide=can_decide,
        can_revoke=can_revoke,
        is_preparer=is_preparer,
        reason_form=ReasonForm(),
        review_diff=review.pending_diff(db.session, review.PROPOSAL, proposal.id),
        review_rows=review.change_rows(db.session, review.PROPOSAL, proposal.id),
        review_labels=review.FIELD_LABELS,
        was_approved=False,
    )


def _run_service(proposal_id: int, fn: Callable[..., object], ok: str) -> ResponseReturnValue:
    _proposal_or_404(proposal_id)
    flash_result(fn, ok, errors=services.MatchingError)
    return redirect(
        url_for("matching.detail", proposal_id=proposal_id, show=request.form.get("show", "included"))
    )


@bp.route("/<int:proposal_id>/sua", methods=["POST"])
@staff_required(*services.PREPARER_ROLES)
def edit(proposal_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    ids = {int(x) for x in request.form.getlist("line") if x.isdecimal()}
    if action not in ("include", "exclude") or not ids:
        _proposal_or_404(proposal_id)
        flash(_("Hãy chọn ít nhất một hộ và thao tác (đưa vào / loại ra)."), "error")
        return redirect(url_for("matching.detail", proposal_id=proposal_id, show="all"))
    included = action == "include"
    return _run_service(
        proposal_id,
        lambda: services.set_included(db.session, _actor(), current_user, proposal_id, ids, included),
        _("Đã đưa vào đề xuất %(n)s hộ; kinh phí đã được tính lại.", n=len(ids))
        if included
        else _("Đã loại khỏi đề xuất %(n)s hộ; kinh phí đã được tính lại.", n=len(ids)),
    )


@bp.route("/<int:proposal_id>/trinh", methods=["POST"])
@staff_required(*services.PREPARER_ROLES)
def submit(proposal_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run_service(
        proposal_id,
        lambda: services.submit(db.session, _actor(), current_user, proposal_id),
        _("Đã trình đề xuất; chờ một người khác phê duyệt."),
    )


@bp.route("/<int:proposal_id>/duyet", methods=["POST"])
@staff_required(*services.APPROVER_ROLES)
def approve(proposal_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run_service(
        proposal_id,
        lambda: services.approve(db.session, _actor(), current_user, proposal_id),
        _("Đã phê duyệt: các khoản phân bổ đã được ghi vào sổ quỹ."),
    )


@bp.route("/<int:proposal_id>/tu-choi", methods=["POST"])
@staff_required(*services.APPROVER_ROLES)
def reject(proposal_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        _proposal_or_404(proposal_id)
        flash(_("Lý do từ chối: chưa nhập."), "error")
        return redirect(url_for("matching.detail", proposal_id=proposal_id))
    return _run_service(
        proposal_id,
        lambda: services.reject(db.session, _actor(), current_user, proposal_id, form.reason.data),
        _("Đã từ chối đề xuất."),
    )


@bp.route("/dong/<int:line_id>/thu-hoi", methods=["POST"])
@staff_required(*services.APPROVER_ROLES)
def revoke(line_id: int) -> ResponseReturnValue:
    line = db.session.get(ProposalLine, line_id)
    if line is None:
        abort(404)
    proposal = _proposal_or_404(line.proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Lý do thu hồi: chưa nhập."), "error")
        return redirect(url_for("matching.detail", proposal_id=proposal.id))
    return _run_service(
        proposal.id,
        lambda: services.revoke_line(db.session, _actor(), current_user, line_id, form.reason.data),
        _("Đã thu hồi khoản phân bổ cho hộ #%(id)s; tiền đã trở lại các quỹ.", id=line.need_id),
    )
