"""Vietnamese first, English second: every public page reads in English when the visitor picks English (the
header's "English" link, ?lang=en, remembered in the session), and the Vietnamese pages are unchanged.

Amounts are not localised: "50.000.000 ₫" on both languages, so figures match bank statements and receipts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.contributions.models import Contribution
from app.core.money import format_vnd
from app.needs.models import HouseholdNeed, NeedStatus
from app.pledges.models import Pledge
from tests.conftest import login, open_as_donor
from tests.transparency.conftest import load_full_demo

DEMO_DONOR = "ketoan@yensao.example.vn"
DEMO_PASSWORD = "ChungTay@2026"  # noqa: S105 - the demo's documented password
VIETNAMESE_LETTERS = re.compile(
    r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I
)


def english_client(app):  # type: ignore[no-untyped-def]
    """A visitor who clicked "English" in the header once; the choice stays for the session."""
    client = app.test_client()
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)
    return client


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, "no <h1>"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def check_page(
    vi_client,
    en_client,
    url: str,
    vi: list[str],
    en: list[str],
    *,
    english_h1: bool = True,
    status: int = 200,
) -> tuple[str, str]:
    """The page in both languages: Vietnamese strings on the default page, their English on the English page and
    none of the Vietnamese left there."""
    vi_resp, en_resp = vi_client.get(url), en_client.get(url)
    assert vi_resp.status_code == en_resp.status_code == status, (
        url,
        vi_resp.status_code,
        en_resp.status_code,
    )
    vi_html, en_html = vi_resp.get_data(as_text=True), en_resp.get_data(as_text=True)
    assert 'lang="vi"' in vi_html and 'lang="en"' in en_html
    for text in vi:
        assert text in vi_html, f"{url} (vi): {text!r} missing"
        assert text not in en_html, f"{url} (en): Vietnamese {text!r} left"
    for text in en:
        assert text in en_html, f"{url} (en): {text!r} missing"
    if english_h1:
        assert not VIETNAMESE_LETTERS.search(h1(en_html)), f"{url} (en): heading {h1(en_html)!r}"
    return vi_html, en_html


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_full_demo(session)
    return session


def test_public_pages_read_in_english_and_stay_vietnamese_by_default(app, demo):
    session = demo
    vi_client, en_client = app.test_client(), english_client(app)

    check_page(
        vi_client,
        en_client,
        "/ung-ho",
        vi=[
            "Đăng ký ủng hộ Quỹ “Vì người nghèo”",
            "Tên doanh nghiệp / họ và tên",
            "Chia thành nhiều đợt",
            "Gửi đăng ký ủng hộ",
            "— Chọn tỉnh/thành phố —",
        ],
        en=[
            "Pledge to the “For the Poor” Fund",
            "Business name / full name",
            "Pay in instalments",
            "Send the pledge",
            "— Choose a province/city —",
            "Bank transfer (scan the VietQR code)",
        ],
    )

    pledge = (
        session.execute(select(Pledge).where(Pledge.kind == "money").order_by(Pledge.id)).scalars().first()
    )
    open_as_donor(vi_client, pledge)  # the full page (amount, how to pay) is the donor's (issue 19.1)
    open_as_donor(en_client, pledge)
    vi_html, en_html = check_page(
        vi_client,
        en_client,
        f"/ung-ho/{pledge.reference}",
        vi=[
            "Đăng ký ủng hộ số",
            "Số tiền đăng ký",
            "Nội dung chuyển khoản (ghi chính xác):",
            "Chủ tài khoản",
        ],
        en=[
            "Pledge no.",
            "Pledged amount",
            "Transfer description (write it exactly):",
            "Account holder",
            "Make another pledge",
        ],
    )
    amount = format_vnd(pledge.amount_vnd)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+ ₫", amount)
    assert amount in vi_html and amount in en_html  # "50.000.000 ₫" in both languages

    overview_vi, overview_en = check_page(
        vi_client,
        en_client,
        "/cong-khai",
        vi=[
            "Công khai Quỹ “Vì người nghèo”",
            "Tiến độ so với chỉ tiêu",
            "Đã đăng ký ủng hộ",
            "Cập nhật lần cuối:",
        ],
        en=[
            "The “For the Poor” Fund in the open",
            "Progress towards the goal",
            "Pledged",
            "Last updated:",
            "How the money has been used",
        ],
    )
    # Houses by stage carry the stage's name, not its code.
    assert "Đã bố trí kinh phí" in overview_vi and "Funded" in overview_en
    assert not re.search(r"</strong> (funded|started|completed|handed_over)</li>", overview_vi + overview_en)

    check_page(
        vi_client,
        en_client,
        "/cong-khai/sao-ke",
        vi=["Sao kê các khoản đóng góp", "Tìm kiếm", "Xóa bộ lọc", "Giảm dần", "Mục đích / địa bàn"],
        en=[
            "Every contribution received",
            "Search",
            "Clear the filters",
            "Descending",
            "Purpose / area",
            "Bank transfer",
            "Public name",
        ],
    )
    contribution = session.execute(select(Contribution).order_by(Contribution.id)).scalars().first()
    check_page(
        vi_client,
        en_client,
        f"/cong-khai/sao-ke/{contribution.id}",
        vi=["Tên công khai", "Số biên nhận", "Đường dẫn cố định để chia sẻ:"],
        en=["Public name", "Receipt number", "Permanent link to share:"],
        english_h1=False,
    )
    check_page(
        vi_client,
        en_client,
        "/cong-khai/tai-khoan",
        vi=["Tài khoản chính thức của Quỹ “Vì người nghèo”", "Chỉ chuyển tiền vào các tài khoản dưới đây."],
        en=[
            "Official accounts of the “For the Poor” Fund",
            "Only transfer money to the accounts below.",
            "Account number",
            "Account holder",
        ],
    )
    check_page(
        vi_client,
        en_client,
        "/cong-khai/su-dung",
        vi=["Tiền đã được sử dụng thế nào", "Theo mục đích", "Theo địa bàn"],
        en=["How the money has been used", "By purpose", "By area", "Housing (Great Solidarity houses)"],
    )
    check_page(
        vi_client,
        en_client,
        "/cong-khai/du-lieu",
        vi=["Dữ liệu mở", "Tự kiểm tra dữ liệu"],
        en=["Open data", "Check the data yourself"],
    )
    check_page(
        vi_client,
        en_client,
        "/cong-khai/goc-cong-bo",
        vi=["Chuỗi gốc công bố hằng ngày", "Kiểm tra gần nhất"],
        en=["Chain of daily published roots", "Last check"],
    )

    check_page(
        vi_client,
        en_client,
        "/cong-khai/nha",
        vi=["Nhà được hỗ trợ từ Quỹ “Vì người nghèo”", "Quỹ hỗ trợ:", "Tiêu chí ưu tiên"],
        en=["Houses supported by the “For the Poor” Fund", "Funded:", "Priority criteria", "Household "],
    )
    need = (
        session.execute(
            select(HouseholdNeed).where(HouseholdNeed.status == NeedStatus.FUNDED).order_by(HouseholdNeed.id)
        )
        .scalars()
        .first()
    )
    check_page(
        vi_client,
        en_client,
        f"/cong-khai/nha/{need.id}",
        vi=["Giai đoạn", "Đã bố trí kinh phí", "‹ Nhà được hỗ trợ"],
        en=["Stage", "Funded", "‹ Supported houses"],
    )
    check_page(
        vi_client,
        en_client,
        "/cong-khai/tieu-chi-uu-tien",
        vi=["Tiêu chí ưu tiên hỗ trợ nhà ở", "Hộ cận nghèo"],
        en=["Priority criteria for housing support", "Near-poor household", "Points"],
    )

    check_page(
        vi_client,
        en_client,
        "/xac-minh",
        vi=["Xác minh thư cảm ơn, giấy khen, bằng khen", "Mã xác minh (hoặc địa chỉ trong mã QR)"],
        en=[
            "Verify a thank-you letter, certificate or diploma of merit",
            "Verification code (or the address in the QR code)",
        ],
    )
    cert = session.execute(select(Certificate).order_by(Certificate.id)).scalars().first()
    check_page(
        vi_client,
        en_client,
        f"/xac-minh/{cert.code}",
        vi=["Giấy hợp lệ", "Còn hiệu lực", "Cấp cho"],
        en=["Valid document", "Valid", "Issued to", "Date of issue"],
    )
    check_page(
        vi_client,
        en_client,
        "/xac-minh/" + "A" * 60,
        vi=["Mã không hợp lệ", "Xác minh mã khác"],
        en=["Invalid code", "Verify another code"],
        status=404,
    )

    check_page(
        vi_client,
        en_client,
        "/dang-nhap",
        vi=["Ghi nhớ đăng nhập", "Mật khẩu"],
        en=["Keep me logged in", "Password", "Forgot your password?"],
    )
    check_page(
        vi_client,
        en_client,
        "/quen-mat-khau",
        vi=["Quên mật khẩu", "Gửi liên kết đặt lại"],
        en=["Forgotten password", "Send the reset link"],
    )


def test_donor_pages_read_in_english(app, demo):
    vi_client, en_client = app.test_client(), english_client(app)
    login(vi_client, DEMO_DONOR, DEMO_PASSWORD)
    resp = en_client.post(
        "/dang-nhap",
        data={"email": DEMO_DONOR, "password": DEMO_PASSWORD, "csrf_token": _csrf(en_client, "/dang-nhap")},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Hello Phạm Minh Tuấn!" in html and 'lang="en"' in html  # the language survives the login

    check_page(
        vi_client,
        en_client,
        "/tai-khoan/tong-quan",
        vi=["Các đợt còn phải nộp", "Khoản đã nộp và biên nhận", "Sao kê năm (cho kế toán)"],
        en=[
            "Instalments still to pay",
            "Payments and receipts",
            "Yearly statement (for your accountant)",
            "Send the invitation",
        ],
        english_h1=False,
    )  # the heading is the donor's name
    check_page(
        vi_client,
        en_client,
        "/tai-khoan/giay-chung-nhan",
        vi=["Thư cảm ơn và giấy khen của tôi", "Tải PDF"],
        en=["My thank-you letters and certificates", "Download PDF", "Thank-you letter"],
    )
    check_page(
        vi_client,
        en_client,
        "/tai-khoan/nha-da-ho-tro",
        vi=["Nhà tôi đã góp phần hỗ trợ"],
        en=["Houses I helped to fund"],
    )


def _csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from

    return csrf_from(client.get(url).get_data(as_text=True))
