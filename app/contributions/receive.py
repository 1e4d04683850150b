"""The one money-in service. Every channel — the public card form and the test gateway, a bank-statement line
(matched at import, confirmed from the review queue, typed by staff or turned into a receipt), a staff receipt
for cash, goods or a transfer, a household collection row or import batch — builds MoneyIn items and calls
receive(), for one item or a million (the single call is a list of one).

receive() records the contributions, their ledger postings, receipt numbers and audit entries; for items that
name a pledge it first splits the money into what the pledge still expects and the excess (an unrestricted gift
from the same donor), and afterwards moves the pledges' statuses through the pledge state machine
(app.pledges.services.refresh_status -> transition), so revival, grace periods and lapses are the same whatever
the channel. Bank money is received by the unit owning the account it arrived in (MoneyIn.bank_account_id):
another area's pledge paid there is booked there, with a note and an audited FundTransferProposal.
"""

from __future__ import annotations

import enum
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.audit.services import entry_values, record
from app.campaigns.models import Campaign
from app.contributions.models import (
    Channel,
    Contribution,
    ContributionStatus,
    FundTransferProposal,
    TransferStatus,
)
from app.core import outbox
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ, today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.sequences import next_numbers
from app.core.text import nfc, search_words
from app.core.transaction import DomainError
from app.donors.models import ANONYMOUS_NAME, Donor, DonorKind
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.units.models import AdminUnit

CHUNK = 5_000
# From this many rows in one call, contributions and their audit entries go to PostgreSQL with COPY (ids reserved
# from the sequence) instead of INSERT … RETURNING executemany. Measured on ct_money (PostgreSQL, psycopg 3, 2 busy
# shared cores, medians of 15 runs, contributions rows): 1 row 281 vs 363 rows/s, 5 rows 609 vs 580, 20 rows 1 953
# vs 3 826, 200 rows 1 599 vs 4 595, 2 000 rows 1 361 vs 8 982 (INSERT vs COPY): equal for a handful of rows,
# COPY ahead from about 20 on. Benchmark-driven (docs/CONVENTIONS.md, "Benchmark-driven machinery"): BENCHMARKS.md row
# collections_import_rows_per_s needs it (target 0.5 of a raw bulk insert; 0.68x nationally with COPY, while INSERT
# alone writes 2 000 rows at 1 361 rows/s, under 0.2 of that baseline). The INSERT path is what SQLite tests run.
COPY_MIN_ROWS = 20
EXCESS_NOTE = "Phần nộp vượt số đăng ký."


class ContributionError(DomainError):
    """A refused contribution; the message is Vietnamese."""


@dataclass
class MoneyIn:
    """What a channel knows about money (or goods) received. Amounts are whole đồng.

    pledge_id: the money pays that pledge (receive() splits off any excess and updates the pledge). campaign_id:
    the campaign it counts for (default: the pledge's, else receive()'s campaign argument). bank_account_id: the
    official account the money arrived in; receiving_unit_id must then be that account's owner."""

    amount_vnd: int
    channel: Channel
    received_at: datetime | None = None
    donor: Donor | None = None
    donor_kind: DonorKind | None = None
    display_name: str | None = None  # the name to publish when there is no donor record (household lists)
    is_anonymous: bool = False
    receiving_unit_id: int | None = None
    earmark_unit_id: int | None = None
    purpose: Purpose = Purpose.UNRESTRICTED
    pledge_id: int | None = None
    pledge_reference: str | None = None
    bank_txn_ref: str | None = None
    masked_account: str | None = None
    in_kind_description: str | None = None
    hamlet_id: int | None = None
    collector_name: str | None = None
    import_batch_id: int | None = None
    source: str = ""
    idempotency_key: str | None = None
    note: str = ""
    campaign_id: int | None = None
    bank_account_id: int | None = None
    agency_line_id: int | None = None  # set by receive() itself when it splits an agency's transfer


NewContribution = MoneyIn  # the earlier name, kept for the many callers that build items


@dataclass(slots=True)
class Received:
    """One contribution recorded (or found already recorded) for input item `index`. A pledge payment larger
    than what the pledge still expected yields two: the pledge's part, then the excess (excess=True)."""

    index: int
    id: int
    receipt_no: str
    amount_vnd: int
    pledge_id: int | None
    excess: bool = False
    earlier: bool = False  # recorded before under the same idempotency key: nothing new was written


