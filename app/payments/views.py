"""Payment pages: VietQR images, card checkout, the Stripe webhook, the test gateway, bank statements."""

from __future__ import annotations

import math
import re

import stripe
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.audit.services import record
from app.banking import vietqr
from app.banking.models import OfficialBankAccount
from app.banking.services import accounts_in_scope
from app.certificates.models import Certificate, CertificateStatus
from app.core import outbox, qr, transaction
from app.core.actor import Actor
from app.core.forms import field_problems
from app.core.i18n import format_number_vn
from app.core.messages import N_
from app.core.money import AmountError, format_vnd, parse_vnd
from app.core.transaction import domain_errors, message_for, translate
from app.core.uploads import UploadError, read_upload
from app.extensions import csrf, db
from app.ledger.models import PURPOSE_LABELS
from app.payments import gateway
from app.payments.errors import PaymentError
from app.payments.events import MalformedEvent, parse_event
from app.payments.forms import ReverseLineForm, StatementUploadForm
from app.payments.importing import (
    create_statement,
    import_progress,
    import_statement,
    lock_statement,
    queue_import,
    refresh_preview,
    set_corrections,
    set_mapping,
    statement_head,
    stored_preview,
)
from app.payments.models import (
    BankStatement,
    CardPayment,
    CardPaymentStatus,
    LineStatus,
    StatementLine,
    StatementStatus,
)
from app.payments.proposals import reason_message
from app.payments.queue import MAX_BULK, PAGE_SIZES, count_and_sum, parse_filter, queue_query, sender_name
from app.payments.recording import confirm_proposals, ignore_lines, match_to_references, receipt_lines
from app.payments.reversal import REVERSIBLE_LINE_STATUSES, line_contributions, reverse_line
from app.payments.statements import ROLE_LABELS, StatementFormatError
from app.payments.statements.parsing import _cell_text
from app.payments.transfers import TransferDetails, transfer_details
from app.pledges.models import Pledge
from app.pledges.references import normalize

bp = Blueprint("payments", __name__)
PAGE = 50
BACKGROUND_BYTES = 2 * 1024 * 1024
MAX_ERRORS_SHOWN = 200
STATEMENT_MAX_BYTES = 200 * 1024 * 1024  # a whole day's CSV of a national account (issue 17)


def _pledge_or_404(reference: str) -> Pledge:
    pledge = db.session.execute(
        select(Pledge).where(Pledge.reference == normalize(reference))
    ).scalar_one_or_none()
    if pledge is None:
        abort(404)
    return pledge


