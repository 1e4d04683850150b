"""Staff pages translated so far read in English for a staff member who picked English; Vietnamese stays default."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from tests import factories as f
from tests.conftest import login, post_form

PAGES = [  # (url, Vietnamese on the default page, its English)
    (
        "/can-bo/dang-ky-ung-ho",
        ["Tìm tên nhà tài trợ hoặc mã", "Chỉ đăng ký quá hạn"],
        ["Search a donor name or code", "Overdue pledges only"],
    ),
    (
        "/can-bo/sao-ke",
        ["Sao kê đã tải lên", "Chưa có sao kê nào."],
        ["Uploaded statements", "No statements yet."],
    ),
    (
        "/can-bo/nhu-cau",
        ["Tìm theo tên chủ hộ, thôn", "Chỉ hộ chậm tiến độ"],
        ["Search by head of household or hamlet", "Late households only"],
    ),
    ("/can-bo/so-quy/", ["Số dư tài khoản", "Bút toán gần đây"], ["Account balances", "Recent entries"]),
    ("/can-bo/nhat-ky/", ["Nhật ký thao tác", "Người thực hiện"], ["Audit log", "Who"]),
    (
        "/can-bo/bao-cao/",
        ["Báo cáo sơ kết, tổng kết", "Báo cáo đã lập"],
        ["Half-year and year-end reports", "Reports built"],
    ),
    ("/can-bo/dia-ban/", ["Địa bàn phụ trách"], ["Areas in your charge"]),
    ("/can-bo/cuoc-van-dong/", ["Thời gian"], ["Period"]),
    (
        "/can-bo/thu-ho/",
        ["Nhập đóng góp hộ gia đình", "Các lô nhập từ tệp"],
        ["Enter household contributions", "Batches imported from files"],
    ),
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


def assert_in_both_languages(vi, en, url: str, vi_texts: list[str], en_texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The page answers both readers; its Vietnamese texts are on the default page only, its English on the other."""
    vi_resp, en_resp = vi.get(url), en.get(url)
    assert vi_resp.status_code == en_resp.status_code == 200, url
    vi_html, en_html = vi_resp.get_data(as_text=True), en_resp.get_data(as_text=True)
    for text in vi_texts:
        assert text in vi_html and text not in en_html, (url, text)
    for text in en_texts:
        assert text in en_html, (url, text)


