"""The one Vietnamese sort order: every list a person reads (units, hamlets, donors, needs, reports, exports).

Vietnamese alphabetical order is ICU's "vi" collation: a ă â b c d đ e ê … o ô ơ … u ư … y, with tones as a
secondary difference and case only as the last tie-break ("Cà Mau" < "Cao Bằng" < "Cần Thơ"; "Bác Ái Đông" <
"Bác Ái Tây"; every Đ after every D; Ư after U), and numbers by their value ("Thôn 2" < "Thôn 10": ICU's
numeric ordering, the locale tag "vi-u-kn"). Python lists sort with `vi_key` (PyICU); SQL lists order by
`vi_collate(column)`, which is the PostgreSQL ICU collation "vi_natural" (the same locale tag, created by
migration 0014) and, on SQLite (the embedded default), a collation named "vi" that this module registers on every
connection with the same ICU collator — so a list reads the same whether Python or the database sorted it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

import icu
from sqlalchemy import SQLColumnExpression, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

VI_LOCALE = "vi-u-kn"  # Vietnamese, numbers ordered by value
POSTGRES_COLLATION = "vi_natural"  # CREATE COLLATION vi_natural (provider = icu, locale = 'vi-u-kn')
SQLITE_COLLATION = "vi"

_local = threading.local()


def _collator() -> icu.Collator:
    # An ICU collator is not safe to share between threads (gunicorn's gthread workers): one per thread.
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = _local.collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(VI_LOCALE))
    return collator


def vi_key(text: str | None) -> bytes:
    """The sort key of a text in Vietnamese order (None and "" first)."""
    return _collator().getSortKey(text or "")


def vi_sorted[T](items: Iterable[T], key: Callable[[T], str | None] | None = None) -> list[T]:
    """The items in Vietnamese order of `key(item)` (the item itself when it is a string)."""
    pick = key or (lambda item: item)  # type: ignore[return-value]
    return sorted(items, key=lambda item: vi_key(pick(item)))  # type: ignore[arg-type]


def vi_compare(a: str | None, b: str | None) -> int:
    return _collator().compare(a or "", b or "")


class vi_collate(FunctionElement[str]):  # noqa: N801 - reads as an SQL construct, like func.lower
    """`column` in Vietnamese order for ORDER BY: COLLATE vi_natural on PostgreSQL, COLLATE vi on SQLite."""

    type = String()
    inherit_cache = True

    def __init__(self, column: SQLColumnExpression[Any]) -> None:
        super().__init__(column)


@compiles(vi_collate, "postgresql")
def _vi_collate_postgresql(element: vi_collate, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.clauses, **kw)} COLLATE {POSTGRES_COLLATION}"


@compiles(vi_collate)
def _vi_collate_default(element: vi_collate, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.clauses, **kw)} COLLATE {SQLITE_COLLATION}"


@event.listens_for(Engine, "connect")
def _register_sqlite_collation(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_collation(SQLITE_COLLATION, vi_compare)


# Administrative prefixes a unit's name starts with: a list of units reads by the proper name ("Cam Lâm" under C,
# "Thành phố Hà Nội" under H), the prefix only breaking ties.
UNIT_PREFIXES = (
    "Thành phố ",
    "Đặc khu ",
    "Thị trấn ",
    "Thị xã ",
    "Phường ",
    "Huyện ",
    "Quận ",
    "Tỉnh ",
    "Xã ",
)


def unit_sort_name(name: str | None) -> str:
    """ "Xã Bác Ái Đông" -> "Bác Ái Đông"; "Thành phố Cần Thơ" -> "Cần Thơ"."""
    name = name or ""
    for prefix in UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def unit_key(name: str | None) -> tuple[bytes, bytes]:
    """The sort key of an administrative unit's name: its proper name in Vietnamese order, then the full name."""
    return vi_key(unit_sort_name(name)), vi_key(name)


def units_sorted[T](items: Iterable[T], name: Callable[[T], str | None] = lambda u: u.name) -> list[T]:  # type: ignore[attr-defined]
    """Units (or rows with a name) in the order a person reads a list of places."""
    return sorted(items, key=lambda item: unit_key(name(item)))
