"""Benchmark of the year-end close and the tổng kết report (issue 18.8–18.9).

    python -m bench.bench_yearend --size small      # Khánh Hòa: 200 000 receipts, 20 000 allocations/payouts
    python -m bench.bench_yearend --size national   # 34 provinces: 2 000 000 receipts, 200 000 allocations/payouts

PostgreSQL (default: postgresql+psycopg://postgres@127.0.0.1:5432/ct_yearend; the schema is dropped and migrated).
Ledger rows are generated with a fixed seed and bulk-loaded with COPY (balanced transactions, cached balances equal
to their postings): receipts into commune and province pools across 2025, allocations and payouts, and a tenth of the
receipts dated 2026 (after the year to close). Prints one JSON object per benchmark:
  * yearend_close_<size>: seconds for app.ledger.yearend.close_year of Khánh Hòa's 2025 (lock, balances at 31/12 of
    every account of the province and its communes from the postings, opening balances written); target ≤ 60 s at
    national size. `ok`: the verifier's year_close check agrees afterwards.
  * yearend_report_<size>: seconds for the province's tổng kết 2025 figures (app.reports.services.build_figures).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_yearend"
SIZES = {
    "small": {"receipts": 200_000, "moves": 20_000, "provinces": [56]},
    "national": {"receipts": 2_000_000, "moves": 200_000, "provinces": None},
}
SEED = 20261207
KHANH_HOA = 56
PURPOSES = ["housing", "livelihood", "education", "health", "unrestricted"]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _log(what: str, t0: float) -> None:
    print(f"  {what} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)


def setup(url: str):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def copy_rows(session, table: str, cols: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(session, spec: dict, rng: random.Random) -> dict:  # type: ignore[no-untyped-def]
    from app.campaigns.services import create_campaign
    from app.core.actor import Actor
    from app.ledger.models import LedgerAccount
    from app.ledger.services import main_fund
    from app.units.models import AdminUnit, UnitLevel
    from app.units.services import import_units

    t0 = time.perf_counter()
    import_units(session, spec["provinces"])
    fund = main_fund(session)
    units = session.execute(select(AdminUnit)).scalars().all()
    province = next(u for u in units if u.level == UnitLevel.PROVINCE and u.code == KHANH_HOA)
    campaign = create_campaign(
        session,
        Actor.system("bench"),
        year=2025,
        name="Ngày vì người nghèo 2025 (bench)",
        fund_id=fund.id,
        scope_unit_id=province.id,
    )
    session.flush()
    _log(f"{len(units)} units imported", t0)
    communes = [u for u in units if u.level == UnitLevel.COMMUNE]
    pools = [u.id for u in units]

    accounts: dict[tuple[int, str, str], int] = {}
    balances: dict[int, int] = {}
    in_2025: dict[int, int] = {}  # balances from 2025's postings only: 2025 allocations never use 2026 money

    def acc(unit_id: int, kind: str, purpose: str) -> int:
        key = (unit_id, kind, purpose)
        if key not in accounts:
            accounts[key] = len(accounts) + 1
            balances[accounts[key]] = 0
        return accounts[key]

    now = datetime.now(UTC)
    txs: list[tuple] = []
    postings: list[tuple] = []

    def tx(kind: str, day: date, legs: list[tuple[int, int]]) -> None:
        tx_id = len(txs) + 1
        txs.append((tx_id, fund.id, kind, day, now, "", "bench", str(tx_id)))
        for account_id, amount in legs:
            postings.append((tx_id, account_id, amount))
            balances[account_id] += amount
            if day.year == 2025:
                in_2025[account_id] = in_2025.get(account_id, 0) + amount

    start = date(2025, 1, 1)
    for i in range(spec["receipts"]):
        unit_id = rng.choice(pools)
        purpose = rng.choice(PURPOSES)
        amount = rng.choice([50_000, 100_000, 200_000, 500_000, 1_000_000, 5_000_000])
        if i % 10:
            day = start + timedelta(days=rng.randrange(365))
        else:
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
        pool, income = acc(unit_id, "unallocated", purpose), acc(unit_id, "donations", purpose)
        tx("receipt", day, [(pool, amount), (income, -amount)])
    for _ in range(spec["moves"]):  # allocate then pay out part of it, in the commune's own pool
        commune = rng.choice(communes).id
        purpose = rng.choice(PURPOSES[:4])
        pool = acc(commune, "unallocated", purpose)
        amount = min(in_2025.get(pool, 0), 20_000_000)
        if amount <= 0:
            continue
        day = date(2025, 6, 1) + timedelta(days=rng.randrange(200))
        allocated = acc(commune, "allocated", purpose)
        tx("allocation", day, [(allocated, amount), (pool, -amount)])
        paid = amount // 2
        if paid:
            tx("disbursement", day, [(acc(commune, "disbursed", purpose), paid), (allocated, -paid)])
    _log(f"{len(txs)} transactions, {len(postings)} postings built", t0)
    copy_rows(
        session,
        LedgerAccount.__tablename__,
        ["id", "key", "fund_id", "unit_id", "kind", "purpose", "balance_vnd"],
        (
            (aid, f"{fund.id}:{u}:{k}:{p}", fund.id, u, k, p, balances[aid])
            for (u, k, p), aid in accounts.items()
        ),
    )
    copy_rows(
        session,
        "ledger_transactions",
        ["id", "fund_id", "kind", "occurred_on", "created_at", "memo", "source_type", "source_id"],
        txs,
    )
    copy_rows(session, "ledger_postings", ["transaction_id", "account_id", "amount_vnd"], postings)
    for table in ("ledger_accounts", "ledger_transactions", "ledger_postings"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
    _log("ledger loaded", t0)
    return {"province_id": province.id, "campaign_id": campaign.id, "fund_id": fund.id, "rows": len(postings)}


def bench_close(session, size: str, ctx: dict) -> dict:  # type: ignore[no-untyped-def]
    from app.core.actor import Actor
    from app.ledger import yearend
    from app.ledger.verify import run_checks
    from app.units.models import AdminUnit

    province = session.get(AdminUnit, ctx["province_id"])
    t0 = time.perf_counter()
    close, _ = yearend.close_year(
        session, Actor.system("bench"), fund_id=ctx["fund_id"], year=2025, unit=province, confirm_year=2025
    )
    session.commit()
    seconds = time.perf_counter() - t0
    check = run_checks(session, ["year_close"])
    return {
        "name": f"yearend_close_{size}",
        "figure": round(seconds, 2),
        "unit": "s",
        "target": "≤ 60 s at national size",
        "rows": ctx["rows"],
        "accounts_carried": close.account_count,
        "on_hand_vnd": close.on_hand_vnd,
        "ok": check.ok,
        "verify_seconds": round(check.seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_report(session, size: str, ctx: dict) -> dict:  # type: ignore[no-untyped-def]
    from app.campaigns.models import Campaign
    from app.reports.models import ReportKind
    from app.reports.services import build_figures, period_for
    from app.units.models import AdminUnit

    province = session.get(AdminUnit, ctx["province_id"])
    campaign = session.get(Campaign, ctx["campaign_id"])
    t0 = time.perf_counter()
    figures = build_figures(session, campaign, province, ReportKind.YEAR, period_for(ReportKind.YEAR, 2025))
    seconds = time.perf_counter() - t0
    return {
        "name": f"yearend_report_{size}",
        "figure": round(seconds, 2),
        "unit": "s",
        "target": "national tổng kết ≤ 10 s",
        "rows": ctx["rows"],
        "areas": len(figures["by_area"]),
        "opening_carried_equals_report": figures["closing_balance_vnd"]
        == session.execute(text("SELECT on_hand_vnd FROM ledger_year_closes")).scalar(),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    app = setup(args.database_url)
    _log("schema migrated", t0)
    from app.extensions import db

    with app.app_context():
        ctx = generate(db.session, SIZES[args.size], random.Random(SEED))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        results = [bench_close(db.session, args.size, ctx), bench_report(db.session, args.size, ctx)]
        db.session.remove()
    for r in results:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