def test_staff_pages_in_english(staff_clients):
    vi, en = staff_clients
    for url, vi_texts, en_texts in PAGES:
        assert_in_both_languages(vi, en, url, vi_texts, en_texts)
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
    from app.needs import funding, registry
    from app.reports import services as reports
    from app.reports.models import ReportKind
    from app.units.services import add_hamlet
    from tests.needs.conftest import need_input

    kh = f.province(session)
    ks = f.unit(session, f.KHANH_SON)
    add_hamlet(session, ks.id, "Thôn Tà Lương")
    campaign = f.make_campaign(session, kh)
    users = {
        "commune": f.make_user(session, Role.COMMUNE_STAFF, ks),
        "province": f.make_user(session, Role.PROVINCE_STAFF, kh),
        "approver": f.make_user(session, Role.APPROVER, kh),
    }
    actor = {k: Actor(user_id=u.id, label=u.email) for k, u in users.items()}
    funded = registry.create_need(session, actor["commune"], campaign, need_input(ks))
    registry.approve_need(session, actor["province"], users["province"], funded.id)
    waiting = registry.create_need(
        session,
        actor["commune"],
        campaign,
        need_input(ks, head_name="Hộ Chờ Duyệt", citizen_id="056085731902", phone=None),
    )
    f.receive(session, campaign, 100_000_000, receiving=kh, earmark=ks, purpose=Purpose.HOUSING)
    session.commit()
    proposal = matching.run_proposal(session, actor["province"], users["province"], campaign, kh.id)
    matching.submit(session, actor["province"], users["province"], proposal.id)
    matching.approve(session, actor["approver"], users["approver"], proposal.id)
    tranche = funding.disburse_need(session, f.SYSTEM, funded.id, 30_000_000, "PC-07/2026")
    job = reports.create_job(
        session, actor["province"], campaign=campaign, unit=kh, kind=ReportKind.YEAR, year=2026
    )
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
        (
            "commune",
            f"/can-bo/nhu-cau/{funded.id}",
            ["Thông tin hộ", "Giải ngân theo đợt", "Tạm ứng khi khởi công"],
            ["Household details", "Disbursements by tranche", "Advance at the start of works"],
        ),
        (
            "commune",
            "/can-bo/nhu-cau/them",
            ["Thêm hộ cần hỗ trợ", "Họ tên chủ hộ", "Nguồn đã có 1: loại"],
            ["Add a household in need", "Secured funding 1: type", "Household size"],
        ),
        (
            "commune",
            f"/can-bo/nhu-cau/{waiting.id}/sua",
            ["Sửa thông tin hộ #", "Lưu thay đổi"],
            ["Edit household #", "Save the changes"],
        ),
        (
            "commune",
            "/can-bo/nhu-cau/nhap",
            ["Nhập danh sách hộ từ bảng tính", "Tải lên và xem trước"],
            ["Import households from a spreadsheet", "Upload and preview"],
        ),
        ("commune", "/can-bo/tieu-chi-uu-tien", ["Chỉ cán bộ cấp tỉnh"], ["Only province staff"]),
        (
            "province",
            "/can-bo/tieu-chi-uu-tien",
            ["Số ngày kể từ khởi công"],
            ["Days after the start without completion"],
        ),
        (
            "commune",
            f"/can-bo/dia-ban/xa/{ks.id}",
            ["Hình thành từ huyện cũ", "Tên thôn / tổ dân phố", "Huyện nghèo"],
            ["Formed from former districts", "Hamlet / residential group name", "Poor district"],
        ),
        (
            "province",
            f"/can-bo/nhu-cau/{waiting.id}",
            ["Cấp tỉnh xét duyệt", "Lý do không duyệt"],
            ["Province review", "Reason for not approving"],
        ),
        (
            "province",
            "/can-bo/phan-bo/",
            ["Phân bổ kinh phí cho hộ cần hỗ trợ", "Lập đề xuất", "Đã phê duyệt"],
            ["Allocating funds to households in need", "Build a proposal", "Approved"],
        ),
        (
            "province",
            f"/can-bo/phan-bo/{proposal.id}",
            ["Nguyên tắc ghép tiền", "Số dư khi lập", "Hạng 1"],
            ["How money is matched", "Balance when built", "Rank 1"],
        ),
        (
            "province",
            f"/can-bo/bao-cao/{job.id}",
            ["I. Cân đối quỹ trong kỳ", "Số dư đầu kỳ (chưa chi)", "Tải Excel (XLSX)"],
            ["I. Fund balance for the period", "Opening balance (unspent)", "Download Excel (XLSX)"],
        ),
        (
            "approver",
            f"/can-bo/nhu-cau/giai-ngan/{tranche.id}/dao",
            ["Khoản sẽ được đảo", "Lý do đảo giải ngân"],
            ["Disbursement to reverse", "Reason for the reversal"],
        ),
    ]
    return clients, pages, waiting, ks.id


def test_section_a_staff_pages_in_english(section_a):
    clients, pages, _waiting, _commune_id = section_a
    for who, url, vi_texts, en_texts in pages:
        vi, en = clients[who]
        assert_in_both_languages(vi, en, url, vi_texts, en_texts)


def test_section_a_import_preview_in_english(section_a):
    import io

    from tests.conftest import csrf_from
    from tests.needs.test_import import GOOD, _csv

    clients, _pages, _waiting, commune_id = section_a
    for client, expected in zip(
        clients["commune"],
        (["Xem trước:", "Hợp lệ", "Nhập 2 hộ"], ["Preview:", "Valid", "Import 2 households"]),
        strict=True,
    ):
        page = client.get("/can-bo/nhu-cau/nhap").get_data(as_text=True)
        resp = client.post(
            "/can-bo/nhu-cau/nhap",
            content_type="multipart/form-data",
            data={
                "csrf_token": csrf_from(page),
                "commune_id": commune_id,
                "file": (io.BytesIO(_csv(GOOD)), "ds.csv"),
            },
        )
        assert resp.status_code == 302
        preview = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert all(text in preview for text in expected), expected


def test_section_a_messages_in_english(section_a):
    """Flash messages and form validator messages follow the staff member's language."""
    from tests.conftest import post_form

    clients, _pages, waiting, _commune_id = section_a
    vi, en = clients["province"]
    for client, text in (
        (vi, "Lý do không duyệt: chưa nhập."),
        (en, "Reason for not approving: not entered."),
    ):
        resp = post_form(
            client,
            f"/can-bo/nhu-cau/{waiting.id}/tu-choi",
            {"reason": ""},
            page=f"/can-bo/nhu-cau/{waiting.id}",
            follow_redirects=True,
        )
        assert text in resp.get_data(as_text=True)
    vi, en = clients["commune"]
    for client, texts in (
        (vi, ["Dự toán kinh phí: chưa nhập.", "Chưa nhập."]),
        (en, ["Estimated cost: not entered.", "Not entered."]),
    ):
        html = post_form(client, "/can-bo/nhu-cau/them", {"head_name": ""}).get_data(as_text=True)
        assert all(text in html for text in texts), texts


