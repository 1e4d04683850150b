"""Bank feed ingestion on gunicorn against the one-query route on the same gunicorn (issue 17's target: >= 0.5x).

    python -m bench.bench_bankfeed --count 400 --database-url postgresql+psycopg://…/my_db     # tiny
    python -m bench.bench_bankfeed --count 20000                                                # larger

gunicorn (bench.load_wsgi:app, 4 workers x 4 threads) on 127.0.0.1. A day of `--count` notifications is generated
(`flask bankfeed generate`'s generator: credits with and without pledge references, 5% duplicate deliveries,
reordered neighbours, our signed JSON) and sent by the same client as the baseline (app.bankfeed.cli.replay_file,
`--users` threads in a closed loop, each request signed at send time); the baseline is as many GETs of
/bench/ping from the same client. Rates are requests per second over each phase. At the end the ledger is checked:
one feed row per transaction, and the money recorded from the feed equals the file's distinct credits exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.load import DEFAULT_DB, ROOT, VENV_BIN, prepare, wait_up

SECRET = "bench-direct-secret"  # noqa: S105 - the bench's own server


def baseline(base: str, n: int, users: int) -> float:
    local = threading.local()

    def get(_: int) -> None:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        local.s.get(f"{base}/bench/ping", timeout=30).raise_for_status()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(get, range(n)))
    return n / (time.perf_counter() - began)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=400, help="transactions in the generated day")
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--port", type=int, default=5117)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--contributions", type=int, default=2_000, help="size of the prepared database")
    args = ap.parse_args()
    prepare(args.database_url, args.contributions)
    engine = create_engine(args.database_url)
    with engine.connect() as conn:
        account = conn.execute(
            text(
                "SELECT account_number, bank_name FROM official_bank_accounts WHERE is_active ORDER BY id LIMIT 1"
            )
        ).one()
        refs = list(conn.execute(text("SELECT reference FROM pledges ORDER BY id LIMIT 500")).scalars())
        conn.execute(text("DELETE FROM bank_feed_transactions"))
        conn.commit()
    from app.bankfeed.cli import generate_day, replay_file

    work = Path(tempfile.mkdtemp(prefix="bench-bankfeed-"))
    day = work / "day.jsonl"
    seed = int(time.time())  # fresh bank references on each run (the idempotency keys of earlier runs stay)
    items = generate_day(args.count, account.account_number, account.bank_name, "direct", refs, seed=seed)
    day.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    credits = {
        i["body"]["reference"]: i["body"]["amount"] for i in items if i["body"]["direction"] == "credit"
    }
    base = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "LOAD_DATABASE_URL": args.database_url,
        "PYTHONPATH": str(ROOT),
        "CHUNGTAY_INSTANCE_DIR": str(work / "instance"),
        "BANKFEED_DIRECT_SECRET": SECRET,
    }
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            "4",
            "-k",
            "gthread",
            "--threads",
            "4",
            "bench.load_wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=(work / "gunicorn.out").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_up(base, proc)
        baseline(base, min(200, len(items)), args.users)  # warm-up
        ping = baseline(base, len(items), args.users)
        report = replay_file(day, base, rate=0, secrets={"direct": SECRET}, workers=args.users)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM bank_feed_transactions")).scalar_one()
        recorded = conn.execute(
            text(
                "SELECT coalesce(sum(c.amount_vnd), 0) FROM contributions c "
                "JOIN bank_feed_transactions f ON c.source = 'bankfeed:' || f.id"
            )
        ).scalar_one()
    exact = rows == args.count and int(recorded) == sum(credits.values())
    feed = report["per_second"] or 0.0
    print(
        json.dumps(
            {
                "name": "gunicorn.bankfeed_ingest",
                "figure": feed,
                "unit": f"notifications/s (p95 {report['p95_ms']} ms)",
                "baseline_name": "one-query route /bench/ping on the same gunicorn, same client (req/s)",
                "baseline": round(ping, 1),
                "ratio": round(feed / ping, 3) if ping else None,
                "target": ">= 0.5x the one-query route",
                "ledger_exact": exact,
                "statuses": report["statuses"],
                "note": f"{args.count} transactions, {len(items)} deliveries (5% duplicates, reordered), "
                f"4 gunicorn workers x 4 threads, {args.users} client threads",
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    if not exact:
        raise SystemExit(f"ledger not as expected: {rows} rows, {recorded} đồng recorded")


if __name__ == "__main__":
    sys.exit(main())
