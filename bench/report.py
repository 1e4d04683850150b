"""BENCHMARKS.md is assembled from sections: the benchmark table (bench.run), then "## Load" (bench.load) and
"## Faults" (bench.faults). Each writer replaces only its own section, so the parts can be re-run alone."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, title: str, body: str) -> None:
    """Replace the section headed `## {title}` (up to the next `## `), or append it."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    marker = f"\n## {title}\n"
    head, sep, rest = old.partition(marker)
    tail = ""
    if sep:
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
    path.write_text(
        head.rstrip("\n") + f"\n\n## {title}\n\n" + body.rstrip("\n") + "\n" + tail, encoding="utf-8"
    )
