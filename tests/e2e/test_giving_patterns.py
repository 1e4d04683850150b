"""Issue 19.5 in a browser: an agency registers, opens the mailed link, uploads its staff list, confirms it and
downloads the lookup codes; a staff member looks their line up by code. On a 360 px phone nothing scrolls sideways
and every page passes the accessibility check (the journey checks both)."""

from __future__ import annotations

import re

from tests.e2e.conftest import LIVE, Journey

LIST = (
    "Họ tên,Số tiền,Ghi chú,Công khai tên\nNguyễn Văn An,300.000,,có\nTrần Thị Bình,500000,phòng Kế toán,\n"
)


def test_agency_collection_journey_and_lookup_by_code(journey: Journey, viewport: str, tmp_path):  # type: ignore[no-untyped-def]
    from app.core import mail

    page = journey.page
    email = f"ketoan.{viewport}@coquan.example.vn"
    journey.goto("/co-quan/dang-ky")
    page.get_by_label("Tên cơ quan, đơn vị").fill(f"Sở Thử Nghiệm {viewport}")
    page.get_by_label("Người phụ trách thu").fill("Phạm Thu Hà")
    page.get_by_label("E-mail của cơ quan (nhận liên kết quản lý đợt thu)").fill(email)
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    journey.check("registered")
    with LIVE["app"].app_context():
        [sent] = [m for m in mail.OUTBOX if m["To"] == email]
    link = re.search(r"https?://[^/\s]+(/co-quan/\S+)", sent.get_content())
    assert link
    journey.goto(link.group(1))

    staff_list = tmp_path / "danh-sach.csv"
    staff_list.write_text(LIST, encoding="utf-8")
    page.get_by_label("Danh sách cán bộ (.xlsx hoặc .csv)").set_input_files(str(staff_list))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    journey.check("preview")
    assert "2 người, tổng 800.000 ₫" in page.content()
    page.get_by_role("button", name="Chốt danh sách và nhận nội dung chuyển khoản").click()
    journey.check("confirmed")
    codes = [c.inner_text() for c in page.locator(".agency-code strong").all()]
    assert len(codes) == 2

    journey.goto(f"/cong-khai/tra-cuu?ma={codes[1]}")
    assert "T.T.B. – Sở Thử Nghiệm" in page.content() and "Nguyễn Văn An" not in page.content()
    journey.assert_accessible()
