"""Paying an instalment plan on a 360 px phone (issue 19.4): the pledge page shows one VietQR per official
account asking for the instalment due, copy buttons for the account number, amount and transfer note that
really copy, QR downloads, and nothing wider than the screen (the journey's own check)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import Journey

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"])
def test_instalment_plan_pays_by_qr_with_copy_buttons_on_a_phone(journey: Journey, viewport: str):
    from app.core.i18n import today_vn

    page = journey.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])  # type: ignore[attr-defined]
    journey.goto("/ung-ho")
    page.get_by_label("Hộ gia đình", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_label("Tên doanh nghiệp / họ và tên", exact=True).fill("Hộ bà Phạm Thị Hoa")  # type: ignore[attr-defined]
    page.get_by_label("Xã/phường", exact=True).select_option(label="Xã Khánh Sơn")  # type: ignore[attr-defined]
    page.get_by_label("Số điện thoại", exact=True).fill("0912345678")  # type: ignore[attr-defined]
    page.get_by_label("Số tiền (đồng)", exact=True).fill("6.000.000")  # type: ignore[attr-defined]
    page.get_by_label("Chia thành nhiều đợt", exact=True).check()  # type: ignore[attr-defined]
    today = today_vn()
    for n, days in enumerate((10, 40)):
        page.locator(f'input[name="instalments-{n}-due_on"]').fill((today + timedelta(days=days)).isoformat())  # type: ignore[attr-defined]
        page.locator(f'input[name="instalments-{n}-amount"]').fill("3.000.000")  # type: ignore[attr-defined]
    page.get_by_label("Chuyển khoản ngân hàng (quét mã VietQR)", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Gửi đăng ký ủng hộ", exact=True).click()  # type: ignore[attr-defined]
    journey.check("pledge-instalment-qr")
    reference = page.locator("h1 .reference").inner_text().strip()  # type: ignore[attr-defined]

    # one QR per official account, each asking for the first instalment, each loaded
    qrs = page.locator(".pay-account img")  # type: ignore[attr-defined]
    assert qrs.count() == 2
    for i in range(qrs.count()):
        img = qrs.nth(i)
        img.wait_for()
        assert img.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "3.000.000" in img.get_attribute("alt")
    assert page.locator("a.qr-download").count() == 2  # type: ignore[attr-defined]

    # copy buttons: account number (each account), amount and note, visible and working
    buttons = page.locator("button[data-copy]")  # type: ignore[attr-defined]
    assert buttons.count() == 4
    page.get_by_role("button", name="Chép số tiền", exact=True).click()  # type: ignore[attr-defined]
    assert page.evaluate("() => navigator.clipboard.readText()") == "3000000"  # type: ignore[attr-defined]
    page.get_by_role("button", name="Chép nội dung", exact=True).click()  # type: ignore[attr-defined]
    assert page.evaluate("() => navigator.clipboard.readText()") == reference  # type: ignore[attr-defined]
    account_button = page.get_by_role("button", name="Chép số tài khoản", exact=True).first  # type: ignore[attr-defined]
    number = account_button.get_attribute("data-copy")
    account_button.click()
    assert page.evaluate("() => navigator.clipboard.readText()") == number  # type: ignore[attr-defined]

    # the whole remainder instead
    page.get_by_role("link", name="Toàn bộ số còn lại", exact=False).click()  # type: ignore[attr-defined]
    journey.check("pledge-whole-remainder")
    assert "6.000.000" in page.locator(".pay-account img").first.get_attribute("alt")  # type: ignore[attr-defined]
    width = page.evaluate("() => document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 360
    journey.assert_accessible()
