"""flask ledger verify [--json] [--record]"""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from app.core import transaction
from app.extensions import db
from app.ledger import verify as verifier

ledger_cli = AppGroup("ledger", help="Sổ quỹ: kiểm tra tính nhất quán.")


@ledger_cli.command("verify")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option(
    "--record", is_flag=True, help="Lưu kết quả (cảnh báo trên trang chủ cán bộ) như việc chạy hằng đêm."
)
@click.option("--check", "only", multiple=True, type=click.Choice([n for n, _, _ in verifier.CHECKS]))
def verify_cmd(as_json: bool, record: bool, only: tuple[str, ...]) -> None:
    """Check that the ledger, contributions, pledges, allocations, disbursements and the public figures agree.
    Prints each disagreement with its ids and exits with 1 if there is any."""
    report = verifier.run_checks(db.session, list(only) or None)
    if record:
        verifier.record_check(db.session, report)
        transaction.commit()
    else:
        transaction.rollback()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "problem_count": report.problem_count,
                    "per_check": report.per_check,
                    "counts": report.counts,
                    "seconds": round(report.seconds, 3),
                    "problems": [{**p.as_dict(), "message": str(p.message)} for p in report.problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for p in report.problems:
            click.echo(p.line())
        checked = ", ".join(f"{n} {k}" for k, n in report.counts.items())
        if report.ok:
            click.echo(
                f"OK: sổ quỹ nhất quán — {len(report.per_check)} phép kiểm tra, {checked} "
                f"({report.seconds:.1f} s)."
            )
        else:
            shown = len(report.problems)
            more = f" (hiển thị {shown})" if shown < report.problem_count else ""
            click.echo(
                f"LỖI: {report.problem_count} chỗ không khớp{more} — "
                + ", ".join(f"{k}: {n}" for k, n in report.per_check.items() if n)
                + f"; đã kiểm tra {checked}.",
                err=True,
            )
    if not report.ok:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
