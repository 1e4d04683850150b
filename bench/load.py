"""Load run: gunicorn on 127.0.0.1, locust at a constant rate per user, then the exactly-once count.

    python -m bench.load            # 200 donors + 1 000 readers for 60 s
    python -m bench.load --quick    # the same users for 10 s (development)

Why locust rather than wrk: the donors' scenario needs state (GET the form, POST it back with its CSRF token and
the session cookie, read the reference from the redirect), which locust expresses in Python; each user runs at
`constant_throughput` and starts at a random moment within its first interval (bench/locustfile.py SpreadStart),
so requests arrive spread evenly at the offered rate and the offered load stays fixed while the server slows down (wrk2's strict open model is
not packaged in Debian). Caveat: a locust user whose response takes longer than its interval starts the next
request late, so a saturated server is seen as lower throughput plus higher latency, not only higher latency.

Afterwards every acknowledged pledge (a 302 to /ung-ho/<reference>) is looked up by its unique donor name and
its reference: it must be in the database exactly once. The table goes under "## Load" in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/chungtay_bench"
VENV_BIN = Path(sys.executable).parent


def prepare(url: str, contributions: int) -> None:
    """Reuse the database when it has an active campaign (e.g. left by bench_transparency), else build one."""
    os.environ.setdefault("CHUNGTAY_INSTANCE_DIR", tempfile.mkdtemp(prefix="bench-load-"))
    from app import create_app
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    with app.app_context():
        try:
            active = db.session.execute(
                text("SELECT count(*) FROM campaigns WHERE active_scope_key IS NOT NULL")
            ).scalar()
        except Exception:  # noqa: BLE001 - no schema yet
            db.session.rollback()
            active = 0
        if active:
            return
        from flask_migrate import upgrade

        from app.demo.cli import load_demo
        from app.demo.generate import generate

        db.session.remove()  # type: ignore[attr-defined]  # flask_sqlalchemy types it as a plain scoped session
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_demo()
        generate(
            db.session, counts={"contributions": contributions, "donors": contributions // 20}, seed=20261017
        )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def unit_pairs(engine) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.parent_id, c.id FROM admin_units c JOIN admin_units p ON p.id = c.parent_id "
                "WHERE c.level = 'COMMUNE' OR c.level = 'commune' ORDER BY c.id LIMIT 300"
            )
        ).all()
    return [(int(a), int(b)) for a, b in rows]


def gunicorn_command(
    port: int, workers: int, threads: int, access_log: Path, access_format: str | None = None
) -> list[str]:
    """gunicorn serving bench.load_wsgi:app on 127.0.0.1:port, timing each request in its access log."""
    return [
        str(VENV_BIN / "gunicorn"),
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--backlog",
        "4096",
        "--timeout",
        "120",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        access_format or ACCESS_FORMAT,
        "bench.load_wsgi:app",
    ]


def wait_up(base: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/bench/hello", timeout=5) as resp:  # noqa: S310 - 127.0.0.1
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def load_table(stats_csv: Path) -> list[dict]:
    rows = []
    with stats_csv.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append(
                {
                    "route": r["Name"] if r["Name"] != "Aggregated" else "all routes",
                    "requests": int(r["Request Count"]),
                    "failures": int(r["Failure Count"]),
                    "rps": float(r["Requests/s"]),
                    "p50": r["50%"],
                    "p95": r["95%"],
                    "p99": r["99%"],
                    "max": float(r["Max Response Time"]),
                }
            )
    return rows


ACCESS_FORMAT = (
    "%(m)s %(U)s %(q)s %(D)s"  # method, path, query, microseconds in gunicorn (reading to last byte written)
)


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Milliseconds per locust route name, as gunicorn's access log timed each request."""
    return server_times_of(access_log.read_text(encoding="utf-8", errors="replace"))


