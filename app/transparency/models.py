"""Transparency: the published hash chain of contributions, and the overview cache.

Also declares the search indexes on contributions (a table owned by the foundation) that the public
statement needs at national scale; migration 0006 creates them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.contributions.models import Contribution
from app.core.collation import POSTGRES_COLLATION
from app.core.db import UTCDateTime, utcnow
from app.extensions import Model

BigId = BigInteger().with_variant(Integer, "sqlite")

# Keyset pagination of the public statement: (received_on, id) and (amount_vnd, id).
# On PostgreSQL both carry the search key and common filter columns (migration 0008): a text search reads
# its page from the index in sort order without visiting the table (services.statement_page).
Index(
    "ix_contributions_received_on_id",
    Contribution.received_on,
    Contribution.id,
    postgresql_include=["search_key", "amount_vnd", "pool_unit_id"],
)
Index(
    "ix_contributions_amount_id",
    Contribution.amount_vnd,
    Contribution.id,
    postgresql_include=["search_key", "received_on", "pool_unit_id"],
)
# Sorted by name in the one Vietnamese order (app.core.collation, ICU collation vi_natural): the same idea on
# PostgreSQL (migrations 0013, 0014).
Index(
    "ix_contributions_name_vi",
    Contribution.public_name.collate(POSTGRES_COLLATION),
    Contribution.id,
    postgresql_include=["search_key", "received_on", "amount_vnd", "pool_unit_id"],
    info={"dialects": ("postgresql",), "compare": False},
).ddl_if(dialect="postgresql")
Index("ix_contributions_pool_received", Contribution.pool_unit_id, Contribution.received_on, Contribution.id)
# Text search on PostgreSQL: a GIN index of each contribution's words and pairs of adjacent words (the function
# ct_search_terms, migration 0012; statement.text_filter, search.tsquery). SQLite serves demo sizes by scanning.
Index(
    "ix_contributions_search_terms",
    func.ct_search_terms(Contribution.search_key),
    postgresql_using="gin",
    info={"dialects": ("postgresql",)},
).ddl_if(dialect="postgresql")


class PublishedRoot(Model):
    """One day's link in the public hash chain.

    It covers the contributions recorded since the previous link (ids first_id..last_id): records_hash is
    SHA-256 over their canonical lines sorted by id, root = SHA-256(previous root ‖ records_hash).
    A record changed afterwards no longer hashes to records_hash, so its day is flagged.
    """

    __tablename__ = "published_roots"
    __table_args__ = (UniqueConstraint("day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    first_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False
    )  # exclusive lower bound: previous last_id
    last_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_vnd: Mapped[int] = mapped_column(BigInteger, nullable=False)
    records_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    prev_root: Mapped[str] = mapped_column(String(64), nullable=False)
    root: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # 1: the canonical line holds the public name; 2: its salted commitment (verify_export.ROOT_FORMAT).
    format: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=2, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Result of the latest re-check against the live records (None: not checked yet).
    check_ok: Mapped[bool | None] = mapped_column(Boolean)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OverviewCache(Model):
    """The computed public overview of one campaign, valid while the ledger version it was built from holds."""

    __tablename__ = "transparency_overview_cache"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_key: Mapped[str] = mapped_column(String(20), nullable=False)
    version: Mapped[str] = mapped_column(String(120), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
