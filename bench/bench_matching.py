"""Benchmark of the matching engine (issue 5, item 7).

    python -m bench.bench_matching --size small      # ~1 min: pure engine (20 000 needs) + DB-backed run
    python -m bench.bench_matching --size national   # 300 000 needs, 1 000 000 contributions, pure engine
    python -m bench.bench_matching --size x10        # 3 000 000 needs, 10 000 000 contributions, pure engine
      (generated in memory with numpy: no database, nothing to reuse; run it under the shared benchmark lock)

Each run prints one JSON object per benchmark:
  * matching_proposal_<size>: seconds to aggregate the contributions into pools and compute a proposal
    (greedy decomposition); baseline = seconds HiGHS needs for the LP-relaxation bound on the same instance.
  * matching_quality_<size>: funded total (weighted) priority of the proposal; baseline = the HiGHS
    LP-relaxation bound; ratio = figure / baseline (target ≥ 0.99).
  * matching_db_small: the DB-backed path (matching.services.run_proposal) on generated needs in one province,
    baseline = the pure engine on the same inputs.
The instance is generated with a fixed seed directly as engine inputs: 34 provinces, ~3 300 communes, needs with
scores 0–100 (poor districts ~25 %), and contributions earmarked to communes / provinces / national, with or
without a purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

from app.matching import engine

SIZES = {
    "small": {"needs": 20_000, "contributions": 60_000, "provinces": 4, "communes": 200},
    "national": {"needs": 300_000, "contributions": 1_000_000, "provinces": 34, "communes": 3_321},
    "x10": {"needs": 3_000_000, "contributions": 10_000_000, "provinces": 34, "communes": 3_321},
}
PURPOSES = ["housing", "livelihood", "education", "health"]
# HiGHS's LP bound (the baseline) gets this long at x10: at 3 000 000 needs its presolve alone ran > 10 min on the
# shared machine; past the limit the quality row says the bound was not reached.
BOUND_LIMIT_S = {"x10": 300.0}


def generate(
    needs: int, contributions: int, provinces: int, communes: int, seed: int = 2026, money_ratio: float = 0.45
) -> tuple[list[engine.Pool], list[engine.Need], float, float]:
    """Needs and contributions as engine inputs; returns (pools, needs, wall and CPU seconds spent aggregating
    the contributions into pools)."""
    rng = np.random.default_rng(seed)
    commune_ids = np.arange(1000, 1000 + communes)
    province_of = rng.integers(0, provinces, size=communes) + 1  # province ids 1..P
    poor_commune = rng.random(communes) < 0.25
    nc = rng.integers(0, communes, size=needs)
    purpose = rng.choice(4, size=needs, p=[0.7, 0.12, 0.1, 0.08])
    # new house 40–80 M, repair 15–30 M, other purposes 2–20 M; secured funding on a third of them
    cost = (
        np.where(
            purpose == 0,
            rng.choice([15, 20, 25, 30, 40, 50, 60, 80], size=needs),
            rng.choice([2, 5, 8, 10, 15, 20], size=needs),
        )
        * 1_000_000
    )
    secured = np.where(
        rng.random(needs) < 0.33, (cost * rng.choice([0.2, 0.3, 0.5], size=needs)).astype(np.int64), 0
    )
    secured = (secured // 1_000_000) * 1_000_000
    requested = cost - secured
    score = rng.integers(0, 101, size=needs)
    need_list = [
        engine.Need(
            id=i + 1,
            commune_id=int(commune_ids[c]),
            province_id=int(province_of[c]),
            purpose=PURPOSES[p],
            requested_vnd=int(r),
            secured_vnd=int(s),
            score=float(sc),
            poor_district=bool(poor_commune[c]),
        )
        for i, (c, p, r, s, sc) in enumerate(
            zip(
                nc.tolist(),
                purpose.tolist(),
                requested.tolist(),
                secured.tolist(),
                score.tolist(),
                strict=True,
            )
        )
    ]
    # contributions: amounts so that total money ≈ money_ratio × total requested
    total = float(requested.sum()) * money_ratio
    raw = rng.lognormal(mean=0.0, sigma=1.5, size=contributions)
    amount = np.maximum(np.rint(raw / raw.sum() * total / 1000) * 1000, 10_000).astype(np.int64)
    level = rng.choice(3, size=contributions, p=[0.45, 0.35, 0.20])  # commune, province, national
    earmark = rng.choice(5, size=contributions, p=[0.55, 0.3, 0.05, 0.05, 0.05])  # 0 = unrestricted
    where_c = rng.integers(0, communes, size=contributions)
    t0, c0 = time.perf_counter(), time.process_time()
    # aggregate 1 000 000 contributions into pools: key = level, unit index, purpose
    unit_index = np.where(level == 0, where_c, np.where(level == 1, province_of[where_c], 0))
    code = (level * 10_000 + unit_index) * 5 + earmark
    uniq, inv = np.unique(code, return_inverse=True)
    sums = np.bincount(inv, weights=amount).astype(np.int64)
    pools = []
    names = ["unrestricted"] + PURPOSES
    for c, s in zip(uniq.tolist(), sums.tolist(), strict=True):
        lv, rest = divmod(c, 50_000)
        ui, em = divmod(rest, 5)
        unit_id = int(commune_ids[ui]) if lv == 0 else (int(ui) if lv == 1 else None)
        pools.append(
            engine.Pool(unit_id=unit_id, level=engine.LEVELS[lv], purpose=names[em], balance_vnd=int(s))
        )
    return pools, need_list, time.perf_counter() - t0, time.process_time() - c0


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_pure(size: str) -> list[dict]:
    spec = SIZES[size]
    pools, needs, agg_s, agg_cpu_s = generate(
        spec["needs"], spec["contributions"], spec["provinces"], spec["communes"]
    )
    cfg = engine.Config(method="greedy")
    cpu0 = time.process_time()
    result = engine.propose(pools, needs, cfg)
    cpu_s = time.process_time() - cpu0 + agg_cpu_s
    problems = engine.validate(pools, needs, {a.need_id: a.draws for a in result.allocations})
    if problems:
        raise SystemExit(f"invalid proposal: {problems[:5]}")
    figure_s = agg_s + result.seconds
    print(
        f"# proposal: {figure_s:.1f} s (cpu {cpu_s:.1f} s), {len(result.allocations)} needs funded; LP bound next",
        file=sys.stderr,
        flush=True,
    )
    cpu1 = time.process_time()
    bound, bound_s = engine.lp_bound(pools, needs, cfg, time_limit_s=BOUND_LIMIT_S.get(size))
    bound_cpu_s = time.process_time() - cpu1
    if bound != bound:  # NaN: the limit passed first
        bound_note = f"HiGHS did not reach the LP bound within {BOUND_LIMIT_S[size]:.0f} s"
        return [
            {
                "name": f"matching_proposal_{size}",
                "figure": round(figure_s, 3),
                "unit": "s",
                "baseline_name": f"HiGHS LP-relaxation bound: not reached, stopped at {bound_s:.0f} s",
                "baseline": None,
                "ratio": None,
                "target": "< 10 s",
                "peak_rss_mb": peak_rss_mb(),
                "rows": len(needs) + spec["contributions"],
                "funded": len(result.allocations),
                "cpu_s": round(cpu_s, 3),
                "note": "wall-clock seconds; cpu_s is this process's CPU time (the 2-core machine is shared)",
            },
            {
                "name": f"matching_quality_{size}",
                "figure": round(result.objective, 2),
                "unit": "weighted priority",
                "baseline_name": "HiGHS LP-relaxation bound",
                "baseline": None,
                "ratio": None,
                "target": ">= 0.99",
                "peak_rss_mb": peak_rss_mb(),
                "rows": len(needs) + spec["contributions"],
                "note": bound_note,
            },
        ]
    rows = len(needs) + spec["contributions"]
    out = [
        {
            "name": f"matching_proposal_{size}",
            "figure": round(figure_s, 3),
            "unit": "s",
            "baseline_name": "HiGHS LP-relaxation bound (same instance)",
            "baseline": round(bound_s, 3),
            "ratio": round(figure_s / bound_s, 4),
            "target": "< 10 s",
            "peak_rss_mb": peak_rss_mb(),
            "rows": rows,
            "funded": len(result.allocations),
            "pools": len(pools),
            "allocated_vnd": result.total_vnd,
            "cpu_s": round(cpu_s, 3),
            "baseline_cpu_s": round(bound_cpu_s, 3),
            "note": "wall-clock seconds; cpu_s is this process's CPU time (the 2-core machine is shared)",
        },
        {
            "name": f"matching_quality_{size}",
            "figure": round(result.objective, 2),
            "unit": "weighted priority",
            "baseline_name": "HiGHS LP-relaxation bound",
            "baseline": round(bound, 2),
            "ratio": round(result.objective / bound, 5),
            "target": ">= 0.99",
            "peak_rss_mb": peak_rss_mb(),
            "rows": rows,
        },
    ]
    if size == "small":
        # the exact optimum on a slice small enough for the MIP: greedy vs exact vs LP bound
        sub = [n for n in needs if n.province_id == 1][:1500]
        sub_ids = {n.commune_id for n in sub}
        sub_pools = [p for p in pools if p.level == "national" or p.unit_id == 1 or p.unit_id in sub_ids]
        t0 = time.perf_counter()
        exact = engine.propose(sub_pools, sub, engine.Config(method="exact", time_limit_s=300))
        exact_s = time.perf_counter() - t0
        greedy = engine.propose(sub_pools, sub, cfg)
        out.append(
            {
                "name": "matching_greedy_vs_exact_small",
                "figure": round(greedy.objective, 2),
                "unit": "weighted priority",
                "baseline_name": f"HiGHS MIP optimum ({exact_s:.2f} s)",
                "baseline": round(exact.objective, 2),
                "ratio": round(greedy.objective / exact.objective, 5),
                "target": ">= 0.99",
                "peak_rss_mb": peak_rss_mb(),
                "rows": len(sub),
            }
        )
    return out


def run_db(database_url: str, needs: int = 3000, seed: int = 2026) -> dict:
    """The DB-backed path on the given database (schema recreated): generated approved needs in Khánh Hòa,
    money in the ledger pools, then services.run_proposal (reads pools and needs, scores them, runs the
    engine, stores the proposal with its lines). Baseline: the pure engine on the same inputs."""
    import random

    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from app import create_app
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.campaigns.models import CampaignStatus
    from app.campaigns.services import create_campaign, set_status
    from app.core.actor import Actor
    from app.extensions import db
    from app.ledger import services as ledger
    from app.ledger.models import Purpose
    from app.matching import services
    from app.needs.models import HouseholdNeed, NeedKind, NeedStatus, PovertyStatus
    from app.units.models import AdminUnit, UnitLevel
    from app.units.services import import_units

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        s = db.session
        import_units(s, [56])
        system = Actor.system("bench")
        kh = s.query(AdminUnit).filter_by(level=UnitLevel.PROVINCE, code=56).one()
        communes = s.query(AdminUnit).filter_by(parent_id=kh.id).all()
        fund = ledger.main_fund(s)
        campaign = create_campaign(s, system, year=2026, name="Bench", fund_id=fund.id, scope_unit_id=kh.id)
        set_status(s, system, campaign, CampaignStatus.ACTIVE)
        user = create_user(
            s,
            system,
            email="bench@chungtay.vn",
            full_name="Bench",
            password="Bench-2026-x",
            role=Role.PROVINCE_STAFF,
            unit_id=kh.id,
        )
        rows = []
        for i in range(needs):
            c = rng.choice(communes)
            kind = rng.choice([NeedKind.NEW_HOUSE] * 3 + [NeedKind.REPAIR])
            requested = 60_000_000 if kind == NeedKind.NEW_HOUSE else 30_000_000
            rows.append(
                dict(
                    campaign_id=campaign.id,
                    commune_id=c.id,
                    head_name=f"Hộ {i}",
                    head_initials="H",
                    search_key=f"ho {i}",
                    household_size=3,
                    poverty_status=rng.choice(list(PovertyStatus)),
                    merit_family=rng.random() < 0.1,
                    ethnic_minority=rng.random() < 0.3,
                    elderly_alone=rng.random() < 0.1,
                    disability=rng.random() < 0.1,
                    single_parent=rng.random() < 0.1,
                    purpose=Purpose.HOUSING,
                    need_kind=kind,
                    estimated_cost_vnd=requested + 10_000_000,
                    secured_vnd=10_000_000,
                    requested_vnd=requested,
                    funded_vnd=0,
                    disbursed_vnd=0,
                    status=NeedStatus.APPROVED,
                    version=1,
                )
            )
        s.execute(insert(HouseholdNeed), rows)
        items = [
            (c.id, rng.choice([Purpose.HOUSING, Purpose.UNRESTRICTED]), rng.randint(1, 40) * 5_000_000)
            for c in communes
        ] + [(kh.id, Purpose.HOUSING, needs * 15_000_000)]
        from datetime import date

        ledger.record_receipts(
            s,
            system,
            fund_id=fund.id,
            items=items,
            occurred_on=date(2026, 11, 1),
            memo="bench",
            source_type="bench",
            source_id=1,
        )
        s.commit()
        t0 = time.perf_counter()
        proposal = services.run_proposal(s, system, user, campaign, kh.id)
        s.commit()
        figure = time.perf_counter() - t0
        pools = services.scope_pools(s, fund.id, kh.id)  # after approval nothing moved: same balances
        snaps = services.scope_needs(s, campaign, kh.id)
        t0 = time.perf_counter()
        engine.propose(pools, [services._engine_need(x) for x in snaps])
        baseline = time.perf_counter() - t0
        funded = sum(1 for ln in proposal.lines if ln.included)
        db.session.remove()
        db.engine.dispose()
    return {
        "name": "matching_db_small",
        "figure": round(figure, 3),
        "unit": "s",
        "baseline_name": "pure engine on the same inputs",
        "baseline": round(baseline, 3),
        "ratio": round(figure / baseline, 3),
        "target": "< 10 s",
        "peak_rss_mb": peak_rss_mb(),
        "rows": needs,
        "funded": funded,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ct_issue5b"
        ),
    )
    ap.add_argument("--no-db", action="store_true", help="skip the DB-backed run")
    args = ap.parse_args(argv)
    for row in run_pure(args.size):
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.size == "small" and not args.no_db:
        print(json.dumps(run_db(args.database_url), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
