"""The matching engine: which approved needs the money in the pools pays for, and from which pools.

Pure (no database): the caller passes pools and needs as plain data and gets a proposal back.

Rules (issue 5, item 3):
  (a) every earmark is respected: a pool of commune X pays only needs in X, a province pool only needs in
      its communes, a national pool anything; a purpose pool pays only that purpose, an unrestricted pool
      any purpose;
  (b) a need is funded fully or not at all: the fund pays exactly `requested_vnd`, which with the
      funding already secured covers the estimated cost (so "partly" only where secured money completes it);
  (c) the most restricted money is spent first: commune+purpose, commune-unrestricted, province+purpose,
      province-unrestricted, national+purpose, national-unrestricted;
  (d) maximise the total weighted priority of the needs funded;
  (e) fairness: a need's weight is its score × a poor-district factor × a diminishing factor for its rank
      inside its own commune (the k-th most urgent need of a commune counts 1 / (1 + decay·(k-1))), so one
      commune cannot take all shared money while other communes still have eligible needs.

Two solvers:
  * ``exact``: a mixed-integer programme solved by HiGHS (binary x_need, continuous flows on the eligible
    (pool, need) pairs only), then, with the chosen needs fixed, a min-cost flow LP that decides which pools
    pay (cost = restrictiveness rank), whose simplex vertex is integral (the constraint matrix is a
    bipartite incidence matrix, totally unimodular).
  * ``greedy``: the decomposition used at national scale: needs sorted by weight per đồng requested, each
    drawing from its (at most six) eligible pools in restrictiveness order — so each commune's own money is
    spent first, then the province's, then the national pools — followed by a repair pass that moves
    draws of funded needs to other eligible pools to free money for an unfunded need. Measured against the
    HiGHS LP-relaxation bound in bench/bench_matching.py.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice

import highspy
import numpy as np

from app.core.messages import N_
from app.core.money import format_vnd

UNRESTRICTED = "unrestricted"
LEVELS = ("commune", "province", "national")
PURPOSE_NAMES = {
    "housing": N_("nhà ở"),
    "livelihood": N_("sinh kế"),
    "education": N_("học tập"),
    "health": N_("y tế"),
    UNRESTRICTED: N_("không chỉ định"),
}
EXACT_MAX_NEEDS = 1500
REPAIR_LOOKS = 8


@dataclass(frozen=True)
class Pool:
    """Unallocated money of one (unit, purpose): unit_id None is the national pool."""

    unit_id: int | None
    level: str  # commune | province | national
    purpose: str
    balance_vnd: int
    label: str = ""

    @property
    def key(self) -> tuple[int | None, str]:
        return (self.unit_id, self.purpose)

    @property
    def rank(self) -> int:
        """Restrictiveness: 0 = most restricted (commune + purpose) … 5 = national unrestricted."""
        return LEVELS.index(self.level) * 2 + (1 if self.purpose == UNRESTRICTED else 0)

    def display(self) -> str:
        """The pool's name (a `N_` message: Vietnamese text, translated where it is shown)."""
        if self.label:
            return self.label
        purpose = PURPOSE_NAMES.get(self.purpose, self.purpose)
        if self.level == "commune":
            return N_("Quỹ xã – %(purpose)s", purpose=purpose)
        if self.level == "province":
            return N_("Quỹ tỉnh – %(purpose)s", purpose=purpose)
        return N_("Quỹ Trung ương – %(purpose)s", purpose=purpose)


@dataclass(frozen=True)
class Need:
    id: int
    commune_id: int
    province_id: int
    purpose: str
    requested_vnd: int  # what the fund must pay (estimated cost − secured)
    secured_vnd: int
    score: float
    poor_district: bool = False


@dataclass(frozen=True)
class Config:
    poor_district_factor: float = 1.5
    fairness_decay: float = 0.1
    method: str = "auto"  # auto | exact | greedy
    exact_max_needs: int = EXACT_MAX_NEEDS
    time_limit_s: float = 10.0


