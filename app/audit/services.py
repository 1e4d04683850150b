"""Writing the audit log. Call record() in the same transaction as the change it describes."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.core.actor import Actor


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object,
    *,
    old: dict | None = None,
    new: dict | None = None,
    unit_id: int | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        **entry_values(actor, action, entity_type, entity_id, old=old, new=new, unit_id=unit_id)
    )
    session.add(entry)
    return entry


def entry_values(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object,
    *,
    old: dict | None = None,
    new: dict | None = None,
    unit_id: int | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry (record() adds it to the session; record_rows() inserts several at once)."""
    return {
        "user_id": actor.user_id,
        "actor_label": actor.label[:255],
        "ip_address": actor.ip,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "unit_id": unit_id,
        "old_values": _jsonable(old) if old is not None else None,
        "new_values": _jsonable(new) if new is not None else None,
    }


# Core, built once: no ORM bulk layer, a memoised cache key. RETURNING makes SQLAlchemy send several rows as one
# multi-row INSERT ("insertmanyvalues") on every driver, instead of one execution per row (psycopg's executemany).
_INSERT = insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.id)


def record_rows(
    session: Session, rows: list[dict[str, Any]], *, into: list[dict[str, Any]] | None = None
) -> None:
    """Write entries made by entry_values() in one INSERT, at once (for paths that insert their rows directly).

    `into`: a unit of work that writes several things (the public pledge submission: donor, pledge, consents)
    collects its entries there and writes them all with one record_rows() call at its end."""
    if into is not None:
        into.extend(rows)
    elif rows:
        session.execute(_INSERT, rows).all()
