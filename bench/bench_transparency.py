"""Benchmarks for the public statement, the overview cache and the streamed CSV export (PostgreSQL).

    python -m bench.bench_transparency --size small      # 100 000 contributions, about 2 minutes
    python -m bench.bench_transparency --size national   # 2 000 000 contributions
    python -m bench.bench_transparency --size x10        # 20 000 000 contributions, 1 000 000 donors
    (also --size tiny 20 000 and medium 400 000, for trying changes)
    options: --database-url URL (default: this worktree's own database), --seed N, --reuse (keep existing data),
    --generate-only (generate, vacuum and stop: no measurement), --only search|list|overview|export (repeatable)

Generation and measurement can run apart, the measurement under the shared benchmark lock:

    python -m bench.bench_transparency --size x10 --generate-only --database-url URL     # about 1 h at x10
    flock /work/notes/bench.lock python -m bench.bench_transparency --size x10 --reuse --database-url URL

The database is rebuilt from the migrations (DROP SCHEMA public CASCADE) unless --reuse finds the same row count.
Data: app.demo.generate.generate(session, counts=SIZES[size] (contributions, donors), seed=SEED).
Generation loads by COPY on PostgreSQL (app.demo.generate). The CSV export runs in a subprocess that samples its
resident memory during the stream (first block, then every RSS_CHECKPOINTS line count it reaches).
Search queries are 1-4 words of generated names in shuffled order, abbreviated where the name has an organisation
form ("cty", "tnhh", "htx"; query_words), besides bank references and receipt numbers.
Each benchmark prints one JSON object: name, figure, unit, baseline_name, baseline, ratio, target, peak_rss_mb, rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

from sqlalchemy import func, select, text

# The sizes in one table: contributions and donors generated, and how many OFFSET pages the list baseline reads
# (an OFFSET page costs about its offset: at x10 each takes ~25 s, so fewer are read).
SIZES: dict[str, dict[str, int]] = {
    "tiny": {"contributions": 20_000, "donors": 1_000, "offset_samples": 20},
    "small": {"contributions": 100_000, "donors": 5_000, "offset_samples": 20},
    "medium": {"contributions": 400_000, "donors": 20_000, "offset_samples": 20},
    "national": {"contributions": 2_000_000, "donors": 100_000, "offset_samples": 20},
    "x10": {"contributions": 20_000_000, "donors": 1_000_000, "offset_samples": 6},
}
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_search"
SEED = 20261017
BENCHMARKS = ("search", "list", "overview", "export")  # --only
NAME_QUERIES = 24  # queries drawn from the names of the statement, besides references and receipt numbers


def query_words(name: str, rng: random.Random) -> str:
    """A query as people type one: 1 to 4 words of a real name, in shuffled order, an organisation's words often
    abbreviated ("Công ty TNHH Vận tải Lê Văn An" -> "an cty tnhh van", "htx nong san")."""
    from app.core.text import search_words
    from app.transparency.search import ABBREVIATIONS

    words = search_words(name).split()
    if rng.random() < 0.6:
        for abbreviation, expansion in sorted(ABBREVIATIONS.items(), key=lambda a: -len(a[1])):
            e = expansion.split()
            for i in range(len(words) - len(e) + 1):
                if words[i : i + len(e)] == e:
                    words[i : i + len(e)] = [abbreviation]
                    break
    chosen = rng.sample(words, rng.randint(1, min(4, len(words))))
    rng.shuffle(chosen)
    return " ".join(chosen)


def sample_queries(session, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    """NAME_QUERIES queries from names of contributions picked at random (the same for the same data and seed)."""
    rng = random.Random(seed)
    top = session.execute(text("SELECT max(id) FROM contributions")).scalar() or 0
    ids = [rng.randint(1, top) for _ in range(NAME_QUERIES * 2)]
    from app.contributions.models import Contribution

    names = session.execute(
        select(Contribution.public_name).where(Contribution.id.in_(ids)).order_by(Contribution.id)
    ).scalars()
    return [query_words(n, rng) for n in names][:NAME_QUERIES]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def p95(samples: list[float]) -> float:
    return (
        round(statistics.quantiles(samples, n=20)[18] * 1000, 2)
        if len(samples) >= 20
        else round(max(samples) * 1000, 2)
    )


def emit(**row: object) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


def make_app(url: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("CHUNGTAY_ENV", "development")
    from app import create_app

    # The public-page cache off: every request is rendered, as for a reader whose search nobody made before
    # (repeating a query would otherwise measure the cache, not the search).
    return create_app(
        "development", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, PUBLIC_PAGE_CACHE_SECONDS=0
    )


def prepare(app, spec: dict[str, int], seed: int, reuse: bool) -> int:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from app.contributions.models import Contribution
    from app.demo.generate import generate
    from app.extensions import db
    from app.transparency import models as tmodels  # noqa: F401  (declares the statement indexes)

    n = spec["contributions"]
    with app.app_context():
        if reuse:
            try:
                have = db.session.execute(select(func.count()).select_from(Contribution)).scalar()
                if have == n:
                    return have
            except Exception:  # noqa: BLE001 - no schema yet: rebuild
                db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        # app.demo.generate loads by COPY and, at this size, rebuilds the contributions indexes once at the end.
        started = time.monotonic()
        generate(db.session, counts={"contributions": n, "donors": spec["donors"]}, seed=seed)
        db.session.commit()
        print(f"# generated {n} contributions in {time.monotonic() - started:.0f} s", file=sys.stderr)
        started = time.monotonic()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE contributions"))
        print(f"# analyzed in {time.monotonic() - started:.0f} s", file=sys.stderr)
        return n


def timed_get(client, url: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    resp = client.get(url)
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200, (url, resp.status_code)
    return elapsed


def bench_search(app, rows: int, size: str) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    from app.extensions import db

    client = app.test_client()
    with app.app_context():
        refs = list(
            db.session.execute(
                text(
                    "SELECT bank_txn_ref FROM contributions WHERE bank_txn_ref IS NOT NULL ORDER BY id DESC LIMIT 4"
                )
            ).scalars()
        )
        receipts = list(
            db.session.execute(text("SELECT receipt_no FROM contributions ORDER BY id LIMIT 2")).scalars()
        )
        names = sample_queries(db.session, SEED)
    queries = names + [r.lower() for r in refs] + receipts
    print(f"# queries: {queries}", file=sys.stderr)
    for q in queries[:5]:
        timed_get(client, f"/cong-khai/sao-ke?q={quote(q)}")  # warm-up
    samples = [timed_get(client, f"/cong-khai/sao-ke?q={quote(q)}") for _ in range(3) for q in queries]
    slowest = max(range(len(samples)), key=samples.__getitem__) % len(queries)
    explain_slowest(app, f"/cong-khai/sao-ke?q={quote(queries[slowest])}", queries[slowest])
    baseline = []
    with app.app_context():
        for q in queries:
            with db.engine.connect() as conn:
                conn.execute(text("SET enable_indexscan = off; SET enable_bitmapscan = off"))
                started = time.perf_counter()
                words = q.split()  # the same question as a scan: every word anywhere in the key
                where = " AND ".join(f"search_key ILIKE :p{i}" for i in range(len(words)))
                conn.execute(
                    text(
                        f"SELECT id, received_on, public_name, amount_vnd FROM contributions WHERE {where} "
                        "ORDER BY received_on DESC, id DESC LIMIT 50"
                    ),
                    {f"p{i}": f"%{w}%" for i, w in enumerate(words)},
                ).all()
                baseline.append(time.perf_counter() - started)
    fig, base = p95(samples), p95(baseline)
    emit(
        name="transparency.search_p95",
        figure=fig,
        unit="ms",
        baseline_name="sequential ILIKE scan p95 (every word anywhere in the key)",
        baseline=base,
        ratio=round(base / fig, 1),
        target="< 100 ms and ratio >= 20",
        peak_rss_mb=peak_rss_mb(),
        rows=rows,
        size=size,
        requests=len(samples),
    )


def explain_slowest(app, url: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Print (stderr) the plan, EXPLAIN (ANALYZE, BUFFERS), of the slowest SQL statement that the page at url sends:
    the reason measured when a row does not hold. Settings the page sets (SET LOCAL) are replayed before it."""
    from sqlalchemy import event

    from app.extensions import db

    sent: list[tuple[float, str, object]] = []
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append((time.perf_counter() - started.pop(), statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            timed_get(app.test_client(), url)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        selects = [i for i, (_, sql, _) in enumerate(sent) if sql.lstrip().upper().startswith("SELECT")]
        if not selects:
            return
        worst = max(selects, key=lambda i: sent[i][0])
        seconds, sql, params = sent[worst]
        with engine.connect() as conn:
            for _, earlier, _ in sent[:worst]:
                if earlier.lstrip().upper().startswith(("SET ", "RESET ")):
                    conn.exec_driver_sql(earlier)
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).scalars().all()  # type: ignore[arg-type]
            conn.rollback()
    print(
        f"# slowest search query: {label!r}, {len(sent)} statements, slowest {seconds * 1000:.1f} ms:",
        file=sys.stderr,
    )
    print("# " + sql.replace("\n", " "), file=sys.stderr)
    print(f"# params: {params}", file=sys.stderr)
    for line in plan:
        print("#   " + line, file=sys.stderr)


def bench_list(app, rows: int, size: str, offset_samples: int = 20) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.transparency.statement import encode_cursor

    client = app.test_client()
    rng = random.Random(SEED)  # noqa: S311 - benchmark sampling
    with app.app_context():
        ids = [rng.randrange(1, rows) for _ in range(40)]
        points = db.session.execute(
            text("SELECT received_on, id FROM contributions WHERE id = ANY(:ids)"), {"ids": ids}
        ).all()
        provinces = list(
            db.session.execute(
                text("SELECT id FROM admin_units WHERE level = 'province' ORDER BY code LIMIT 10")
            ).scalars()
        )
    urls = ["/cong-khai/sao-ke"] + [f"/cong-khai/sao-ke?sau={encode_cursor(d, i)}" for d, i in points]
    urls += [f"/cong-khai/sao-ke?tinh={p}" for p in provinces] + ["/cong-khai/sao-ke?sap_xep=so_tien"]
    # Sorted by name (Vietnamese order), both ways, and a province sorted by name.
    urls += [
        "/cong-khai/sao-ke?sap_xep=ten",
        "/cong-khai/sao-ke?sap_xep=ten&thu_tu=tang",
        f"/cong-khai/sao-ke?tinh={provinces[0]}&sap_xep=ten",
    ]
    for u in urls[:3]:
        timed_get(client, u)
    samples = [timed_get(client, u) for _ in range(2) for u in urls]
    baseline = []
    with app.app_context():
        with db.engine.connect() as conn:
            for i in ids[:offset_samples]:
                started = time.perf_counter()
                conn.execute(
                    text(
                        "SELECT id, received_on, public_name, amount_vnd FROM contributions "
                        "ORDER BY received_on DESC, id DESC LIMIT 50 OFFSET :o"
                    ),
                    {"o": i},
                ).all()
                baseline.append(time.perf_counter() - started)
    fig, base = p95(samples), p95(baseline)
    emit(
        name="transparency.list_page_p95",
        figure=fig,
        unit="ms",
        baseline_name="OFFSET pagination p95 (query only)",
        baseline=base,
        ratio=round(base / fig, 1),
        target="< 50 ms",
        peak_rss_mb=peak_rss_mb(),
        rows=rows,
        size=size,
        requests=len(samples),
    )


def bench_overview(app, rows: int, size: str) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.transparency import funds, overview

    client = app.test_client()
    timed_get(client, "/cong-khai")
    cached = [timed_get(client, "/cong-khai") for _ in range(30)]
    uncached = []
    with app.app_context():
        campaign = funds.public_campaigns(db.session)[0]
        for _ in range(5):
            started = time.perf_counter()
            overview.compute_overview(db.session, campaign)
            uncached.append(time.perf_counter() - started)
    fig, base = p95(cached), p95(uncached)
    emit(
        name="transparency.overview_p95",
        figure=fig,
        unit="ms",
        baseline_name="recomputed from the ledger p95",
        baseline=base,
        ratio=round(base / fig, 1),
        target="served from cache",
        peak_rss_mb=peak_rss_mb(),
        rows=rows,
        size=size,
    )


def current_rss_mb(field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or its high-water mark (VmHWM) of this process, from /proc. Unlike ru_maxrss,
    VmHWM starts afresh after exec (a subprocess forked from a large parent would report the parent's size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


RSS_CHECKPOINTS = (200_000, 1_000_000, 2_000_000, 10_000_000, 20_000_000)


def export_child(url: str) -> None:
    """Run in a subprocess: stream the full CSV export, report seconds, bytes, lines, the resident memory sampled
    while the export runs (at the first block, then after each of RSS_CHECKPOINTS lines) and peak RSS."""
    app = make_app(url)
    client = app.test_client()
    started = time.perf_counter()
    resp = client.get("/cong-khai/du-lieu/dong-gop.csv", buffered=False)
    size = lines = 0
    samples: dict[str, float] = {}
    checkpoints = list(RSS_CHECKPOINTS)
    for chunk in resp.response:
        b = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(b)
        lines += b.count(b"\n")
        if not samples:
            samples["first_block"] = current_rss_mb()
        while checkpoints and lines >= checkpoints[0]:
            samples[str(checkpoints.pop(0))] = current_rss_mb()
    resp.close()
    samples["end"] = current_rss_mb()
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "bytes": size,
                "lines": lines,
                "peak_rss_mb": current_rss_mb("VmHWM"),
                "rss_mb": samples,
            }
        )
    )


