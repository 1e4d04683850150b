"""Household contributions collected door to door: typed rows, spreadsheet imports, undo, lists and totals.

Money is recorded only through app.contributions.services (receipt numbers, ledger, audit); this module adds
who the household is (kept in household_collections), duplicate checks, import batches and their undo.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import Campaign
from app.collections.models import (
    BatchStatus,
    CollectionSettings,
    HouseholdDisplay,
    HouseholdRow,
    ImportBatch,
)
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import ContributionError, MoneyIn, bulk_insert, receive
from app.contributions.reversal import reverse_contribution, reverse_contributions, reverse_posting
from app.core.actor import Actor
from app.core.collation import vi_collate
from app.core.db import utcnow
from app.core.i18n import VN_TZ, today_vn
from app.core.messages import N_, joined, stored
from app.core.money import AmountError, parse_vnd
from app.core.spreadsheet import append_row
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.core.uploads import UploadError, iter_csv_rows, iter_xlsx_rows, store_bytes
from app.donors.models import DonorKind
from app.ledger import services as ledger
from app.units.models import AdminUnit, Hamlet

HEADERS = ("Họ tên chủ hộ", "Thôn/Tổ dân phố", "Số tiền", "Hiện vật", "Ngày", "Người thu")
FIELDS = ("head_name", "hamlet", "amount", "in_kind", "date", "collector")
BACKGROUND_ROWS = 2_000  # imports with more valid rows than this are committed by a Celery task
MAX_ROWS = 300_000
HOUSEHOLD_PREFIX = "Hộ gia đình"
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class CollectionError(DomainError):
    """A refused row, file or action; the message is Vietnamese and names the field or the row."""


# ---------------------------------------------------------------- settings and names
def display_mode(session: Session, campaign: Campaign, commune_id: int) -> HouseholdDisplay:
    """The commune's own setting, else the campaign's settings["household_display"], else the hamlet form."""
    own = session.get(CollectionSettings, commune_id)
    if own is not None:
        return own.household_display
    try:
        return HouseholdDisplay((campaign.settings or {}).get("household_display", HouseholdDisplay.HAMLET))
    except ValueError:
        return HouseholdDisplay.HAMLET


def set_display_mode(
    session: Session, actor: Actor, commune_id: int, mode: HouseholdDisplay
) -> CollectionSettings:
    row = session.get(CollectionSettings, commune_id)
    old = row.household_display if row else None
    if row is None:
        row = CollectionSettings(commune_id=commune_id, household_display=mode)
        session.add(row)
    row.household_display = mode
    row.updated_by_id = actor.user_id
    row.updated_at = utcnow()
    record(
        session,
        actor,
        "collections.display",
        "commune",
        commune_id,
        old={"household_display": old},
        new={"household_display": mode},
        unit_id=commune_id,
    )
    session.flush()
    return row


def public_name_for(mode: HouseholdDisplay, head_name: str, hamlet_name: str) -> str:
    """ "Nguyễn Văn A" or "Hộ gia đình – Thôn Tà Lương", following the commune's setting."""
    if mode == HouseholdDisplay.NAME:
        return head_name
    return f"{HOUSEHOLD_PREFIX} – {hamlet_name}"


def commune_hamlets(session: Session, commune_id: int) -> list[Hamlet]:
    return list(
        session.execute(
            select(Hamlet)
            .where(Hamlet.commune_id == commune_id, Hamlet.active)
            .order_by(vi_collate(Hamlet.name))
        ).scalars()
    )


# ---------------------------------------------------------------- one row
@dataclass
class RowInput:
    """What staff typed (or a spreadsheet row held); cells may already be numbers or dates in XLSX."""

    head_name: object = ""
    hamlet: object = ""
    amount: object = ""
    in_kind: object = ""
    date: object = ""
    collector: object = ""


@dataclass
class CheckedRow:
    row_no: int
    head_name: str = ""
    name_key: str = ""
    hamlet: Hamlet | None = None
    amount_vnd: int = 0
    in_kind: str = ""
    received_on: date | None = None
    collector: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def dup_key(self) -> tuple[str, int] | None:
        return (self.name_key, self.hamlet.id) if self.hamlet is not None and self.name_key else None


