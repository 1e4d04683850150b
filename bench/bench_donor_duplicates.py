"""Benchmark: duplicate-donor candidates (issue 19.2) over a national donor table.

    python -m bench.bench_donor_duplicates --size small          # 20 000 donors, under a minute
    python -m bench.bench_donor_duplicates --size national       # 100 000 donors
    python -m bench.bench_donor_duplicates --database-url sqlite:////tmp/bench.sqlite3

Generates donors with a fixed seed (about 6 % duplicates by tax code, phone, e-mail or folded name + commune)
into the given database (its schema dropped and migrated afresh), then times app.donors.merge.candidates_for
(the candidates of one record: what the merge screen and a staff search ask) on 300 random records, and the
whole-table listing duplicate_pairs a few times. Prints one JSON object per benchmark on stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from types import SimpleNamespace

from bench.bench_certificates import fresh_schema, make_app

SIZES = {"small": 20_000, "national": 100_000}
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/chungtay_bench"
SEED = 20261207
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Đức", "Thanh", "Quốc", "Kim", "Xuân"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Tám",
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def generate(session, count: int, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select

    from app.core.db import utcnow
    from app.core.text import fold
    from app.donors.models import Donor, DonorKind, PublicDisplay
    from app.units.models import AdminUnit, UnitLevel

    communes = list(
        session.execute(select(AdminUnit.id).where(AdminUnit.level == UnitLevel.COMMUNE)).scalars()
    )
    province = session.execute(select(AdminUnit.id).where(AdminUnit.level == UnitLevel.PROVINCE)).scalar_one()
    rows: list[dict] = []
    now = utcnow()
    for i in range(count):
        dup = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.06 else None
        business = rng.random() < 0.15
        if business:
            name = f"Công ty TNHH {rng.choice(SURNAMES)} {rng.choice(GIVEN)} {i}"
            tax = dup["tax_code"] if dup and dup["tax_code"] else f"{rng.randrange(10**9, 10**10)}"
        else:
            name = f"Hộ {rng.choice(['ông', 'bà'])} {rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            tax = None
        commune = rng.choice(communes)
        phone = f"09{rng.randrange(10**7, 10**8)}"
        email = f"d{i}@example.vn" if rng.random() < 0.4 else None
        if dup is not None:
            which = rng.choice(["phone", "email", "name"])
            if which == "phone":
                phone = dup["phone"]
            elif which == "email" and dup["email"]:
                email = dup["email"]
            elif not business:
                name, commune = dup["name"], dup["commune_id"]
        rows.append(
            dict(
                kind=DonorKind.BUSINESS if business else DonorKind.HOUSEHOLD,
                name=name,
                tax_code=tax,
                address="",
                contact_person="",
                email=email,
                phone=phone,
                province_id=province,
                commune_id=commune,
                public_display=PublicDisplay.FULL_NAME,
                search_key=" ".join(filter(None, [fold(name), tax or ""])),
                created_at=now,
            )
        )
    for start in range(0, len(rows), 5_000):
        session.execute(insert(Donor.__table__), rows[start : start + 5_000])
    session.commit()
    return list(session.execute(select(Donor.id)).scalars())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    count = SIZES[args.size]
    app = make_app(args.database_url)
    fresh_schema(app)
    with app.app_context():
        from sqlalchemy import text

        from app.accounts.models import Role
        from app.donors import merge as merging
        from app.donors.models import Donor
        from app.extensions import db

        rng = random.Random(SEED)
        ids = generate(db.session, count, rng)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE donors"))
            db.session.commit()
        sample = rng.sample(ids, min(args.lookups, len(ids)))
        timings, found = [], 0
        for donor_id in sample:
            donor = db.session.get_one(Donor, donor_id)
            started = time.perf_counter()
            found += len(merging.candidates_for(db.session, donor))
            timings.append((time.perf_counter() - started) * 1000)
            db.session.expunge_all()
        print(
            json.dumps(
                {
                    "name": "donors.duplicate_candidates_p95",
                    "figure": round(p95(timings), 2),
                    "unit": "ms",
                    "donors": count,
                    "lookups": len(sample),
                    "median_ms": round(statistics.median(timings), 2),
                    "candidates_found": found,
                    "dialect": db.engine.dialect.name,
                }
            ),
            flush=True,
        )
        admin = SimpleNamespace(role=Role.CENTRAL_ADMIN)
        listing = []
        pairs = 0
        for _ in range(5):
            started = time.perf_counter()
            pairs = len(merging.duplicate_pairs(db.session, admin, limit=100))  # type: ignore[arg-type]
            listing.append((time.perf_counter() - started) * 1000)
        print(
            json.dumps(
                {
                    "name": "donors.duplicate_listing",
                    "figure": round(max(listing), 2),
                    "unit": "ms",
                    "donors": count,
                    "pairs_shown": pairs,
                    "median_ms": round(statistics.median(listing), 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
