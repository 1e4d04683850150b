"""Public transparency: the statement (search, keyset pages), the overview (cached on the ledger version),
use of funds, open-data rows and the published hash chain.

Only these fields of a contribution are ever published: id, dates, public name (the donor's chosen name or
"Nhà hảo tâm"), amount, channel, purpose, earmarked unit and area, pledge reference, bank transaction
reference, receipt number, masked account and status. Never `note`, donor contact data or raw bank memos.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import time as time_module
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, cast, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignGoal
from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.money import AmountError, parse_vnd
from app.core.spreadsheet import sql_neutralise
from app.core.text import fold, nfc, search_words
from app.ledger import services as ledger
from app.ledger.models import PURPOSE_LABELS, AccountKind, LedgerAccount, LedgerTransaction, Purpose
from app.transparency.models import OverviewCache, PublishedRoot
from app.transparency.verify_export import GENESIS, canonical_line, chain, records_hash
from app.units.models import AdminUnit, UnitLevel

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
OVERVIEW_TTL = timedelta(minutes=10)  # houses and goals change without a ledger posting

try:  # needs & matching land in parallel; without them the houses sections say "chưa có dữ liệu"
    from app.needs.services import houses_by_stage
except ImportError:  # pragma: no cover - depends on which packages are merged
    houses_by_stage = None

try:
    from app.needs.models import NEED_STATUS_LABELS as STAGE_LABELS
except ImportError:  # pragma: no cover
    STAGE_LABELS = {}


class FilterError(ValueError):
    """A filter the public typed cannot be read; the message names the field, in Vietnamese."""


# ------------------------------------------------------------------------------------------- units
@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: int
    name: str
    level: str
    parent_id: int | None


_UNIT_CACHE: dict[str, tuple[float, dict[int, UnitInfo]]] = {}
UNIT_CACHE_SECONDS = (
    300  # units change a few times a year (by import); a page may show a rename 5 minutes late
)


def all_units(session: Session) -> dict[int, UnitInfo]:
    """Every unit, cached in the process for a few minutes (the statement shows area names on every row)."""
    key = str(session.get_bind().url)
    hit = _UNIT_CACHE.get(key)
    now = time_module.monotonic()
    if hit is None or now - hit[0] > UNIT_CACHE_SECONDS:
        q = select(AdminUnit.id, AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.parent_id)
        hit = (
            now,
            {r.id: UnitInfo(r.id, r.code, r.name, str(r.level), r.parent_id) for r in session.execute(q)},
        )
        _UNIT_CACHE[key] = hit
    return hit[1]


def unit_map(session: Session, ids: set[int] | None = None) -> dict[int, UnitInfo]:
    units = all_units(session)
    if ids is None:
        return units
    missing = [i for i in ids if i not in units]
    if missing:  # a unit added since the cache was filled
        _UNIT_CACHE.clear()
        units = all_units(session)
    return {i: units[i] for i in ids if i in units}


def provinces(session: Session) -> list[UnitInfo]:
    return sorted(
        (u for u in all_units(session).values() if u.level == UnitLevel.PROVINCE.value),
        key=lambda u: fold(u.name),
    )


def communes_of(session: Session, province_id: int) -> list[UnitInfo]:
    return sorted(
        (u for u in all_units(session).values() if u.parent_id == province_id), key=lambda u: fold(u.name)
    )


def scope_unit_ids(session: Session, unit: AdminUnit | None) -> list[int | None] | None:
    """The unit ids whose books make up an area: a province with its communes, a commune alone, None = all."""
    if unit is None:
        return None
    if unit.level == UnitLevel.PROVINCE:
        return [
            unit.id,
            *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)).scalars(),
        ]
    return [unit.id]


# --------------------------------------------------------------------------------------- statement
SORTS = {"ngay": "Ngày nhận", "so_tien": "Số tiền", "ten": "Tên"}


@dataclass
class StatementQuery:
    q: str = ""
    amount_vnd: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    province_id: int | None = None
    commune_id: int | None = None
    campaign_id: int | None = None
    channel: Channel | None = None
    sort: str = "ngay"
    descending: bool = True
    after: tuple | None = None
    before: tuple | None = None
    limit: int = PAGE_SIZE
    raw: dict = field(default_factory=dict)  # the filter parameters as given, for links

    def link_args(self) -> dict[str, str]:
        return {k: v for k, v in self.raw.items() if v not in (None, "")}


def parse_day(value: str, field_name: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise FilterError(f"{field_name}: “{value}” không phải ngày hợp lệ (dd/mm/yyyy).")


def _int(value: str, field_name: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdecimal():
        raise FilterError(f"{field_name}: giá trị không hợp lệ.")
    return int(value)


def encode_cursor(key: object, ident: int) -> str:
    raw = json.dumps([key.isoformat() if isinstance(key, date) else key, ident], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str, sort: str) -> tuple:
    try:
        key, ident = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode())
        if sort == "ngay":
            key = date.fromisoformat(key)
        elif sort == "so_tien":
            key = int(key)
        elif not isinstance(key, str):
            raise ValueError
        return key, int(ident)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise FilterError("Liên kết trang không hợp lệ; hãy quay lại trang đầu.") from None


def parse_statement_args(args) -> StatementQuery:  # type: ignore[no-untyped-def]
    """Read the public statement's GET parameters (also used by the API and the exports)."""
    names = (
        "q",
        "so_tien",
        "tu_ngay",
        "den_ngay",
        "tinh",
        "xa",
        "chien_dich",
        "kenh",
        "sap_xep",
        "thu_tu",
        "limit",
    )
    raw = {k: nfc(args.get(k, "")) or "" for k in names}
    query = StatementQuery(raw=raw)
    query.q = raw["q"][:200]
    if raw["so_tien"]:
        try:
            query.amount_vnd = parse_vnd(raw["so_tien"], field="Số tiền")
        except AmountError as exc:
            raise FilterError(str(exc)) from None
    query.date_from = parse_day(raw["tu_ngay"], "Từ ngày")
    query.date_to = parse_day(raw["den_ngay"], "Đến ngày")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise FilterError("Từ ngày phải trước hoặc bằng Đến ngày.")
    query.province_id = _int(raw["tinh"], "Tỉnh/thành phố")
    query.commune_id = _int(raw["xa"], "Xã/phường")
    query.campaign_id = _int(raw["chien_dich"], "Cuộc vận động")
    if raw["kenh"]:
        try:
            query.channel = Channel(raw["kenh"])
        except ValueError:
            raise FilterError("Kênh đóng góp: giá trị không hợp lệ.") from None
    if raw["sap_xep"] and raw["sap_xep"] not in SORTS:
        raise FilterError("Sắp xếp: giá trị không hợp lệ.")
    query.sort = raw["sap_xep"] or "ngay"
    query.descending = raw["thu_tu"] != "tang"
    if args.get("sau"):
        query.after = decode_cursor(args["sau"], query.sort)
    elif args.get("truoc"):
        query.before = decode_cursor(args["truoc"], query.sort)
    if raw["limit"]:
        n = _int(raw["limit"], "Số dòng mỗi trang")
        query.limit = max(1, min(MAX_PAGE_SIZE, n or PAGE_SIZE))
    return query


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def _sort_key(session: Session, sort: str):  # type: ignore[no-untyped-def]
    if sort == "so_tien":
        return Contribution.amount_vnd
    if sort == "ten":
        if session.get_bind().dialect.name == "postgresql":
            return Contribution.public_name.collate("vi-x-icu")  # Vietnamese alphabetical order (ICU)
        return Contribution.search_key  # SQLite: the folded name leads the search key
    return Contribution.received_on


