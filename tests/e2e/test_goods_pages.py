"""The goods pages (issue 18.7) on a 360 px phone and a desktop: the commune's store page, a handout prepared there,
and the public store pages /cong-khai/kho-hang and /cong-khai/kho-hang/<unit> — no sideways scrolling, the key
figures on screen (inside the viewport's width, not only in the page's text), axe and the keyboard checks of every
page (tests/e2e/conftest.py).

The demo (app.goods.demo) gives Khánh Sơn's store 200 bags of cement worth 20.000.000 ₫ (100.000 ₫ a bag), of which
120 went to three households by a completed handout (3 × 40 bags = 12.000.000 ₫) and 50 to a project whose handout
awaits its confirmation (not counted as handed out until confirmed)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import COMMUNE_STAFF, VIEWPORTS, Journey, login, query_live

pytestmark = pytest.mark.browser


def _on_screen(j: Journey, locator, what: str) -> None:  # type: ignore[no-untyped-def]
    """The element is visible and lies within the viewport's width (a figure pushed off to the right of a phone's
    screen is not shown, whatever the page's text says)."""
    locator.scroll_into_view_if_needed()
    if not locator.is_visible():
        j.problems.append(f"{j.viewport}: {what} is not visible")
        return
    box = locator.bounding_box()
    width = VIEWPORTS[j.viewport]["width"]
    if box is None or box["x"] < 0 or box["x"] + box["width"] > width + 1:
        j.problems.append(f"{j.viewport}: {what} lies outside the {width}px screen ({box})")


def test_goods_store_handout_and_public_store_pages_fit_a_phone(journey: Journey, viewport: str) -> None:
    page: Any = journey.page  # a Playwright Page
    [store] = query_live(
        "SELECT u.id, u.name FROM admin_units u JOIN users s ON s.unit_id = u.id WHERE s.email = :email",
        email=COMMUNE_STAFF,
    )
    login(journey, COMMUNE_STAFF)

    # The staff store page: the cement's figures as the store holds them.
    journey.goto("/can-bo/kho-hang")
    page.get_by_role("link", name=re.compile(store["name"])).first.click()
    page.wait_for_url(f"**/can-bo/kho-hang/{store['id']}")
    journey.check("goods-store")
    cement = page.locator("table.goods-table tr", has_text="Xi măng PCB40").first
    _on_screen(journey, cement.get_by_text("200 · 20.000.000 ₫"), "cement received (200 · 20.000.000 ₫)")
    _on_screen(journey, cement.get_by_text("120 · 12.000.000 ₫"), "cement handed out (120 · 12.000.000 ₫)")
    if viewport == "desktop":  # a wide screen keeps the table's columns (the cards are for phones only)
        assert page.locator("table.goods-table thead").first.evaluate(
            "e => getComputedStyle(e).position"
        ) != ("absolute")

    # A handout prepared by the commune: 10 bags of cement to a household, waiting for another person's approval.
    page.get_by_role("link", name="Lập phiếu xuất kho").click()
    page.wait_for_url(f"**/can-bo/kho-hang/{store['id']}/xuat")
    journey.check("goods-prepare")
    first_line = page.locator(".goods-line").first
    item = first_line.get_by_label("Mặt hàng")
    item.select_option(value=item.locator("option", has_text="Xi măng PCB40").first.get_attribute("value"))
    first_line.get_by_label("Số lượng").fill("10")
    households = first_line.get_by_label("Hộ nhận")
    households.select_option(index=1)
    page.get_by_role("button", name="Lập phiếu, chờ duyệt").click()
    page.wait_for_url(re.compile(r"/can-bo/phieu-xuat/\d+$"))
    journey.check("goods-handout")
    _on_screen(journey, page.get_by_text("Tổng giá trị: 1.000.000 ₫"), "the handout's total (1.000.000 ₫)")
    _on_screen(journey, page.locator(".badge", has_text="Chờ phê duyệt"), "the handout's status")
    _on_screen(
        journey,
        page.locator("table.goods-table tr", has_text="Xi măng PCB40").get_by_text("10 bao"),
        "the handout's line (10 bao)",
    )

    # The public pages: the list of stores, then Khánh Sơn's: what came in, what went out and to whom.
    journey.goto("/cong-khai/kho-hang")
    _on_screen(journey, page.get_by_role("link", name=re.compile(store["name"])).first, "the store's link")
    page.get_by_role("link", name=re.compile(store["name"])).first.click()
    page.wait_for_url(f"**/cong-khai/kho-hang/{store['id']}")
    journey.check("goods-public-store")
    cement = page.locator("table.goods-table tr", has_text="Xi măng PCB40").first
    _on_screen(journey, cement.get_by_text("200 · 20.000.000 ₫"), "public: cement received")
    _on_screen(journey, cement.get_by_text("120 · 12.000.000 ₫"), "public: cement handed out")
    went = page.locator(".goods-list li", has_text="120 bao Xi măng PCB40 (12.000.000 ₫)").first
    _on_screen(journey, went, "public: where the 120 bags went")
    _on_screen(journey, went.get_by_text("Cho 3 hộ"), "public: the households counted")
    assert "Hồ" not in (went.text_content() or "")  # households are counted, never named
    journey.assert_accessible()
