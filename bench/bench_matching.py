"""Benchmark of the matching engine (issue 5, item 7).

    python -m bench.bench_matching --size small      # ~1 min: pure engine (20 000 needs) + DB-backed run
    python -m bench.bench_matching --size national   # 300 000 needs, 1 000 000 contributions, pure engine

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
}
PURPOSES = ["housing", "livelihood", "education", "health"]


def generate(needs: int, contributions: int, provinces: int, communes: int, seed: int = 2026,
             money_ratio: float = 0.45) -> tuple[list[engine.Pool], list[engine.Need], float]:
    """Needs and contributions as engine inputs; returns (pools, needs, seconds spent aggregating pools)."""
    rng = np.random.default_rng(seed)
    commune_ids = np.arange(1000, 1000 + communes)
    province_of = rng.integers(0, provinces, size=communes) + 1  # province ids 1..P
    poor_commune = rng.random(communes) < 0.25
    nc = rng.integers(0, communes, size=needs)
    purpose = rng.choice(4, size=needs, p=[0.7, 0.12, 0.1, 0.08])
    # new house 40–80 M, repair 15–30 M, other purposes 2–20 M; secured funding on a third of them
    cost = np.where(purpose == 0, rng.choice([15, 20, 25, 30, 40, 50, 60, 80], size=needs),
                    rng.choice([2, 5, 8, 10, 15, 20], size=needs)) * 1_000_000
    secured = np.where(rng.random(needs) < 0.33, (cost * rng.choice([0.2, 0.3, 0.5], size=needs)).astype(np.int64), 0)
    secured = (secured // 1_000_000) * 1_000_000
    requested = cost - secured
    score = rng.integers(0, 101, size=needs)
    need_list = [engine.Need(id=i + 1, commune_id=int(commune_ids[c]), province_id=int(province_of[c]),
                             purpose=PURPOSES[p], requested_vnd=int(r), secured_vnd=int(s), score=float(sc),
                             poor_district=bool(poor_commune[c]))
                 for i, (c, p, r, s, sc) in enumerate(zip(nc.tolist(), purpose.tolist(), requested.tolist(),
                                                             secured.tolist(), score.tolist(), strict=True))]
    # contributions: amounts so that total money ≈ money_ratio × total requested
    total = float(requested.sum()) * money_ratio
    raw = rng.lognormal(mean=0.0, sigma=1.5, size=contributions)
    amount = np.maximum(np.rint(raw / raw.sum() * total / 1000) * 1000, 10_000).astype(np.int64)
    level = rng.choice(3, size=contributions, p=[0.45, 0.35, 0.20])  # commune, province, national
    earmark = rng.choice(5, size=contributions, p=[0.55, 0.3, 0.05, 0.05, 0.05])  # 0 = unrestricted
    where_c = rng.integers(0, communes, size=contributions)
    t0 = time.perf_counter()
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
        pools.append(engine.Pool(unit_id=unit_id, level=engine.LEVELS[lv], purpose=names[em], balance_vnd=int(s)))
    return pools, need_list, time.perf_counter() - t0


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_pure(size: str) -> list[dict]:
    spec = SIZES[size]
    pools, needs, agg_s = generate(spec["needs"], spec["contributions"], spec["provinces"], spec["communes"])
    cfg = engine.Config(method="greedy")
    result = engine.propose(pools, needs, cfg)
    problems = engine.validate(pools, needs, {a.need_id: a.draws for a in result.allocations})
    if problems:
        raise SystemExit(f"invalid proposal: {problems[:5]}")
    bound, bound_s = engine.lp_bound(pools, needs, cfg)
    figure_s = agg_s + result.seconds
    rows = len(needs) + spec["contributions"]
    out = [
        {"name": f"matching_proposal_{size}", "figure": round(figure_s, 3), "unit": "s",
         "baseline_name": "HiGHS LP-relaxation bound (same instance)", "baseline": round(bound_s, 3),
         "ratio": round(figure_s / bound_s, 4), "target": "< 10 s", "peak_rss_mb": peak_rss_mb(), "rows": rows,
         "funded": len(result.allocations), "pools": len(pools), "allocated_vnd": result.total_vnd},
        {"name": f"matching_quality_{size}", "figure": round(result.objective, 2), "unit": "weighted priority",
         "baseline_name": "HiGHS LP-relaxation bound", "baseline": round(bound, 2),
         "ratio": round(result.objective / bound, 5), "target": ">= 0.99", "peak_rss_mb": peak_rss_mb(),
         "rows": rows},
    ]
    if size == "small":
        # the exact optimum on a slice small enough for the MIP: greedy vs exact vs LP bound
        sub = [n for n in needs if n.province_id == 1][:3000]
        sub_ids = {n.commune_id for n in sub}
        sub_pools = [p for p in pools if p.level == "national" or p.unit_id == 1 or p.unit_id in sub_ids]
        t0 = time.perf_counter()
        exact = engine.propose(sub_pools, sub, engine.Config(method="exact"))
        exact_s = time.perf_counter() - t0
        greedy = engine.propose(sub_pools, sub, cfg)
        out.append({"name": "matching_greedy_vs_exact_small", "figure": round(greedy.objective, 2),
                    "unit": "weighted priority", "baseline_name": f"HiGHS MIP optimum ({exact_s:.2f} s)",
                    "baseline": round(exact.objective, 2), "ratio": round(greedy.objective / exact.objective, 5),
                    "target": ">= 0.99", "peak_rss_mb": peak_rss_mb(), "rows": len(sub)})
    return out


def run_db(database_url: str) -> dict:
    """The DB-backed path: generated needs in Khánh Hòa, pools from the ledger, proposal stored."""
    os.environ.setdefault("CHUNGTAY_ENV", "development")
    from bench._matching_db import run

    return run(database_url)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ct_issue5b"))
    ap.add_argument("--no-db", action="store_true", help="skip the DB-backed run")
    args = ap.parse_args(argv)
    for row in run_pure(args.size):
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.size == "small" and not args.no_db:
        print(json.dumps(run_db(args.database_url), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
