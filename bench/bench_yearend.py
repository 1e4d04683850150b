"""Benchmark of the year-end close and the tổng kết report (issue 18.8–18.9).

    python -m bench.bench_yearend --size small      # Khánh Hòa: 200 000 receipts, 20 000 allocations/payouts
    python -m bench.bench_yearend --size national   # 34 provinces: 2 000 000 receipts, 200 000 allocations/payouts
    python -m bench.bench_yearend --size national --stage generate   # build the data only (no timing)
    flock /work/notes/bench.lock python -m bench.bench_yearend --size national --stage measure  # time it

PostgreSQL (default: postgresql+psycopg://postgres@127.0.0.1:5432/ct_yearend; the schema is dropped and migrated).
Ledger rows are generated with a fixed seed and bulk-loaded with COPY (balanced transactions, cached balances equal
to their postings): receipts into commune and province pools across 2025, allocations and payouts, and a tenth of the
receipts dated 2026 (after the year to close). Prints one JSON object per benchmark:
  * yearend_close_<size>: seconds for app.ledger.yearend.close_year of Khánh Hòa's 2025 (lock, balances at 31/12 of
    every account of the province and its communes from the postings, opening balances written); target ≤ 60 s at
    national size. `ok`: the verifier's year_close check agrees afterwards.
    Baseline (same run): the plain aggregate over the same postings (SELECT account_id, sum(amount_vnd) … WHERE
    occurred_on <= 31/12/2025 GROUP BY account_id, for the province's and its communes' accounts).
  * yearend_report_<size>: seconds for the province's tổng kết 2025 figures (app.reports.services.build_figures).
  * yearend_national_report_<size>: seconds for the NATIONAL tổng kết 2025 (unit None: the central level over every
    province, a national campaign), target ≤ 10 s.
  Baseline of both reports (same run): one aggregate query giving the period's money by unit and account kind
  (SELECT unit_id, kind, sum(amount_vnd) … GROUP BY unit_id, kind over the same postings and scope).
--stage measure reuses the data of an earlier --stage generate (the 2025 close is deleted first, by SQL, so the close
is measured again), so that only the timed part runs under the benchmark lock.
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
SIZES: dict[str, dict] = {
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
    national = create_campaign(
        session,
        Actor.system("bench"),
        year=2025,
        name="Ngày vì người nghèo 2025 toàn quốc (bench)",
        fund_id=fund.id,
        scope_unit_id=None,
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
    return {
        "province_id": province.id,
        "campaign_id": campaign.id,
        "national_campaign_id": national.id,
        "fund_id": fund.id,
        "rows": len(postings),
    }


def load_ctx(session) -> dict:  # type: ignore[no-untyped-def]
    """The ids an earlier --stage generate left in the database (and its 2025 close removed, to close again)."""
    from app.ledger.services import main_fund
    from app.units.models import AdminUnit, UnitLevel

    province = session.execute(
        select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == KHANH_HOA)
    ).scalar_one()
    campaigns = dict(session.execute(text("SELECT coalesce(scope_unit_id, 0), id FROM campaigns")).all())
    # the append-only triggers refuse the DELETE; the benchmark's own database, as its superuser, skips them
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text("DELETE FROM ledger_opening_balances"))
    session.execute(text("DELETE FROM ledger_year_closes"))
    session.commit()
    return {
        "province_id": province.id,
        "campaign_id": campaigns[province.id],
        "national_campaign_id": campaigns[0],
        "fund_id": main_fund(session).id,
        "rows": session.execute(text("SELECT count(*) FROM ledger_postings")).scalar_one(),
    }


def _province_ids(session, province_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    from app.transparency.units import scope_unit_ids
    from app.units.models import AdminUnit

    return [i for i in scope_unit_ids(session, session.get(AdminUnit, province_id)) or [] if i is not None]


def baseline_balances(session, ctx: dict) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """The plain aggregate the close stands on: each account's postings to 31/12/2025, same scope."""
    t0 = time.perf_counter()
    rows = session.execute(
        text(
            "SELECT p.account_id, sum(p.amount_vnd) FROM ledger_postings p"
            " JOIN ledger_transactions t ON t.id = p.transaction_id"
            " JOIN ledger_accounts a ON a.id = p.account_id"
            " WHERE a.fund_id = :fund AND a.unit_id = ANY(:units) AND t.occurred_on <= '2025-12-31'"
            " GROUP BY p.account_id"
        ),
        {"fund": ctx["fund_id"], "units": _province_ids(session, ctx["province_id"])},
    ).all()
    return time.perf_counter() - t0, sum(1 for _, total in rows if total)


