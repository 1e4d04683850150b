"""Issue 19.8 in a browser: the donor dashboard lists the donor's certificates, houses helped, receipts and yearly
statements, each linking to its page; on a 360 px phone nothing scrolls sideways (the journey checks it) and the page
passes the accessibility check."""

from __future__ import annotations

from tests.e2e.conftest import LIVE, Journey, login

PASSWORD = "Bang-dieu-khien-2026"  # noqa: S105 - a test account's password


def _yen_sao_colleague(viewport: str) -> str:
    """A fresh user of the demo's Yến Sào account (another journey changes the demo user's password)."""
    from sqlalchemy import select

    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.core.actor import Actor
    from app.donors.models import Donor
    from app.extensions import db

    email = f"bangdieukhien.{viewport}@yensao.example.vn"
    with LIVE["app"].app_context():
        donor = db.session.execute(select(Donor).where(Donor.name.like("%Yến Sào%"))).scalar_one()
        create_user(
            db.session,
            Actor.system("test"),
            email=email,
            full_name="Lê Thu Hà",
            password=PASSWORD,
            role=Role.DONOR,
            donor_id=donor.id,
        )
        db.session.commit()
        db.session.remove()
    return email


def test_donor_dashboard_shows_each_kind_with_working_links(journey: Journey, viewport: str):
    page = journey.page
    login(journey, _yen_sao_colleague(viewport), PASSWORD)
    journey.goto("/tai-khoan/tong-quan")
    certificates = page.locator("#chung-nhan")
    assert certificates.get_by_role("link", name="Trang xác minh").count() >= 1
    assert certificates.get_by_role("link", name="Xem PDF").count() >= 1
    houses = page.locator("#cong-trinh .house-card")
    assert houses.count() >= 1
    assert page.locator("#khoan-nop").get_by_role("link").count() >= 1
    assert page.locator("#sao-ke").get_by_role("link", name="PDF").count() >= 1

    certificates.get_by_role("link", name="Trang xác minh").first.click()
    journey.check("verify")
    assert "/xac-minh/" in page.url
    page.go_back()
    houses.first.get_by_role("link").click()
    journey.check("house")
    assert "/cong-khai/nha/" in page.url
    page.go_back()
    page.locator("#khoan-nop").get_by_role("link").first.click()
    journey.check("receipt")
    assert "/tai-khoan/bien-nhan/" in page.url
    journey.assert_accessible()
