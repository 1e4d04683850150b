"""Issue 17: a PDF-converted statement uploaded, its review page (preset chosen and why, page furniture apart)
and the review queue filtered, on a 360 px phone (no sideways scrolling: the queue's lines are cards) and a
desktop, each page checked for accessibility."""

from __future__ import annotations

import pytest

from app.payments.samples import sample_path
from tests.e2e.conftest import PROVINCE_STAFF, Journey, login

pytestmark = pytest.mark.browser


def test_province_staff_upload_a_pdf_converted_statement_and_work_the_queue(journey: Journey, viewport: str):
    page = journey.page
    login(journey, PROVINCE_STAFF)
    journey.goto("/can-bo/sao-ke")
    sample = sample_path("vietinbank", pdf=True)
    page.get_by_label("Tệp sao kê (.xlsx hoặc .csv)", exact=True).set_input_files(
        files=[{"name": sample.name, "mimeType": "text/csv", "buffer": sample.read_bytes()}]
    )
    page.get_by_role("button", name="Tải lên và kiểm tra", exact=True).click()
    journey.check("draft")
    body = page.content()
    assert "Mẫu được chọn tự động: VietinBank" in body
    assert "dòng tiêu đề trang, số trang, chân trang" in body
    assert "0</strong> dòng lỗi" in body.replace("\n", "")
    page.get_by_role("button", name="Nhập sao kê", exact=True).click()
    journey.check("imported")
    journey.goto("/can-bo/sao-ke/cho-xu-ly?q=nguyen+van+an")
    assert "NGUYEN VAN" in page.content()
    journey.goto("/can-bo/sao-ke/cho-xu-ly?moi-trang=200")
    assert page.get_by_role("button", name="Ghi biên nhận “Nhà hảo tâm”", exact=True).is_visible()
    journey.assert_accessible()
