"""Benchmark: a province-wide import of household contributions through the real import path, against a raw
bulk INSERT of the same rows into the contributions table, in the same run.

    python -m bench.bench_collections --size small      # 20 000 rows
    python -m bench.bench_collections --size national   # 200 000 rows

The import path is what staff trigger: for each of Khánh Hòa's communes a CSV file in the template's format is
read, checked (amounts, hamlets, dates, duplicates), kept, then committed (contributions with receipt numbers,
one ledger transaction per batch, an audit entry per contribution, the household rows). The baseline inserts
the same rows' contributions with SQLAlchemy core executemany in chunks, and nothing else.
Prints one JSON object on stdout. Resets the schema of the database it is given (default: ct_issue4).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, text

SIZES = {"small": 20_000, "national": 200_000}
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_issue4"
SEED = 20261017
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Cao", "Mấu"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Văn Em", "Thị Phương", "Văn Giang", "Thị Hạnh"]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def make_rows(communes: list, hamlets: dict[int, list[str]], n: int) -> dict[int, list[list[str]]]:
    rng = random.Random(SEED)
    per: dict[int, list[list[str]]] = {c.id: [] for c in communes}
    for i in range(n):
        c = communes[i % len(communes)]
        per[c.id].append(
            [
                f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {i}",
                rng.choice(hamlets[c.id]),
                f"{rng.choice([20, 50, 100, 200, 500]) * 1000:,}".replace(",", "."),
                "",
                date(2026, 10, 17 + rng.randrange(14)).strftime("%d/%m/%Y"),
                f"Người thu {rng.randrange(8)}",
            ]
        )
    return per


def to_csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    n = SIZES[args.size]

    from flask_migrate import upgrade

    from app import create_app
    from app.campaigns.services import create_campaign, set_status
    from app.collections import services as svc
    from app.contributions.models import Channel, Contribution, ContributionStatus
    from app.core.actor import Actor
    from app.donors.models import DonorKind
    from app.extensions import db
    from app.ledger.models import Purpose
    from app.ledger.services import main_fund, totals
    from app.units.models import AdminUnit, UnitLevel
    from app.units.services import add_hamlet, import_units

    upload_dir = tempfile.mkdtemp(prefix="bench-collections-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.database_url, UPLOAD_DIR=upload_dir)
    with app.app_context():
        session = db.session
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        import_units(session, [56])
        province = session.execute(
            select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == 56)
        ).scalar_one()
        communes = list(
            session.execute(
                select(AdminUnit).where(AdminUnit.parent_id == province.id).order_by(AdminUnit.code)
            ).scalars()
        )
        hamlets: dict[int, list[str]] = {}
        for c in communes:
            hamlets[c.id] = [add_hamlet(session, c.id, f"Thôn {k}").name for k in range(1, 9)]
        actor = Actor.system("bench")
        campaign = create_campaign(
            session,
            actor,
            year=2026,
            name="Ngày vì người nghèo 2026 (bench)",
            fund_id=main_fund(session).id,
            scope_unit_id=province.id,
            settings={"household_display": "hamlet"},
        )
        set_status(session, actor, campaign, campaign.status.__class__.ACTIVE)
        session.commit()
        per_commune = make_rows(communes, hamlets, n)
        files = {cid: to_csv(svc.HEADERS, rows) for cid, rows in per_commune.items()}
        by_id = {c.id: c for c in communes}
        hamlet_ids = {(h.commune_id, h.name): h.id for h in session.execute(select(svc.Hamlet)).scalars()}

        # Baseline: the same rows' contributions, raw core executemany INSERT in chunks, one commit. It runs
        # before and after the import and the two are averaged, so a change in the machine's load during the
        # run does not favour either side.
        now = datetime.now(UTC)
        raw_rows = []
        seq = 0
        for cid, rows in per_commune.items():
            for r in rows:
                seq += 1
                amount = int(r[2].replace(".", ""))
                raw_rows.append(
                    dict(
                        campaign_id=campaign.id,
                        fund_id=campaign.fund_id,
                        channel=Channel.HOUSEHOLD_COLLECTION,
                        donor_kind=DonorKind.HOUSEHOLD,
                        amount_vnd=amount,
                        received_at=now,
                        received_on=now.date(),
                        receiving_unit_id=cid,
                        receiving_unit_key=f"raw{cid}",
                        purpose=Purpose.UNRESTRICTED,
                        pool_unit_id=cid,
                        public_name=f"Hộ gia đình – {r[1]}",
                        is_anonymous=False,
                        receipt_no=f"2026-{seq:06d}",
                        hamlet_id=hamlet_ids[(cid, r[1])],
                        collector_name=r[5],
                        source="bench:raw",
                        idempotency_key=f"raw:{seq}",
                        status=ContributionStatus.RECORDED,
                        search_key="",
                        note="",
                        created_at=now,
                    )
                )
        table = Contribution.__table__

        def raw_insert_seconds() -> float:
            started = time.perf_counter()
            for start in range(0, len(raw_rows), 5_000):
                session.execute(insert(table), raw_rows[start : start + 5_000])
            session.commit()
            seconds = time.perf_counter() - started
            session.execute(table.delete().where(table.c.source == "bench:raw"))
            session.commit()
            return seconds

        raw_before = raw_insert_seconds()

        # The real path: upload check + commit per commune (what the view and the Celery task do).
        started = time.perf_counter()
        committed = 0
        for cid, data in files.items():
            batch = svc.create_import(session, actor, campaign, by_id[cid], "csv", data, f"xa-{cid}.csv")
            session.commit()
            svc.commit_import(session, actor, batch)
            session.commit()
            committed += batch.committed_rows
        import_seconds = time.perf_counter() - started
        assert committed == n, (committed, n)
        received = totals(session, campaign.fund_id, [province.id, *by_id]).received_vnd
        expected = sum(int(r[2].replace(".", "")) for rows in per_commune.values() for r in rows)
        assert received == expected, (received, expected)
        raw_after = raw_insert_seconds()
        raw_seconds = (raw_before + raw_after) / 2

    figure = n / import_seconds
    baseline = n / raw_seconds
    print(
        json.dumps(
            {
                "name": "collections_import_rows_per_s",
                "figure": round(figure, 1),
                "unit": "rows/s",
                "baseline_name": "raw_bulk_insert_contributions_rows_per_s",
                "baseline": round(baseline, 1),
                "ratio": round(figure / baseline, 3),
                "target": 0.5,
                "peak_rss_mb": peak_rss_mb(),
                "rows": n,
                "seconds": round(import_seconds, 2),
                "baseline_seconds_before_after": [round(raw_before, 2), round(raw_after, 2)],
                "database": args.database_url.split(":", 1)[0],
            },
            ensure_ascii=False,
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