@dataclass(slots=True)
class Allocation:
    need_id: int
    amount_vnd: int
    draws: list[tuple[tuple[int | None, str], int]]
    weight: float
    rank: int = 0


@dataclass(slots=True)
class Unfunded:
    need_id: int
    weight: float
    eligible_vnd: int  # money left in the pools allowed to pay it, after the proposal
    requested_vnd: int

    @property
    def reason(self) -> str:
        """Why the need is not funded (a `N_` message, kept with the proposal through app.core.messages.stored)."""
        if self.eligible_vnd < self.requested_vnd:
            return N_(
                "Các quỹ được phép chi cho hồ sơ này chỉ còn %(available)s, cần %(requested)s: "
                "không đủ tiền trong các quỹ phù hợp.",
                available=format_vnd(self.eligible_vnd),
                requested=format_vnd(self.requested_vnd),
            )
        return N_(
            "Tiền trong các quỹ được phép chi đã dành cho các hồ sơ có thứ tự ưu tiên cao hơn "
            "(còn %(available)s nhưng phải giữ cho các hồ sơ đã chọn).",
            available=format_vnd(self.eligible_vnd),
        )


@dataclass
class Result:
    method: str
    allocations: list[Allocation]
    unfunded: list[Unfunded]
    objective: float
    seconds: float
    remaining: dict[tuple[int | None, str], int] = field(default_factory=dict)
    weights: dict[int, float] = field(default_factory=dict)

    @property
    def total_vnd(self) -> int:
        return sum(a.amount_vnd for a in self.allocations)


class EngineError(ValueError):
    pass


# --- eligibility and weights -------------------------------------------------------------------------


def eligible_keys(need: Need) -> list[tuple[int | None, str]]:
    """The pools that may pay this need, most restricted first (rule (a) and (c))."""
    keys: list[tuple[int | None, str]] = []
    for unit in (need.commune_id, need.province_id, None):
        for purpose in (need.purpose, UNRESTRICTED):
            if (unit, purpose) not in keys:
                keys.append((unit, purpose))
    return keys


def eligibility_matrix(pools: list[Pool], needs: list[Need]) -> np.ndarray:
    """(needs × 6) pool indices in restrictiveness order, −1 where the pool is missing or empty; vectorised."""
    units: dict[int | None, int] = {None: 0}
    purposes: dict[str, int] = {UNRESTRICTED: 0}
    for p in pools:
        units.setdefault(p.unit_id, len(units))
        purposes.setdefault(p.purpose, len(purposes))
    for n in needs:
        purposes.setdefault(n.purpose, len(purposes))
    table = np.full((len(units) + 1, len(purposes)), -1, dtype=np.int64)  # last row: unknown unit
    for i, p in enumerate(pools):
        if p.balance_vnd > 0:
            table[units[p.unit_id], purposes[p.purpose]] = i
    unknown = len(units)
    c = np.fromiter((units.get(n.commune_id, unknown) for n in needs), dtype=np.int64, count=len(needs))
    pr = np.fromiter((units.get(n.province_id, unknown) for n in needs), dtype=np.int64, count=len(needs))
    pu = np.fromiter((purposes[n.purpose] for n in needs), dtype=np.int64, count=len(needs))
    out = np.column_stack(
        [
            table[c, pu],
            table[c, 0],
            table[pr, pu],
            table[pr, 0],
            table[0, pu],
            np.full(len(needs), table[0, 0]),
        ]
    )
    same = pu == 0  # a need whose purpose is "unrestricted": drop the duplicate columns
    out[same, 1] = out[same, 3] = out[same, 5] = -1
    return out


def is_eligible(pool: Pool, need: Need) -> bool:
    if pool.purpose not in (UNRESTRICTED, need.purpose):
        return False
    if pool.level == "national":
        return pool.unit_id is None
    if pool.level == "province":
        return pool.unit_id == need.province_id
    return pool.unit_id == need.commune_id


