"""Build the English catalogue (app/translations/en/LC_MESSAGES/messages.po) from EN below.

Vietnamese is the source language: msgids are the Vietnamese strings used in templates and code.
Run: python -m app.translations.build_catalog && pybabel compile -d app/translations
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

EN = {
    "Vì người nghèo": "For the Poor",
    "Bỏ qua điều hướng": "Skip navigation",
    "Quỹ “Vì người nghèo”": "“For the Poor” Fund",
    "Điều hướng chính": "Main navigation",
    "Nghiệp vụ cán bộ": "Staff tasks",
    "Bàn làm việc": "Desk",
    "Tài khoản": "Account",
    "Đăng xuất": "Log out",
    "Đăng nhập": "Log in",
    "Quên mật khẩu?": "Forgot your password?",
    "Ủng hộ": "Donate",
    "Công khai": "Transparency",
    "Sao kê": "Contributions",
    "Xác minh": "Verify",
    "Tổng quan": "Overview",
    "Nhập đóng góp hộ": "Household entries",
    "Sao kê ngân hàng": "Bank statements",
    "Đăng ký ủng hộ": "Pledge",
    "Hộ cần hỗ trợ": "Households in need",
    "Phân bổ": "Allocation",
    "Giấy chứng nhận": "Certificates",
    "Báo cáo": "Reports",
    "Sổ quỹ": "Fund books",
    "Địa bàn": "Areas",
    "Cuộc vận động": "Campaigns",
    "Nhật ký": "Audit log",
    "Ủy ban Mặt trận Tổ quốc Việt Nam · Cuộc vận động “Ngày vì người nghèo” · Phong trào “Vì người nghèo – Không để ai bị bỏ lại phía sau”":
        "Vietnam Fatherland Front Committee · “Day for the Poor” campaign · “For the Poor – Leave No One Behind” movement",
    "Mọi khoản đóng góp được công khai. Thông tin cá nhân của hộ được hỗ trợ không bao giờ được công bố.":
        "Every contribution is public. Personal data of supported households is never published.",
    "Mã lỗi": "Error code",
    "Trang này chỉ dành cho cán bộ phụ trách địa bàn tương ứng.": "This page is only for the staff of the area concerned.",
    "Về trang chủ": "Back to the home page",
    "Trang chủ": "Home",
    "Chung tay vì người nghèo – Không để ai bị bỏ lại phía sau": "Hand in hand for the poor – leave no one behind",
    "Nền tảng của Ủy ban Mặt trận Tổ quốc Việt Nam để vận động, tiếp nhận, phân bổ và công khai Quỹ “Vì người nghèo”. Mọi đồng đóng góp đều được ghi sổ và công khai.":
        "The Vietnam Fatherland Front's platform to raise, receive, allocate and publish the “For the Poor” Fund. Every đồng is booked and published.",
    "Xem sao kê đóng góp": "See the contributions list",
    "Đã tiếp nhận": "Received",
    "Đã phân bổ": "Allocated",
    "Đã giải ngân": "Disbursed",
    "Mục tiêu": "Goal",
    "Hiện chưa có cuộc vận động nào đang diễn ra.": "No campaign is running at the moment.",
    "Doanh nghiệp, hộ gia đình": "Businesses and households",
    "Đăng ký ủng hộ trực tuyến, chuyển khoản bằng mã VietQR hoặc thanh toán thẻ, nhận thư cảm ơn và giấy chứng nhận.":
        "Pledge online, pay by VietQR bank transfer or by card, receive a thank-you letter and a certificate.",
    "Cán bộ Mặt trận": "Front staff",
    "Ghi nhận đóng góp, đối soát sao kê, quản lý danh sách hộ cần hỗ trợ nhà ở và phân bổ quỹ có người phê duyệt.":
        "Record contributions, reconcile bank statements, keep the registry of housing needs and allocate funds with a second approver.",
    "Người dân, báo chí": "Citizens and journalists",
    "Tra cứu từng khoản đóng góp, xem tiền đã đến đâu, xác minh giấy chứng nhận.":
        "Look up every contribution, see where the money went, verify a certificate.",
    "Chưa có cuộc vận động đang diễn ra cho địa bàn này.": "No campaign is running for this area.",
    "Chưa phân bổ": "Not yet allocated",
    "Hiện vật (ước tính)": "In kind (estimated)",
    "Đóng góp mới nhất": "Latest contributions",
    "Ngày": "Date",
    "Biên nhận": "Receipt",
    "Người đóng góp": "Contributor",
    "Hình thức": "Channel",
    "Số tiền": "Amount",
    "Chưa có khoản nào.": "Nothing yet.",
    "Thao tác gần đây": "Recent actions",
    "Chưa có thao tác.": "No actions yet.",
    "Yêu cầu không hợp lệ": "Bad request",
    "Bạn không có quyền truy cập trang này": "You may not open this page",
    "Không tìm thấy trang": "Page not found",
    "Phương thức không được phép": "Method not allowed",
    "Tệp tải lên quá lớn": "The uploaded file is too large",
    "Quá nhiều yêu cầu": "Too many requests",
    "Lỗi hệ thống": "System error",
    "Phiên làm việc đã hết hạn": "Your session has expired",
    "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Vui lòng tải lại trang và thử lại.":
        "The form has expired or lacks its protection token (CSRF). Please reload the page and try again.",
    "Đã có lỗi xảy ra. Thao tác chưa được lưu. Vui lòng thử lại sau.":
        "Something went wrong. Nothing was saved. Please try again later.",
}


def build() -> Path:
    catalog = Catalog(locale="en", project="Chung Tay", fuzzy=False)
    for vi, en in EN.items():
        catalog.add(vi, en)
    path = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0)
    return path


if __name__ == "__main__":
    print(build())