def search_needle(query: StatementQuery) -> str:
    """The searched words, as search keys hold them (app.core.text.search_words); "" when q has none."""
    return search_words(query.q) if query.q else ""


def _word_start_like(column, needle: str):  # type: ignore[no-untyped-def]
    """The words of the needle, in order, from the start of a word of the key: "nguyen van a" finds "Nguyễn Văn
    An" and "Hộ ông Nguyễn Văn A", but "uyen" does not find "Nguyễn"."""
    return (literal(" ") + column).like(f"% {_escape_like(needle)}%", escape="\\")


def terms_query(needle: str) -> str:
    """The tsquery of ct_search_terms (migration 0012) that every key matching the needle satisfies: the pairs of
    adjacent words it contains, the last word as a prefix ("tran thi mai" -> '~tran_thi' & '~thi_mai':*); a
    single word is a prefix of a word. Adjacent-word pairs are rare where single words are not, so the index reads
    short lists."""
    words = needle.split(" ")

    def lexeme(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    if len(words) == 1:
        return lexeme(words[0]) + ":*"
    pairs = [lexeme(f"~{a}_{b}") for a, b in zip(words, words[1:], strict=False)]
    pairs[-1] += ":*"
    return " & ".join(pairs)


def text_filter(query: StatementQuery, dialect: str = "sqlite"):  # type: ignore[no-untyped-def]
    """The search box as a clause on the search key (None when q holds no word). On PostgreSQL the words-and-pairs
    index narrows the rows first; the LIKE decides."""
    needle = search_needle(query)
    if not needle:
        return None
    like = _word_start_like(Contribution.search_key, needle)
    if dialect != "postgresql":
        return like
    terms = func.ct_search_terms(Contribution.search_key).bool_op("@@")(cast(terms_query(needle), TSQUERY))
    return and_(terms, like)


def province_units(session: Session, query: StatementQuery) -> list[int | None]:
    """The pool units of the chosen province (the province's own and its communes')."""
    return scope_unit_ids(session, session.get(AdminUnit, query.province_id)) or [-1]


def statement_filters(
    session: Session, query: StatementQuery, *, with_text: bool = True, with_province: bool = True
) -> list:
    clauses = []
    if with_text and (clause := text_filter(query, session.get_bind().dialect.name)) is not None:
        clauses.append(clause)
    if query.amount_vnd is not None:
        clauses.append(Contribution.amount_vnd == query.amount_vnd)
    if query.date_from:
        clauses.append(Contribution.received_on >= query.date_from)
    if query.date_to:
        clauses.append(Contribution.received_on <= query.date_to)
    if query.commune_id:
        clauses.append(Contribution.pool_unit_id == query.commune_id)
    elif query.province_id and with_province:
        clauses.append(Contribution.pool_unit_id.in_(province_units(session, query)))
    if query.campaign_id:
        clauses.append(Contribution.campaign_id == query.campaign_id)
    if query.channel:
        clauses.append(Contribution.channel == query.channel)
    return clauses


PUBLIC_COLUMNS = (
    Contribution.id,
    Contribution.received_on,
    Contribution.public_name,
    Contribution.amount_vnd,
    Contribution.channel,
    Contribution.purpose,
    Contribution.earmark_unit_id,
    Contribution.pool_unit_id,
    Contribution.pledge_reference,
    Contribution.bank_txn_ref,
    Contribution.receipt_no,
    Contribution.masked_account,
    Contribution.status,
    Contribution.campaign_id,
    Contribution.is_anonymous,
)


@dataclass
class StatementPage:
    rows: list[dict]
    next_cursor: str | None
    prev_cursor: str | None


# Text search on PostgreSQL: the first rows in page order (from the sort index, which carries the search key)
# are scanned for the words; a common name fills a page within this window at once. A rarer one is answered from
# the words-and-pairs index (ct_search_terms) instead, whose few matches are then sorted. A reference or receipt
# number (one word with a digit) is rare by nature and goes to the index directly.
SCAN_WINDOW = 20_000
ORDERED_SORTS = ("ngay", "so_tien", "ten")  # sorts with a (key, id) index that INCLUDEs search_key


def _worth_a_window(needle: str) -> bool:
    return " " in needle or not any(ch.isdigit() for ch in needle)


def statement_page(session: Session, query: StatementQuery) -> StatementPage:
    """One page of the statement, by keyset on (sort key, id): a link never shifts when rows are added."""
    key = _sort_key(session, query.sort)
    backwards = query.before is not None
    desc = query.descending != backwards
    cursor = query.after or query.before
    where = statement_filters(session, query, with_text=False)
    keyset = []
    if cursor is not None:
        pair, bound = tuple_(key, Contribution.id), tuple_(*cursor)
        keyset.append(pair < bound if desc else pair > bound)
    where += keyset
    order = (key.desc(), Contribution.id.desc()) if desc else (key.asc(), Contribution.id.asc())
    dialect = session.get_bind().dialect.name
    postgres = dialect == "postgresql"
    needle = search_needle(query)
    match = text_filter(query, dialect)
    result = None
    if match is not None and postgres and query.sort in ORDERED_SORTS and _worth_a_window(needle):
        result = _page_from_ordered_window(session, key, query, keyset, needle, desc, query.limit + 1)
    if result is None:
        stmt = select(*PUBLIC_COLUMNS, key.label("k")).where(*where)
        if match is not None:
            stmt = stmt.where(match)
        if match is not None and postgres:
            # The matches come from the bitmap of the terms index (and of the other filters), then are sorted:
            # never an ordered walk of the whole sort index looking for a rare name.
            session.execute(text("SET LOCAL enable_indexscan = off"))
            try:
                result = session.execute(stmt.order_by(*order).limit(query.limit + 1)).all()
            finally:
                session.execute(text("RESET enable_indexscan"))
        else:
            result = session.execute(stmt.order_by(*order).limit(query.limit + 1)).all()
    more = len(result) > query.limit
    result = result[: query.limit]
    if backwards:
        result.reverse()
    units = unit_map(session, {u for r in result for u in (r.earmark_unit_id, r.pool_unit_id) if u})
    rows = [public_record(r, units) for r in result]
    first = (result[0].k, result[0].id) if result else None
    last = (result[-1].k, result[-1].id) if result else None
    if backwards:
        next_c = encode_cursor(*last) if last else None
        prev_c = encode_cursor(*first) if (first and more) else None
    else:
        next_c = encode_cursor(*last) if (last and more) else None
        prev_c = encode_cursor(*first) if (first and query.after is not None) else None
    return StatementPage(rows, next_c, prev_c)


def _page_from_ordered_window(
    session: Session,
    key,
    query: StatementQuery,
    keyset: list,  # type: ignore[no-untyped-def]
    needle: str,
    desc: bool,
    wanted: int,
) -> list | None:
    """The first `wanted` matches in page order when they lie within SCAN_WINDOW rows of the sort index (an
    index-only scan: the index includes the search key and the pool unit); None when the words are rarer than that.

    A province is filtered on the window's rows, not inside it: the window is then the first SCAN_WINDOW entries
    of the index, read in order, instead of every row of the province fetched and sorted (about 100 ms for a
    province of 20 000 rows, when the name is rare and the window comes back empty anyway)."""
    by_province = bool(query.province_id and not query.commune_id)
    inner = statement_filters(session, query, with_text=False, with_province=not by_province) + keyset
    window = (
        select(Contribution.id, key.label("k"), Contribution.search_key, Contribution.pool_unit_id)
        .where(*inner)
        .order_by(*((key.desc(), Contribution.id.desc()) if desc else (key.asc(), Contribution.id.asc())))
        .limit(SCAN_WINDOW)
        .subquery()
    )
    hits = [_word_start_like(window.c.search_key, needle)]
    if by_province:
        hits.append(window.c.pool_unit_id.in_(province_units(session, query)))
    order = (window.c.k.desc(), window.c.id.desc()) if desc else (window.c.k.asc(), window.c.id.asc())
    ids = list(session.execute(select(window.c.id).where(*hits).order_by(*order).limit(wanted)).scalars())
    if (
        len(ids) < wanted
        and session.execute(select(func.count()).select_from(window)).scalar_one() >= SCAN_WINDOW
    ):
        return None  # more rows lie beyond the window: the index of words finds them
    # (else the window held every row the filters allow, e.g. a commune's: what it found is the whole answer)
    rows = {
        r.id: r
        for r in session.execute(select(*PUBLIC_COLUMNS, key.label("k")).where(Contribution.id.in_(ids)))
    }
    return [rows[i] for i in ids]


def public_record(r, units: dict[int, UnitInfo]) -> dict:  # type: ignore[no-untyped-def]
    """The published view of one contribution row (a Row with PUBLIC_COLUMNS or a Contribution)."""
    earmark = units.get(r.earmark_unit_id) if r.earmark_unit_id else None
    area = units.get(r.pool_unit_id) if r.pool_unit_id else None
    channel, purpose, status = Channel(r.channel), Purpose(r.purpose), ContributionStatus(r.status)
    return {
        "id": r.id,
        "ngay_nhan": r.received_on.isoformat(),
        "received_on": r.received_on,
        "ten_cong_khai": r.public_name,
        "so_tien_vnd": r.amount_vnd,
        "kenh": channel.value,
        "kenh_ten": CHANNEL_LABELS[channel],
        "muc_dich": purpose.value,
        "muc_dich_ten": PURPOSE_LABELS[purpose],
        "ma_dia_ban_chi_dinh": str(earmark.code) if earmark else "",
        "dia_ban_chi_dinh": earmark.name if earmark else "",
        "ma_dia_ban": str(area.code) if area else "",
        "dia_ban": area.name if area else "Trung ương",
        "ma_dang_ky": r.pledge_reference or "",
        "ma_giao_dich": r.bank_txn_ref or "",
        "so_bien_nhan": r.receipt_no,
        "tai_khoan": r.masked_account or "",
        "trang_thai": "da_huy" if status == ContributionStatus.REVERSED else "da_nhan",
        "reversed": status == ContributionStatus.REVERSED,
    }


def find_contribution(session: Session, ref: str):  # type: ignore[no-untyped-def]
    """A contribution by id or, when unambiguous, by receipt number."""
    ref = (ref or "").strip()
    stmt = select(*PUBLIC_COLUMNS)
    if ref.isdecimal():
        row = session.execute(stmt.where(Contribution.id == int(ref))).first()
    else:
        found = session.execute(stmt.where(Contribution.receipt_no == ref).limit(2)).all()
        row = found[0] if len(found) == 1 else None
    if row is None:
        return None
    return public_record(row, unit_map(session, {u for u in (row.earmark_unit_id, row.pool_unit_id) if u}))


def receipt_is_ambiguous(session: Session, receipt_no: str) -> bool:
    return (
        len(
            session.execute(
                select(Contribution.id).where(Contribution.receipt_no == receipt_no).limit(2)
            ).all()
        )
        > 1
    )


# -------------------------------------------------------------------------------------- open data
def iter_public_records(
    session: Session, query: StatementQuery | None = None, *, chunk: int = 5000
) -> Iterator[dict]:
    """Every matching contribution in id order, streamed (server-side cursor), with its published day and root."""
    from app.transparency.verify_export import EXPORT_COLUMNS

    for values in iter_export_rows(session, query, chunk=chunk):
        yield dict(zip(EXPORT_COLUMNS, values, strict=True))


def iter_export_rows(
    session: Session, query: StatementQuery | None = None, *, chunk: int = 5000
) -> Iterator[list]:
    """The export's rows as lists in EXPORT_COLUMNS order: the tight loop behind the CSV of millions of rows."""
    units = unit_map(session)
    roots = session.execute(
        select(PublishedRoot.day, PublishedRoot.first_id, PublishedRoot.last_id, PublishedRoot.root).order_by(
            PublishedRoot.last_id
        )
    ).all()
    lasts = [r.last_id for r in roots]
    channels = {c.value: CHANNEL_LABELS[c] for c in Channel}
    purposes = {p.value: PURPOSE_LABELS[p] for p in Purpose}
    place = {u.id: (str(u.code), u.name) for u in units.values()}
    nowhere, central = ("", ""), ("", "Trung ương")
    reversed_value = ContributionStatus.REVERSED.value
    stmt = select(*PUBLIC_COLUMNS)
    if query is not None:
        stmt = stmt.where(*statement_filters(session, query))
    stmt = stmt.order_by(Contribution.id).execution_options(yield_per=chunk)
    n_roots = len(roots)
    for (
        ident,
        received_on,
        name,
        amount,
        channel,
        purpose,
        earmark_id,
        pool_id,
        pledge_ref,
        bank_ref,
        receipt,
        masked,
        status,
        _campaign,
        _anon,
    ) in session.execute(stmt):
        channel, purpose, status = str(channel), str(purpose), str(status)
        earmark = place.get(earmark_id, nowhere) if earmark_id else nowhere
        area = place.get(pool_id, central) if pool_id else central
        i = bisect.bisect_left(lasts, ident)
        day, root = (
            (roots[i].day.isoformat(), roots[i].root)
            if i < n_roots and roots[i].first_id < ident
            else ("", "")
        )
        yield [
            ident,
            received_on.isoformat(),
            name,
            amount,
            channel,
            channels[channel],
            purpose,
            purposes[purpose],
            earmark[0],
            earmark[1],
            area[0],
            area[1],
            pledge_ref or "",
            bank_ref or "",
            receipt,
            masked or "",
            "da_huy" if status == reversed_value else "da_nhan",
            day,
            root,
        ]


def copy_export_csv(session: Session, query: StatementQuery | None = None) -> Iterator[bytes]:
    """PostgreSQL: the CSV export's data lines (no header) as COPY produces them, the labels, areas and published
    day/root computed in SQL; same values and order as iter_export_rows. Streamed in blocks: memory stays flat."""
    from sqlalchemy import ARRAY, BigInteger, String, and_, bindparam, case, cast, literal, type_coerce
    from sqlalchemy.orm import aliased
    from sqlalchemy.sql.elements import Grouping

    roots = [
        r
        for r in session.execute(
            select(
                PublishedRoot.day, PublishedRoot.first_id, PublishedRoot.last_id, PublishedRoot.root
            ).order_by(PublishedRoot.last_id)
        ).all()
        if r.last_id > r.first_id
    ]  # an empty day covers no id
    earmark, area = aliased(AdminUnit), aliased(AdminUnit)
    channel = type_coerce(Contribution.channel, String)
    purpose = type_coerce(Contribution.purpose, String)
    status = type_coerce(Contribution.status, String)
    if roots:

        def array(name: str, values: list, item) -> object:  # type: ignore[no-untyped-def]
            typ = ARRAY(item)
            return type_coerce(Grouping(cast(bindparam(name, values, type_=typ), typ)), typ)  # "(CAST …)[k]"

        lowers = array("root_lowers", [r.first_id + 1 for r in roots], BigInteger)
        lasts = array("root_lasts", [r.last_id for r in roots], BigInteger)
        days = array("root_days", [r.day.isoformat() for r in roots], String)
        hashes = array("root_hashes", [r.root for r in roots], String)
        k = func.width_bucket(
            Contribution.id, lowers
        )  # binary search: the root whose first id is below this one
        inside = and_(k > 0, Contribution.id <= lasts[k])
        day, root = case((inside, days[k])), case((inside, hashes[k]))
    else:
        day = root = literal(None, String)
    stmt = (
        select(
            Contribution.id,
            Contribution.received_on,
            sql_neutralise(Contribution.public_name),  # text from people: the CSV must not run it
            Contribution.amount_vnd,
            channel,
            case({c.value: CHANNEL_LABELS[c] for c in Channel}, value=channel),
            purpose,
            case({p.value: PURPOSE_LABELS[p] for p in Purpose}, value=purpose),
            earmark.code,
            sql_neutralise(earmark.name),
            area.code,
            case((area.id.is_(None), "Trung ương"), else_=sql_neutralise(area.name)),
            sql_neutralise(func.nullif(Contribution.pledge_reference, "")),
            sql_neutralise(func.nullif(Contribution.bank_txn_ref, "")),
            sql_neutralise(Contribution.receipt_no),
            sql_neutralise(func.nullif(Contribution.masked_account, "")),
            case((status == ContributionStatus.REVERSED.value, "da_huy"), else_="da_nhan"),
            day,
            root,
        )
        .select_from(Contribution)
        .outerjoin(earmark, earmark.id == Contribution.earmark_unit_id)
        .outerjoin(area, area.id == Contribution.pool_unit_id)
        .order_by(Contribution.id)
    )
    if query is not None:
        stmt = stmt.where(*statement_filters(session, query))
    compiled = stmt.compile(dialect=session.get_bind().dialect)
    conn = session.connection().connection.driver_connection
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy,
    ):
        parts: list[bytes] = []
        size = 0
        for block in copy:  # one row per block: gather them into ~256 KB chunks
            parts.append(bytes(block))
            size += len(block)
            if size >= 1 << 18:
                yield b"".join(parts)
                parts.clear()
                size = 0
        if parts:
            yield b"".join(parts)