def weights(needs: list[Need], config: Config) -> dict[int, float]:
    """Objective weight of each need: score × poor-district factor × fairness factor (rank in commune)."""
    if not needs:
        return {}
    ids = np.fromiter((n.id for n in needs), dtype=np.int64, count=len(needs))
    commune = np.fromiter((n.commune_id for n in needs), dtype=np.int64, count=len(needs))
    score = np.maximum(np.fromiter((n.score for n in needs), dtype=np.float64, count=len(needs)), 0.0)
    poor = np.fromiter((n.poor_district for n in needs), dtype=bool, count=len(needs))
    req = np.fromiter((n.requested_vnd for n in needs), dtype=np.float64, count=len(needs))
    order = np.lexsort((ids, req, -poor.astype(np.int8), -score, commune))
    sorted_c = commune[order]
    first = np.r_[0, np.flatnonzero(sorted_c[1:] != sorted_c[:-1]) + 1]
    group_start = np.repeat(first, np.diff(np.r_[first, len(order)]))
    rank = np.empty(len(needs), dtype=np.float64)
    rank[order] = np.arange(len(order)) - group_start
    w = (
        (score + 1e-3)
        * np.where(poor, config.poor_district_factor, 1.0)
        / (1.0 + config.fairness_decay * rank)
    )
    return dict(zip(ids.tolist(), w.tolist(), strict=True))


def _check(pools: list[Pool], needs: list[Need]) -> None:
    seen = set()
    for p in pools:
        if p.key in seen:
            raise EngineError(N_("Quỹ trùng lặp: %(pool)s", pool=p.display()))
        seen.add(p.key)
        if p.balance_vnd < 0:
            raise EngineError(N_("Số dư âm: %(pool)s", pool=p.display()))
    ids = set()
    for n in needs:
        if n.id in ids:
            raise EngineError(N_("Hồ sơ trùng lặp: #%(id)s", id=n.id))
        ids.add(n.id)
        if n.requested_vnd <= 0:
            raise EngineError(N_("Hồ sơ #%(id)s: số tiền đề nghị phải lớn hơn 0.", id=n.id))


# --- public entry point ------------------------------------------------------------------------------


def propose(pools: list[Pool], needs: list[Need], config: Config = Config()) -> Result:
    _check(pools, needs)
    method = config.method
    if method == "auto":
        method = "exact" if len(needs) <= config.exact_max_needs else "greedy"
    start = time.perf_counter()
    w = weights(needs, config)
    elig = eligibility_matrix(pools, needs)
    if method == "exact":
        chosen = _solve_mip(pools, needs, w, config)
        draws = assign_draws(pools, [n for n in needs if n.id in chosen])
        greedy = _greedy(pools, needs, w, elig)
        # the MIP stopped by its time limit may be beaten by the greedy: keep the better (and a feasible one)
        if draws is None or sum(w[i] for i in greedy) > sum(w[i] for i in draws) + 1e-9:
            method, result = "greedy", greedy
        else:
            result = draws
    elif method == "greedy":
        result = _greedy(pools, needs, w, elig)
    else:
        raise EngineError(N_("Phương pháp không hợp lệ: %(method)s", method=method))
    return _finish(method, pools, needs, w, result, time.perf_counter() - start, elig)


