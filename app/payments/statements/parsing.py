"""Parse bank-statement exports (CSV or XLSX) into credit and debit lines.

Follows shared/domain/bank-statements.md: dot or comma thousands and ",00" decimals (per preset, never
guessed), dd/mm/yyyy dates with or without a time and zero padding (the time sometimes on the next line),
memos continued on lines without a date, page footers and contact blocks between lines, debit lines kept
for the balance check, printed balances checked against opening + credits − debits.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from hashlib import sha1
from itertools import chain, islice
from pathlib import Path
from typing import Any

from app.core.i18n import VN_TZ
from app.core.messages import N_
from app.core.money import MAX_AMOUNT_VND, AmountError, format_vnd, parse_vnd
from app.core.text import fold, nfc
from app.core.uploads import MAX_COLUMNS, UploadError, iter_csv_rows, too_many_columns


class StatementFormatError(ValueError):
    """The file as a whole cannot be read (no header found, unreadable); message in Vietnamese."""


ROLE_LABELS = {
    "date": N_("Ngày giao dịch"),
    "time": N_("Giờ giao dịch"),
    "row_no": N_("Số thứ tự (STT)"),
    "reference": N_("Số chứng từ / tham chiếu"),
    "credit": N_("Số tiền ghi có"),
    "debit": N_("Số tiền ghi nợ"),
    "amount": N_("Số tiền (dấu − là ghi nợ)"),
    "balance": "Số dư",
    "memo": N_("Nội dung / diễn giải"),
    "counterparty": N_("Người chuyển / tài khoản"),
}


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    bank_bins: tuple[str, ...]
    # role -> folded header fragments; roles are tried in this order and a column is used once
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]  # besides these, a credit or a signed amount column is always required
    thousands: str  # "." or "," — the bank's grouping; the other one is refused (except ",00"/".00" decimals)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "vietcombank",
            "Vietcombank (Ngày GD · Số CT · Ghi nợ · Ghi có · Số dư · Nội dung)",
            ("970436",),
            {
                "date": ("ngay gd", "tnx date"),
                "reference": ("so ct", "doc no"),
                "debit": ("ghi no", "debit"),
                "credit": ("ghi co", "credit"),
                "balance": ("so du", "balance"),
                "memo": ("noi dung", "transactions in detail", "description"),
            },
            ("date", "credit", "memo"),
            ".",
        ),
        Preset(
            "vietcombank_stt",
            "Vietcombank, mẫu có STT (STT · Ngày giờ giao dịch · Số tiền · Nội dung · Đối ứng)",
            ("970436",),
            {
                "row_no": ("stt",),
                "date": ("ngay gio giao dich",),
                "amount": ("so tien",),
                "memo": ("noi dung",),
                "counterparty": ("doi ung", "don vi chuyen", "nguoi chuyen"),
            },
            ("row_no", "date", "amount", "memo"),
            ".",
        ),
        Preset(
            "bidv",
            "BIDV (STT · Ngày giao dịch · Phát sinh có · Diễn giải)",
            ("970418",),
            {
                "row_no": ("stt",),
                "date": ("ngay giao dich", "trans.date", "trans. date"),
                "credit": ("phat sinh co", "credit amount", "so tien ghi co"),
                "debit": ("phat sinh no", "debit amount", "so tien ghi no"),
                "balance": ("so du", "balance"),
                "counterparty": ("tai khoan", "account"),
                "memo": ("dien giai", "description"),
            },
            ("date", "credit", "memo"),
            ".",
        ),
        Preset(
            "vietinbank",
            "VietinBank (STT · Ngày giờ · Nội dung · Số tiền · Người chuyển)",
            ("970415",),
            {
                "row_no": ("stt",),
                "date": ("ngay giao dich", "thoi gian", "ngay gd"),
                "memo": ("noi dung", "chi tiet"),
                "credit": ("ghi co", "phat sinh co", "so tien co"),
                "debit": ("ghi no", "phat sinh no", "so tien no"),
                "amount": ("so tien", "phat sinh"),
                "counterparty": ("nguoi chuyen", "doi ung", "ten tai khoan", "tai khoan"),
            },
            ("date", "memo"),
            ".",
        ),
        Preset(
            "agribank",
            "Agribank (Ngày · Diễn giải · Ghi có · Số dư · Số bút toán)",
            ("970405",),
            {
                "date": ("ngay",),
                "reference": ("so but toan", "so ct", "so tham chieu", "ma giao dich"),
                "debit": ("ghi no", "phat sinh no", "debit"),
                "credit": ("ghi co", "phat sinh co", "credit"),
                "balance": ("so du", "balance"),
                "memo": ("dien giai", "noi dung"),
            },
            ("date", "credit", "memo"),
            ",",
        ),
    )
}

# Page furniture is told by the page's structure, never by words a memo may hold (a memo continued on a row of its
# own may start with "Công ty" or hold "tong cong", "lien he", "www."): a row without date and amount whose text
# stands outside the memo columns, a page number alone on its row, the column header repeated on each page. Only a
# row that carries amounts without a date is read for a totals label (a transaction always has its date).
_PAGE_NO = re.compile(
    r"^(?:(?:page|trang|tr\.?)\s*)?\d{1,6}\s*(?:/|of|tren|trên)\s*\d{1,6}$|^(?:page|trang)\s*\d{1,6}$",
    re.IGNORECASE,
)
_TOTALS = re.compile(
    r"(tong cong|tong phat sinh|cong phat sinh|cong\b|so du dau ky|so du cuoi ky|opening balance|"
    r"closing balance|total\b|tong so)",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
# Header words that name the direction of an amount column: a credit column is never a debit one and a signed
# "Số tiền" column is neither (the debit column read as the amount was a real defect).
_DEBIT_WORDS = ("ghi no", "phat sinh no", "debit", "so tien no", "tien ra", "rut ra", "withdraw")
_CREDIT_WORDS = ("ghi co", "phat sinh co", "credit", "so tien co", "tien vao", "deposit")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[\sT]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$")
_FAST_DOT = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})*$")
_FAST_COMMA = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})*$")
_EMPTY_AMOUNT = {"", "-", "0", "0,00", "0.00", "0,0", "0.0"}


@dataclass
class RowError:
    file_row: int  # 1-based row in the file, as a spreadsheet shows it
    role: str
    raw: str
    message: str  # an N_ message (stored as msgid and values in the draft's preview, translated when shown)


def _row_message(file_row: int, exc: Exception) -> str:
    """“Dòng 7: <the cell's refusal>”, the refusal kept as its N_ message."""
    return N_("Dòng %(row)s: %(error)s", row=file_row, error=exc.args[0] if len(exc.args) == 1 else str(exc))


