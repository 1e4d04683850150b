"""Goods in and out of a unit's store (issue 18 item 7): receipt from an in-kind contribution, handouts with two
people and a signed list, the ledger's IN_KIND_HANDOUT, reversal, and the public summary.

Who may do what (as payout orders, docs/PAYOUTS.md; the role tuples are app.payouts.services'):
- goods are received and handouts prepared or edited by staff of the store's area (commune, province staff);
- a handout is approved by a province role (province staff, approver) or a central admin of the area who neither
  prepared it nor edited it (goods_handout_editors), through app.core.makerchecker.refuse_own_work, the same rule
  payout orders are approved by;
- the signed list is uploaded by one person and confirmed by another; confirming completes the handout: the stock
  goes down and app.ledger.services.hand_out_goods posts the value out; a completed handout is undone only by
  reverse_handout (approvers, central admins): the ledger's mirror transaction, the goods back in stock.

Locks, always in this order: the handout (FOR UPDATE), then its stock rows in id order (FOR UPDATE). What a handout
may take is the stock on hand less what other open handouts (pending, approved) already hold: with the stock rows
locked, two handouts racing for the last 10 bags are serialised and the second sees the first's lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import Role, User
from app.audit.services import record
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.core.makerchecker import refuse_own_work, require_status, required_reason
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.core.uploads import read_proof_upload, store_bytes
from app.goods.models import (
    MEASURE_LABELS,
    OPEN_HANDOUTS,
    GoodsHandout,
    GoodsHandoutLine,
    GoodsReceipt,
    GoodsStock,
    HandoutEditor,
    HandoutStatus,
    Measure,
    RecipientKind,
)
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.needs.funding import REVERSE_DISBURSEMENT_ROLES
from app.needs.models import HouseholdNeed
from app.payouts.closing import close_with_reason
from app.payouts.services import APPROVE_ROLES, ENTRY_ROLES
from app.units.models import AdminUnit

LIST_SUBDIR = "goods/lists"
SOURCE_TYPE = "goods_handout"
MAX_LINES = 200


class GoodsError(DomainError):
    """A refused goods action (Vietnamese message)."""


# ----------------------------------------------------------------------------------------- helpers
def _unit(session: Session, unit_id: int | None) -> AdminUnit:
    unit = session.get(AdminUnit, unit_id) if unit_id is not None else None
    if unit is None:
        raise GoodsError(N_("Không tìm thấy địa bàn của kho."))
    return unit


def _check_area(user: User | None, unit: AdminUnit | None) -> None:
    if user is not None and not can_access_unit(user, unit):
        raise GoodsError(N_("Kho này không thuộc địa bàn của bạn."))


def _check_role(user: User | None, roles: Iterable[Role], message: str) -> None:
    if user is not None and user.role not in tuple(roles) and user.role != Role.CENTRAL_ADMIN:
        raise GoodsError(message)


def _label(stock: GoodsStock) -> str:
    return f"{stock.item}, {MEASURE_LABELS[stock.measure]}"


def _qty(n: int, stock: GoodsStock) -> str:
    return f"{n:,}".replace(",", ".") + f" {MEASURE_LABELS[stock.measure]}"


def _lock_stocks(session: Session, ids: Iterable[int]) -> dict[int, GoodsStock]:
    return {
        s.id: s
        for s in session.execute(
            select(GoodsStock)
            .where(GoodsStock.id.in_(sorted(set(ids))))
            .order_by(GoodsStock.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }


def _lock_handout(session: Session, handout_id: int) -> GoodsHandout:
    handout = session.execute(
        select(GoodsHandout)
        .where(GoodsHandout.id == handout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if handout is None:
        raise GoodsError(N_("Không tìm thấy phiếu xuất kho."))
    session.refresh(handout, ["lines"])
    return handout


def held_by_open_handouts(
    session: Session, stock_ids: Iterable[int], *, excluding: int | None = None
) -> dict[int, int]:
    """Quantities that open handouts (pending, approved) hold, per stock row."""
    q = (
        select(GoodsHandoutLine.stock_id, func.coalesce(func.sum(GoodsHandoutLine.quantity), 0))
        .join(GoodsHandout, GoodsHandout.id == GoodsHandoutLine.handout_id)
        .where(GoodsHandoutLine.stock_id.in_(list(stock_ids)), GoodsHandout.status.in_(OPEN_HANDOUTS))
        .group_by(GoodsHandoutLine.stock_id)
    )
    if excluding is not None:
        q = q.where(GoodsHandout.id != excluding)
    return {sid: int(n) for sid, n in session.execute(q)}


def _share(stock: GoodsStock, quantity: int) -> int:
    """The value of `quantity` of a stock item at its average value (all of it when the whole stock goes)."""
    if stock.quantity <= 0:
        return 0
    if quantity >= stock.quantity:
        return stock.value_vnd
    return stock.value_vnd * quantity // stock.quantity


def _mark_editor(session: Session, handout: GoodsHandout, user_id: int | None, action: str) -> None:
    if user_id is None:
        return
    exists = session.execute(
        select(HandoutEditor.id).where(
            HandoutEditor.handout_id == handout.id, HandoutEditor.user_id == user_id
        )
    ).first()
    if exists is None:
        session.add(HandoutEditor(handout_id=handout.id, user_id=user_id, first_action=action))


def handout_editors(session: Session, handout_id: int) -> set[int]:
    return set(
        session.execute(select(HandoutEditor.user_id).where(HandoutEditor.handout_id == handout_id)).scalars()
    )


# ----------------------------------------------------------------------------------------- receiving
def _stock_row(
    session: Session, fund_id: int, unit_id: int, purpose: Purpose, item: str, measure: Measure
) -> GoodsStock:
    """Get or create the store item (without racing a concurrent creator), then lock it."""
    key = fold(item)[:120]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(GoodsStock)
        .values(
            fund_id=fund_id,
            unit_id=unit_id,
            purpose=purpose,
            item=item,
            item_key=key,
            measure=measure,
            quantity=0,
            value_vnd=0,
        )
        .on_conflict_do_nothing(index_elements=["fund_id", "unit_id", "purpose", "item_key", "measure"])
    )
    return session.execute(
        select(GoodsStock)
        .where(
            GoodsStock.fund_id == fund_id,
            GoodsStock.unit_id == unit_id,
            GoodsStock.purpose == purpose,
            GoodsStock.item_key == key,
            GoodsStock.measure == measure,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def received_value(session: Session, contribution_id: int) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(GoodsReceipt.value_vnd), 0)).where(
                GoodsReceipt.contribution_id == contribution_id
            )
        ).scalar_one()
    )


def receive_goods(
    session: Session,
    actor: Actor,
    user: User | None,
    contribution_id: int,
    *,
    item: str,
    measure: Measure | str,
    quantity: int,
    value_vnd: int,
    received_on: date | None = None,
    note: str = "",
) -> GoodsReceipt:
    """Take goods of a recorded in-kind contribution into its unit's store. The contribution is already on the
    ledger at its estimated value (no second money-in); what is taken in never exceeds that value."""
    contribution = session.execute(
        select(Contribution).where(Contribution.id == contribution_id).with_for_update()
    ).scalar_one_or_none()
    if contribution is None:
        raise GoodsError(N_("Không tìm thấy khoản đóng góp."))
    if contribution.channel != Channel.IN_KIND:
        raise GoodsError(N_("Chỉ nhập kho được khoản đóng góp bằng hiện vật."))
    if contribution.status != ContributionStatus.RECORDED:
        raise GoodsError(N_("Khoản đóng góp này đã bị hủy, không nhập kho được."))
    if contribution.pool_unit_id is None:
        raise GoodsError(N_("Hiện vật tiếp nhận ở cấp trung ương: chưa có kho để nhập."))
    unit = _unit(session, contribution.pool_unit_id)
    _check_area(user, unit)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh nhập kho được.")
    item = (nfc(item) or "").strip()
    if not item:
        raise GoodsError(N_("Tên hàng: chưa nhập."), field="item")
    if len(item) > 120:
        raise GoodsError(N_("Tên hàng: quá dài (tối đa 120 ký tự)."), field="item")
    try:
        measure = Measure(measure)
    except ValueError as exc:
        raise GoodsError(N_("Đơn vị tính: không hợp lệ."), field="measure") from exc
    if not isinstance(quantity, int) or quantity <= 0:
        raise GoodsError(N_("Số lượng: phải là số nguyên lớn hơn 0."), field="quantity")
    if not isinstance(value_vnd, int) or value_vnd <= 0:
        raise GoodsError(N_("Giá trị: phải lớn hơn 0."), field="value")
    left = contribution.amount_vnd - received_value(session, contribution.id)
    if value_vnd > left:
        raise GoodsError(
            N_(
                "Giá trị: vượt giá trị ước tính còn chưa nhập kho của khoản đóng góp (%(amount)s).",
                amount=format_vnd(max(left, 0)),
            ),
            field="value",
        )
    day = received_on or today_vn()
    if day > today_vn():
        raise GoodsError(N_("Ngày nhập kho: không được sau hôm nay."), field="received_on")
    stock = _stock_row(session, contribution.fund_id, unit.id, contribution.purpose, item, measure)
    stock.quantity += quantity
    stock.value_vnd += value_vnd
    receipt = GoodsReceipt(
        stock_id=stock.id,
        contribution_id=contribution.id,
        quantity=quantity,
        value_vnd=value_vnd,
        received_on=day,
        note=(nfc(note) or "").strip()[:1000],
        created_by_id=actor.user_id,
    )
    session.add(receipt)
    session.flush()
    record(
        session,
        actor,
        "goods.receive",
        "goods_receipt",
        receipt.id,
        new={
            "contribution_id": contribution.id,
            "item": stock.item,
            "measure": stock.measure,
            "quantity": quantity,
            "value_vnd": value_vnd,
            "stock_quantity": stock.quantity,
        },
        unit_id=unit.id,
    )
    return receipt


def contributions_to_receive(
    session: Session, user: User, limit: int = 100
) -> list[tuple[Contribution, int]]:
    """Recorded in-kind contributions of the user's area whose value is not all in a store yet, with what is left."""
    from app.accounts.access import unit_scope_clause

    taken = (
        select(GoodsReceipt.contribution_id, func.sum(GoodsReceipt.value_vnd).label("taken"))
        .group_by(GoodsReceipt.contribution_id)
        .subquery()
    )
    rows = session.execute(
        select(Contribution, func.coalesce(taken.c.taken, 0))
        .outerjoin(taken, taken.c.contribution_id == Contribution.id)
        .where(
            Contribution.channel == Channel.IN_KIND,
            Contribution.status == ContributionStatus.RECORDED,
            Contribution.pool_unit_id.is_not(None),
            unit_scope_clause(user, Contribution.pool_unit_id),
            func.coalesce(taken.c.taken, 0) < Contribution.amount_vnd,
        )
        .order_by(Contribution.id.desc())
        .limit(limit)
    ).all()
    return [(c, c.amount_vnd - int(t)) for c, t in rows]


