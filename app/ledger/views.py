from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit_id, may_open, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.contributions import reversal
from app.contributions.models import Contribution, TransferStatus
from app.contributions.services import transfer_proposals_for
from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.messages import N_
from app.core.transaction import domain_errors
from app.extensions import db
from app.ledger import services as ledger
from app.ledger import transfers, verify
from app.ledger.forms import ConfirmTransferForm, TransferForm, TransferReasonForm
from app.ledger.models import (
    PURPOSE_LABELS,
    AccountKind,
    LedgerAccount,
    LedgerCheck,
    LedgerPosting,
    LedgerTransaction,
    Purpose,
    TransactionKind,
)
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("ledger", __name__, url_prefix="/can-bo/so-quy")

KIND_LABELS = {
    AccountKind.DONATIONS: N_("Tiếp nhận"),
    AccountKind.UNALLOCATED: "Chưa phân bổ",
    AccountKind.ALLOCATED: N_("Đã phân bổ (chưa chi)"),
    AccountKind.DISBURSED: "Đã giải ngân",
    AccountKind.IN_KIND: "Hiện vật",
    AccountKind.IN_KIND_DONATIONS: N_("Tiếp nhận hiện vật"),
}

# Postings that a domain record mirrors are undone on that record's page, so the record and the books agree
# (a need's disbursed figure, an allocation's funding, a statement line, an import batch); the plain reversal here
# would leave the record stale. A receipt of one contribution (a card payment, a gift entered by staff) has no other
# page: it is reversed here, through app.contributions.reversal, with its contribution and pledge.
REVERSED_ELSEWHERE = {
    "goods_handout": _l(
        "Hàng hóa cấp phát theo phiếu xuất kho: hãy đảo tại trang phiếu xuất kho để hàng trở lại kho và tồn kho "
        "khớp với sổ quỹ."
    ),
    "need_disbursement": _l(
        "Khoản giải ngân cho hộ: hãy đảo tại trang của hộ (mục “Giải ngân theo đợt”) để số đã giải ngân của hộ "
        "khớp với sổ quỹ."
    ),
    "matching_line": _l(
        "Khoản phân bổ theo đề xuất: hãy thu hồi tại trang đề xuất phân bổ để khoản bố trí của hộ khớp với sổ quỹ."
    ),
    "statement": _l(
        "Bút toán này ghi nhận nhiều biên nhận của một sao kê ngân hàng: hãy đảo từng dòng tại trang sao kê để "
        "dòng sao kê, biên nhận và cam kết khớp với sổ quỹ."
    ),
    "statement_line": _l(
        "Biên nhận này ghi từ một dòng sao kê ngân hàng: hãy đảo tại trang của dòng sao kê để dòng sao kê trở lại "
        "hàng chờ đối soát và biên nhận, cam kết khớp với sổ quỹ."
    ),
    "collections": _l(
        "Bút toán này ghi nhận cả một lô nhập từ tệp: hãy hủy cả lô tại trang lô nhập để các biên nhận của lô "
        "khớp với sổ quỹ."
    ),
    "batch": _l("Bút toán này ghi nhận nhiều biên nhận cùng lúc; không đảo tại sổ quỹ được."),
    "fund_transfer": _l(
        "Bút toán điều chuyển giữa các cấp đã được hai bên phê duyệt: muốn chuyển lại, hãy lập đề xuất điều chuyển "
        "theo chiều ngược lại để cả hai bên cùng phê duyệt."
    ),
}
LINK_LABELS = {
    "goods_handout": _l("Đảo tại phiếu xuất kho"),
    "need_disbursement": _l("Đảo tại trang của hộ"),
    "matching_line": _l("Thu hồi tại đề xuất phân bổ"),
    "statement": _l("Đảo tại trang sao kê"),
    "statement_line": _l("Đảo tại dòng sao kê"),
    "collections": _l("Hủy tại trang lô nhập"),
    "batch": _l("Không đảo tại đây"),
    "fund_transfer": _l("Chuyển lại bằng đề xuất ngược chiều"),
}


def _link(endpoint: str, **values: Any) -> str | None:
    """A link to the page that keeps the record, for staff whose role may open it (else the label alone)."""
    return url_for(endpoint, **values) if may_open(endpoint) else None