@dataclass(slots=True)
class ParsedLine:
    file_row: int
    txn_at: datetime
    has_time: bool
    is_credit: bool
    amount_vnd: int
    reference: str = ""
    memo: str = ""
    counterparty: str = ""
    row_no: str = ""
    balance_vnd: int | None = None


@dataclass
class ParseResult:
    preset: str
    header_row: int
    columns: dict[str, int]
    lines: list[ParsedLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    breaks: list[str] = field(default_factory=list)
    ignored_rows: int = 0  # empty rows, dateless rows with nothing to attach to
    furniture_rows: int = 0  # page furniture: repeated headers, page numbers, contact/address blocks, totals
    furniture_examples: list[tuple[int, str]] = field(default_factory=list)  # the first few, for staff to see
    skipped_rows: int = 0  # broken rows staff chose to skip
    # Totals kept while the lines go by (stream_lines does not keep them; parse_rows does, in `lines`).
    line_count: int = 0
    credits_vnd: int = 0
    debits_vnd: int = 0


# ------------------------------------------------------------------------------------------------ reading
def read_rows(kind: str, data: bytes | str | Path) -> list[list[Any]]:
    """All rows of the file's first sheet, cells as str / int / float / datetime."""
    return list(iter_rows(kind, data))


def iter_rows(kind: str, source: bytes | str | Path) -> Iterator[list[Any]]:
    """The rows of the file's first sheet one at a time (`source`: the file's bytes or its path), without
    holding the decoded text or the list of rows: a national statement is a million rows. The encoding is
    decided (and StatementFormatError raised) before the first row is returned."""
    if kind == "xlsx":
        return _iter_xlsx(source)
    opener = (lambda: io.BytesIO(source)) if isinstance(source, bytes) else (lambda: open(source, "rb"))  # noqa: SIM115
    encoding = _csv_encoding(opener)
    raw = opener()
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        sample = text.read(20000)
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        text.seek(0)
    except BaseException:
        text.close()
        raise
    return _iter_csv(text, delimiter)


def _iter_csv(text: io.TextIOWrapper, delimiter: str) -> Iterator[list[Any]]:
    """The shared CSV reader: a row of 20 000 columns or a field past the csv module's limit is a message."""
    with text:
        try:
            yield from iter_csv_rows(text, delimiter=delimiter)
        except UploadError as exc:
            raise StatementFormatError(*exc.args) from exc


def _csv_encoding(opener) -> str:  # type: ignore[no-untyped-def]
    """utf-8-sig when the whole file decodes as UTF-8, else cp1258 (checked in blocks, nothing kept)."""
    with opener() as f:
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        decoder = codecs.getincrementaldecoder("cp1258")()
        try:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise StatementFormatError(N_("Tệp CSV không đọc được (không phải UTF-8).")) from exc
    return "cp1258"


def _iter_xlsx(source: bytes | str | Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True, data_only=True
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a corrupt file
        raise StatementFormatError(N_("Không đọc được tệp Excel (tệp hỏng hoặc không phải .xlsx).")) from exc

    def rows() -> Iterator[list[Any]]:
        # Read-only sheets are parsed as they are read: damaged XML (or a DTD defusedxml refuses) can fail
        # at any row, and must become a message like a file that fails to open.
        try:
            n = 0
            it = iter(wb.worksheets[0].iter_rows(values_only=True))
            while True:
                try:
                    r = next(it)
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a corrupt file
                    raise StatementFormatError(
                        N_("Không đọc được tệp Excel sau dòng %(n)s (tệp hỏng hoặc không phải .xlsx).", n=n)
                    ) from exc
                n += 1
                if len(r) > MAX_COLUMNS:
                    raise StatementFormatError(too_many_columns(n, len(r)))
                yield list(r)
        finally:
            wb.close()

    return rows()


def _cell_text(value: Any) -> str:
    if type(value) is str:
        return value.strip() if value.isascii() else (nfc(value) or "")
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S") if value.time() != time(0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if text.isascii():
        return text.strip()
    return nfc(text) or ""


def _fold(text: str) -> str:
    """app.core.text.fold, with a fast path for the plain-ASCII memos most banks export."""
    if text.isascii():
        return " ".join(text.lower().split())
    return fold(text)


# ------------------------------------------------------------------------------------------------ header
def _direction(text: str) -> str:
    debit = any(w in text for w in _DEBIT_WORDS)
    credit = any(w in text for w in _CREDIT_WORDS)
    return "both" if debit and credit else "debit" if debit else "credit" if credit else ""


def _match_columns(folded: list[str], preset: Preset) -> dict[str, int]:
    columns: dict[str, int] = {}
    used: set[int] = set()
    for role, aliases in preset.columns.items():
        for c, text in enumerate(folded):
            if c in used or not text:
                continue
            if role in ("credit", "debit", "amount"):
                direction = _direction(text)
                if role == "credit" and direction == "debit":
                    continue
                if role == "debit" and direction == "credit":
                    continue
                if role == "amount" and direction:
                    continue
            if any(a in text for a in aliases):
                columns[role] = c
                used.add(c)
                break
    return columns


def _fits(preset: Preset, columns: dict[str, int]) -> bool:
    return all(role in columns for role in preset.required) and bool({"credit", "amount"} & columns.keys())


def detect_header(rows: list[list[Any]], preset: Preset, scan: int = 40) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, role -> column) for the first row that carries the preset's required headers."""
    for r, row in enumerate(rows[:scan]):
        folded = [fold(_cell_text(c)) for c in row]
        if sum(1 for f in folded if f) < len(preset.required) + 1:
            continue
        columns = _match_columns(folded, preset)
        if _fits(preset, columns):
            return r, columns
    return None


@dataclass
class PresetScore:
    """How well a preset reads the head of a file: the columns it recognised and a trial parse of the rows."""

    preset: str
    label: str
    score: int
    header_row: int  # 1-based
    matched: dict[str, str]  # role -> the file's header text
    lines: int
    errors: int
    unread_amount_columns: list[str]  # amount-looking headers the preset leaves unread

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "label": self.label,
            "score": self.score,
            "header_row": self.header_row,
            "matched": self.matched,
            "lines": self.lines,
            "errors": self.errors,
            "unread_amount_columns": self.unread_amount_columns,
        }


