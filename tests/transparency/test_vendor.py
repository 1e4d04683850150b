"""Vendored front-end files are exactly the published package files listed in app/static/vendor/README.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from app.transparency import vendor

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"


def _listed() -> dict[str, str]:
    text = (VENDOR / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| (\S+) \|[^|]+\|[^|]+\| ([0-9a-f]{64}) \|$", text, re.M))


def test_every_vendored_file_matches_the_sha256_in_the_readme():
    listed = _listed()
    on_disk = {
        p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert on_disk == set(listed), on_disk ^ set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_pages_load_files_that_are_vendored_with_their_licence():
    listed = _listed()
    for path in (vendor.SWAGGER_UI_JS, vendor.SWAGGER_UI_CSS, vendor.CHART_JS):
        name = path.removeprefix("vendor/")
        assert name in listed
        folder = name.split("/")[0]
        assert any(k.startswith(folder + "/LICENSE") for k in listed), folder