def roots_payload(session: Session) -> dict:
    roots = session.execute(select(PublishedRoot).order_by(PublishedRoot.day)).scalars().all()
    return {
        "algorithm": "root = SHA-256(previous root ‖ SHA-256(canonical lines sorted by id, joined by \\n))",
        "genesis": GENESIS,
        "roots": [root_dict(r) for r in roots],
    }


def root_dict(r: PublishedRoot) -> dict:
    return {
        "day": r.day.isoformat(),
        "first_id": r.first_id,
        "last_id": r.last_id,
        "count": r.count,
        "total_vnd": r.total_vnd,
        "records_hash": r.records_hash,
        "prev_root": r.prev_root,
        "root": r.root,
        "created_at": r.created_at.isoformat(),
    }


# ------------------------------------------------------------------------------------- hash chain
def _canonical_lines(session: Session, first_id: int, last_id: int) -> Iterator[tuple[int, str, int]]:
    units = unit_map(session)
    stmt = (
        select(*PUBLIC_COLUMNS)
        .where(Contribution.id > first_id, Contribution.id <= last_id)
        .order_by(Contribution.id)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(stmt):
        yield row.id, canonical_line(public_record(row, units)), row.amount_vnd


def hash_range(session: Session, first_id: int, last_id: int) -> tuple[str, int, int]:
    """(records hash, count, total) of the contributions with first_id < id <= last_id as they are now."""
    total = 0
    lines = []
    for ident, line, amount in _canonical_lines(session, first_id, last_id):
        lines.append((ident, line))
        total += amount
    digest, count = records_hash(lines)
    return digest, count, total


def publish_daily_root(session: Session, day: date | None = None) -> PublishedRoot | None:
    """Publish the root for `day` (default: yesterday, Vietnam time) covering every contribution recorded up to
    the end of that day and not yet in an earlier root. Idempotent: None when that day (or a later one) exists."""
    today = datetime.now(VN_TZ).date()
    day = day or (today - timedelta(days=1))
    last = session.execute(
        select(PublishedRoot).order_by(PublishedRoot.day.desc()).limit(1)
    ).scalar_one_or_none()
    if last is not None and last.day >= day:
        return None
    # In UTC, as created_at is stored: SQLite compares the texts, so a Vietnam-time bound would let the first seven
    # hours of the next Vietnamese day (17:00-24:00 UTC) into this day's root.
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=VN_TZ).astimezone(UTC)
    last_id = (
        session.execute(select(func.max(Contribution.id)).where(Contribution.created_at < end)).scalar() or 0
    )
    first_id = last.last_id if last else 0
    last_id = max(last_id, first_id)
    digest, count, total = hash_range(session, first_id, last_id)
    prev = last.root if last else GENESIS
    root = PublishedRoot(
        day=day,
        first_id=first_id,
        last_id=last_id,
        count=count,
        total_vnd=total,
        records_hash=digest,
        prev_root=prev,
        root=chain(prev, digest),
        check_ok=True,
        checked_at=utcnow(),
    )
    session.add(root)
    session.flush()
    return root


