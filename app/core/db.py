"""Shared column helpers for models."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Dialect, Enum, Result
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's include_object for a database of this dialect: a model object declared for other dialects only
    (info={"dialects": (...)}, e.g. a PostgreSQL expression index) is left out of autogenerate's comparison, and so
    is an index Alembic cannot compare (info={"compare": False}: its reflection drops a COLLATE), on both sides."""

    def uncompared() -> set[str]:
        from app.extensions import db  # not at the top: app.extensions imports this module (cycle)

        return {
            i.name
            for t in db.metadata.tables.values()
            for i in t.indexes
            if i.name and i.info.get("compare") is False
        }

    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        if type_ == "index" and name in uncompared():
            return False
        dialects = None if reflected else getattr(obj, "info", {}).get("dialects")
        return dialects is None or dialect in dialects

    return include


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute() types every result as a Result; for those statements
    it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time: `DateTime(timezone=True)` (timestamptz on PostgreSQL, text on SQLite: same schema, no
    migration) that stores every value in UTC and hands it back in UTC.

    SQLite keeps no zone: it writes the wall clock of whatever zone a value is in and reads it back without one.
    So a Vietnam-time value (a back-dated collection, a bank statement's line) was stored 7 hours ahead of the UTC
    times around it, and every value came back naive, shown as if UTC were Vietnam time. Here an aware value is
    converted to UTC on the way in (columns and the values compared with them in SQL alike), a naive one is taken as
    UTC, and what comes back without a zone is marked UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Alembic's render_item: a UTCDateTime column goes into a generated migration as the plain
    sa.DateTime(timezone=True) it is in the database (a migration imports no application code)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value as a VARCHAR with a CHECK constraint (portable between SQLite and PostgreSQL)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=max(len(m.value) for m in enum_cls),
        validate_strings=True,
    )