def mask_account(number: str | None) -> str | None:
    """Keep only the last 4 digits of a bank account: "0011001932418" -> "*********2418"."""
    if not number:
        return None
    digits = "".join(ch for ch in number if ch.isalnum())
    return "*" * max(0, len(digits) - 4) + digits[-4:] if len(digits) > 4 else "****"


def unit_key(unit_id: int | None) -> str:
    return str(unit_id) if unit_id else "national"


def pool_unit_for(receiving_unit_id: int | None, earmark_unit_id: int | None) -> int | None:
    """Earmarked money waits in the earmarked unit's pool; the rest in the pool of the unit that received it."""
    return earmark_unit_id if earmark_unit_id is not None else receiving_unit_id


LONG_NUMBER = re.compile(r"\d[\d .-]{7,}\d")


def mask_long_numbers(text_value: str) -> str:
    """A published name never carries a phone or account number (a sender name a bank feed or a memo gives may):
    runs of 9 or more digits (spaces, dots and dashes inside allowed) are masked but for their last 3."""
    return LONG_NUMBER.sub(lambda m: "*" * (len(m.group(0)) - 3) + m.group(0)[-3:], text_value)


def _public_name(item: MoneyIn) -> tuple[str, bool]:
    anonymous = item.is_anonymous or (item.donor is not None and item.donor.public_name == ANONYMOUS_NAME)
    if anonymous:
        return ANONYMOUS_NAME, True
    name = nfc(item.display_name) or (item.donor.name if item.donor else None)
    return (mask_long_numbers(name) if name else ANONYMOUS_NAME), not name


def _validate_fields(item: MoneyIn) -> None:
    if not isinstance(item.amount_vnd, int) or isinstance(item.amount_vnd, bool) or item.amount_vnd <= 0:
        raise ContributionError(N_("Số tiền phải là số nguyên đồng lớn hơn 0."))
    if item.channel == Channel.IN_KIND and not (item.in_kind_description or "").strip():
        raise ContributionError(N_("Hiện vật: cần mô tả hiện vật."))


def queue_acknowledgements(session: Session, contribution_ids: list[int]) -> None:
    """Thank-you letters (app.certificates.tasks.acknowledge; the campaign decides whether per payment or once the
    pledge is fulfilled): outbox rows committed with the money, published after the commit, never lost."""
    if (
        contribution_ids
        and has_app_context()
        and current_app.config.get("CERTIFICATES_AUTO_ACKNOWLEDGE", True)
    ):
        outbox.enqueue_many(
            session,
            "certificates.acknowledge",
            [((), {"contribution_id": cid}, None) for cid in contribution_ids],
        )


def _cell(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of a table with an integer `id` and return their ids in order, inside the session's
    transaction: INSERT … RETURNING executemany, or on PostgreSQL (psycopg 3) from COPY_MIN_ROWS rows on, ids
    reserved from the table's sequence and the rows sent with COPY."""
    if not rows:
        return []
    conn = session.connection()
    if len(rows) < COPY_MIN_ROWS or conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return list(
            session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()
        )
    ids = list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)},
        ).scalars()
    )
    columns = ["id", *rows[0].keys()]
    # A checked-out connection always has its driver's connection (None only once it is closed).
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row_id, row in zip(ids, rows, strict=True):
            copy.write_row([row_id, *(_cell(row[c]) for c in columns[1:])])
    return ids


# --------------------------------------------------------------------------------------------- the pledge side
@dataclass
class _Part:
    """One contribution to write: the input item's index, what to record, whether it is a pledge's excess and,
    for another area's pledge paid into this unit's account, the unit the money should be passed on to."""

    index: int
    item: MoneyIn
    excess: bool = False
    transfer_to: tuple[int | None, str] | None = None  # (unit id, unit name)


