"""Screenshots of the public overview with its charts, on a phone (360 px) and a laptop (1366 px), from the demo data
(issue 20's must-show). Run from the repository root: `.venv/bin/python docs/screenshots/take.py` (needs Chromium at
/usr/bin/chromium, as the browser tests do). Writes docs/screenshots/overview-360.png and overview-1366.png."""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.demo.cli import load_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from tests.e2e.conftest import CHROMIUM, LAUNCH_ARGS  # noqa: E402

WIDTHS = {360: 780, 1366: 900}  # width → viewport height (the page is captured whole)


def main() -> None:
    out = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'shots.sqlite3'}",
            UPLOAD_DIR=str(Path(tmp) / "uploads"),
            RATELIMIT_ENABLED=False,
        )
        with app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
                for width, height in WIDTHS.items():
                    page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
                    page.goto(f"{base}/cong-khai", wait_until="networkidle")
                    page.wait_for_selector("canvas")
                    page.wait_for_timeout(800)  # Chart.js draws after its own animation frame
                    shot = out / f"overview-{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    Image.open(shot).convert("RGB").quantize(colors=128).save(
                        shot, optimize=True
                    )  # ~1/4 size
                    page.close()
                browser.close()
        finally:
            server.shutdown()
    print(f"written: {out / 'overview-360.png'}, {out / 'overview-1366.png'}")


if __name__ == "__main__":
    main()