def reversed_elsewhere(session: Session, tx: LedgerTransaction) -> tuple[str, str | None] | None:
    """(kind, link) when this posting is reversed on another page (the page that keeps the record it mirrors), else
    None. The kind keys REVERSED_ELSEWHERE and LINK_LABELS; the link may be None when the record is gone."""
    source_id = str(tx.source_id or "")
    if tx.source_type == "fund_transfer":
        return "fund_transfer", None
    if tx.source_type == "goods_handout":
        return "goods_handout", _link(
            "goods.handout_page", handout_id=int(source_id)
        ) if source_id.isdigit() else None
    if tx.source_type == "need_disbursement":
        return "need_disbursement", _link(
            "needs.detail", need_id=int(source_id)
        ) if source_id.isdigit() else None
    if tx.source_type == "matching_line":
        from app.matching.models import ProposalLine

        line = session.get(ProposalLine, int(source_id)) if source_id.isdigit() else None
        return "matching_line", _link("matching.detail", proposal_id=line.proposal_id) if line else None
    if tx.source_type == "batch":
        kind, _sep, ref = source_id.partition(":")
        if kind == "statement" and ref.isdigit():
            return "statement", _link("payments.statement_detail", statement_id=int(ref))
        if kind == "collections" and ref.isdigit():
            return "collections", _link("collections.batch", batch_id=int(ref))
        return "batch", None
    if (
        tx.source_type == "contribution"
    ):  # one receipt; from a statement line (matched by hand), the line's page
        line_source = session.execute(
            select(Contribution.source).where(
                Contribution.ledger_transaction_id == tx.id, Contribution.source.like("statement:%")
            )
        ).scalar()
        parts = (line_source or "").split(":")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return "statement_line", _link(
                "payments.reverse_statement_line", statement_id=int(parts[1]), line_id=int(parts[2])
            )
    return None


@bp.route("/")
@staff_required()
def books() -> ResponseReturnValue:
    fund = ledger.main_fund(db.session)
    accounts = (
        db.session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.fund_id == fund.id, unit_scope_clause(current_user, LedgerAccount.unit_id))
            .order_by(LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose)
        )
        .scalars()
        .all()
    )
    account_ids = [a.id for a in accounts]
    txs: Sequence[LedgerTransaction] = []
    if account_ids:
        txs = (
            db.session.execute(
                select(LedgerTransaction)
                .where(
                    LedgerTransaction.id.in_(
                        select(LedgerPosting.transaction_id).where(LedgerPosting.account_id.in_(account_ids))
                    )
                )
                .order_by(LedgerTransaction.id.desc())
                .limit(50)
            )
            .scalars()
            .all()
        )

    units = {
        u.id: u
        for u in db.session.execute(
            select(AdminUnit).where(AdminUnit.id.in_({a.unit_id for a in accounts if a.unit_id}))
        ).scalars()
    }
    reversed_ids = set(
        db.session.execute(
            select(LedgerTransaction.reverses_id).where(
                LedgerTransaction.reverses_id.in_([t.id for t in txs])
            )
        ).scalars()
    )
    elsewhere = {
        t.id: where
        for t in txs
        if t.kind != TransactionKind.REVERSAL and (where := reversed_elsewhere(db.session, t)) is not None
    }
    proposals = transfer_proposals_for(db.session, current_user)
    approvers = {
        u.id: u
        for u in db.session.execute(
            select(User).where(
                User.id.in_(
                    {
                        i
                        for t in proposals
                        for i in (t.created_by_id, t.from_approved_by_id, t.to_approved_by_id)
                        if i
                    }
                )
            )
        ).scalars()
    }
    return render_template(
        "ledger/books.html",
        transfers=proposals,
        transfer_users=approvers,
        transfer_sides={t.id: transfers.sides_for(db.session, current_user, t) for t in proposals},
        transfer_form=transfer_form_for(current_user),
        confirm_transfer_form=ConfirmTransferForm(formdata=None),
        transfer_reason_form=TransferReasonForm(formdata=None),
        accounts=accounts,
        txs=txs,
        units=units,
        kind_labels=KIND_LABELS,
        purpose_labels=PURPOSE_LABELS,
        reversed_ids=reversed_ids,
        elsewhere=elsewhere,
        link_labels=LINK_LABELS,
        can_reverse=current_user.role in (Role.APPROVER, Role.CENTRAL_ADMIN),
    )


@bp.route("/but-toan/<int:tx_id>/dao", methods=["POST"])
@staff_required(Role.APPROVER)
def reverse(tx_id: int) -> ResponseReturnValue:
    tx = db.session.get(LedgerTransaction, tx_id)
    if tx is None:
        abort(404)
    if not all(can_access_unit_id(db.session, current_user, p.account.unit_id) for p in tx.postings):
        abort(404)
    where = reversed_elsewhere(db.session, tx)
    if where is not None:
        kind, link = where
        message = str(REVERSED_ELSEWHERE[kind])
        if link:
            message = Markup('{} <a href="{}">{}</a>').format(message, link, LINK_LABELS[kind])
        flash(message, "error")
        return redirect(url_for("ledger.books"))
    reason = request.form.get("reason", "")
    with domain_errors() as outcome:  # LedgerError, ContributionError: Vietnamese messages
        _rev, gifts = reversal.reverse_from_books(db.session, Actor.from_request(), tx.id, reason)
    if outcome.ok:
        if gifts:
            flash(
                _(
                    "Đã đảo bút toán #%(id)s và hủy biên nhận %(receipts)s.",
                    id=tx.id,
                    receipts=", ".join(c.receipt_no for c in gifts),
                ),
                "success",
            )
        else:
            flash(_("Đã đảo bút toán #%(id)s.", id=tx.id), "success")
    return redirect(url_for("ledger.books"))


