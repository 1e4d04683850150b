"""Closing an item under maker–checker (a payout order, a goods handout): cancelled or reversed with its reason
kept and the change audited, the same way for both (app.core.makerchecker checks the reason and the status)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.audit.services import record
from app.core.actor import Actor


class _Closable(Protocol):
    """What an item under maker–checker carries to be cancelled or reversed (a payout order, a goods handout)."""

    id: int
    status: Any
    cancel_reason: Any  # str or str | None, as each model declares it
    version: int


def close_with_reason(
    session: Session,
    actor: Actor,
    item: _Closable,
    *,
    status: str,
    reason: str,
    action: str,
    entity_type: str,
    unit_id: int | None,
    audit_new: Mapping[str, object] | None = None,
) -> None:
    """Move a locked item to a final status (cancelled, reversed) with the reason kept and the change audited: old
    status → new status and reason, plus `audit_new` (what the caller also changed, e.g. a reversal transaction)."""
    old = item.status
    item.status = status
    item.cancel_reason = reason[:1000]
    item.version += 1
    session.flush()
    record(
        session,
        actor,
        action,
        entity_type,
        item.id,
        old={"status": old},
        new={"status": item.status, "reason": item.cancel_reason, **(audit_new or {})},
        unit_id=unit_id,
    )
