"""Recording money received. Every channel (bank transfer, card, cash, door-to-door, in kind) comes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.campaigns.models import Campaign
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core import outbox
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import VN_TZ, today_vn
from app.core.sequences import next_numbers
from app.core.text import nfc, search_words
from app.donors.models import ANONYMOUS_NAME, Donor, DonorKind
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.units.models import AdminUnit


class ContributionError(ValueError):
    """A refused contribution; the message is Vietnamese."""


@dataclass
class NewContribution:
    """What a channel knows about money received. Amounts are whole đồng."""

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


def _public_name(item: NewContribution) -> tuple[str, bool]:
    anonymous = item.is_anonymous or (item.donor is not None and item.donor.public_name == ANONYMOUS_NAME)
    if anonymous:
        return ANONYMOUS_NAME, True
    name = nfc(item.display_name) or (item.donor.name if item.donor else None)
    return (name or ANONYMOUS_NAME), not name


def _validate_fields(item: NewContribution) -> None:
    if not isinstance(item.amount_vnd, int) or isinstance(item.amount_vnd, bool) or item.amount_vnd <= 0:
        raise ContributionError("Số tiền phải là số nguyên đồng lớn hơn 0.")
    if item.channel == Channel.IN_KIND and not (item.in_kind_description or "").strip():
        raise ContributionError("Hiện vật: cần mô tả hiện vật.")


def _validate(session: Session, campaign: Campaign, item: NewContribution) -> None:
    _validate_fields(item)
    for uid, what in (
        (item.receiving_unit_id, "Đơn vị tiếp nhận"),
        (item.earmark_unit_id, "Địa bàn chỉ định"),
    ):
        if uid is not None and session.get(AdminUnit, uid) is None:
            raise ContributionError(f"{what}: không tồn tại.")


def record_contributions(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    items: list[NewContribution],
    *,
    one_ledger_transaction: bool = False,
    batch_source: str = "",
) -> list[Contribution]:
    """Record money received and post it to the ledger; returns the contributions in input order.

    An item whose idempotency_key was already recorded returns the earlier contribution unchanged, so a
    retried request or a re-sent offline row is counted once. With one_ledger_transaction (an import
    batch), all items post as a single ledger transaction that can later be reversed as a whole.
    """
    results: list[Contribution | None] = [None] * len(items)
    keys = [i.idempotency_key for i in items if i.idempotency_key]
    existing = {}
    if keys:
        existing = {
            c.idempotency_key: c
            for c in session.execute(
                select(Contribution).where(Contribution.idempotency_key.in_(keys))
            ).scalars()
        }
    fresh: list[tuple[int, NewContribution]] = []
    for idx, item in enumerate(items):
        if item.idempotency_key and item.idempotency_key in existing:
            results[idx] = existing[item.idempotency_key]
        else:
            _validate(session, campaign, item)
            fresh.append((idx, item))
    # Receipt numbers: per receiving unit and year, reserved in one block per unit.
    by_unit: dict[tuple[str, int], list[int]] = {}
    now = utcnow()
    for idx, item in fresh:
        received_at = item.received_at or now
        by_unit.setdefault((unit_key(item.receiving_unit_id), received_at.astimezone(VN_TZ).year), []).append(
            idx
        )
    numbers: dict[int, str] = {}
    for (ukey, year), idxs in by_unit.items():
        for idx, n in zip(idxs, next_numbers(session, f"receipt:{ukey}:{year}", len(idxs)), strict=True):
            numbers[idx] = f"{year}-{n:06d}"

    created: list[tuple[int, NewContribution, Contribution]] = []
    for idx, item in fresh:
        received_at = item.received_at or now
        name, anon = _public_name(item)
        donor_kind = item.donor_kind or (item.donor.kind if item.donor else DonorKind.HOUSEHOLD)
        c = Contribution(
            campaign_id=campaign.id,
            fund_id=campaign.fund_id,
            donor_id=item.donor.id if item.donor else None,
            pledge_id=item.pledge_id,
            channel=item.channel,
            donor_kind=donor_kind,
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
            receipt_no=numbers[idx],
            pledge_reference=item.pledge_reference,
            bank_txn_ref=item.bank_txn_ref,
            masked_account=item.masked_account,
            in_kind_description=nfc(item.in_kind_description),
            hamlet_id=item.hamlet_id,
            collector_name=nfc(item.collector_name),
            import_batch_id=item.import_batch_id,
            source=item.source,
            idempotency_key=item.idempotency_key,
            note=nfc(item.note) or "",
            created_by_id=actor.user_id,
            search_key=search_words(name, item.pledge_reference, item.bank_txn_ref, numbers[idx]),
        )
        session.add(c)
        created.append((idx, item, c))
        results[idx] = c
    session.flush()

    if one_ledger_transaction and created:
        money = [
            (c.pool_unit_id, c.purpose, c.amount_vnd) for _, _, c in created if c.channel != Channel.IN_KIND
        ]
        tx = None
        if money:
            tx = ledger.record_receipts_bulk(
                session,
                actor,
                fund_id=campaign.fund_id,
                items=money,
                occurred_on=today_vn(),
                memo=f"Tiếp nhận theo lô {batch_source}",
                source_type="batch",
                source_id=batch_source,
            )
        for _, _, c in created:
            if c.channel == Channel.IN_KIND:
                c.ledger_transaction_id = _post_one(session, actor, campaign, c).id
            else:
                c.ledger_transaction_id = tx.id if tx else None
    else:
        for _, _, c in created:
            c.ledger_transaction_id = _post_one(session, actor, campaign, c).id
    for _, _, c in created:
        record(
            session,
            actor,
            "contribution.record",
            "contribution",
            c.id,
            new={
                "amount_vnd": c.amount_vnd,
                "channel": c.channel,
                "receipt_no": c.receipt_no,
                "public_name": c.public_name,
                "pledge_id": c.pledge_id,
                "source": c.source,
            },
            unit_id=c.receiving_unit_id,
        )
    session.flush()
    queue_acknowledgements(session, [c.id for _, _, c in created if c.donor_id is not None])
    return [r for r in results if r is not None]


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


def _post_one(session: Session, actor: Actor, campaign: Campaign, c: Contribution):  # type: ignore[no-untyped-def]
    return ledger.record_receipt(
        session,
        actor,
        fund_id=campaign.fund_id,
        pool_unit_id=c.pool_unit_id,
        purpose=c.purpose,
        amount_vnd=c.amount_vnd,
        occurred_on=c.received_on,
        in_kind=c.channel == Channel.IN_KIND,
        memo=f"Biên nhận {c.receipt_no}: {c.public_name}",
        source_type="contribution",
        source_id=c.id,
    )


def record_contribution(
    session: Session, actor: Actor, campaign: Campaign, item: NewContribution
) -> Contribution:
    return record_contributions(session, actor, campaign, [item])[0]


BULK_CHUNK = 5_000


def bulk_insert(session: Session, table, rows: list[dict]) -> list[int]:  # type: ignore[no-untyped-def]
    """Insert many rows of a table with an integer `id` and return their ids in order, inside the session's
    transaction. PostgreSQL: ids reserved from the table's sequence, rows sent with COPY (psycopg 3);
    elsewhere: core INSERT … RETURNING executemany."""
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        from sqlalchemy import insert

        return list(
            session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()
        )
    import enum
    import json

    from sqlalchemy import text

    ids = list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)},
        ).scalars()
    )
    columns = ["id", *rows[0].keys()]

    def cell(value: object) -> object:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    cursor = conn.connection.driver_connection.cursor()
    quoted = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row_id, row in zip(ids, rows, strict=True):
            copy.write_row([row_id, *(cell(row[c]) for c in columns[1:])])
    return ids


def record_contributions_bulk(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    items: list[NewContribution],
    *,
    batch_source: str = "",
    on_progress=None,
) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """record_contributions for large import batches, with the same semantics (validation, idempotency keys,
    receipt numbers, one ledger transaction for the money, one audit entry per contribution) but written with
    core bulk INSERTs in chunks instead of the ORM unit of work. Returns (contribution id, receipt number)
    in input order; an already recorded idempotency key returns the earlier contribution's pair.
    `on_progress(done)` is called after each chunk."""
    results: list[tuple[int, str] | None] = [None] * len(items)
    keys = [i.idempotency_key for i in items if i.idempotency_key]
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), BULK_CHUNK):
        chunk = keys[start : start + BULK_CHUNK]
        existing.update(
            {
                k: (cid, no)
                for k, cid, no in session.execute(
                    select(Contribution.idempotency_key, Contribution.id, Contribution.receipt_no).where(
                        Contribution.idempotency_key.in_(chunk)
                    )
                )
            }
        )
    fresh: list[tuple[int, NewContribution]] = []
    units_checked: set[tuple[int | None, int | None]] = set()
    for idx, item in enumerate(items):
        if item.idempotency_key and item.idempotency_key in existing:
            results[idx] = existing[item.idempotency_key]
            continue
        units = (item.receiving_unit_id, item.earmark_unit_id)
        if units in units_checked:
            _validate_fields(item)
        else:
            _validate(session, campaign, item)
            units_checked.add(units)
        fresh.append((idx, item))
    now = utcnow()
    folded: dict[str, str] = {}  # an import repeats public names ("Hộ gia đình – Thôn 3")
    by_unit: dict[tuple[str, int], list[int]] = {}
    for pos, (_, item) in enumerate(fresh):
        received_at = item.received_at or now
        by_unit.setdefault((unit_key(item.receiving_unit_id), received_at.astimezone(VN_TZ).year), []).append(
            pos
        )
    numbers: dict[int, str] = {}
    for (ukey, year), positions in by_unit.items():
        for pos, n in zip(
            positions, next_numbers(session, f"receipt:{ukey}:{year}", len(positions)), strict=True
        ):
            numbers[pos] = f"{year}-{n:06d}"

    money = [
        (pool_unit_for(i.receiving_unit_id, i.earmark_unit_id), i.purpose, i.amount_vnd)
        for _, i in fresh
        if i.channel != Channel.IN_KIND
    ]
    tx_id = None
    if money:
        tx_id = ledger.record_receipts_bulk(
            session,
            actor,
            fund_id=campaign.fund_id,
            items=money,
            occurred_on=today_vn(),
            memo=f"Tiếp nhận theo lô {batch_source}",
            source_type="batch",
            source_id=batch_source,
        ).id
    from app.audit.models import AuditEntry

    table = Contribution.__table__
    done = 0
    for start in range(0, len(fresh), BULK_CHUNK):
        rows = []
        for pos in range(start, min(start + BULK_CHUNK, len(fresh))):
            _, item = fresh[pos]
            received_at = item.received_at or now
            name, anon = _public_name(item)
            no = numbers[pos]
            rows.append(
                dict(
                    campaign_id=campaign.id,
                    fund_id=campaign.fund_id,
                    donor_id=item.donor.id if item.donor else None,
                    pledge_id=item.pledge_id,
                    channel=item.channel,
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
                    in_kind_description=nfc(item.in_kind_description),
                    hamlet_id=item.hamlet_id,
                    collector_name=nfc(item.collector_name),
                    import_batch_id=item.import_batch_id,
                    source=item.source,
                    idempotency_key=item.idempotency_key,
                    status=ContributionStatus.RECORDED,
                    ledger_transaction_id=None if item.channel == Channel.IN_KIND else tx_id,
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
            idx, item = fresh[pos]
            results[idx] = (cid, row["receipt_no"])
            if item.channel == Channel.IN_KIND:
                c = session.get(Contribution, cid)
                c.ledger_transaction_id = _post_one(session, actor, campaign, c).id
            audit_rows.append(
                dict(
                    at=now,
                    user_id=actor.user_id,
                    actor_label=actor.label[:255],
                    ip_address=actor.ip,
                    action="contribution.record",
                    entity_type="contribution",
                    entity_id=str(cid),
                    unit_id=item.receiving_unit_id,
                    old_values=None,
                    new_values={
                        "amount_vnd": row["amount_vnd"],
                        "channel": row["channel"].value,
                        "receipt_no": row["receipt_no"],
                        "public_name": row["public_name"],
                        "pledge_id": row["pledge_id"],
                        "source": row["source"],
                    },
                )
            )
        bulk_insert(session, AuditEntry.__table__, audit_rows)
        done += len(rows)
        if on_progress is not None:
            on_progress(done)
    session.flush()
    return [r for r in results if r is not None]