def _visible_check(user: User) -> tuple[LedgerCheck | None, list[dict]]:
    """The latest verifier run and the problems this staff member may see in it (None before the first run)."""
    check = verify.latest_check(db.session)
    if check is None:
        return None, []
    return check, verify.visible_problems(db.session, user, check.problems or [])


@bp.app_context_processor
def _ledger_check_alert() -> dict:
    """`ledger_check_alert()` for the staff home page: the latest run's problem count and time, or None."""

    def alert() -> dict[str, Any] | None:
        if not (current_user.is_authenticated and current_user.is_staff):
            return None
        check, problems = _visible_check(current_user)
        if check is None or check.ok or not problems:
            return None
        count = check.problem_count if current_user.role == Role.CENTRAL_ADMIN else len(problems)
        return {"count": count, "checked_at": check.checked_at}

    return {"ledger_check_alert": alert}


@bp.route("/kiem-tra")
@staff_required()
def checks() -> ResponseReturnValue:
    check, problems = _visible_check(current_user)
    return render_template(
        "ledger/checks.html",
        check=check,
        problems=problems,
        check_labels=verify.CHECK_NAMES,
    )


def _close_scopes() -> list[tuple[int, str]]:
    """What this user may close: central admins the whole fund (0) or any province; province staff their province."""
    from app.core.collation import units_sorted
    from app.units.models import UnitLevel

    if current_user.role == Role.CENTRAL_ADMIN:
        provinces = units_sorted(
            db.session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_(None))).scalars()
        )
        return [(0, _("Toàn Quỹ (mọi địa bàn)")), *((u.id, u.name) for u in provinces)]
    own = current_user.unit
    if own is None or own.level != UnitLevel.PROVINCE:
        return []
    return [(own.id, own.name)]


@bp.route("/khoa-so", methods=["GET", "POST"])
@staff_required(Role.PROVINCE_STAFF)
def year_close() -> ResponseReturnValue:
    """Close a year of the books (app.ledger.yearend): freeze it, carry each balance over, produce the annual report."""
    from app.campaigns.models import Campaign, CampaignStatus
    from app.core.i18n import today_vn
    from app.ledger import yearend
    from app.ledger.forms import YearCloseForm
    from app.ledger.models import YearClose

    fund = ledger.main_fund(db.session)
    form = YearCloseForm()
    form.unit_id.choices = _close_scopes()
    if not form.unit_id.choices:
        abort(404)
    campaigns = (
        db.session.execute(
            select(Campaign)
            .where(Campaign.fund_id == fund.id, Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.year.desc(), Campaign.id)
        )
        .scalars()
        .all()
    )
    form.campaign_id.choices = [(c.id, c.name) for c in campaigns]
    if not form.is_submitted():
        form.year.data = today_vn().year - 1
    if form.validate_on_submit():
        unit = db.session.get(AdminUnit, form.unit_id.data) if form.unit_id.data else None
        with domain_errors(form, errors=(yearend.YearEndError, ledger.LedgerError)) as outcome:
            close, created = yearend.close_year(
                db.session,
                Actor.from_request(),
                fund_id=fund.id,
                year=form.year.data,
                unit=unit,
                confirm_year=form.confirm_year.data,
                campaign_id=form.campaign_id.data,
            )
        if outcome.ok:
            if created:
                flash(
                    _(
                        "Đã khóa sổ năm %(year)s: %(count)s tài khoản chuyển số dư sang năm sau; "
                        "báo cáo tổng kết năm đang được lập.",
                        year=close.year,
                        count=close.account_count,
                    ),
                    "success",
                )
            else:
                flash(
                    _("Năm %(year)s đã được khóa sổ trước đó; không có gì thay đổi.", year=close.year), "info"
                )
            return redirect(url_for("ledger.year_close"))
    closes = (
        db.session.execute(
            select(YearClose)
            .where(
                YearClose.fund_id == fund.id,
                unit_scope_clause(current_user, YearClose.unit_id)
                if current_user.role != Role.CENTRAL_ADMIN
                else YearClose.id.is_not(None),
            )
            .order_by(YearClose.year.desc(), YearClose.id.desc())
        )
        .scalars()
        .all()
    )
    names = {
        u.id: u.name
        for u in db.session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_(None))).scalars()
    }
    return render_template("ledger/year_close.html", form=form, closes=closes, names=names)