def server_times_of(log_text: str) -> dict[str, list[float]]:
    """server_times() of the access log's lines in `log_text` (bench.capacity reads one step's part of the log)."""
    times: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        parts = line.split(" ")
        if len(parts) < 4 or not parts[-1].isdigit():
            continue
        method, path, query = parts[0], parts[1], " ".join(parts[2:-1])
        name = f"{method} {path}" + ("?q=" if path == "/cong-khai/sao-ke" and "q=" in query else "")
        times.setdefault(name, []).append(int(parts[-1]) / 1000)
    return times


def percentile(values: list[float], q: float) -> float | None:
    """The value below which a fraction q of `values` lies (nearest rank; None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _pct(values: list[float], q: float) -> str:
    value = percentile(values, q)
    return "–" if value is None else f"{value:.0f}"


def count_rows(engine, acks: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    names = [f"Hộ bà Tải Thử {a['token']}" for a in acks]
    refs = [a["reference"] for a in acks]
    with engine.connect() as conn:
        by_name: dict[str, int] = {}
        for start in range(0, len(names), 5000):
            chunk = names[start : start + 5000]
            for name, n in conn.execute(
                text(
                    "SELECT d.name, count(p.id) FROM pledges p JOIN donors d ON d.id = p.donor_id "
                    "WHERE d.name = ANY(:names) GROUP BY d.name"
                ),
                {"names": chunk},
            ).all():
                by_name[name] = n
        found_refs = 0
        for start in range(0, len(refs), 5000):
            found_refs += conn.execute(
                text("SELECT count(*) FROM pledges WHERE reference = ANY(:r)"),
                {"r": refs[start : start + 5000]},
            ).scalar()
        all_load = conn.execute(
            text(
                "SELECT count(*) FROM pledges p JOIN donors d ON d.id = p.donor_id WHERE d.name LIKE 'Hộ bà Tải Thử %'"
            )
        ).scalar()
    once = sum(1 for n in names if by_name.get(n) == 1)
    return {
        "acknowledged": len(acks),
        "exactly_once": once,
        "missing": sum(1 for n in names if n not in by_name),
        "duplicated": sum(1 for n in names if by_name.get(n, 0) > 1),
        "references_found": found_refs,
        "load_rows_total": all_load,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 s instead of 60 s")
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--donors", type=int, default=200)
    ap.add_argument("--readers", type=int, default=1000)
    ap.add_argument("--donor-rate", type=float, default=0.02, help="pledges per second per donor")
    ap.add_argument("--reader-rate", type=float, default=0.05, help="pages per second per reader")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--port", type=int, default=5111)
    ap.add_argument("--contributions", type=int, default=50_000, help="generated when the database is empty")
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args(argv)
    seconds = args.seconds or (10 if args.quick else 60)

    sys.path.insert(0, str(ROOT))
    from bench.run import ensure_database, machine

    ensure_database(args.database_url)
    prepare(args.database_url, args.contributions)
    engine = create_engine(args.database_url)
    with engine.connect() as conn:
        contributions = conn.execute(text("SELECT count(*) FROM contributions")).scalar()
    units = unit_pairs(engine)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    base = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "LOAD_DATABASE_URL": args.database_url,
        "PYTHONPATH": str(ROOT),
        "CHUNGTAY_INSTANCE_DIR": str(work / "instance"),
    }
    gunicorn = subprocess.Popen(
        gunicorn_command(args.port, args.workers, args.threads, work / "access.log"),
        cwd=ROOT,
        env=env,
        stdout=(work / "gunicorn.out").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_up(base, gunicorn)
        conf = {
            "donors": args.donors,
            "readers": args.readers,
            "donor_rate": args.donor_rate,
            "reader_rate": args.reader_rate,
            "probes": 10,
            "probe_rate": 1.0,
            "units": units,
        }
        users = args.donors + args.readers + 10
        load1 = os.getloadavg()[0]
        started = datetime.now(UTC)
        subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                base,
                "-u",
                str(users),
                "-r",
                str(max(50, users // 5)),
                "-t",
                f"{seconds}s",
                "--csv",
                str(work / "load"),
                "--only-summary",
                "--stop-timeout",
                "30",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOAD_CONF": json.dumps(conf), "LOAD_ACKS": str(work / "acks.json")},
            check=False,
            stdout=(work / "locust.out").open("w"),
            stderr=subprocess.STDOUT,
        )
        load2 = os.getloadavg()[0]
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    dump = json.loads((work / "acks.json").read_text(encoding="utf-8"))
    acks, status = dump["acks"], dump["status"]
    table = load_table(work / "load_stats.csv")
    counts = count_rows(engine, acks)
    five_xx = {k: v for k, v in status.items() if int(k.rsplit(" ", 1)[1]) >= 500}
    no_answer = {k: v for k, v in status.items() if int(k.rsplit(" ", 1)[1]) == 0}
    ok = (
        not five_xx
        and counts["exactly_once"] == counts["acknowledged"]
        and counts["references_found"] == counts["acknowledged"]
    )
    cmd = (
        "python -m bench.load"
        + (" --quick" if args.quick and not args.seconds else "")
        + (f" --seconds {args.seconds}" if args.seconds else "")
    )
    lines = [
        f"Produced by `{cmd}` on {started.strftime('%d/%m/%Y %H:%M UTC')}; machine: {machine()}; "
        f"load average (1 min) {load1:.1f} before and {load2:.1f} after the run (other work shares the machine).",
        "",
        f"gunicorn `bench.load_wsgi:app` on 127.0.0.1 ({args.workers} workers × {args.threads} threads, gthread), "
        f"PostgreSQL with {contributions:,} contributions; locust in one process, {args.donors} donors at "
        f"{args.donor_rate} pledge/s each (GET /ung-ho then POST with its CSRF token) and {args.readers} readers at "
        f"{args.reader_rate} page/s each, plus 10 probes of the baseline routes at 1/s, for {seconds} s; "
        f"offered {args.donors * args.donor_rate * 2 + args.readers * args.reader_rate + 10:.0f} requests/s, each "
        "user's first request at a random moment of its interval so that arrivals are spread evenly (not in waves). "
        "**PLEDGE_RATE_LIMIT raised to 100000 per minute** for this run (every simulated donor shares 127.0.0.1). "
        "Celery queues on Redis DB 9 (as in production), mails are not sent in the request.",
        "",
        "Latency as locust measured it (the client: connection, queueing, transfer) and, in the last two columns, "
        "the time gunicorn's access log gives the same requests (from reading the request to writing the last byte).",
        "",
        "| route | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms | server p50 ms | server p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    served = server_times(work / "access.log")
    everything = [v for values in served.values() for v in values]
    for r in table:
        key = r["route"].split(" (")[0]
        mine = everything if r["route"] == "all routes" else served.get(key, [])
        lines.append(
            f"| {r['route']} | {r['requests']:,} | {r['failures']:,} | {r['rps']:.1f} | {r['p50']} | "
            f"{r['p95']} | {r['p99']} | {r['max']:.0f} | {_pct(mine, 0.5)} | {_pct(mine, 0.95)} |"
        )
    lines += [
        "",
        f"- 5xx responses: **{sum(five_xx.values())}** {five_xx or ''}; no answer (connection error/timeout): "
        f"{sum(no_answer.values())}.",
        f"- Exactly once: **{counts['exactly_once']:,} of {counts['acknowledged']:,}** acknowledged pledges are in "
        f"the database exactly once (missing {counts['missing']}, duplicated {counts['duplicated']}; references "
        f"found {counts['references_found']:,}); pledge rows written by the load run in total: "
        f"{counts['load_rows_total']:,}.",
        f"- Verdict: **{'PASS' if ok else 'FAIL'}** (no 5xx and every acknowledged pledge exactly once).",
    ]
    body = "\n".join(lines)
    print(body)
    write_section(Path(args.output), "Load", body)
    print(json.dumps({"name": "load", "ok": ok, **counts, "five_xx": sum(five_xx.values())}), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