# ----------------------------------------------------------------------------------------- handouts
@dataclass(frozen=True)
class LineInput:
    stock_id: int
    quantity: int
    need_id: int | None = None


def _check_lines(
    session: Session,
    unit: AdminUnit,
    recipient_kind: RecipientKind,
    lines: list[LineInput],
    *,
    excluding: int | None = None,
) -> dict[int, GoodsStock]:
    """Lock the stock rows the lines take from and check each line; refusals name the line (Dòng n)."""
    if not lines:
        raise GoodsError(N_("Phiếu xuất kho phải có ít nhất một dòng hàng."))
    if len(lines) > MAX_LINES:
        raise GoodsError(N_("Phiếu xuất kho có tối đa %(max_lines)s dòng.", max_lines=MAX_LINES))
    stocks = _lock_stocks(session, [ln.stock_id for ln in lines])
    held = held_by_open_handouts(session, stocks, excluding=excluding)
    wanted: dict[int, int] = defaultdict(int)
    for n, ln in enumerate(lines, start=1):
        stock = stocks.get(ln.stock_id)
        if stock is None or stock.unit_id != unit.id:
            raise GoodsError(N_("Dòng %(n)s: mặt hàng không có trong kho này.", n=n))
        if not isinstance(ln.quantity, int) or ln.quantity <= 0:
            raise GoodsError(
                N_("Dòng %(n)s (%(label)s): số lượng phải là số nguyên lớn hơn 0.", n=n, label=_label(stock))
            )
        if recipient_kind == RecipientKind.HOUSEHOLDS:
            need = session.get(HouseholdNeed, ln.need_id) if ln.need_id else None
            if need is None:
                raise GoodsError(N_("Dòng %(n)s (%(label)s): chưa chọn hộ nhận.", n=n, label=_label(stock)))
            if need.commune_id != unit.id and need.commune.parent_id != unit.id:
                raise GoodsError(
                    N_(
                        "Dòng %(n)s (%(label)s): hộ #%(id)s không thuộc địa bàn của kho.",
                        n=n,
                        label=_label(stock),
                        id=need.id,
                    )
                )
        elif ln.need_id is not None:
            raise GoodsError(
                N_(
                    "Dòng %(n)s (%(label)s): phiếu cấp cho công trình không ghi hộ nhận.",
                    n=n,
                    label=_label(stock),
                )
            )
        wanted[stock.id] += ln.quantity
        available = stock.quantity - held.get(stock.id, 0)
        if wanted[stock.id] > available:
            raise GoodsError(
                N_(
                    "Dòng %(n)s (%(item)s): kho chỉ còn %(left)s chưa cấp phát, không đủ %(wanted)s.",
                    n=n,
                    item=_label(stock),
                    left=_qty(max(available, 0), stock),
                    wanted=_qty(wanted[stock.id], stock),
                )
            )
    return stocks