def _svg(svg: str) -> Response:
    resp = Response(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def _pledge_page(reference: str) -> str:
    return f"/ung-ho/{reference}"


@bp.app_template_global()
def payment_options(pledge: Pledge) -> dict:
    """What the pledge pages show to pay: the bank transfer details and whether card payment is on."""
    details = transfer_details(db.session, pledge)
    return {"transfer": details, "card": gateway.card_available()}


# ------------------------------------------------------------------------------------------------ VietQR
def _pledge_transfer(reference: str) -> TransferDetails:
    """The transfer a pledge's QR shows: ?tk=<account id> (default: the first account listed), ?muc=con-lai for
    the whole remainder instead of the instalment due."""
    account_id = request.args.get("tk", type=int)
    whole = request.args.get("muc") == "con-lai"
    details = transfer_details(db.session, _pledge_or_404(reference), account_id=account_id, whole=whole)
    if details is None:
        abort(404)
    return details


def _download(resp: Response, details: TransferDetails, ext: str) -> Response:
    if request.args.get("tai"):  # the download button: a file named after the pledge and the bank
        bank = re.sub(r"[^0-9A-Za-z]+", "", details.account.bank_name) or details.account.bank_bin
        resp.headers["Content-Disposition"] = f'attachment; filename="VietQR-{details.note}-{bank}.{ext}"'
    return resp


@bp.get("/ung-ho/<reference>/vietqr.svg")
def vietqr_svg(reference: str) -> ResponseReturnValue:
    details = _pledge_transfer(reference)
    title = _(
        "Mã VietQR chuyển khoản cho đăng ký %(reference)s – %(bank)s",
        reference=details.note,
        bank=details.account.bank_name,
    )
    return _download(_svg(qr.svg(details.payload, title=title)), details, "svg")


@bp.get("/ung-ho/<reference>/vietqr.png")
def vietqr_png(reference: str) -> ResponseReturnValue:
    details = _pledge_transfer(reference)
    resp = Response(qr.png(details.payload, scale=8), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-cache"
    return _download(resp, details, "png")


@bp.get("/tai-khoan-quy/<int:account_id>/vietqr.svg")
def account_qr_svg(account_id: int) -> ResponseReturnValue:
    acc = db.session.get(OfficialBankAccount, account_id)
    if acc is None or not acc.usable:
        abort(404)
    payload = vietqr.build_payload(acc.bank_bin, acc.account_number)
    title = _("Mã VietQR tài khoản %(bank)s %(number)s", bank=acc.bank_name, number=acc.account_number)
    return _svg(qr.svg(payload, title=title))


# ------------------------------------------------------------------------------------------------ card
@bp.post("/ung-ho/<reference>/thanh-toan-the")
def card_checkout(reference: str) -> ResponseReturnValue:
    pledge = _pledge_or_404(reference)
    if not gateway.card_available():  # an old page or a second tab: say so and show the transfer, never a 404
        flash(
            _("Thanh toán bằng thẻ hiện không khả dụng; xin quý vị chuyển khoản theo hướng dẫn dưới đây."),
            "warning",
        )
        return redirect(_pledge_page(pledge.reference), 303)
    base = request.host_url.rstrip("/")
    page = _pledge_page(pledge.reference)
    with domain_errors(errors=gateway.GatewayError) as outcome:
        cp = gateway.start_checkout(
            db.session,
            Actor.from_request(),
            pledge,
            success_url=f"{base}{page}?the=thanh-cong",
            cancel_url=f"{base}{page}?the=huy",
            test_gateway_url=url_for("payments.test_gateway", session_id="__SESSION__"),
            whole=request.form.get("muc") == "con-lai",  # the donor chose the whole remainder on the page
        )
    if not outcome.ok:
        return redirect(page, 303)
    return redirect(cp.checkout_url, 303)


@bp.route("/thanh-toan-thu-nghiem/<session_id>", methods=["GET", "POST"])
def test_gateway(session_id: str) -> ResponseReturnValue:
    if gateway.gateway_mode() != "test":
        abort(404)
    cp = db.session.execute(
        select(CardPayment).where(CardPayment.session_id == session_id, CardPayment.gateway == "test")
    ).scalar_one_or_none()
    if cp is None:
        abort(404)
    pledge = db.session.get_one(Pledge, cp.pledge_id)
    if request.method == "POST":
        if cp.status != CardPaymentStatus.OPEN:
            flash(
                _("Phiên thanh toán này đã kết thúc (%(status)s).", status=_(cp.status_label).lower()), "info"
            )
            return redirect(_pledge_page(pledge.reference), 303)
        paid = request.form.get("action") == "pay"
        outcome = gateway.process_event(db.session, "test", gateway.test_gateway_event(cp, pledge, paid=paid))
        current_app.logger.info("test gateway %s: %s", session_id, outcome)
        flash(
            _("Đã thanh toán thử nghiệm thành công: khoản ủng hộ đã được ghi nhận.")
            if paid
            else _("Đã hủy thanh toán thử nghiệm; chưa có khoản tiền nào được ghi nhận."),
            "success" if paid else "info",
        )
        return redirect(_pledge_page(pledge.reference) + ("?the=thanh-cong" if paid else "?the=huy"), 303)
    return render_template(
        "payments/test_gateway.html", cp=cp, pledge=pledge, title="Cổng thanh toán thử nghiệm"
    )


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook() -> ResponseReturnValue:
    payload = request.get_data()
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return {"error": "Webhook chưa được cấu hình."}, 400
    try:
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature"), secret, stripe.Webhook.DEFAULT_TOLERANCE
        )
    except (ValueError, stripe.SignatureVerificationError):  # ValueError: a body that is not UTF-8
        return {"error": "Chữ ký Stripe-Signature không hợp lệ hoặc đã quá hạn."}, 400
    try:
        event = parse_event(payload)  # signed is not the same as well formed
    except MalformedEvent as exc:
        current_app.logger.warning("Stripe webhook refused: %s", exc)
        return {"error": message_for(exc)}, 400
    try:
        outcome = gateway.process_event(db.session, "stripe", event)
        # Committed here, not after the response: a concurrent delivery of the same event or payment that won
        # shows here as an IntegrityError, and this one answers 200 as a no-op (the boundary rolls it back).
        transaction.commit()
    except IntegrityError:
        transaction.rollback()
        outcome = "trùng: đang được xử lý song song"
    return {"received": True, "outcome": outcome}, 200


# ------------------------------------------------------------------------------------------------ statements
def _statement_or_404(statement_id: int) -> BankStatement:
    stmt = db.session.get(BankStatement, statement_id)
    if stmt is None:
        abort(404)
    require_unit(stmt.unit_id)
    return stmt


def _scope_account_ids() -> set[int]:
    return {a.id for a in accounts_in_scope(db.session, current_user)}


def _statement_upload_limit() -> None:
    """The statement upload alone accepts STATEMENT_MAX_BYTES (every other route keeps MAX_CONTENT_LENGTH). Run
    first of all the app's before-request functions: the CSRF check reads the form, and with it the limit."""
    if request.endpoint == "payments.upload_statement":
        request.max_content_length = STATEMENT_MAX_BYTES


@bp.record_once
def _install_upload_limit(state) -> None:  # type: ignore[no-untyped-def]
    state.app.before_request_funcs.setdefault(None, []).insert(0, _statement_upload_limit)


@bp.get("/can-bo/sao-ke")
@staff_required()
def statements() -> ResponseReturnValue:
    form = StatementUploadForm()
    accounts = accounts_in_scope(db.session, current_user)
    form.account_id.choices = [
        SelectChoice(a.id, f"{a.bank_name} · {a.account_number} · {a.account_name}") for a in accounts
    ]
    rows = list(
        db.session.execute(
            select(BankStatement)
            .join(OfficialBankAccount, OfficialBankAccount.id == BankStatement.bank_account_id)
            .where(
                unit_scope_clause(current_user, OfficialBankAccount.unit_id),
                BankStatement.status != StatementStatus.DISCARDED,
            )
            .order_by(BankStatement.id.desc())
            .limit(100)
        ).scalars()
    )
    waiting = db.session.execute(
        select(func.count(StatementLine.id), func.coalesce(func.sum(StatementLine.amount_vnd), 0)).where(
            StatementLine.bank_account_id.in_([a.id for a in accounts] or [-1]),
            StatementLine.status == LineStatus.UNMATCHED,
        )
    ).one()
    return render_template(
        "payments/statements.html",
        form=form,
        statements=rows,
        accounts=accounts,
        waiting_count=waiting[0],
        waiting_vnd=waiting[1],
        title="Sao kê ngân hàng",
    )


@bp.post("/can-bo/sao-ke/tai-len")
@staff_required()
def upload_statement() -> ResponseReturnValue:
    form = StatementUploadForm()
    accounts = {a.id: a for a in accounts_in_scope(db.session, current_user)}
    form.account_id.choices = [SelectChoice(a.id, a.account_number) for a in accounts.values()]
    if not form.validate_on_submit():
        for problem in field_problems(form) or [_("Biểu mẫu không hợp lệ.")]:
            flash(problem, "error")
        return redirect(url_for("payments.statements"))
    account = accounts.get(form.account_id.data)
    if account is None:
        abort(404)
    with domain_errors(errors=(UploadError, AmountError, StatementFormatError, PaymentError)) as outcome:
        opening = (
            parse_vnd(form.opening_balance.data, field="Số dư đầu kỳ", allow_zero=True)
            if form.opening_balance.data
            else None
        )
        kind, data = read_upload(
            request.files.get("file"), allowed=("csv", "xlsx"), max_bytes=STATEMENT_MAX_BYTES
        )
        later = _background_ready() and len(data) > BACKGROUND_BYTES
        stmt = create_statement(
            db.session,
            Actor.from_request(),
            account=account,
            kind=kind,
            data=data,
            original_name=request.files["file"].filename or "",
            preset=form.preset.data,
            opening_balance_vnd=opening,
            preview=not later,
        )
        if later and stmt.preset != "custom":
            outbox.enqueue(db.session, "payments.preview_statement", stmt.id)
    if not outcome.ok:
        return redirect(url_for("payments.statements"))
    if stmt.preset == "custom":
        flash(_("Không nhận ra mẫu sao kê: hãy chọn cột cho từng thông tin."), "info")
        return redirect(url_for("payments.statement_mapping", statement_id=stmt.id))
    return redirect(url_for("payments.statement_detail", statement_id=stmt.id))


@bp.route("/can-bo/sao-ke/<int:statement_id>", methods=["GET", "POST"])
@staff_required()
def statement_detail(statement_id: int) -> ResponseReturnValue:
    stmt = _statement_or_404(statement_id)
    if stmt.status == StatementStatus.IMPORTED:
        if request.method == "POST":  # a second click, or a colleague's, after the import: say so
            flash(_("Sao kê này đã được nhập trước đó; không nhập lại."), "warning")
            return redirect(url_for("payments.statement_detail", statement_id=stmt.id))
        return _imported_view(stmt)
    if stmt.status == StatementStatus.DISCARDED:
        abort(404)
    actor = Actor.from_request()
    if request.method == "POST":
        action = request.form.get("action")
        with domain_errors(errors=(PaymentError, StatementFormatError, ValueError)):
            if action == "discard":
                if lock_statement(db.session, stmt).status != StatementStatus.DRAFT:  # imported meanwhile
                    raise PaymentError(N_("Sao kê này đã được nhập trước đó; không hủy được nữa."))
                stmt.status = StatementStatus.DISCARDED

                record(
                    db.session, actor, "statement.discard", "bank_statement", stmt.id, unit_id=stmt.unit_id
                )
                flash(_("Đã hủy bản nháp sao kê; không có dòng nào được nhập."), "info")
                return redirect(url_for("payments.statements"))
            fixes: dict[str, dict[str, str]] = {}
            for key, value in request.form.items():
                if key.startswith("fix-"):
                    _prefix, row, role = key.split("-", 2)
                    if role in ROLE_LABELS and row.isdecimal():
                        fixes.setdefault(row, {})[role] = value
            skipped = [int(x) for x in request.form.getlist("skip") if x.isdecimal()]
            if request.form.get("skip_all") == "1":  # the broken rows only: page furniture is never an error
                fixes = {}
                skipped += stored_preview(stmt).error_rows
            later = _runs_in_background(stmt)
            set_corrections(db.session, actor, stmt, fixes=fixes, skipped=skipped, refresh=not later)
            if later and action != "import":
                outbox.enqueue(db.session, "payments.preview_statement", stmt.id)
            if action == "import" and _runs_in_background(stmt):
                queue_import(db.session, stmt)
                outbox.enqueue(
                    db.session,
                    "payments.import_statement",
                    stmt.id,
                    actor.user_id,
                    request.form.get("acknowledge_breaks") == "1",
                )
                flash(
                    _("Sao kê lớn đang được nhập ở chế độ nền; tải lại trang sau ít phút để xem kết quả."),
                    "info",
                )
                return redirect(url_for("payments.statement_detail", statement_id=stmt.id))
            if action == "import":
                # corrections are kept even when the import is still refused: only the import is undone
                with domain_errors(errors=(PaymentError, StatementFormatError, ValueError), savepoint=True):
                    summary = import_statement(
                        db.session,
                        actor,
                        stmt,
                        acknowledge_breaks=request.form.get("acknowledge_breaks") == "1",
                    )
                    flash(
                        _(
                            "Đã nhập %(new)s dòng mới (%(already)s dòng đã có từ trước, không nhập lại); "
                            "%(matched)s dòng tự ghép theo mã đăng ký, %(proposed)s dòng có đề xuất.",
                            new=summary.lines_new,
                            already=summary.lines_already,
                            matched=summary.lines_matched,
                            proposed=summary.lines_proposed,
                        ),
                        "success",
                    )
                return redirect(url_for("payments.statement_detail", statement_id=stmt.id))
            flash(_("Đã lưu phần sửa; kiểm tra lại báo cáo bên dưới."), "info")
        return redirect(url_for("payments.statement_detail", statement_id=stmt.id))
    # The page is built from the preview stored at upload (and after each correction): the file is never read
    # again here, so a statement of a million lines answers as fast as one of ten.
    if not stmt.preview:
        if stmt.preset == "custom" and not stmt.mapping:
            return redirect(url_for("payments.statement_mapping", statement_id=stmt.id))
        if _runs_in_background(stmt):  # the worker is reading the file: say so, never read it here
            return render_template("payments/statement_reading.html", stmt=stmt, title="Đang đọc tệp sao kê")
        refresh_preview(
            stmt
        )  # a small draft, or one stored before previews were kept: parsed once, then kept
    result = stored_preview(stmt)
    if result.format_error:
        flash(_(result.format_error), "error")
        return redirect(url_for("payments.statement_mapping", statement_id=stmt.id))
    return render_template(
        "payments/statement_draft.html",
        stmt=stmt,
        result=result,
        role_labels=ROLE_LABELS,
        preview=result.lines,
        errors_shown=result.errors[:MAX_ERRORS_SHOWN],
        detection=stmt.detection or {},
        progress=import_progress(db.session, stmt.id),
        title="Kiểm tra sao kê trước khi nhập",
    )


def _background_ready() -> bool:
    return not current_app.config.get("CELERY", {}).get("task_always_eager", True)


def _runs_in_background(stmt: BankStatement) -> bool:
    """Statements of more than a few MB (tens of thousands of lines) are parsed for their preview and imported in
    a Celery worker, not in the request (gunicorn's 30 s), when a worker is configured."""
    from pathlib import Path

    return _background_ready() and Path(stmt.file_path).stat().st_size > BACKGROUND_BYTES


def _imported_view(stmt: BankStatement) -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int))
    status = request.args.get("trang-thai", "")
    q = select(StatementLine).where(StatementLine.statement_id == stmt.id)
    if status in {s.value for s in LineStatus}:
        q = q.where(StatementLine.status == LineStatus(status))
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    lines = list(
        db.session.execute(q.order_by(StatementLine.id).offset((page - 1) * PAGE).limit(PAGE)).scalars()
    )
    counts = dict(
        db.session.execute(
            select(StatementLine.status, func.count())
            .where(StatementLine.statement_id == stmt.id)
            .group_by(StatementLine.status)
        ).all()
    )
    pledges = _pledges_for(lines)
    return render_template(
        "payments/statement_imported.html",
        stmt=stmt,
        lines=lines,
        counts=counts,
        page=page,
        pages=max(1, math.ceil(total / PAGE)),
        status=status,
        pledges=pledges,
        statuses=LineStatus,
        title="Sao kê đã nhập",
    )


