"""The review queue at scale (issue 17.6): filters (amount, date, account, text, proposals only), the lines
matching them as a query (a page of them, or all of them for a bulk action), and the sender's name as a bank memo
gives it, for receipts "named from the memo"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from app.core.i18n import VN_TZ
from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.text import fold, sql_fold
from app.payments.models import LineStatus, StatementLine

PAGE_SIZES = (50, 200, 1000)
MAX_BULK = 20_000  # lines one bulk action over "all matching" handles (a whole day's unmatched lines)


@dataclass
class QueueFilter:
    text: str = ""
    amount_min: int | None = None
    amount_max: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    account_id: int | None = None
    proposals_only: bool = False
    problems: tuple[str, ...] = ()

    def args(self) -> dict[str, str]:
        """The filters as the query string that gives them back (links, the pager, the bulk form)."""
        out: dict[str, str] = {}
        if self.text:
            out["q"] = self.text
        if self.amount_min is not None:
            out["tu-so-tien"] = str(self.amount_min)
        if self.amount_max is not None:
            out["den-so-tien"] = str(self.amount_max)
        if self.date_from:
            out["tu-ngay"] = self.date_from.strftime("%d/%m/%Y")
        if self.date_to:
            out["den-ngay"] = self.date_to.strftime("%d/%m/%Y")
        if self.account_id:
            out["tai-khoan"] = str(self.account_id)
        if self.proposals_only:
            out["loc"] = "de-xuat"
        return out


def _date(raw: str) -> date | None:
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw.strip())
    if not m:
        try:
            return date.fromisoformat(raw.strip())  # <input type=date>
        except ValueError:
            return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def parse_filter(args: dict[str, str], account_ids: set[int]) -> QueueFilter:
    """Filters from the query string; a value that does not read is left out and named in `problems`."""
    f = QueueFilter(text=(args.get("q") or "").strip()[:100], proposals_only=args.get("loc") == "de-xuat")
    problems: list[str] = []
    for key, attr, label in (
        ("tu-so-tien", "amount_min", N_("Số tiền từ")),
        ("den-so-tien", "amount_max", N_("Số tiền đến")),
    ):
        raw = (args.get(key) or "").strip()
        if raw:
            try:
                setattr(f, attr, parse_vnd(raw, field=label))
            except AmountError as exc:
                problems.append(exc.args[0] if len(exc.args) == 1 else str(exc))  # an N_ message
    for key, attr, label in (
        ("tu-ngay", "date_from", N_("Từ ngày")),
        ("den-ngay", "date_to", N_("Đến ngày")),
    ):
        raw = (args.get(key) or "").strip()
        if raw:
            value = _date(raw)
            if value is None:
                problems.append(
                    N_("%(field)s: “%(value)s” không đúng dạng dd/mm/yyyy.", field=label, value=raw)
                )
            setattr(f, attr, value)
    acc = (args.get("tai-khoan") or "").strip()
    if acc.isdecimal() and int(acc) in account_ids:
        f.account_id = int(acc)
    f.problems = tuple(problems)
    return f


def queue_query(f: QueueFilter, account_ids: set[int]) -> Select[StatementLine]:
    """The open credit lines of the staff's accounts that match the filters (no order, no limit)."""
    q = select(StatementLine).where(
        StatementLine.bank_account_id.in_([f.account_id] if f.account_id else (account_ids or {-1})),
        StatementLine.status == LineStatus.UNMATCHED,
    )
    if f.proposals_only:
        q = q.where(StatementLine.proposed_pledge_id.is_not(None))
    if f.amount_min is not None:
        q = q.where(StatementLine.amount_vnd >= f.amount_min)
    if f.amount_max is not None:
        q = q.where(StatementLine.amount_vnd <= f.amount_max)
    if f.date_from is not None:
        q = q.where(StatementLine.txn_at >= datetime.combine(f.date_from, time(0), tzinfo=VN_TZ))
    if f.date_to is not None:
        q = q.where(
            StatementLine.txn_at < datetime.combine(f.date_to + timedelta(days=1), time(0), tzinfo=VN_TZ)
        )
    if f.text:
        # Diacritics and case ignored on both sides (app.core.text.sql_fold): "nguyen van an" finds the memo
        # "Nguyễn Văn Ân ủng hộ" and "Nguyễn" finds "NGUYEN VAN AN".
        needle = fold(f.text).replace("%", "").replace("_", "")
        like = f"%{needle}%"
        conds = [sql_fold(StatementLine.memo).like(like), sql_fold(StatementLine.counterparty).like(like)]
        if f.text.replace(".", "").replace(" ", "").isdecimal():
            conds.append(StatementLine.reference.ilike(f"%{f.text}%"))
        q = q.where(or_(*conds))
    return q


def count_and_sum(session, q: Select) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    sub = q.subquery()
    n, total = session.execute(select(func.count(), func.coalesce(func.sum(sub.c.amount_vnd), 0))).one()
    return int(n), int(total)


# ------------------------------------------------------------------------------------------------ sender's name
# Words of a bank memo that are not a name: channel prefixes, transfer verbs, the campaign's words.
_NOT_NAME = set(
    """
    mbvcb ibft rem tfr ac ct den tu nhan chuyen tien khoan ck ung ho nguoi ngheo mttq quy vi
    giup do dong bao lu lut mien trung bao yagi nop gui cho the qr napas vcb bidv vtb agribank acb tcb
    mb mbbank vpb vpbank tpb stb shb hdb ocb msb vib eib scb seab abb lpb bab kienlongbank
    tai khoan tk so stk fund unit noi dung chi tiet giao dich gd ft trace ref ma don vi
    uy ban cua va la de phi dich vu ngay thang
    """.split()
)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def sender_name(memo: str, counterparty: str = "") -> str | None:
    """The sender's name as the bank's memo or counterparty column gives it ("MBVCB.123.NGUYEN VAN AN chuyen
    tien" → "Nguyen Van An"), or None. A run of 2 to 5 words that are not channel or campaign words; the
    counterparty column is read first."""
    for text in (counterparty, memo):
        if not text:
            continue
        run: list[str] = []
        best: list[str] = []
        for token in re.split(r"[\s.,:;/\\|()\[\]\-_+*#]+", text):
            word = token.strip()
            if word and _TOKEN.fullmatch(word) and fold(word) not in _NOT_NAME and len(word) <= 12:
                run.append(word)
                continue
            if 2 <= len(run) <= 5 and not best:
                best = run
            run = []
        if not best and 2 <= len(run) <= 5:
            best = run
        if best:
            return " ".join(w[:1].upper() + w[1:].lower() for w in best)
    return None