def _set_lines(handout: GoodsHandout, stocks: dict[int, GoodsStock], lines: list[LineInput]) -> None:
    handout.lines.clear()
    left = {sid: (s.quantity, s.value_vnd) for sid, s in stocks.items()}
    for ln in lines:
        qty, value = left[ln.stock_id]
        share = value if ln.quantity >= qty else (value * ln.quantity // qty if qty else 0)
        left[ln.stock_id] = (qty - ln.quantity, value - share)
        handout.lines.append(
            GoodsHandoutLine(stock_id=ln.stock_id, need_id=ln.need_id, quantity=ln.quantity, value_vnd=share)
        )


def _recipient(
    session: Session,
    unit: AdminUnit,
    recipient_kind: RecipientKind | str,
    project_name: str,
    commune_id: int | None,
) -> tuple[RecipientKind, str, int | None]:
    try:
        kind = RecipientKind(recipient_kind)
    except ValueError as exc:
        raise GoodsError(N_("Nơi nhận: không hợp lệ."), field="recipient_kind") from exc
    project_name = (nfc(project_name) or "").strip()
    if kind == RecipientKind.PROJECT:
        if not project_name:
            raise GoodsError(N_("Tên công trình: chưa nhập."), field="project_name")
        if len(project_name) > 255:
            raise GoodsError(N_("Tên công trình: quá dài."), field="project_name")
        commune = session.get(AdminUnit, commune_id) if commune_id else unit
        if commune is None or (commune.id != unit.id and commune.parent_id != unit.id):
            raise GoodsError(N_("Xã của công trình: không thuộc địa bàn của kho."), field="commune_id")
        return kind, project_name, commune.id
    return kind, "", None


def _lines_json(handout: GoodsHandout) -> list[dict[str, Any]]:
    return [
        {"stock_id": ln.stock_id, "need_id": ln.need_id, "quantity": ln.quantity, "value_vnd": ln.value_vnd}
        for ln in handout.lines
    ]


def prepare_handout(
    session: Session,
    actor: Actor,
    user: User | None,
    unit_id: int,
    *,
    recipient_kind: RecipientKind | str,
    lines: list[LineInput],
    project_name: str = "",
    commune_id: int | None = None,
    note: str = "",
) -> GoodsHandout:
    """The maker: a goods issue note from the unit's store, awaiting another person's approval."""
    unit = _unit(session, unit_id)
    _check_area(user, unit)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh lập được phiếu xuất kho.")
    kind, project_name, commune = _recipient(session, unit, recipient_kind, project_name, commune_id)
    stocks = _check_lines(session, unit, kind, lines)
    fund_ids = {s.fund_id for s in stocks.values()}
    if len(fund_ids) != 1:
        raise GoodsError(N_("Một phiếu xuất kho chỉ lấy hàng của một quỹ."))
    handout = GoodsHandout(
        unit_id=unit.id,
        fund_id=fund_ids.pop(),
        recipient_kind=kind,
        project_name=project_name,
        commune_id=commune,
        status=HandoutStatus.PENDING,
        note=(nfc(note) or "").strip()[:2000],
        prepared_by_id=actor.user_id,
        version=1,
    )
    session.add(handout)
    _set_lines(handout, stocks, lines)
    session.flush()
    _mark_editor(session, handout, actor.user_id, "prepare")
    record(
        session,
        actor,
        "goods.prepare",
        "goods_handout",
        handout.id,
        new={"recipient_kind": kind, "project_name": project_name, "lines": _lines_json(handout)},
        unit_id=unit.id,
    )
    session.flush()
    return handout


def edit_handout(
    session: Session,
    actor: Actor,
    user: User | None,
    handout_id: int,
    *,
    lines: list[LineInput],
    project_name: str | None = None,
    note: str | None = None,
) -> GoodsHandout:
    """Change a handout not yet completed; an approved one goes back for approval, and the editor can no longer
    approve it."""
    handout = _lock_handout(session, handout_id)
    unit = _unit(session, handout.unit_id)
    _check_area(user, unit)
    _check_role(user, ENTRY_ROLES, "Chỉ cán bộ xã, tỉnh sửa được phiếu xuất kho.")
    if handout.status not in OPEN_HANDOUTS:
        raise GoodsError(
            N_("Không sửa được phiếu xuất kho đang “%(status_label)s”.", status_label=handout.status_label)
        )
    stocks = _check_lines(session, unit, handout.recipient_kind, lines, excluding=handout.id)
    old = {"lines": _lines_json(handout), "status": handout.status, "project_name": handout.project_name}
    if project_name is not None and handout.recipient_kind == RecipientKind.PROJECT:
        _, handout.project_name, _c = _recipient(
            session, unit, handout.recipient_kind, project_name, handout.commune_id
        )
    if note is not None:
        handout.note = (nfc(note) or "").strip()[:2000]
    _set_lines(handout, stocks, lines)
    if handout.status == HandoutStatus.APPROVED:
        handout.status = HandoutStatus.PENDING
        handout.approved_by_id = None
        handout.approved_at = None
        record(
            session,
            actor,
            "goods.back_to_pending",
            "goods_handout",
            handout.id,
            old={"status": HandoutStatus.APPROVED},
            new={"status": handout.status, "why": "edit"},
            unit_id=handout.unit_id,
        )
    handout.version += 1
    _mark_editor(session, handout, actor.user_id, "edit")
    session.flush()
    record(
        session,
        actor,
        "goods.edit",
        "goods_handout",
        handout.id,
        old=old,
        new={"lines": _lines_json(handout), "status": handout.status, "project_name": handout.project_name},
        unit_id=handout.unit_id,
    )
    return handout


def approve_handout(session: Session, actor: Actor, user: User, handout_id: int) -> GoodsHandout:
    """The checker: someone who neither prepared nor edited the handout, in a province role of the area. The
    stock is checked again (another handout may have been completed since)."""
    handout = _lock_handout(session, handout_id)
    unit = _unit(session, handout.unit_id)
    _check_area(user, unit)
    _check_role(user, APPROVE_ROLES, "Chỉ cán bộ cấp tỉnh hoặc người phê duyệt được duyệt phiếu xuất kho.")
    if handout.status != HandoutStatus.PENDING:
        raise GoodsError(
            N_(
                "Phiếu %(reference)s đang “%(status_label)s”, không duyệt lại được.",
                reference=handout.reference,
                status_label=handout.status_label,
            )
        )
    refuse_own_work(
        user.id,
        [
            (
                {*handout_editors(session, handout.id), handout.prepared_by_id},
                "Người lập hoặc đã sửa phiếu xuất kho không được tự duyệt phiếu đó.",
            )
        ],
        GoodsError,
    )
    lines = [LineInput(ln.stock_id, ln.quantity, ln.need_id) for ln in handout.lines]
    _check_lines(session, unit, handout.recipient_kind, lines, excluding=handout.id)
    handout.status = HandoutStatus.APPROVED
    handout.approved_by_id = user.id
    handout.approved_at = utcnow()
    handout.version += 1
    session.flush()
    record(
        session,
        actor,
        "goods.approve",
        "goods_handout",
        handout.id,
        old={"status": HandoutStatus.PENDING},
        new={"status": handout.status, "lines": _lines_json(handout)},
        unit_id=handout.unit_id,
    )
    return handout


def upload_signed_list(
    session: Session,
    actor: Actor,
    user: User | None,
    handout_id: int,
    file_storage: Any,
    document_ref: str = "",
) -> GoodsHandout:
    """The list signed by the recipients (PDF or photo: an image is re-encoded without its metadata). Never
    public: served to staff of the area only."""
    handout = _lock_handout(session, handout_id)
    _check_area(user, _unit(session, handout.unit_id))
    _check_role(user, (*ENTRY_ROLES, Role.APPROVER), "Bạn không tải danh sách ký nhận lên được.")
    require_status(
        handout.status,
        {HandoutStatus.APPROVED},
        N_("Phiếu %(reference)s đang “%(status)s”: chỉ tải danh sách khi đã duyệt."),
        GoodsError,
        reference=handout.reference,
        status=handout.status_label,
    )
    document_ref = (nfc(document_ref) or "").strip()
    if len(document_ref) > 120:
        raise GoodsError(N_("Số chứng từ: quá dài."), field="document_ref")
    file_kind, data = read_proof_upload(file_storage)
    stored = store_bytes(data, file_kind, getattr(file_storage, "filename", ""), LIST_SUBDIR)
    handout.list_path = stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix()
    handout.list_file_kind = file_kind
    handout.list_sha256 = stored.sha256
    handout.list_original_name = stored.original_name
    handout.list_uploaded_by_id = actor.user_id
    handout.document_ref = document_ref
    handout.version += 1
    session.flush()
    record(
        session,
        actor,
        "goods.list_upload",
        "goods_handout",
        handout.id,
        new={"file_kind": file_kind, "sha256": stored.sha256, "document_ref": document_ref},
        unit_id=handout.unit_id,
    )
    return handout


def list_path(handout: GoodsHandout) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / (handout.list_path or "")).resolve()
    if not handout.list_path or root not in path.parents:
        raise GoodsError(N_("Đường dẫn danh sách ký nhận không hợp lệ."))
    return path