# --- section B: certificates, household collection screens, bank statements, test card gateway ---------------------------
SECTION_B = [  # (path built from the world, Vietnamese on the default page, its English)
    (
        "/can-bo/giay-chung-nhan",
        ["Thư cảm ơn, giấy khen, bằng khen", "Quy tắc khen thưởng", "Tìm theo tên hoặc số giấy"],
        [
            "Thank-you letters, certificates and diplomas of merit",
            "Award rules",
            "Search by name or number",
            "Minimum total donated in the campaign (đồng)",
        ],
    ),
    ("/can-bo/giay-chung-nhan/{cert}", ["Địa chỉ xác minh", "Xem PDF"], ["Verification address", "View PDF"]),
    (
        "/can-bo/giay-chung-nhan/dot/{batch}",
        ["Tiến độ cấp", "Loại khỏi danh sách", "Phê duyệt và cấp"],
        ["Issuing progress", "Leave out", "Approve and issue", "Decision number", "Donor type"],
    ),
    (
        "/can-bo/thu-ho/xa/{commune}",
        ["Lưu dòng (Enter)", "Các dòng vừa nhập", "In danh sách ký nhận"],
        [
            "Save the row (Enter)",
            "Rows just entered",
            "Print signature lists",
            "Head of household",
            "Publish household contributions as",
        ],
    ),
    (
        "/can-bo/thu-ho/xa/{commune}/nhap-tep",
        ["Nhập danh sách thu từ tệp", "Tải lên và kiểm tra"],
        ["Import a collection list from a file", "Upload and check", "List file (.xlsx or .csv)"],
    ),
    (
        "/can-bo/thu-ho/xa/{commune}/danh-sach-ky",
        ["Danh sách thu theo người thu"],
        ["Collections by collector"],
    ),
    (
        "/can-bo/thu-ho/lo/{import_batch}",
        ["Dòng hợp lệ", "Tổng tiền dòng hợp lệ", "Về màn hình nhập"],
        ["Valid rows", "Total of valid rows", "Back to the entry screen"],
    ),
    ("/can-bo/sao-ke", ["Tài khoản nhận tiền", "Mẫu sao kê"], ["Receiving account", "Statement layout"]),
    (
        "/can-bo/sao-ke/{draft}",
        ["Kiểm tra sao kê trước khi nhập", "dòng đọc được", "Xem trước (30 dòng đầu)"],
        ["Check the statement before importing", "lines read", "Preview (first 30 lines)"],
    ),
    (
        "/can-bo/sao-ke/{unknown}/ghep-cot",
        ["Dấu phân cách hàng nghìn", "15 dòng đầu của tệp"],
        ["Thousands separator", "The file's first 15 rows", "Transaction date"],
    ),
    (
        "/can-bo/sao-ke/{imported}",
        ["dòng trong tệp", "Nội dung (chỉ cán bộ xem)"],
        ["lines in the file", "Description (staff only)", "Filter by status"],
    ),
]