def score_presets(rows: list[list[Any]]) -> list[PresetScore]:
    """Every preset whose headers fit the head of the file, best first. The score: 10 points per recognised
    column, up to 100 for the share of trial-parsed rows that read as lines (the bank's thousands separator,
    dates), minus 30 for each amount column left unread (a debit column the preset cannot see). The first
    preset that fits is no longer taken: an Agribank-style header also fits BIDV, whose separator then turns
    every row into an error."""
    head = rows[:200]
    out: list[PresetScore] = []
    for key, preset in PRESETS.items():
        found = detect_header(head, preset)
        if found is None:
            continue
        header_idx, columns = found
        header = [_cell_text(c) for c in head[header_idx]]
        folded = [fold(h) for h in header]
        unread = [
            header[c]
            for c, text in enumerate(folded)
            if c not in columns.values()
            and _direction(text)
            and ("so tien" in text or "phat sinh" in text or "ghi" in text or "amount" in text)
        ]
        try:
            trial = parse_rows(head, preset=key, keep_lines=0)
            lines, errors = trial.line_count, len({e.file_row for e in trial.errors})
        except StatementFormatError:
            lines, errors = 0, 0
        share = round(100 * lines / (lines + errors)) if lines + errors else 0
        score = 10 * len(columns) + share - 30 * len(unread)
        out.append(
            PresetScore(
                key,
                preset.label,
                score,
                header_idx + 1,
                {role: header[c] for role, c in columns.items()},
                lines,
                errors,
                unread,
            )
        )
    out.sort(key=lambda s: -s.score)
    return out