def confirm_handout(
    session: Session, actor: Actor, user: User | None, handout_id: int, *, handed_out_on: date | None = None
) -> GoodsHandout:
    """A second person confirms the signed list someone else uploaded: the goods leave the store (quantity and
    value), and their value leaves the unit's IN_KIND account on the ledger (hand_out_goods)."""
    handout = _lock_handout(session, handout_id)
    unit = _unit(session, handout.unit_id)
    _check_area(user, unit)
    _check_role(user, (*APPROVE_ROLES, Role.COMMUNE_STAFF), "Bạn không xác nhận được phiếu xuất kho.")
    require_status(
        handout.status,
        {HandoutStatus.APPROVED},
        N_("Phiếu %(reference)s đang “%(status_label)s”, không xác nhận được."),
        GoodsError,
        reference=handout.reference,
        status_label=handout.status_label,
    )
    if not handout.list_path:
        raise GoodsError(N_("Chưa có danh sách ký nhận: hãy tải lên trước khi xác nhận."))
    if actor.user_id is not None and actor.user_id == handout.list_uploaded_by_id:
        raise GoodsError(N_("Người tải danh sách ký nhận lên không tự xác nhận được: cần người thứ hai."))
    day = handed_out_on or today_vn()
    if day > today_vn():
        raise GoodsError(N_("Ngày cấp phát: không được sau hôm nay."))
    lines = [LineInput(ln.stock_id, ln.quantity, ln.need_id) for ln in handout.lines]
    stocks = _check_lines(session, unit, handout.recipient_kind, lines, excluding=handout.id)
    values: dict[Purpose, int] = defaultdict(int)
    for ln in handout.lines:
        stock = stocks[ln.stock_id]
        ln.value_vnd = _share(stock, ln.quantity)
        stock.quantity -= ln.quantity
        stock.value_vnd -= ln.value_vnd
        values[Purpose(stock.purpose)] += ln.value_vnd
    values = {p: v for p, v in values.items() if v > 0}
    if values:
        try:
            tx = ledger.hand_out_goods(
                session,
                actor,
                fund_id=handout.fund_id,
                unit_id=handout.unit_id,
                values=values,
                occurred_on=day,
                memo=f"Cấp phát hàng hóa theo phiếu {handout.reference}",
                source_type=SOURCE_TYPE,
                source_id=handout.id,
            )
        except ledger.LedgerError as exc:
            raise GoodsError(N_("Không ghi được sổ quỹ: %(error)s", error=exc)) from exc
        handout.ledger_transaction_id = tx.id
    handout.status = HandoutStatus.DONE
    handout.confirmed_by_id = actor.user_id
    handout.handed_out_on = day
    handout.version += 1
    session.flush()
    record(
        session,
        actor,
        "goods.complete",
        "goods_handout",
        handout.id,
        old={"status": HandoutStatus.APPROVED},
        new={
            "status": handout.status,
            "handed_out_on": day,
            "value_vnd": handout.value_vnd,
            "ledger_transaction_id": handout.ledger_transaction_id,
            "lines": _lines_json(handout),
        },
        unit_id=handout.unit_id,
    )
    return handout


