"""Issue 19.9: the commune officer's entry page opens and takes rows with no network, then sends them once.

The officers who collect door to door in mountain hamlets are the ones without signal. The page is kept on the
phone by its service worker (app/static/js/collections-sw.js, served from /can-bo/thu-ho/sw.js); typed rows wait
in the browser with their idempotency keys (app/static/js/collections.js) and are recorded once each.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import COMMUNE_STAFF, Journey, login, query_live, staff_link

pytestmark = pytest.mark.browser

HOUSEHOLDS = [("Hà Văn Mất Sóng", "50.000"), ("Cao Thị Vùng Cao", "70.000"), ("Bo Bo Thị Núi", "30.000")]


def _receipts(name: str) -> list[dict]:
    return query_live(
        "SELECT c.receipt_no, c.amount_vnd FROM household_collections h "
        "JOIN contributions c ON c.id = h.contribution_id WHERE h.head_name = :name",
        name=name,
    )


@pytest.mark.parametrize("viewport", ["phone"])
def test_entry_page_offline_three_households_reload_then_online_each_recorded_once(journey: Journey) -> None:
    page = journey.page
    login(journey, COMMUNE_STAFF)
    staff_link(page, "Nhập đóng góp hộ").click()
    journey.check("entry-online")
    # The worker has stored the page and its files: the page says so.
    page.locator("#offline-ready").wait_for(state="visible")
    entry_url = page.url
    # On a 360 px phone the entry form is the first thing under the header: the staff links are folded.
    assert page.get_by_role("button", name="Menu nghiệp vụ").is_visible()
    assert (
        not page.get_by_role("navigation", name="Nghiệp vụ cán bộ")
        .get_by_role("link", name="Sổ quỹ")
        .is_visible()
    )
    form_top = page.locator("#row-form").bounding_box()
    assert form_top is not None and form_top["y"] < 780, "the entry form starts below the first screen"

    page.context.set_offline(True)
    for name, amount in HOUSEHOLDS:
        page.get_by_label("Họ tên chủ hộ", exact=True).fill(name)
        page.get_by_label("Thôn/Tổ dân phố", exact=True).fill("Thôn Tà Lương")
        field = page.get_by_label("Số tiền (đồng)", exact=True)
        field.fill(amount)
        field.press("Enter")
    page.get_by_text("3 dòng đang chờ gửi").wait_for()
    assert page.get_by_text("Mất mạng – đang lưu trên máy").is_visible()

    # Reloaded with no network: the worker serves the stored page, the queue is still there.
    page.reload()
    assert page.url == entry_url
    assert "Nhập đóng góp hộ gia đình" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_text("3 dòng đang chờ gửi").wait_for()
    for name, _ in HOUSEHOLDS:
        assert page.locator("#rows-body tr.pending", has_text=name).count() == 1
        assert _receipts(name) == []  # nothing reached the server yet
    journey.check("entry-offline-reloaded")

    page.context.set_offline(False)
    for name, _ in HOUSEHOLDS:
        row = page.locator("#rows-body tr", has_text=name).first
        # The status cell (on a phone the cells are stacked cards whose label is drawn by CSS).
        expect(row.locator("td").nth(6)).to_have_text("Đã lưu", timeout=30_000)
    page.wait_for_function("() => !document.getElementById('queue-status').textContent")
    for name, amount in HOUSEHOLDS:
        receipts = _receipts(name)
        assert len(receipts) == 1, f"{name}: {receipts}"
        assert receipts[0]["amount_vnd"] == int(amount.replace(".", ""))
        row = page.locator("#rows-body tr", has_text=name).first
        assert receipts[0]["receipt_no"] in row.inner_text()
    # A second reload online shows the three as saved rows from the server, not as waiting ones.
    page.reload()
    for name, _ in HOUSEHOLDS:
        assert page.locator("#rows-body tr", has_text=name).count() == 1
        assert _receipts(name) and len(_receipts(name)) == 1
    journey.check("entry-synced")
    # Logging out removes the offline copy from the phone: the next person cannot open it with no network.
    assert (
        page.evaluate("async () => (await caches.keys()).filter(k => k.startsWith('ct-collections-')).length")
        == 1
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_function(
        "async () => (await caches.keys()).filter(k => k.startsWith('ct-collections-')).length === 0"
    )
    journey.assert_accessible()