def bench_export(url: str, rows: int, size: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_transparency", "--export-child", "--database-url", url],
        capture_output=True,
        text=True,
        check=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    assert child["lines"] == rows + 1, child
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn, conn.cursor() as cur:
        total = 0
        with cur.copy(
            "COPY (SELECT id, received_on, public_name, amount_vnd, channel, purpose, earmark_unit_id, "
            "pool_unit_id, pledge_reference, bank_txn_ref, receipt_no, masked_account, status "
            "FROM contributions ORDER BY id) TO STDOUT WITH CSV"
        ) as copy:
            for block in copy:
                total += len(block)
    base = time.perf_counter() - started
    rss = child["rss_mb"]
    growth = round(max(rss.values()) - rss["first_block"], 1)
    emit(
        name="transparency.csv_export",
        figure=round(child["seconds"], 2),
        unit="s",
        baseline_name="PostgreSQL COPY of the same rows (no labels, no roots)",
        baseline=round(base, 2),
        ratio=round(child["seconds"] / base, 1),
        target="<= 30 s at 2 000 000 rows, flat memory",
        peak_rss_mb=child["peak_rss_mb"],
        rows=rows,
        size=size,
        mb=round(child["bytes"] / 1e6, 1),
        rss_during_export_mb=rss,
        rss_growth_mb=growth,
        note=f"RSS of the exporting process while streaming: {rss} MB (growth {growth} MB after the first block)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--reuse", action="store_true", help="keep existing data when the row count matches")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only these benchmarks (repeatable; default: all)",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="generate the data (or keep it with --reuse) and stop"
    )
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.database_url)
        return
    spec = SIZES[args.size]
    app = make_app(args.database_url)
    rows = prepare(app, spec, args.seed, args.reuse)
    if args.generate_only:
        return
    only = set(args.only or BENCHMARKS)
    if "search" in only:
        bench_search(app, rows, args.size)
    if "list" in only:
        bench_list(app, rows, args.size, spec["offset_samples"])
    if "overview" in only:
        bench_overview(app, rows, args.size)
    if "export" in only:
        bench_export(args.database_url, rows, args.size)


if __name__ == "__main__":
    main()
