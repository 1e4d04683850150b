"""The one public ledger (sổ quỹ công khai, issue 20.2): every transaction of the fund's books — money in, allocations,
payouts, transfers between levels, goods, reversals — on one chronological, filterable statement per area and
campaign, each line with its permalink.

Built from the ledger itself (ledger_transactions and their postings), whatever service wrote them: a kind the code
does not know yet is listed as "khác", never hidden. A line is one transaction seen from the chosen area (a commune,
a province with its communes, or everything): its amount is what moved in that area (the larger of its debits and
credits there), and its effect on the area's figures is the sum of its postings there, by account kind — so the
totals above the lines are the ledger's own balances for the area; `flask ledger verify` checks that
(app.ledger.verify, `public_ledger`).

What is published about a line: its number, day, kind, amount, the areas and account kinds its postings touch, the
public records of the contributions it received (as the sao kê shows them), and for money going to a household its
house card (initials, commune, stage — app.needs' public card); never a transaction's memo (staff text), a
household's name or any contact or bank detail. A reversal is its own line, linked to the line it reverses (and that
one to it). Pages are keyset pages on (day, number): a link never shifts when lines are added, and a page costs the
same at line 2 000 000 as at line 1 (ix_ledger_transactions_day_id).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.text import nfc
from app.ledger.models import AccountKind, LedgerAccount, LedgerPosting, LedgerTransaction
from app.ledger.services import MAIN_FUND_CODE, SHARE_REVERSAL, Totals
from app.ledger.services import totals as ledger_totals
from app.transparency.statement import FilterError, _int, parse_day
from app.transparency.units import UnitInfo, scope_unit_ids, unit_map

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# The public kinds of line, by the ledger's transaction kind (values, so a kind another package adds maps here by
# name; an unknown one is "khac").
KIND_OF = {
    "receipt": "tien_vao",
    "in_kind_receipt": "hien_vat_nhan",
    "allocation": "phan_bo",
    "disbursement": "giai_ngan",
    "payout": "giai_ngan",
    "transfer": "dieu_chuyen",
    "in_kind_disbursement": "trao_hien_vat",
    "in_kind_handout": "trao_hien_vat",
    "reversal": "dao",
}
KIND_LABELS = {
    "tien_vao": "Tiền vào",
    "hien_vat_nhan": N_("Nhận hiện vật"),
    "phan_bo": N_("Phân bổ"),
    "giai_ngan": N_("Giải ngân (chi trả)"),
    "dieu_chuyen": "Điều chuyển giữa các cấp",
    "trao_hien_vat": N_("Hàng hóa đã cấp phát"),
    "dao": "Bút toán đảo",
    "khac": N_("Khác"),
}
ACCOUNT_LABELS = {
    AccountKind.DONATIONS.value: N_("Tiền ủng hộ"),
    AccountKind.UNALLOCATED.value: N_("Quỹ chưa phân bổ"),
    AccountKind.ALLOCATED.value: N_("Đã phân bổ, chưa chi"),
    AccountKind.DISBURSED.value: "Đã giải ngân",
    AccountKind.IN_KIND.value: "Hiện vật",
    AccountKind.IN_KIND_DONATIONS.value: N_("Hiện vật ủng hộ"),
    AccountKind.IN_KIND_OUT.value: N_("Hàng hóa đã cấp phát"),
}


def ledger_kinds_for(public_kind: str) -> list[str]:
    """The ledger's transaction kinds a public kind filter stands for (every kind in the books, known or not)."""
    from app.ledger.models import TransactionKind

    every = [k.value for k in TransactionKind]
    if public_kind == "khac":
        return [k for k in every if k not in KIND_OF]
    return [k for k in every if KIND_OF.get(k) == public_kind]


@dataclass
class LedgerQuery:
    fund_id: int | None = None
    campaign_id: int | None = None
    province_id: int | None = None
    commune_id: int | None = None
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    amount_vnd: int | None = None
    after: tuple[date, int] | None = None
    before: tuple[date, int] | None = None
    limit: int = PAGE_SIZE
    raw: dict[str, str] = field(default_factory=dict)

    def link_args(self) -> dict[str, str]:
        return {k: v for k, v in self.raw.items() if v not in (None, "")}


