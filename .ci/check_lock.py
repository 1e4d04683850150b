"""Does the installed environment satisfy pyproject.toml, dev extra and extras of dependencies included?

`pip check` looks only at what installed packages require for themselves, so a dev dependency or a dependency's
extra (reportlab[accel]) added to pyproject.toml without `bash dev.sh lock` would go unnoticed until import
time. Run by `bash dev.sh setup` after installing from the lock; exits 1 naming what is missing.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement


def missing(requirement: str, extra: str = "", seen: frozenset[str] = frozenset()) -> list[str]:
    req = Requirement(requirement)
    if req.marker is not None and not req.marker.evaluate({"extra": extra}):
        return []
    try:
        dist = distribution(req.name)
    except PackageNotFoundError:
        return [f"{req} (not installed)"]
    if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
        return [f"{req} (installed {dist.version})"]
    problems = []
    for wanted in sorted(req.extras - seen):  # the dependency's own extra: its requirements for that extra
        for sub in dist.requires or []:
            if f'extra == "{wanted}"' in sub or f"extra == '{wanted}'" in sub:
                problems += missing(sub, wanted, seen | {wanted})
    return problems


def main() -> int:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + list(project.get("optional-dependencies", {}).get("dev", []))
    problems = [p for r in wanted for p in missing(r)]
    for p in problems:
        print(f"not satisfied by the lock: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