def cancel_handout(
    session: Session, actor: Actor, user: User | None, handout_id: int, reason: str
) -> GoodsHandout:
    handout = _lock_handout(session, handout_id)
    _check_area(user, _unit(session, handout.unit_id))
    _check_role(user, (*ENTRY_ROLES, Role.APPROVER), "Bạn không hủy được phiếu xuất kho.")
    reason = required_reason(reason, N_("Lý do hủy: chưa nhập."), GoodsError)
    require_status(
        handout.status,
        OPEN_HANDOUTS,
        N_("Không hủy được phiếu xuất kho đang “%(status_label)s”."),
        GoodsError,
        status_label=handout.status_label,
    )
    close_with_reason(
        session,
        actor,
        handout,
        status=HandoutStatus.CANCELLED,
        reason=reason,
        action="goods.cancel",
        entity_type="goods_handout",
        unit_id=handout.unit_id,
    )
    return handout


def reverse_handout(
    session: Session, actor: Actor, user: User | None, handout_id: int, reason: str
) -> GoodsHandout:
    """Undo a completed handout recorded by mistake: the ledger's mirror transaction (ledger.reverse), the goods
    back in stock at the value they left with, the handout marked reversed. The one way to undo a handout (the
    ledger page's reversal of its transaction comes here: app.contributions.reversal.reverse_from_books)."""
    handout = _lock_handout(session, handout_id)
    _check_area(user, _unit(session, handout.unit_id))
    if user is not None and user.role not in REVERSE_DISBURSEMENT_ROLES:
        raise GoodsError(N_("Chỉ người có quyền phê duyệt mới đảo được phiếu xuất kho."))
    reason = required_reason(reason, N_("Lý do đảo: chưa nhập."), GoodsError)
    require_status(
        handout.status,
        {HandoutStatus.DONE},
        N_("Phiếu %(reference)s đang “%(status_label)s”, không đảo được."),
        GoodsError,
        reference=handout.reference,
        status_label=handout.status_label,
    )
    stocks = _lock_stocks(session, [ln.stock_id for ln in handout.lines])
    if handout.ledger_transaction_id is not None:
        try:
            tx = ledger.reverse(
                session,
                actor,
                handout.ledger_transaction_id,
                reason=reason,
                occurred_on=today_vn(),
                source_type="goods_handout_reversal",
                source_id=handout.id,
            )
        except ledger.LedgerError as exc:
            raise GoodsError(N_("Không đảo được phiếu xuất kho: %(error)s", error=exc)) from exc
        handout.reversal_transaction_id = tx.id
    for ln in handout.lines:
        stocks[ln.stock_id].quantity += ln.quantity
        stocks[ln.stock_id].value_vnd += ln.value_vnd
    close_with_reason(
        session,
        actor,
        handout,
        status=HandoutStatus.REVERSED,
        reason=reason,
        action="goods.reverse",
        entity_type="goods_handout",
        unit_id=handout.unit_id,
        audit_new={"reversal_transaction_id": handout.reversal_transaction_id},
    )
    return handout


