"""Journeys the foundation supports today, on a phone and a desktop viewport."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PROVINCE_STAFF, Journey, login, staff_link

pytestmark = pytest.mark.browser


def test_public_home_switches_to_english_and_back(journey: Journey):
    page = journey.page
    journey.goto("/")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Chung tay vì người nghèo")
    page.get_by_role("link", name="English").click()
    journey.check("home-en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("link", name="Log in").is_visible()
    page.get_by_role("link", name="Tiếng Việt").click()
    journey.check("home-vi")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.get_by_role("link", name="Đăng nhập").is_visible()
    journey.assert_accessible()


def test_staff_desk_books_commune_and_a_hamlet_added_with_the_keyboard(journey: Journey, viewport: str):
    page = journey.page
    login(journey, PROVINCE_STAFF)
    assert page.url.endswith("/can-bo")
    journey.check("desk")
    assert "Bàn làm việc" in page.content()

    staff_link(page, "Sổ quỹ").click()
    journey.check("books")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""

    staff_link(page, "Địa bàn").click()
    journey.check("units")
    page.get_by_role("link", name="Khánh Sơn").first.click()
    journey.check("commune-khanh-son")
    assert "Khánh Sơn" in page.get_by_role("heading", level=1).inner_text()

    # Keyboard only: Tab to the hamlet name field, type, Tab to the kind, choose with arrows, Enter.
    name = f"Thôn Bàn Phím {viewport}"
    page.evaluate("() => document.body.focus()")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.name") == "name":
            break
    else:
        pytest.fail("the hamlet name field cannot be reached with Tab")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "kind"
    page.keyboard.press("ArrowDown")  # Thôn -> Tổ dân phố
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Thêm"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check("hamlet-added")
    assert page.get_by_text(f"Đã thêm {name}.").is_visible()
    assert page.get_by_role("listitem").filter(has_text=name).inner_text().endswith("(tổ dân phố)")
    journey.assert_accessible()


def test_forgotten_password_is_reset_by_the_emailed_link(journey: Journey, viewport: str):
    import re

    from app.core import mail

    page = journey.page
    email = "ketoan@yensao.example.vn"  # the demo donor's account
    journey.goto("/dang-nhap")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    journey.check("forgot")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Gửi liên kết đặt lại").click()
    journey.check("forgot-sent")
    assert page.get_by_text("Nếu email này có tài khoản", exact=False).is_visible()
    sent = [m for m in mail.OUTBOX if m["To"] == email]
    assert sent, "no reset e-mail"
    link = re.search(r"http://\S+/dat-lai-mat-khau/\S+", sent[-1].get_content()).group(0)
    page.goto(link)
    journey.check("reset-form")
    new_password = f"Mat-khau-{viewport}-2026"
    page.get_by_label("Mật khẩu mới", exact=True).fill(new_password)
    page.get_by_label("Nhập lại mật khẩu mới").fill(new_password)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    journey.check("reset-done")
    assert page.get_by_text("Đã đặt mật khẩu mới", exact=False).is_visible()
    login(journey, email, new_password)
    assert "/dang-nhap" not in page.url
    page.goto(link)  # the link works once
    journey.check("reset-link-used")
    assert page.get_by_text("đã dùng hoặc đã hết hạn", exact=False).is_visible()
    journey.assert_accessible()