def encode_cursor(day: date, ident: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([day.isoformat(), ident]).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[date, int]:
    try:
        day, ident = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode())
        return date.fromisoformat(day), int(ident)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise FilterError(N_("Liên kết trang không hợp lệ; hãy quay lại trang đầu.")) from None


def parse_ledger_args(args: Mapping[str, str]) -> LedgerQuery:
    """The public ledger's GET parameters (page, API and CSV alike)."""
    names = ("loai", "tu_ngay", "den_ngay", "so_tien", "tinh", "xa", "chien_dich", "limit")
    raw = {k: nfc(args.get(k, "")) or "" for k in names}
    q = LedgerQuery(raw=raw)
    if raw["loai"]:
        if raw["loai"] not in KIND_LABELS:
            raise FilterError(N_("Loại bút toán: giá trị không hợp lệ."))
        q.kind = raw["loai"]
    q.date_from = parse_day(raw["tu_ngay"], "Từ ngày")
    q.date_to = parse_day(raw["den_ngay"], "Đến ngày")
    if q.date_from and q.date_to and q.date_from > q.date_to:
        raise FilterError(N_("Từ ngày phải trước hoặc bằng Đến ngày."))
    if raw["so_tien"]:
        try:
            q.amount_vnd = parse_vnd(raw["so_tien"], field="Số tiền")
        except AmountError as exc:
            raise FilterError(*exc.args) from None
    q.province_id = _int(raw["tinh"], "Tỉnh/thành phố")
    q.commune_id = _int(raw["xa"], "Xã/phường")
    q.campaign_id = _int(raw["chien_dich"], "Cuộc vận động")
    if args.get("sau"):
        q.after = decode_cursor(args["sau"])
    elif args.get("truoc"):
        q.before = decode_cursor(args["truoc"])
    if raw["limit"]:
        q.limit = max(1, min(MAX_PAGE_SIZE, _int(raw["limit"], "Số dòng mỗi trang") or PAGE_SIZE))
    return q


@dataclass
class Scope:
    fund_id: int
    unit_ids: list[int | None] | None  # None: the whole fund, national level included


def resolve_scope(session: Session, q: LedgerQuery) -> Scope:
    """The fund and the units whose books the query shows: a commune, a province with its communes, a campaign's
    area, or the whole main fund."""
    from app.campaigns.models import Campaign
    from app.ledger.models import Fund
    from app.units.models import AdminUnit

    fund_id = q.fund_id
    units: list[int | None] | None = None
    if q.campaign_id:
        campaign = session.get(Campaign, q.campaign_id)
        if campaign is None:
            raise FilterError(N_("Cuộc vận động: không tìm thấy."))
        fund_id = campaign.fund_id
        units = scope_unit_ids(session, campaign.scope_unit)
    if fund_id is None:
        fund_id = (
            session.execute(select(Fund.id).where(Fund.code == MAIN_FUND_CODE)).scalar_one_or_none() or 0
        )
    if q.commune_id:
        units = [q.commune_id]
    elif q.province_id:
        units = scope_unit_ids(session, session.get(AdminUnit, q.province_id)) or [-1]
    return Scope(fund_id, units)


def _unit_clause(unit_ids: list[int | None] | None) -> Any:
    if unit_ids is None:
        return None
    ids = [i for i in unit_ids if i is not None]
    clause = LedgerAccount.unit_id.in_(ids)
    return or_(clause, LedgerAccount.unit_id.is_(None)) if None in unit_ids else clause


def _transaction_filters(q: LedgerQuery, scope: Scope) -> list[Any]:
    T = LedgerTransaction
    where: list[Any] = [T.fund_id == scope.fund_id]
    if q.kind:
        where.append(T.kind.in_(ledger_kinds_for(q.kind)))
    if q.date_from:
        where.append(T.occurred_on >= q.date_from)
    if q.date_to:
        where.append(T.occurred_on <= q.date_to)
    return where


def _amounts() -> tuple[Any, Any]:
    P = LedgerPosting
    debit = func.sum(case((P.amount_vnd > 0, P.amount_vnd), else_=0))
    credit = func.sum(case((P.amount_vnd < 0, -P.amount_vnd), else_=0))
    return debit, credit


@dataclass
class LedgerPage:
    lines: list[dict[str, Any]]
    next_cursor: str | None
    prev_cursor: str | None


