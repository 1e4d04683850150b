"""The feed providers' webhooks, the staff list of feed transactions and the reconciliation page per account/day."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import staff_required
from app.accounts.models import Role
from app.bankfeed import reconcile, services
from app.bankfeed.adapters import PROVIDERS, FeedRefused
from app.bankfeed.forms import ActionForm, AttributeForm, ExplainForm
from app.bankfeed.models import BankFeedTransaction, FeedStatus
from app.banking.models import OfficialBankAccount
from app.banking.services import accounts_in_scope
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.transaction import domain_errors
from app.extensions import csrf, db

bp = Blueprint("bankfeed", __name__)
LIST_LIMIT = 200


# ------------------------------------------------------------------------------------------------ webhooks
@bp.post("/api/bankfeed/<provider>")
@csrf.exempt
def webhook(provider: str) -> ResponseReturnValue:
    """One notification per bank transaction. Answers 2xx for a new or an already received notification (the
    provider stops retrying), 401 for a bad signature or key, 400 for a payload we cannot read and (as the
    Stripe webhook) for a provider whose secret is not configured. The answer does not wait for the money to be
    recorded: a 200 means stored (or already stored)."""
    spec = PROVIDERS.get(provider)
    if spec is None:
        abort(404)
    body = request.get_data()
    notification, unreadable, account = services.read_notification(db.session, spec, body)
    secret = services.feed_secret(db.session, spec, account, current_app.config)
    if not secret:
        return {"success": False, "error": "Kênh nhận giao dịch này chưa được cấu hình."}, 400
    try:
        spec.verify(request.headers, body, secret, current_app.config["BANKFEED_TOLERANCE_SECONDS"])
        if unreadable is not None:
            raise unreadable
    except FeedRefused as exc:
        current_app.logger.warning("bank feed %s refused: %s", provider, exc)
        return {"success": False, "error": str(exc)}, exc.status
    assert notification is not None  # noqa: S101 - read, or `unreadable` was raised
    # Stored (once, whatever the number of deliveries) and answered now; the money is recorded by the task
    # bankfeed.record_pending moments after the commit (app/bankfeed/services.py).
    outcome = services.ingest(db.session, notification, account)
    return {**spec.ok, "duplicate": outcome.duplicate, "outcome": outcome.message}, 200


# ------------------------------------------------------------------------------------------------ staff pages
def _scope() -> dict[int, OfficialBankAccount]:
    return {a.id: a for a in accounts_in_scope(db.session, current_user)}


@bp.get("/can-bo/giao-dich-truc-tuyen")
@staff_required()
def transactions() -> ResponseReturnValue:
    accounts = _scope()
    account_id = request.args.get("account", type=int)
    if account_id is not None and account_id not in accounts:
        abort(404)
    show = request.args.get("loai", "")
    q = select(BankFeedTransaction)
    central = current_user.role == Role.CENTRAL_ADMIN
    if account_id is not None:
        q = q.where(BankFeedTransaction.bank_account_id == account_id)
    elif show == "khong-ro-tai-khoan" and central:
        q = q.where(BankFeedTransaction.bank_account_id.is_(None))
    else:
        q = q.where(BankFeedTransaction.bank_account_id.in_(list(accounts) or [-1]))
    if show == "chua-gan":
        q = q.where(
            BankFeedTransaction.is_credit.is_(True),
            BankFeedTransaction.pledge_id.is_(None),
            BankFeedTransaction.status == FeedStatus.RECEIVED,
        )
    elif show == "cho-xu-ly":
        q = q.where(BankFeedTransaction.status == FeedStatus.PENDING)
    rows = list(
        db.session.execute(
            q.order_by(BankFeedTransaction.txn_at.desc(), BankFeedTransaction.id.desc()).limit(LIST_LIMIT)
        ).scalars()
    )
    return render_template(
        "bankfeed/transactions.html",
        rows=rows,
        accounts=accounts,
        account_id=account_id,
        show=show,
        central=central,
        recorded_twins=reconcile.recorded_twins(
            db.session, [t for t in rows if t.status == FeedStatus.PENDING]
        ),
        attribute_form=AttributeForm(),
        action_form=ActionForm(),
        today=today_vn(),
        title=_("Giao dịch ngân hàng trực tuyến"),
    )


def _own_txn_or_404(txn_id: int) -> None:
    """Another area's feed transaction (or none) is never revealed."""
    account_id = db.session.execute(
        select(BankFeedTransaction.bank_account_id).where(BankFeedTransaction.id == txn_id)
    ).scalar()
    if account_id is None or account_id not in _scope():
        abort(404)