def handout_of_transaction(session: Session, transaction_id: int) -> GoodsHandout | None:
    return session.execute(
        select(GoodsHandout).where(GoodsHandout.ledger_transaction_id == transaction_id)
    ).scalar_one_or_none()


# ----------------------------------------------------------------------------------------- reading
def stocks_of(session: Session, unit_id: int) -> list[GoodsStock]:
    from app.core.collation import vi_collate

    return list(
        session.execute(
            select(GoodsStock)
            .where(GoodsStock.unit_id == unit_id)
            .order_by(vi_collate(GoodsStock.item), GoodsStock.id)
        ).scalars()
    )


def handouts_of(session: Session, unit_id: int, limit: int = 200) -> list[GoodsHandout]:
    return list(
        session.execute(
            select(GoodsHandout)
            .where(GoodsHandout.unit_id == unit_id)
            .order_by(GoodsHandout.id.desc())
            .limit(limit)
        ).scalars()
    )


def needs_of_unit(session: Session, unit_id: int, limit: int = 500) -> list[HouseholdNeed]:
    """Household needs a store of this unit may give to (the unit's own and its communes')."""
    return list(
        session.execute(
            select(HouseholdNeed)
            .join(AdminUnit, AdminUnit.id == HouseholdNeed.commune_id)
            .where(or_(HouseholdNeed.commune_id == unit_id, AdminUnit.parent_id == unit_id))
            .order_by(HouseholdNeed.id)
            .limit(limit)
        ).scalars()
    )