def check_root(session: Session, root: PublishedRoot) -> bool:
    """Recompute one published day from the live records; remember and return whether it still matches."""
    digest, count, _ = hash_range(session, root.first_id, root.last_id)
    root.check_ok = digest == root.records_hash and count == root.count
    root.checked_at = utcnow()
    return root.check_ok


def check_roots(session: Session) -> list[PublishedRoot]:
    """Re-check every published day and the chain; returns the days that no longer match."""
    bad = []
    prev = GENESIS
    for root in session.execute(select(PublishedRoot).order_by(PublishedRoot.day)).scalars():
        ok = check_root(session, root)
        if root.prev_root != prev or chain(root.prev_root, root.records_hash) != root.root:
            root.check_ok = ok = False
        prev = root.root
        if not ok:
            bad.append(root)
    session.flush()
    return bad


# -------------------------------------------------------------------------------------- overview
def ledger_version(session: Session) -> int:
    """Any posting changes this (ledger transactions are append-only with increasing ids)."""
    return session.execute(select(func.max(LedgerTransaction.id))).scalar() or 0


def _version(session: Session, campaign: Campaign) -> str:
    """What the overview depends on, in one round trip: ledger version, pledges, goals."""
    from app.pledges.models import Pledge, PledgeStatus

    pledged = Pledge.campaign_id == campaign.id
    row = session.execute(
        select(
            select(func.max(LedgerTransaction.id)).scalar_subquery(),
            select(func.count()).where(pledged).scalar_subquery(),
            select(func.coalesce(func.sum(Pledge.amount_vnd), 0)).where(pledged).scalar_subquery(),
            select(func.count()).where(pledged, Pledge.status == PledgeStatus.CANCELLED).scalar_subquery(),
            select(func.count()).where(CampaignGoal.campaign_id == campaign.id).scalar_subquery(),
            select(func.coalesce(func.sum(CampaignGoal.goal_vnd), 0))
            .where(CampaignGoal.campaign_id == campaign.id)
            .scalar_subquery(),
        )
    ).one()
    return f"L{row[0] or 0}|P{row[1]}:{row[2]}:{row[3]}|G{row[4]}:{row[5]}:{campaign.goal_vnd}"