_VN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")  # U+034F has combining class 0: fold() keeps it
_SPACES = re.compile(r"\s+")


def fold_name(text: str) -> str:
    """fold() for the many household names of an import: the same result, faster for Vietnamese names
    (their marks are all in U+0300–U+036F); anything else goes through fold() itself."""
    stripped = _VN_MARKS.sub("", unicodedata.normalize("NFD", text)).replace("đ", "d").replace("Đ", "D")
    if not stripped.isascii():
        return fold(text)
    return _SPACES.sub(" ", stripped.lower()).strip()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)) or ""


_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date_vn(value: object, *, field_name: str = "Ngày") -> date:
    """Read dd/mm/yyyy (or an XLSX date cell); empty means today; refuses impossible and future dates."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        if not text:
            return today_vn()
        m = _DATE_RE.match(text) or re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text)
        if not m:
            raise CollectionError(
                N_(
                    "%(field)s: “%(text)s” không đúng dạng ngày/tháng/năm (ví dụ 15/10/2026).",
                    field=field_name,
                    text=text,
                )
            )
        try:
            if len(m.group(1)) == 4:
                day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError as exc:
            raise CollectionError(
                N_("%(field)s: “%(text)s” không phải ngày có thật.", field=field_name, text=text)
            ) from exc
    if day > today_vn():
        raise CollectionError(
            N_("%(field)s: %(day)s là ngày trong tương lai.", field=field_name, day=day.strftime("%d/%m/%Y"))
        )
    if day.year < 2000:
        raise CollectionError(
            N_("%(field)s: %(day)s không hợp lệ.", field=field_name, day=day.strftime("%d/%m/%Y"))
        )
    return day


def _amount(value: object) -> int:
    if isinstance(value, bool):
        raise AmountError(N_("Số tiền: không hợp lệ."))
    if isinstance(value, float):
        if not value.is_integer():
            raise AmountError(N_("Số tiền: “%(value)s” không phải số đồng nguyên.", value=value))
        value = int(value)
    if isinstance(value, int):
        return parse_vnd(value)
    return parse_vnd(_text(value))


def _memo(
    memo: dict, field_name: str, value: object, compute: Callable[[object], object]
) -> tuple[object, str | None]:
    """(result, error message) of compute(value), remembered per distinct cell value: a file repeats the same
    hamlets, amounts, dates and collectors thousands of times."""
    key = (field_name, type(value), value)
    hit = memo.get(key)
    if hit is None:
        try:
            hit = (compute(value), None)
        except (AmountError, CollectionError) as exc:
            hit = (
                None,
                exc.args[0] if len(exc.args) == 1 else str(exc),
            )  # an N_ message: translated when shown
        memo[key] = hit
    return hit


def check_row(row_no: int, raw: RowInput, hamlets: dict[str, Hamlet], memo: dict | None = None) -> CheckedRow:
    """Check one row against the commune's hamlets (folded name -> hamlet); every problem is listed."""
    memo = {} if memo is None else memo
    out = CheckedRow(row_no=row_no)
    out.head_name = _text(raw.head_name)
    out.name_key = fold_name(out.head_name)
    if not out.head_name:
        out.errors.append(N_("Họ tên chủ hộ: chưa nhập."))
    elif len(out.head_name) > 200:
        out.errors.append(N_("Họ tên chủ hộ: quá dài (tối đa 200 ký tự)."))
    hamlet_text = _text(raw.hamlet)
    if not hamlet_text:
        out.errors.append(N_("Thôn/Tổ dân phố: chưa nhập."))
    else:
        out.hamlet = memo.get(("hamlet", hamlet_text)) or hamlets.get(fold(hamlet_text))
        if out.hamlet is None:
            out.errors.append(
                N_("Thôn/Tổ dân phố: “%(value)s” không có trong danh sách thôn của xã.", value=hamlet_text)
            )
        else:
            memo[("hamlet", hamlet_text)] = out.hamlet
    out.in_kind = _text(raw.in_kind)
    amount, error = _memo(memo, "amount", raw.amount, _amount)
    if error is None:
        out.amount_vnd = amount  # type: ignore[assignment]
    elif out.in_kind and not _text(raw.amount):
        out.errors.append(N_("Số tiền: hiện vật cần ghi giá trị ước tính (đồng)."))
    else:
        out.errors.append(error)
    day, error = _memo(memo, "date", raw.date, parse_date_vn)
    if error is None:
        out.received_on = day  # type: ignore[assignment]
    else:
        out.errors.append(error)
    out.collector = _text(raw.collector)
    if len(out.collector) > 200:
        out.errors.append(N_("Người thu: quá dài (tối đa 200 ký tự)."))
    return out


