"""Payout pages (staff of the household's area): payment details, orders, approval, proofs, the bank file."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.core.transaction import domain_errors, flash_result
from app.core.uploads import UploadError
from app.core.web import download
from app.extensions import db
from app.needs.models import NEED_STATUS_LABELS, HouseholdNeed, NeedStatus, TrancheKind
from app.payouts import services
from app.payouts.forms import (
    CancelForm,
    ConfirmCashForm,
    ConfirmForm,
    DetailsForm,
    ExportForm,
    OrderForm,
    ProofForm,
    RevealForm,
)
from app.payouts.models import (
    ORDER_STATUS_LABELS,
    PROOF_KIND_LABELS,
    SIGNED_PROOFS,
    OrderStatus,
    PayMethod,
    PayoutBatch,
    PayoutOrder,
    PayoutProof,
    ProofKind,
)

bp = Blueprint("payouts", __name__)

STAFF = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER)
PAGE_SIZE = 100


def _actor() -> Actor:
    return Actor.from_request()


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _need_or_404(need_id: int) -> HouseholdNeed:
    need = db.session.get(HouseholdNeed, need_id)
    if need is None:
        abort(404)
    require_unit(need.commune_id)
    return need


def _order_or_404(order_id: int) -> PayoutOrder:
    order = db.session.get(PayoutOrder, order_id)
    if order is None:
        abort(404)
    require_unit(order.commune_id)
    return order


def _no_store(resp: str) -> Response:
    r = make_response(resp)
    r.headers["Cache-Control"] = "no-store"
    return r


# ----------------------------------------------------------------------------------------- list and bank file
def _export_form() -> ExportForm:
    form = ExportForm()
    accounts = db.session.execute(
        select(OfficialBankAccount)
        .where(OfficialBankAccount.is_active, unit_scope_clause(current_user, OfficialBankAccount.unit_id))
        .order_by(OfficialBankAccount.id)
    ).scalars()
    form.paying_account_id.choices = [
        (a.id, f"{a.bank_name} …{a.account_number[-4:]} – {a.account_name}") for a in accounts
    ]
    approved = db.session.execute(
        select(PayoutOrder)
        .where(
            PayoutOrder.status == OrderStatus.APPROVED,
            PayoutOrder.method == PayMethod.BANK,
            unit_scope_clause(current_user, PayoutOrder.commune_id),
        )
        .order_by(PayoutOrder.id)
        .limit(500)
    ).scalars()
    form.order_ids.choices = [
        (o.id, f"{o.reference} · {o.amount_vnd:,} ₫".replace(",", ".")) for o in approved
    ]
    return form


@bp.route("/can-bo/chi-tra")
@staff_required(*STAFF)
def index() -> ResponseReturnValue:
    status = request.args.get("status", "")
    q = (
        select(PayoutOrder)
        .where(unit_scope_clause(current_user, PayoutOrder.commune_id))
        .options(selectinload(PayoutOrder.need))
        .order_by(PayoutOrder.id.desc())
        .limit(PAGE_SIZE)
    )
    if status in ORDER_STATUS_LABELS:
        q = q.where(PayoutOrder.status == status)
    orders = list(db.session.execute(q).scalars())
    batches = list(
        db.session.execute(
            select(PayoutBatch)
            .join(OfficialBankAccount, OfficialBankAccount.id == PayoutBatch.paying_account_id)
            .where(unit_scope_clause(current_user, OfficialBankAccount.unit_id))
            .order_by(PayoutBatch.id.desc())
            .limit(20)
        ).scalars()
    )
    return render_template(
        "payouts/index.html",
        orders=orders,
        status=status,
        status_labels=ORDER_STATUS_LABELS,
        batches=batches,
        export_form=_export_form(),
    )


@bp.route("/can-bo/chi-tra/xuat-tep", methods=["POST"])
@staff_required(*STAFF)
def export() -> ResponseReturnValue:
    form = _export_form()
    if not form.validate_on_submit():
        flash(
            " ".join(str(e) for errs in form.errors.values() for e in errs) or _("Biểu mẫu không hợp lệ."),
            "error",
        )
        return redirect(url_for("payouts.index"))
    with domain_errors(form) as outcome:
        batch = services.export_batch(
            db.session, _actor(), _user(), list(form.order_ids.data or []), form.paying_account_id.data
        )
        flash(_("Đã lập tệp chi #%(id)s: tải tệp rồi đưa lên ngân hàng điện tử.", id=batch.id), "success")
    if not outcome.ok:
        return redirect(url_for("payouts.index"))
    return redirect(url_for("payouts.index", status="exported"))


@bp.route("/can-bo/chi-tra/tep/<int:batch_id>.csv")
@staff_required(*STAFF)
def batch_file(batch_id: int) -> ResponseReturnValue:
    try:
        data = services.batch_file(db.session, _actor(), _user(), batch_id)
    except services.PayoutError:
        abort(404)
    return download(data, f"chi-tra-{batch_id}.csv", "text/csv; charset=utf-8")


# ----------------------------------------------------------------------------------------- a household
def _need_page(
    need: HouseholdNeed,
    *,
    details_form: DetailsForm | None = None,
    reveal_form: RevealForm | None = None,
    order_form: OrderForm | None = None,
    proof_form: ProofForm | None = None,
    revealed: services.Revealed | None = None,
) -> Response:
    """The household's payout page (never cached: it may show revealed details)."""
    details = services.details_of(db.session, need.id)
    orders = services.orders_of_need(db.session, need.id)
    proofs = services.proofs_of_need(db.session, need.id)
    if details_form is None:
        details_form = DetailsForm(formdata=None)
        if details is not None:
            details_form.method.data = details.method.value
            details_form.bank_name.data = details.bank_name
    return _no_store(
        render_template(
            "payouts/need.html",
            need=need,
            details=details,
            masked=services.masked(details) if details else None,
            revealed=revealed,
            orders=orders,
            proofs=proofs,
            details_form=details_form,
            reveal_form=reveal_form or RevealForm(formdata=None),
            order_form=order_form or OrderForm(formdata=None),
            proof_form=proof_form or _proof_form(need, orders, formdata=None),
            available_vnd=need.funded_vnd - need.disbursed_vnd,
            can_enter=current_user.role in services.ENTRY_ROLES,
        )
    )


