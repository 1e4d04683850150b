"""Review integrity: every change to an item that a second person approves (a household need, a matching
proposal) is recorded with its author and, per field, the value before and after.

- `log()` writes one change; `authors()` is everyone who prepared or changed the item (not its approvers);
- `pending_diff()` folds the changes since the last approval into {field: (old, new)}, what the approver sees;
- callers refuse an approval by any author (`is_author()`), and send an approved item back for approval when a
  change actually changed something.

Values are display strings (amounts formatted, flags Có/Không); identifiers are never stored, only "changed".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.money import format_vnd
from app.needs import crypto
from app.needs.models import NEED_KIND_LABELS, POVERTY_LABELS, HouseholdNeed, ReviewChange
from app.units.models import AdminUnit, Hamlet, LegacyUnit

NEED = "household_need"
PROPOSAL = "matching_proposal"

# Actions that prepare or change an item (their authors may not approve it); the others are decisions.
CHANGE_ACTIONS = ("create", "edit", "include", "exclude", "submit", "override")
DECISIONS = ("approve",)

FIELD_LABELS = {
    "commune": _l("Xã/phường"),
    "hamlet": _l("Thôn/tổ dân phố"),
    "legacy_commune": _l("Xã cũ (trước 2025)"),
    "head_name": _l("Họ tên chủ hộ"),
    "citizen_id": _l("Số CCCD"),
    "phone": _l("Số điện thoại"),
    "address": _l("Địa chỉ"),
    "household_size": _l("Số nhân khẩu"),
    "poverty_status": _l("Diện hộ"),
    "merit_family": _l("Gia đình có công"),
    "ethnic_minority": _l("Dân tộc thiểu số"),
    "elderly_alone": _l("Người cao tuổi sống một mình"),
    "disability": _l("Có người khuyết tật"),
    "single_parent": _l("Nuôi con một mình"),
    "need_kind": _l("Loại hỗ trợ"),
    "estimated_cost_vnd": _l("Dự toán kinh phí"),
    "secured_vnd": _l("Nguồn đã có"),
    "requested_vnd": _l("Đề nghị Quỹ hỗ trợ"),
    "limit_override": _l("Lý do vượt mức hỗ trợ"),
    "poverty_list_year": _l("Năm danh sách hộ nghèo"),
    "total_vnd": _l("Tổng kinh phí đề xuất"),
    "lines": _l("Hộ được bố trí"),
}
MASKED = ("citizen_id", "phone", "address")
MASK_OLD = "•••"
MASK_NEW = "đã thay đổi"
FLAGS = ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent")


def _yes_no(value: bool) -> str:
    return "Có" if value else "Không"


def _fingerprint(value: str | None) -> str:
    """Compares identifiers without keeping them: a hash that lives only in memory."""
    return hashlib.sha256((value or "").encode()).hexdigest()


def need_view(
    session: Session, need: HouseholdNeed, identifiers: tuple[str | None, ...] | None = None
) -> dict:
    """The reviewed fields of a need as the approver reads them (identifiers as in-memory fingerprints)."""
    if identifiers is None:
        identifiers = (
            crypto.decrypt(need.citizen_id_enc),
            crypto.decrypt(need.phone_enc),
            crypto.decrypt(need.address_enc),
        )
    commune = session.get(AdminUnit, need.commune_id) if need.commune_id else None
    hamlet = session.get(Hamlet, need.hamlet_id) if need.hamlet_id else None
    legacy = session.get(LegacyUnit, need.legacy_commune_id) if need.legacy_commune_id else None
    view = {
        "commune": commune.name if commune else "—",
        "hamlet": hamlet.name if hamlet else "—",
        "legacy_commune": legacy.name if legacy else "—",
        "head_name": need.head_name,
        "household_size": str(need.household_size),
        "poverty_status": POVERTY_LABELS[need.poverty_status],
        "need_kind": NEED_KIND_LABELS[need.need_kind],
        "estimated_cost_vnd": format_vnd(need.estimated_cost_vnd),
        "secured_vnd": format_vnd(need.secured_vnd),
        "requested_vnd": format_vnd(need.requested_vnd),
        "limit_override": need.limit_override_reason or "—",
        "poverty_list_year": str(need.poverty_list_year) if need.poverty_list_year else "—",
    }
    for flag in FLAGS:
        view[flag] = _yes_no(bool(getattr(need, flag)))
    for name, value in zip(MASKED, identifiers, strict=True):
        view[name] = _fingerprint(value)
    return view


def diff(old: dict, new: dict) -> dict[str, list[str]]:
    """{field: [old, new]} for the fields that differ; identifiers masked."""
    out: dict[str, list[str]] = {}
    for key, value in new.items():
        before = old.get(key)
        if before == value:
            continue
        out[key] = [MASK_OLD, MASK_NEW] if key in MASKED else [before if before is not None else "—", value]
    return out


def log(
    session: Session,
    item_type: str,
    item_id: int,
    action: str,
    author_id: int | None,
    changes: dict | None = None,
    note: str = "",
) -> ReviewChange:
    entry = ReviewChange(
        item_type=item_type,
        item_id=item_id,
        action=action,
        author_id=author_id,
        changes=changes or {},
        note=note,
    )
    session.add(entry)
    session.flush()
    return entry


def _entries(session: Session, item_type: str, item_id: int) -> list[ReviewChange]:
    return list(
        session.execute(
            select(ReviewChange)
            .where(ReviewChange.item_type == item_type, ReviewChange.item_id == item_id)
            .order_by(ReviewChange.id)
        ).scalars()
    )


def authors(session: Session, item_type: str, item_id: int) -> set[int]:
    """Everyone who prepared or changed the item, over its whole life."""
    return {
        e.author_id
        for e in _entries(session, item_type, item_id)
        if e.action in CHANGE_ACTIONS and e.author_id is not None
    }


def is_author(session: Session, item_type: str, item_id: int, user_id: int) -> bool:
    return user_id in authors(session, item_type, item_id)


def was_decided(session: Session, item_type: str, item_id: int) -> bool:
    """Whether the item was approved at least once (the diff then runs from that approval)."""
    return any(e.action in DECISIONS for e in _entries(session, item_type, item_id))


def pending(session: Session, item_type: str, item_id: int) -> list[ReviewChange]:
    """The changes since the last approval (all of them if it was never approved)."""
    entries = _entries(session, item_type, item_id)
    last = max((i for i, e in enumerate(entries) if e.action in DECISIONS), default=-1)
    return [e for e in entries[last + 1 :] if e.action in CHANGE_ACTIONS and e.action != "create"]


def pending_diff(session: Session, item_type: str, item_id: int) -> dict[str, tuple]:
    """The changes since the last approval folded per field: (value at the approval, value now); a field
    changed and changed back drops out. Lists (a proposal's lines added/removed) are concatenated."""
    folded: dict[str, list] = {}
    for e in pending(session, item_type, item_id):
        for key, (before, after) in e.changes.items():
            if key == "lines":
                folded.setdefault(key, [[], []])
                folded[key][1] = folded[key][1] + (after if isinstance(after, list) else [after])
            elif key in folded:
                folded[key][1] = after
            else:
                folded[key] = [before, after]
    out: dict[str, tuple] = {}
    for key, (before, after) in folded.items():
        if key == "lines":
            out[key] = tuple(after)
        elif before != after or key in MASKED:
            out[key] = (before, after)
    return out


@dataclass(frozen=True)
class ChangeRow:
    """One pending change for the approver's page."""

    at: datetime
    author: str
    action: str
    field: str
    old: str
    new: str
    note: str


def change_rows(session: Session, item_type: str, item_id: int) -> list[ChangeRow]:
    """Pending changes, one row per field, with the author's name (for the approver's diff table)."""
    rows: list[ChangeRow] = []
    changes = pending(session, item_type, item_id)
    names = {
        u.id: u.full_name or u.email
        for u in session.execute(
            select(User).where(User.id.in_({e.author_id for e in changes if e.author_id}))
        ).scalars()
    }
    for e in changes:
        author = names.get(e.author_id or 0, "—")
        if not e.changes:
            rows.append(ChangeRow(e.created_at, author, e.action, "", "", "", e.note))
        for key, (before, after) in e.changes.items():
            if isinstance(after, list):
                after = "; ".join(str(a) for a in after)
            rows.append(
                ChangeRow(
                    e.created_at,
                    author,
                    e.action,
                    str(FIELD_LABELS.get(key, key)),
                    str(before),
                    str(after),
                    e.note,
                )
            )
    return rows