def received_by_unit(session: Session, fund_id: int) -> dict[int | None, int]:
    rows = session.execute(
        select(LedgerAccount.unit_id, func.sum(LedgerAccount.balance_vnd))
        .where(LedgerAccount.fund_id == fund_id, LedgerAccount.kind == AccountKind.DONATIONS)
        .group_by(LedgerAccount.unit_id)
    ).all()
    return {u: -int(s or 0) for u, s in rows}


def pledged_total(session: Session, campaign: Campaign) -> int:
    from app.pledges.models import Pledge, PledgeStatus

    return int(
        session.execute(
            select(func.coalesce(func.sum(Pledge.amount_vnd), 0)).where(
                Pledge.campaign_id == campaign.id, Pledge.status != PledgeStatus.CANCELLED
            )
        ).scalar()
        or 0
    )


def houses(session: Session, unit_ids: list[int | None] | None, campaign_id: int) -> list[dict] | None:
    """Houses by stage from the needs package, or None when that package is not installed."""
    if houses_by_stage is None:
        return None
    stages = houses_by_stage(session, unit_ids, campaign_id) or {}
    return [
        {"stage": str(k), "label": STAGE_LABELS.get(k, str(k)), "count": int(v)} for k, v in stages.items()
    ]


def _percent(part: int, whole: int) -> int:
    return min(100, round(100 * part / whole)) if whole > 0 else 0


