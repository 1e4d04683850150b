"""flask tasks flush-outbox | pending"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from app.core import outbox
from app.extensions import db

tasks_cli = AppGroup("tasks", help="Việc chạy nền: hàng đợi bền (outbox).")


@tasks_cli.command("flush-outbox")
@click.option(
    "--older-than",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Chỉ gửi các việc đã chờ ít nhất bấy nhiêu giây.",
)
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1), help="Số việc mỗi lượt.")
def flush_outbox_cmd(older_than: int, limit: int) -> None:
    """Publish to Celery the tasks still pending in the outbox (e.g. queued while Redis was down)."""
    result = outbox.flush_pending(db.session, older_than=timedelta(seconds=older_than), limit=limit)
    left = outbox.pending_count(db.session)
    click.echo(f"Đã gửi {result.sent} việc; {result.failed} lỗi khi gửi; còn chờ {left} việc.")
    if result.failed:
        raise SystemExit(1)


@tasks_cli.command("pending")
def pending_cmd() -> None:
    """How many tasks wait in the outbox."""
    click.echo(f"Còn chờ {outbox.pending_count(db.session)} việc.")


def register(app: Flask) -> None:
    app.cli.add_command(tasks_cli)
