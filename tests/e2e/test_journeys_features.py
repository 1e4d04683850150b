"""Journeys of the features built on other branches. Each is skipped, naming the endpoint, until that
feature is merged; selectors follow the issue texts and the branches' templates as of 27/11/2026 and
may need adjusting at merge time."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import COMMUNE_STAFF, PROVINCE_STAFF, Journey, login, query_live, staff_link

pytestmark = pytest.mark.browser
APPROVER = "pheduyet@khanhhoa.chungtay.vn"


def _approved_household(viewport: str) -> None:
    """One more household in Khánh Sơn proposed by the commune and approved by the province (through the needs
    services), so each viewport's run has a household left to match after the other run approved its own."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.campaigns.models import Campaign
    from app.core.actor import Actor
    from app.extensions import db
    from app.needs import registry
    from app.needs.models import HouseholdNeed, NeedKind, PovertyStatus
    from app.units.models import AdminUnit
    from tests.e2e.conftest import LIVE

    with LIVE["app"].app_context():
        commune = (
            db.session.execute(select(AdminUnit).where(AdminUnit.code == 22714, AdminUnit.valid_to.is_(None)))
            .scalars()
            .first()
        )
        proposer = db.session.execute(
            select(User).where(User.email == "khanhson@khanhhoa.chungtay.vn")
        ).scalar_one()
        reviewer = db.session.execute(select(User).where(User.email == PROVINCE_STAFF)).scalar_one()
        campaign = db.session.get(
            Campaign,
            db.session.execute(
                select(HouseholdNeed.campaign_id).where(HouseholdNeed.commune_id == commune.id)
            )
            .scalars()
            .first(),
        )
        need = registry.create_need(
            db.session,
            Actor(user_id=proposer.id, label=proposer.email),
            campaign,
            registry.NeedInput(
                commune_id=commune.id,
                head_name=f"Hộ thử phân bổ {viewport}",
                poverty_status=PovertyStatus.POOR,
                need_kind=NeedKind.REPAIR,
                estimated_cost_vnd=40_000_000,
                requested_vnd=30_000_000,
            ),
        )
        registry.approve_need(db.session, Actor(user_id=reviewer.id, label=reviewer.email), reviewer, need.id)
        db.session.commit()
        db.session.remove()


def test_business_pledges_and_pays_by_card(journey: Journey, viewport: str):
    page = journey.page
    journey.goto("/ung-ho")
    assert "Đăng ký ủng hộ" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Doanh nghiệp, tổ chức", exact=True).check()
    page.get_by_label("Tên doanh nghiệp / họ và tên", exact=True).fill(
        f"Công ty TNHH Thử Trình Duyệt {viewport}"
    )
    page.get_by_label("Mã số thuế", exact=True).fill("0100109106")
    page.get_by_label("Địa chỉ trụ sở", exact=True).fill("Số 2 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa")
    page.get_by_label("Người liên hệ", exact=True).fill("Nguyễn Thị Kế Toán")
    page.get_by_label("Email", exact=True).fill(f"ketoan.{viewport}@thu.example.vn")
    page.get_by_label("Số điện thoại", exact=True).fill("0905123456")
    page.get_by_label("Số tiền (đồng)", exact=True).fill("50.000.000")
    page.get_by_label("Thẻ quốc tế", exact=True).check()
    page.get_by_role("button", name="Gửi đăng ký ủng hộ", exact=True).click()
    journey.check("pledge-confirmation")
    assert "Đăng ký ủng hộ số" in page.get_by_role("heading", level=1).inner_text()
    assert "50.000.000" in page.content()
    page.get_by_role("button", name="Thanh toán bằng thẻ quốc tế", exact=True).click()
    journey.check("test-gateway")  # PAYMENT_GATEWAY="test": the local, clearly labelled test gateway
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Cổng thanh toán thử nghiệm"
    page.get_by_role("button", name="Xác nhận thanh toán thử", exact=True).click()
    journey.check("paid")
    assert page.get_by_text("Đã thanh toán thử nghiệm thành công", exact=False).is_visible()
    assert page.get_by_text("Đã nhận đủ", exact=False).is_visible()
    journey.assert_accessible()


def test_household_pledges_and_gets_a_vietqr_code(journey: Journey, viewport: str):
    page = journey.page
    journey.goto("/ung-ho")
    page.get_by_label("Hộ gia đình", exact=True).check()
    page.get_by_label("Tên doanh nghiệp / họ và tên", exact=True).fill(f"Hộ ông Trần Văn Bình {viewport}")
    page.get_by_label("Xã/phường", exact=True).select_option(label="Xã Khánh Sơn")
    page.get_by_label("Số điện thoại", exact=True).fill("0912345678")
    page.get_by_label("Số tiền (đồng)", exact=True).fill("500.000")
    page.get_by_label("Chuyển khoản ngân hàng (quét mã VietQR)", exact=True).check()
    page.get_by_role("button", name="Gửi đăng ký ủng hộ", exact=True).click()
    journey.check("pledge-vietqr")
    qr = page.get_by_role("img", name="Mã VietQR", exact=False).first
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "500.000" in qr.get_attribute("alt")
    journey.assert_accessible()