def _received_at(day: date) -> datetime:
    return utcnow() if day == today_vn() else datetime.combine(day, time(12, 0), VN_TZ)


def _new_contribution(
    row: CheckedRow,
    commune_id: int,
    mode: HouseholdDisplay,
    *,
    key: str | None,
    batch_id: int | None,
    source: str,
) -> MoneyIn:
    assert row.hamlet is not None and row.received_on is not None
    return MoneyIn(
        amount_vnd=row.amount_vnd,
        channel=Channel.IN_KIND if row.in_kind else Channel.HOUSEHOLD_COLLECTION,
        received_at=_received_at(row.received_on),
        donor_kind=DonorKind.HOUSEHOLD,
        display_name=public_name_for(mode, row.head_name, row.hamlet.name),
        receiving_unit_id=commune_id,
        in_kind_description=row.in_kind or None,
        hamlet_id=row.hamlet.id,
        collector_name=row.collector or None,
        import_batch_id=batch_id,
        source=source,
        idempotency_key=key,
    )


def recorded_households(
    session: Session, campaign_id: int, commune_id: int, keys: Iterable[tuple[str, int]] | None = None
) -> dict[tuple[str, int], str]:
    """(folded head name, hamlet id) -> receipt number of households already recorded (not reversed)."""
    q = (
        select(HouseholdRow.name_key, HouseholdRow.hamlet_id, Contribution.receipt_no)
        .join(Contribution, Contribution.id == HouseholdRow.contribution_id)
        .where(
            HouseholdRow.campaign_id == campaign_id,
            HouseholdRow.commune_id == commune_id,
            Contribution.status == ContributionStatus.RECORDED,
        )
        .order_by(Contribution.id)
    )
    if keys is not None:
        names = {k[0] for k in keys}
        if not names:
            return {}
        q = q.where(HouseholdRow.name_key.in_(names))
    found: dict[tuple[str, int], str] = {}
    for name_key, hamlet_id, receipt in session.execute(q):
        found.setdefault((name_key, hamlet_id), receipt)
    return found


@dataclass
class RowResult:
    contribution: Contribution
    duplicate_of: str | None  # receipt number of an earlier contribution by the same household
    replayed: bool  # the idempotency key was already recorded: nothing new was written


def record_row(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    commune: AdminUnit,
    raw: RowInput,
    idempotency_key: str,
) -> RowResult:
    """Record one typed household row. A key seen before returns the earlier row (sent twice = recorded once).
    A likely duplicate (same head name and hamlet in the campaign) is recorded and flagged, so staff can undo."""
    if not KEY_RE.match(idempotency_key or ""):
        raise CollectionError(N_("Mã dòng (idempotency key) không hợp lệ."))
    key = f"collect:{commune.id}:{idempotency_key}"
    earlier = session.execute(
        select(Contribution).where(Contribution.idempotency_key == key)
    ).scalar_one_or_none()
    if earlier is not None:
        return RowResult(earlier, None, True)
    hamlets = {h.search_key: h for h in commune_hamlets(session, commune.id)}
    row = check_row(0, raw, hamlets)
    if row.errors:
        raise CollectionError(joined(row.errors))
    dup = recorded_households(session, campaign.id, commune.id, [row.dup_key]).get(row.dup_key)  # type: ignore[list-item]
    mode = display_mode(session, campaign, commune.id)
    [made] = receive(
        session,
        actor,
        [_new_contribution(row, commune.id, mode, key=key, batch_id=None, source="collections:entry")],
        campaign=campaign,
    )
    c = session.get(Contribution, made.id)
    assert c is not None  # noqa: S101 - just recorded
    session.add(
        HouseholdRow(
            contribution_id=c.id,
            campaign_id=campaign.id,
            commune_id=commune.id,
            hamlet_id=row.hamlet.id,
            head_name=row.head_name,
            name_key=row.name_key,
            collector_name=row.collector,
        )
    )
    session.flush()
    return RowResult(c, dup, False)