def detect_preset(rows: list[list[Any]]) -> str | None:
    """The best-scoring preset (score_presets), or None when no preset's headers fit."""
    scores = score_presets(rows)
    return scores[0].preset if scores else None


# ------------------------------------------------------------------------------------------------ cells
def parse_date(raw: str) -> tuple[datetime, bool] | None:
    cached = _DATE_CACHE.get(raw)
    if cached is not None:
        return cached
    parsed = _parse_date(raw)
    if parsed is not None and len(_DATE_CACHE) < 100_000:
        _DATE_CACHE[raw] = parsed
    return parsed


_DATE_CACHE: dict[str, tuple[datetime, bool]] = {}


def _parse_date(raw: str) -> tuple[datetime, bool] | None:
    m = _DATE.match(raw.strip())
    if not m:
        return None
    d, mo, y, hh, mm, ss = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
        t = time(int(hh), int(mm), int(ss or 0)) if hh is not None else time(0)
    except ValueError:
        return None
    return datetime.combine(day, t, tzinfo=VN_TZ), hh is not None


def parse_amount(raw: Any, thousands: str, field_name: str, *, capped: bool = True) -> int | None:
    """None for an empty cell; an int of đồng; AmountError when it does not parse for this bank's format."""
    if isinstance(raw, bool):
        raise AmountError(N_("%(field)s: không hợp lệ.", field=field_name))
    if isinstance(raw, int):
        return raw or None
    if isinstance(raw, float):
        if not raw.is_integer():
            raise AmountError(N_("%(field)s: “%(raw)s” có phần lẻ dưới một đồng.", field=field_name, raw=raw))
        return int(raw) or None
    text = (_cell_text(raw)).replace("\u00a0", " ").strip()
    if text in _EMPTY_AMOUNT:
        return None
    fast = _FAST_DOT if thousands == "." else _FAST_COMMA
    plain = text if capped else re.sub(r"[,.]00$", "", text)
    if fast.match(plain):
        value = int(plain.replace(thousands, ""))
        if 0 < value <= MAX_AMOUNT_VND or not capped:  # a fund's balance may exceed any single gift
            return value
    body = re.sub(r"[,.]00$", "", text) if re.search(r"\d[,.]00$", text) and len(text) > 3 else text
    other = "," if thousands == "." else "."
    if other in body:
        raise AmountError(
            N_(
                "%(field)s: “%(text)s” không đúng định dạng số tiền của ngân hàng này "
                "(phân cách hàng nghìn bằng dấu “%(sep)s”).",
                field=field_name,
                text=text,
                sep=thousands,
            )
        )
    return parse_vnd(text, field=field_name)


