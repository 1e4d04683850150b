"""Staff pages translated so far read in English for a staff member who picked English; Vietnamese stays default."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from tests import factories as f
from tests.conftest import login

PAGES = [  # (url, Vietnamese on the default page, its English)
    ("/can-bo/dang-ky-ung-ho", ["Tìm tên nhà tài trợ hoặc mã", "Chỉ đăng ký quá hạn"],
     ["Search a donor name or code", "Overdue pledges only"]),
    ("/can-bo/sao-ke", ["Sao kê đã tải lên", "Chưa có sao kê nào."], ["Uploaded statements", "No statements yet."]),
    ("/can-bo/nhu-cau", ["Tìm theo tên chủ hộ, thôn", "Chỉ hộ chậm tiến độ"],
     ["Search by head of household or hamlet", "Late households only"]),
    ("/can-bo/so-quy/", ["Số dư tài khoản", "Bút toán gần đây"], ["Account balances", "Recent entries"]),
    ("/can-bo/nhat-ky/", ["Nhật ký thao tác", "Người thực hiện"], ["Audit log", "Who"]),
    ("/can-bo/bao-cao/", ["Báo cáo sơ kết, tổng kết", "Báo cáo đã lập"], ["Half-year and year-end reports", "Reports built"]),
    ("/can-bo/dia-ban/", ["Địa bàn phụ trách"], ["Areas in your charge"]),
    ("/can-bo/cuoc-van-dong/", ["Thời gian"], ["Period"]),
    ("/can-bo/thu-ho/", ["Nhập đóng góp hộ gia đình", "Các lô nhập từ tệp"],
     ["Enter household contributions", "Batches imported from files"]),
    ("/can-bo/thu-ho/lo", ["Lô nhập đóng góp hộ gia đình"], ["Household contribution batches"]),
]


@pytest.fixture
def staff_clients(app, session):  # type: ignore[no-untyped-def]
    province = f.province(session)
    f.make_campaign(session, province)
    user = f.make_user(session, Role.PROVINCE_STAFF, province)
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    login(vi, user.email)
    login(en, user.email)
    return vi, en


def test_staff_pages_in_english(staff_clients):
    vi, en = staff_clients
    for url, vi_texts, en_texts in PAGES:
        vi_resp, en_resp = vi.get(url), en.get(url)
        assert vi_resp.status_code == en_resp.status_code == 200, url
        vi_html, en_html = vi_resp.get_data(as_text=True), en_resp.get_data(as_text=True)
        for text in vi_texts:
            assert text in vi_html and text not in en_html, (url, text)
        for text in en_texts:
            assert text in en_html, (url, text)
    # The staff menu names lists ("Campaigns"); the same Vietnamese word on a page names one ("Campaign").
    home = en.get("/can-bo/dang-ky-ung-ho").get_data(as_text=True)
    assert ">Campaigns</a>" in home and ">Areas</a>" in home and ">Pledges</a>" in home
    assert ">Cuộc vận động</a>" in vi.get("/can-bo/dang-ky-ung-ho").get_data(as_text=True)
