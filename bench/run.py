"""One command for every benchmark: runs bench/bench_*.py, each in its own process, and rewrites BENCHMARKS.md.

The restore drill (bench/restore_drill.py, on throwaway servers of its own) runs with them.

    python -m bench.run --size small      # a couple of minutes
    python -m bench.run --size national   # national scale on PostgreSQL (long)
    python -m bench.run --size x10 --reuse  # ten times national (issue 21 item 4): the modules of X10_MODULES only

At x10 the data take about an hour to generate (20 000 000 contributions, 1 000 000 donors, 3 000 000 needs), so
generate them first, outside the shared benchmark lock, then measure with --reuse under it:

    python -m bench.bench_transparency --size x10 --generate-only --database-url URL
    python -m bench.bench_needs --size x10 --generate-only --database-url URL2
    flock /work/notes/bench.lock python -m bench.run --size x10 --reuse --database-url URL
    (bench_needs takes its own database: --needs-database-url URL2; bench_matching generates in memory)

An x10 run writes its own section of BENCHMARKS.md (X10_HEADING) and leaves the national table alone;
it runs neither the load test nor the fault tests.

After the benchmarks it runs the load test (bench/load.py, gunicorn + locust) and the fault tests
(bench/faults.py); each writes its own section of BENCHMARKS.md.

Each bench module prints one JSON object per benchmark on stdout with: name, figure, unit, baseline_name,
baseline, ratio, target (text), and optionally rows, peak_rss_mb, note. The figure and its baseline are
measured in the same run of the same process, so the ratio is meaningful on any machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/chungtay_bench"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    return f"{os.cpu_count()} cores ({cpu}), {mem} RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def ensure_database(url: str) -> None:
    """Create the benchmark database if missing (PostgreSQL only)."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


# Modules that know a size (a module without it runs every size). --reuse is passed to those of REUSE_MODULES.
X10_MODULES = ("bench_matching", "bench_needs", "bench_transparency")
REUSE_MODULES = ("bench_needs", "bench_transparency")
X10_HEADING = "## Ten times the data: bench.run --size x10"


def run_module(
    module: str, size: str, database_url: str, timeout: int, reuse: bool = False
) -> tuple[list[dict], float, str]:
    extra = ["--reuse"] if reuse and module in REUSE_MODULES else []
    cmd = [sys.executable, "-m", f"bench.{module}", "--size", size, "--database-url", database_url, *extra]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n[timed out after {timeout} s]"
    results = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    if proc.returncode != 0 and not results:
        results.append({"name": module, "error": (err.strip().splitlines() or ["failed"])[-1][:300]})
    return (
        results,
        time.monotonic() - started,
        shlex.join(["python", "-m", f"bench.{module}", "--size", size, *extra]),
    )


# The targets of the issues, checked on each result (name prefix → test). A row without one shows "—".
def _ratio(r: dict) -> float:
    return float(r.get("ratio") or 0)


