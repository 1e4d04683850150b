"""Synthetic national-scale data with a fixed seed: donors and contributions across all 34 provinces.

Rows are written with bulk INSERTs (not the ORM unit of work), and the ledger gets one aggregated
receipt per pool, so the books stay balanced and verify_ledger() passes on generated data.
"""

from __future__ import annotations

import enum
import functools
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import create_campaign, scope_key
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.i18n import VN_TZ
from app.core.text import fold as _fold
from app.core.text import search_words as _search_words
from app.donors.models import ANONYMOUS_NAME, Donor, DonorKind, PublicDisplay
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.units.models import AdminUnit, UnitLevel
from app.units.services import import_units

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Thu", "Kim", "Công"]
GIVEN = [
    "An",
    "Anh",
    "Ánh",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
    "Đường",
]
BUSINESS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]
TRADE = [
    "Xây dựng",
    "Thủy sản",
    "Vận tải",
    "Thương mại",
    "Du lịch",
    "Nông sản",
    "Cơ khí",
    "Dược phẩm",
    "Điện máy",
]
AMOUNTS = [
    50_000,
    100_000,
    200_000,
    300_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    50_000_000,
]
PURPOSES = (
    [Purpose.UNRESTRICTED] * 6
    + [Purpose.HOUSING] * 3
    + [Purpose.EDUCATION, Purpose.HEALTH, Purpose.LIVELIHOOD]
)


fold = functools.lru_cache(maxsize=200_000)(_fold)  # generated names repeat a lot
search_words = functools.lru_cache(maxsize=200_000)(_search_words)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def generate(session: Session, *, counts: dict[str, int], seed: int, chunk: int = 20_000) -> dict:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    actor = Actor.system("generate")
    if not session.execute(select(func.count()).select_from(AdminUnit)).scalar_one():
        import_units(session)
    communes = [
        tuple(r)
        for r in session.execute(
            select(AdminUnit.id, AdminUnit.parent_id).where(AdminUnit.level == UnitLevel.COMMUNE)
        )
    ]
    fund = ledger.main_fund(session)
    campaign = session.execute(
        select(Campaign).where(Campaign.active_scope_key == scope_key(None))
    ).scalar_one_or_none()
    if campaign is None:
        campaign = create_campaign(
            session,
            actor,
            year=2026,
            name="Ngày vì người nghèo năm 2026 (dữ liệu sinh)",
            fund_id=fund.id,
            slug=f"2026-generated-{seed}",
        )
        campaign.status = CampaignStatus.ACTIVE
        campaign.active_scope_key = scope_key(None)
        session.flush()

    first_donor = (session.execute(select(func.max(Donor.id))).scalar() or 0) + 1
    donor_rows = []
    for i in range(counts.get("donors", 0)):
        commune_id, province_id = rng.choice(communes)
        if rng.random() < 0.2:
            kind, name = DonorKind.BUSINESS, f"{rng.choice(BUSINESS)} {rng.choice(TRADE)} {person_name(rng)}"
        else:
            kind, name = rng.choice([DonorKind.HOUSEHOLD, DonorKind.INDIVIDUAL]), person_name(rng)
        display = PublicDisplay.ANONYMOUS if rng.random() < 0.08 else PublicDisplay.FULL_NAME
        donor_rows.append(
            dict(
                id=first_donor + i,
                kind=kind,
                name=name,
                public_display=display,
                search_key=fold(name),
                province_id=province_id,
                commune_id=commune_id,
                address="",
                contact_person="",
                created_at=datetime.now(UTC),
            )
        )
    if session.get_bind().dialect.name == "postgresql" and donor_rows:
        cols = list(donor_rows[0])
        with _raw(session).cursor() as cur, cur.copy(f"COPY donors ({', '.join(cols)}) FROM STDIN") as copy:
            for r in donor_rows:
                copy.write_row([r[c] if not isinstance(r[c], enum.Enum) else r[c].value for c in cols])
    else:
        for start in range(0, len(donor_rows), chunk):
            session.execute(Donor.__table__.insert(), donor_rows[start : start + chunk])
    donors = [
        (
            r["id"],
            r["kind"],
            ANONYMOUS_NAME if r["public_display"] == PublicDisplay.ANONYMOUS else r["name"],
            r["commune_id"],
            r["province_id"],
        )
        for r in donor_rows
    ]

    first_c = (session.execute(select(func.max(Contribution.id))).scalar() or 0) + 1
    total = counts.get("contributions", 0)
    rows = _contribution_rows(
        rng,
        seed=seed,
        first_id=first_c,
        total=total,
        campaign_id=campaign.id,
        fund_id=fund.id,
        donors=donors,
        communes=communes,
    )
    if session.get_bind().dialect.name == "postgresql" and total:
        _copy_contributions(session, actor, rows, fund_id=fund.id, seed=seed)
    else:
        _insert_contributions(
            session, actor, rows, fund_id=fund.id, seed=seed, chunk=chunk, first_id=first_c, total=total
        )
    if session.get_bind().dialect.name == "postgresql":
        # The rows above carry explicit ids: move the sequences past them, or the next donor or contribution
        # saved by the application (a pledge, a staff entry) collides with a generated id.
        for table in ("donors", "contributions"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "  # noqa: S608 - fixed table names
                    "HAVING max(id) IS NOT NULL"
                )
            )
    session.flush()
    return {"campaign": campaign, "fund": fund, "seed": seed, "rng": rng, "communes": communes}