def _finish(
    method: str,
    pools: list[Pool],
    needs: list[Need],
    w: dict[int, float],
    draws: dict[int, list[tuple[tuple[int | None, str], int]]],
    seconds: float,
    elig: np.ndarray | None = None,
) -> Result:
    remaining = {p.key: p.balance_vnd for p in pools}
    for lst in draws.values():
        for key, amount in lst:
            remaining[key] -= amount
    allocs = [
        Allocation(need_id=nid, amount_vnd=sum(a for _, a in lst), draws=lst, weight=w[nid])
        for nid, lst in draws.items()
    ]
    allocs.sort(key=lambda a: (-a.weight, a.need_id))
    for i, a in enumerate(allocs, 1):
        a.rank = i
    unfunded = []
    rest_idx = [j for j, n in enumerate(needs) if n.id not in draws]
    rest = [needs[j] for j in rest_idx]
    if rest:
        rem = np.array([max(remaining[p.key], 0) for p in pools] + [0], dtype=np.int64)
        rows = elig[rest_idx] if elig is not None else eligibility_matrix(pools, rest)
        avail = rem[rows].sum(axis=1).tolist()  # −1 indexes the trailing 0
        unfunded = [
            Unfunded(need_id=n.id, weight=w[n.id], eligible_vnd=a, requested_vnd=n.requested_vnd)
            for n, a in zip(rest, avail, strict=True)
        ]
    unfunded.sort(key=lambda u: (-u.weight, u.need_id))
    return Result(
        method=method,
        allocations=allocs,
        unfunded=unfunded,
        objective=sum(a.weight for a in allocs),
        seconds=seconds,
        remaining=remaining,
        weights=w,
    )


# --- greedy decomposition ----------------------------------------------------------------------------


def _greedy(
    pools: list[Pool], needs: list[Need], w: dict[int, float], elig_matrix: np.ndarray | None = None
) -> dict[int, list[tuple[tuple[int | None, str], int]]]:
    bal = [p.balance_vnd for p in pools]
    keys = [p.key for p in pools]
    if elig_matrix is None:
        elig_matrix = eligibility_matrix(pools, needs)
    elig = [[i for i in row if i >= 0] for row in elig_matrix.tolist()]
    req = [n.requested_vnd for n in needs]
    wv = np.array([w[n.id] for n in needs], dtype=np.float64)
    order = np.lexsort((np.arange(len(needs)), -wv, -wv / np.array(req, dtype=np.float64))).tolist()
    draws: dict[int, list[tuple[int, int]]] = {}
    skipped: list[int] = []
    for j in order:
        e = elig[j]
        r = req[j]
        avail = 0
        for i in e:
            avail += bal[i]
        if avail < r:
            skipped.append(j)
            continue
        lst = []
        for i in e:
            b = bal[i]
            if b:
                t = b if b < r else r
                bal[i] = b - t
                lst.append((i, t))
                r -= t
                if not r:
                    break
        draws[j] = lst
    if skipped and any(bal):
        _repair(skipped, elig, req, wv, bal, draws)
    return {needs[j].id: [(keys[i], t) for i, t in lst] for j, lst in draws.items()}


def _repair(
    skipped: list[int],
    elig: list[list[int]],
    req: list[int],
    wv: np.ndarray,
    bal: list[int],
    draws: dict[int, list[tuple[int, int]]],
) -> None:
    """An unfunded need short of money may still fit if funded needs move their draws to pools it cannot
    use (one step of an augmenting path). Tried in order of weight, looking at a bounded number of funded
    needs per pool, and skipping a (pools) group whose smaller shortfall already failed."""
    # only funded needs that could move somewhere (an eligible pool still holds money) matter; balances only
    # go down from here, so a need without such a pool never gets one
    users: dict[int, dict[int, int]] = defaultdict(dict)
    for j, lst in draws.items():
        if any(bal[i2] > 0 for i2 in elig[j]):
            for i, t in lst:
                users[i][j] = t
    failed: dict[tuple[int, ...], int] = {}
    for j in sorted(skipped, key=lambda j: -wv[j]):
        mine = elig[j]
        group = tuple(mine)
        avail = sum(bal[i] for i in mine)
        short = req[j] - avail
        if failed.get(group, short + 1) <= short:
            continue
        if short > 0:
            mine_set = set(mine)
            moves: list[tuple[int, int, int, int]] = []
            freed = 0
            spare: dict[int, int] = {}
            for i in mine:
                for other, amount in list(islice(users[i].items(), REPAIR_LOOKS)):
                    alive = False
                    for i2 in elig[other]:
                        if i2 == i or bal[i2] <= 0:
                            continue
                        alive = True
                        if i2 in mine_set:
                            continue
                        room = spare.get(i2, bal[i2])
                        mv = min(amount, room, short - freed)
                        if mv <= 0:
                            continue
                        spare[i2] = room - mv
                        moves.append((other, i, i2, mv))
                        amount -= mv
                        freed += mv
                        if freed >= short or amount <= 0:
                            break
                    if not alive:  # every other pool it may use is empty, and balances only go down
                        del users[i][other]
                    if freed >= short:
                        break
                if freed >= short:
                    break
            if freed < short:
                failed[group] = short
                continue
            for other, i, i2, mv in moves:
                d = dict(draws[other])
                d[i] -= mv
                d[i2] = d.get(i2, 0) + mv
                draws[other] = [(k, a) for k, a in d.items() if a > 0]
                users[i][other] -= mv
                if not users[i][other]:
                    del users[i][other]
                users[i2][other] = users[i2].get(other, 0) + mv
                bal[i] += mv
                bal[i2] -= mv
        r = req[j]
        lst = []
        for i in mine:
            t = min(r, bal[i])
            if t > 0:
                bal[i] -= t
                lst.append((i, t))
                users[i][j] = t
                r -= t
            if not r:
                break
        if r:
            raise EngineError("internal: need taken without enough money")
        draws[j] = lst