def ledger_page(session: Session, q: LedgerQuery) -> LedgerPage:
    """One keyset page of the area's lines, newest first."""
    scope = resolve_scope(session, q)
    rows = _page_rows(session, q, scope, q.limit + 1)
    backwards = q.before is not None
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    if backwards:
        rows.reverse()
    lines = describe(session, rows, scope)
    first = (rows[0].occurred_on, rows[0].id) if rows else None
    last = (rows[-1].occurred_on, rows[-1].id) if rows else None
    if backwards:
        next_c = encode_cursor(*last) if last else None
        prev_c = encode_cursor(*first) if (first and more) else None
    else:
        next_c = encode_cursor(*last) if (last and more) else None
        prev_c = encode_cursor(*first) if (first and q.after is not None) else None
    return LedgerPage(lines, next_c, prev_c)


# An area's lines: when its accounts have few postings (a commune, a quiet province), their transactions are read
# from the postings' account index and only those are sorted — bounded work however large the ledger; a busy area
# instead is an EXISTS checked while the day index is walked, which finds a page of its lines within a short walk.
FEW_POSTINGS = 20_000


def _in_area(session: Session, scope: Scope, unit: Any) -> Any:
    T, P = LedgerTransaction, LedgerPosting
    accounts = list(
        session.execute(
            select(LedgerAccount.id).where(LedgerAccount.fund_id == scope.fund_id, unit)
        ).scalars()
    )
    if not accounts:
        return T.id.is_(None)
    found = list(
        session.execute(
            select(P.transaction_id).where(P.account_id.in_(accounts)).limit(FEW_POSTINGS + 1)
        ).scalars()
    )
    if len(found) <= FEW_POSTINGS:
        return T.id.in_(sorted(set(found)))
    return select(P.id).where(P.transaction_id == T.id, P.account_id.in_(accounts)).exists()


@dataclass
class _Row:
    id: int
    kind: Any
    occurred_on: date
    reverses_id: int | None
    source_type: str
    source_id: str
    debit: int = 0
    credit: int = 0


def _page_rows(session: Session, q: LedgerQuery, scope: Scope, limit: int) -> list[Any]:
    """The page's transactions in (day, number) order, straight from ix_ledger_transactions_day_id (an area or an
    amount is an EXISTS on the transaction's postings, checked row by row as the index is walked, so a page never
    sorts or groups the whole ledger), then their amounts in the area for those rows only."""
    T, P = LedgerTransaction, LedgerPosting
    where = _transaction_filters(q, scope)
    desc = q.before is None
    cursor = q.after or q.before
    if cursor is not None:
        pair, bound = tuple_(T.occurred_on, T.id), tuple_(*cursor)
        where.append(pair < bound if desc else pair > bound)
    unit = _unit_clause(scope.unit_ids)
    if unit is not None:
        where.append(_in_area(session, scope, unit))
    if q.amount_vnd is not None:
        # A line of this amount: one of its postings in the area moves exactly that much (a two-legged line's
        # amount; for a receipt of many pools, the share of one pool).
        legs = select(P.id).where(P.transaction_id == T.id, P.amount_vnd == q.amount_vnd)
        if unit is not None:
            legs = legs.join(LedgerAccount, LedgerAccount.id == P.account_id).where(unit)
        where.append(legs.exists())
    order = (T.occurred_on.desc(), T.id.desc()) if desc else (T.occurred_on.asc(), T.id.asc())
    rows = [
        _Row(r.id, r.kind, r.occurred_on, r.reverses_id, r.source_type, r.source_id)
        for r in session.execute(
            select(T.id, T.kind, T.occurred_on, T.reverses_id, T.source_type, T.source_id)
            .where(*where)
            .order_by(*order)
            .limit(limit)
        )
    ]
    if not rows:
        return rows
    debit, credit = _amounts()
    sums = select(P.transaction_id, debit, credit).where(P.transaction_id.in_([r.id for r in rows]))
    if unit is not None:
        sums = sums.join(LedgerAccount, LedgerAccount.id == P.account_id).where(unit)
    amounts = {t: (int(d or 0), int(c or 0)) for t, d, c in session.execute(sums.group_by(P.transaction_id))}
    for r in rows:
        r.debit, r.credit = amounts.get(r.id, (0, 0))
    return rows