def test_commune_staff_enter_and_import_household_contributions(journey: Journey, viewport: str):
    page = journey.page
    login(journey, COMMUNE_STAFF)
    staff_link(page, "Nhập đóng góp hộ").click()
    journey.check("entry")
    assert "Nhập đóng góp hộ gia đình" in page.get_by_role("heading", level=1).inner_text()
    # One row typed, saved with Enter (the commune officer's fast path).
    page.get_by_label("Họ tên chủ hộ", exact=True).fill(f"Nguyễn Văn Nhập {viewport}")
    page.get_by_label("Thôn/Tổ dân phố", exact=True).fill("Thôn Tà Lương")
    amount = page.get_by_label("Số tiền (đồng)", exact=True)
    amount.fill("200.000")
    amount.press("Enter")
    # The row is queued on the phone, then sent: wait until the server gave it a receipt number.
    saved = page.locator("#rows-body tr", has_text=f"Nguyễn Văn Nhập {viewport}").first
    expect(saved.locator("td").nth(6)).to_have_text("Đã lưu")  # the status cell (stacked card on a phone)
    journey.check("entry-saved")
    assert "200.000" in saved.inner_text()
    # A file import: a CSV with the template's columns.
    page.get_by_role("link", name="Nhập từ tệp Excel/CSV", exact=True).click()
    assert "Nhập danh sách thu từ tệp" in page.get_by_role("heading", level=1).inner_text()
    journey.check("upload")
    csv = (
        "Họ tên chủ hộ,Thôn/Tổ dân phố,Số tiền,Hiện vật,Ngày,Người thu\n"
        f"Lê Thị Tệp {viewport},Thôn Tô Hạp,100.000,,20/10/2026,Lê Văn Thử\n"
        f"Phạm Văn Tệp {viewport},Thôn Dốc Gạo,150.000,,20/10/2026,Lê Văn Thử\n"
    ).encode()
    page.get_by_label("Tệp danh sách (.xlsx hoặc .csv)", exact=True).set_input_files(
        files=[{"name": "danh-sach.csv", "mimeType": "text/csv", "buffer": io.BytesIO(csv).getvalue()}]
    )
    page.get_by_role("button", name="Tải lên và kiểm tra", exact=True).click()
    journey.check("batch")
    assert "Dòng hợp lệ" in page.content()
    page.get_by_role("button", name="Ghi nhận 2 dòng hợp lệ", exact=True).click()
    journey.check("batch-committed")
    assert page.get_by_text("Đã ghi nhận 2 hộ, tổng 250.000 ₫", exact=False).first.is_visible()
    journey.assert_accessible()


def test_province_staff_run_and_approve_a_matching(
    journey: Journey, browser, live_server: str, viewport: str
):
    _approved_household(viewport)
    page = journey.page
    login(journey, PROVINCE_STAFF)
    staff_link(page, "Phân bổ", exact=True).click()
    journey.check("proposals")
    page.get_by_role("button", name="Lập đề xuất", exact=True).click()
    journey.check("proposal-draft")
    page.get_by_role("button", name="Trình phê duyệt", exact=True).click()
    journey.check("proposal-submitted")
    proposal_url = page.url
    # Four eyes: the approver (another person) approves.
    context = browser.new_context(viewport=page.viewport_size)
    approver = Journey(
        page=context.new_page(), base=live_server, name=journey.name + "-approver", viewport=viewport
    )
    try:
        login(approver, APPROVER)
        approver.page.goto(proposal_url)
        approver.check("proposal-to-approve")
        dialogs: list[str] = []

        def accept(dialog):  # type: ignore[no-untyped-def]
            dialogs.append(dialog.message)
            dialog.accept()

        approver.page.once("dialog", accept)  # matching.js asks before money is written to the fund books
        approver.page.get_by_role("button", name="Phê duyệt và ghi sổ quỹ", exact=True).click()
        approver.page.wait_for_url("**/phan-bo/**")
        approver.check("proposal-approved")
        assert dialogs and "sổ quỹ" in dialogs[0]
        assert approver.page.get_by_text("Đã phê duyệt", exact=True).first.is_visible()
        approver.assert_accessible()
    finally:
        context.close()
    journey.assert_accessible()


def test_public_searches_without_diacritics_and_verifies_a_certificate(journey: Journey):
    page = journey.page
    journey.goto("/cong-khai/sao-ke")
    search = page.get_by_label("Tìm kiếm", exact=True)
    search.fill("yen sao khanh hoa")
    search.press("Enter")
    journey.check("statement-search")
    assert page.get_by_text("Công ty Cổ phần Yến Sào Khánh Hòa").first.is_visible()
    certificates = query_live(
        "SELECT serial, code FROM certificates WHERE status = 'valid' AND code <> '' ORDER BY id LIMIT 1"
    )
    if not certificates:
        pytest.fail("the demo has no valid certificate to verify (certificates demo data expected)")
    journey.goto("/xac-minh")
    page.get_by_label("Mã xác minh (hoặc địa chỉ trong mã QR)", exact=True).fill(certificates[0]["code"])
    page.get_by_role("button", name="Xác minh", exact=True).click()
    journey.check("certificate-verified")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Giấy hợp lệ"
    assert page.get_by_text(certificates[0]["serial"], exact=True).is_visible()
    journey.assert_accessible()
