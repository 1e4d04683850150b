"""Build the English catalogue (app/translations/en/LC_MESSAGES/messages.po) from EN below.

Vietnamese is the source language: msgids are the Vietnamese strings used in templates and code, so the Vietnamese
pages need no catalogue and never change when a translation is added. This file is the single source of the English
text; the .po is generated from it (never edit the .po by hand).

Marking strings:
- templates: {{ _('…') }}, with values as {{ _('Đợt %(n)s', n=…) }}, or {% trans trimmed %}…{% endtrans %};
  labels kept in models (status, channel, purpose…) as {{ _(obj.status_label) }} — add those to EN by hand.
- Python: gettext as `_` inside a request (flash, messages built in views); lazy_gettext as `_l` for anything
  created at import time (WTForms labels, choices, validator messages).
Check that every marked string has an English entry (also a test): python -m app.translations.build_catalog --check

Amounts and dates are not localised: English pages show "50.000.000 ₫" and dd/mm/yyyy like the Vietnamese ones, so the
figures match bank statements, receipts and certificates word for word (the |vnd and |date_vn filters ignore the locale).

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
    "Địa bàn": "Area",
    "Cuộc vận động": "Campaign",
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
    # --- accounts: login, forgotten and reset password --------------------------------------------------------------
    "Quên mật khẩu": "Forgotten password",
    "Nhập email của tài khoản. Chúng tôi sẽ gửi một liên kết để đặt mật khẩu mới; liên kết dùng được một lần và hết hạn sau 1 giờ.":
        "Enter your account's email. We will send a link to set a new password; the link works once and expires after 1 hour.",
    "Gửi liên kết đặt lại": "Send the reset link",
    "Quay lại đăng nhập": "Back to log in",
    "Đặt lại mật khẩu": "Reset your password",
    "Yêu cầu liên kết mới": "Ask for a new link",
    "Ít nhất 10 ký tự, có cả chữ và số.": "At least 10 characters, with both letters and digits.",
    "Đặt mật khẩu mới": "Set the new password",
    "Vui lòng nhập email.": "Please enter your email.",
    "Email không hợp lệ.": "The email is not valid.",
    "Mật khẩu": "Password",
    "Vui lòng nhập mật khẩu.": "Please enter your password.",
    "Ghi nhớ đăng nhập": "Keep me logged in",
    "Email quá dài.": "The email is too long.",
    "Mật khẩu mới": "New password",
    "Vui lòng nhập mật khẩu mới.": "Please enter the new password.",
    "Mật khẩu quá dài (tối đa 200 ký tự).": "The password is too long (200 characters at most).",
    "Nhập lại mật khẩu mới": "New password again",
    "Vui lòng nhập lại mật khẩu mới.": "Please enter the new password again.",
    "Hai mật khẩu không khớp.": "The two passwords do not match.",
    "Xin chào %(name)s!": "Hello %(name)s!",
    "Bạn đã đăng xuất.": "You have logged out.",
    "Đã đặt mật khẩu mới. Mọi phiên đăng nhập cũ đã kết thúc; vui lòng đăng nhập lại.":
        "Your new password is set. Every earlier session has ended; please log in again.",
    # messages raised by app.accounts (translated when shown: flash(_(str(exc))))
    "Email hoặc mật khẩu không đúng.": "Wrong email or password.",
    "Tài khoản đã bị vô hiệu hóa.": "This account has been disabled.",
    "Nếu email này có tài khoản, chúng tôi đã gửi một liên kết đặt lại mật khẩu. Liên kết chỉ dùng được một lần và hết hạn sau 1 giờ. Vui lòng kiểm tra hộp thư (cả thư rác).":
        "If this email has an account, we have sent a password reset link. The link works once and expires after 1 hour. Please check your inbox (and the spam folder).",
    "Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn. Vui lòng yêu cầu liên kết mới.":
        "This password reset link is invalid, already used or expired. Please ask for a new link.",
    # --- shared words and labels ----------------------------------------------------------------------------------------
    "Phân trang": "Pages",
    "Trang trước": "Previous page",
    "Trang sau": "Next page",
    "Trang %(page)s / %(pages)s": "Page %(page)s of %(pages)s",
    "Xem": "Show",
    "Tất cả": "All",
    "Ví dụ:": "Example:",
    "Tỉnh/thành phố": "Province/city",
    "Xã/phường": "Commune/ward",
    "Mục đích": "Purpose",
    "Nhà tài trợ": "Donor",
    "Tình trạng": "Status",
    "Trạng thái": "Status",
    "Đã nhận": "Received",
    "Đã hủy": "Cancelled",
    "Nhà hảo tâm": "Well-wisher",
    "Ngân hàng": "Bank",
    "Số tài khoản": "Account number",
    "Chủ tài khoản": "Account holder",
    "Nhà Đại đoàn kết": "Great Solidarity houses",
    "Chưa có dữ liệu.": "No data yet.",
    "Chưa có căn nhà nào.": "No houses yet.",
    "Xem từng căn nhà (đã ẩn danh)": "See each house (anonymised)",
    "Chưa có cuộc vận động nào được công khai.": "No campaign has been published yet.",
    "Toàn quốc": "Nationwide",
    # labels kept in the models (translated in templates with _(label))
    "Đã đăng ký": "Pledged",
    "Đã nộp một phần": "Partly paid",
    "Đã hoàn thành": "Completed",
    "Quá hạn, không thực hiện": "Lapsed, not honoured",
    "Chuyển khoản ngân hàng": "Bank transfer",
    "Thẻ quốc tế": "International card",
    "Tiền mặt tại cơ quan Mặt trận": "Cash at a Front office",
    "Hiện vật": "In kind",
    "Doanh nghiệp": "Business",
    "Hộ gia đình": "Household",
    "Cá nhân": "Individual",
    "Cơ quan, tổ chức": "Agency or organisation",
    "Chuyển khoản": "Bank transfer",
    "Thẻ": "Card",
    "Tiền mặt": "Cash",
    "Thu tại hộ gia đình": "Collected from households",
    "Nhà ở (nhà Đại đoàn kết)": "Housing (Great Solidarity houses)",
    "Sinh kế": "Livelihoods",
    "Học tập": "Education",
    "Y tế": "Health care",
    "Không chỉ định": "Unrestricted",
    "Xây mới nhà ở": "New house",
    "Sửa chữa nhà ở": "House repair",
    "Hỗ trợ sinh kế": "Livelihood support",
    "Hỗ trợ học tập": "Education support",
    "Hỗ trợ y tế": "Health care support",
    "Xã đề xuất": "Proposed by the commune",
    "Tỉnh đã duyệt": "Approved by the province",
    "Đã bố trí kinh phí": "Funded",
    "Đang xây dựng": "Under construction",
    "Đã bàn giao": "Handed over",
    "Không được duyệt": "Not approved",
    "Thư cảm ơn": "Thank-you letter",
    "Giấy khen": "Certificate of merit",
    "Bằng khen": "Diploma of merit",
    "Ngày nhận": "Date received",
    "Tên": "Name",
    "Hộ nghèo": "Poor household",
    "Hộ cận nghèo": "Near-poor household",
    "Hộ có hoàn cảnh đặc biệt khó khăn": "Household in especially difficult circumstances",
    "Gia đình có công với cách mạng": "Family of a person with revolutionary merit",
    "Hộ đồng bào dân tộc thiểu số": "Ethnic minority household",
    "Người cao tuổi sống một mình": "Elderly person living alone",
    "Có thành viên là người khuyết tật": "Has a member with a disability",
    "Cha hoặc mẹ đơn thân nuôi con": "Single parent raising children",
    "Thuộc huyện nghèo (địa bàn cũ)": "In a poor district (former boundaries)",
    "Thuộc xã đặc biệt khó khăn": "In an especially disadvantaged commune",
    "Thuộc vùng đồng bào dân tộc thiểu số và miền núi": "In an ethnic minority and mountainous area",
    # --- pledges: form, confirmation, donor account ----------------------------------------------------------------------
    "Đăng ký ủng hộ Quỹ “Vì người nghèo”": "Pledge to the “For the Poor” Fund",
    "không cần tài khoản. Sau khi đăng ký, quý vị nhận mã chuyển khoản và hướng dẫn nộp.":
        "no account needed. After pledging you receive a transfer code and instructions to pay.",
    "Khoản ủng hộ": "Your contribution",
    "Lịch và cách nộp": "Schedule and payment",
    "Lời nhắn": "Message",
    "10 chữ số; chi nhánh: 0123456789-001; hộ kinh doanh: số định danh 12 chữ số.":
        "10 digits; a branch: 0123456789-001; a household business: the 12-digit personal ID number.",
    "Ví dụ: 0905 123 456": "Example: 0905 123 456",
    "Tối thiểu 10.000 ₫. Ví dụ: 50.000.000": "At least 10.000 ₫. Example: 50.000.000",
    "Các đợt nộp (tổng phải bằng số tiền đăng ký)": "Instalments (they must add up to the pledged amount)",
    "Đợt": "Instalment",
    "Ngày nộp": "Payment date",
    "Đợt %(n)s: ngày nộp": "Instalment %(n)s: payment date",
    "Đợt %(n)s: số tiền": "Instalment %(n)s: amount",
    "Gửi đăng ký ủng hộ": "Send the pledge",
    "Thông tin liên hệ chỉ dùng để gửi xác nhận, biên nhận và không được công khai.":
        "Contact details are only used to send the confirmation and receipts, and are never published.",
    "Chưa gửi được. Vui lòng sửa:": "Not sent yet. Please correct:",
    "Số tiền đợt": "Instalment amount",
    "Quý vị là": "You are",
    "Doanh nghiệp, tổ chức": "A business or organisation",
    "Loại nhà tài trợ: chưa chọn.": "Donor type: not chosen.",
    "Tên doanh nghiệp / họ và tên": "Business name / full name",
    "Tên: chưa nhập.": "Name: not entered.",
    "Tên: tối đa 255 ký tự.": "Name: 255 characters at most.",
    "Mã số thuế": "Tax code",
    "Địa chỉ trụ sở": "Head office address",
    "Người liên hệ": "Contact person",
    "Email: không hợp lệ.": "Email: not valid.",
    "Số điện thoại": "Phone number",
    "Hình thức ủng hộ": "Type of contribution",
    "Tiền": "Money",
    "Số tiền (đồng)": "Amount (đồng)",
    "Mô tả hiện vật": "Description of the goods",
    "Số lượng": "Quantity",
    "Giá trị ước tính (đồng)": "Estimated value (đồng)",
    "Địa bàn hỗ trợ": "Area to support",
    "Nơi cần nhất": "Where most needed",
    "Một tỉnh/thành phố": "A province/city",
    "Một xã/phường": "A commune/ward",
    "Tỉnh/thành phố được hỗ trợ": "Province/city to support",
    "Xã/phường được hỗ trợ": "Commune/ward to support",
    "Lịch nộp": "Payment schedule",
    "Nộp một lần": "Pay once",
    "Chia thành nhiều đợt": "Pay in instalments",
    "Cách nộp tiền": "How you pay",
    "Chuyển khoản ngân hàng (quét mã VietQR)": "Bank transfer (scan the VietQR code)",
    "Tên hiển thị công khai": "Name shown in public",
    "Ghi đầy đủ tên": "Show the full name",
    "Ghi “Nhà hảo tâm” (ẩn danh)": "Show “Well-wisher” (anonymous)",
    "Lời nhắn (không công khai)": "Message (not published)",
    "— Chọn tỉnh/thành phố —": "— Choose a province/city —",
    "— Chọn xã/phường —": "— Choose a commune/ward —",
    "Mã số thuế: chưa nhập.": "Tax code: not entered.",
    "Địa chỉ trụ sở: chưa nhập.": "Head office address: not entered.",
    "Người liên hệ: chưa nhập.": "Contact person: not entered.",
    "Email: chưa nhập (để gửi xác nhận và biên nhận).": "Email: not entered (needed to send the confirmation and receipts).",
    "Số điện thoại: chưa nhập.": "Phone number: not entered.",
    "Số điện thoại hoặc email: cần ít nhất một cách liên hệ.": "Phone number or email: at least one way to contact you is needed.",
    "Tỉnh/thành phố: chưa chọn.": "Province/city: not chosen.",
    "Xã/phường: chưa chọn.": "Commune/ward: not chosen.",
    "Xã/phường: không thuộc tỉnh/thành phố đã chọn.": "Commune/ward: not in the chosen province/city.",
    "Mô tả hiện vật: chưa nhập.": "Description of the goods: not entered.",
    "Giá trị ước tính": "Estimated value",
    "%(field)s: tối thiểu %(amount)s.": "%(field)s: at least %(amount)s.",
    "%(field)s: ngày không hợp lệ (ví dụ 31/12/2026).": "%(field)s: invalid date (for example 31/12/2026).",
    "Tỉnh/thành phố được hỗ trợ: chưa chọn.": "Province/city to support: not chosen.",
    "Xã/phường được hỗ trợ: chưa chọn.": "Commune/ward to support: not chosen.",
    "Xã/phường được hỗ trợ: không thuộc tỉnh đã chọn.": "Commune/ward to support: not in the chosen province.",
    "Cách nộp tiền: thanh toán thẻ chưa được mở; hãy chọn chuyển khoản.": "How you pay: card payment is not open yet; please choose a bank transfer.",
    "Đợt %(n)s: ngày không hợp lệ (dd/mm/yyyy).": "Instalment %(n)s: invalid date (dd/mm/yyyy).",
    "Đợt %(n)s: chưa nhập ngày nộp.": "Instalment %(n)s: payment date not entered.",
    "Đợt %(n)s – số tiền": "Instalment %(n)s – amount",
    "Vui lòng kiểm tra lại các ô được đánh dấu.": "Please check the highlighted fields.",
    "Cảm ơn quý vị! Đăng ký ủng hộ đã được ghi nhận.": "Thank you! Your pledge has been recorded.",
    "Đăng ký ủng hộ số": "Pledge no.",
    "Số tiền đăng ký": "Pledged amount",
    "Còn lại": "Outstanding",
    "Đã nhận đủ. Xin trân trọng cảm ơn quý vị!": "Received in full. Thank you most sincerely!",
    "Đã nhận %(paid)s; còn %(outstanding)s.": "Received %(paid)s; %(outstanding)s outstanding.",
    "Đăng ký này %(status)s.": "This pledge is %(status)s.",
    "Hạn nộp": "Due date",
    "Đã nộp": "Paid",
    "Quá hạn": "Overdue",
    "Chưa đến hạn": "Not yet due",
    "Cách nộp": "How to pay",
    "Cán bộ Mặt trận sẽ liên hệ để tiếp nhận hiện vật và cấp biên nhận có số. Khi bàn giao, xin đọc mã đăng ký %(ref)s.":
        "Front staff will contact you to receive the goods and issue a numbered receipt. When handing them over, please quote the pledge code %(ref)s.",
    "Quý vị nộp tiền mặt tại trụ sở Ủy ban MTTQ%(unit)s; cán bộ cấp biên nhận có số. Xin đọc mã %(ref)s. Quý vị cũng có thể chuyển khoản như dưới đây.":
        "Pay in cash at the office of the Fatherland Front Committee%(unit)s; staff issue a numbered receipt. Please quote the code %(ref)s. You may also pay by bank transfer as shown below.",
    "Tài khoản của Quỹ sẽ được cán bộ thông báo.": "Staff will tell you the Fund's account.",
    "Nội dung chuyển khoản (ghi chính xác):": "Transfer description (write it exactly):",
    "Số tiền: %(amount)s. Hệ thống đối chiếu khoản chuyển với đăng ký nhờ mã này; trang này cập nhật ngay khi tiền về.":
        "Amount: %(amount)s. The system matches your transfer to the pledge by this code; this page updates as soon as the money arrives.",
    "Mã VietQR chuyển khoản %(amount)s với nội dung %(ref)s": "VietQR code to transfer %(amount)s with the description %(ref)s",
    "Quét bằng ứng dụng ngân hàng bất kỳ": "Scan with any banking app",
    "Thanh toán bằng thẻ quốc tế": "Pay by international card",
    "Thông tin liên hệ": "Contact details",
    "(chỉ nhà tài trợ và cán bộ phụ trách thấy)": "(seen only by the donor and the staff in charge)",
    "Địa chỉ": "Address",
    "Điện thoại": "Phone",
    "Tạo tài khoản để theo dõi": "Create an account to follow up",
    "Với tài khoản, quý vị xem các khoản đã nộp, biên nhận, lịch nộp và tải sao kê hằng năm. Chúng tôi gửi liên kết tạo tài khoản tới email đã ghi trong đăng ký.":
        "With an account you see your payments, receipts and schedule, and download yearly statements. We send the account link to the email given in the pledge.",
    "Gửi liên kết tạo tài khoản": "Send the account link",
    "Đăng ký thêm một khoản ủng hộ": "Make another pledge",
    "Nếu đăng ký có email liên hệ, chúng tôi đã gửi liên kết tạo tài khoản tới email đó.":
        "If the pledge has a contact email, we have sent the account link to it.",
    "Liên kết không hợp lệ": "Invalid link",
    "Liên kết đã hết hạn hoặc không đúng. Hãy yêu cầu liên kết mới từ trang đăng ký.":
        "The link has expired or is wrong. Please ask for a new link from the pledge page.",
    "Nhà tài trợ này đã có tài khoản. Hãy đề nghị người dùng hiện có gửi lời mời cho quý vị.":
        "This donor already has an account. Please ask one of its users to invite you.",
    "Đã tạo tài khoản. Từ nay quý vị theo dõi đăng ký và biên nhận tại đây.":
        "Your account is created. From now on you follow your pledges and receipts here.",
    "Tạo tài khoản theo dõi đóng góp": "Create an account to follow your contributions",
    "Lời mời không hợp lệ": "Invalid invitation",
    "Lời mời đã hết hạn hoặc không đúng. Hãy đề nghị đồng nghiệp gửi lại.":
        "The invitation has expired or is wrong. Please ask your colleague to send it again.",
    "Chào mừng quý vị tham gia tài khoản %(name)s.": "Welcome to the %(name)s account.",
    "Nhận lời mời tham gia tài khoản %(name)s": "Accept the invitation to the %(name)s account",
    "Email này đã có tài khoản.": "This email already has an account.",
    "Đã gửi lời mời tới %(email)s.": "Invitation sent to %(email)s.",
    "Nhà tài trợ:": "Donor:",
    "Email đăng nhập:": "Login email:",
    "Tạo tài khoản": "Create the account",
    "Họ và tên": "Full name",
    "Họ và tên: chưa nhập.": "Full name: not entered.",
    "Mật khẩu (ít nhất %(n)s ký tự, có chữ và số)": "Password (at least %(n)s characters, with letters and digits)",
    "Mật khẩu: chưa nhập.": "Password: not entered.",
    "Chức vụ": "Job title",
    "Email đồng nghiệp": "Colleague's email",
    "Email: chưa nhập.": "Email: not entered.",
    "Tài khoản nhà tài trợ": "Donor account",
    "MST": "Tax code",
    "Đăng ký ủng hộ mới": "New pledge",
    "Mã": "Code",
    "Đăng ký": "Pledge",
    "hiện vật": "in kind",
    "Chưa có đăng ký nào.": "No pledges yet.",
    "Các đợt còn phải nộp": "Instalments still to pay",
    "đợt %(n)s · hạn %(due)s · còn %(left)s": "instalment %(n)s · due %(due)s · %(left)s outstanding",
    "quá hạn": "overdue",
    "Không có đợt nào đang chờ.": "No instalment is waiting.",
    "Khoản đã nộp và biên nhận": "Payments and receipts",
    "đã hủy": "cancelled",
    "Chưa ghi nhận khoản nộp nào. Khoản chuyển khoản hiện ở đây ngay khi được đối chiếu.":
        "No payment recorded yet. Bank transfers show here as soon as they are matched.",
    "Sao kê năm (cho kế toán)": "Yearly statement (for your accountant)",
    "Năm %(year)s:": "Year %(year)s:",
    "Chưa có khoản nộp để lập sao kê.": "No payments to put on a statement yet.",
    "Xem và tải giấy chứng nhận": "See and download certificates",
    "Giấy chứng nhận đóng góp sẽ hiện ở đây khi được cấp.": "Contribution certificates will show here once issued.",
    "Nhà được hỗ trợ từ đóng góp của quý vị": "Houses supported by your contributions",
    "Xem các căn nhà và hộ được hỗ trợ": "See the houses and households supported",
    "Khi tiền được phân bổ, các căn nhà Đại đoàn kết được xây từ đóng góp của quý vị sẽ hiện ở đây.":
        "Once the money is allocated, the Great Solidarity houses built with your contributions will show here.",
    "Người dùng của %(name)s": "Users of %(name)s",
    "Gửi lời mời": "Send the invitation",
    "Quay lại": "Back",
    "In biên nhận": "Print the receipt",
    "Tài khoản của tôi": "My account",
    "Đóng góp của tôi": "My contributions",
    "Chưa ghi nhận khoản đóng góp nào.": "No contribution recorded yet.",
    # staff pledge forms (labels shared with the public form's module)
    "Số tiền đăng ký (đồng)": "Pledged amount (đồng)",
    "Số tiền: chưa nhập.": "Amount: not entered.",
    "Hạn nộp (nộp một lần)": "Due date (single payment)",
    "Chuyển trạng thái": "Change status",
    "Hủy đăng ký": "Cancel the pledge",
    "Mở lại đăng ký": "Reopen the pledge",
    "Trạng thái: chưa chọn.": "Status: not chosen.",
    "Lý do": "Reason",
    "Đảo tại trang của hộ": "Reverse it on the household's page",
    "Thu hồi tại đề xuất phân bổ": "Revoke it on the allocation proposal",
    "Chuyển tự động": "Lapsed automatically",
    "đã báo nhà tài trợ": "donor notified",
    "Mã đăng ký (nếu có)": "Pledge code (if any)",
    "Người/đơn vị nộp": "Paid by (person or organisation)",
    "Ghi “Nhà hảo tâm”": "Show “Well-wisher”",
    "Số tiền / giá trị ước tính (đồng)": "Amount / estimated value (đồng)",
    "Mô tả hiện vật (số lượng, tình trạng)": "Description of the goods (quantity, condition)",
    "Ghi chú nội bộ": "Internal note",
    # --- staff: pledges -------------------------------------------------------------------------------------------------
    "Ghi biên nhận": "Record a receipt",
    "Ghi biên nhận tiền mặt / hiện vật": "Record a cash / in-kind receipt",
    "Theo đăng ký %(ref)s của %(name)s · đăng ký %(amount)s.": "For pledge %(ref)s by %(name)s · pledged %(amount)s.",
    "Bỏ trống nếu người nộp không đăng ký trước.": "Leave empty if the giver did not pledge beforehand.",
    "Ví dụ: 2.000.000. Với hiện vật: giá trị ước tính.": "Example: 2.000.000. For goods: the estimated value.",
    "Ghi và in biên nhận": "Record and print the receipt",
    "Danh sách đăng ký": "Pledge list",
    "Khoản đăng ký": "The pledge",
    "Ngày đăng ký": "Pledged on",
    "quá hạn %(amount)s": "%(amount)s overdue",
    "Đơn vị tiếp nhận": "Receiving unit",
    "Trung ương": "Central",
    "Sửa số tiền, lịch nộp": "Change the amount or schedule",
    "Trang của nhà tài trợ": "The donor's page",
    "Hạn": "Due",
    "Nhắc": "Reminder",
    "Khoản đã nhận": "Payments received",
    "Ghi chú": "Note",
    "Phần nộp vượt (quà không chỉ định)": "Overpayment (unrestricted gift)",
    "Chưa nhận khoản nào.": "Nothing received yet.",
    "Xác nhận đổi trạng thái đăng ký?": "Change the status of this pledge?",
    "Lưu trạng thái": "Save the status",
    "Đăng ký đã hoàn thành; trạng thái không thay đổi thủ công.": "The pledge is fulfilled; its status cannot be changed by hand.",
    "Sửa đăng ký": "Edit pledge",
    "Đã nhận:": "Received:",
    "Không thể giảm số tiền đăng ký xuống dưới số đã nhận. Mọi thay đổi được ghi nhật ký (giá trị cũ và mới).":
        "The pledged amount cannot go below what was received. Every change is logged (old and new values).",
    "Lưu thay đổi": "Save the changes",
    "Tìm tên nhà tài trợ hoặc mã": "Search a donor name or code",
    "Chỉ đăng ký quá hạn": "Overdue pledges only",
    "ẩn danh": "anonymous",
    "Không có đăng ký nào phù hợp.": "No pledge matches.",
    # --- staff: bank statements and the transfer queue ------------------------------------------------------------------
    "Cổng thanh toán thử nghiệm": "Test payment gateway",
    "Ghép cột sao kê": "Map the statement columns",
    "Kiểm tra sao kê trước khi nhập": "Check the statement before importing",
    "Sao kê đã nhập": "Imported statement",
    "Khoản chuyển khoản chờ xử lý": "Transfers waiting to be processed",
    "%(n)s dòng ghi có chưa ghép. Nội dung chuyển khoản là bằng chứng nội bộ, không công bố.":
        "%(n)s credit lines not matched yet. Transfer descriptions are internal evidence and never published.",
    "Chỉ dòng có đề xuất": "Only lines with a proposal",
    "Chọn tất cả": "Select all",
    "Đề xuất": "Proposal",
    "Chọn dòng %(n)s": "Select line %(n)s",
    "Mã đăng ký cho dòng %(n)s": "Pledge code for line %(n)s",
    "Tên công khai cho dòng %(n)s": "Public name for line %(n)s",
    "Không còn dòng nào chờ xử lý.": "No line is waiting.",
    "Với các dòng đã chọn": "With the selected lines",
    "Xác nhận đề xuất": "Confirm the proposals",
    "Ghép theo mã đăng ký đã nhập": "Match by the pledge codes entered",
    "Ghi biên nhận có tên": "Record named receipts",
    "Ghi biên nhận “Nhà hảo tâm”": "Record “Well-wisher” receipts",
    "Lý do bỏ qua": "Reason to skip",
    "Bỏ qua": "Skip",
    "Khoản chờ xử lý: %(n)s dòng · %(amount)s": "Waiting: %(n)s lines · %(amount)s",
    "Tải lên sao kê": "Upload a statement",
    "Có sẵn mẫu Vietcombank, BIDV, VietinBank, Agribank; mẫu khác thì tự ghép cột.":
        "Layouts for Vietcombank, BIDV, VietinBank and Agribank are built in; for others, map the columns yourself.",
    "Để kiểm tra số dư in trên sao kê; bỏ trống thì lấy số dư in đầu tiên làm mốc.":
        "Used to check the balances printed on the statement; if empty, the first printed balance is the starting point.",
    "Tải lên và kiểm tra": "Upload and check",
    "Chưa dòng nào được nhập cho đến khi bạn xem báo cáo và bấm “Nhập sao kê”. Nhập lại cùng một sao kê hoặc sao kê chồng ngày không tạo dòng trùng.":
        "No line is imported until you have read the report and pressed “Nhập sao kê” (Import). Importing the same statement again, or one with overlapping days, creates no duplicates.",
    "Địa bàn của bạn chưa có tài khoản nhận tiền ủng hộ.": "Your area has no account for receiving donations yet.",
    "Sao kê đã tải lên": "Uploaded statements",
    "Ngày tải": "Uploaded on",
    "Tệp": "File",
    "Dòng mới": "New lines",
    "Đã có": "Already there",
    "Tự ghép": "Auto-matched",
    "Ghi có": "Credits",
    "Bản nháp – chưa nhập": "Draft – not imported",
    "Đã nhập": "Imported",
    "Lệch số dư": "Balance mismatch",
    "Chưa có sao kê nào.": "No statements yet.",
    # --- staff: needs registry ------------------------------------------------------------------------------------------
    "Hoàn cảnh đặc biệt khó khăn": "Especially difficult circumstances",
    "Chưa có cuộc vận động đang diễn ra cho địa bàn của bạn.": "No campaign is running for your area.",
    "danh sách theo rà soát hộ nghèo, cận nghèo của xã.": "the list follows the commune's survey of poor and near-poor households.",
    "Thêm hộ": "Add a household",
    "Nhập từ bảng tính": "Import from a spreadsheet",
    "%(days)s ngày": "%(days)s days",
    "Lọc danh sách": "Filter the list",
    "Tìm theo tên chủ hộ, thôn": "Search by head of household or hamlet",
    "Chỉ hộ chậm tiến độ": "Late households only",
    "hộ": "households",
    "Chủ hộ": "Head of household",
    "Thôn, xã": "Hamlet, commune",
    "Diện": "Category",
    "Đề nghị": "Requested",
    "Đã bố trí": "Funded",
    "Chậm tiến độ": "Late",
    "Không có hộ nào.": "No households.",
    # --- staff: audit log, fund books, reports, areas -------------------------------------------------------------------
    "Nhật ký thao tác": "Audit log",
    "Thời điểm": "When",
    "Người thực hiện": "Who",
    "Địa chỉ IP": "IP address",
    "Thao tác": "Action",
    "Đối tượng": "Record",
    "Trước": "Before",
    "Sau": "After",
    "Chưa có.": "None yet.",
    "Sổ quỹ “Vì người nghèo”": "“For the Poor” Fund books",
    "Sổ chỉ ghi thêm: không sửa, không xóa; sai sót được điều chỉnh bằng bút toán đảo.":
        "The books are append-only: nothing is edited or deleted; mistakes are corrected by reversing entries.",
    "Số dư tài khoản": "Account balances",
    "Đơn vị": "Unit",
    "Số dư": "Balance",
    "Chưa có bút toán.": "No entries yet.",
    "Bút toán gần đây": "Recent entries",
    "Diễn giải": "Description",
    "Đã đảo": "Reversed",
    "Đảo bút toán này?": "Reverse this entry?",
    "Đảo": "Reverse",
    "Tiếp nhận": "Donations",
    "Đã phân bổ (chưa chi)": "Allocated (not yet spent)",
    "Tiếp nhận hiện vật": "In-kind donations",
    "Báo cáo sơ kết, tổng kết": "Half-year and year-end reports",
    "Số liệu lấy từ sổ quỹ, trùng với số liệu công khai. Báo cáo được lập ở chế độ nền; tải về dạng Excel (XLSX) hoặc PDF.":
        "Figures come from the fund books and match the published ones. Reports are built in the background; download them as Excel (XLSX) or PDF.",
    "Chỉ dùng cho báo cáo sơ kết 6 tháng.": "Only for the half-year report.",
    "Lập báo cáo": "Build the report",
    "Báo cáo đã lập": "Reports built",
    "Kỳ": "Period",
    "Chưa lập báo cáo nào.": "No reports yet.",
    "Sơ kết 6 tháng": "Half-year review",
    "Tổng kết năm": "Year-end review",
    "Đang chờ": "Waiting",
    "Đang lập": "Building",
    "Đã xong": "Done",
    "Lỗi": "Failed",
    "Địa bàn phụ trách": "Areas in your charge",
    "Xã / phường / đặc khu": "Commune / ward / special zone",
    "Tỉnh": "Province",
    "Thôn, tổ dân phố": "Hamlets and residential groups",
    "Không có địa bàn nào.": "No areas.",
    # --- staff: household collections, campaigns ------------------------------------------------------------------------
    "Nhập đóng góp hộ gia đình": "Enter household contributions",
    "Chọn xã/phường": "Choose a commune/ward",
    "Mã xã/phường (mã hành chính)": "Commune/ward code (administrative code)",
    "Mở màn hình nhập": "Open the entry screen",
    "Các lô nhập từ tệp": "Batches imported from files",
    "Lô nhập từ tệp": "Imported batches",
    "Lô nhập đóng góp hộ gia đình": "Household contribution batches",
    "Lô": "Batch",
    "Dòng": "Rows",
    "Chưa có lô nào.": "No batches yet.",
    "Chờ xác nhận": "Awaiting confirmation",
    "Đang ghi": "Recording",
    "Đã ghi nhận": "Recorded",
    "Đã hủy cả lô": "Whole batch cancelled",
    "Lỗi khi ghi": "Failed while recording",
    "Đã bỏ": "Dropped",
    "Hộ đã ghi (cuộc vận động)": "Households recorded (campaign)",
    "Tổng thu tại hộ của xã": "Commune's household collections",
    "Tổng tiếp nhận của xã": "Commune's total received",
    "Tổng tiếp nhận của tỉnh": "Province's total received",
    "Năm": "Year",
    "Thời gian": "Period",
    "Bắt đầu": "Start",
    "Kết thúc": "Close",
    "Kết thúc cuộc vận động này?": "Close this campaign?",
    "Chưa có cuộc vận động.": "No campaigns yet.",
    "Tạo cuộc vận động": "Create a campaign",
    "Tạo": "Create",
    "Mặc định 17/10": "Default 17/10",
    "Mặc định 18/11": "Default 18/11",
    "Ví dụ: 20.000.000.000": "Example: 20.000.000.000",
    "Dự thảo": "Draft",
    "Đang vận động": "Running",
    "Đã kết thúc": "Closed",
    # --- transparency ---------------------------------------------------------------------------------------------------
    "Sử dụng quỹ": "Use of funds",
    "Tài khoản chính thức": "Official accounts",
    "Dữ liệu mở": "Open data",
    "Kiểm chứng": "Verification",
    "Công khai Quỹ “Vì người nghèo”": "The “For the Poor” Fund in the open",
    "Phạm vi:": "Scope:",
    "Cập nhật lần cuối:": "Last updated:",
    "chưa có giao dịch": "no transactions yet",
    "Số liệu lấy trực tiếp từ sổ quỹ, làm mới mỗi khi có tiền vào hoặc ra.":
        "Figures come straight from the fund books and refresh whenever money comes in or goes out.",
    "Tổng hợp": "Totals",
    "Đã đăng ký ủng hộ": "Pledged",
    "+ hiện vật trị giá %(amount)s": "+ goods worth %(amount)s",
    "Chưa có căn nhà nào trong phạm vi này.": "No houses in this scope yet.",
    "Tiến độ so với chỉ tiêu": "Progress towards the goal",
    "chưa giao chỉ tiêu": "no goal set",
    "Chưa có địa bàn nào có chỉ tiêu hoặc khoản đóng góp.": "No area has a goal or contributions yet.",
    "Xem từng khoản đóng góp (sao kê)": "See every contribution (the list)",
    "Tiền đã được sử dụng thế nào": "How the money has been used",
    "Sao kê đóng góp": "Contributions list",
    "Sao kê các khoản đóng góp": "Every contribution received",
    "Mọi khoản đã nhận, tìm được theo tên (có hoặc không dấu), mã đăng ký, mã giao dịch ngân hàng, số biên nhận, số tiền, ngày và địa bàn. Số tài khoản được che; nội dung chuyển khoản không được công bố.":
        "Every contribution received, searchable by name (with or without diacritics), pledge code, bank transaction code, receipt number, amount, date and area. Account numbers are masked; transfer descriptions are not published.",
    "Tìm kiếm": "Search",
    "Ví dụ: nguyen van a, FT26293001234": "Example: nguyen van a, FT26293001234",
    "Từ ngày": "From",
    "Đến ngày": "To",
    "Sắp xếp theo": "Sort by",
    "Thứ tự": "Order",
    "Giảm dần": "Descending",
    "Tăng dần": "Ascending",
    "Tìm": "Search",
    "Xóa bộ lọc": "Clear the filters",
    "Tải kết quả:": "Download the results:",
    "Tên công khai": "Public name",
    "Kênh": "Channel",
    "Mục đích / địa bàn": "Purpose / area",
    "Mã tham chiếu": "Reference",
    "chỉ định:": "earmarked:",
    "Không có khoản đóng góp nào khớp với bộ lọc.": "No contribution matches the filters.",
    "Tài khoản chính thức của Quỹ “Vì người nghèo”": "Official accounts of the “For the Poor” Fund",
    "Chỉ chuyển tiền vào các tài khoản dưới đây. Mặt trận không kêu gọi ủng hộ qua tài khoản cá nhân hay trang mạng xã hội lạ. Khi quét mã, hãy kiểm tra tên chủ tài khoản hiện trong ứng dụng ngân hàng trùng với tên ở đây.":
        "Only transfer money to the accounts below. The Front never asks for donations through personal accounts or unknown social media pages. When you scan a code, check that the account holder shown in your banking app matches the name here.",
    "Ủy ban Trung ương MTTQ Việt Nam": "Central Committee of the Vietnam Fatherland Front",
    "Chưa có tài khoản nào được công bố.": "No account has been published yet.",
    "đã phân bổ %(allocated)s, đã giải ngân %(disbursed)s.": "%(allocated)s allocated, %(disbursed)s disbursed.",
    "Theo mục đích": "By purpose",
    "Chưa phân bổ khoản nào.": "Nothing allocated yet.",
    "Theo địa bàn": "By area",
    "đã giải ngân": "disbursed",
    "Đã giải ngân %(disbursed)s / phân bổ %(allocated)s": "Disbursed %(disbursed)s of %(allocated)s allocated",
    "Khoản đóng góp": "Contribution",
    "Khoản này đã bị hủy (đảo bút toán) và không còn được tính vào số đã nhận.":
        "This contribution was cancelled (reversing entry) and no longer counts as received.",
    "Địa bàn chỉ định": "Earmarked area",
    "Số biên nhận": "Receipt number",
    "Mã đăng ký": "Pledge code",
    "Mã giao dịch ngân hàng": "Bank transaction code",
    "Tài khoản chuyển": "Paying account",
    "Công bố": "Published",
    "Trong chuỗi ngày": "In the chain of",
    "gốc": "root",
    "Sẽ được đưa vào chuỗi công bố của ngày hôm nay.": "Will be included in today's published chain.",
    "Đường dẫn cố định để chia sẻ:": "Permanent link to share:",
    "Toàn bộ dữ liệu công khai, tải về tự do (giấy phép dữ liệu mở). Tệp được truyền dần nên tải được ở mọi kích thước.":
        "All public data, free to download (open data licence). Files are streamed, so they download at any size.",
    "Các khoản đóng góp:": "Contributions:",
    "Cột:": "Columns:",
    "Mỗi dòng ghi ngày công bố và gốc của ngày đó.": "Each row carries its publication day and that day's root.",
    "Tổng hợp theo đơn vị:": "Totals by unit:",
    "Chuỗi gốc công bố hằng ngày:": "Chain of daily published roots:",
    "API chỉ đọc:": "Read-only API:",
    "Tự kiểm tra dữ liệu": "Check the data yourself",
    "Mỗi ngày, các khoản đóng góp mới được băm (SHA-256) và nối vào một chuỗi:":
        "Every day, the new contributions are hashed (SHA-256) and appended to a chain:",
    "gốc ngày = SHA-256(gốc hôm trước ‖ SHA-256(các dòng của ngày, xếp theo id))":
        "day root = SHA-256(previous day's root ‖ SHA-256(the day's rows, ordered by id))",
    "Nếu ai đó sửa lặng lẽ một khoản đã công bố, ngày đó sẽ không còn khớp.":
        "If anyone quietly changes a published contribution, that day no longer matches.",
    "Tệp %(file)s chỉ dùng thư viện chuẩn của Python, chạy độc lập không cần cài ứng dụng. Cán bộ có thể dùng %(cmd)s (so với các gốc trong cơ sở dữ liệu).":
        "The file %(file)s uses only Python's standard library and runs on its own, without installing the application. Staff can use %(cmd)s (compared with the roots in the database).",
    "Gốc công bố": "Published root",
    "Gốc công bố ngày %(day)s": "Published root of %(day)s",
    "Tính lại từ dữ liệu hiện tại: khớp với bản đã công bố.": "Recomputed from today's data: matches what was published.",
    "Tính lại từ dữ liệu hiện tại: KHÔNG KHỚP. Có khoản đóng góp của ngày này đã bị thay đổi sau khi công bố.":
        "Recomputed from today's data: DOES NOT MATCH. A contribution of this day was changed after publication.",
    "Số khoản": "Contributions",
    "Tổng tiền": "Total",
    "Phạm vi id": "Id range",
    "Băm các dòng": "Hash of the rows",
    "Gốc hôm trước": "Previous day's root",
    "Gốc ngày": "Day root",
    "Công bố lúc": "Published at",
    "Chuỗi gốc công bố": "Published roots",
    "Chuỗi gốc công bố hằng ngày": "Chain of daily published roots",
    "Mỗi gốc nối với gốc trước; xem": "Each root links to the one before; see",
    "cách tự kiểm tra": "how to check it yourself",
    "Mở một ngày để tính lại ngay từ dữ liệu hiện tại.": "Open a day to recompute it now from the current data.",
    "Gốc (SHA-256)": "Root (SHA-256)",
    "Kiểm tra gần nhất": "Last check",
    "chưa kiểm tra": "not checked yet",
    "Khớp": "Matches",
    "KHÔNG KHỚP – dữ liệu đã bị thay đổi sau khi công bố": "DOES NOT MATCH – the data changed after publication",
    "Chưa công bố ngày nào.": "No day published yet.",
    # --- needs: public house cards, priorities, donor houses -----------------------------------------------------------
    "Nhà được hỗ trợ": "Supported houses",
    "Nhà được hỗ trợ từ Quỹ “Vì người nghèo”": "Houses supported by the “For the Poor” Fund",
    "Để bảo vệ người được hỗ trợ, chỉ công khai chữ cái đầu của tên chủ hộ, thôn và xã.":
        "To protect the people supported, only the initials of the head of household, the hamlet and the commune are published.",
    "Lọc theo xã": "Filter by commune",
    "Lọc": "Filter",
    "căn": "houses",
    "Ảnh công trình": "Photo of the works",
    "Hộ %(initials)s": "Household %(initials)s",
    "Nhà hộ %(initials)s": "House of household %(initials)s",
    "Quỹ hỗ trợ:": "Funded:",
    "Quỹ hỗ trợ": "Funded",
    "Tiêu chí ưu tiên": "Priority criteria",
    "Nội dung": "Work",
    "Giai đoạn": "Stage",
    "Khởi công": "Started",
    "Hoàn thành": "Completed",
    "Bàn giao": "Handed over",
    "Số tiền của mỗi nhà tài trợ được tính theo tỷ lệ đóng góp vào quỹ đã chi cho căn nhà này.":
        "Each donor's amount is in proportion to their share of the fund that paid for this house.",
    "và %(n)s nhà tài trợ khác": "and %(n)s other donors",
    "Chưa có thông tin.": "No information yet.",
    "Hình ảnh": "Photos",
    "Nhà tôi đã góp phần hỗ trợ": "Houses I helped to fund",
    "Tiền ủng hộ được gộp vào quỹ theo địa bàn và mục đích bạn chọn. Phần của bạn trong mỗi căn nhà được tính theo tỷ lệ: phần bạn đóng góp vào quỹ × số tiền quỹ đó chi cho căn nhà.":
        "Donations are pooled by the area and purpose you chose. Your part of each house is proportional: your share of the pool × what that pool spent on the house.",
    "Tổng cộng: %(total)s cho %(n)s căn.": "In total: %(total)s for %(n)s houses.",
    "Phần đóng góp của bạn:": "Your part:",
    "Số tiền bạn ủng hộ chưa được phân bổ cho căn nhà nào. Khi Ban vận động phân bổ, các căn nhà sẽ hiện ở đây.":
        "Your donation has not been allocated to a house yet. When the campaign board allocates it, the houses will show here.",
    "Tiêu chí ưu tiên hỗ trợ": "Priority criteria for support",
    "Tiêu chí ưu tiên hỗ trợ nhà ở": "Priority criteria for housing support",
    "Chưa có cuộc vận động nào được công bố.": "No campaign has been published yet.",
    "Mỗi hộ trong danh sách do xã đề xuất và tỉnh duyệt được cộng điểm của từng tiêu chí mà hộ đáp ứng. Kinh phí được bố trí cho các hộ có tổng điểm cao hơn trước, trong phạm vi số tiền mà nhà tài trợ đã chỉ định (theo địa bàn và mục đích), và mỗi căn nhà được hỗ trợ đủ hoặc không hỗ trợ.":
        "Each household on the list proposed by the commune and approved by the province scores the points of every criterion it meets. Funds go first to the households with the highest scores, within the money donors earmarked (by area and purpose), and each house is either funded in full or not at all.",
    "Tiêu chí": "Criterion",
    "Điểm": "Points",
    "Tiêu chí theo địa bàn (huyện nghèo cũ, xã đặc biệt khó khăn, vùng đồng bào dân tộc thiểu số và miền núi) lấy theo các quyết định của Thủ tướng Chính phủ còn hiệu lực. Công trình khởi công quá %(days)s ngày chưa hoàn thành được theo dõi là chậm tiến độ.":
        "Area criteria (former poor districts, especially disadvantaged communes, ethnic minority and mountainous areas) follow the Prime Minister's decisions in force. Works started more than %(days)s days ago and not finished are tracked as late.",
    "Xem các căn nhà đã được hỗ trợ": "See the houses already supported",
    # --- certificates: verification and the donor's list ---------------------------------------------------------------
    "Xác minh giấy chứng nhận": "Verify a certificate",
    "Xác minh thư cảm ơn, giấy khen, bằng khen": "Verify a thank-you letter, certificate or diploma of merit",
    "Mỗi thư cảm ơn, giấy khen hay bằng khen do Chung Tay cấp có một mã QR. Quét mã bằng điện thoại, hoặc dán mã (hay cả địa chỉ trong mã QR) vào ô dưới đây để biết giấy được cấp cho ai, khi nào, và còn hiệu lực hay không.":
        "Every thank-you letter, certificate or diploma of merit issued through Chung Tay carries a QR code. Scan it with your phone, or paste the code (or the whole address in the QR code) below to see whom it was issued to, when, and whether it is still valid.",
    "Mã xác minh (hoặc địa chỉ trong mã QR)": "Verification code (or the address in the QR code)",
    "Kết quả xác minh": "Verification result",
    "Mã không hợp lệ": "Invalid code",
    "Mã xác minh này không khớp với bất kỳ giấy nào do Ủy ban Mặt trận Tổ quốc Việt Nam cấp qua Chung Tay. Giấy mang mã này có thể đã bị sửa đổi hoặc là giấy giả. Hãy kiểm tra lại mã (phân biệt chữ hoa, chữ thường), hoặc liên hệ cơ quan Mặt trận nơi cấp giấy.":
        "This verification code matches no document issued by the Vietnam Fatherland Front Committee through Chung Tay. A document carrying it may have been altered or be a forgery. Check the code again (it is case-sensitive), or contact the Front office that issued it.",
    "Xác minh mã khác": "Verify another code",
    "Đã bị thu hồi": "Revoked",
    "%(kind)s này được cấp thật nhưng <strong>đã bị thu hồi</strong> ngày %(day)s và không còn giá trị.":
        "%(kind)s genuinely issued, but <strong>revoked</strong> on %(day)s and no longer valid.",
    "Lý do thu hồi:": "Reason for revocation:",
    "Giấy hợp lệ": "Valid document",
    "%(kind)s này do %(issuer)s cấp, chữ ký số khớp và giấy đang còn hiệu lực.":
        "%(kind)s issued by %(issuer)s: the digital signature matches and the document is valid.",
    "Loại": "Type",
    "Số": "Number",
    "Cấp cho": "Issued to",
    "Số tiền ủng hộ": "Amount donated",
    "Đơn vị cấp": "Issued by",
    "Quyết định": "Decision",
    "Số %(no)s": "No. %(no)s",
    "ngày %(day)s": "of %(day)s",
    "Ngày cấp": "Date of issue",
    "Người ký": "Signed by",
    "Đã thu hồi": "Revoked",
    "Còn hiệu lực": "Valid",
    "Thông tin trên được ký số bằng khóa của hệ thống; chỉ giấy có đúng mã này mới được coi là thật. Hãy so sánh với giấy bạn đang cầm.":
        "The information above is digitally signed with the system's key; only a document with exactly this code is genuine. Compare it with the document in your hands.",
    "Thư cảm ơn và giấy khen của tôi": "My thank-you letters and certificates",
    "Tải PDF": "Download PDF",
    "Chưa có thư cảm ơn hay giấy khen nào. Thư cảm ơn được gửi khi khoản ủng hộ của Quý vị được ghi nhận.":
        "No thank-you letter or certificate yet. A thank-you letter is sent when your donation is recorded.",
    # --- staff: needs forms and import, matching, units, report jobs (section A) -------------------------------------
    # (end of section A)
    # --- staff: certificates, household collection screens, bank statements and payments (section B) -----------------
    # (end of section B)
}


# Staff navigation labels (templates/base.html renders them with pgettext("menu", label)): a menu item names a list
# ("Campaigns"), the same Vietnamese word elsewhere names one thing ("Campaign").
MENU = {
    "Tổng quan": "Overview",
    "Nhập đóng góp hộ": "Household entries",
    "Sao kê ngân hàng": "Bank statements",
    "Đăng ký ủng hộ": "Pledges",
    "Hộ cần hỗ trợ": "Households in need",
    "Phân bổ": "Allocation",
    "Giấy chứng nhận": "Certificates",
    "Báo cáo": "Reports",
    "Sổ quỹ": "Fund books",
    "Địa bàn": "Areas",
    "Cuộc vận động": "Campaigns",
    "Nhật ký": "Audit log",
}


def catalog() -> Catalog:
    cat = Catalog(locale="en", project="Chung Tay", fuzzy=False)
    for vi, en in EN.items():
        cat.add(vi, en)
    for vi, en in MENU.items():
        cat.add(vi, en, context="menu")
    return cat


def format_errors() -> list[str]:
    """Translations whose %(name)s placeholders do not match their msgid's (gettext would fail at run time)."""
    return [f"{message.id!r}: {error}" for message, errors in catalog().check() for error in errors]


