"""Gap-free numbering (receipt numbers, certificate serials) per scope, safe under concurrency."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, String, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import UTCDateTime
from app.extensions import Model


class NumberSequence(Model):
    """The last number handed out for one scope key, e.g. "receipt:56:2026"."""

    __tablename__ = "number_sequences"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: datetime.now(UTC))


def next_numbers(session: Session, key: str, count: int = 1) -> range:
    """Reserve `count` consecutive numbers for `key` inside the caller's transaction (row lock on PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # Create the row if missing without racing another transaction doing the same.
    session.execute(
        insert(NumberSequence)
        .values(key=key, last_value=0, updated_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = session.execute(
        select(NumberSequence)
        .where(NumberSequence.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    start = row.last_value + 1
    row.last_value += count
    row.updated_at = datetime.now(UTC)
    session.flush()
    return range(start, start + count)