def _signed_amount(raw: Any, thousands: str, field_name: str) -> tuple[bool, int] | None:
    text = _cell_text(raw).strip()
    negative = text.startswith("-") or (isinstance(raw, int | float) and raw < 0)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = parse_amount(abs(raw), thousands, field_name)
    else:
        value = parse_amount(text.lstrip("+-").strip(), thousands, field_name)
    if value is None:
        return None
    return (not negative), value


# ------------------------------------------------------------------------------------------------ rows
def parse_rows(
    rows: Iterable[list[Any]],
    *,
    preset: str,
    mapping: dict | None = None,
    fixes: dict | None = None,
    skipped: list | set | None = None,
    opening_balance_vnd: int | None = None,
    keep_lines: int | None = None,
) -> ParseResult:
    """Turn the rows of a statement into lines, a per-row error report and a balance check.

    `fixes` replaces raw cells of broken rows ({"12": {"date": "01/09/2024", "credit": "500.000"}});
    `skipped` lists file rows staff chose to leave out. Keeps every line in `lines`, or only the first
    `keep_lines` (a preview: the counts and totals still cover them all); an import streams them with
    stream_lines instead."""
    result, lines = stream_lines(
        rows,
        preset=preset,
        mapping=mapping,
        fixes=fixes,
        skipped=skipped,
        opening_balance_vnd=opening_balance_vnd,
    )
    if keep_lines is None:
        result.lines = list(lines)
    else:
        result.lines = list(islice(lines, keep_lines))
        for _ in lines:  # the rest is read for the counts, totals, errors and breaks only
            pass
    return result


def stream_lines(
    rows: Iterable[list[Any]],
    *,
    preset: str,
    mapping: dict | None = None,
    fixes: dict | None = None,
    skipped: list | set | None = None,
    opening_balance_vnd: int | None = None,
) -> tuple[ParseResult, Iterator[ParsedLine]]:
    """parse_rows one line at a time, keeping none: the header is found at once (StatementFormatError here),
    then the iterator yields each line once it is complete (a time or memo continued on the next rows is
    joined first), in file order, and fills the result's errors, row counts, line count, credit and debit
    totals and balance breaks as it goes. They are final once the iterator is exhausted."""
    fixes = {str(k): v for k, v in (fixes or {}).items()}
    skipped_set = {int(x) for x in (skipped or [])}
    it = iter(rows)
    head = list(islice(it, 40))  # detect_header scans the first 40 rows
    if preset == "custom":
        if not mapping or "date" not in mapping or not ({"credit", "amount"} & mapping.keys()):
            raise StatementFormatError(
                N_("Cần chọn ít nhất cột Ngày giao dịch và cột Số tiền ghi có (hoặc Số tiền).")
            )
        header_row = int(mapping.get("header_row", 0))
        columns = {k: int(v) for k, v in mapping.items() if k in ROLE_LABELS and v not in (None, "")}
        thousands = mapping.get("thousands", ".")
    else:
        p = PRESETS.get(preset)
        if p is None:
            raise StatementFormatError(N_("Mẫu sao kê không hợp lệ."))
        found = detect_header(head, p)
        if not found:
            raise StatementFormatError(
                N_(
                    "Không tìm thấy dòng tiêu đề của mẫu %(layout)s trong tệp. Hãy chọn mẫu khác hoặc tự ghép cột.",
                    layout=p.label,
                )
            )
        header_row, columns = found
        header_row += 1  # mapping rows are 1-based
        thousands = p.thousands

    result = ParseResult(preset=preset, header_row=header_row, columns=columns)
    balances = BalanceCheck(opening_balance_vnd)
    result.breaks = balances.breaks
    header_cells = head[header_row - 1] if 0 < header_row <= len(head) else []
    return result, _lines(
        chain(head, it),
        result,
        balances,
        header_row,
        columns,
        thousands,
        fixes,
        skipped_set,
        _header_key(header_cells),
    )


