"""Staff pages for pledges and receipts: lists, detail, edit, status, and receipts for money in hand."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

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
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app.accounts.access import can_access_unit_id, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import ContributionError, MoneyIn, receive
from app.core.actor import Actor
from app.core.forms import field_problems
from app.core.i18n import VN_TZ
from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.text import fold, nfc
from app.core.transaction import domain_errors, message_for
from app.donors import services as donor_services
from app.donors.models import Donor, DonorKind
from app.extensions import db
from app.ledger.models import PURPOSE_LABELS, Purpose
from app.pledges import services
from app.pledges.forms import (
    EditPledgeForm,
    ReceiptForm,
    StaffClaimForm,
    StatusForm,
    parse_instalments,
)
from app.pledges.models import (
    PLEDGE_STATUS_LABELS,
    Pledge,
    PledgeKind,
    PledgeSchedule,
    PledgeStatus,
)
from app.pledges.references import normalize as normalize_reference
from app.pledges.views.common import bp, receipt_facts, staff_sees

PER_PAGE = 50


def _staff_pledge(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not staff_sees(pledge):
        abort(404)
    return pledge


def _scope(user: User) -> ColumnElement[bool]:
    return or_(
        unit_scope_clause(user, Pledge.receiving_unit_id), unit_scope_clause(user, Pledge.earmark_unit_id)
    )


def _page_of(query, page: int) -> tuple[int, list[Pledge]]:  # type: ignore[no-untyped-def]
    """The number of matching pledges and one page of them, newest first, from one pass over the matches
    (their ids and dates only, counted by a window), then only the page's pledges and donors are loaded."""
    matching = query.with_only_columns(Pledge.id, Pledge.created_at).subquery("matching")
    rows = db.session.execute(
        select(matching.c.id, func.count().over())
        .order_by(matching.c.created_at.desc(), matching.c.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    if not rows:  # nothing on this page: the count still tells how many pages there are
        return db.session.execute(select(func.count()).select_from(matching)).scalar_one(), []
    ids = [r[0] for r in rows]
    found = {
        p.id: p
        for p in db.session.execute(
            select(Pledge).where(Pledge.id.in_(ids)).options(selectinload(Pledge.donor))
        ).scalars()
    }
    return rows[0][1], [found[i] for i in ids]


@bp.route("/can-bo/dang-ky-ung-ho")
@staff_required()
def staff_list() -> ResponseReturnValue:
    status = request.args.get("trang_thai", "")
    overdue = request.args.get("overdue") in ("1", "on", "true")
    q = nfc(request.args.get("q", "").strip()) or ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    today = services.today_vn()
    query = select(Pledge).where(_scope(current_user))
    if status in {s.value for s in PledgeStatus}:
        query = query.where(Pledge.status == status)
    if overdue:
        query = services.only_overdue(query, today)
    if q:  # the donor is joined only when searching by name (plans stay simple on a national table)
        ref = normalize_reference(q)
        query = query.join(Donor, Donor.id == Pledge.donor_id).where(
            or_(Donor.search_key.contains(fold(q)), Pledge.reference == ref)
        )
    total, pledges = _page_of(query, page)
    ids = [p.id for p in pledges]
    paid_by = (
        dict(
            db.session.execute(
                select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
                .where(Contribution.pledge_id.in_(ids), Contribution.status == ContributionStatus.RECORDED)
                .group_by(Contribution.pledge_id)
            ).all()
        )
        if ids
        else {}
    )
    if overdue:  # every row shown is overdue: no need to ask again
        overdue_ids = set(ids)
    else:
        overdue_ids = (
            set(
                db.session.execute(
                    select(Pledge.id).where(Pledge.id.in_(ids), services.overdue_clause(today))
                ).scalars()
            )
            if ids
            else set()
        )
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template(
        "pledges/staff_list.html",
        pledges=pledges,
        paid_by=paid_by,
        overdue_ids=overdue_ids,
        status=status,
        overdue=overdue,
        q=q,
        page=page,
        pages=pages,
        total=total,
        statuses=PLEDGE_STATUS_LABELS,
    )


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>")
@staff_required()
def staff_detail(pledge_id: int) -> ResponseReturnValue:
    pledge = _staff_pledge(pledge_id)
    paid = services.amount_paid(db.session, pledge.id)
    contributions = (
        db.session.execute(
            select(Contribution)
            .where(
                or_(Contribution.pledge_id == pledge.id, Contribution.pledge_reference == pledge.reference)
            )
            .order_by(Contribution.received_at)
        )
        .scalars()
        .all()
    )
    return render_template(
        "pledges/staff_detail.html",
        pledge=pledge,
        paid=paid,
        outstanding=max(0, pledge.amount_vnd - paid),
        instalments=services.instalment_states(db.session, pledge, paid=paid),
        contributions=contributions,
        # a receipt opens only in its receiving unit's area (a commune sees a pledge the province received for)
        own_receipts={
            c.id for c in contributions if can_access_unit_id(db.session, current_user, c.receiving_unit_id)
        },
        status_form=StatusForm(),
        claim_form=StaffClaimForm(),
        overdue=services.overdue_amount(db.session, pledge),
        allowed=services.ALLOWED_MOVES[pledge.status],
        purpose_label=PURPOSE_LABELS[pledge.purpose],
    )


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>/sua", methods=["GET", "POST"])
@staff_required()
def staff_edit(pledge_id: int) -> ResponseReturnValue:
    pledge = _staff_pledge(pledge_id)
    form = EditPledgeForm()
    if request.method == "GET":
        form.amount.data = f"{pledge.amount_vnd:,}".replace(",", ".")
        form.schedule.data = pledge.schedule.value
        form.due_on.data = pledge.due_on
        for entry, inst in zip(form.instalments.entries, pledge.instalments, strict=False):
            entry.form.due_on.data = inst.due_on
            entry.form.amount.data = f"{inst.amount_vnd:,}".replace(",", ".")
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            amount = parse_vnd(form.amount.data, field="Số tiền đăng ký")
        except AmountError as exc:
            form.amount.errors.append(message_for(exc))
            amount = None
        schedule = PledgeSchedule(form.schedule.data or pledge.schedule.value)
        items = parse_instalments(form.instalments) if schedule == PledgeSchedule.INSTALMENTS else []
        if amount is not None and items is not None:
            with domain_errors(errors=services.PledgeError, quiet=True) as outcome:
                services.edit_pledge(
                    db.session,
                    Actor.from_request(),
                    pledge,
                    amount_vnd=amount,
                    schedule=schedule,
                    instalments=items,
                    due_on=form.due_on.data,
                )
            if not outcome.ok:
                problems.append(outcome.message)
            else:
                flash(_("Đã cập nhật đăng ký."), "success")
                return redirect(url_for("pledges.staff_detail", pledge_id=pledge.id))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    paid = services.amount_paid(db.session, pledge.id)
    return render_template(
        "pledges/staff_edit.html", pledge=pledge, form=form, problems=problems, paid=paid
    ), (422 if problems else 200)


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>/trang-thai", methods=["POST"])
@staff_required()
def staff_status(pledge_id: int) -> ResponseReturnValue:
    pledge = _staff_pledge(pledge_id)
    form = StatusForm()
    if form.validate_on_submit():
        with domain_errors(errors=services.PledgeError) as outcome:
            services.transition(
                db.session,
                Actor.from_request(),
                pledge,
                PledgeStatus(form.target.data),
                reason=form.reason.data or "",
            )
        if outcome.ok:
            flash(
                _("Đăng ký %(ref)s: %(status)s.", ref=pledge.reference, status=_(pledge.status_label)),
                "success",
            )
    else:
        flash(" ".join(field_problems(form)) or "Yêu cầu không hợp lệ.", "error")
    return redirect(url_for("pledges.staff_detail", pledge_id=pledge.id))


def _receipt_unit_id(pledge: Pledge | None) -> int | None:
    """Cash and goods are received by the officer's own unit (central admins: the pledge's receiving unit)."""
    if current_user.role == Role.CENTRAL_ADMIN:
        return pledge.receiving_unit_id if pledge else None
    return current_user.unit_id


@bp.route("/can-bo/bien-nhan/moi", methods=["GET", "POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def receipt_new() -> ResponseReturnValue:
    form = ReceiptForm()
    pledge = None
    ref = request.values.get("pledge_reference") or request.args.get("ma", "")
    ref_problem = None
    if ref:
        found = db.session.execute(
            select(Pledge).where(Pledge.reference == normalize_reference(ref))
        ).scalar_one_or_none()
        if found is not None and staff_sees(found):
            pledge = found
        else:
            ref_problem = "Mã đăng ký: không tìm thấy trong địa bàn của đồng chí."
    if request.method == "GET" and pledge is not None:
        form.pledge_reference.data = pledge.reference
        form.donor_name.data = pledge.donor.public_name
        form.purpose.data = pledge.purpose.value
        if pledge.kind == PledgeKind.IN_KIND:
            form.channel.data = "in_kind"
            form.in_kind_description.data = " – ".join(
                filter(None, [pledge.in_kind_description, pledge.in_kind_quantity])
            )
        due = services.outstanding(db.session, pledge)
        form.amount.data = f"{due:,}".replace(",", ".") if due else ""
    problems: list[str] = []
    valid = form.validate_on_submit()
    if ref_problem and request.method == "POST":
        form.pledge_reference.errors = [*form.pledge_reference.errors, ref_problem]
        valid = False
    if valid:
        try:
            amount = parse_vnd(form.amount.data, field="Số tiền")
        except AmountError as exc:
            form.amount.errors.append(message_for(exc))
            amount = None
        channel = Channel.IN_KIND if form.channel.data == "in_kind" else Channel.CASH
        description = (form.in_kind_description.data or "").strip() or None
        if channel == Channel.IN_KIND and not description:
            form.in_kind_description.errors.append("Mô tả hiện vật: chưa nhập.")
        if pledge is None and not (form.donor_name.data or "").strip() and form.anonymous.data != "anonymous":
            form.donor_name.errors.append("Người/đơn vị nộp: chưa nhập (hoặc chọn “Nhà hảo tâm”).")
        if form.received_on.data is None and not form.received_on.errors:
            form.received_on.errors = ["Ngày nhận: chưa nhập."]
        received_at = (
            datetime.combine(form.received_on.data, time(12, 0), tzinfo=VN_TZ).astimezone(UTC)
            if form.received_on.data
            else None
        )
        if received_at and form.received_on.data > services.today_vn():
            form.received_on.errors.append("Ngày nhận: không được sau hôm nay.")
        if amount is not None and not field_problems(form):
            actor = Actor.from_request()
            unit_id = _receipt_unit_id(pledge)
            key = request.form.get("idempotency_key") or None
            with domain_errors(errors=(ContributionError, services.PledgeError), quiet=True) as outcome:
                common: dict[str, Any] = dict(
                    amount_vnd=amount,
                    channel=channel,
                    received_at=received_at,
                    receiving_unit_id=unit_id,
                    in_kind_description=description,
                    source=f"staff:{current_user.id}",
                    idempotency_key=key,
                    note=form.note.data or "",
                )
                if pledge is not None:
                    item = MoneyIn(pledge_id=pledge.id, **common)
                    campaign = None
                else:
                    campaign = services.campaign_for(db.session, unit_id)
                    if campaign is None:
                        raise ContributionError(N_("Chưa có cuộc vận động đang diễn ra cho địa bàn này."))
                    item = MoneyIn(
                        display_name=form.donor_name.data,
                        is_anonymous=form.anonymous.data == "anonymous",
                        donor_kind=DonorKind.INDIVIDUAL,
                        purpose=Purpose(form.purpose.data),
                        **common,
                    )
                contribution = db.session.get_one(
                    Contribution, receive(db.session, actor, [item], campaign=campaign)[0].id
                )
            if not outcome.ok:
                problems.append(outcome.message)
            else:
                flash(_("Đã ghi biên nhận số %(no)s.", no=contribution.receipt_no), "success")
                return redirect(url_for("pledges.receipt", contribution_id=contribution.id))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    import secrets

    return render_template(
        "pledges/receipt_form.html",
        form=form,
        pledge=pledge,
        problems=problems,
        idempotency_key=request.form.get("idempotency_key") or secrets.token_urlsafe(16),
    ), (422 if problems else 200)


@bp.route("/can-bo/bien-nhan/<int:contribution_id>")
@staff_required()
def receipt(contribution_id: int) -> ResponseReturnValue:
    c = db.session.get(Contribution, contribution_id)
    if c is None or not can_access_unit_id(db.session, current_user, c.receiving_unit_id):
        abort(404)
    back = (
        url_for("pledges.staff_detail", pledge_id=c.pledge_id)
        if c.pledge_id
        else url_for("pledges.staff_list")
    )
    return render_template(
        "pledges/receipt.html",
        c=c,
        unit=c.receiving_unit,
        back=back,
        staff=True,
        purpose_label=PURPOSE_LABELS[c.purpose],
        **receipt_facts(c),
    )


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>/doanh-nghiep", methods=["POST"])
@staff_required()
def staff_claim(pledge_id: int) -> ResponseReturnValue:
    """Staff decide a pledge that names a business on file (issue 19.1): it is the business's (attach), it is
    not (reject), or the business record itself is verified so its users can confirm. Always with a reason."""
    pledge = _staff_pledge(pledge_id)
    if pledge.claimed_donor is None:
        abort(404)
    form = StaffClaimForm()
    action = request.form.get("action")
    if form.validate_on_submit():
        actor = Actor.from_request()
        with domain_errors(errors=donor_services.DonorError, quiet=True) as outcome:
            if action == "attach":
                donor_services.attach_pledge(
                    db.session, actor, pledge, how="staff", reason=form.reason.data or ""
                )
            elif action == "reject":
                donor_services.reject_claim(
                    db.session, actor, pledge, how="staff", reason=form.reason.data or ""
                )
            else:
                donor_services.verify_business(
                    db.session, actor, pledge.claimed_donor, form.reason.data or ""
                )
        if outcome.ok:
            flash(_("Đã lưu."), "success")
        else:
            flash(outcome.message, "error")
    else:
        flash(" ".join(field_problems(form)) or _("Lý do: chưa nhập."), "error")
    return redirect(url_for("pledges.staff_detail", pledge_id=pledge.id))
