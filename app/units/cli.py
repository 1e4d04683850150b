from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.core import transaction
from app.extensions import db
from app.units.services import UnitImportError, import_designations_csv, import_units

units_cli = AppGroup("units", help="Đơn vị hành chính và địa bàn ưu tiên.")


@units_cli.command("import")
@click.option(
    "--province",
    "provinces",
    multiple=True,
    type=int,
    help="Official province code(s) to import (default: all 34).",
)
def import_cmd(provinces: tuple[int, ...]) -> None:
    """Import current units, pre-2025 units and the old->new lineage from vietnam-provinces."""
    summary = import_units(db.session, list(provinces) or None)
    transaction.commit()
    click.echo(
        f"Tỉnh: {summary.provinces}, xã/phường: {summary.communes}, đơn vị cũ: {summary.legacy_units}, "
        f"liên kết cũ→mới: {summary.lineage_links}"
    )


@units_cli.command("designations")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def designations_cmd(csv_file: Path) -> None:
    """Import area designations (poor districts, special-difficulty communes …) from a CSV file."""
    try:
        count = import_designations_csv(db.session, csv_file.read_text(encoding="utf-8-sig"))
    except UnitImportError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    transaction.commit()
    click.echo(f"Đã nhập {count} địa bàn.")


def register(app: Flask) -> None:
    app.cli.add_command(units_cli)
