"""Staff pages for the official bank accounts: list, register, edit, deactivate, and the second central admin's
approval (issue 17 item 7; the rules in app.banking.changes). Central admins only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.access import staff_required
from app.accounts.models import Role, User
from app.banking import changes
from app.banking.forms import AccountForm, ConfirmForm, ReasonForm
from app.banking.models import (
    CHANGE_KIND_LABELS,
    CHANGE_STATUS_LABELS,
    FEED_PROVIDER_LABELS,
    BankAccountChange,
    ChangeStatus,
    OfficialBankAccount,
)
from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.messages import N_
from app.core.transaction import domain_errors
from app.extensions import db
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("banking", __name__, url_prefix="/can-bo/tai-khoan-ngan-hang")

FIELD_LABELS = {
    "unit_id": "Đơn vị sở hữu",
    "bank_bin": N_("Mã BIN"),
    "bank_name": "Ngân hàng",
    "account_number": "Số tài khoản",
    "account_name": "Chủ tài khoản",
    "swift_code": "Mã SWIFT/BIC",
}


def _account_or_404(account_id: int) -> OfficialBankAccount:
    account = db.session.get(OfficialBankAccount, account_id)
    if account is None:
        abort(404)
    return account


def _unit_choices(form: AccountForm) -> None:
    rows = db.session.execute(
        select(AdminUnit).where(
            AdminUnit.valid_to.is_(None), AdminUnit.level.in_([UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        )
    ).scalars()
    units = units_sorted(rows)
    form.unit_id.choices = [SelectChoice("", _("Ban vận động Trung ương"))] + [
        SelectChoice(str(u.id), u.full_name) for u in units
    ]


def _input(form: AccountForm) -> changes.AccountInput:
    raw = form.unit_id.data or ""
    return changes.AccountInput(
        unit_id=int(raw) if str(raw).isdecimal() and int(raw) < 2**31 else None,
        bank_bin=form.bank_bin.data or "",
        account_number=form.account_number.data or "",
        account_name=form.account_name.data or "",
        branch=form.branch.data or "",
        swift_code=form.swift_code.data or "",
        feed_provider=form.feed_provider.data or "",
        feed_secret_env=form.feed_secret_env.data or "",
    )


@bp.route("/")
@staff_required(Role.CENTRAL_ADMIN)
def accounts() -> ResponseReturnValue:
    rows = list(
        db.session.execute(
            select(OfficialBankAccount).order_by(
                OfficialBankAccount.is_active.desc(),
                OfficialBankAccount.unit_id.is_not(None),
                OfficialBankAccount.unit_id,
                OfficialBankAccount.id,
            )
        ).scalars()
    )
    pending = {
        c.account_id: c
        for c in db.session.execute(
            select(BankAccountChange).where(BankAccountChange.status == ChangeStatus.PENDING)
        ).scalars()
    }
    return render_template(
        "banking/accounts.html",
        accounts=rows,
        pending=pending,
        kind_labels=CHANGE_KIND_LABELS,
        feed_labels=FEED_PROVIDER_LABELS,
    )


@bp.route("/moi", methods=["GET", "POST"])
@staff_required(Role.CENTRAL_ADMIN)
def new_account() -> ResponseReturnValue:
    form = AccountForm()
    _unit_choices(form)
    if form.validate_on_submit():
        with domain_errors(form, errors=changes.BankingError) as outcome:
            change = changes.propose_account(db.session, Actor.from_request(), _input(form))
        if outcome.ok:
            flash(
                _(
                    "Đã đăng ký tài khoản; tài khoản chỉ được công bố sau khi một quản trị viên khác phê duyệt."
                ),
                "success",
            )
            return redirect(url_for("banking.account", account_id=change.account_id))
    return render_template("banking/form.html", form=form, account=None, change=None), (
        422 if form.errors else 200
    )


@bp.route("/<int:account_id>", methods=["GET", "POST"])
@staff_required(Role.CENTRAL_ADMIN)
def account(account_id: int) -> ResponseReturnValue:
    acc = _account_or_404(account_id)
    change = changes.pending_change(db.session, acc.id)
    form = AccountForm(data=changes.input_from(acc) | (change.proposed if change else {}))
    _unit_choices(form)
    if form.validate_on_submit():
        with domain_errors(form, errors=changes.BankingError) as outcome:
            change = changes.edit_account(db.session, Actor.from_request(), acc, _input(form))
        if outcome.ok:
            flash(
                _(
                    "Đã lưu. Thay đổi số tài khoản, ngân hàng, chủ tài khoản, đơn vị hoặc mã SWIFT chờ một quản trị viên khác phê duyệt."
                )
                if change is not None
                else _("Đã lưu."),
                "success",
            )
            return redirect(url_for("banking.account", account_id=acc.id))
    history = list(
        db.session.execute(
            select(BankAccountChange)
            .where(BankAccountChange.account_id == acc.id)
            .order_by(BankAccountChange.id.desc())
        ).scalars()
    )
    user_ids = {uid for c in history for uid in [*c.participant_ids, c.decided_by_id] if uid}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids or {0}))).scalars()}
    return render_template(
        "banking/form.html",
        form=form,
        account=acc,
        change=change,
        history=history,
        users=users,
        may_approve=change is not None and current_user.id not in change.participant_ids,
        kind_labels=CHANGE_KIND_LABELS,
        status_labels=CHANGE_STATUS_LABELS,
        field_labels=FIELD_LABELS,
        confirm_form=ConfirmForm(),
        reason_form=ReasonForm(),
    ), (422 if form.errors else 200)


def _change_or_404(change_id: int) -> BankAccountChange:
    change = db.session.get(BankAccountChange, change_id)
    if change is None:
        abort(404)
    return change


@bp.post("/thay-doi/<int:change_id>/phe-duyet")
@staff_required(Role.CENTRAL_ADMIN)
def approve(change_id: int) -> ResponseReturnValue:
    change = _change_or_404(change_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with domain_errors(errors=changes.BankingError) as outcome:
            changes.approve_change(db.session, Actor.from_request(), change)
        if outcome.ok:
            flash(_("Đã phê duyệt: tài khoản được công bố và dùng cho mã VietQR."), "success")
    return redirect(url_for("banking.account", account_id=change.account_id))


@bp.post("/thay-doi/<int:change_id>/tu-choi")
@staff_required(Role.CENTRAL_ADMIN)
def reject(change_id: int) -> ResponseReturnValue:
    change = _change_or_404(change_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with domain_errors(errors=changes.BankingError) as outcome:
            changes.reject_change(db.session, Actor.from_request(), change, form.reason.data or "")
        if outcome.ok:
            flash(_("Đã từ chối thay đổi."), "success")
    else:
        flash(_("Lý do: chưa nhập."), "error")
    return redirect(url_for("banking.account", account_id=change.account_id))


@bp.post("/<int:account_id>/ngung")
@staff_required(Role.CENTRAL_ADMIN)
def deactivate(account_id: int) -> ResponseReturnValue:
    acc = _account_or_404(account_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with domain_errors(errors=changes.BankingError) as outcome:
            changes.deactivate(db.session, Actor.from_request(), acc, form.reason.data or "")
        if outcome.ok:
            flash(_("Đã ngừng sử dụng tài khoản; tài khoản không còn hiện với nhà tài trợ."), "success")
    else:
        flash(_("Lý do ngừng sử dụng: chưa nhập."), "error")
    return redirect(url_for("banking.account", account_id=acc.id))


@bp.post("/<int:account_id>/mo-lai")
@staff_required(Role.CENTRAL_ADMIN)
def reactivate(account_id: int) -> ResponseReturnValue:
    acc = _account_or_404(account_id)
    if ConfirmForm().validate_on_submit():
        with domain_errors(errors=changes.BankingError) as outcome:
            changes.request_reactivation(db.session, Actor.from_request(), acc)
        if outcome.ok:
            flash(_("Đã đề nghị mở lại; cần một quản trị viên khác phê duyệt."), "success")
    return redirect(url_for("banking.account", account_id=acc.id))