def _proof_form(need: HouseholdNeed, orders: list[PayoutOrder], formdata: object = True) -> ProofForm:
    form = ProofForm() if formdata is True else ProofForm(formdata=None)
    form.order_id.choices = [(0, _("— Không thuộc lệnh chi nào —"))] + [
        (o.id, f"{o.reference} ({_(o.status_label)})") for o in orders
    ]
    form.stage.choices = [("", _("— Không theo giai đoạn —"))] + [
        (s.value, _(NEED_STATUS_LABELS[s]))
        for s in (NeedStatus.STARTED, NeedStatus.COMPLETED, NeedStatus.HANDED_OVER)
    ]
    return form


@bp.route("/can-bo/chi-tra/ho/<int:need_id>")
@staff_required(*STAFF)
def need_page(need_id: int) -> ResponseReturnValue:
    return _need_page(_need_or_404(need_id))


@bp.route("/can-bo/chi-tra/ho/<int:need_id>/thong-tin-nhan-tien", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def set_details(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = DetailsForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.set_payment_details(
                db.session,
                _actor(),
                _user(),
                need.id,
                services.DetailsInput(
                    PayMethod(form.method.data),
                    bank_name=form.bank_name.data or "",
                    account_number=form.account_number.data or "",
                    holder_name=form.holder_name.data or "",
                    recipient_name=form.recipient_name.data or "",
                    witness_name=form.witness_name.data or "",
                ),
            )
            flash(_("Đã lưu thông tin nhận tiền."), "success")
        if outcome.ok:
            return redirect(url_for("payouts.need_page", need_id=need.id))
    return _need_page(need, details_form=form), 400


@bp.route("/can-bo/chi-tra/ho/<int:need_id>/xem-thong-tin", methods=["POST"])
@staff_required(*STAFF)
def reveal(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = RevealForm()
    revealed = None
    if form.validate_on_submit():
        with domain_errors(form):
            revealed = services.reveal_payment_details(
                db.session, _actor(), _user(), need.id, form.reason.data or ""
            )
    if revealed is None:
        return _need_page(need, reveal_form=form), 400
    return _need_page(need, revealed=revealed, reveal_form=RevealForm(formdata=None))


@bp.route("/can-bo/chi-tra/ho/<int:need_id>/lap-lenh", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def prepare(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = OrderForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            order = services.prepare_order(
                db.session,
                _actor(),
                _user(),
                need.id,
                form.amount.amount,
                TrancheKind(form.tranche.data),
                form.note.data or "",
            )
            flash(_("Đã lập lệnh chi %(ref)s: chờ người thứ hai duyệt.", ref=order.reference), "success")
        if outcome.ok:
            return redirect(url_for("payouts.order_page", order_id=order.id))
    return _need_page(need, order_form=form), 400


@bp.route("/can-bo/chi-tra/ho/<int:need_id>/chung-tu", methods=["POST"])
@staff_required(*STAFF)
def upload(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = _proof_form(need, services.orders_of_need(db.session, need.id))
    if form.validate_on_submit():
        with domain_errors(form, errors=(ValueError, UploadError), field="file") as outcome:
            services.upload_proof(
                db.session,
                _actor(),
                _user(),
                need.id,
                form.file.data,
                ProofKind(form.kind.data),
                order_id=form.order_id.data or None,
                stage=NeedStatus(form.stage.data) if form.stage.data else None,
                document_ref=form.document_ref.data or "",
            )
            flash(_("Đã tải chứng từ lên."), "success")
        if outcome.ok:
            back = request.form.get("back", type=int)
            if back:
                return redirect(url_for("payouts.order_page", order_id=back))
            return redirect(url_for("payouts.need_page", need_id=need.id))
    return _need_page(need, proof_form=form), 400


@bp.route("/can-bo/chi-tra/chung-tu/<int:proof_id>")
@staff_required(*STAFF)
def proof_file(proof_id: int) -> ResponseReturnValue:
    proof = db.session.get(PayoutProof, proof_id) or abort(404)
    _need_or_404(proof.need_id)
    try:
        path = services.proof_path(proof)
    except services.PayoutError:
        abort(404)
    if not path.is_file():
        abort(404)
    mimetype = {"pdf": "application/pdf", "png": "image/png"}.get(proof.file_kind, "image/jpeg")
    resp = send_file(
        path,
        mimetype=mimetype,
        max_age=0,
        as_attachment=proof.file_kind == "pdf",
        download_name=f"chung-tu-{proof.id}.{proof.file_kind}",
    )
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# ----------------------------------------------------------------------------------------- an order
def _order_page(
    order: PayoutOrder, *, edit_form: OrderForm | None = None, cancel_form: CancelForm | None = None
) -> str:
    need = db.session.get_one(HouseholdNeed, order.need_id)
    details = services.details_of(db.session, need.id)
    if edit_form is None:
        edit_form = OrderForm(formdata=None)
        edit_form.tranche.data = order.tranche.value
        edit_form.amount.data = f"{order.amount_vnd:,}".replace(",", ".")
        edit_form.note.data = order.note
    proofs = [p for p in services.proofs_of_need(db.session, need.id) if p.order_id == order.id]
    cash_form = ConfirmCashForm(formdata=None)
    cash_form.proof_id.choices = [
        (p.id, f"{_(p.kind_label)} {p.document_ref}".strip()) for p in proofs if p.kind in SIGNED_PROOFS
    ]
    editors = services.order_editors(db.session, order.id)
    names = {
        u.id: u.full_name or u.email
        for u in db.session.execute(
            select(User).where(User.id.in_(editors | {order.approved_by_id or 0}))
        ).scalars()
    }
    proof_form = _proof_form(need, [order], formdata=None)
    proof_form.order_id.data = order.id
    return render_template(
        "payouts/order.html",
        order=order,
        need=need,
        details=details,
        masked=services.masked(details) if details else None,
        edit_form=edit_form,
        cancel_form=cancel_form or CancelForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        cash_form=cash_form,
        proof_form=proof_form,
        proofs=proofs,
        editors=sorted(names.get(e, str(e)) for e in editors),
        approver_name=names.get(order.approved_by_id or 0, ""),
        can_enter=current_user.role in services.ENTRY_ROLES,
        can_approve=current_user.role in services.APPROVE_ROLES,
        proof_kinds=PROOF_KIND_LABELS,
    )


@bp.route("/can-bo/chi-tra/lenh/<int:order_id>")
@staff_required(*STAFF)
def order_page(order_id: int) -> ResponseReturnValue:
    return _order_page(_order_or_404(order_id))


@bp.route("/can-bo/chi-tra/lenh/<int:order_id>/sua", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def edit(order_id: int) -> ResponseReturnValue:
    order = _order_or_404(order_id)
    form = OrderForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.edit_order(
                db.session,
                _actor(),
                _user(),
                order.id,
                form.amount.amount,
                TrancheKind(form.tranche.data),
                form.note.data or "",
            )
            flash(_("Đã sửa lệnh chi: lệnh cần được duyệt (lại) bởi người khác."), "success")
        if outcome.ok:
            return redirect(url_for("payouts.order_page", order_id=order.id))
    return _order_page(order, edit_form=form), 400


@bp.route("/can-bo/chi-tra/lenh/<int:order_id>/duyet", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF, Role.APPROVER)
def approve(order_id: int) -> ResponseReturnValue:
    order = _order_or_404(order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    flash_result(
        lambda: services.approve_order(db.session, _actor(), _user(), order.id),
        _("Đã duyệt lệnh chi %(ref)s.", ref=order.reference),
    )
    return redirect(url_for("payouts.order_page", order_id=order.id))


@bp.route("/can-bo/chi-tra/lenh/<int:order_id>/huy", methods=["POST"])
@staff_required(*STAFF)
def cancel(order_id: int) -> ResponseReturnValue:
    order = _order_or_404(order_id)
    form = CancelForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.cancel_order(db.session, _actor(), _user(), order.id, form.reason.data or "")
            flash(_("Đã hủy lệnh chi."), "success")
        if outcome.ok:
            return redirect(url_for("payouts.order_page", order_id=order.id))
    return _order_page(order, cancel_form=form), 400


@bp.route("/can-bo/chi-tra/lenh/<int:order_id>/xac-nhan-tien-mat", methods=["POST"])
@staff_required(*STAFF)
def confirm_cash(order_id: int) -> ResponseReturnValue:
    order = _order_or_404(order_id)
    form = ConfirmCashForm()
    form.proof_id.choices = [
        (p.id, str(p.id))
        for p in db.session.execute(select(PayoutProof).where(PayoutProof.order_id == order.id)).scalars()
    ]
    if not form.validate_on_submit():
        flash(_("Chọn chứng từ có chữ ký của lệnh chi này."), "error")
        return redirect(url_for("payouts.order_page", order_id=order.id))
    flash_result(
        lambda: services.confirm_cash_paid(db.session, _actor(), _user(), order.id, form.proof_id.data),
        _("Đã xác nhận chi tiền mặt: khoản giải ngân đã được ghi sổ."),
    )
    return redirect(url_for("payouts.order_page", order_id=order.id))
