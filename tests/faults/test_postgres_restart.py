"""Fault (b): PostgreSQL restarted (immediate mode: a crash) in the middle of a bank statement import → the
import is wholly present or wholly absent, and importing the same file again afterwards completes it once.

Uses a THROWAWAY PostgreSQL cluster (initdb in a temporary directory, port 5118, fsync on), never the shared
server. A subprocess imports a statement of LINES lines (app.payments.importing.import_statement, COPY bulk
insert, one transaction); when it has started, `pg_ctl -m immediate restart` crashes and restarts the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PORT = 5118
LINES = 150_000  # large enough that the import is still running 3 s after it starts, even on a fast machine
PGBIN = (
    next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)

SETUP = """
import random, sys
from flask_migrate import upgrade
from app import create_app
from app.extensions import db
app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1])
with app.app_context():
    upgrade()
    from app.units.services import import_units
    import_units(db.session, [56]); db.session.commit()
    from bench.bench_payments import make_world
    make_world(db, 500, random.Random(1)); db.session.commit()
print("ready", flush=True)
"""

IMPORT = """
import random, sys
from sqlalchemy import select
from app import create_app
from app.extensions import db
app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1])
with app.app_context():
    from bench.bench_payments import statement_bytes
    from app.core.actor import Actor
    from app.banking.models import OfficialBankAccount
    from app.payments.importing import create_statement, import_statement
    from app.pledges.models import Pledge
    s = db.session
    pledges = list(s.execute(select(Pledge.id, Pledge.reference, Pledge.amount_vnd)))
    data = statement_bytes(int(sys.argv[2]), pledges, random.Random(7))
    acc = s.execute(select(OfficialBankAccount)).scalars().first()
    actor = Actor.system("faults")
    stmt = create_statement(s, actor, account=acc, kind="csv", data=data, original_name="crash.csv", preset="vietcombank")
    print("importing", flush=True)
    summary = import_statement(s, actor, stmt, acknowledge_breaks=True)
    s.commit()
    print("done", summary.lines_new, flush=True)
"""


def _as_postgres(cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["su", "postgres", "-c", cmd], check=True, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def throwaway_pg():  # type: ignore[no-untyped-def]
    if PGBIN is None or os.geteuid() != 0 or not shutil.which("su"):
        pytest.skip("needs Debian's PostgreSQL binaries and root (to run initdb as the postgres user)")
    work = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    shutil.chown(work, "postgres", "postgres")
    data, log = work / "data", work / "log"
    _as_postgres(f"{PGBIN}/initdb -D {data} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8")
    ctl = f"{PGBIN}/pg_ctl -D {data} -l {log} -w"
    opts = f"-o '-p {PORT} -k {work} -c listen_addresses=127.0.0.1'"
    _as_postgres(f"{ctl} start {opts}")
    try:
        yield {
            "url": f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/postgres",
            "restart": lambda: _as_postgres(f"{ctl} -m immediate restart {opts}"),
        }
    finally:
        subprocess.run(["su", "postgres", "-c", f"{ctl} -m immediate stop"], check=False, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        lines = conn.execute(text("SELECT count(*) FROM statement_lines")).scalar()
        imported = conn.execute(
            text(
                "SELECT count(*) FROM statement_lines l JOIN bank_statements b "
                "ON b.id = l.statement_id WHERE b.original_name = 'crash.csv'"
            )
        ).scalar()
    engine.dispose()
    return lines, imported


def test_postgres_crash_mid_import_leaves_it_whole_or_absent_and_a_retry_completes(throwaway_pg):
    url = throwaway_pg["url"]
    env = {
        **os.environ,
        "CHUNGTAY_ENV": "testing",
        "PYTHONPATH": str(ROOT),
        "CHUNGTAY_INSTANCE_DIR": tempfile.mkdtemp(prefix="faults-inst-"),
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, url], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert setup.returncode == 0 and "ready" in setup.stdout, setup.stderr[-2000:]

    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT, url, str(LINES)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "importing", proc.stderr.read()[-2000:]
    time.sleep(3)  # the import is parsing and inserting
    crashed_mid_import = proc.poll() is None
    throwaway_pg["restart"]()
    out, err = proc.communicate(timeout=600)
    assert crashed_mid_import, "the import finished before the crash: raise LINES"
    assert proc.returncode != 0 and "done" not in out, "the import survived a server crash?"
    assert "OperationalError" in err or "server closed the connection" in err, err[-1500:]

    lines, imported = _counts(url)
    assert (lines, imported) == (0, 0)  # wholly absent: no line of the interrupted import survived the crash

    again = subprocess.run(
        [sys.executable, "-c", IMPORT, url, str(LINES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.split()[-2:] == ["done", str(LINES)]
    assert _counts(url) == (LINES, LINES)  # wholly present after the retry, each line once