def _pledges_for(lines: list[StatementLine]) -> dict[int, Pledge]:
    ids = {x.pledge_id for x in lines if x.pledge_id} | {
        x.proposed_pledge_id for x in lines if x.proposed_pledge_id
    }
    return {p.id: p for p in db.session.execute(select(Pledge).where(Pledge.id.in_(ids or [-1]))).scalars()}


@bp.route("/can-bo/sao-ke/<int:statement_id>/dong/<int:line_id>/dao", methods=["GET", "POST"])
@staff_required()
def reverse_statement_line(statement_id: int, line_id: int) -> ResponseReturnValue:
    """Confirmation page (GET) and action (POST) to undo the receipt(s) recorded from one line of an imported
    statement (matched to the wrong pledge, or not to be recorded): a ledger reversal of that line's share only,
    the line back in the review queue."""
    stmt = _statement_or_404(statement_id)
    line = db.session.get(StatementLine, line_id)
    if line is None or line.statement_id != stmt.id or stmt.status != StatementStatus.IMPORTED:
        abort(404)
    back = url_for("payments.statement_detail", statement_id=stmt.id)
    if line.status not in REVERSIBLE_LINE_STATUSES or line.contribution_id is None:
        flash(
            _(
                "Dòng %(row)s chưa được ghi nhận hoặc đã được đảo trước đó; không có khoản nào để đảo.",
                row=line.file_row,
            ),
            "error",
        )
        return redirect(back)
    form = ReverseLineForm()
    if form.validate_on_submit():
        row, amount = line.file_row, line.amount_vnd
        with domain_errors() as outcome:  # PaymentError: nothing is saved
            reverse_line(db.session, Actor.from_request(), line.id, form.reason.data, _scope_account_ids())
        if not outcome.ok:
            return redirect(url_for("payments.reverse_statement_line", statement_id=stmt.id, line_id=line_id))
        flash(
            _(
                "Đã đảo biên nhận của dòng %(row)s (%(amount)s); dòng đã trở về danh sách chờ xử lý để "
                "ghép lại đúng đăng ký.",
                row=row,
                amount=format_vnd(amount),
            ),
            "success",
        )
        return redirect(back)
    contributions = line_contributions(db.session, line)
    pledge_ids = {c.pledge_id for c in contributions if c.pledge_id} | (
        {line.pledge_id} if line.pledge_id else set()
    )
    pledges = {
        p.id: p for p in db.session.execute(select(Pledge).where(Pledge.id.in_(pledge_ids or {-1}))).scalars()
    }

    letters = list(
        db.session.execute(
            select(Certificate)
            .where(
                Certificate.status == CertificateStatus.VALID,
                or_(
                    Certificate.contribution_id.in_([c.id for c in contributions] or [-1]),
                    Certificate.pledge_id.in_(pledge_ids or {-1}) & Certificate.contribution_id.is_(None),
                ),
            )
            .order_by(Certificate.id)
        ).scalars()
    )
    return render_template(
        "payments/reverse_line.html",
        stmt=stmt,
        line=line,
        contributions=contributions,
        pledges=pledges,
        letters=letters,
        form=form,
        purpose_labels=PURPOSE_LABELS,
        title="Đảo biên nhận của một dòng sao kê",
    ), 422 if form.errors else 200


