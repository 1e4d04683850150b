"""Packages say where things live (issue 15 item 7): the ground (app.core) imports no domain package, and pledges
do not reach into payments (the official bank accounts both use live in app.banking). Read from the source with
`ast`, so an import hidden inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
GROUND = {"app.core", "app.extensions"}


def imported_modules(package: str) -> dict[str, set[str]]:
    """{file: every module it imports} for each Python file of app/<package>."""
    found: dict[str, set[str]] = {}
    for path in sorted((APP / package).rglob("*.py")):
        modules: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
                modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(APP.parent))] = modules
    return found


def _within(module: str, packages: set[str]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def test_core_imports_no_domain_package():
    offending = {
        path: sorted(m for m in modules if m.startswith("app.") and not _within(m, GROUND))
        for path, modules in imported_modules("core").items()
    }
    assert not {path: mods for path, mods in offending.items() if mods}


def test_pledges_do_not_import_payments():
    offending = {
        path: sorted(m for m in modules if _within(m, {"app.payments"}))
        for path, modules in imported_modules("pledges").items()
    }
    assert not {path: mods for path, mods in offending.items() if mods}