# ------------------------------------------------------------------------------ transfers between levels
CENTRAL_CHOICE = "central"


def _transfer_targets(user: User) -> list[tuple[str, str]]:
    """Where the user's own unit may send money: a province to its communes, the other provinces and the central
    level; a commune to its province and the central level."""
    source = user.unit
    if source is None:
        return []
    choices: list[tuple[str, str]] = [(CENTRAL_CHOICE, str(_("Trung ương")))]
    if source.level == UnitLevel.PROVINCE:
        communes = db.session.execute(select(AdminUnit).where(AdminUnit.parent_id == source.id)).scalars()
        provinces = db.session.execute(
            select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.id != source.id)
        ).scalars()
        choices += [(str(u.id), u.name) for u in units_sorted(list(communes))]
        choices += [(str(u.id), u.name) for u in units_sorted(list(provinces))]
    elif source.parent is not None:
        choices.append((str(source.parent.id), source.parent.name))
    return choices


def transfer_form_for(user: User) -> TransferForm | None:
    """The proposal form for staff whose own unit may send money (None otherwise)."""
    if user.role not in transfers.PREPARER_ROLES or user.unit is None:
        return None
    form = TransferForm()
    form.to_unit.choices = _transfer_targets(user)
    return form


@bp.route("/dieu-chuyen", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER)
def propose_transfer() -> ResponseReturnValue:
    form = transfer_form_for(current_user)
    if form is None:
        abort(404)
    if not form.validate_on_submit():
        for errs in form.errors.values():
            for e in errs:
                flash(str(e), "error")
        return redirect(url_for("ledger.books", _anchor="dieu-chuyen"))
    to_unit = None if form.to_unit.data == CENTRAL_CHOICE else int(form.to_unit.data)
    with domain_errors() as outcome:
        p = transfers.propose(
            db.session,
            Actor.from_request(),
            current_user,
            fund_id=ledger.main_fund(db.session).id,
            from_unit_id=current_user.unit_id,
            to_unit_id=to_unit,
            purpose=Purpose(form.purpose.data),
            amount_vnd=form.amount_vnd,
            note=form.note.data,
        )
    if outcome.ok:
        flash(_("Đã lập đề xuất điều chuyển #%(id)s: chờ phê duyệt của hai bên.", id=p.id), "success")
    return redirect(url_for("ledger.books", _anchor="dieu-chuyen"))


def _require_transfer(transfer_id: int) -> None:
    """404 unless the transfer exists and one of its two sides is in the staff member's area."""
    from app.contributions.models import FundTransferProposal

    p = db.session.get(FundTransferProposal, transfer_id)
    if p is None or not (
        can_access_unit_id(db.session, current_user, p.from_unit_id)
        or can_access_unit_id(db.session, current_user, p.to_unit_id)
    ):
        abort(404)


@bp.route("/dieu-chuyen/<int:transfer_id>/duyet", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.APPROVER)
def approve_transfer(transfer_id: int) -> ResponseReturnValue:
    _require_transfer(transfer_id)
    if not ConfirmTransferForm().validate_on_submit():
        abort(400)
    with domain_errors() as outcome:
        p = transfers.approve(db.session, Actor.from_request(), current_user, transfer_id)
    if outcome.ok:
        if p.status == TransferStatus.DONE:
            flash(_("Đã phê duyệt và ghi sổ điều chuyển #%(id)s cho cả hai bên.", id=p.id), "success")
        else:
            flash(_("Đã phê duyệt điều chuyển #%(id)s; chờ bên còn lại phê duyệt.", id=p.id), "success")
    return redirect(url_for("ledger.books", _anchor="dieu-chuyen"))


@bp.route("/dieu-chuyen/<int:transfer_id>/tu-choi", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.APPROVER)
def reject_transfer(transfer_id: int) -> ResponseReturnValue:
    _require_transfer(transfer_id)
    form = TransferReasonForm()
    if not form.validate_on_submit():
        for errs in form.errors.values():
            for e in errs:
                flash(str(e), "error")
        return redirect(url_for("ledger.books", _anchor="dieu-chuyen"))
    with domain_errors() as outcome:
        p = transfers.reject(db.session, Actor.from_request(), current_user, transfer_id, form.reason.data)
    if outcome.ok:
        flash(_("Đã ghi nhận không chuyển #%(id)s.", id=p.id), "success")
    return redirect(url_for("ledger.books", _anchor="dieu-chuyen"))