@dataclass
class ItemSummary:
    stock_id: int
    item: str
    measure: str
    received_qty: int = 0
    received_vnd: int = 0
    out_qty: int = 0
    out_vnd: int = 0
    stock_qty: int = 0
    stock_vnd: int = 0


def store_summary(session: Session, unit_id: int) -> list[ItemSummary]:
    """Per item of the unit's store: received, handed out (completed handouts), in stock — public figures."""
    items = {
        s.id: ItemSummary(
            s.id, s.item, MEASURE_LABELS[s.measure], stock_qty=s.quantity, stock_vnd=s.value_vnd
        )
        for s in stocks_of(session, unit_id)
    }
    if not items:
        return []
    for sid, qty, vnd in session.execute(
        select(GoodsReceipt.stock_id, func.sum(GoodsReceipt.quantity), func.sum(GoodsReceipt.value_vnd))
        .where(GoodsReceipt.stock_id.in_(list(items)))
        .group_by(GoodsReceipt.stock_id)
    ):
        items[sid].received_qty, items[sid].received_vnd = int(qty), int(vnd)
    for sid, qty, vnd in session.execute(
        select(
            GoodsHandoutLine.stock_id,
            func.sum(GoodsHandoutLine.quantity),
            func.sum(GoodsHandoutLine.value_vnd),
        )
        .join(GoodsHandout, GoodsHandout.id == GoodsHandoutLine.handout_id)
        .where(GoodsHandoutLine.stock_id.in_(list(items)), GoodsHandout.status == HandoutStatus.DONE)
        .group_by(GoodsHandoutLine.stock_id)
    ):
        items[sid].out_qty, items[sid].out_vnd = int(qty), int(vnd)
    return list(items.values())


