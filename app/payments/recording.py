"""Money of statement lines recorded, and the review queue (confirm a proposal, type a reference, receipt, ignore).

Money is recorded only through app.contributions.receive.receive (one MoneyIn per line, received by the unit that
owns the account the line arrived in)."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.banking.services import account_owner
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import MoneyIn, mask_account, receive
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import nfc
from app.payments.errors import PaymentError
from app.payments.models import BankStatement, LineStatus, StatementLine
from app.payments.transfers import active_campaign_for
from app.pledges.models import Pledge
from app.pledges.references import normalize
from app.pledges.services import outstanding


def _masked(counterparty: str) -> str | None:
    m = re.search(r"\d{6,}", counterparty or "")
    return mask_account(m.group(0)) if m else None


def _line_money(line, owner_unit_id: int | None, key: str, pledge_id: int | None = None) -> MoneyIn:  # type: ignore[no-untyped-def]
    """A statement line as money received: by the unit that owns the account it arrived in."""
    return MoneyIn(
        amount_vnd=line.amount_vnd,
        channel=Channel.BANK_TRANSFER,
        received_at=line.txn_at,
        receiving_unit_id=owner_unit_id,
        bank_account_id=line.bank_account_id,
        pledge_id=pledge_id,
        bank_txn_ref=line.reference or None,
        masked_account=_masked(line.counterparty),
        source=f"statement:{line.statement_id}:{line.id}",
        idempotency_key=key,
    )


def record_matched_lines(session: Session, actor: Actor, stmt: BankStatement) -> int:
    """Record the money of the statement's lines matched by reference, all at once, through receive(): each
    line pays its pledge (in line order, so several lines for one pledge fill it up in turn; any excess an
    unrestricted gift), received by the account's owner, one ledger transaction per campaign. Returns the number
    of lines recorded."""
    lines = session.execute(
        select(
            StatementLine.id,
            StatementLine.statement_id,
            StatementLine.bank_account_id,
            StatementLine.pledge_id,
            StatementLine.amount_vnd,
            StatementLine.txn_at,
            StatementLine.reference,
            StatementLine.counterparty,
        )
        .where(
            StatementLine.statement_id == stmt.id,
            StatementLine.status == LineStatus.MATCHED,
            StatementLine.contribution_id.is_(None),
        )
        .order_by(StatementLine.id)
    ).all()
    if not lines:
        return 0
    owner = account_owner(session, stmt.bank_account_id)
    made = receive(
        session,
        actor,
        [_line_money(line, owner, f"bankline:{line.id}", line.pledge_id) for line in lines],
        batch_source=f"statement:{stmt.id}",
    )
    contribution_of: dict[int, int] = {}
    for r in made:
        contribution_of.setdefault(lines[r.index].id, r.id)
    now = utcnow()
    table = StatementLine.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id == bindparam("line_id"))
        .values(contribution_id=bindparam("cid"), handled_by_id=actor.user_id, handled_at=now),
        [{"line_id": line.id, "cid": contribution_of.get(line.id)} for line in lines],
    )
    session.flush()
    return len(lines)


def _line_key(session: Session, line_id: int) -> str:
    """The idempotency key that records a line's money: bankline:<id>; once that recording was reversed (the
    line is open again, see reverse_line) bankline:<id>:2, :3 … so a new recording is not taken for the
    reversed one. A key whose receipt is still recorded is returned as is (the recording stays idempotent)."""
    base = f"bankline:{line_id}"
    n = 1
    while True:
        key = base if n == 1 else f"{base}:{n}"
        statuses = (
            session.execute(
                select(Contribution.status).where(Contribution.idempotency_key.in_([key, f"{key}:excess"]))
            )
            .scalars()
            .all()
        )
        if not statuses or ContributionStatus.RECORDED in statuses:
            return key
        n += 1


def _line_keys(session: Session, line_ids: list[int]) -> dict[int, str]:
    """_line_key for many lines: one query per chunk for the lines never recorded before (nearly all of a bulk
    action); a line whose earlier recording was reversed gets its next key from _line_key."""
    out: dict[int, str] = {}
    for i in range(0, len(line_ids), 1000):
        chunk = line_ids[i : i + 1000]
        wanted = [f"bankline:{x}" for x in chunk] + [f"bankline:{x}:excess" for x in chunk]
        used = {
            key.removesuffix(":excess")
            for key, status in session.execute(
                select(Contribution.idempotency_key, Contribution.status).where(
                    Contribution.idempotency_key.in_(wanted)
                )
            ).all()
            if key and status != ContributionStatus.RECORDED
        }
        for line_id in chunk:
            base = f"bankline:{line_id}"
            out[line_id] = _line_key(session, line_id) if base in used else base
    return out


def _record_lines_for_pledges(
    session: Session, actor: Actor, pairs: list[tuple[StatementLine, Pledge]]
) -> None:
    """Lines of the review queue paid to a pledge (a confirmed proposal, a reference typed by staff)."""
    items = [
        _line_money(
            line,
            account_owner(session, line.bank_account_id),
            _line_key(session, line.id),
            pledge.id,
        )
        for line, pledge in pairs
    ]
    made = receive(session, actor, items)
    first: dict[int, int] = {}
    for r in made:
        first.setdefault(r.index, r.id)
    now = utcnow()
    for idx, (line, pledge) in enumerate(pairs):
        line.status = LineStatus.MATCHED
        line.pledge_id = pledge.id
        line.contribution_id = first.get(idx)
        line.handled_by_id = actor.user_id
        line.handled_at = now


# ------------------------------------------------------------------------------------------------ review queue
def _open_lines(session: Session, line_ids: list[int], account_ids: set[int]) -> list[StatementLine]:
    lines = list(
        session.execute(
            select(StatementLine).where(StatementLine.id.in_(line_ids or [-1])).order_by(StatementLine.id)
        ).scalars()
    )
    if any(line.bank_account_id not in account_ids for line in lines) or len(lines) != len(set(line_ids)):
        raise PaymentError(N_("Có dòng sao kê không tồn tại hoặc không thuộc địa bàn của bạn."))
    done = [line for line in lines if line.status != LineStatus.UNMATCHED]
    if done:
        raise PaymentError(
            N_("%(n)s dòng đã được xử lý trước đó (hoặc là dòng ghi nợ); hãy tải lại trang.", n=len(done))
        )
    return lines


def confirm_proposals(session: Session, actor: Actor, line_ids: list[int], account_ids: set[int]) -> int:
    lines = _open_lines(session, line_ids, account_ids)
    missing = [line.file_row for line in lines if line.proposed_pledge_id is None]
    if missing:
        raise PaymentError(
            N_("Dòng %(rows)s chưa có đề xuất để xác nhận.", rows=", ".join(map(str, missing)))
        )
    pairs = [(line, session.get_one(Pledge, line.proposed_pledge_id)) for line in lines]
    # A proposal is a guess (an amount, a name): never an "overpayment" published under the donor's name. A line
    # larger than what the pledge still has due (counting the lines confirmed with it) is refused; the line stays
    # in the queue, to be receipted as the sender's own gift or matched by a reference.
    due: dict[int, int] = {}
    for line, pledge in pairs:
        left = due.get(pledge.id)
        if left is None:
            left = outstanding(session, pledge)
        if line.amount_vnd > left:
            raise PaymentError(
                N_(
                    "Dòng %(row)s: số tiền %(amount)s lớn hơn số còn phải nộp của đăng ký %(ref)s (%(left)s). "
                    "Đề xuất chỉ dựa trên số tiền hoặc tên, nên không ghi phần thừa dưới tên người ủng hộ: hãy ghép "
                    "theo mã đăng ký nếu chắc chắn, hoặc ghi biên nhận riêng cho dòng này.",
                    row=line.file_row,
                    amount=format_vnd(line.amount_vnd),
                    ref=pledge.reference,
                    left=format_vnd(left),
                )
            )
        due[pledge.id] = left - line.amount_vnd
    _record_lines_for_pledges(session, actor, pairs)
    session.flush()
    return len(lines)


def match_to_references(
    session: Session, actor: Actor, refs_by_line: dict[int, str], account_ids: set[int]
) -> int:
    """Staff typed a pledge reference (or pledge number) next to each line."""
    lines = _open_lines(session, list(refs_by_line), account_ids)
    found = {}
    for line in lines:
        ref = normalize(refs_by_line[line.id])
        pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one_or_none()
        if pledge is None:
            raise PaymentError(
                N_(
                    "Dòng %(row)s: không có đăng ký ủng hộ mã “%(ref)s”.",
                    row=line.file_row,
                    ref=refs_by_line[line.id],
                )
            )
        found[line.id] = pledge
    _record_lines_for_pledges(session, actor, [(line, found[line.id]) for line in lines])
    session.flush()
    return len(lines)


def receipt_lines(
    session: Session, actor: Actor, names_by_line: dict[int, str | None], account_ids: set[int]
) -> int:
    """Turn lines without a pledge into receipts: named (the name staff typed) or "Nhà hảo tâm"."""
    lines = _open_lines(session, list(names_by_line), account_ids)
    items: list[MoneyIn] = []
    keys = _line_keys(session, [line.id for line in lines])
    campaigns: dict[int, int | None] = {}
    owners: dict[int, int | None] = {}
    for line in lines:
        campaign_id = campaigns.get(line.statement_id)
        if line.statement_id not in campaigns:
            stmt = session.get_one(BankStatement, line.statement_id)
            campaign_id = campaigns[line.statement_id] = stmt.campaign_id or (
                c.id if (c := active_campaign_for(session, stmt.unit_id)) else None
            )
        if campaign_id is None:
            raise PaymentError(
                N_("Chưa có cuộc vận động đang diễn ra cho địa bàn này; không ghi biên nhận được.")
            )
        if line.bank_account_id not in owners:
            owners[line.bank_account_id] = account_owner(session, line.bank_account_id)
        name = nfc(names_by_line[line.id] or "") or None
        item = _line_money(line, owners[line.bank_account_id], keys[line.id])
        item.display_name = name
        item.is_anonymous = name is None
        item.campaign_id = campaign_id
        items.append(item)
    made = receive(session, actor, items)
    now = utcnow()
    for r in made:
        line = lines[r.index]
        line.status = LineStatus.RECEIPTED
        line.contribution_id = r.id
        line.handled_by_id = actor.user_id
        line.handled_at = now
    session.flush()
    return len(lines)


def ignore_lines(
    session: Session, actor: Actor, line_ids: list[int], account_ids: set[int], reason: str
) -> int:
    lines = _open_lines(session, line_ids, account_ids)
    if not (reason or "").strip():
        raise PaymentError(N_("Lý do bỏ qua: cần ghi lý do (ví dụ: hoàn trả, chuyển nhầm)."))
    session.execute(
        update(StatementLine)
        .where(StatementLine.id.in_([x.id for x in lines]))
        .values(status=LineStatus.IGNORED, handled_by_id=actor.user_id, handled_at=utcnow())
    )
    for line in lines:
        unit_id = account_owner(session, line.bank_account_id)
        record(
            session,
            actor,
            "statement_line.ignore",
            "statement_line",
            line.id,
            new={"reason": nfc(reason), "amount_vnd": line.amount_vnd},
            unit_id=unit_id,
        )
    session.flush()
    return len(lines)
