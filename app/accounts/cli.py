from __future__ import annotations

import getpass
import os

import click
from flask import Flask
from flask.cli import AppGroup

from app.accounts.models import Role
from app.accounts.services import AccountError, create_user
from app.core import transaction
from app.core.actor import Actor
from app.extensions import db

users_cli = AppGroup("users", help="Tài khoản người dùng.")


@users_cli.command("create-admin")
@click.option("--email", prompt="Email")
@click.option("--name", "full_name", default="Quản trị viên")
@click.option(
    "--password",
    envvar="CHUNGTAY_ADMIN_PASSWORD",
    default=None,
    help="Or set CHUNGTAY_ADMIN_PASSWORD; asked for when missing.",
)
def create_admin(email: str, full_name: str, password: str | None) -> None:
    """Create the first central administrator account."""
    if not password:
        if not os.isatty(0):
            raise click.ClickException("Give --password or CHUNGTAY_ADMIN_PASSWORD when not on a terminal.")
        password = getpass.getpass("Mật khẩu: ")
    try:
        user = create_user(
            db.session,
            Actor.system("cli"),
            email=email,
            full_name=full_name,
            password=password,
            role=Role.CENTRAL_ADMIN,
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    transaction.commit()
    click.echo(f"Đã tạo tài khoản quản trị {user.email}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