@bp.post("/can-bo/giao-dich-truc-tuyen/<int:txn_id>/gan")
@staff_required()
def attribute(txn_id: int) -> ResponseReturnValue:
    _own_txn_or_404(txn_id)
    form = AttributeForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        with domain_errors(form) as outcome:
            services.attribute(
                db.session,
                Actor.from_request(),
                txn_id,
                set(_scope()),
                form.reference.data or "",
                form.reason.data or "",
            )
            flash(_("Đã gán khoản tiền cho đăng ký %(ref)s.", ref=form.reference.data), "success")
        if not outcome.ok:
            for error in form.reference.errors + form.reason.errors:
                flash(str(error), "error")
    return redirect(request.referrer or url_for("bankfeed.transactions"))


@bp.post("/can-bo/giao-dich-truc-tuyen/<int:txn_id>/ghi-nhan")
@staff_required()
def retry(txn_id: int) -> ResponseReturnValue:
    _own_txn_or_404(txn_id)
    if ActionForm().validate_on_submit():
        with domain_errors():
            services.retry_pending(db.session, Actor.from_request(), txn_id, set(_scope()))
            flash(_("Đã ghi nhận khoản tiền."), "success")
    return redirect(request.referrer or url_for("bankfeed.transactions"))


def _account_day(account_id: int, day: str) -> tuple[OfficialBankAccount, date]:
    accounts = _scope()
    if account_id not in accounts:
        abort(404)
    try:
        return accounts[account_id], date.fromisoformat(day)
    except ValueError:
        abort(404)


@bp.get("/can-bo/doi-soat")
@staff_required()
def reconciliation_index() -> ResponseReturnValue:
    accounts = _scope()
    account_id = request.args.get("account", type=int) or next(iter(accounts), None)
    if account_id is None:
        return render_template(
            "bankfeed/reconciliation.html", report=None, accounts=accounts, title=_("Đối soát sao kê")
        )
    day = request.args.get("day") or today_vn().isoformat()
    return redirect(url_for("bankfeed.reconciliation", account_id=account_id, day=day))


@bp.get("/can-bo/doi-soat/<int:account_id>/<day>")
@staff_required()
def reconciliation(account_id: int, day: str) -> ResponseReturnValue:
    account, the_day = _account_day(account_id, day)
    report = reconcile.day_report(db.session, account, the_day)
    return render_template(
        "bankfeed/reconciliation.html",
        report=report,
        accounts=_scope(),
        explain_form=ExplainForm(),
        action_form=ActionForm(),
        title=_("Đối soát sao kê"),
    )


@bp.post("/can-bo/doi-soat/<int:account_id>/<day>/giai-thich")
@staff_required()
def explain(account_id: int, day: str) -> ResponseReturnValue:
    account, the_day = _account_day(account_id, day)
    form = ExplainForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        with domain_errors():
            reconcile.explain(
                db.session,
                Actor.from_request(),
                account,
                the_day,
                form.key.data or "",
                form.reason.data or "",
            )
            flash(_("Đã ghi giải thích."), "success")
    return redirect(url_for("bankfeed.reconciliation", account_id=account_id, day=day))


@bp.post("/can-bo/doi-soat/<int:account_id>/<day>/chot")
@staff_required()
def close(account_id: int, day: str) -> ResponseReturnValue:
    account, the_day = _account_day(account_id, day)
    if ActionForm().validate_on_submit():
        with domain_errors():
            _row, closed_now = reconcile.close_day(db.session, Actor.from_request(), account, the_day)
            if closed_now:
                flash(_("Đã chốt đối soát ngày %(day)s.", day=the_day.strftime("%d/%m/%Y")), "success")
            else:
                flash(
                    _("Ngày %(day)s đã được chốt đối soát trước đó.", day=the_day.strftime("%d/%m/%Y")),
                    "info",
                )
    return redirect(url_for("bankfeed.reconciliation", account_id=account_id, day=day))