# Column order of the generated contribution tuples (and of the PostgreSQL COPY, ledger_transaction_id last).
COLUMNS = (
    "id",
    "campaign_id",
    "fund_id",
    "donor_id",
    "channel",
    "donor_kind",
    "amount_vnd",
    "received_at",
    "received_on",
    "receiving_unit_id",
    "receiving_unit_key",
    "earmark_unit_id",
    "purpose",
    "pool_unit_id",
    "public_name",
    "is_anonymous",
    "receipt_no",
    "bank_txn_ref",
    "source",
    "status",
    "note",
    "created_at",
    "search_key",
)
CHANNEL_CUM_WEIGHTS = [50, 85, 97, 100]
BULK_LOAD_ROWS = 50_000  # from this size, PostgreSQL secondary indexes are rebuilt once after the load


# Memory for rebuilding them (GIN and B-tree builds sort in memory): a GIN build flushes its entries each time this
# fills, so 20 000 000 rows (bench --size x10) get 1 GB instead of 256 MB.
def rebuild_memory(rows: int) -> str:
    return "1GB" if rows >= 5_000_000 else "256MB"


def _contribution_rows(
    rng: random.Random,
    *,
    seed: int,
    first_id: int,
    total: int,
    campaign_id: int,
    fund_id: int,
    donors: list,
    communes: list,
) -> Iterator[tuple]:
    """The generated contributions as tuples in COLUMNS order (one random draw sequence for every database)."""
    start_day = datetime(2026, 10, 17, 1, 0, tzinfo=UTC)
    channel_choices = [Channel.BANK_TRANSFER, Channel.HOUSEHOLD_COLLECTION, Channel.CASH, Channel.CARD]
    local = (Channel.HOUSEHOLD_COLLECTION, Channel.CASH)
    days: dict[datetime, date] = {}
    for i in range(total):
        cid = first_id + i
        if donors and rng.random() < 0.5:
            donor_id, kind, name, commune_id, province_id = rng.choice(donors)
        else:
            donor_id, kind, name = None, DonorKind.HOUSEHOLD, person_name(rng)
            commune_id, province_id = rng.choice(communes)
        channel = rng.choices(channel_choices, cum_weights=CHANNEL_CUM_WEIGHTS)[0]  # = weights 50, 35, 12, 3
        receiving = commune_id if channel in local else province_id
        purpose = rng.choice(PURPOSES)
        earmark = commune_id if purpose == Purpose.HOUSING and rng.random() < 0.3 else None
        pool = earmark if earmark is not None else receiving
        amount = rng.choice(AMOUNTS)
        at = start_day + timedelta(seconds=rng.randrange(0, 32 * 86400))
        hour = at.replace(minute=0, second=0)
        day = days.get(hour)
        if day is None:
            day = days[hour] = at.astimezone(VN_TZ).date()
        ref = f"FT{seed % 100:02d}{cid:010d}" if channel == Channel.BANK_TRANSFER else None
        receipt = f"G{cid:09d}"
        # As app.contributions.services writes it (app.core.text.search_words); references are letters and digits.
        search_key = (
            f"{search_words(name)} {ref.lower()} {receipt.lower()}"
            if ref
            else f"{search_words(name)} {receipt.lower()}"
        )
        yield (
            cid,
            campaign_id,
            fund_id,
            donor_id,
            channel,
            kind,
            amount,
            at,
            day,
            receiving,
            str(receiving),
            earmark,
            purpose,
            pool,
            name,
            name == ANONYMOUS_NAME,
            receipt,
            ref,
            "generated",
            ContributionStatus.RECORDED,
            "",
            at,
            search_key,
        )


def _post_pools(session: Session, actor: Actor, pools: dict, *, fund_id: int, seed: int):  # type: ignore[no-untyped-def]
    """One aggregated ledger receipt for all generated contributions (one leg pair per pool)."""
    return ledger.record_receipts(
        session,
        actor,
        fund_id=fund_id,
        items=[(u, p, a) for (u, p), a in pools.items()],
        occurred_on=date(2026, 11, 18),
        memo=f"Dữ liệu sinh (seed {seed})",
        source_type="generated",
        source_id=seed,
    )


