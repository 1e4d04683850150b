"""Backup and restore drill: a base backup plus archived WAL, restored to a point in time, checked pledge by pledge.

    python -m bench.restore_drill --size small     # 100 000 contributions, a few minutes
    python -m bench.restore_drill --size tiny      # 2 000 contributions (the test in tests/replica)
    (also --size national: 2 000 000; --workdir DIR for the servers' directories, default the system temp)

The drill, on throwaway servers (bench/pgcluster.py; the machine's own PostgreSQL is never used):
1. a primary with WAL archiving (archive_command copies each finished segment to an archive directory);
2. the schema from the migrations and the bench data through the project's generator (app.demo.generate,
   --size), then pledges acknowledged through the pledge service (app.pledges.services.insert_pledge), each with
   its reference and the moments its request started and was acknowledged (committed);
3. a base backup (pg_basebackup, checked with pg_verifybackup) while nothing else happens;
4. writing goes on: pledges, and money received through app.contributions.services.record_contributions (so
   the ledger moves after the backup too); meanwhile a point in time is picked;
5. the current WAL segment is closed and archived, the primary stopped;
6. a new server restores the base backup and replays the archive up to the point (recovery_target_time);
7. checks on the restored database: every pledge and contribution acknowledged before the point is there exactly
   once, none started after it is there (one in flight at that moment may be either), and the ledger verifies
   (app.ledger.services.verify_ledger(full=True): what `flask ledger verify` checks).

Prints one JSON line per figure in the format of bench/run.py (name, figure, unit, baseline_name, baseline, ratio,
target, rows, ...): the backup and the restore are each measured against a plain copy of the same backup
directory (cp -a) in the same run; sizes in MB. --database-url is accepted for bench.run and not used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import pgcluster

SIZES = {"tiny": 2_000, "small": 100_000, "national": 2_000_000}
SEED = 20261017
PLEDGES_BEFORE_BACKUP = 20


@dataclass
class Ack:
    kind: str  # "pledge" (key: its reference) or "contribution" (key: its idempotency key)
    key: str
    started: datetime
    acked: datetime


def emit(**row: object) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def _app(url: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("CHUNGTAY_ENV", "development")
    from app import create_app

    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_ENABLED=False,
        PUBLIC_PAGE_CACHE_SECONDS=0,
        CERTIFICATES_AUTO_ACKNOWLEDGE=False,
        MAIL_BACKEND="memory",
    )


class Writer:
    """Pledges (and every fourth write, money received) through the services, one commit each, as the public
    form and a bank feed would: what was acknowledged, and when, is kept for the check."""

    def __init__(self, app, seed: int):  # type: ignore[no-untyped-def]
        self.app, self.seed, self.n = app, seed, 0
        self.acks: list[Ack] = []

    def one(self) -> Ack:
        from app.contributions.models import Channel
        from app.contributions.services import NewContribution, record_contributions
        from app.core.actor import Actor
        from app.donors.models import DonorKind
        from app.extensions import db
        from app.pledges import services as pledges

        self.n += 1
        n, actor = self.n, Actor.system("restore-drill")
        started = datetime.now(UTC)
        campaign = pledges.campaign_for(db.session)
        assert campaign is not None  # noqa: S101 - the generator made one
        if n % 4:
            donor = pledges.insert_donor(
                db.session,
                actor,
                pledges.DonorInput(
                    kind=DonorKind.INDIVIDUAL, name=f"Người ủng hộ thử khôi phục {self.seed}-{n}"
                ),
            )
            ref = pledges.insert_pledge(
                db.session, actor, campaign, donor, pledges.PledgeInput(amount_vnd=100_000 * (n % 50 + 1))
            )
            kind, key = "pledge", ref.reference
        else:
            kind, key = "contribution", f"restore-drill-{self.seed}-{n}"
            record_contributions(
                db.session,
                actor,
                campaign,
                [
                    NewContribution(
                        amount_vnd=50_000 * (n % 20 + 1),
                        channel=Channel.BANK_TRANSFER,
                        received_at=started,
                        display_name=f"Nhà hảo tâm thử khôi phục {n}",
                        idempotency_key=key,
                    )
                ],
            )
        db.session.commit()  # acknowledged: the donor's page or the bank feed would now say "recorded"
        ack = Ack(kind, key, started, datetime.now(UTC))
        self.acks.append(ack)
        return ack

    def run_until(self, stop: threading.Event, errors: list[BaseException]) -> None:
        from app.extensions import db

        try:
            with self.app.app_context():
                while not stop.is_set():
                    self.one()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the drill
            errors.append(exc)


def _load(app, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from app.demo.generate import generate
    from app.extensions import db

    with app.app_context():
        upgrade()
        generate(db.session, counts={"contributions": n, "donors": max(n // 20, 10)}, seed=seed)
        db.session.commit()


def check(url: str, acks: list[Ack], target: datetime) -> dict:
    """What the restored database holds of what was acknowledged around the point in time."""
    from sqlalchemy import func, select

    from app.contributions.models import Contribution
    from app.extensions import db
    from app.ledger.services import verify_ledger
    from app.pledges.models import Pledge

    app = _app(url)
    with app.app_context():
        found: dict[tuple[str, str], int] = {}
        for kind, column in (("pledge", Pledge.reference), ("contribution", Contribution.idempotency_key)):
            keys = [a.key for a in acks if a.kind == kind]
            for key, count in db.session.execute(
                select(column, func.count()).where(column.in_(keys)).group_by(column)
            ):
                found[(kind, key)] = count
        problems = verify_ledger(db.session, full=True)  # what `flask ledger verify` checks
        db.session.remove()
        db.engine.dispose()
    before = [a for a in acks if a.acked < target]
    after = [a for a in acks if a.started > target]
    in_flight = [a for a in acks if a.started <= target <= a.acked]
    report = {
        "target": target.isoformat(),
        "pledges_before": sum(a.kind == "pledge" for a in before),
        "contributions_before": sum(a.kind == "contribution" for a in before),
        "pledges_after": sum(a.kind == "pledge" for a in after),
        "contributions_after": sum(a.kind == "contribution" for a in after),
        "in_flight": len(in_flight),
        "missing": [a.key for a in before if found.get((a.kind, a.key), 0) == 0],
        "duplicated": [key for (_k, key), count in found.items() if count > 1],
        "resurrected": [a.key for a in after if found.get((a.kind, a.key), 0)],
        "ledger_problems": problems,
    }
    report["ok"] = not (
        report["missing"] or report["duplicated"] or report["resurrected"] or report["ledger_problems"]
    )
    return report


def drill(
    size: str = "small",
    *,
    seed: int = SEED,
    workdir: Path | None = None,
    write_seconds: float = 2.0,
    fsync: bool = True,
) -> dict:
    """Run the whole drill; returns the figures and the check's report. Every server it made is gone after.
    fsync=False (the test) spares the shared disk; the figures are measured with it on."""
    reason = pgcluster.unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    n = SIZES[size]
    archive = pgcluster.make_dir(workdir, "ct-wal-archive-")
    scratch = pgcluster.make_dir(workdir, "ct-backup-")
    primary = restored = None
    try:
        primary = pgcluster.make_primary(workdir, archive_dir=archive, fsync=fsync)
        url = primary.create_database("chungtay")
        app = _app(url)
        started = time.monotonic()
        _load(app, n, seed)
        log(f"loaded {n} contributions in {time.monotonic() - started:.0f} s")
        writer = Writer(app, seed)
        with app.app_context():
            for _ in range(PLEDGES_BEFORE_BACKUP):
                writer.one()
        db_mb = round(float(primary.one("SELECT pg_database_size('chungtay')")) / 1024 / 1024, 1)
        lsn_at_backup = primary.one("SELECT pg_current_wal_lsn()")

        backup = scratch / "base"
        started = time.monotonic()
        pgcluster.base_backup(primary, backup)
        backup_s = time.monotonic() - started
        started = time.monotonic()
        pgcluster.verify_backup(backup)
        verify_s = time.monotonic() - started
        backup_mb = pgcluster.dir_size_mb(backup)
        log(f"base backup {backup_mb} MB in {backup_s:.1f} s, verified in {verify_s:.1f} s")

        # Writing goes on after the backup; the point in time falls in the middle of it.
        stop, errors = threading.Event(), []
        thread = threading.Thread(target=writer.run_until, args=(stop, errors))
        thread.start()
        time.sleep(write_seconds)
        target = datetime.now(UTC)
        time.sleep(write_seconds)
        stop.set()
        thread.join(120)
        if errors:
            raise errors[0]
        wal_mb = round(
            float(primary.one("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn_at_backup,)))
            / 1024
            / 1024,
            1,
        )
        segment = pgcluster.switch_and_archive(primary)
        log(f"{len(writer.acks)} writes acknowledged; archived up to {segment}; target {target.isoformat()}")
        primary.stop()

        # The floor for both: copying the backup's bytes once on this disk.
        copy = scratch / "copy"
        started = time.monotonic()
        subprocess.run(["cp", "-a", str(backup), str(copy)], check=True)  # noqa: S603,S607
        copy_s = time.monotonic() - started
        shutil.rmtree(copy)

        started = time.monotonic()
        restored = pgcluster.restore(backup, archive, target.isoformat(), workdir)
        restore_s = time.monotonic() - started
        log(f"restored to {target.isoformat()} in {restore_s:.1f} s")
        report = check(restored.url("chungtay"), writer.acks, target)
    finally:
        for server in (restored, primary):
            if server is not None:
                server.destroy()
        shutil.rmtree(archive, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "size": size,
        "contributions": n,
        "database_mb": db_mb,
        "backup_mb": backup_mb,
        "wal_replayed_mb": wal_mb,
        "backup_s": round(backup_s, 2),
        "verify_s": round(verify_s, 2),
        "restore_s": round(restore_s, 2),
        "copy_s": round(copy_s, 2),
        "writes": len(writer.acks),
        **report,
    }


def rows(result: dict) -> list[dict]:
    """The drill's figures as bench/run.py rows."""
    n, copy_s = result["contributions"], result["copy_s"]
    common = {"rows": n, "database_mb": result["database_mb"], "backup_mb": result["backup_mb"]}
    return [
        {
            "name": "restore_drill.base_backup",
            "figure": result["backup_s"],
            "unit": "s",
            "baseline_name": "cp -a of the backup",
            "baseline": copy_s,
            "ratio": round(copy_s / result["backup_s"], 2) if result["backup_s"] else None,
            "target": "—",
            "note": f"pg_basebackup -X stream, {result['backup_mb']} MB (database {result['database_mb']} MB); "
            f"pg_verifybackup {result['verify_s']} s",
            **common,
        },
        {
            "name": "restore_drill.restore_to_point_in_time",
            "figure": result["restore_s"],
            "unit": "s",
            "baseline_name": "cp -a of the backup",
            "baseline": copy_s,
            "ratio": round(copy_s / result["restore_s"], 2) if result["restore_s"] else None,
            "target": "—",
            "note": f"copy, replay of the archived WAL written after the backup ({result['wal_replayed_mb']} MB) up "
            "to recovery_target_time, promote",
            "wal_replayed_mb": result["wal_replayed_mb"],
            **common,
        },
        {
            "name": "restore_drill.check",
            "figure": result["pledges_before"] + result["contributions_before"],
            "unit": "writes restored",
            "baseline_name": "acknowledged before the point",
            "baseline": result["pledges_before"] + result["contributions_before"],
            "ratio": None,
            "target": "every write acknowledged before the point exactly once, none after; ledger verifies",
            "ok": result["ok"],
            "note": f"{result['pledges_before']} pledges and {result['contributions_before']} contributions "
            f"before, {result['pledges_after'] + result['contributions_after']} after (absent), "
            f"{result['in_flight']} in flight; missing {len(result['missing'])}, duplicated "
            f"{len(result['duplicated'])}, after but present {len(result['resurrected'])}, ledger problems "
            f"{len(result['ledger_problems'])}",
            **common,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--database-url", default=None, help="accepted for bench.run; the drill makes its own servers"
    )
    args = parser.parse_args(argv)
    result = drill(args.size, seed=args.seed, workdir=args.workdir)
    for row in rows(result):
        emit(**row)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