def _header_key(row: list[Any]) -> tuple[str, ...]:
    return tuple(f for f in (_fold(_cell_text(c)) for c in row) if f)


_FURNITURE_EXAMPLES = 10


def _furniture(result: ParseResult, file_row: int, row: list[Any]) -> None:
    result.furniture_rows += 1
    if len(result.furniture_examples) < _FURNITURE_EXAMPLES:
        text = " · ".join(t for t in (_cell_text(c) for c in row) if t)
        result.furniture_examples.append((file_row, text[:120]))


def _lines(
    rows: Iterator[list[Any]],
    result: ParseResult,
    balances: BalanceCheck,
    header_row: int,
    columns: dict[str, int],
    thousands: str,
    fixes: dict,
    skipped_set: set[int],
    header_key: tuple[str, ...] = (),
) -> Iterator[ParsedLine]:
    def cell(row: list[Any], role: str, file_row: int) -> Any:
        if fixes:
            fix = fixes.get(str(file_row))
            if fix and role in fix:
                return fix[role]
        c = columns.get(role)
        return row[c] if c is not None and c < len(row) else None

    amount_roles = [r for r in ("credit", "debit", "amount") if r in columns]
    text_columns = {columns[r] for r in ("memo", "counterparty") if r in columns}
    data_columns = {c for r, c in columns.items() if r not in ("memo", "counterparty")}
    last: ParsedLine | None = None
    feed = balances.feed

    def done(line: ParsedLine) -> ParsedLine:
        """A line nothing can change any more: counted, totalled, balance-checked, then handed on."""
        result.line_count += 1
        if line.is_credit:
            result.credits_vnd += line.amount_vnd
        else:
            result.debits_vnd += line.amount_vnd
        feed(line)
        return line

    for idx, row in enumerate(rows):
        if idx < header_row:
            continue
        file_row = idx + 1
        if not any(c is not None and (not isinstance(c, str) or c.strip()) for c in row):
            result.ignored_rows += 1
            continue
        if file_row in skipped_set:
            result.skipped_rows += 1
            if last is not None:
                yield done(last)
            last = None
            continue
        date_raw = _cell_text(cell(row, "date", file_row)).strip()
        memo = _cell_text(cell(row, "memo", file_row))
        counterparty = _cell_text(cell(row, "counterparty", file_row))
        raw_amounts = {r: cell(row, r, file_row) for r in amount_roles}
        has_amount = any(_cell_text(v).strip() not in _EMPTY_AMOUNT for v in raw_amounts.values())
        parsed_date = parse_date(date_raw) if date_raw else None
        if parsed_date is None and _is_furniture(
            row,
            date_raw,
            has_amount,
            header_key,
            text_columns,
            data_columns,
            columns.get("date"),
            columns.get("reference"),
        ):
            _furniture(result, file_row, row)
            continue
        if parsed_date is None:
            tm = _TIME.match(date_raw) if date_raw else None
            if tm and last is not None and not last.has_time and not has_amount:
                hh, mm, ss = (int(x or 0) for x in tm.groups())
                if hh < 24 and mm < 60 and ss < 60:
                    last.txn_at = last.txn_at.replace(hour=hh, minute=mm, second=ss)
                    last.has_time = True
                    if memo:
                        last.memo = f"{last.memo} {memo}".strip()
                    continue
            if date_raw:
                result.errors.append(
                    RowError(
                        file_row,
                        "date",
                        date_raw,
                        N_(
                            "Dòng %(row)s: ngày giao dịch “%(value)s” không đúng dạng dd/mm/yyyy.",
                            row=file_row,
                            value=date_raw,
                        ),
                    )
                )
                if last is not None:
                    yield done(last)
                last = None
                continue
            if has_amount:
                result.errors.append(
                    RowError(
                        file_row,
                        "date",
                        "",
                        N_("Dòng %(row)s: có số tiền nhưng thiếu ngày giao dịch.", row=file_row),
                    )
                )
                if last is not None:
                    yield done(last)
                last = None
                continue
            if last is not None and (memo or counterparty):
                if memo:
                    last.memo = f"{last.memo} {memo}".strip()
                if counterparty:
                    last.counterparty = f"{last.counterparty} {counterparty}".strip()
            else:
                result.ignored_rows += 1
            continue

        txn_at, has_time = parsed_date
        if not has_time and "time" in columns:
            t_raw = _cell_text(cell(row, "time", file_row)).strip()
            tm = _TIME.match(t_raw)
            if tm:
                hh, mm, ss = (int(x or 0) for x in tm.groups())
                if hh < 24 and mm < 60 and ss < 60:
                    txn_at, has_time = txn_at.replace(hour=hh, minute=mm, second=ss), True
        credit = debit = None
        problems: list[RowError] = []
        for role in amount_roles:
            raw = raw_amounts[role]
            try:
                if role == "amount":
                    signed = _signed_amount(raw, thousands, ROLE_LABELS[role])
                    if signed is not None:
                        if signed[0]:
                            credit = signed[1]
                        else:
                            debit = signed[1]
                else:
                    value = parse_amount(raw, thousands, ROLE_LABELS[role])
                    if role == "credit":
                        credit = value
                    else:
                        debit = value
            except AmountError as exc:
                problems.append(RowError(file_row, role, _cell_text(raw), _row_message(file_row, exc)))
        balance = None
        if "balance" in columns:
            raw = cell(row, "balance", file_row)
            try:
                balance = parse_amount(raw, thousands, ROLE_LABELS["balance"], capped=False)
                if balance is None and _cell_text(raw).strip() in ("0", "0,00", "0.00"):
                    balance = 0
            except AmountError as exc:
                problems.append(RowError(file_row, "balance", _cell_text(raw), _row_message(file_row, exc)))
        if not problems and credit is None and debit is None:
            role = "credit" if "credit" in columns else "amount"
            problems.append(
                RowError(
                    file_row, role, "", N_("Dòng %(row)s: không có số tiền ghi có hay ghi nợ.", row=file_row)
                )
            )
        if not problems and credit is not None and debit is not None:
            problems.append(
                RowError(
                    file_row,
                    "debit",
                    _cell_text(cell(row, "debit", file_row)),
                    N_("Dòng %(row)s: có cả số tiền ghi có và ghi nợ trên cùng một dòng.", row=file_row),
                )
            )
        if problems:
            result.errors.extend(problems)
            if last is not None:
                yield done(last)
            last = None
            continue
        line = ParsedLine(
            file_row=file_row,
            txn_at=txn_at,
            has_time=has_time,
            is_credit=credit is not None,
            amount_vnd=credit if credit is not None else debit,  # type: ignore[arg-type]
            reference=_cell_text(cell(row, "reference", file_row)).strip()[:80],
            memo=memo.strip(),
            counterparty=counterparty.strip()[:255],
            row_no=_cell_text(cell(row, "row_no", file_row)).strip()[:20],
            balance_vnd=balance,
        )
        if last is not None:
            yield done(last)
        last = line
    if last is not None:
        yield done(last)