def _insert_contributions(
    session: Session,
    actor: Actor,
    rows: Iterator[tuple],
    *,
    fund_id: int,
    seed: int,
    chunk: int,
    first_id: int,
    total: int,
) -> dict:
    """Portable path (SQLite, demo sizes): multi-row INSERTs, then the ledger receipt and its id on the rows."""
    pools: dict[tuple[int | None, Purpose], int] = defaultdict(int)
    batch = []
    for row in rows:
        batch.append(dict(zip(COLUMNS, row, strict=True)))
        pools[(row[13], row[12])] += row[6]
        if len(batch) >= chunk:
            session.execute(Contribution.__table__.insert(), batch)
            batch = []
    if batch:
        session.execute(Contribution.__table__.insert(), batch)
    if pools:
        tx = _post_pools(session, actor, pools, fund_id=fund_id, seed=seed)
        session.execute(
            Contribution.__table__.update()
            .where(Contribution.id >= first_id, Contribution.id < first_id + total)
            .values(ledger_transaction_id=tx.id)
        )
    return pools


def _raw(session: Session):  # type: ignore[no-untyped-def]
    """The psycopg connection under the session's current transaction."""
    return session.connection().connection.driver_connection


def _copy_contributions(
    session: Session, actor: Actor, rows: Iterator[tuple], *, fund_id: int, seed: int
) -> dict:
    """PostgreSQL: the rows go to a temporary file in COPY text format while the pools are summed; then the ledger
    receipt is posted and the file is COPYed with its transaction id on every row, in the same transaction.
    For large loads the secondary indexes are dropped first and rebuilt once at the end."""
    pools: dict[tuple[int | None, Purpose], int] = defaultdict(int)
    n = 0
    with tempfile.TemporaryFile("w+b") as spool:
        write = spool.write
        for (
            cid,
            campaign_id,
            fund,
            donor_id,
            channel,
            kind,
            amount,
            at,
            day,
            receiving,
            receiving_key,
            earmark,
            purpose,
            pool,
            name,
            anonymous,
            receipt,
            ref,
            source,
            status,
            note,
            created,
            search_key,
        ) in rows:
            pools[(pool, purpose)] += amount
            n += 1
            write(
                (
                    f"{cid}\t{campaign_id}\t{fund}\t{'\\N' if donor_id is None else donor_id}\t{channel.value}\t"
                    f"{kind.value}\t{amount}\t{at.isoformat()}\t{day.isoformat()}\t{receiving}\t{receiving_key}\t"
                    f"{'\\N' if earmark is None else earmark}\t{purpose.value}\t{pool}\t{_copy_text(name)}\t"
                    f"{'t' if anonymous else 'f'}\t{receipt}\t{'\\N' if ref is None else ref}\t{source}\t"
                    f"{status.value}\t{note}\t{created.isoformat()}\t{_copy_text(search_key)}"
                ).encode()
            )
            write(b"\t@\n")  # placeholder for the ledger transaction id, filled in below
        tx = _post_pools(session, actor, pools, fund_id=fund_id, seed=seed)
        session.flush()
        spool.seek(0)
        tx_id = f"\t{tx.id}\n".encode()
        conn = _raw(session)
        rebuild = drop_secondary_indexes(conn) if n >= BULK_LOAD_ROWS else []
        with conn.cursor() as cur:
            with cur.copy(
                f"COPY contributions ({', '.join(COLUMNS)}, ledger_transaction_id) FROM STDIN"
            ) as copy:
                while True:
                    lines = spool.readlines(1 << 20)
                    if not lines:
                        break
                    copy.write(b"".join(lines).replace(b"\t@\n", tx_id))
            if rebuild:
                cur.execute(f"SET LOCAL maintenance_work_mem = '{rebuild_memory(n)}'")
            for ddl in rebuild:
                cur.execute(ddl)
    return pools


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def drop_secondary_indexes(conn) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the contributions indexes that back no constraint, and its foreign keys (checked row by row at the end
    of a COPY, they would dominate it); return the statements that restore them (a foreign key added back is
    validated in one join over the whole table)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = 'contributions' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'contributions'::regclass AND contype = 'f'"
        )
        foreign_keys = cur.fetchall()
        for name, _ in foreign_keys:
            cur.execute(f'ALTER TABLE contributions DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in indexes] + [
        f'ALTER TABLE contributions ADD CONSTRAINT "{name}" {ddl}' for name, ddl in foreign_keys
    ]
