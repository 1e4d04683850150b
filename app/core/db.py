"""Shared column helpers for models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


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
