"""The batch-entry screen in Debian's Chromium: keyboard only, offline queue, undo (skipped without Chromium)."""

from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.collections.models import HouseholdRow
from app.contributions.models import Contribution, ContributionStatus
from app.ledger.services import main_fund, totals
from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def live_url(app):  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_thirty_households_with_the_keyboard_alone_then_offline_then_undo(live_url, session, world):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 780})
        page = context.new_page()
        page.goto(live_url + "/dang-nhap")
        page.fill("#email", world.staff)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.goto(live_url + "/can-bo/thu-ho/")
        kb = page.keyboard
        households = page.locator('[data-total="households"]')
        expect = playwright.expect
        # First household: name, hamlet (typed without diacritics), amount; Enter after each.
        kb.type("Mấu Văn Một")
        kb.press("Enter")
        kb.type("thon ta luong")
        kb.press("Enter")
        kb.type("100.000")
        kb.press("Enter")
        # The next 29: hamlet, date and collector stay; Enter goes from the name to the amount, then saves.
        for i in range(2, 31):
            kb.type(f"Hộ thứ {i}")
            kb.press("Enter")
            kb.type(f"{i * 10}.000")
            kb.press("Enter")
        expected = 100_000 + sum(i * 10_000 for i in range(2, 31))
        expect(households).to_have_text("30", timeout=20_000)
        assert page.inner_text('[data-total="total_text"]') == f"{expected:,} ₫".replace(",", ".")
        assert session.execute(select(func.count(HouseholdRow.id))).scalar() == 30
        assert totals(session, main_fund(session).id, [world.commune.id]).received_vnd == expected

        # The connection drops: rows are kept in the browser and sent once it returns, each exactly once.
        context.set_offline(True)
        page.evaluate("window.dispatchEvent(new Event('offline'))")
        for i in (31, 32):
            kb.type(f"Hộ thứ {i}")
            kb.press("Enter")
            kb.type("50.000")
            kb.press("Enter")
        expect(page.locator("#queue-status")).to_contain_text("2 dòng")
        assert session.execute(select(func.count(HouseholdRow.id))).scalar() == 30
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(households).to_have_text("32", timeout=20_000)
        assert page.inner_text("#queue-status") == ""
        assert session.execute(select(func.count(Contribution.id))).scalar() == 32

        # Alt+H undoes the last row (a reversal, confirmed with Enter on the dialog).
        page.once("dialog", lambda d: d.accept())
        kb.press("Alt+KeyH")
        expect(households).to_have_text("31")
        session.expire_all()
        last = session.execute(select(Contribution).order_by(Contribution.id.desc())).scalars().first()
        assert last.status == ContributionStatus.REVERSED
        browser.close()
