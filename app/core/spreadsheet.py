"""Cells that cannot attack the reader: every CSV and XLSX the app writes goes through this module.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` as a formula, and a tab or carriage
return at the start lets the same text slip past a naive check (CSV injection, OWASP). A donor's name such as
`=HYPERLINK("http://…"&A2,"Bấm vào đây")` in a public export or a staff report would otherwise become a live
link or command on the reader's machine. The rule, one implementation for every writer:

- CSV: a text cell that begins with one of those characters gets a single quote in front (OWASP's guidance);
  so does a text cell that begins with quotes followed by one of them, so that `restore` (and the standalone
  verifier, app/transparency/verify_export.py) can undo it exactly: neutralise is a bijection.
- XLSX: every text cell is written as a string (data type "s"), never a formula, and one that begins with a
  trigger also gets Excel's own "quote prefix" flag, which is what typing a leading ' in Excel stores: the
  reader sees the text exactly, and editing the cell does not turn it into a formula. Only a formula the app
  itself made (wrapped in `Formula`) is written as a formula.
- Numbers stay numbers (a negative amount written as a number is not text and is not touched).
- PostgreSQL's COPY export formats its rows in the database: `sql_neutralise` is the same rule as an SQL
  expression (tests check that the two agree).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

# Quotes, then a trigger. "-" last in the class, and tab/CR as the characters themselves, so that Python's re
# and PostgreSQL's regular expressions read the pattern the same way.
PATTERN = "^'*[=+@\t\r-]"
_NEEDS_QUOTE = re.compile(PATTERN)


class Formula(str):
    """A formula the app itself wrote (e.g. the total of a donor's statement): written as a formula in XLSX."""


def neutralise(value: Any) -> Any:
    """The value as it may be written into a CSV cell: text a spreadsheet would run gets a leading quote."""
    if type(value) is str and value and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The inverse of neutralise for text read back from one of our CSV files."""
    return text[1:] if _NEEDS_QUOTE.match(text) and text.startswith("'") else text


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


class SafeCSVWriter:
    """csv.writer whose every row goes through neutralise (same arguments as csv.writer)."""

    def __init__(self, f: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(f, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(neutralise_row(r) for r in rows)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose rows (and header) go through neutralise."""

    def __init__(self, f: Any, fieldnames: list[str], **kwargs: Any) -> None:
        super().__init__(f, fieldnames, **kwargs)
        # DictWriter writes through self.writer; ours has the same writerow/writerows (not the C writer's type).
        self.writer = SafeCSVWriter(  # type: ignore[assignment]
            f, **{k: v for k, v in kwargs.items() if k not in ("restval", "extrasaction")}
        )


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """ws.append(values) for an openpyxl worksheet, with every text cell a string (never a formula) and a
    text cell that begins with a trigger marked with Excel's quote prefix; `Formula` values stay formulas."""
    values = list(values)
    ws.append(values)
    if not values:
        return
    for cell, value in zip(ws[ws.max_row], values, strict=False):
        if type(value) is str:
            cell.data_type = "s"  # openpyxl would store a text beginning with "=" as a formula
            if _NEEDS_QUOTE.match(value):
                cell.quotePrefix = True


def sql_neutralise(column: Any) -> Any:
    """neutralise as an SQL expression over a text column (PostgreSQL's COPY export)."""
    from sqlalchemy import String, case, literal

    return case((column.regexp_match(PATTERN), literal("'", String) + column), else_=column)
