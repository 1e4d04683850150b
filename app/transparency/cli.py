"""flask transparency publish | check | verify EXPORT.csv"""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from app.core import transaction
from app.extensions import db
from app.transparency import opendata, verify_export

transparency_cli = AppGroup("transparency", help="Công khai: chuỗi gốc công bố hằng ngày.")


@transparency_cli.command("publish")
@click.option("--day", help="Ngày công bố (yyyy-mm-dd); mặc định hôm qua.")
def publish_cmd(day: str | None) -> None:
    """Publish the day's root of the contributions hash chain."""
    root = opendata.publish_daily_root(db.session, date.fromisoformat(day) if day else None)
    transaction.commit()
    if root is None:
        click.echo("Ngày này (hoặc một ngày sau đó) đã được công bố; không có gì mới.")
    else:
        click.echo(f"Đã công bố ngày {root.day.isoformat()}: {root.count} khoản, gốc {root.root}")


@transparency_cli.command("check")
def check_cmd() -> None:
    """Recompute every published day from the live records."""
    bad = opendata.check_roots(db.session)
    transaction.commit()
    for r in bad:
        click.echo(f"{r.day.isoformat()}: KHÔNG KHỚP")
    click.echo("Mọi ngày đã công bố đều khớp." if not bad else f"{len(bad)} ngày không khớp.")
    if bad:
        raise SystemExit(1)


@transparency_cli.command("verify")
@click.argument("export_csv", type=click.Path(exists=True, dir_okay=False))
def verify_cmd(export_csv: str) -> None:
    """Check an export (dong-gop.csv) against the roots published in this database."""
    roots = opendata.roots_payload(db.session)["roots"]
    results, pending = verify_export.verify(verify_export.read_export(export_csv), roots)
    code = verify_export.report(results, pending, out=_Echo())
    if code:
        raise SystemExit(code)


class _Echo:
    def write(self, text: str) -> None:
        click.echo(text, nl=False)

    def flush(self) -> None:
        pass


def register(app: Flask) -> None:
    app.cli.add_command(transparency_cli)