def find_line(session: Session, transaction_id: int) -> dict[str, Any] | None:
    """One line, seen from the whole fund (its permalink page)."""
    T, P = LedgerTransaction, LedgerPosting
    debit, credit = _amounts()
    row = session.execute(
        select(
            T.id,
            T.kind,
            T.occurred_on,
            T.created_at,
            T.reverses_id,
            T.source_type,
            T.source_id,
            T.fund_id,
            debit.label("debit"),
            credit.label("credit"),
        )
        .join(P, P.transaction_id == T.id)
        .where(T.id == transaction_id)
        .group_by(
            T.id, T.kind, T.occurred_on, T.created_at, T.reverses_id, T.source_type, T.source_id, T.fund_id
        )
    ).first()
    if row is None:
        return None
    return describe(session, [row], Scope(row.fund_id, None), contributions=100)[0]


def _kind_value(kind: object) -> str:
    return str(getattr(kind, "value", kind))


def describe(
    session: Session, rows: list[Any], scope: Scope, *, contributions: int = 0
) -> list[dict[str, Any]]:
    """The published view of each line: kind, amount in the area, postings by area and account, links (the lines it
    reverses and is reversed by, its contributions, the house cards it paid), and for a line's permalink page
    (contributions > 0) the public records of up to that many of its contributions."""
    from app.contributions.models import Contribution, ContributionStatus

    ids = [r.id for r in rows]
    if not ids:
        return []
    postings: dict[int, list[tuple[int | None, str, str, int]]] = defaultdict(list)
    for p in session.execute(
        select(
            P_.transaction_id, LedgerAccount.unit_id, LedgerAccount.kind, LedgerAccount.purpose, P_.amount_vnd
        )
        .join(LedgerAccount, LedgerAccount.id == P_.account_id)
        .where(P_.transaction_id.in_(ids))
        .order_by(P_.id)
    ):
        postings[p.transaction_id].append(
            (p.unit_id, _kind_value(p.kind), _kind_value(p.purpose), p.amount_vnd)
        )
    reversed_by = dict(
        session.execute(
            select(LedgerTransaction.reverses_id, LedgerTransaction.id).where(
                LedgerTransaction.reverses_id.in_(ids)
            )
        ).all()
    )
    share_reversals: dict[int, list[int]] = defaultdict(list)
    for src, tid in session.execute(
        select(LedgerTransaction.source_id, LedgerTransaction.id).where(
            LedgerTransaction.source_type == SHARE_REVERSAL,
            LedgerTransaction.source_id.in_([str(i) for i in ids]),
        )
    ):
        share_reversals[int(src)].append(tid)
    counts = dict(
        session.execute(
            select(Contribution.ledger_transaction_id, func.count())
            .where(Contribution.ledger_transaction_id.in_(ids))
            .group_by(Contribution.ledger_transaction_id)
        ).all()
    )
    single = dict(
        session.execute(
            select(Contribution.ledger_transaction_id, func.min(Contribution.id))
            .where(Contribution.ledger_transaction_id.in_(ids))
            .group_by(Contribution.ledger_transaction_id)
        ).all()
    )
    reversed_contributions: dict[int, list[int]] = defaultdict(list)
    for reversal_id, cid in session.execute(
        select(Contribution.reversal_transaction_id, Contribution.id).where(
            Contribution.reversal_transaction_id.in_(ids), Contribution.status == ContributionStatus.REVERSED
        )
    ):
        if reversal_id is not None:
            reversed_contributions[reversal_id].append(cid)
    houses = _houses(session, ids)
    goods = _goods(session, ids)
    unit_ids = {u for ps in postings.values() for u, *_ in ps if u}
    units = unit_map(session, unit_ids)
    in_scope = None if scope.unit_ids is None else set(scope.unit_ids)
    out = []
    for r in rows:
        kind_value = _kind_value(r.kind)
        kind = KIND_OF.get(kind_value, "khac")
        amount = max(int(r.debit or 0), int(r.credit or 0))
        legs = postings.get(r.id, [])
        areas: list[str] = []
        for u, *_ in legs:
            name = _unit_name(units, u)
            if name not in areas:
                areas.append(name)
        reverses = r.reverses_id
        if reverses is None and r.source_type == SHARE_REVERSAL and str(r.source_id).isdecimal():
            reverses = int(r.source_id)
        line = {
            "id": r.id,
            "ngay": r.occurred_on.isoformat(),
            "occurred_on": r.occurred_on,
            "loai": kind,
            "loai_ten": KIND_LABELS[kind],
            "so_tien_vnd": amount,
            "dia_ban": ", ".join(areas),
            "but_toan": [
                {
                    "dia_ban": _unit_name(units, u),
                    "tai_khoan": ACCOUNT_LABELS.get(k, k),
                    "muc_dich": purpose,
                    "so_tien_vnd": amt,
                    "trong_pham_vi": in_scope is None or u in in_scope,
                }
                for u, k, purpose, amt in legs
            ],
            "dao_cho": reverses,
            "bi_dao_boi": reversed_by.get(r.id)
            or (share_reversals[r.id][0] if share_reversals.get(r.id) else None),
            "dao_mot_phan_boi": share_reversals.get(r.id, []),
            "so_khoan_dong_gop": int(counts.get(r.id, 0)),
            "khoan_dong_gop": single.get(r.id) if counts.get(r.id) == 1 else None,
            "khoan_bi_huy": reversed_contributions.get(r.id, []),
            "nha": houses.get(r.id, []) or goods_houses(goods.get(r.id)),
            "hang_hoa": goods.get(r.id),
        }
        line["mo_ta"] = _description(line)
        out.append(line)
    if contributions:
        _attach_contributions(session, out, contributions)
    return out