@bp.route("/can-bo/sao-ke/<int:statement_id>/ghep-cot", methods=["GET", "POST"])
@staff_required()
def statement_mapping(statement_id: int) -> ResponseReturnValue:
    stmt = _statement_or_404(statement_id)
    if stmt.status != StatementStatus.DRAFT:
        abort(404)
    try:
        rows, row_count = statement_head(stmt, 40)
    except StatementFormatError as exc:  # a draft stored before the reader refused such files
        flash(message_for(exc), "error")
        return redirect(url_for("payments.statements"))
    width = max((len(r) for r in rows), default=0)
    if request.method == "POST":
        mapping: dict = {}
        for role in ROLE_LABELS:
            value = request.form.get(role, "")
            if value.isdecimal() and int(value) < width:
                mapping[role] = int(value)
        header = (request.form.get("header_row") or "1").strip()
        header_ok = header.isdecimal() and 1 <= int(header) <= max(1, row_count)
        mapping["header_row"] = int(header) if header_ok else 1
        mapping["thousands"] = "," if request.form.get("thousands") == "," else "."
        used = [v for k, v in mapping.items() if k in ROLE_LABELS]
        if not header_ok:
            flash(_("Dòng tiêu đề: nhập một số từ 1 đến %(n)s.", n=max(1, row_count)), "error")
        elif len(used) != len(set(used)):
            flash(_("Mỗi cột chỉ được chọn cho một thông tin."), "error")
        elif "date" not in mapping or not ({"credit", "amount"} & mapping.keys()):
            flash(_("Cần chọn ít nhất cột Ngày giao dịch và cột Số tiền ghi có (hoặc Số tiền)."), "error")
        else:
            later = _runs_in_background(stmt)
            set_mapping(db.session, Actor.from_request(), stmt, mapping, refresh=not later)
            if later:
                outbox.enqueue(db.session, "payments.preview_statement", stmt.id)
            return redirect(url_for("payments.statement_detail", statement_id=stmt.id))
    from openpyxl.utils import get_column_letter

    sample = [[_cell_text(c) for c in r] + [""] * (width - len(r)) for r in rows[:15]]
    return render_template(
        "payments/statement_mapping.html",
        stmt=stmt,
        sample=sample,
        width=width,
        letters=[get_column_letter(i + 1) for i in range(width)],
        role_labels=ROLE_LABELS,
        mapping=stmt.mapping or {},
        header_max=max(1, row_count),
        title="Ghép cột sao kê",
    )