def _is_furniture(
    row: list[Any],
    date_raw: str,
    has_amount: bool,
    header_key: tuple[str, ...],
    text_columns: set[int],
    data_columns: set[int],
    date_column: int | None,
    reference_column: int | None = None,
) -> bool:
    """A dateless row that is part of the page, not of a transaction (see _PAGE_NO): the column header again,
    a page number alone, text standing in the data columns (date, reference, amounts) with no amount — the
    bank's address, Telex/Swift, hotline, printed-by blocks, which a PDF conversion puts in the first column —
    or a totals row (amounts under a totals label, never a transaction: it has no date). A row whose text
    stands only in the memo columns is a memo continued, whatever its words."""
    cells = [(c, _cell_text(v)) for c, v in enumerate(row)]
    cells = [(c, t) for c, t in cells if t]
    if not cells:
        return False
    if header_key and len(cells) == len(header_key) and _header_key(row) == header_key:
        return True
    if all(_PAGE_NO.match(t) for _, t in cells):
        return True
    if has_amount:
        # A totals row: its label where a date or row number would stand (or in a column no role reads), never
        # in the memo, and no transaction reference: "ung ho tong cong ty" with money and no date stays a broken
        # row for staff to fix, never dropped.
        if reference_column is not None and any(c == reference_column for c, _ in cells):
            return False
        label = _fold(" ".join(t for c, t in cells if c not in data_columns or c == date_column))
        return (
            bool(label)
            and not any(c in text_columns for c, _ in cells if c not in data_columns)
            and bool(_TOTALS.match(label))
        )
    if date_raw and (_DATE_LIKE.match(date_raw) or _TIME.match(date_raw)):
        return False  # a mistyped date (a broken row) or a time continued on its own row
    return any(c in data_columns for c, _ in cells) or not any(c in text_columns for c, _ in cells)


