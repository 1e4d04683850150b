"""Goods pages: the stores and handouts (staff of the area), and each store's public summary (where the goods went)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.contributions.models import Channel, Contribution
from app.core.actor import Actor
from app.core.transaction import domain_errors, flash_result
from app.extensions import db
from app.goods import services
from app.goods.forms import ConfirmForm, HandoutForm, ListForm, ReasonForm, ReceiveForm
from app.goods.models import GoodsHandout, GoodsStock, HandoutStatus, Measure, RecipientKind
from app.needs.funding import PUBLIC_STATUSES, REVERSE_DISBURSEMENT_ROLES
from app.units.models import AdminUnit

bp = Blueprint("goods", __name__)

STAFF = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER)
ENTRY = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)


def _actor() -> Actor:
    return Actor.from_request()


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _unit_or_404(unit_id: int) -> AdminUnit:
    unit = db.session.get(AdminUnit, unit_id) or abort(404)
    require_unit(unit.id)
    return unit


def _handout_or_404(handout_id: int) -> GoodsHandout:
    handout = db.session.get(GoodsHandout, handout_id) or abort(404)
    require_unit(handout.unit_id)
    return handout


# ----------------------------------------------------------------------------------------- staff: stores
@bp.route("/can-bo/kho-hang")
@staff_required(*STAFF)
def index() -> ResponseReturnValue:
    units = services.stores_with_goods(db.session, unit_scope_clause(current_user, GoodsStock.unit_id))
    handouts = list(
        db.session.execute(
            select(GoodsHandout)
            .where(unit_scope_clause(current_user, GoodsHandout.unit_id))
            .order_by(GoodsHandout.id.desc())
            .limit(50)
        ).scalars()
    )
    return render_template(
        "goods/index.html",
        units=units,
        handouts=handouts,
        to_receive=services.contributions_to_receive(db.session, _user()),
    )


@bp.route("/can-bo/kho-hang/nhap/<int:contribution_id>", methods=["GET", "POST"])
@staff_required(*ENTRY)
def receive(contribution_id: int) -> ResponseReturnValue:
    gift = db.session.get(Contribution, contribution_id) or abort(404)
    if gift.channel != Channel.IN_KIND or gift.pool_unit_id is None:
        abort(404)
    require_unit(gift.pool_unit_id)
    form = ReceiveForm()
    left = gift.amount_vnd - services.received_value(db.session, gift.id)
    if request.method == "GET":
        form.item.data = ""
        form.value.data = f"{max(left, 0):,}".replace(",", ".")
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.receive_goods(
                db.session,
                _actor(),
                _user(),
                gift.id,
                item=form.item.data or "",
                measure=Measure(form.measure.data),
                quantity=form.quantity.number,
                value_vnd=form.value.amount,
                note=form.note.data or "",
            )
            flash(_("Đã nhập kho."), "success")
        if outcome.ok:
            return redirect(url_for("goods.store", unit_id=gift.pool_unit_id))
    status = 400 if request.method == "POST" else 200
    return render_template("goods/receive.html", form=form, gift=gift, left=left), status


@bp.route("/can-bo/kho-hang/<int:unit_id>")
@staff_required(*STAFF)
def store(unit_id: int) -> ResponseReturnValue:
    unit = _unit_or_404(unit_id)
    return render_template(
        "goods/store.html",
        unit=unit,
        summary=services.store_summary(db.session, unit.id),
        handouts=services.handouts_of(db.session, unit.id),
        can_enter=current_user.role in ENTRY or current_user.role == Role.CENTRAL_ADMIN,
    )


def _handout_form(unit: AdminUnit, formdata: object = "default") -> HandoutForm:
    form = HandoutForm() if formdata == "default" else HandoutForm(formdata=None)
    stocks = [s for s in services.stocks_of(db.session, unit.id) if s.quantity > 0]
    stock_choices = [(0, "—")] + [(s.id, f"{s.item} ({s.quantity} {_(s.measure_label)})") for s in stocks]
    need_choices = [(0, "—")] + [
        (n.id, f"#{n.id} {n.head_initials}") for n in services.needs_of_unit(db.session, unit.id)
    ]
    for entry in form.lines:
        entry.form.stock_id.choices = stock_choices
        entry.form.need_id.choices = need_choices
    return form


def _lines(form: HandoutForm) -> list[services.LineInput]:
    out = []
    for entry in form.lines:
        sid, qty = entry.form.stock_id.data, getattr(entry.form.quantity, "number", None)
        if not sid and not qty:
            continue
        out.append(
            services.LineInput(int(sid or 0), int(qty or 0), int(entry.form.need_id.data or 0) or None)
        )
    return out


@bp.route("/can-bo/kho-hang/<int:unit_id>/xuat", methods=["GET", "POST"])
@staff_required(*ENTRY)
def prepare(unit_id: int) -> ResponseReturnValue:
    unit = _unit_or_404(unit_id)
    form = _handout_form(unit)
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            handout = services.prepare_handout(
                db.session,
                _actor(),
                _user(),
                unit.id,
                recipient_kind=RecipientKind(form.recipient_kind.data),
                lines=_lines(form),
                project_name=form.project_name.data or "",
                note=form.note.data or "",
            )
            flash(_("Đã lập phiếu xuất kho %(ref)s, chờ người khác duyệt.", ref=handout.reference), "success")
        if outcome.ok:
            return redirect(url_for("goods.handout_page", handout_id=handout.id))
    status = 400 if request.method == "POST" else 200
    return render_template("goods/prepare.html", form=form, unit=unit), status


# ----------------------------------------------------------------------------------------- staff: a handout
@bp.route("/can-bo/phieu-xuat/<int:handout_id>")
@staff_required(*STAFF)
def handout_page(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    people = services.handout_editors(db.session, handout.id)
    ids = people | {
        handout.approved_by_id or 0,
        handout.list_uploaded_by_id or 0,
        handout.confirmed_by_id or 0,
    }
    names = {
        u.id: u.full_name or u.email
        for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()
    }
    role = current_user.role
    return render_template(
        "goods/handout.html",
        handout=handout,
        names=names,
        editors=sorted(names.get(e, str(e)) for e in people),
        confirm_form=ConfirmForm(formdata=None),
        list_form=ListForm(formdata=None),
        reason_form=ReasonForm(formdata=None),
        can_approve=role in (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN),
        can_reverse=role in REVERSE_DISBURSEMENT_ROLES,
    )


def _back(handout: GoodsHandout) -> Response:
    return redirect(url_for("goods.handout_page", handout_id=handout.id))


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/duyet", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF, Role.APPROVER)
def approve(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    flash_result(
        lambda: services.approve_handout(db.session, _actor(), _user(), handout.id),
        _("Đã duyệt phiếu xuất kho %(ref)s.", ref=handout.reference),
    )
    return _back(handout)


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/danh-sach", methods=["POST"])
@staff_required(*STAFF)
def upload(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    form = ListForm()
    if not form.validate_on_submit():
        abort(400)
    flash_result(
        lambda: services.upload_signed_list(
            db.session, _actor(), _user(), handout.id, request.files.get("file"), form.document_ref.data or ""
        ),
        _("Đã tải danh sách ký nhận lên; người thứ hai xác nhận để hoàn tất."),
    )
    return _back(handout)


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/danh-sach-ky")
@staff_required(*STAFF)
def list_file(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    try:
        path = services.list_path(handout)
    except services.GoodsError:
        abort(404)
    if not path.is_file():
        abort(404)
    kind = handout.list_file_kind
    resp = send_file(
        path,
        mimetype={"pdf": "application/pdf", "png": "image/png"}.get(kind, "image/jpeg"),
        max_age=0,
        as_attachment=kind == "pdf",
        download_name=f"danh-sach-{handout.reference}.{kind}",
    )
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/xac-nhan", methods=["POST"])
@staff_required(*STAFF)
def confirm(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    flash_result(
        lambda: services.confirm_handout(db.session, _actor(), _user(), handout.id),
        _("Đã xác nhận cấp phát: hàng đã ra khỏi kho và được ghi sổ quỹ."),
    )
    return _back(handout)


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/huy", methods=["POST"])
@staff_required(*STAFF)
def cancel(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Lý do: chưa nhập."), "error")
        return _back(handout)
    flash_result(
        lambda: services.cancel_handout(db.session, _actor(), _user(), handout.id, form.reason.data or ""),
        _("Đã hủy phiếu xuất kho."),
    )
    return _back(handout)


@bp.route("/can-bo/phieu-xuat/<int:handout_id>/dao", methods=["POST"])
@staff_required(Role.APPROVER)
def reverse(handout_id: int) -> ResponseReturnValue:
    handout = _handout_or_404(handout_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Lý do: chưa nhập."), "error")
        return _back(handout)
    flash_result(
        lambda: services.reverse_handout(db.session, _actor(), _user(), handout.id, form.reason.data or ""),
        _("Đã đảo phiếu xuất kho: hàng trở lại kho, sổ quỹ ghi bút toán đảo."),
    )
    return _back(handout)


# ----------------------------------------------------------------------------------------- public
@bp.route("/cong-khai/kho-hang")
def public_index() -> ResponseReturnValue:
    return render_template("goods/public_index.html", units=services.stores_with_goods(db.session))


@bp.route("/cong-khai/kho-hang/<int:unit_id>")
def public_store(unit_id: int) -> ResponseReturnValue:
    unit = db.session.get(AdminUnit, unit_id) or abort(404)
    summary = services.store_summary(db.session, unit.id)
    if not summary:
        abort(404)
    return render_template(
        "goods/public_store.html",
        unit=unit,
        summary=summary,
        destinations=services.public_destinations(db.session, unit.id),
        public_statuses=PUBLIC_STATUSES,
        done=HandoutStatus.DONE,
    )
