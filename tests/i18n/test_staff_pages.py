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


# --- section A: needs (household page, form, import, priorities, tranche reversal), matching, a commune, a report ---
@pytest.fixture
def section_a(app, session):  # type: ignore[no-untyped-def]
    """A need funded through an approved proposal with one tranche paid, a need awaiting review, a built report."""
    from app.core.actor import Actor
    from app.ledger.models import Purpose
    from app.matching import services as matching
    from app.needs import services as needs
    from app.reports import services as reports
    from app.reports.models import ReportKind
    from app.units.services import add_hamlet
    from tests.needs.conftest import need_input

    kh = f.province(session)
    ks = f.unit(session, f.KHANH_SON)
    add_hamlet(session, ks.id, "Thôn Tà Lương")
    campaign = f.make_campaign(session, kh)
    users = {"commune": f.make_user(session, Role.COMMUNE_STAFF, ks),
             "province": f.make_user(session, Role.PROVINCE_STAFF, kh), "approver": f.make_user(session, Role.APPROVER, kh)}
    actor = {k: Actor(user_id=u.id, label=u.email) for k, u in users.items()}
    funded = needs.create_need(session, actor["commune"], campaign, need_input(ks))
    needs.approve_need(session, actor["province"], users["province"], funded.id)
    waiting = needs.create_need(session, actor["commune"], campaign, need_input(
        ks, head_name="Hộ Chờ Duyệt", citizen_id="056085731902", phone=None))
    f.receive(session, campaign, 100_000_000, receiving=kh, earmark=ks, purpose=Purpose.HOUSING)
    session.commit()
    proposal = matching.run_proposal(session, actor["province"], users["province"], campaign, kh.id)
    matching.submit(session, actor["province"], users["province"], proposal.id)
    matching.approve(session, actor["approver"], users["approver"], proposal.id)
    tranche = needs.disburse_need(session, f.SYSTEM, funded.id, 30_000_000, "PC-07/2026")
    job = reports.create_job(session, actor["province"], campaign=campaign, unit=kh, kind=ReportKind.YEAR, year=2026)
    session.commit()
    reports.run_job(session, job.id)
    session.commit()
    clients = {}
    for who, user in users.items():
        vi, en = app.test_client(), app.test_client()
        en.get("/?lang=en")
        login(vi, user.email)
        login(en, user.email)
        clients[who] = (vi, en)
    pages = [  # (who, url, Vietnamese on the default page, its English)
        ("commune", f"/can-bo/nhu-cau/{funded.id}", ["Thông tin hộ", "Giải ngân theo đợt", "Tạm ứng khi khởi công"],
         ["Household details", "Disbursements by tranche", "Advance at the start of works"]),
        ("commune", "/can-bo/nhu-cau/them", ["Thêm hộ cần hỗ trợ", "Họ tên chủ hộ", "Nguồn đã có 1: loại"],
         ["Add a household in need", "Secured funding 1: type", "Household size"]),
        ("commune", f"/can-bo/nhu-cau/{waiting.id}/sua", ["Sửa thông tin hộ #", "Lưu thay đổi"],
         ["Edit household #", "Save the changes"]),
        ("commune", "/can-bo/nhu-cau/nhap", ["Nhập danh sách hộ từ bảng tính", "Tải lên và xem trước"],
         ["Import households from a spreadsheet", "Upload and preview"]),
        ("commune", "/can-bo/tieu-chi-uu-tien", ["Chỉ cán bộ cấp tỉnh"], ["Only province staff"]),
        ("province", "/can-bo/tieu-chi-uu-tien", ["Số ngày kể từ khởi công"], ["Days after the start without completion"]),
        ("commune", f"/can-bo/dia-ban/xa/{ks.id}", ["Hình thành từ huyện cũ", "Tên thôn / tổ dân phố", "Huyện nghèo"],
         ["Formed from former districts", "Hamlet / residential group name", "Poor district"]),
        ("province", f"/can-bo/nhu-cau/{waiting.id}", ["Cấp tỉnh xét duyệt", "Lý do không duyệt"],
         ["Province review", "Reason for not approving"]),
        ("province", "/can-bo/phan-bo/", ["Phân bổ kinh phí cho hộ cần hỗ trợ", "Lập đề xuất", "Đã phê duyệt"],
         ["Allocating funds to households in need", "Build a proposal", "Approved"]),
        ("province", f"/can-bo/phan-bo/{proposal.id}", ["Nguyên tắc ghép tiền", "Số dư khi lập", "Hạng 1"],
         ["How money is matched", "Balance when built", "Rank 1"]),
        ("province", f"/can-bo/bao-cao/{job.id}", ["I. Cân đối quỹ trong kỳ", "Số dư đầu kỳ (chưa chi)", "Tải Excel (XLSX)"],
         ["I. Fund balance for the period", "Opening balance (unspent)", "Download Excel (XLSX)"]),
        ("approver", f"/can-bo/nhu-cau/giai-ngan/{tranche.id}/dao", ["Khoản sẽ được đảo", "Lý do đảo giải ngân"],
         ["Disbursement to reverse", "Reason for the reversal"]),
    ]
    return clients, pages, waiting, ks.id


def test_section_a_staff_pages_in_english(section_a):
    clients, pages, _waiting, _commune_id = section_a
    for who, url, vi_texts, en_texts in pages:
        vi, en = clients[who]
        vi_resp, en_resp = vi.get(url), en.get(url)
        assert vi_resp.status_code == en_resp.status_code == 200, url
        vi_html, en_html = vi_resp.get_data(as_text=True), en_resp.get_data(as_text=True)
        for text in vi_texts:
            assert text in vi_html and text not in en_html, (url, text)
        for text in en_texts:
            assert text in en_html, (url, text)


def test_section_a_import_preview_in_english(section_a):
    import io

    from tests.conftest import csrf_from
    from tests.needs.test_import import GOOD, _csv

    clients, _pages, _waiting, commune_id = section_a
    for client, expected in zip(clients["commune"], (["Xem trước:", "Hợp lệ", "Nhập 2 hộ"],
                                                    ["Preview:", "Valid", "Import 2 households"]), strict=True):
        page = client.get("/can-bo/nhu-cau/nhap").get_data(as_text=True)
        resp = client.post("/can-bo/nhu-cau/nhap", content_type="multipart/form-data", data={
            "csrf_token": csrf_from(page), "commune_id": commune_id, "file": (io.BytesIO(_csv(GOOD)), "ds.csv")})
        assert resp.status_code == 302
        preview = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert all(text in preview for text in expected), expected


def test_section_a_messages_in_english(section_a):
    """Flash messages and form validator messages follow the staff member's language."""
    from tests.conftest import post_form

    clients, _pages, waiting, _commune_id = section_a
    vi, en = clients["province"]
    for client, text in ((vi, "Lý do không duyệt: chưa nhập."), (en, "Reason for not approving: not entered.")):
        resp = post_form(client, f"/can-bo/nhu-cau/{waiting.id}/tu-choi", {"reason": ""},
                         page=f"/can-bo/nhu-cau/{waiting.id}", follow_redirects=True)
        assert text in resp.get_data(as_text=True)
    vi, en = clients["commune"]
    for client, texts in ((vi, ["Dự toán kinh phí: chưa nhập.", "Chưa nhập."]),
                          (en, ["Estimated cost: not entered.", "Not entered."])):
        html = post_form(client, "/can-bo/nhu-cau/them", {"head_name": ""}).get_data(as_text=True)
        assert all(text in html for text in texts), texts