def check_balances(lines: Iterable[ParsedLine], opening_balance_vnd: int | None) -> list[str]:
    """Opening + credits − debits must equal every printed balance. Without a stated opening balance the
    first printed balance anchors the check (what came before it cannot be checked)."""
    check = BalanceCheck(opening_balance_vnd)
    for line in lines:
        check.feed(line)
    return check.breaks


class BalanceCheck:
    """check_balances one line at a time (stream_lines feeds it as the lines go by)."""

    __slots__ = ("breaks", "running")

    def __init__(self, opening_balance_vnd: int | None) -> None:
        self.breaks: list[str] = []
        self.running = opening_balance_vnd  # None until a stated or printed balance anchors the check

    def feed(self, line: ParsedLine) -> None:
        running = self.running
        if running is None:
            if line.balance_vnd is not None:  # movements before the first anchor cannot be checked
                self.running = line.balance_vnd
            return
        running += line.amount_vnd if line.is_credit else -line.amount_vnd
        if line.balance_vnd is not None and running != line.balance_vnd:
            self.breaks.append(
                N_(
                    "Dòng %(row)s: số dư in trên sao kê là %(printed)s nhưng số dư trước + ghi có − ghi nợ là "
                    "%(computed)s (lệch %(diff)s): có thể thiếu hoặc thừa dòng.",
                    row=line.file_row,
                    printed=format_vnd(line.balance_vnd),
                    computed=format_vnd(running),
                    diff=format_vnd(abs(line.balance_vnd - running)),
                )
            )
            running = line.balance_vnd
        self.running = running


def fingerprint(line: ParsedLine) -> str:
    """Identity of a line within its bank account (with an occurrence counter for identical lines): its time,
    direction, amount, the bank's transaction reference (Số CT / số bút toán) where the layout has one, and the
    memo and counterparty without whitespace. The row number (STT) is left out: banks number the rows of each
    export from 1, so it would make an overlapping export's lines new ones."""
    return fingerprint_digest(line).hex()


def fingerprint_digest(line: ParsedLine) -> bytes:
    """fingerprint() as its 20 raw bytes (half the memory of the hex text, for a statement-wide map)."""
    key = (line.txn_at, line.has_time)
    when = _WHEN_CACHE.get(key)
    if when is None:
        local = line.txn_at.astimezone(VN_TZ)
        when = local.strftime("%Y-%m-%dT%H:%M:%S") if line.has_time else local.strftime("%Y-%m-%d")
        if len(_WHEN_CACHE) > 200_000:
            _WHEN_CACHE.clear()
        _WHEN_CACHE[key] = when
    memo, cp = line.memo, line.counterparty
    parts = (
        when,
        "C" if line.is_credit else "D",
        str(line.amount_vnd),
        line.reference.strip().upper(),
        _squeeze(memo),
        _squeeze(cp),
    )
    return sha1("\x1f".join(parts).encode(), usedforsecurity=False).digest()


_WHEN_CACHE: dict[tuple[datetime, bool], str] = {}
_NO_SPACE = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    """The memo as its identity: folded (case, diacritics) and without any whitespace, so where a PDF export or
    a converter wrapped it (between words, inside a word, doubled spaces) does not change which line it is."""
    folded = text.lower() if text.isascii() else fold(text)
    return _NO_SPACE.sub("", folded)
