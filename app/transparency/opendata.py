"""Open data: the export rows (CSV/JSON, streamed) and the published daily hash chain over them."""

from __future__ import annotations

import base64
import bisect
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import and_, cast, func, literal, select, update
from sqlalchemy.orm import Session

from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.core.spreadsheet import sql_neutralise
from app.ledger.models import PURPOSE_LABELS, Purpose
from app.transparency.models import PublishedRoot
from app.transparency.statement import PUBLIC_COLUMNS, StatementQuery, public_record, statement_filters
from app.transparency.units import unit_map
from app.transparency.verify_export import (
    EXPORT_COLUMNS,
    GENESIS,
    ROOT_FORMAT,
    SIGNING_CONTEXT,
    canonical_line,
    chain,
    name_commitment,
    records_hash,
    signed_message,
)
from app.units.models import AdminUnit


def iter_public_records(
    session: Session, query: StatementQuery | None = None, *, chunk: int = 5000
) -> Iterator[dict]:
    """Every matching contribution in id order, streamed (server-side cursor), with its published day and root."""

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
    stmt = select(*PUBLIC_COLUMNS, Contribution.name_salt, Contribution.name_commitment)
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
        salt,
        commitment,
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
            salt or "",
            commitment or "",
        ]


def copy_export_csv(session: Session, query: StatementQuery | None = None) -> Iterator[bytes]:
    """PostgreSQL: the CSV export's data lines (no header) as COPY produces them, the labels, areas and published
    day/root computed in SQL; same values and order as iter_export_rows. Streamed in blocks: memory stays flat."""
    from sqlalchemy import ARRAY, BigInteger, String, bindparam, case, type_coerce
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
            Contribution.name_salt,
            Contribution.name_commitment,
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


def signed_roots_payload(session: Session) -> dict:
    """The roots document signed with Ed25519 by the Fund's signing key — the key that signs certificates
    (CERTIFICATE_SIGNING_KEY, app.certificates.signing), whose public half is printed on the official accounts
    page. A copy kept anywhere then proves what was published, even if the site later showed something else.
    The signed message is verify_export.signed_message(document): the standalone verifier checks it."""
    from app.certificates import signing

    document = {**roots_payload(session), "signed_at": utcnow().isoformat()}
    key = signing.private_key()
    document["signature"] = {
        "algorithm": "Ed25519",
        "context": SIGNING_CONTEXT,
        "public_key": base64.b64encode(public_key_raw()).decode(),
        "value": base64.b64encode(key.sign(signed_message(document))).decode(),
    }
    return document


def public_key_raw() -> bytes:
    from cryptography.hazmat.primitives import serialization

    from app.certificates import signing

    return signing.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_fingerprint() -> str:
    """SHA-256 of the raw 32-byte public key, in groups of four hex digits (read aloud, compared by eye)."""
    digest = hashlib.sha256(public_key_raw()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


VERIFIER_PATH = Path(__file__).with_name("verify_export.py")


@lru_cache(maxsize=1)
def verifier_script() -> tuple[bytes, str]:
    """The standalone verifier as people download it, and its SHA-256 (shown on the open data page)."""
    data = VERIFIER_PATH.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


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
        "format": r.format,
        "created_at": r.created_at.isoformat(),
    }


def _canonical_lines(
    session: Session, first_id: int, last_id: int, root_format: int
) -> Iterator[tuple[int, str, int]]:
    units = unit_map(session)
    stmt = (
        select(*PUBLIC_COLUMNS, Contribution.name_salt, Contribution.name_commitment)
        .where(Contribution.id > first_id, Contribution.id <= last_id)
        .order_by(Contribution.id)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(stmt):
        record = public_record(row, units)
        record["muoi_ten"], record["cam_ket_ten"] = row.name_salt or "", row.name_commitment or ""
        yield row.id, canonical_line(record, root_format), row.amount_vnd


def seal_names(session: Session, first_id: int, last_id: int) -> int:
    """Give each contribution about to be published (first_id < id <= last_id) that has none yet a random salt and
    the commitment of its public name as published now (root format 2). Returns how many were sealed."""
    rows = session.execute(
        select(Contribution.id, Contribution.public_name).where(
            Contribution.id > first_id,
            Contribution.id <= last_id,
            Contribution.name_salt.is_(None),
            Contribution.name_commitment.is_(None),
        )
    ).all()
    values = []
    for ident, name in rows:
        salt = secrets.token_hex(16)
        values.append({"id": ident, "name_salt": salt, "name_commitment": name_commitment(salt, name)})
    for start in range(0, len(values), 5000):
        session.execute(update(Contribution), values[start : start + 5000])
    return len(values)


def hash_range(session: Session, first_id: int, last_id: int, root_format: int = 1) -> tuple[str, int, int]:
    """(records hash, count, total) of the contributions with first_id < id <= last_id as they are now."""
    total = 0
    lines = []
    for ident, line, amount in _canonical_lines(session, first_id, last_id, root_format):
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
    seal_names(session, first_id, last_id)
    digest, count, total = hash_range(session, first_id, last_id, ROOT_FORMAT)
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
        format=ROOT_FORMAT,
        check_ok=True,
        checked_at=utcnow(),
    )
    session.add(root)
    session.flush()
    return root


def check_root(session: Session, root: PublishedRoot) -> bool:
    """Recompute one published day from the live records; remember and return whether it still matches."""
    digest, count, _ = hash_range(session, root.first_id, root.last_id, root.format)
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