def entry_contribution(session: Session, commune_id: int, contribution_id: int) -> Contribution:
    c = session.get(Contribution, contribution_id)
    if (
        c is None
        or c.receiving_unit_id != commune_id
        or session.execute(select(HouseholdRow.id).where(HouseholdRow.contribution_id == c.id)).first()
        is None
    ):
        raise LookupError(contribution_id)
    return c


def undo_row(session: Session, actor: Actor, contribution: Contribution) -> None:
    """Undo one typed row with a ledger reversal (the row stays, marked reversed)."""
    if contribution.import_batch_id is not None:
        raise CollectionError(N_("Dòng này thuộc một lô nhập từ tệp; hãy hủy cả lô."))
    try:
        reverse_contribution(session, actor, contribution.id, "Hoàn tác dòng vừa nhập (thu tại hộ gia đình)")
    except (ContributionError, ledger.LedgerError) as exc:
        raise CollectionError(*exc.args) from exc


# ---------------------------------------------------------------- totals
@dataclass
class Summary:
    households: int
    total_vnd: int
    commune: ledger.Totals
    province: ledger.Totals


def summary(session: Session, campaign: Campaign, commune: AdminUnit) -> Summary:
    """The commune's household collections in the campaign, and the ledger totals of the commune and province."""
    count, total = session.execute(
        select(func.count(HouseholdRow.id), func.coalesce(func.sum(Contribution.amount_vnd), 0))
        .join(Contribution, Contribution.id == HouseholdRow.contribution_id)
        .where(
            HouseholdRow.campaign_id == campaign.id,
            HouseholdRow.commune_id == commune.id,
            Contribution.status == ContributionStatus.RECORDED,
        )
    ).one()
    province_id = commune.province_id
    province_units = [
        province_id,
        *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == province_id)).scalars(),
    ]
    return Summary(
        households=count,
        total_vnd=int(total),
        commune=ledger.totals(session, campaign.fund_id, [commune.id]),
        province=ledger.totals(session, campaign.fund_id, province_units),
    )