def public_destinations(session: Session, unit_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Where the goods went: each completed handout's lines by item — quantity, value, commune, and the households
    counted (and linked to their public house card when it is public), never named; a project by its name."""
    from app.needs.funding import PUBLIC_STATUSES

    handouts = list(
        session.execute(
            select(GoodsHandout)
            .where(GoodsHandout.unit_id == unit_id, GoodsHandout.status == HandoutStatus.DONE)
            .order_by(GoodsHandout.handed_out_on.desc(), GoodsHandout.id.desc())
            .limit(limit)
        ).scalars()
    )
    return [describe_handout(session, h, PUBLIC_STATUSES) for h in handouts]


def describe_handout(
    session: Session, handout: GoodsHandout, public_statuses: Iterable[object]
) -> dict[str, Any]:
    """The public view of one completed handout (see public_destinations)."""
    public = {getattr(s, "value", s) for s in public_statuses}
    items: dict[int, dict[str, Any]] = {}
    houses: dict[int, dict[str, Any]] = {}
    communes: set[int] = set()
    for ln in handout.lines:
        stock = ln.stock
        it = items.setdefault(
            stock.id,
            {"item": stock.item, "measure": MEASURE_LABELS[stock.measure], "quantity": 0, "value_vnd": 0},
        )
        it["quantity"] += ln.quantity
        it["value_vnd"] += ln.value_vnd
        if ln.need_id is not None and ln.need_id not in houses:
            need = session.get(HouseholdNeed, ln.need_id)
            if need is not None:
                communes.add(need.commune_id)
                shown = getattr(need.status, "value", need.status) in public
                houses[ln.need_id] = {
                    "need_id": need.id if shown else None,
                    "initials": need.head_initials if shown else "",
                    "commune_id": need.commune_id,
                }
    if handout.commune_id:
        communes.add(handout.commune_id)
    names = {
        u.id: u.full_name
        for u in session.execute(select(AdminUnit).where(AdminUnit.id.in_(communes or {-1}))).scalars()
    }
    return {
        "id": handout.id,
        "reference": handout.reference,
        "day": handout.handed_out_on,
        "items": list(items.values()),
        "value_vnd": handout.value_vnd,
        "project": handout.project_name,
        "households": len(houses),
        "houses": [h for h in houses.values() if h["need_id"]],
        "communes": sorted(names.values()),
        "ledger_transaction_id": handout.ledger_transaction_id,
    }


def stores_with_goods(session: Session, where: Any = None) -> list[AdminUnit]:
    """Units whose store holds or held goods (limited by a WHERE clause on GoodsStock.unit_id, e.g. a staff area)."""
    from app.core.collation import units_sorted

    q = select(GoodsStock.unit_id).distinct()
    if where is not None:
        q = q.where(where)
    ids = session.execute(q).scalars().all()
    return units_sorted(session.execute(select(AdminUnit).where(AdminUnit.id.in_(list(ids)))).scalars().all())