def _chunks[T](values: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Units:
    """Unit names and parent chains, each unit read once per call."""

    def __init__(self, session: Session):
        self.session = session
        self.rows: dict[int, tuple[int | None, str]] = {}
        self.codes: dict[int, str] = {}

    def _row(self, unit_id: int) -> tuple[int | None, str] | None:
        if unit_id not in self.rows:
            row = self.session.execute(
                select(AdminUnit.parent_id, AdminUnit.name, AdminUnit.code).where(AdminUnit.id == unit_id)
            ).first()
            if row is None:
                return None
            self.rows[unit_id] = (row.parent_id, row.name)
            self.codes[unit_id] = str(row.code)
        return self.rows[unit_id]

    def code(self, unit_id: int | None) -> str:
        """The unit's official code (the one in certificate serials), "TW" for the central level."""
        if unit_id is None or self._row(unit_id) is None:
            return "TW"
        return self.codes[unit_id]

    def exists(self, unit_id: int) -> bool:
        return self._row(unit_id) is not None

    def name(self, unit_id: int | None) -> str:
        row = self._row(unit_id) if unit_id is not None else None
        return row[1] if row else "Trung ương"

    def chain(self, unit_id: int) -> list[int]:
        out: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in out:
            out.append(current)
            row = self._row(current)
            current = row[0] if row else None
        return out


def _split_for_pledges(
    session: Session, parts: list[_Part], units: _Units
) -> tuple[dict[int, object], dict[int, int]]:
    """Replace each part that pays a pledge by what the pledge still expects (with its earmark and purpose) and
    the excess (unrestricted), in input order, so several payments of one pledge fill it up in turn. Returns
    the pledges ({id: Pledge}) and what each has received once these parts are recorded."""
    from app.pledges.models import Pledge

    pledge_ids = sorted({p.item.pledge_id for p in parts if p.item.pledge_id is not None})
    if not pledge_ids:
        return {}, {}
    pledges: dict[int, Pledge] = {}
    paid: dict[int, int] = defaultdict(int)
    for part_ids in _chunks(pledge_ids):
        pledges.update(
            (p.id, p) for p in session.execute(select(Pledge).where(Pledge.id.in_(part_ids))).scalars()
        )
        paid.update(
            (pid, int(total))
            for pid, total in session.execute(
                select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
                .where(
                    Contribution.pledge_id.in_(part_ids), Contribution.status == ContributionStatus.RECORDED
                )
                .group_by(Contribution.pledge_id)
            )
            if pid is not None  # never (pledge_id IN …): for the type checker
        )
    missing = [pid for pid in pledge_ids if pid not in pledges]
    if missing:
        raise ContributionError(N_("Không tìm thấy đăng ký ủng hộ được nộp tiền."))
    donor_ids = sorted({p.donor_id for p in pledges.values() if p.donor_id is not None})
    donors = {
        d.id: d
        for ids in _chunks(donor_ids)
        for d in session.execute(select(Donor).where(Donor.id.in_(ids))).scalars()
    }
    # An agency collection's pledge (app.agencies): its money is split into one contribution per staff line.
    from app.agencies.split import lines_due

    agency_lines = lines_due(session, [pid for pid in pledge_ids if pid in pledges])
    out: list[_Part] = []
    for part in parts:
        item = part.item
        if item.pledge_id is None:
            out.append(part)
            continue
        pledge = pledges[item.pledge_id]
        due = max(0, pledge.amount_vnd - paid[pledge.id])
        on_pledge = min(item.amount_vnd, due)
        excess = item.amount_vnd - on_pledge
        paid[pledge.id] += on_pledge
        common = dict(
            donor=item.donor or donors.get(pledge.donor_id),
            is_anonymous=item.is_anonymous or pledge.is_anonymous,
            pledge_reference=pledge.reference,
            campaign_id=item.campaign_id or pledge.campaign_id,
        )
        if on_pledge > 0:
            earmark, transfer_to, note = pledge.earmark_unit_id, None, item.note
            area = pledge.earmark_unit_id if pledge.earmark_unit_id is not None else pledge.receiving_unit_id
            owner = item.receiving_unit_id
            if (
                item.bank_account_id is not None
                and area is not None
                and owner is not None
                and owner not in units.chain(area)
            ):
                # Another area's pledge paid into this unit's account: booked here, passed on by a transfer.
                earmark, transfer_to = None, (area, units.name(area))
                note = " ".join(
                    filter(
                        None,
                        [
                            item.note,
                            f"Đăng ký {pledge.reference} của {units.name(area)}, tiền vào tài khoản của "
                            f"{units.name(owner)}: ghi sổ tại {units.name(owner)}, đã lập đề xuất chuyển "
                            f"{format_vnd(on_pledge)} cho {units.name(area)}.",
                        ],
                    )
                )
            on_part = replace(
                item,
                amount_vnd=on_pledge,
                earmark_unit_id=earmark,
                purpose=pledge.purpose,
                note=note,
                **common,  # type: ignore[arg-type]
            )
            if pledge.id in agency_lines:
                out.extend(
                    _Part(part.index, piece, transfer_to=transfer_to)
                    for piece in agency_lines[pledge.id].split(on_part)
                )
            else:
                out.append(_Part(part.index, on_part, transfer_to=transfer_to))
        if excess > 0:
            out.append(
                _Part(
                    part.index,
                    replace(
                        item,
                        amount_vnd=excess,
                        pledge_id=None,
                        earmark_unit_id=None,
                        purpose=Purpose.UNRESTRICTED,
                        idempotency_key=f"{item.idempotency_key}:excess" if item.idempotency_key else None,
                        note=f"{item.note} {EXCESS_NOTE}".strip(),
                        **common,  # type: ignore[arg-type]
                    ),
                    excess=True,
                )
            )
    parts[:] = out
    return pledges, paid  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------- receive
def receive(
    session: Session,
    actor: Actor,
    items: Sequence[MoneyIn],
    *,
    campaign: Campaign | None = None,
    batch_source: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> list[Received]:
    """Record money received; returns what was recorded for each item, in input order.

    An item whose idempotency key (or, for a pledge payment, its ":excess" twin) was recorded before returns the
    earlier contribution(s) unchanged, so a retried request, a re-sent offline row or a re-imported line is
    counted once. With batch_source (a statement, an import batch) the money of the call posts as one ledger
    transaction per campaign, reversible as a whole or receipt by receipt; otherwise each contribution has its
    own. Goods always have their own. The caller commits."""
    session.flush()
    results: list[Received] = []
    # Earlier recordings under the same keys.
    wanted_keys: list[str] = []
    for item in items:
        if item.idempotency_key:
            wanted_keys.append(item.idempotency_key)
            if item.pledge_id is not None:
                wanted_keys.append(f"{item.idempotency_key}:excess")
    earlier: dict[str, Received] = {}
    for keys in _chunks(wanted_keys):
        for prior in session.execute(
            select(
                Contribution.idempotency_key,
                Contribution.id,
                Contribution.receipt_no,
                Contribution.amount_vnd,
                Contribution.pledge_id,
            ).where(Contribution.idempotency_key.in_(keys))
        ):
            earlier[prior.idempotency_key] = Received(
                -1,
                prior.id,
                prior.receipt_no,
                prior.amount_vnd,
                prior.pledge_id,
                prior.idempotency_key.endswith(":excess"),
                True,
            )
    units = _Units(session)
    parts: list[_Part] = []
    for idx, item in enumerate(items):
        key = item.idempotency_key
        found = [earlier[k] for k in ((key, f"{key}:excess") if key else ()) if k in earlier]
        if found:
            results.extend(replace(r, index=idx) for r in found)
            continue
        _validate_fields(item)
        for uid, what in (
            (item.receiving_unit_id, "Đơn vị tiếp nhận"),
            (item.earmark_unit_id, "Địa bàn chỉ định"),
        ):
            if uid is not None and not units.exists(uid):
                raise ContributionError(N_("%(what)s: không tồn tại.", what=what))
        parts.append(_Part(idx, item))
    pledges, paid = _split_for_pledges(session, parts, units)

    campaign_ids = {p.item.campaign_id for p in parts if p.item.campaign_id is not None}
    if campaign is not None:
        campaign_ids.discard(campaign.id)
    campaigns = (
        {c.id: c for c in session.execute(select(Campaign).where(Campaign.id.in_(campaign_ids))).scalars()}
        if campaign_ids
        else {}
    )
    if campaign is not None:
        campaigns[campaign.id] = campaign

    def campaign_of(item: MoneyIn) -> Campaign:
        cid = item.campaign_id if item.campaign_id is not None else (campaign.id if campaign else None)
        if cid is None or cid not in campaigns:
            raise ContributionError(N_("Chưa có cuộc vận động để ghi nhận khoản này."))
        return campaigns[cid]

    now = utcnow()
    # Receipt numbers: per receiving unit and year, reserved in one block per unit.
    numbers: list[str] = [""] * len(parts)
    by_unit: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pos, part in enumerate(parts):
        received_at = part.item.received_at or now
        by_unit[(unit_key(part.item.receiving_unit_id), received_at.astimezone(VN_TZ).year)].append(pos)
    for (ukey, year), positions in by_unit.items():
        code = units.code(parts[positions[0]].item.receiving_unit_id)
        for pos, n in zip(
            positions, next_numbers(session, f"receipt:{ukey}:{year}", len(positions)), strict=True
        ):
            # The issuing unit's official code in the number (issue 19.3): numbers are unique across units,
            # so the public list never shows one number for two gifts ("56-2026-000006", "TW-2026-000001").
            numbers[pos] = f"{code}-{year}-{n:06d}"

    # One ledger transaction per campaign for a batch's money, posted first (rows then carry its id).
    batch_tx: dict[int, int] = {}
    if batch_source:
        money: dict[int, list[tuple[int | None, Purpose, int]]] = defaultdict(list)
        for part in parts:
            if part.item.channel != Channel.IN_KIND:
                c = campaign_of(part.item)
                money[c.id].append(
                    (
                        pool_unit_for(part.item.receiving_unit_id, part.item.earmark_unit_id),
                        part.item.purpose,
                        part.item.amount_vnd,
                    )
                )
        for cid, legs in money.items():
            batch_tx[cid] = ledger.record_receipts(
                session,
                actor,
                fund_id=campaigns[cid].fund_id,
                items=legs,
                occurred_on=today_vn(),
                memo=f"Tiếp nhận theo lô {batch_source}",
                source_type="batch",
                source_id=batch_source,
            ).id

    from app.audit.models import AuditEntry

    table = Contribution.__table__
    # The columns every contribution's audit entry shares (entry_values'; the values below are plain already).
    audit_base = {**entry_values(actor, "contribution.record", "contribution", ""), "at": now}
    folded: dict[str, str] = {}  # an import repeats public names ("Hộ gia đình – Thôn 3")
    own_tx: list[
        tuple[int, _Part, dict[str, Any]]
    ] = []  # contributions posted one by one (no batch, or goods)
    transfers: list[tuple[int, _Part, dict[str, Any]]] = []
    acknowledge: list[int] = []
    done = 0
    for start in range(0, len(parts), CHUNK):
        rows: list[dict[str, Any]] = []
        for pos in range(start, min(start + CHUNK, len(parts))):
            item = parts[pos].item
            c = campaign_of(item)
            received_at = item.received_at or now
            name, anon = _public_name(item)
            no = numbers[pos]
            in_batch = batch_source and item.channel != Channel.IN_KIND
            rows.append(
                dict(
                    campaign_id=c.id,
                    fund_id=c.fund_id,
                    donor_id=item.donor.id if item.donor else None,
                    pledge_id=item.pledge_id,
                    channel=Channel(item.channel),
                    donor_kind=item.donor_kind or (item.donor.kind if item.donor else DonorKind.HOUSEHOLD),
                    amount_vnd=item.amount_vnd,
                    received_at=received_at,
                    received_on=received_at.astimezone(VN_TZ).date(),
                    receiving_unit_id=item.receiving_unit_id,
                    receiving_unit_key=unit_key(item.receiving_unit_id),
                    earmark_unit_id=item.earmark_unit_id,
                    purpose=item.purpose,
                    pool_unit_id=pool_unit_for(item.receiving_unit_id, item.earmark_unit_id),
                    public_name=name,
                    is_anonymous=anon,
                    receipt_no=no,
                    pledge_reference=item.pledge_reference,
                    bank_txn_ref=item.bank_txn_ref,
                    masked_account=item.masked_account,
                    bank_account_id=item.bank_account_id,
                    in_kind_description=nfc(item.in_kind_description),
                    hamlet_id=item.hamlet_id,
                    collector_name=nfc(item.collector_name),
                    import_batch_id=item.import_batch_id,
                    agency_line_id=item.agency_line_id,
                    source=item.source,
                    idempotency_key=item.idempotency_key,
                    status=ContributionStatus.RECORDED,
                    ledger_transaction_id=batch_tx.get(c.id) if in_batch else None,
                    reversal_transaction_id=None,
                    note=nfc(item.note) or "",
                    created_by_id=actor.user_id,
                    created_at=now,
                    search_key=" ".join(
                        filter(
                            None,
                            [
                                folded.get(name) or folded.setdefault(name, search_words(name)),
                                search_words(item.pledge_reference, item.bank_txn_ref, no),
                            ],
                        )
                    ),
                )
            )
        ids = bulk_insert(session, table, rows)
        audit_rows = []
        for pos, cid, row in zip(range(start, start + len(rows)), ids, rows, strict=True):
            part = parts[pos]
            results.append(
                Received(part.index, cid, row["receipt_no"], row["amount_vnd"], row["pledge_id"], part.excess)
            )
            if row["ledger_transaction_id"] is None:
                own_tx.append((cid, part, row))
            if part.transfer_to is not None:
                transfers.append((cid, part, row))
            if row["donor_id"] is not None:
                acknowledge.append(cid)
            audit_rows.append(
                {
                    **audit_base,
                    "entity_id": str(cid),
                    "unit_id": row["receiving_unit_id"],
                    "new_values": {
                        "amount_vnd": row["amount_vnd"],
                        "channel": row["channel"].value,
                        "receipt_no": row["receipt_no"],
                        "public_name": row["public_name"],
                        "pledge_id": row["pledge_id"],
                        "source": row["source"],
                    },
                }
            )
        bulk_insert(session, AuditEntry.__table__, audit_rows)
        done += len(rows)
        if on_progress is not None:
            on_progress(done)

    if own_tx:
        posted = []
        for cid, part, row in own_tx:
            tx = ledger.record_receipts(
                session,
                actor,
                fund_id=row["fund_id"],
                items=[(row["pool_unit_id"], row["purpose"], row["amount_vnd"])],
                occurred_on=row["received_on"],
                in_kind=part.item.channel == Channel.IN_KIND,
                memo=f"Biên nhận {row['receipt_no']}: {row['public_name']}",
                source_type="contribution",
                source_id=cid,
            )
            posted.append({"cid": cid, "tx": tx.id})
        session.connection().execute(
            update(table).where(table.c.id == bindparam("cid")).values(ledger_transaction_id=bindparam("tx")),
            posted,
        )
    for cid, part, row in transfers:
        to_unit, _ = part.transfer_to  # type: ignore[misc]
        proposal = FundTransferProposal(
            contribution_id=cid,
            pledge_id=row["pledge_id"],
            from_unit_id=row["receiving_unit_id"],
            to_unit_id=to_unit,
            amount_vnd=row["amount_vnd"],
            purpose=row["purpose"],
            status=TransferStatus.PROPOSED,
            note=row["note"],
            created_by_id=actor.user_id,
        )
        session.add(proposal)
        session.flush()
        record(
            session,
            actor,
            "fund_transfer.propose",
            "fund_transfer_proposal",
            proposal.id,
            new={
                "contribution_id": cid,
                "receipt_no": row["receipt_no"],
                "pledge_id": row["pledge_id"],
                "from_unit_id": row["receiving_unit_id"],
                "to_unit_id": to_unit,
                "amount_vnd": row["amount_vnd"],
            },
            unit_id=row["receiving_unit_id"],  # the unit holding the money, which decides on the transfer
        )

    # The pledge side: statuses follow the money, through the state machine.
    if pledges:
        from app.pledges.services import refresh_status

        for pid in sorted(pledges):
            refresh_status(session, actor, pledges[pid], paid=paid[pid])  # type: ignore[arg-type]
    session.flush()
    queue_acknowledgements(session, acknowledge)
    results.sort(key=lambda r: r.index)  # stable: a pledge's part stays before its excess
    return results


def withdraw_transfer_proposals(
    session: Session, actor: Actor, contribution: Contribution, reason: str
) -> None:
    """A reversed receipt's transfer proposals still open are withdrawn (audited): there is no money to pass on."""
    for proposal in session.execute(
        select(FundTransferProposal).where(
            FundTransferProposal.contribution_id == contribution.id,
            FundTransferProposal.status == TransferStatus.PROPOSED,
        )
    ).scalars():
        proposal.status = TransferStatus.WITHDRAWN
        record(
            session,
            actor,
            "fund_transfer.withdraw",
            "fund_transfer_proposal",
            proposal.id,
            old={"status": TransferStatus.PROPOSED},
            new={"status": TransferStatus.WITHDRAWN, "reason": reason, "receipt_no": contribution.receipt_no},
            unit_id=proposal.from_unit_id,
        )


def record_contributions(
    session: Session, actor: Actor, campaign: Campaign, items: list[MoneyIn], *, batch_source: str = ""
) -> list[Contribution]:
    """receive(), as ORM objects (one per contribution, in input order)."""
    made = receive(session, actor, items, campaign=campaign, batch_source=batch_source)
    return [session.get(Contribution, r.id) for r in made]  # type: ignore[misc]


def record_contribution(session: Session, actor: Actor, campaign: Campaign, item: MoneyIn) -> Contribution:
    return record_contributions(session, actor, campaign, [item])[0]
