"""Benchmark of the need entry page with the program's limits and the area designations resolved (issue 18.5).

    python -m bench.bench_need_entry --stage generate     # national data, untimed
    flock /work/notes/bench.lock python -m bench.bench_need_entry --stage measure

PostgreSQL (default: postgresql+psycopg://postgres@127.0.0.1:5432/ct_natbench_entry; --stage generate drops the
schema and migrates). National data, fixed seed, bulk-loaded with COPY:
  * every current and pre-2025 unit of the 34 provinces (import_units) and 20 hamlets per commune;
  * area designations: Khánh Hòa's real ones (app/demo/data) and synthetic national ones: 70 poor districts
    (huyen_ngheo on legacy districts), 1 500 special-difficulty communes (xa_dbkk on legacy communes), 300
    ethnic-minority areas (vung_dtts on current communes) — the real national lists are not in the repository;
  * support limits: the national build / repair limits, each province's own (and an expired older one);
  * 300 000 needs over every commune, a third of them with the pre-2025 commune where they were assessed.
Measured through the Flask test client (CSRF off, as in bench_needs; the testing configuration), as Khánh Hòa's
province staff (--who province: the form lists the province's 65 communes and their 1 300 hamlets) or as a commune
officer (--who commune, made on first use), in interleaved rounds so that the baseline sees the same machine:
  * need_entry_form: GET /can-bo/nhu-cau/them (communes and hamlets of the province, the limits in force);
  * need_entry_post: POST of a valid need (limits applied, CCCD duplicate check, consent, audit; the redirect is
    not followed);
  * need_entry_detail: GET of a need that stores its pre-2025 commune (its score with the designations resolved
    through that commune, the page the POST redirects to).
Baseline: a one-query route (/bench/ping: SELECT 1, as bench/load_wsgi.py), same client, same rounds.
Target: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_natbench_entry"
SEED = 20261208
NEEDS = 300_000
HAMLETS_PER_COMMUNE = 20
PASSWORD = "Bench-2026-x"
EMAIL = "tinh.entry@bench.vn"


def _log(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:7.1f} s] {msg}", file=sys.stderr, flush=True)


def make_app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app
    from app.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)

    @app.route("/bench/ping")
    def ping():  # type: ignore[no-untyped-def]
        return {"ok": db.session.execute(text("SELECT 1")).scalar_one()}

    return app


def generate(app, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.campaigns.models import CampaignStatus
    from app.campaigns.services import create_campaign, set_status
    from app.core.actor import Actor
    from app.core.text import fold, initials
    from app.extensions import db
    from app.ledger.models import Purpose
    from app.ledger.services import main_fund
    from app.needs.limits import DEMO_BASIS, DEMO_LIMITS, DEMO_PROGRAM
    from app.needs.models import HouseholdNeed, NeedKind, NeedStatus, PovertyStatus, SupportLimit
    from app.units.models import AdminUnit, AreaDesignation, Hamlet, LegacyUnit, UnitLevel, UnitLineage
    from app.units.services import import_designations_csv, import_units
    from bench.bench_needs import FIRST, LAST, MIDDLE, copy_rows

    t0 = time.perf_counter()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        _log("schema migrated", t0)
        session = db.session
        actor = Actor.system("bench")
        import_units(session, None)
        session.commit()
        _log("units imported", t0)
        csv_path = (
            Path(__file__).resolve().parent.parent / "app" / "demo" / "data" / "khanh-hoa-designations.csv"
        )
        import_designations_csv(session, csv_path.read_text(encoding="utf-8"))
        provinces = session.execute(
            select(AdminUnit.id, AdminUnit.code).where(AdminUnit.level == UnitLevel.PROVINCE)
        ).all()
        kh = next(pid for pid, code in provinces if code == 56)
        communes = session.execute(
            select(AdminUnit.id, AdminUnit.parent_id).where(AdminUnit.level == UnitLevel.COMMUNE)
        ).all()
        districts = list(
            session.execute(select(LegacyUnit.id).where(LegacyUnit.level == UnitLevel.DISTRICT)).scalars()
        )
        lineage: dict[int, list[int]] = {}
        for legacy_id, admin_id in session.execute(
            select(UnitLineage.legacy_unit_id, UnitLineage.admin_unit_id)
            .join(LegacyUnit, LegacyUnit.id == UnitLineage.legacy_unit_id)
            .where(LegacyUnit.level == UnitLevel.COMMUNE)
        ):
            lineage.setdefault(admin_id, []).append(legacy_id)
        legacy_communes = sorted({i for ids in lineage.values() for i in ids})
        basis = "Danh sách tổng hợp cho benchmark (không phải danh sách thật)"
        rows: list[tuple[str, int | None, int | None]] = []
        rows += [("huyen_ngheo", d, None) for d in rng.sample(districts, min(70, len(districts)))]
        rows += [("xa_dbkk", c, None) for c in rng.sample(legacy_communes, min(1500, len(legacy_communes)))]
        rows += [("vung_dtts", None, c) for c, _ in rng.sample(communes, min(300, len(communes)))]
        session.add_all(
            AreaDesignation(
                kind=kind,
                legacy_unit_id=legacy,
                admin_unit_id=admin,
                legal_basis=basis,
                valid_from=date(2022, 3, 15),
                valid_to=None,
                note="bench",
            )
            for kind, legacy, admin in rows
        )
        for kind, amount in DEMO_LIMITS.items():
            session.add(
                SupportLimit(
                    program_code=DEMO_PROGRAM[0],
                    program_name=DEMO_PROGRAM[1],
                    need_kind=kind,
                    province_id=None,
                    max_vnd=amount,
                    legal_basis=DEMO_BASIS,
                    valid_from=date(2024, 1, 1),
                )
            )
            for pid, _code in provinces:
                session.add(
                    SupportLimit(
                        program_code="tinh-cu",
                        program_name="Mức cũ của tỉnh (bench)",
                        need_kind=kind,
                        province_id=pid,
                        max_vnd=amount - 10_000_000,
                        legal_basis="bench",
                        valid_from=date(2020, 1, 1),
                        valid_to=date(2023, 12, 31),
                    )
                )
                session.add(
                    SupportLimit(
                        program_code="tinh",
                        program_name="Mức của tỉnh (bench)",
                        need_kind=kind,
                        province_id=pid,
                        max_vnd=amount + rng.choice([0, 5_000_000, 10_000_000]),
                        legal_basis="bench",
                        valid_from=date(2024, 1, 1),
                    )
                )
        session.commit()
        now = datetime.now(UTC)
        copy_rows(
            session,
            Hamlet.__table__,
            (
                dict(
                    commune_id=cid,
                    name=f"Thôn {i}",
                    kind="thôn",
                    search_key=f"thon {i}",
                    active=True,
                    created_at=now,
                )
                for cid, _ in communes
                for i in range(1, HAMLETS_PER_COMMUNE + 1)
            ),
        )
        session.commit()
        _log("designations, limits, hamlets", t0)
        fund = main_fund(session)
        campaign = create_campaign(
            session, actor, year=2026, name="Bench", fund_id=fund.id, scope_unit_id=None
        )
        set_status(session, actor, campaign, CampaignStatus.ACTIVE)
        create_user(
            session,
            actor,
            email=EMAIL,
            full_name="Cán bộ tỉnh",
            password=PASSWORD,
            role=Role.PROVINCE_STAFF,
            unit_id=kh,
        )
        session.commit()

        def need_rows():  # type: ignore[no-untyped-def]
            for _ in range(NEEDS):
                commune_id, _parent = communes[rng.randrange(len(communes))]
                kind = NeedKind.NEW_HOUSE if rng.random() < 0.6 else NeedKind.REPAIR
                requested = 60_000_000 if kind == NeedKind.NEW_HOUSE else 30_000_000
                name = f"{rng.choice(FIRST)} {rng.choice(MIDDLE)} {rng.choice(LAST)}"
                olds = lineage.get(commune_id)
                yield dict(
                    campaign_id=campaign.id,
                    commune_id=commune_id,
                    legacy_commune_id=rng.choice(olds) if olds and rng.random() < 0.33 else None,
                    head_name=name,
                    head_initials=initials(name),
                    search_key=fold(name),
                    household_size=rng.randint(1, 7),
                    poverty_status=rng.choice(list(PovertyStatus)),
                    merit_family=rng.random() < 0.08,
                    ethnic_minority=rng.random() < 0.3,
                    elderly_alone=rng.random() < 0.1,
                    disability=rng.random() < 0.1,
                    single_parent=rng.random() < 0.08,
                    purpose=Purpose.HOUSING,
                    need_kind=kind,
                    situation="",
                    estimated_cost_vnd=requested + 5_000_000,
                    secured_vnd=0,
                    requested_vnd=requested,
                    funded_vnd=0,
                    disbursed_vnd=0,
                    status=rng.choice([NeedStatus.PROPOSED, NeedStatus.APPROVED]),
                    rejection_reason="",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )

        copy_rows(session, HouseholdNeed.__table__, need_rows())
        session.commit()
        _log("needs inserted", t0)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        _log("vacuum analyze", t0)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def commune_user(app) -> str:  # type: ignore[no-untyped-def]
    """A commune officer of Khánh Hòa (the usual author of a need), made on first use."""
    from app.accounts.models import Role, User
    from app.accounts.services import create_user
    from app.core.actor import Actor
    from app.extensions import db
    from app.units.models import AdminUnit, UnitLevel

    email = "xa.entry@bench.vn"
    with app.app_context():
        if db.session.execute(select(User.id).where(User.email == email)).first() is None:
            kh = db.session.execute(
                select(AdminUnit.id).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == 56)
            ).scalar_one()
            commune = db.session.execute(
                select(AdminUnit.id).where(AdminUnit.parent_id == kh).order_by(AdminUnit.code).limit(1)
            ).scalar_one()
            create_user(
                db.session,
                Actor.system("bench"),
                email=email,
                full_name="Cán bộ xã",
                password=PASSWORD,
                role=Role.COMMUNE_STAFF,
                unit_id=commune,
            )
            db.session.commit()
        db.session.remove()  # type: ignore[attr-defined]
    return email


def measure(app, rounds: int, who: str = "province") -> list[dict]:  # type: ignore[no-untyped-def]
    from app.accounts.models import User
    from app.extensions import db
    from app.needs.models import HouseholdNeed
    from app.units.models import AdminUnit, UnitLevel

    email = EMAIL if who == "province" else commune_user(app)
    with app.app_context():
        kh = db.session.execute(
            select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == 56)
        ).scalar_one()
        kh_communes = list(
            db.session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == kh.id)).scalars()
        )
        if who == "commune":
            own = db.session.execute(select(User.unit_id).where(User.email == email)).scalar_one()
            assert own is not None
            kh_communes = [own]
        detail_ids = list(
            db.session.execute(
                select(HouseholdNeed.id)
                .where(
                    HouseholdNeed.commune_id.in_(kh_communes), HouseholdNeed.legacy_commune_id.is_not(None)
                )
                .order_by(HouseholdNeed.id)
                .limit(rounds)
            ).scalars()
        )
        needs_before = db.session.execute(select(text("count(*)")).select_from(HouseholdNeed)).scalar_one()
        db.session.remove()  # type: ignore[attr-defined]
    client = app.test_client()
    resp = client.post("/dang-nhap", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    rng = random.Random(SEED + 1)
    run_tag = int(time.time()) % 100_000

    def post_data(i: int) -> dict:
        return {
            "commune_id": str(rng.choice(kh_communes)),
            "hamlet_id": "0",
            "consent_source": "don_ky",
            "head_name": "Bench Văn Nhập",
            "citizen_id": f"05{run_tag:05d}{i:04d}{int(who == 'commune')}",
            "household_size": "4",
            "poverty_status": "poor",
            "need_kind": "new_house",
            "situation": "",
            "estimated_cost": "80.000.000",
            "requested": "60.000.000",
            "source1_kind": "",
            "source2_kind": "",
            "source3_kind": "",
            "poverty_list_year": "2025",
        }

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1000

    def get_ok(url: str) -> None:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)

    posted: list[str] = []

    def post(i: int) -> None:
        r = client.post("/can-bo/nhu-cau/them", data=post_data(i))
        assert r.status_code == 302 and "/can-bo/nhu-cau/" in r.headers["Location"], r.get_data(as_text=True)[
            :500
        ]
        posted.append(r.headers["Location"])

    for _ in range(5):  # warm up (templates compiled, connections open)
        get_ok("/bench/ping")
        get_ok("/can-bo/nhu-cau/them")
        get_ok(f"/can-bo/nhu-cau/{detail_ids[0]}")
    times: dict[str, list[float]] = {"ping": [], "form": [], "post": [], "detail": []}
    for i in range(rounds):
        times["ping"].append(timed(lambda: get_ok("/bench/ping")))
        times["form"].append(timed(lambda: get_ok("/can-bo/nhu-cau/them")))
        times["post"].append(timed(lambda i=i: post(i)))
        times["detail"].append(
            timed(lambda i=i: get_ok(f"/can-bo/nhu-cau/{detail_ids[i % len(detail_ids)]}"))
        )
    with app.app_context():
        needs_after = db.session.execute(select(text("count(*)")).select_from(HouseholdNeed)).scalar_one()
        db.session.remove()  # type: ignore[attr-defined]
    base95 = _pct(times["ping"], 0.95)
    out = []
    for key, label in (
        ("form", "GET /can-bo/nhu-cau/them (communes, hamlets, limits in force)"),
        ("post", "POST /can-bo/nhu-cau/them (valid need: limits, CCCD check, consent, audit)"),
        ("detail", "GET /can-bo/nhu-cau/<id> of a need with its pre-2025 commune (designations resolved)"),
    ):
        p95 = _pct(times[key], 0.95)
        out.append(
            {
                "name": f"need_entry_{key}_{who}",
                "what": label,
                "figure": round(p95, 1),
                "unit": "ms (p95)",
                "p50": round(statistics.median(times[key]), 1),
                "max": round(max(times[key]), 1),
                "baseline_name": "one-query route /bench/ping (SELECT 1), same client, same rounds",
                "baseline": round(base95, 1),
                "baseline_p50": round(statistics.median(times["ping"]), 1),
                "ratio": round(p95 / base95, 1),
                "target": "p95 < 100 ms",
                "ok": p95 < 100,
                "rounds": rounds,
                "needs": needs_before,
                "needs_added": needs_after - needs_before,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--stage", choices=["all", "generate", "measure"], default="all")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--who", choices=["province", "commune"], default="province")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("--database-url must point at PostgreSQL")
    app = make_app(args.database_url)
    if args.stage in ("all", "generate"):
        generate(app, random.Random(SEED))
    if args.stage in ("all", "measure"):
        for r in measure(app, args.rounds, args.who):
            print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