P_ = LedgerPosting


def _unit_name(units: dict[int, UnitInfo], unit_id: int | None) -> str:
    if unit_id is None:
        return "Trung ương"
    u = units.get(unit_id)
    return u.name if u else f"#{unit_id}"


def _houses(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The house cards a line paid or allocated to (app.needs' public card: initials, commune, stage), for the
    houses whose card is public; the others are counted, never named."""
    from app.needs.funding import PUBLIC_STATUSES
    from app.needs.models import NEED_STATUS_LABELS, HouseholdNeed, NeedDisbursement, NeedFunding

    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    pairs: list[tuple[int, int, str]] = [
        (tid, need_id, _kind_value(tranche))
        for tid, need_id, tranche in session.execute(
            select(
                NeedDisbursement.ledger_transaction_id, NeedDisbursement.need_id, NeedDisbursement.tranche
            ).where(NeedDisbursement.ledger_transaction_id.in_(ids))
        )
    ]
    pairs += [
        (tid, need_id, "")
        for tid, need_id in session.execute(
            select(NeedFunding.ledger_transaction_id, NeedFunding.need_id).where(
                NeedFunding.ledger_transaction_id.in_(ids)
            )
        )
        if tid is not None
    ]
    if not pairs:
        return found
    needs = {
        n.id: n
        for n in session.execute(
            select(
                HouseholdNeed.id, HouseholdNeed.head_initials, HouseholdNeed.status, HouseholdNeed.commune_id
            ).where(HouseholdNeed.id.in_({p[1] for p in pairs}))
        )
    }
    units = unit_map(session, {n.commune_id for n in needs.values() if n.commune_id})
    for tid, need_id, tranche in pairs:
        n = needs.get(need_id)
        if n is None:
            continue
        public = _kind_value(n.status) in {s.value for s in PUBLIC_STATUSES}
        if len(found[tid]) >= 20:
            continue
        found[tid].append(
            {
                "nha": need_id if public else None,
                "ho": n.head_initials if public else "",
                "xa": _unit_name(units, n.commune_id),
                "giai_doan": NEED_STATUS_LABELS.get(n.status, "") if public else "",  # the stage
                "dot": tranche,
            }
        )
    return found


def _goods(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Goods handed out by a line (app.goods): items with quantity and value, the communes, the households counted
    (their public house cards linked when public, never named) or the project's public name."""
    from app.goods.models import GoodsHandout
    from app.goods.services import describe_handout
    from app.needs.funding import PUBLIC_STATUSES

    found: dict[int, dict[str, Any]] = {}
    for h in session.execute(
        select(GoodsHandout).where(GoodsHandout.ledger_transaction_id.in_(ids))
    ).scalars():
        d = describe_handout(session, h, PUBLIC_STATUSES)
        found[h.ledger_transaction_id or 0] = {
            "phieu": d["reference"],
            "mat_hang": [
                {
                    "ten": it["item"],
                    "don_vi": it["measure"],
                    "so_luong": it["quantity"],
                    "gia_tri_vnd": it["value_vnd"],
                }
                for it in d["items"]
            ],
            "so_ho": d["households"],
            "cong_trinh": d["project"],
            "xa": d["communes"],
            "nha": [{"nha": h_["need_id"], "ho": h_["initials"]} for h_ in d["houses"]],
        }
    return found


def goods_houses(goods: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A goods line's public house cards, in the shape of the houses a payout line links to."""
    if not goods:
        return []
    xa = ", ".join(goods["xa"])
    return [{"nha": h["nha"], "ho": h["ho"], "xa": xa, "giai_doan": "", "dot": ""} for h in goods["nha"]]


def _description(line: dict[str, Any]) -> str:
    """A sentence about the line, made from its facts (never the staff memo)."""
    kind = line["loai"]
    if kind == "tien_vao":
        n = line["so_khoan_dong_gop"]
        return N_("Tiếp nhận %(n)s khoản đóng góp", n=n)
    if kind == "hien_vat_nhan":
        return N_("Tiếp nhận hiện vật (giá trị ước tính)")
    if kind == "phan_bo":
        houses = line["nha"]
        return N_("Phân bổ cho %(n)s hộ", n=len(houses)) if houses else N_("Phân bổ kinh phí cho địa bàn")
    if kind == "giai_ngan":
        houses = [h for h in line["nha"] if h["ho"]]
        if houses:
            return N_(
                "Giải ngân cho hộ %(household)s (%(commune)s)",
                household=houses[0]["ho"],
                commune=houses[0]["xa"],
            )
        return N_("Giải ngân (chi trả)")
    if kind == "trao_hien_vat" and line.get("hang_hoa"):
        g = line["hang_hoa"]
        items = ", ".join(
            f"{m['so_luong']:,} {m['don_vi']} {m['ten']}".replace(",", ".") for m in g["mat_hang"]
        )  # data: quantities, units and item names as recorded
        if g["cong_trinh"]:
            who = N_("công trình “%(name)s”", name=g["cong_trinh"])
        else:
            who = N_("%(n)s hộ", n=g["so_ho"])
        if g["xa"]:
            return N_(
                "Cấp phát %(items)s cho %(who)s (%(where)s)", items=items, who=who, where=", ".join(g["xa"])
            )
        return N_("Cấp phát %(items)s cho %(who)s", items=items, who=who)
    if kind == "dieu_chuyen":
        return N_("Điều chuyển quỹ chưa phân bổ giữa các cấp")
    if kind == "dao":
        return N_("Đảo bút toán #%(id)s", id=line["dao_cho"]) if line["dao_cho"] else N_("Bút toán đảo")
    return KIND_LABELS[kind]


def _attach_contributions(session: Session, lines: list[dict[str, Any]], limit: int) -> None:
    from app.contributions.models import Contribution
    from app.transparency.statement import PUBLIC_COLUMNS, add_arrival_details, public_record

    for line in lines:
        ids = line["khoan_bi_huy"]
        clause = Contribution.ledger_transaction_id == line["id"]
        if ids:
            clause = or_(clause, Contribution.id.in_(ids))
        rows = session.execute(
            select(*PUBLIC_COLUMNS).where(clause).order_by(Contribution.id).limit(limit)
        ).all()
        units = unit_map(session, {u for r in rows for u in (r.earmark_unit_id, r.pool_unit_id) if u})
        line["dong_gop"] = add_arrival_details(session, [public_record(r, units) for r in rows])


# ------------------------------------------------------------------------------------------------------ totals
def _posting_sums(session: Session, where: list[Any], unit_ids: list[int | None] | None) -> list[Any]:
    """(unit, account kind, sum) of the listed lines' postings: the one sum behind the page's totals and the
    verifier's per-unit figures."""
    T, P = LedgerTransaction, LedgerPosting
    stmt = (
        select(LedgerAccount.unit_id, LedgerAccount.kind, func.sum(P.amount_vnd))
        .join(LedgerAccount, LedgerAccount.id == P.account_id)
        .join(T, T.id == P.transaction_id)
        .where(*where)
        .group_by(LedgerAccount.unit_id, LedgerAccount.kind)
    )
    if (unit := _unit_clause(unit_ids)) is not None:
        stmt = stmt.where(unit)
    return list(session.execute(stmt).all())


def page_totals(session: Session, q: LedgerQuery) -> Totals:
    """The figures above the lines: the sum of the filtered lines' postings in the area, by account kind, in the
    shape of the overview's figures (received, in kind, unallocated, allocated incl. disbursed, disbursed).
    Without kind or date filters these are the area's ledger balances (the amount filter narrows the lines only)."""
    scope = resolve_scope(session, q)
    if not (q.kind or q.date_from or q.date_to):
        # Unfiltered, the lines add up to the area's balances: read those (kept by the posting service) instead of
        # summing every posting of the area on each page view; `flask ledger verify` (public_ledger) checks that
        # the lines' sums and the balances agree, unit by unit.
        t = ledger_totals(session, scope.fund_id, scope.unit_ids)
        return Totals(**{k: int(v or 0) for k, v in vars(t).items()})
    sums: dict[str, int] = defaultdict(int)
    for _unit, kind, total in _posting_sums(session, _transaction_filters(q, scope), scope.unit_ids):
        sums[_kind_value(kind)] += int(total or 0)
    return _as_totals(sums)


def _as_totals(sums: Mapping[str, int]) -> Totals:
    t = Totals(
        received_vnd=-sums.get(AccountKind.DONATIONS.value, 0),
        in_kind_vnd=sums.get(AccountKind.IN_KIND.value, 0)
        + sums.get(AccountKind.IN_KIND_OUT.value, 0),  # received
        in_kind_out_vnd=sums.get(AccountKind.IN_KIND_OUT.value, 0),
        unallocated_vnd=sums.get(AccountKind.UNALLOCATED.value, 0),
        disbursed_vnd=sums.get(AccountKind.DISBURSED.value, 0),
    )
    t.allocated_vnd = sums.get(AccountKind.ALLOCATED.value, 0) + t.disbursed_vnd
    return t


def totals_by_unit(session: Session, fund_id: int) -> dict[int | None, Totals]:
    """What the public ledger's lines add up to for each unit's own books (national: None), as page_totals sums
    them — the figures `flask ledger verify` compares with the ledger's balances."""
    scope = Scope(fund_id, None)
    sums: dict[int | None, dict[str, int]] = defaultdict(dict)
    for unit_id, kind, total in _posting_sums(session, _transaction_filters(LedgerQuery(), scope), None):
        sums[unit_id][_kind_value(kind)] = int(total or 0)
    return {u: _as_totals(s) for u, s in sums.items()}


# ------------------------------------------------------------------------------------------------------ export
EXPORT_COLUMNS = [
    "ma_but_toan",
    "ngay",
    "loai",
    "loai_ten",
    "so_tien_vnd",
    "dia_ban",
    "mo_ta",
    "dao_cho",
    "bi_dao_boi",
    "so_khoan_dong_gop",
    "nha",
    "url",
]


def iter_export_lines(
    session: Session, q: LedgerQuery, url_for_line: Any, chunk: int = 2000
) -> Iterator[dict]:
    """Every filtered line, newest first, in keyset chunks (flat memory, no OFFSET), as CSV rows."""
    from dataclasses import replace

    scope = resolve_scope(session, q)
    cursor: tuple[date, int] | None = None
    while True:
        page_q = replace(q, after=cursor, before=None, limit=chunk)
        rows = _page_rows(session, page_q, scope, chunk)
        if not rows:
            return
        for line in describe(session, rows, scope):
            yield {
                "ma_but_toan": line["id"],
                "ngay": line["ngay"],
                "loai": line["loai"],
                "loai_ten": line["loai_ten"],
                "so_tien_vnd": line["so_tien_vnd"],
                "dia_ban": line["dia_ban"],
                "mo_ta": line["mo_ta"],
                "dao_cho": line["dao_cho"] or "",
                "bi_dao_boi": line["bi_dao_boi"] or "",
                "so_khoan_dong_gop": line["so_khoan_dong_gop"],
                "nha": " ".join(str(h["nha"]) for h in line["nha"] if h["nha"]),
                "url": url_for_line(line["id"]),
            }
        if len(rows) < chunk:
            return
        cursor = (rows[-1].occurred_on, rows[-1].id)


def api_line(line: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "ngay",
        "loai",
        "loai_ten",
        "so_tien_vnd",
        "dia_ban",
        "mo_ta",
        "but_toan",
        "dao_cho",
        "bi_dao_boi",
        "dao_mot_phan_boi",
        "so_khoan_dong_gop",
        "khoan_dong_gop",
        "khoan_bi_huy",
        "nha",
        "hang_hoa",
    )
    return {k: line[k] for k in keep}