def figures_at(
    session: Session, fund_id: int, unit_ids: list[int | None] | None, until: date | None = None
) -> ledger.Totals:
    """Received, in kind, allocated, disbursed and unallocated money for an area, now (until=None: the ledger's
    cached balances) or as of the end of `until` (summing postings by occurred_on). The public overview and the
    staff reports both take their figures from here, so they agree."""
    if until is None:
        t = ledger.totals(session, fund_id, unit_ids)
        return ledger.Totals(**{k: int(v or 0) for k, v in vars(t).items()})  # PostgreSQL sums are Decimal
    from app.ledger.models import LedgerPosting

    q = (
        select(LedgerAccount.kind, func.sum(LedgerPosting.amount_vnd))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerAccount.fund_id == fund_id, LedgerTransaction.occurred_on <= until)
    )
    if unit_ids is not None:
        ids = [i for i in unit_ids if i is not None]
        clause = LedgerAccount.unit_id.in_(ids)
        q = q.where(clause | LedgerAccount.unit_id.is_(None) if None in unit_ids else clause)
    sums = {AccountKind(k): int(v or 0) for k, v in session.execute(q.group_by(LedgerAccount.kind))}
    t = ledger.Totals(
        received_vnd=-sums.get(AccountKind.DONATIONS, 0),
        in_kind_vnd=sums.get(AccountKind.IN_KIND, 0),
        unallocated_vnd=sums.get(AccountKind.UNALLOCATED, 0),
        disbursed_vnd=sums.get(AccountKind.DISBURSED, 0),
    )
    t.allocated_vnd = sums.get(AccountKind.ALLOCATED, 0) + t.disbursed_vnd
    return t