@bp.route("/can-bo/sao-ke/cho-xu-ly", methods=["GET", "POST"])
@staff_required()
def queue() -> ResponseReturnValue:
    """The review queue: filters (amount, date, account, text), a page of 50 to 1 000 lines, bulk actions on the
    lines ticked or on every line matching the filters (up to MAX_BULK), receipts in one call of receive()."""
    account_ids = _scope_account_ids()
    filters = parse_filter(request.args.to_dict(), account_ids)
    if request.method == "POST":
        actor = Actor.from_request()
        action = request.form.get("action", "")
        with domain_errors(errors=PaymentError):
            if request.form.get("all_matching") == "1":
                if filters.problems:
                    raise PaymentError(_("Bộ lọc chưa hợp lệ; sửa bộ lọc trước khi chọn tất cả."))
                ids_q = queue_query(filters, account_ids).with_only_columns(StatementLine.id)
                selected = list(
                    db.session.execute(ids_q.order_by(StatementLine.id).limit(MAX_BULK + 1)).scalars()
                )
                if len(selected) > MAX_BULK:
                    raise PaymentError(
                        _(
                            "Hơn %(n)s dòng khớp bộ lọc: thu hẹp bộ lọc (ngày, số tiền) rồi làm tiếp.",
                            n=format_number_vn(MAX_BULK),
                        )
                    )
            else:
                selected = [int(x) for x in request.form.getlist("line") if x.isdecimal()]
            if not selected:
                raise PaymentError(_("Chưa chọn dòng nào."))
            if action == "confirm":
                n = confirm_proposals(db.session, actor, selected, account_ids)
                msg = _("Đã xác nhận %(n)s đề xuất; các khoản đã được ghi nhận vào đăng ký.", n=n)
            elif action == "match":
                refs = {i: request.form.get(f"ref-{i}", "").strip() for i in selected}
                missing = [i for i, r in refs.items() if not r]
                if missing:
                    raise PaymentError(_("Nhập mã đăng ký cho mọi dòng đã chọn để ghép."))
                n = match_to_references(db.session, actor, refs, account_ids)
                msg = _("Đã ghép %(n)s dòng với đăng ký ủng hộ.", n=n)
            elif action in ("receipt_named", "receipt_anonymous", "receipt_memo"):
                names: dict[int, str | None]
                if action == "receipt_anonymous":
                    names = dict.fromkeys(selected)
                elif action == "receipt_memo":  # the name typed, else the sender's name the memo gives
                    memos = dict(
                        db.session.execute(
                            select(
                                StatementLine.id, StatementLine.memo + "\x1f" + StatementLine.counterparty
                            ).where(StatementLine.id.in_(selected))
                        ).all()
                    )
                    names = {}
                    for i in selected:
                        typed = request.form.get(f"name-{i}", "").strip()
                        memo, _sep, cp = (memos.get(i) or "").partition("\x1f")
                        names[i] = typed or sender_name(memo, cp)
                else:
                    names = {i: request.form.get(f"name-{i}", "") for i in selected}
                    if any(not (v or "").strip() for v in names.values()):
                        raise PaymentError(
                            _(
                                "Ghi biên nhận có tên: nhập tên công khai cho mọi dòng đã chọn "
                                "(hoặc chọn “Nhà hảo tâm”)."
                            )
                        )
                n = receipt_lines(db.session, actor, names, account_ids)
                named = sum(1 for v in names.values() if (v or "").strip())
                msg = _(
                    "Đã ghi %(n)s biên nhận (%(named)s có tên, %(anonymous)s “Nhà hảo tâm”).",
                    n=n,
                    named=named,
                    anonymous=n - named,
                )
            elif action == "ignore":
                n = ignore_lines(db.session, actor, selected, account_ids, request.form.get("reason", ""))
                msg = _("Đã đánh dấu bỏ qua %(n)s dòng.", n=n)
            else:
                raise PaymentError(_("Thao tác không hợp lệ."))
            flash(msg, "success")
        # the filters stay (url_for types its **values against its own keyword options: a false alarm)
        return redirect(url_for("payments.queue", **request.args))  # type: ignore[arg-type]
    for problem in filters.problems:
        flash(translate(problem), "error")  # N_ messages (app.payments.queue), in the reader's language
    page = max(1, request.args.get("page", 1, type=int))
    per_page = request.args.get("moi-trang", PAGE, type=int)
    per_page = per_page if per_page in PAGE_SIZES else PAGE
    q = queue_query(filters, account_ids)
    total, total_vnd = count_and_sum(db.session, q)
    lines = list(
        db.session.execute(
            q.order_by(StatementLine.proposed_pledge_id.is_(None), StatementLine.txn_at, StatementLine.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    accounts = [a for a in accounts_in_scope(db.session, current_user) if a.id in account_ids]
    return render_template(
        "payments/queue.html",
        lines=lines,
        pledges=_pledges_for(lines),
        senders={line.id: sender_name(line.memo, line.counterparty) or "" for line in lines},
        reasons={line.id: reason_message(line.proposal_reason) for line in lines},
        page=page,
        pages=max(1, math.ceil(total / per_page)),
        total=total,
        total_vnd=total_vnd,
        per_page=per_page,
        page_sizes=PAGE_SIZES,
        filters=filters,
        filter_args=filters.args(),
        pager_args={**filters.args(), **({"moi-trang": str(per_page)} if per_page != PAGE else {})},
        accounts=accounts,
        max_bulk=MAX_BULK,
        only="de-xuat" if filters.proposals_only else "",
        title="Khoản chuyển khoản chờ xử lý",
    )