@pytest.fixture
def section_b_world(app, session):  # type: ignore[no-untyped-def]
    """A certificate, an award batch waiting for approval, a household import batch, a statement draft, one with an
    unknown layout and an imported one, built through the real services (the fixtures of tests/certificates,
    tests/collections and tests/payments)."""
    from app.banking.models import OfficialBankAccount
    from app.certificates import services as certificates
    from app.certificates.models import CertificateKind, IssuerLevel
    from app.collections import services as collections
    from app.donors.models import DonorKind
    from app.ledger.services import main_fund
    from app.payments.importing import create_statement, import_statement
    from tests.certificates.conftest import World
    from tests.collections.conftest import xlsx_bytes
    from tests.payments.test_statements import D1, day_lines, vcb_csv

    world = World(session)
    cert = certificates.acknowledge_contribution(session, f.SYSTEM, world.receive(150_000_000).id)
    certificates.add_rule(
        session,
        f.SYSTEM,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=100_000_000,
        kind=CertificateKind.BANG_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    batch = certificates.propose_batch(session, f.SYSTEM, world.campaign.id, world.kh.id, "Đợt 1")
    imported_batch = collections.create_import(
        session,
        f.SYSTEM,
        world.campaign,
        world.khanh_son,
        "xlsx",
        xlsx_bytes([["Nguyễn Văn An", "Thôn Tà Lương", 200_000, "", "18/11/2026", "Bà Hoa"]]),
        "thu.xlsx",
    )
    account = OfficialBankAccount(
        unit_id=world.kh.id,
        fund_id=main_fund(session).id,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0061001234567",
        account_name="UBMTTQ TINH KHANH HOA",
    )
    session.add(account)
    session.flush()
    draft = create_statement(
        session,
        f.SYSTEM,
        account=account,
        kind="csv",
        original_name="a.csv",
        data=vcb_csv([(D1, day_lines(D1))], 0),
    )
    unknown = create_statement(
        session,
        f.SYSTEM,
        account=account,
        kind="csv",
        original_name="b.csv",
        data=b"Thoi diem;Mo ta;Tien vao\n03/09/2024 07:30;ung ho;1,250,000\n",
    )
    imported = create_statement(
        session,
        f.SYSTEM,
        account=account,
        kind="csv",
        original_name="c.csv",
        data=vcb_csv([(D1, day_lines(D1))], 0),
    )
    import_statement(session, f.SYSTEM, imported, acknowledge_breaks=True)
    session.commit()
    ids = {
        "cert": cert.id,
        "batch": batch.id,
        "commune": world.khanh_son.id,
        "import_batch": imported_batch.id,
        "draft": draft.id,
        "unknown": unknown.id,
        "imported": imported.id,
    }
    return world, ids


def test_section_b_staff_pages_in_english(app, section_b_world):  # type: ignore[no-untyped-def]
    world, ids = section_b_world
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    for client, user in ((vi, world.province_staff), (en, world.province_staff)):
        login(client, user.email)
    approver_vi, approver_en = app.test_client(), app.test_client()
    approver_en.get("/?lang=en")
    login(approver_vi, world.approver.email)
    login(approver_en, world.approver.email)
    for path, vi_texts, en_texts in SECTION_B:
        url = path.format(**ids)
        vi_client, en_client = (approver_vi, approver_en) if "/dot/" in url else (vi, en)
        assert_in_both_languages(vi_client, en_client, url, vi_texts, en_texts)
    # Nothing is recorded yet (the import batch waits for confirmation): the signature lists page says so.
    sheet = en.get(f"/can-bo/thu-ho/xa/{ids['commune']}/danh-sach-ky").get_data(as_text=True)
    assert "Nothing collected yet." in sheet
    # A flash message in English, the Vietnamese one unchanged.
    resp = post_form(
        en,
        f"/can-bo/giay-chung-nhan/{ids['cert']}/thu-hoi",
        {"reason": ""},
        page=f"/can-bo/giay-chung-nhan/{ids['cert']}",
    )
    assert resp.status_code == 403  # province staff may not revoke; the approver may
    resp = post_form(
        approver_en,
        f"/can-bo/giay-chung-nhan/{ids['cert']}/thu-hoi",
        {"reason": ""},
        page=f"/can-bo/giay-chung-nhan/{ids['cert']}",
        follow_redirects=True,
    )
    assert "Please enter the reason for revocation." in resp.get_data(as_text=True)
    resp = post_form(
        approver_vi,
        f"/can-bo/giay-chung-nhan/{ids['cert']}/thu-hoi",
        {"reason": ""},
        page=f"/can-bo/giay-chung-nhan/{ids['cert']}",
        follow_redirects=True,
    )
    assert "Vui lòng nhập lý do thu hồi." in resp.get_data(as_text=True)


def test_test_card_gateway_in_english(app, session):  # type: ignore[no-untyped-def]
    """The demo card gateway a donor reaches from the pledge page."""
    from tests.payments.conftest import make_pledge
    from tests.payments.test_card import checkout

    province = f.province(session)
    pledge = make_pledge(session, f.make_campaign(session, province), 50_000_000, receiving=province)
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    location = checkout(vi, pledge).headers["Location"]
    assert "/thanh-toan-thu-nghiem/" in location
    vi_html, en_html = vi.get(location).get_data(as_text=True), en.get(location).get_data(as_text=True)
    assert "THỬ NGHIỆM – KHÔNG TRỪ TIỀN THẬT" in vi_html and "Xác nhận thanh toán thử" in vi_html
    assert "TEST – NO REAL MONEY IS CHARGED" in en_html and "Confirm the test payment" in en_html
    assert "Waiting for payment" in en_html and "50.000.000" in en_html
    assert "Xác nhận thanh toán thử" not in en_html