def _highs() -> highspy.Highs:
    """A silent solver. HiGHS prints its banner to stdout when the first instance is built; keep stdout (the
    benchmark's JSON lines, a CLI's output) clean by muting file descriptor 1 meanwhile."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.silent()
    return h


_BANNER_SHOWN = False


# --- HiGHS models ------------------------------------------------------------------------------------


def _pairs(pools: list[Pool], needs: list[Need]) -> tuple[np.ndarray, np.ndarray]:
    """Eligible (pool index, need index) pairs, by dictionary lookup (never the full cross product)."""
    index = {p.key: i for i, p in enumerate(pools) if p.balance_vnd > 0}
    pi, ni = [], []
    for j, n in enumerate(needs):
        for k in eligible_keys(n):
            i = index.get(k)
            if i is not None:
                pi.append(i)
                ni.append(j)
    return np.asarray(pi, dtype=np.int64), np.asarray(ni, dtype=np.int64)


def build_model(
    pools: list[Pool], needs: list[Need], w: dict[int, float], *, integer: bool, money_unit: float = 1e6
) -> tuple[highspy.Highs, int, np.ndarray, np.ndarray]:
    """max Σ w·x  s.t.  Σ_pool f − r·x = 0 (per need),  Σ_need f ≤ balance (per pool),  x ∈ {0,1} or [0,1].
    Money in millions of đồng for numerical range. Returns (solver, n_needs, pair pools, pair needs)."""
    pi, ni = _pairs(pools, needs)
    n = len(needs)
    h = _flow_model(
        pools,
        needs,
        w,
        need_row=np.arange(n),
        flow_row=ni,
        flow_pool=pi,
        n_balance_rows=n,
        integer=integer,
        money_unit=money_unit,
    )
    return h, n, pi, ni


def _flow_model(
    pools: list[Pool],
    needs: list[Need],
    w: dict[int, float],
    *,
    need_row: np.ndarray,
    flow_row: np.ndarray,
    flow_pool: np.ndarray,
    n_balance_rows: int,
    integer: bool,
    money_unit: float,
) -> highspy.Highs:
    """The LP/MIP shared by build_model and the aggregated LP: columns x_j (one per need, weight w_j) then one
    flow f_k per eligible pair; balance rows (Σ f into the row − Σ r·x of its needs = 0) then one row per pool
    (Σ f out of the pool ≤ balance). x_j sits in balance row need_row[j]; f_k in balance row flow_row[k] and in
    pool row flow_pool[k]. Money in `money_unit` đồng for numerical range."""
    n, m, e, r = len(needs), len(pools), len(flow_row), n_balance_rows
    req = np.array([nd.requested_vnd for nd in needs], dtype=np.float64) / money_unit
    bal = np.array([p.balance_vnd for p in pools], dtype=np.float64) / money_unit
    lp = highspy.HighsLp()
    lp.num_col_ = n + e
    lp.num_row_ = r + m
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.array([w[nd.id] for nd in needs], dtype=np.float64), np.zeros(e)])
    lp.col_lower_ = np.zeros(n + e)
    lp.col_upper_ = np.concatenate([np.ones(n), np.full(e, highspy.kHighsInf)])
    lp.row_lower_ = np.concatenate([np.zeros(r), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.zeros(r), bal])
    # column-wise matrix: x_j has one entry (its balance row, −r_j); f_k has (its balance row, 1), (its pool row, 1)
    starts = np.concatenate([np.arange(n, dtype=np.int64), n + 2 * np.arange(e + 1, dtype=np.int64)])
    index = np.empty(n + 2 * e, dtype=np.int32)
    value = np.empty(n + 2 * e, dtype=np.float64)
    index[:n] = need_row
    value[:n] = -req
    index[n::2] = flow_row
    index[n + 1 :: 2] = r + flow_pool
    value[n:] = 1.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = n + e
    lp.a_matrix_.num_row_ = r + m
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * e
    h = _highs()
    h.passModel(lp)
    return h


def _solve_mip(pools: list[Pool], needs: list[Need], w: dict[int, float], config: Config) -> set[int]:
    if not needs or not pools:
        return set()
    h, n, _, _ = build_model(pools, needs, w, integer=True)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("time_limit", float(config.time_limit_s))
    h.run()
    sol = h.getSolution()
    if not sol.value_valid:
        return set()
    x = np.asarray(sol.col_value[:n])
    return {needs[j].id for j in range(n) if x[j] > 0.5}


def lp_bound(
    pools: list[Pool],
    needs: list[Need],
    config: Config = Config(),
    *,
    aggregate: bool = True,
    time_limit_s: float | None = None,
) -> tuple[float, float]:
    """The LP-relaxation bound of the matching problem (x ∈ [0,1]) and HiGHS's time to compute it; the bound is NaN
    when time_limit_s passed before HiGHS found it (bench --size x10: 3 000 000 needs).

    aggregate=True solves an exact reformulation of the same LP: needs with the same set of eligible pools
    (same commune and purpose) share one flow variable per pool, Σ_pool f_(pool,group) = Σ_need r·x, since any
    flow into a group can be split among its needs. Same optimum, ~5× fewer columns (checked in the tests)."""
    w = weights(needs, config)
    start = time.perf_counter()
    if not aggregate:
        h, _, _, _ = build_model(pools, needs, w, integer=False)
    else:
        h = _build_aggregated_lp(pools, needs, w)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        return math.nan, time.perf_counter() - start
    value = h.getInfo().objective_function_value
    return float(value), time.perf_counter() - start


def _build_aggregated_lp(
    pools: list[Pool], needs: list[Need], w: dict[int, float], money_unit: float = 1e6
) -> highspy.Highs:
    elig = eligibility_matrix(pools, needs)
    groups, group_of = np.unique(elig, axis=0, return_inverse=True)
    group_of = group_of.reshape(-1)
    gi, pi = np.nonzero(groups >= 0)
    pi = groups[gi, pi]
    return _flow_model(
        pools,
        needs,
        w,
        need_row=group_of,
        flow_row=gi,
        flow_pool=pi,
        n_balance_rows=len(groups),
        integer=False,
        money_unit=money_unit,
    )


def assign_draws(
    pools: list[Pool], chosen: list[Need]
) -> dict[int, list[tuple[tuple[int | None, str], int]]] | None:
    """Which pools pay for a fixed set of needs: a min-cost flow (cost = restrictiveness rank) solved as an LP
    by the simplex method, whose optimal vertex is integral. None when the set cannot be paid."""
    if not chosen:
        return {}
    live = [p for p in pools if p.balance_vnd > 0]
    pi, ni = _pairs(live, chosen)
    n, m, e = len(chosen), len(live), len(pi)
    covered = np.bincount(ni, minlength=n) if e else np.zeros(n, dtype=np.int64)
    if e == 0 or (covered == 0).any():
        return None
    lp = highspy.HighsLp()
    lp.num_col_ = e
    lp.num_row_ = n + m
    lp.sense_ = highspy.ObjSense.kMinimize
    ranks = np.array([p.rank for p in live], dtype=np.float64)
    lp.col_cost_ = 1.0 + ranks[pi]
    lp.col_lower_ = np.zeros(e)
    lp.col_upper_ = np.full(e, highspy.kHighsInf)
    req = np.array([nd.requested_vnd for nd in chosen], dtype=np.float64)
    bal = np.array([p.balance_vnd for p in live], dtype=np.float64)
    lp.row_lower_ = np.concatenate([req, np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([req, bal])
    index = np.empty(2 * e, dtype=np.int32)
    index[0::2] = ni
    index[1::2] = n + pi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = (2 * np.arange(e + 1)).astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = np.ones(2 * e)
    lp.a_matrix_.num_col_ = e
    lp.a_matrix_.num_row_ = n + m
    h = _highs()
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    f = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    draws: dict[int, list] = {nd.id: [] for nd in chosen}
    for k in np.nonzero(f > 0)[0]:
        draws[chosen[ni[k]].id].append((live[pi[k]].key, int(f[k])))
    # integrality repair for any floating-point residue: keep sums exact and pools within balance
    spent: dict[tuple, int] = defaultdict(int)
    for lst in draws.values():
        for key, a in lst:
            spent[key] += a
    by_key = {p.key: p for p in live}
    for nd in chosen:
        lst = draws[nd.id]
        lst.sort(key=lambda d: by_key[d[0]].rank)
        diff = nd.requested_vnd - sum(a for _, a in lst)
        if diff:
            for k in eligible_keys(nd):
                if k not in by_key:
                    continue
                room = by_key[k].balance_vnd - spent[k]
                step = min(diff, room) if diff > 0 else max(diff, -dict(lst).get(k, 0))
                if step:
                    d = dict(lst)
                    d[k] = d.get(k, 0) + step
                    spent[k] += step
                    lst[:] = sorted(
                        ((kk, a) for kk, a in d.items() if a > 0), key=lambda t: by_key[t[0]].rank
                    )
                    diff -= step
                if not diff:
                    break
            if diff:
                return None
    if any(spent[k] > by_key[k].balance_vnd for k in spent):
        return None
    return draws


def check_feasible(
    pools: list[Pool], needs: list[Need], included: set[int]
) -> dict[int, list[tuple[tuple[int | None, str], int]]] | None:
    """Re-check a staff-edited set of needs: their draws, or None if the eligible pools cannot pay them."""
    return assign_draws(pools, [n for n in needs if n.id in included])


def validate(
    pools: list[Pool], needs: list[Need], draws: dict[int, list[tuple[tuple[int | None, str], int]]]
) -> list[str]:
    """Every rule a proposal must keep; returns the violations found (empty when it is sound)."""
    problems = []
    by_key = {p.key: p for p in pools}
    by_id = {n.id: n for n in needs}
    spent: dict[tuple, int] = defaultdict(int)
    for nid, lst in draws.items():
        n = by_id[nid]
        if sum(a for _, a in lst) != n.requested_vnd:
            problems.append(f"need {nid} paid {sum(a for _, a in lst)} of {n.requested_vnd}")
        for key, a in lst:
            if a <= 0 or not isinstance(a, int):
                problems.append(f"need {nid} bad draw {a}")
            if not is_eligible(by_key[key], n):
                problems.append(f"need {nid} paid from ineligible pool {key}")
            spent[key] += a
    for key, s in spent.items():
        if s > by_key[key].balance_vnd:
            problems.append(f"pool {key} overspent {s} > {by_key[key].balance_vnd}")
    return problems