def compute_overview(session: Session, campaign: Campaign) -> dict:
    """Totals, progress to goal by area and houses, for a campaign's scope (no cache)."""
    scope = campaign.scope_unit
    ids = scope_unit_ids(session, scope)
    t = figures_at(session, campaign.fund_id, ids)
    received = received_by_unit(session, campaign.fund_id)
    goals = {
        g.unit_id: g.goal_vnd
        for g in session.execute(
            select(CampaignGoal).where(CampaignGoal.campaign_id == campaign.id)
        ).scalars()
    }
    progress = []
    if scope is None:  # national: one row per province
        provinces = (
            session.execute(
                select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE).order_by(AdminUnit.code)
            )
            .scalars()
            .all()
        )
        communes = defaultdict(list)
        for cid, pid in session.execute(
            select(AdminUnit.id, AdminUnit.parent_id).where(AdminUnit.level == UnitLevel.COMMUNE)
        ):
            communes[pid].append(cid)
        for p in provinces:
            got = received.get(p.id, 0) + sum(received.get(c, 0) for c in communes[p.id])
            goal = goals.get(p.id, 0)
            if got or goal:
                progress.append(
                    {
                        "unit_id": p.id,
                        "code": p.code,
                        "name": p.name,
                        "level": "province",
                        "goal_vnd": goal,
                        "received_vnd": got,
                        "percent": _percent(got, goal),
                    }
                )
    else:
        progress.append(
            {
                "unit_id": scope.id,
                "code": scope.code,
                "name": scope.name,
                "level": str(scope.level),
                "goal_vnd": campaign.goal_vnd or goals.get(scope.id, 0),
                "received_vnd": t.received_vnd,
                "percent": _percent(t.received_vnd, campaign.goal_vnd or goals.get(scope.id, 0)),
            }
        )
        child_ids = [i for i in (ids or []) if i != scope.id]
        children = unit_map(session, set(child_ids))
        for cid in child_ids:
            got, goal = received.get(cid, 0), goals.get(cid, 0)
            if got or goal:
                u = children[cid]
                progress.append(
                    {
                        "unit_id": cid,
                        "code": u.code,
                        "name": u.name,
                        "level": "commune",
                        "goal_vnd": goal,
                        "received_vnd": got,
                        "percent": _percent(got, goal),
                    }
                )
        progress[1:] = sorted(progress[1:], key=lambda r: (-r["percent"], fold(r["name"])))
    last_tx = session.execute(select(func.max(LedgerTransaction.created_at))).scalar()
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "year": campaign.year,
            "goal_vnd": campaign.goal_vnd,
            "scope": campaign.scope_name,
        },
        "totals": {
            "pledged_vnd": pledged_total(session, campaign),
            "received_vnd": t.received_vnd,
            "in_kind_vnd": t.in_kind_vnd,
            "allocated_vnd": t.allocated_vnd,
            "disbursed_vnd": t.disbursed_vnd,
            "unallocated_vnd": t.unallocated_vnd,
        },
        "progress": progress,
        "houses": houses(session, ids, campaign.id),
        "last_update": last_tx.isoformat() if last_tx else None,
    }


