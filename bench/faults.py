"""Run the fault tests (tests/faults) and write their verdicts under "## Faults" in BENCHMARKS.md.

    python -m bench.faults [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/chungtay_faults]

Each test starts, kills and restarts real processes (a Celery worker, a private redis-server, a throwaway
PostgreSQL cluster); docs/FAULTS.md says what each one proves. The verdict of each test is read from pytest's
JUnit XML report, so the table shows what ran, not what was meant to run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from bench.report import write_section
from bench.run import ensure_database, machine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/chungtay_faults"

# The faults of issue 7, by the test file that provokes each.
FAULTS = {
    "test_worker_killed": "(a) Celery worker killed in the middle of a certificate batch",
    "test_postgres_restart": "(b) PostgreSQL restarted in the middle of an import",
    "test_redis_down": "(c) Redis down",
    "test_webhook_storm": "(d) storm of duplicated and reordered webhooks",
}


def verdicts(junit_xml: Path) -> list[dict]:
    rows = []
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        outcome, detail = "PASS", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, detail = "FAIL", (child.get("message") or "").splitlines()[0:1]
            elif child.tag == "skipped":
                kind = child.get("type", "")
                outcome = "XFAIL (known gap)" if "xfail" in kind else "SKIPPED"
                detail = [child.get("message") or ""]
        rows.append(
            {
                "fault": FAULTS.get(module, module),
                "test": f"{module}.py::{case.get('name')}",
                "outcome": outcome,
                "detail": " ".join(detail).strip()[:300] if detail else "",
                "seconds": float(case.get("time") or 0),
            }
        )
    return sorted(rows, key=lambda r: r["fault"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("FAULTS_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args(argv)
    ensure_database(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "faults.xml"
        env = {**os.environ, "RUN_SLOW": "1", "TEST_POSTGRES_URL": args.database_url}
        env.pop("TEST_DATABASE_URL", None)
        command = ["python", "-m", "pytest", "tests/faults", "-v", "-rxX", "-p", "no:cacheprovider"]
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, *command[1:], f"--junitxml={report}"],
            cwd=ROOT,
            env=env,
            timeout=args.timeout,
            check=False,
        )
        seconds = time.monotonic() - started
        rows = verdicts(report) if report.exists() else []
    lines = [
        f"Produced by `python -m bench.faults` on {datetime.now(UTC).strftime('%d/%m/%Y %H:%M UTC')} "
        f"({seconds:.0f} s; machine: {machine()}), which runs "
        f"`RUN_SLOW=1 TEST_POSTGRES_URL=<db> {' '.join(command)}`. What each test proves, and how: "
        "[docs/FAULTS.md](docs/FAULTS.md).",
        "",
        "| fault | test | verdict | s |",
        "|---|---|---|---|",
    ]
    for r in rows:
        verdict = f"**{r['outcome']}**" + (f": {r['detail']}" if r["detail"] else "")
        lines.append(f"| {r['fault']} | `{r['test']}` | {verdict.replace('|', '/')} | {r['seconds']:.0f} |")
    if not rows:
        lines.append(f"| — | — | **FAIL**: pytest exited {proc.returncode} without a report | |")
    ok = bool(rows) and all(r["outcome"] != "FAIL" for r in rows) and proc.returncode in (0,)
    gaps = any(r["outcome"].startswith("XFAIL") for r in rows)
    lines += [
        "",
        f"Verdict: **{('PASS with known gaps' if gaps else 'PASS') if ok else 'FAIL'}** ({sum(r['outcome'] == 'PASS' for r in rows)} passed, "
        f"{sum(r['outcome'].startswith('XFAIL') for r in rows)} known gaps, "
        f"{sum(r['outcome'] == 'FAIL' for r in rows)} failed, "
        f"{sum(r['outcome'] == 'SKIPPED' for r in rows)} skipped).",
    ]
    body = "\n".join(lines)
    print(body)
    write_section(Path(args.output), "Faults", body)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