def build() -> Path:
    catalog_ = catalog()
    path = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog_, width=0)
    return path


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None, "lazy_gettext": None}


def marked_msgids(root: Path | None = None) -> dict[tuple[str | None, str], str]:
    """Every string marked for translation in templates/ and app/: {(context, msgid): "file:line"}."""
    from babel.messages.extract import extract_from_dir

    root = root or Path(__file__).resolve().parents[2]
    found: dict[tuple[str | None, str], str] = {}
    for folder, pattern, method in (("templates", "**.html", "jinja2"), ("app", "**.py", "python")):
        for filename, lineno, message, _comments, context in extract_from_dir(
                str(root / folder), method_map=[(pattern, method)], keywords=KEYWORDS):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                found.setdefault((context, msgid), f"{folder}/{filename}:{lineno}")
    return found


def missing() -> dict[tuple[str | None, str], str]:
    """Marked strings without an English entry."""
    known = {(None, k) for k in EN} | {("menu", k) for k in MENU}
    return {key: where for key, where in marked_msgids().items() if key not in known}


if __name__ == "__main__":
    import sys

    if "--check" in sys.argv:
        gaps = missing()
        for (context, msgid), where in gaps.items():
            print(f"{where}: {msgid!r}" + (f" (context {context})" if context else ""))
        bad = format_errors()
        for line in bad:
            print(line)
        sys.exit(1 if gaps or bad else 0)
    print(build())
