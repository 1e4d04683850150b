"""The public statement (sao kê): filters read from the URL, search, keyset pages, one public record.

Only these fields of a contribution are ever published: id, dates, public name (the donor's chosen name or
"Nhà hảo tâm"), amount, channel, purpose, earmarked unit and area, pledge reference, bank transaction
reference, receipt number, masked account and status. Never `note`, donor contact data or raw bank memos.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, cast, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.core.collation import vi_collate
from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.text import nfc, search_words
from app.ledger.models import PURPOSE_LABELS, Purpose
from app.transparency import search
from app.transparency.units import UnitInfo, scope_unit_ids, unit_map
from app.units.models import AdminUnit

PAGE_SIZE = 50


MAX_PAGE_SIZE = 200


class FilterError(ValueError):
    """A filter the public typed cannot be read; the message names the field, in Vietnamese."""


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
    raise FilterError(
        N_("%(field)s: “%(value)s” không phải ngày hợp lệ (dd/mm/yyyy).", field=field_name, value=value)
    )


def _int(value: str, field_name: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdecimal():
        raise FilterError(N_("%(field)s: giá trị không hợp lệ.", field=field_name))
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
        raise FilterError(N_("Liên kết trang không hợp lệ; hãy quay lại trang đầu.")) from None


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
            raise FilterError(*exc.args) from None
    query.date_from = parse_day(raw["tu_ngay"], "Từ ngày")
    query.date_to = parse_day(raw["den_ngay"], "Đến ngày")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise FilterError(N_("Từ ngày phải trước hoặc bằng Đến ngày."))
    query.province_id = _int(raw["tinh"], "Tỉnh/thành phố")
    query.commune_id = _int(raw["xa"], "Xã/phường")
    query.campaign_id = _int(raw["chien_dich"], "Cuộc vận động")
    if raw["kenh"]:
        try:
            query.channel = Channel(raw["kenh"])
        except ValueError:
            raise FilterError(N_("Kênh đóng góp: giá trị không hợp lệ.")) from None
    if raw["sap_xep"] and raw["sap_xep"] not in SORTS:
        raise FilterError(N_("Sắp xếp: giá trị không hợp lệ."))
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


def _sort_key(session: Session, sort: str):  # type: ignore[no-untyped-def]
    if sort == "so_tien":
        return Contribution.amount_vnd
    if sort == "ten":
        return vi_collate(Contribution.public_name)  # the one Vietnamese order (app.core.collation)
    return Contribution.received_on


def search_needle(query: StatementQuery) -> str:
    """The searched words, as search keys hold them (app.core.text.search_words); "" when q has none."""
    return search_words(query.q) if query.q else ""


def text_filter(query: StatementQuery, dialect: str = "sqlite"):  # type: ignore[no-untyped-def]
    """The search box as a clause on the search key (None when q holds no word): every word in any order, the last
    as a prefix, abbreviations both ways (app.transparency.search). On PostgreSQL the words-and-pairs index
    narrows the rows first; the LIKE decides."""
    groups = search.read_query(query.q)
    if not groups:
        return None
    like = search.sql_clause(groups, Contribution.search_key)
    if dialect != "postgresql":
        return like
    terms = func.ct_search_terms(Contribution.search_key).bool_op("@@")(cast(search.tsquery(groups), TSQUERY))
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
# the words-and-pairs index (ct_search_terms) instead, whose few matches are then sorted. Which one is rare is
# read from the planner's estimate of the index's matches (its statistics on the indexed words, about 1 ms): a
# query whose matches would not fill a page within the window goes to the index at once, instead of scanning the
# window in vain first. A reference or receipt number (one word with a digit) is rare by nature.
SCAN_WINDOW = 20_000
FEW_MATCHES = (
    2_000  # this many sorted matches from the index cost less than a window scan, however large the table
)


ORDERED_SORTS = ("ngay", "so_tien", "ten")  # sorts with a (key, id) index that INCLUDEs search_key


def _estimated_matches(connection, tsquery: str) -> float:  # type: ignore[no-untyped-def]
    plan = connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM contributions WHERE ct_search_terms(search_key) @@ %(q)s::tsquery",
        {"q": tsquery},
    ).scalar_one()
    return float((plan[0] if isinstance(plan, list) else json.loads(plan)[0])["Plan"]["Plan Rows"])


def _worth_a_window(session: Session, needle: str, groups: list, wanted: int) -> bool:
    if " " not in needle and any(ch.isdigit() for ch in needle):
        return False
    connection = session.connection()
    # The planner multiplies the words' frequencies as if they were independent, but the words of one name are
    # not: "hao tam" (every "Nhà hảo tâm") matched 80 133 of 2 000 000 rows where 5 512 were estimated, and the
    # index path then fetched and sorted them all (360 ms, ten times that at 20 000 000). The matches of all the
    # groups are at most those of the rarest group: that bound decides. Overestimating costs one window scan,
    # bounded by SCAN_WINDOW whatever the table's size; underestimating cost a fetch of every match.
    matches = min(_estimated_matches(connection, search.tsquery([g])) for g in groups)
    rows = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = 'contributions'::regclass"
    ).scalar_one()
    if matches <= FEW_MATCHES:
        return False
    # the matches expected among the window's rows, when the table's rows are known (never analysed: -1)
    return rows <= 0 or matches * SCAN_WINDOW / rows >= 2 * wanted


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
    if (
        match is not None
        and postgres
        and query.sort in ORDERED_SORTS
        and _worth_a_window(session, needle, search.read_query(query.q), query.limit + 1)
    ):
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
    rows = add_arrival_details(session, [public_record(r, units) for r in result])
    if query.q and not query.raw.get("sap_xep"):
        # Ranked by closeness within the page (the exact phrase, then the words in order, then any order); the
        # page itself, and so its links, stay in the keyset order.
        rows.sort(key=lambda row: search.closeness(query.q, row["ten_cong_khai"]))
    first = (result[0].k, result[0].id) if result else None
    last = (result[-1].k, result[-1].id) if result else None
    if backwards:
        next_c = encode_cursor(*last) if last else None
        prev_c = encode_cursor(*first) if (first and more) else None
    else:
        next_c = encode_cursor(*last) if (last and more) else None
        prev_c = encode_cursor(*first) if (first and query.after is not None) else None
    return StatementPage(rows, next_c, prev_c)


def _page_from_ordered_window(  # type: ignore[no-untyped-def]
    session: Session,
    key,
    query: StatementQuery,
    keyset: list,
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
    hits = [search.sql_clause(search.read_query(query.q), window.c.search_key)]
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


UNATTRIBUTED = "chưa xác định"


def add_arrival_details(session: Session, rows: list[dict]) -> list[dict]:
    """How each credit arrived, for the statement's rows (issue 17.2): the time, the official account it arrived in
    (masked, with its bank) and the unit owning it, and whether it is still unattributed ("chưa xác định": money
    that came in by transfer and was recorded automatically, with no donor record and no pledge, e.g. a bank feed
    credit staff have not attributed yet). One query for the page's rows; never the raw memo or a full number."""
    from app.banking.models import OfficialBankAccount
    from app.contributions.receive import mask_account, mask_long_numbers
    from app.core.i18n import format_datetime_vn

    ids = [r["id"] for r in rows]
    if not ids:
        return rows
    found = {
        r.id: r
        for r in session.execute(
            select(
                Contribution.id,
                Contribution.received_at,
                Contribution.receiving_unit_id,
                Contribution.donor_id,
                Contribution.pledge_id,
                Contribution.created_by_id,
                OfficialBankAccount.bank_name,
                OfficialBankAccount.account_number,
            )
            .outerjoin(OfficialBankAccount, OfficialBankAccount.id == Contribution.bank_account_id)
            .where(Contribution.id.in_(ids))
        )
    }
    units = unit_map(session, {r.receiving_unit_id for r in found.values() if r.receiving_unit_id})
    for row in rows:
        r = found.get(row["id"])
        if r is None:
            continue
        unit = units.get(r.receiving_unit_id) if r.receiving_unit_id else None
        row["thoi_diem"] = r.received_at.isoformat() if r.received_at else ""
        row["thoi_diem_vn"] = format_datetime_vn(r.received_at)
        row["tai_khoan_nhan"] = f"{r.bank_name} {mask_account(r.account_number)}" if r.account_number else ""
        row["don_vi_nhan"] = unit.name if unit else "Trung ương"
        row["chua_xac_dinh"] = bool(
            row["kenh"] == Channel.BANK_TRANSFER.value
            and r.donor_id is None
            and r.pledge_id is None
            and r.created_by_id is None
        )
        row["ten_hien_thi"] = mask_long_numbers(
            row["ten_cong_khai"]
        )  # names recorded before receive() masked
    return rows


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
    record = public_record(row, unit_map(session, {u for u in (row.earmark_unit_id, row.pool_unit_id) if u}))
    return add_arrival_details(session, [record])[0]


def receipt_is_ambiguous(session: Session, receipt_no: str) -> bool:
    return (
        len(
            session.execute(
                select(Contribution.id).where(Contribution.receipt_no == receipt_no).limit(2)
            ).all()
        )
        > 1
    )