def baseline_report(session, ctx: dict, units: list[int] | None) -> float:  # type: ignore[no-untyped-def]
    """One aggregate query: the year's money by unit and account kind over the same postings and scope."""
    where = "" if units is None else " AND a.unit_id = ANY(:units)"
    t0 = time.perf_counter()
    session.execute(
        text(
            "SELECT a.unit_id, a.kind, sum(p.amount_vnd) FROM ledger_postings p"
            " JOIN ledger_transactions t ON t.id = p.transaction_id"
            " JOIN ledger_accounts a ON a.id = p.account_id"
            " WHERE a.fund_id = :fund AND t.occurred_on BETWEEN '2025-01-01' AND '2025-12-31'" + where + ""
            " GROUP BY a.unit_id, a.kind"
        ),
        {"fund": ctx["fund_id"], "units": units},
    ).all()
    return time.perf_counter() - t0


def bench_close(session, size: str, ctx: dict) -> dict:  # type: ignore[no-untyped-def]
    from app.core.actor import Actor
    from app.ledger import yearend
    from app.ledger.verify import run_checks
    from app.units.models import AdminUnit

    base_s, base_accounts = baseline_balances(session, ctx)
    session.rollback()
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
        "baseline_name": "SELECT account_id, sum(amount_vnd) … GROUP BY account_id (same postings, same scope)",
        "baseline": round(base_s, 2),
        "ratio": round(seconds / base_s, 2),
        "target": "≤ 60 s at national size",
        "rows": ctx["rows"],
        "accounts_carried": close.account_count,
        "baseline_accounts": base_accounts,
        "on_hand_vnd": close.on_hand_vnd,
        "ok": check.ok,
        "verify_seconds": round(check.seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_report(session, size: str, ctx: dict, *, national: bool = False) -> dict:  # type: ignore[no-untyped-def]
    from app.campaigns.models import Campaign
    from app.reports.models import ReportKind
    from app.reports.services import build_figures, period_for
    from app.units.models import AdminUnit

    province = None if national else session.get(AdminUnit, ctx["province_id"])
    campaign = session.get(Campaign, ctx["national_campaign_id" if national else "campaign_id"])
    base_s = baseline_report(session, ctx, None if national else _province_ids(session, ctx["province_id"]))
    t0 = time.perf_counter()
    figures = build_figures(session, campaign, province, ReportKind.YEAR, period_for(ReportKind.YEAR, 2025))
    seconds = time.perf_counter() - t0
    carried = session.execute(text("SELECT on_hand_vnd FROM ledger_year_closes")).scalar()
    return {
        "name": f"yearend_{'national_' if national else ''}report_{size}",
        "figure": round(seconds, 2),
        "unit": "s",
        "baseline_name": "one aggregate query: the year's postings by unit and account kind (same scope)",
        "baseline": round(base_s, 2),
        "ratio": round(seconds / base_s, 2),
        "target": "national tổng kết ≤ 10 s",
        "rows": ctx["rows"],
        "areas": len(figures["by_area"]),
        "closing_balance_vnd": figures["closing_balance_vnd"],
        # the province's report closes on the balance its year close carried (the national one covers every area)
        "closing_equals_carried": None if national else figures["closing_balance_vnd"] == carried,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--stage", choices=["all", "generate", "measure"], default="all")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    from app.extensions import db

    if args.stage == "measure":
        from app import create_app

        app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.database_url)
    else:
        app = setup(args.database_url)
        _log("schema migrated", t0)
    with app.app_context():
        if args.stage == "measure":
            ctx = load_ctx(db.session)
        else:
            ctx = generate(db.session, SIZES[args.size], random.Random(SEED))
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            _log("data generated", t0)
        if args.stage == "generate":
            return
        results = [
            bench_close(db.session, args.size, ctx),
            bench_report(db.session, args.size, ctx),
            bench_report(db.session, args.size, ctx, national=True),
        ]
        db.session.remove()  # type: ignore[attr-defined]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