def overview(session: Session, campaign: Campaign) -> dict:
    """The overview from its cache row, recomputed when money has moved (or pledges/goals changed)."""
    version = _version(session, campaign)
    key = "all"
    row = session.execute(
        select(OverviewCache).where(OverviewCache.campaign_id == campaign.id, OverviewCache.unit_key == key)
    ).scalar_one_or_none()
    now = utcnow()
    if row is not None and row.version == version and row.computed_at > now - OVERVIEW_TTL:
        return {**row.payload, "computed_at": row.computed_at.isoformat(), "cached": True}
    payload = compute_overview(session, campaign)
    if row is None:
        try:
            with session.begin_nested():  # two first readers at once: the second one's row is a duplicate
                session.add(
                    OverviewCache(
                        campaign_id=campaign.id,
                        unit_key=key,
                        version=version,
                        payload=payload,
                        computed_at=now,
                    )
                )
        except IntegrityError:
            pass  # a concurrent request stored the same overview first; this one is served from its own computation
        return {**payload, "computed_at": now.isoformat(), "cached": False}
    else:
        row.version, row.payload, row.computed_at = version, payload, now
    session.flush()
    return {**payload, "computed_at": now.isoformat(), "cached": False}


# ----------------------------------------------------------------------------------- use of funds
def use_of_funds(session: Session, campaign: Campaign) -> dict:
    """Allocated and disbursed money by area and purpose, from the ledger's ALLOCATED/DISBURSED accounts."""
    ids = scope_unit_ids(session, campaign.scope_unit)
    q = select(
        LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose, LedgerAccount.balance_vnd
    ).where(
        LedgerAccount.fund_id == campaign.fund_id,
        LedgerAccount.kind.in_([AccountKind.ALLOCATED, AccountKind.DISBURSED]),
    )
    if ids is not None:
        q = q.where(LedgerAccount.unit_id.in_([i for i in ids if i]))
    cells: dict[tuple[int | None, Purpose], dict[str, int]] = defaultdict(
        lambda: {"allocated": 0, "disbursed": 0}
    )
    for unit_id, kind, purpose, balance in session.execute(q):
        cell = cells[(unit_id, Purpose(purpose))]
        cell["allocated"] += balance  # allocated = still allocated + already disbursed
        if kind == AccountKind.DISBURSED:
            cell["disbursed"] += balance
    units = unit_map(session, {u for u, _ in cells if u})
    rows = []
    for (unit_id, purpose), v in cells.items():
        if not v["allocated"]:
            continue
        u = units.get(unit_id) if unit_id else None
        rows.append(
            {
                "unit_id": unit_id,
                "code": u.code if u else None,
                "unit": u.name if u else "Trung ương",
                "purpose": purpose.value,
                "purpose_label": PURPOSE_LABELS[purpose],
                "allocated_vnd": v["allocated"],
                "disbursed_vnd": v["disbursed"],
                "percent": _percent(v["disbursed"], v["allocated"]),
            }
        )
    rows.sort(key=lambda r: (fold(r["unit"]), r["purpose"]))
    by_purpose: dict[str, dict] = {}
    for r in rows:
        p = by_purpose.setdefault(
            r["purpose"],
            {
                "purpose": r["purpose"],
                "purpose_label": r["purpose_label"],
                "allocated_vnd": 0,
                "disbursed_vnd": 0,
            },
        )
        p["allocated_vnd"] += r["allocated_vnd"]
        p["disbursed_vnd"] += r["disbursed_vnd"]
    return {
        "rows": rows,
        "by_purpose": list(by_purpose.values()),
        "allocated_vnd": sum(r["allocated_vnd"] for r in rows),
        "disbursed_vnd": sum(r["disbursed_vnd"] for r in rows),
    }


def totals_by_unit(session: Session, fund_id: int) -> list[dict]:
    """Open data: the ledger's derived totals per unit (received, in kind, allocated, disbursed, unallocated)."""
    sums: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, kind, balance in session.execute(
        select(LedgerAccount.unit_id, LedgerAccount.kind, func.sum(LedgerAccount.balance_vnd))
        .where(LedgerAccount.fund_id == fund_id)
        .group_by(LedgerAccount.unit_id, LedgerAccount.kind)
    ):
        sums[unit_id][str(kind)] += int(balance or 0)
    units = unit_map(session, {u for u in sums if u})
    out = []
    for unit_id, s in sums.items():
        u = units.get(unit_id) if unit_id else None
        out.append(
            {
                "ma_don_vi": str(u.code) if u else "",
                "don_vi": u.name if u else "Trung ương",
                "cap": u.level if u else "national",
                "da_nhan_vnd": -s[AccountKind.DONATIONS.value],
                "hien_vat_vnd": s[AccountKind.IN_KIND.value],
                "da_phan_bo_vnd": s[AccountKind.ALLOCATED.value] + s[AccountKind.DISBURSED.value],
                "da_giai_ngan_vnd": s[AccountKind.DISBURSED.value],
                "chua_phan_bo_vnd": s[AccountKind.UNALLOCATED.value],
            }
        )
    out.sort(key=lambda r: (r["cap"] != "national", r["cap"] != "province", r["ma_don_vi"]))
    return out


def public_campaigns(session: Session) -> list[Campaign]:
    from app.campaigns.models import CampaignStatus

    return list(
        session.execute(
            select(Campaign)
            .where(Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.year.desc(), Campaign.id)
        ).scalars()
    )
