"""Vietnamese text: NFC normalisation of input and diacritic-insensitive folding for search."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import Any, overload

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


@overload
def nfc(text: str) -> str: ...
@overload
def nfc(text: None) -> None: ...
@overload
def nfc(text: str | None) -> str | None: ...
def nfc(text: str | None) -> str | None:
    """Normalise to NFC and trim; None stays None."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics and map đ/Đ to d: "Đặng Văn Ánh" -> "dang van anh"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped).lower()).strip()


def search_words(*parts: str | None) -> str:
    """The words a search key holds: folded, with every run of spaces or punctuation made one space.

    "Công ty TNHH (Hà Nội)", "VNN26-0042-K" -> "cong ty tnhh ha noi vnn26 0042 k". Stored search keys and the
    searched text both go through it, so a search matches from the start of a word whatever the punctuation."""
    return _NOT_WORD.sub(" ", fold(" ".join(p for p in parts if p))).strip()


def initials(full_name: str) -> str:
    """ "Nguyễn Văn An" -> "N.V.A." (for anonymised public cards)."""
    parts = [p for p in (nfc(full_name) or "").split() if p]
    return "".join(p[0].upper() + "." for p in parts)


# ------------------------------------------------------------------------------------------------ fold in SQL
# Every precomposed Latin letter with a diacritic that fold() turns into one ASCII letter (Vietnamese: the whole
# alphabet, both cases, and đ/Đ), and what it becomes: the table of sql_fold's translate() on PostgreSQL.
_FOLD_FROM = "".join(
    ch for ch in map(chr, range(0xC0, 0x1F00)) if len(f := fold(ch)) == 1 and f.isascii() and f != ch.lower()
)
_FOLD_TO = "".join(fold(ch) for ch in _FOLD_FROM)
SQLITE_FOLD = "ct_fold"


class sql_fold(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """fold() in SQL, for a filter that finds "Nguyễn Văn Ân" when "nguyen van an" is typed and the other way
    round: compare `sql_fold(column).like(f"%{fold(typed)}%")`. PostgreSQL: lower(translate(column, accented,
    plain)) over the NFC text we store (every text field is NFC-normalised on input, app.core.forms); SQLite: the
    function ct_fold, registered on each connection with fold() itself. Spacing is not collapsed in SQL."""

    type = String()
    inherit_cache = True
    name = "sql_fold"


@compiles(sql_fold, "postgresql")
def _sql_fold_postgresql(element: sql_fold, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"lower(translate({arg}, '{_FOLD_FROM}', '{_FOLD_TO}'))"


@compiles(sql_fold)
def _sql_fold_default(element: sql_fold, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


def _sqlite_fold(text: str | None) -> str | None:
    return None if text is None else fold(text)


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQLITE_FOLD, 1, _sqlite_fold, deterministic=True)