TARGETS: dict[str, tuple[str, object]] = {
    "transparency.search_p95": (
        "p95 ≤ 100 ms and ≥ 20× the scan",
        lambda r: r["figure"] <= 100 and _ratio(r) >= 20,
    ),
    "transparency.list_page_p95": ("p95 < 50 ms", lambda r: r["figure"] < 50),
    "transparency.csv_export": (  # 30 s at 2 000 000 rows: the same rate at other sizes
        "≤ 30 s per 2 000 000 rows, RSS growth < 50 MB",
        lambda r: (
            r["figure"] <= 30 * max(1.0, r.get("rows", 0) / 2_000_000) and r.get("rss_growth_mb", 1e9) < 50
        ),
    ),
    "gunicorn.pledge_page": ("≥ 0.5× the one-query route", lambda r: _ratio(r) >= 0.5),
    "gunicorn.pledge_submit_floor": ("(the ceiling of the submission)", None),  # before its prefix below
    # issue 21 item 11: against the floor of the same run (bench.bench_gunicorn puts it in "baseline"/"ratio")
    "gunicorn.pledge_submit": (
        "≥ 0.5× pledge_submit_floor (same run), p95 ≤ 200 ms, every acknowledgement exactly once",
        lambda r: _ratio(r) >= 0.5 and r.get("p95_ms", 1e9) <= 200 and r.get("exactly_once") is True,
    ),
    "payments.statement_import": (
        "≥ 10× the ORM, 1 000 000 lines ≤ 180 s",
        lambda r: _ratio(r) >= 10 and r.get("seconds", 1e9) <= 180 and r.get("rows", 0) >= 1_000_000,
    ),
    "payments.webhook_storm": ("ledger exactly as expected", lambda r: r.get("ok") is True),
    "bankfeed.reconcile_day": (
        "≤ 60 s at 400 000 transactions, differences exactly the planted ones",
        lambda r: r["figure"] <= 60 and r.get("ok") is True and r.get("rows", 0) >= 400_000,
    ),
    "certificates.single_pdf_per_core": ("≥ 0.5× the blank page", lambda r: _ratio(r) >= 0.5),
    "collections_import_rows_per_s": ("≥ 0.5× raw bulk insert", lambda r: _ratio(r) >= 0.5),
    "matching_quality": ("≥ 0.99 of the LP bound", lambda r: _ratio(r) >= 0.99),
    "matching_proposal": ("< 10 s", lambda r: r["figure"] < 10),
    "needs_funders": ("< 1 000 ms", lambda r: r["figure"] < 1000),
    "donors.duplicate_candidates_p95": ("p95 < 200 ms", lambda r: r["figure"] < 200),
    "restore_drill.check": (
        "every write acknowledged before the point exactly once, none after; ledger verifies",
        lambda r: r.get("ok") is True,
    ),
}


def verdict(r: dict) -> str:
    for prefix, (_, test) in TARGETS.items():
        if r.get("name", "").startswith(prefix):
            if test is None:
                return "—"
            if "ratio" in r and r["ratio"] is None and r.get("baseline") is None:
                return "not measured (no baseline)"
            try:
                return "**met**" if test(r) else "not met"  # type: ignore[operator]
            except (KeyError, TypeError):
                return "not met"
    return "—"


def fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def table_lines(rows: list[tuple[str, dict, str]], size: str) -> list[str]:
    """The results as a Markdown table, one row per benchmark with its verdict against TARGETS."""
    lines = [
        "| benchmark | figure | baseline | ratio | target | verdict | peak RSS | command |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for module, r, cmd in rows:
        if not module:  # re-rendered from an older run's output: the module from the benchmark's name
            stems = (
                "certificates",
                "collections",
                "matching",
                "needs",
                "payments",
                "pledges",
                "transparency",
            )
            name = r.get("name", "")
            module = next((f"bench_{m}" for m in stems if name.startswith(m.rstrip("s"))), "bench_pledges")
        cmd = cmd or f"python -m bench.{module} --size {size}"
        if "error" in r:
            lines.append(f"| {r['name']} | **failed**: {r['error']} | | | | | | `{cmd}` |")
            continue
        figure = f"{fmt(r.get('figure'))} {r.get('unit', '')}".strip()
        baseline = (
            f"{fmt(r.get('baseline'))} ({r.get('baseline_name', '')})"
            if r.get("baseline") is not None
            else ""
        )
        ratio = f"{r['ratio']:.2f}×" if isinstance(r.get("ratio"), int | float) else fmt(r.get("ratio"))
        rss = f"{fmt(r.get('peak_rss_mb'))} MB" if r.get("peak_rss_mb") is not None else ""
        note = f" — {r['note']}" if r.get("note") else ""
        lines.append(
            f"| {r.get('name', module)}{note} | {figure} | {baseline} | {ratio} | {r.get('target', '')} | "
            f"{verdict(r)} | {rss} | `{cmd}` |"
        )
    return lines


def write_x10_section(
    rows: list[tuple[str, dict, str]],
    command: str,
    path: Path,
    load_avg: tuple[float, float],
    seconds: float,
) -> None:
    """Replace (or append) the x10 section of BENCHMARKS.md; the rest of the file stays as it is."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    section = [
        X10_HEADING + " (issue 21 item 4)",
        "",
        f"Produced by `{command}` on {datetime.now(UTC).strftime('%d/%m/%Y %H:%M UTC')} (data generated "
        "beforehand with --generate-only, see bench/run.py). "
        f"Machine: {machine()}; load average (1 min) {load_avg[0]:.1f} at the start and {load_avg[1]:.1f} at "
        f"the end. Total time {seconds / 60:.0f} min. Data: 20 000 000 contributions and 1 000 000 donors "
        "(bench_transparency), 3 000 000 needs over the national communes with 1 000 000 contributions (bench_needs) "
        "and 10 000 000 contributions in memory (bench_matching).",
        "",
        *table_lines(rows, "x10"),
        "",
    ]
    if X10_HEADING in old:
        at = old.index(X10_HEADING)
        after = old.find("\n## ", at)
        new = old[:at] + "\n".join(section) + (old[after:] if after >= 0 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + "\n".join(section)
    path.write_text(new, encoding="utf-8")


def write_markdown(
    rows: list[tuple[str, dict, str]],
    size: str,
    command: str,
    path: Path,
    load_avg: tuple[float, float] = (0.0, 0.0),
    seconds: float = 0.0,
) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old[old.index("\n## Load\n") :] if "\n## Load\n" in old else ""  # bench/load.py's section
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` on {datetime.now(UTC).strftime('%d/%m/%Y %H:%M UTC')}.",
        f"Machine: {machine()}; load average (1 min) {load_avg[0]:.1f} at the start and {load_avg[1]:.1f} at the "
        f"end (the machine is shared with other work, so absolute figures are pessimistic; ratios are measured "
        f"in the same process and run). Total time {seconds / 60:.0f} min.",
        "Data: each module generates its own inputs with a fixed seed into the same PostgreSQL database "
        "(`chungtay_bench`), rebuilding the schema from the migrations; the `rows` of each result is its data size. "
        "National: 2 000 000 contributions and 100 000 donors (bench_transparency, through app.demo.generate), "
        "300 000 needs over 1 000 000 contributions (bench_needs, bench_matching), a 1 000 000-line statement and "
        "10 000 webhook events (bench_payments), 200 000 pledges (bench_pledges), 200 000 household rows "
        "(bench_collections), a 4 000-certificate batch (bench_certificates).",
        f"Size: **{size}**. Each figure is measured against its baseline in the same run; the ratio is "
        "as each module reports it: mostly figure ÷ baseline for rates and baseline ÷ figure for times; where the "
        "baseline is a lower bound or a different operation (e.g. matching_db ÷ pure engine) read the row's target.",
        "",
        "Benchmark-driven machinery: each cache, fast path and COPY stays only if a row below shows it is needed to "
        "meet that row's target; the list, with the row and the figure with and without each one and the verdict, "
        'is in [docs/CONVENTIONS.md, "Benchmark-driven machinery"]'
        "(docs/CONVENTIONS.md#benchmark-driven-machinery-and-where-caches-live). Removing machinery may lower a "
        "ratio down to its target, and that is a good trade; the one-money-path no-regression rule (issue 15) is "
        "about something else: accidental slowdowns of code meant to stay as fast.",
        "",
    ]
    lines += table_lines(rows, size)
    lines.append("")
    path.write_text("\n".join(lines) + kept, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "national", "x10"], default="small")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--needs-database-url",
        help="bench_needs' own database (default: --database-url); needed with --reuse, since each module "
        "keeps only its own data",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data already generated where its size matches (modules of REUSE_MODULES)",
    )
    parser.add_argument("--only", action="append", default=[], help="run only these modules (bench_x)")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--from-json",
        help="re-render BENCHMARKS.md from the JSON lines a previous run printed "
        "on stdout (no benchmark is run)",
    )
    parser.add_argument(
        "--no-load", action="store_true", help="skip the gunicorn + locust load run (bench/load.py)"
    )
    parser.add_argument("--no-faults", action="store_true", help="skip the fault tests (bench/faults.py)")
    args = parser.parse_args(argv)
    if args.from_json:
        rows = []
        for line in Path(args.from_json).read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                module = r.pop("_module", "")
                rows.append((module, r, r.pop("_command", "")))
        write_markdown(
            rows,
            args.size,
            f"python -m bench.run --size {args.size}",
            Path(args.output),
            *(
                (tuple(meta["load"]), meta["seconds"])
                if (
                    meta := json.loads(Path(args.from_json + ".meta").read_text())
                    if Path(args.from_json + ".meta").exists()
                    else None
                )
                else ((0.0, 0.0), 0.0)
            ),
        )
        return 0
    ensure_database(args.database_url)
    # restore_drill brings its own throwaway servers (bench/pgcluster.py); it takes --size like the others.
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py")) + ["restore_drill"]
    if args.size == "x10":
        modules = [m for m in modules if m in X10_MODULES]
    if args.only:
        modules = [m for m in modules if m in args.only]
    rows = []
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    for module in modules:
        print(f"== {module} ({args.size})", file=sys.stderr, flush=True)
        url = (
            args.needs_database_url
            if module == "bench_needs" and args.needs_database_url
            else args.database_url
        )
        results, seconds, cmd = run_module(module, args.size, url, args.timeout, args.reuse)
        for r in results:
            print(json.dumps({**r, "_module": module, "_command": cmd}, ensure_ascii=False), flush=True)
            rows.append((module, r, cmd))
        print(f"   {len(results)} result(s) in {seconds:.0f} s", file=sys.stderr, flush=True)
    command = (
        "python -m bench.run --size "
        + args.size
        + (" --reuse" if args.reuse else "")
        + "".join(f" --only {m}" for m in args.only)
    )
    if (
        args.size == "x10"
    ):  # its own section; no load run, no fault tests (they are about the code, not the size)
        write_x10_section(
            rows, command, Path(args.output), (load_start, os.getloadavg()[0]), time.monotonic() - started
        )
        return 0 if rows and all("error" not in r for _, r, _ in rows) else 1
    write_markdown(
        rows,
        args.size,
        command,
        Path(args.output),
        (load_start, os.getloadavg()[0]),
        time.monotonic() - started,
    )
    load_ok = True
    if not args.no_load and not args.only:
        # The load run reuses the database the last module left (bench_transparency: its contributions).
        print("== load (gunicorn + locust)", file=sys.stderr, flush=True)
        cmd = [
            sys.executable,
            "-m",
            "bench.load",
            "--database-url",
            args.database_url,
            "--output",
            args.output,
        ]
        if args.size == "small":
            cmd.append("--quick")
        load_ok = subprocess.run(cmd, cwd=ROOT, check=False, timeout=args.timeout).returncode == 0
    faults_ok = True
    if not args.no_faults and not args.only:
        print("== faults (tests/faults)", file=sys.stderr, flush=True)
        faults_db = args.database_url.rsplit("/", 1)[0] + "/chungtay_faults"
        faults_ok = (
            subprocess.run(
                [sys.executable, "-m", "bench.faults", "--database-url", faults_db, "--output", args.output],
                cwd=ROOT,
                check=False,
                timeout=args.timeout,
            ).returncode
            == 0
        )
    return 0 if rows and all("error" not in r for _, r, _ in rows) and load_ok and faults_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