# ---------------------------------------------------------------- spreadsheets
def _header_map(
    cells: list[object],
    headers: tuple[str, ...] = HEADERS,
    fields: tuple[str, ...] = FIELDS,
    optional: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Column index of each expected header (matched ignoring case and diacritics); wrong headers refused.
    Fields in `optional` may be missing (their column is then simply not read)."""
    wanted = {fold(h): f for h, f in zip(headers, fields, strict=True)}
    found: dict[str, int] = {}
    for idx, cell in enumerate(cells):
        key = fold(_text(cell))
        if key in wanted and wanted[key] not in found:
            found[wanted[key]] = idx
    missing = [h for h, f in zip(headers, fields, strict=True) if f not in found and f not in optional]
    if missing:
        raise CollectionError(
            N_(
                "Tiêu đề cột không đúng mẫu: thiếu cột %(missing)s. Dòng đầu tiên phải là: %(headers)s. "
                "Hãy tải tệp mẫu và dán dữ liệu vào.",
                missing=", ".join(f"“{m}”" for m in missing),
                headers=", ".join(f"“{h}”" for h in headers),
            )
        )
    return found


def _rows_csv(data: bytes) -> Iterator[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    yield from iter_csv_rows(text, delimiter=delimiter)  # a field past csv's limit, a row of 20 000 columns


def _rows_xlsx(data: bytes) -> Iterator[list[object]]:
    # The shared safe reader: a sheet whose XML breaks half-way (read lazily) or that carries a DTD is an
    # UploadError with a message, like a file that fails to open.
    for values in iter_xlsx_rows(data):
        yield list(values)


def read_table(
    kind: str,
    data: bytes,
    headers: tuple[str, ...],
    fields: tuple[str, ...],
    optional: frozenset[str] = frozenset(),
) -> Iterator[tuple[int, dict[str, object]]]:
    """(spreadsheet row number, {field: cell}) for every non-blank data row of a CSV or XLSX whose first non-blank
    row holds the headers (any order, case and diacritics ignored); raises on empty files and wrong headers. The
    shared reader of every list people upload (household collections, agency staff lists)."""
    rows = _rows_xlsx(data) if kind == "xlsx" else _rows_csv(data)
    header: dict[str, int] | None = None
    for line_no, cells in enumerate(rows, start=1):
        if not any(_text(c) for c in cells):
            continue
        if header is None:
            header = _header_map(cells, headers, fields, optional)
            continue
        yield line_no, {f: (cells[i] if i < len(cells) else None) for f, i in header.items()}
    if header is None:
        raise CollectionError(N_("Tệp không có dữ liệu: không thấy dòng tiêu đề nào."))


def read_rows(kind: str, data: bytes) -> Iterator[tuple[int, RowInput]]:
    """(spreadsheet row number, row) for every non-blank data row; raises on empty files and wrong headers."""
    for line_no, values in read_table(kind, data, HEADERS, FIELDS):
        yield line_no, RowInput(**values)


@dataclass
class FileCheck:
    rows: list[CheckedRow]
    errors: list[dict]  # [{"row": n, "messages": [...]}] in row order

    @property
    def valid(self) -> list[CheckedRow]:
        return [r for r in self.rows if not r.errors]


def check_file(
    session: Session,
    campaign: Campaign,
    commune: AdminUnit,
    kind: str,
    data: bytes,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> FileCheck:
    """Read and check every row: name, hamlet, amount, date, duplicates within the file and with recorded rows."""
    hamlets = {h.search_key: h for h in commune_hamlets(session, commune.id)}
    checked: list[CheckedRow] = []
    memo: dict = {}
    for n, (row_no, raw) in enumerate(read_rows(kind, data), start=1):
        if n > MAX_ROWS:
            raise CollectionError(
                N_(
                    "Tệp có quá nhiều dòng (tối đa %(max_rows)s dòng); hãy chia thành nhiều tệp.",
                    max_rows=f"{MAX_ROWS:,}".replace(",", "."),
                )
            )
        checked.append(check_row(row_no, raw, hamlets, memo))
        if on_progress is not None and n % 10_000 == 0:
            on_progress(0)
    if not checked:
        raise CollectionError(N_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))
    recorded = recorded_households(
        session, campaign.id, commune.id, [r.dup_key for r in checked if r.dup_key]
    )
    first_seen: dict[tuple[str, int], int] = {}
    for r in checked:
        key = r.dup_key
        if key is None or r.errors:  # a broken row is skipped, so it makes no later row a duplicate
            continue
        if key in recorded:
            r.errors.append(
                N_(
                    "Trùng: hộ “%(name)s” (%(hamlet)s) đã được ghi nhận trong cuộc vận động (biên nhận %(receipt)s).",
                    name=r.head_name,
                    hamlet=r.hamlet.name,  # type: ignore[union-attr]
                    receipt=recorded[key],
                )
            )
        elif key in first_seen:
            r.errors.append(N_("Trùng: cùng chủ hộ và thôn với dòng %(row)s trong tệp.", row=first_seen[key]))
        else:
            first_seen[key] = r.row_no
    # Kept as JSON (ImportBatch.errors): each message as its msgid and values, translated when shown.
    errors = [
        {"row": r.row_no, "name": r.head_name, "messages": [stored(m) for m in r.errors]}
        for r in checked
        if r.errors
    ]
    return FileCheck(checked, errors)


def create_import(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    commune: AdminUnit,
    kind: str,
    data: bytes,
    original_name: str,
) -> ImportBatch:
    """Check an uploaded file and keep it for audit; nothing is recorded until commit_import."""

    if kind not in ("csv", "xlsx"):
        raise UploadError(N_("Loại tệp không được chấp nhận; chỉ nhận: CSV, Excel .xlsx."))
    result = check_file(session, campaign, commune, kind, data)  # raises before anything is kept
    stored = store_bytes(data, kind, original_name, "collections")
    batch = ImportBatch(
        campaign_id=campaign.id,
        commune_id=commune.id,
        original_name=stored.original_name,
        file_kind=kind,
        stored_path=str(stored.path),
        sha256=stored.sha256,
        size_bytes=stored.size,
        total_rows=len(result.rows),
        error_rows=len(result.errors),
        errors=result.errors,
        total_vnd=sum(r.amount_vnd for r in result.valid),
        created_by_id=actor.user_id,
    )
    session.add(batch)
    session.flush()
    record(
        session,
        actor,
        "collections.import.upload",
        "collection_import_batch",
        batch.id,
        new={
            "file": batch.original_name,
            "sha256": batch.sha256,
            "rows": batch.total_rows,
            "error_rows": batch.error_rows,
        },
        unit_id=commune.id,
    )
    return batch


def _lock(session: Session, batch: ImportBatch) -> None:
    """Re-read the batch under a row lock: a double click commits or undoes it once (PostgreSQL)."""
    session.execute(
        select(ImportBatch)
        .where(ImportBatch.id == batch.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def request_commit(session: Session, actor: Actor, batch: ImportBatch, *, skip_errors: bool) -> bool:
    """Staff confirm a previewed batch. Returns True when it must run in the background (the caller commits,
    then queues the task); small batches are committed here at once."""
    _lock(session, batch)
    if batch.status not in (BatchStatus.PREVIEWED, BatchStatus.FAILED):
        raise CollectionError(
            N_("Lô này đang ở trạng thái “%(status)s”; không thể ghi nhận lại.", status=batch.status_label)
        )
    if batch.error_rows and not skip_errors:
        raise CollectionError(
            N_(
                "Tệp có %(n)s dòng lỗi. Hãy sửa tệp và tải lên lại, hoặc chọn "
                "“Bỏ qua các dòng lỗi” để chỉ ghi nhận các dòng hợp lệ.",
                n=batch.error_rows,
            )
        )
    if batch.valid_rows == 0:
        raise CollectionError(N_("Không có dòng hợp lệ nào để ghi nhận."))
    batch.skip_errors = skip_errors
    batch.failure = ""
    batch.processed_rows = 0
    if batch.valid_rows > BACKGROUND_ROWS:
        batch.status = BatchStatus.QUEUED
        session.flush()
        return True
    commit_import(session, actor, batch)
    return False


def _progress_writer(session: Session, batch_id: int) -> Callable[[int], None] | None:
    """Progress is written on its own connection so the page can poll it while the import's transaction
    is still open (PostgreSQL; SQLite allows one writer, so there the bar jumps at the end)."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return None

    def write(done: int) -> None:
        # Best effort: never wait on a lock the import's own transaction may hold on the batch row.
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '500ms'"))
                conn.execute(
                    update(ImportBatch).where(ImportBatch.id == batch_id).values(processed_rows=done)
                )
        except DBAPIError:
            pass

    return write


def commit_import(
    session: Session, actor: Actor, batch: ImportBatch, *, track_progress: bool = False
) -> None:
    """Record all valid rows of the kept file at once (one ledger transaction), or nothing. The file is
    checked again: rows recorded since the preview may have become duplicates. track_progress (the
    background task) writes the number of rows done on the batch row as it goes."""
    campaign = session.get(Campaign, batch.campaign_id)
    commune = session.get(AdminUnit, batch.commune_id)
    assert campaign is not None and commune is not None
    progress = _progress_writer(session, batch.id) if track_progress else None
    data = Path(batch.stored_path).read_bytes()
    result = check_file(session, campaign, commune, batch.file_kind, data)
    if result.errors and not batch.skip_errors:
        raise CollectionError(N_("Tệp có %(n)s dòng lỗi; không ghi nhận dòng nào.", n=len(result.errors)))
    valid = result.valid
    if not valid:
        raise CollectionError(N_("Không có dòng hợp lệ nào để ghi nhận."))
    mode = display_mode(session, campaign, commune.id)
    items = [
        _new_contribution(
            r,
            commune.id,
            mode,
            key=f"import:{batch.id}:{r.row_no}",
            batch_id=batch.id,
            source=f"collections:import:{batch.id}",
        )
        for r in valid
    ]
    made = receive(
        session,
        actor,
        items,
        campaign=campaign,
        batch_source=f"collections:{batch.id}",
        on_progress=progress,
    )
    now = utcnow()
    bulk_insert(
        session,
        HouseholdRow.__table__,
        [
            dict(
                contribution_id=cid,
                campaign_id=campaign.id,
                commune_id=commune.id,
                hamlet_id=r.hamlet.id,  # type: ignore[union-attr]
                head_name=r.head_name,
                name_key=r.name_key,
                collector_name=r.collector,
                import_batch_id=batch.id,
                created_at=now,
            )
            for r, cid in zip(valid, [m.id for m in made], strict=True)
        ],
    )
    batch.errors = result.errors
    batch.error_rows = len(result.errors)
    batch.total_rows = len(result.rows)
    batch.committed_rows = len(valid)
    batch.processed_rows = len(valid)
    batch.total_vnd = sum(r.amount_vnd for r in valid)
    batch.ledger_transaction_id = session.execute(
        select(Contribution.ledger_transaction_id)
        .where(Contribution.import_batch_id == batch.id, Contribution.channel != Channel.IN_KIND)
        .limit(1)
    ).scalar_one_or_none()
    batch.status = BatchStatus.COMMITTED
    batch.committed_at = now
    record(
        session,
        actor,
        "collections.import.commit",
        "collection_import_batch",
        batch.id,
        new={
            "rows": batch.committed_rows,
            "skipped_rows": batch.error_rows,
            "total_vnd": batch.total_vnd,
            "ledger_transaction_id": batch.ledger_transaction_id,
        },
        unit_id=commune.id,
    )
    session.flush()


def mark_failed(session: Session, batch_id: int, message: str) -> None:
    batch = session.get(ImportBatch, batch_id)
    if batch is not None:
        batch.status = BatchStatus.FAILED
        batch.failure = message[:2000]
        session.flush()


def undo_import(session: Session, actor: Actor, batch: ImportBatch, reason: str) -> None:
    """Undo a committed import as a whole: one reversal of its ledger transaction (and one per in-kind row);
    the contributions stay, marked reversed."""
    _lock(session, batch)
    if batch.status != BatchStatus.COMMITTED:
        raise CollectionError(
            N_("Chỉ hủy được lô đã ghi nhận (lô này: “%(status)s”).", status=batch.status_label)
        )
    reason = (nfc(reason) or "").strip() or "Hủy cả lô nhập từ tệp"
    rev_id = None
    try:
        if batch.ledger_transaction_id is not None:
            rev_id = reverse_posting(
                session,
                actor,
                batch.ledger_transaction_id,
                reason,
                source_type="collections_batch",
                source_id=batch.id,
            ).id
        in_kind = session.execute(
            select(Contribution.id).where(
                Contribution.import_batch_id == batch.id,
                Contribution.channel == Channel.IN_KIND,
                Contribution.status == ContributionStatus.RECORDED,
            )
        ).scalars()
        reverse_contributions(session, actor, list(in_kind), reason)
    except (ledger.LedgerError, ContributionError) as exc:
        raise CollectionError(N_("Không hủy được lô: %(error)s", error=exc)) from exc
    batch.status = BatchStatus.REVERSED
    batch.reversal_transaction_id = rev_id
    batch.reversed_at = utcnow()
    record(
        session,
        actor,
        "collections.import.reverse",
        "collection_import_batch",
        batch.id,
        old={"status": BatchStatus.COMMITTED},
        new={
            "status": BatchStatus.REVERSED,
            "reason": reason,
            "rows": batch.committed_rows,
            "total_vnd": batch.total_vnd,
            "reversal_transaction_id": rev_id,
        },
        unit_id=batch.commune_id,
    )
    session.flush()


def template_xlsx(hamlet_names: list[str] | None = None) -> bytes:
    """The Vietnamese import template: the six headers, a sample row, amounts formatted in đồng."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách thu"
    append_row(ws, list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    sample = (hamlet_names or ["Thôn 1"])[0]
    append_row(ws, ["Nguyễn Văn An", sample, 200000, "", today_vn().strftime("%d/%m/%Y"), "Trần Văn Bình"])
    append_row(
        ws, ["Lê Thị Hoa", sample, 150000, "20 kg gạo", today_vn().strftime("%d/%m/%Y"), "Trần Văn Bình"]
    )
    for col, width in zip("ABCDEF", (28, 24, 14, 20, 12, 24), strict=True):
        ws.column_dimensions[col].width = width
    for cell in ws["C"][1:]:
        cell.number_format = '#,##0 "₫"'
    if hamlet_names:
        ref = wb.create_sheet("Thôn - Tổ dân phố")
        append_row(ref, ["Thôn/Tổ dân phố của xã"])
        for name in hamlet_names:
            append_row(ref, [name])
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- lists for signatures
@dataclass
class ListLine:
    receipt_no: str
    head_name: str
    hamlet: str
    amount_vnd: int
    in_kind: str
    received_on: date
    reversed: bool


def collector_lists(
    session: Session, campaign: Campaign, commune: AdminUnit, collector: str | None = None
) -> dict[str, list[ListLine]]:
    """Recorded household rows grouped by collector (then hamlet, receipt), for printed signature lists."""
    q = (
        select(
            HouseholdRow.collector_name,
            HouseholdRow.head_name,
            Hamlet.name,
            Contribution.receipt_no,
            Contribution.amount_vnd,
            Contribution.in_kind_description,
            Contribution.received_on,
            Contribution.status,
        )
        .join(Contribution, Contribution.id == HouseholdRow.contribution_id)
        .join(Hamlet, Hamlet.id == HouseholdRow.hamlet_id)
        .where(
            HouseholdRow.campaign_id == campaign.id,
            HouseholdRow.commune_id == commune.id,
            Contribution.status == ContributionStatus.RECORDED,
        )
        .order_by(vi_collate(HouseholdRow.collector_name), vi_collate(Hamlet.name), Contribution.receipt_no)
    )
    if collector is not None:
        q = q.where(HouseholdRow.collector_name == collector)
    groups: dict[str, list[ListLine]] = {}
    for coll, head, hamlet, receipt, amount, in_kind, on, status in session.execute(q):
        groups.setdefault(coll or "", []).append(
            ListLine(receipt, head, hamlet, amount, in_kind or "", on, status == ContributionStatus.REVERSED)
        )
    return groups


def collectors(session: Session, campaign_id: int, commune_id: int) -> list[str]:
    return list(
        session.execute(
            select(HouseholdRow.collector_name)
            .where(HouseholdRow.campaign_id == campaign_id, HouseholdRow.commune_id == commune_id)
            # GROUP BY, not DISTINCT: PostgreSQL refuses SELECT DISTINCT ordered by an expression (the COLLATE)
            # that is not in the select list, which made the collection entry page a 500 there.
            .group_by(HouseholdRow.collector_name)
            .order_by(vi_collate(HouseholdRow.collector_name))
        ).scalars()
    )


def batch_rows(session: Session, batch_id: int, limit: int) -> list[tuple]:
    """The households a committed batch recorded, in file order, with their receipts (reversed ones included)."""
    return list(
        session.execute(
            select(HouseholdRow, Contribution)
            .join(Contribution, Contribution.id == HouseholdRow.contribution_id)
            .where(HouseholdRow.import_batch_id == batch_id)
            .order_by(HouseholdRow.id)
            .limit(limit)
        ).all()
    )


def recent_rows(session: Session, campaign_id: int, commune_id: int, limit: int = 15) -> list[tuple]:
    return list(
        session.execute(
            select(HouseholdRow, Contribution)
            .join(Contribution, Contribution.id == HouseholdRow.contribution_id)
            .where(
                HouseholdRow.campaign_id == campaign_id,
                HouseholdRow.commune_id == commune_id,
                HouseholdRow.import_batch_id.is_(None),
            )
            .order_by(HouseholdRow.id.desc())
            .limit(limit)
        ).all()
    )
