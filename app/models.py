"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

import importlib

import app.core.outbox  # noqa: F401
import app.core.sequences  # noqa: F401
from app import DOMAIN_PACKAGES

for _name in DOMAIN_PACKAGES:
    try:
        importlib.import_module(f"app.{_name}.models")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.{_name}.models":
            raise
