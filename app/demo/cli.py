from __future__ import annotations

import importlib
import time

import click
from flask import Flask
from flask.cli import AppGroup

from app import DOMAIN_PACKAGES
from app.core import transaction
from app.demo import foundation, generate
from app.extensions import db

demo_cli = AppGroup("demo", help="Dữ liệu mẫu.")


def package_hooks(hook: str) -> list:
    """demo.load / demo.generate of each domain package that has them, in dependency order."""
    found = []
    for name in DOMAIN_PACKAGES:
        if name == "demo":
            continue
        try:
            module = importlib.import_module(f"app.{name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{name}.demo":
                raise
            continue
        if hasattr(module, hook):
            found.append(getattr(module, hook))
    return found


def load_demo() -> bool:
    """Load the Khánh Hòa demo once; returns False when it was already there."""
    if foundation.demo_loaded(db.session):
        return False
    from flask import current_app

    ctx: dict = {}
    # The certificates demo issues its own letters; queuing more from commits in the middle of the load would
    # only contend with the loader's open transaction on SQLite.
    auto = current_app.config.get("CERTIFICATES_AUTO_ACKNOWLEDGE", True)
    current_app.config["CERTIFICATES_AUTO_ACKNOWLEDGE"] = False
    try:
        foundation.load(db.session, ctx)
        for hook in package_hooks("load"):
            hook(db.session, ctx)
        transaction.commit()
    finally:
        current_app.config["CERTIFICATES_AUTO_ACKNOWLEDGE"] = auto
    return True


@demo_cli.command("load")
def load_cmd() -> None:
    """Load the Khánh Hòa demo (idempotent)."""
    started = time.monotonic()
    if load_demo():
        click.echo(
            f"Đã nạp dữ liệu mẫu Khánh Hòa ({time.monotonic() - started:.1f} s). "
            f"Đăng nhập: {foundation.DEMO_USERS[1][0]} / {foundation.DEMO_PASSWORD}"
        )
    else:
        click.echo("Dữ liệu mẫu đã có sẵn.")


@demo_cli.command("generate")
@click.option("--contributions", default=10_000, show_default=True)
@click.option("--donors", default=1_000, show_default=True)
@click.option("--needs", default=1_000, show_default=True)
@click.option("--seed", default=20261017, show_default=True)
def generate_cmd(contributions: int, donors: int, needs: int, seed: int) -> None:
    """Generate synthetic national-scale data with a fixed seed (for benchmarks)."""
    started = time.monotonic()
    counts = {"contributions": contributions, "donors": donors, "needs": needs}
    ctx = generate.generate(db.session, counts=counts, seed=seed)
    for hook in package_hooks("generate"):
        hook(db.session, ctx, counts=counts, seed=seed)
    transaction.commit()
    click.echo(
        f"Đã sinh {donors} nhà tài trợ, {contributions} khoản đóng góp ({time.monotonic() - started:.1f} s)."
    )


def register(app: Flask) -> None:
    app.cli.add_command(demo_cli)
