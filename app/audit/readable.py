"""The audit log as a person reads it: one sentence per action, field labels, values as the rest of the
application shows them (amounts "50.000.000 ₫", dates dd/mm/yyyy, statuses and kinds by their labels, names as
written). The audit page and the staff home's recent activity both use describe(); nothing here changes what is
stored (app.audit.services.record keeps the raw values, which stay the evidence).

Every action the code records has a sentence in ACTIONS (tests/audit checks it by reading the code); a field
without a label in FIELDS is shown under its stored name rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ROLE_LABELS
from app.audit.models import AuditEntry
from app.campaigns.models import CAMPAIGN_STATUS_LABELS
from app.certificates.models import BATCH_STATUS_LABELS, CERTIFICATE_KIND_LABELS, ISSUER_LEVEL_LABELS
from app.collections.models import BATCH_STATUS_LABELS as IMPORT_STATUS_LABELS
from app.collections.models import DISPLAY_LABELS
from app.contributions.models import CHANNEL_LABELS
from app.core.i18n import format_date_vn, format_datetime_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.donors.models import DONOR_KIND_LABELS
from app.ledger.models import PURPOSE_LABELS
from app.matching.models import PROPOSAL_STATUS_LABELS
from app.needs.models import NEED_KIND_LABELS, NEED_STATUS_LABELS, TRANCHE_LABELS
from app.payments.models import CARD_STATUS_LABELS, LINE_STATUS_LABELS
from app.payouts.models import ORDER_STATUS_LABELS, PAY_METHOD_LABELS, PROOF_KIND_LABELS
from app.pledges.models import PAYMENT_METHOD_LABELS, PLEDGE_STATUS_LABELS
from app.reports.models import REPORT_KIND_LABELS
from app.units.models import AdminUnit

ACTIONS = {
    "agency.register": _l("Cơ quan, đơn vị đã đăng ký đợt thu theo danh sách #%(id)s"),
    "agency.verify": _l("Đã xác nhận e-mail của đợt thu theo danh sách #%(id)s"),
    "agency.list.upload": _l("Đã tải lên danh sách cán bộ của đợt thu #%(id)s (chờ chốt)"),
    "adoption.create": _l("Doanh nghiệp đã nhận đỡ đầu xã (cam kết #%(id)s)"),
    "monthly_gift.start": _l("Đã bắt đầu ủng hộ hằng tháng #%(id)s"),
    "monthly_gift.pause": _l("Đã tạm dừng ủng hộ hằng tháng #%(id)s"),
    "monthly_gift.resume": _l("Đã tiếp tục ủng hộ hằng tháng #%(id)s"),
    "monthly_gift.stop": _l("Đã dừng ủng hộ hằng tháng #%(id)s"),
    "agency.confirm": _l("Đã chốt danh sách và cấp mã tra cứu của đợt thu #%(id)s"),
    "user.create": _l("Đã tạo tài khoản #%(id)s"),
    "user.locked": _l("Đã tạm khóa tài khoản #%(id)s sau nhiều lần đăng nhập sai"),
    "user.password_change": _l("Đã đổi mật khẩu tài khoản #%(id)s"),
    "user.login_delayed": _l("Đã làm chậm đăng nhập vào tài khoản #%(id)s sau nhiều lần nhập sai mật khẩu"),
    "user.logout_everywhere": _l("Đã đăng xuất tài khoản #%(id)s trên mọi thiết bị"),
    "user.password_reset_requested": _l("Đã gửi liên kết đặt lại mật khẩu cho tài khoản #%(id)s"),
    "bank_account.propose": _l("Đã đăng ký tài khoản ngân hàng chính thức #%(id)s (chờ phê duyệt)"),
    "bank_account.update": _l("Đã sửa chi nhánh hoặc nguồn dữ liệu của tài khoản ngân hàng #%(id)s"),
    "bank_account.change_proposed": _l("Đã đề nghị thay đổi tài khoản ngân hàng #%(id)s (chờ phê duyệt)"),
    "bank_account.change_amended": _l("Đã sửa đề nghị thay đổi tài khoản ngân hàng #%(id)s"),
    "bank_account.approve": _l("Đã phê duyệt tài khoản ngân hàng #%(id)s"),
    "bank_account.reject": _l("Đã từ chối thay đổi tài khoản ngân hàng #%(id)s"),
    "bank_account.deactivate": _l("Đã ngừng sử dụng tài khoản ngân hàng #%(id)s"),
    "bank_account.reactivation_proposed": _l("Đã đề nghị mở lại tài khoản ngân hàng #%(id)s (chờ phê duyệt)"),
    "campaign.create": _l("Đã tạo cuộc vận động #%(id)s"),
    "campaign.status": _l("Đã đổi trạng thái cuộc vận động #%(id)s"),
    "campaign.goal": _l("Đã đặt chỉ tiêu cho cuộc vận động #%(id)s"),
    "certificate.signer": _l("Đã cập nhật người ký, con dấu và chữ ký (hồ sơ #%(id)s)"),
    "certificate.issue": _l("Đã cấp giấy chứng nhận #%(id)s"),
    "certificate.revoke": _l("Đã thu hồi giấy chứng nhận #%(id)s"),
    "certificate.rule": _l("Đã thêm tiêu chí khen thưởng #%(id)s"),
    "certificate.rule_off": _l("Đã ngừng áp dụng tiêu chí khen thưởng #%(id)s"),
    "papers.record_issue": _l("Đã lập biên bản xác nhận tài trợ #%(id)s"),
    "papers.record_mail": _l("Đã gửi biên bản xác nhận tài trợ #%(id)s qua e-mail"),
    "certificate.batch_propose": _l("Đã đề xuất đợt khen thưởng #%(id)s"),
    "certificate.batch_approve": _l("Đã phê duyệt đợt khen thưởng #%(id)s"),
    "certificate.batch_reject": _l("Đã trả lại đợt khen thưởng #%(id)s"),
    "certificate.batch_chunk": _l("Đã cấp một phần giấy của đợt khen thưởng #%(id)s"),
    "collections.display": _l("Đã đổi cách hiển thị đóng góp hộ của xã/phường #%(id)s"),
    "collections.import.upload": _l("Đã tải lên tệp đóng góp hộ (lô #%(id)s)"),
    "collections.import.commit": _l("Đã ghi sổ lô đóng góp hộ #%(id)s"),
    "collections.import.reverse": _l("Đã hủy lô đóng góp hộ #%(id)s"),
    "contribution.record": _l("Đã ghi nhận khoản đóng góp #%(id)s"),
    "contribution.reverse": _l("Đã hủy khoản đóng góp #%(id)s"),
    "fund_transfer.propose": _l("Đã đề xuất chuyển tiền cho địa bàn khác (đề xuất #%(id)s)"),
    "fund_transfer.withdraw": _l("Đã rút đề xuất chuyển tiền (đề xuất #%(id)s)"),
    "fund_transfer.approve_from": _l("Đã phê duyệt bên chuyển của điều chuyển #%(id)s"),
    "fund_transfer.approve_to": _l("Đã phê duyệt bên nhận của điều chuyển #%(id)s"),
    "fund_transfer.done": _l("Đã ghi sổ điều chuyển #%(id)s cho cả hai bên"),
    "fund_transfer.reject": _l("Đã không chấp thuận điều chuyển #%(id)s"),
    "ledger.receipt": _l("Đã ghi sổ quỹ khoản tiếp nhận (bút toán #%(id)s)"),
    "ledger.in_kind_receipt": _l("Đã ghi sổ quỹ khoản tiếp nhận hiện vật (bút toán #%(id)s)"),
    "ledger.allocation": _l("Đã ghi sổ quỹ khoản phân bổ (bút toán #%(id)s)"),
    "ledger.disbursement": _l("Đã ghi sổ quỹ khoản giải ngân (bút toán #%(id)s)"),
    "ledger.transfer": _l("Đã ghi sổ quỹ khoản điều chuyển (bút toán #%(id)s)"),
    "ledger.in_kind_handout": _l("Đã ghi sổ quỹ hàng hóa cấp phát (bút toán #%(id)s)"),
    "ledger.reversal": _l("Đã ghi sổ quỹ bút toán đảo #%(id)s"),
    "matching.run": _l("Đã lập đề xuất phân bổ #%(id)s"),
    "matching.include": _l("Đã đưa hộ vào đề xuất phân bổ #%(id)s"),
    "matching.exclude": _l("Đã loại hộ khỏi đề xuất phân bổ #%(id)s"),
    "matching.submit": _l("Đã trình duyệt đề xuất phân bổ #%(id)s"),
    "matching.approve": _l("Đã phê duyệt đề xuất phân bổ #%(id)s"),
    "matching.reject": _l("Đã trả lại đề xuất phân bổ #%(id)s"),
    "matching.revoke": _l("Đã thu hồi dòng phân bổ #%(id)s"),
    "need.create": _l("Đã thêm hộ #%(id)s vào danh sách cần hỗ trợ"),
    "need.update": _l("Đã sửa thông tin hộ #%(id)s"),
    "need.approve": _l("Đã duyệt hộ #%(id)s"),
    "need.reject": _l("Đã trả lại hồ sơ hộ #%(id)s"),
    "need.reveal_identifiers": _l("Đã xem giấy tờ tùy thân của hộ #%(id)s"),
    "needs.priority_rules": _l("Đã đổi tiêu chí ưu tiên của cuộc vận động #%(id)s"),
    "needs.limit_add": _l("Đã thêm mức hỗ trợ #%(id)s"),
    "needs.limit_end": _l("Đã đặt ngày kết thúc cho mức hỗ trợ #%(id)s"),
    "need.fund": _l("Đã bố trí kinh phí cho hộ #%(id)s"),
    "need.revoke_funding": _l("Đã thu hồi kinh phí đã bố trí cho hộ #%(id)s"),
    "need.disburse": _l("Đã giải ngân cho hộ #%(id)s"),
    "need.reverse_disbursement": _l("Đã hủy một lần giải ngân cho hộ #%(id)s"),
    "need.stage": _l("Đã cập nhật tiến độ nhà của hộ #%(id)s"),
    "need.photo_add": _l("Đã thêm ảnh cho hộ #%(id)s"),
    "need.photo_publish": _l("Đã đổi chế độ công khai ảnh của hộ #%(id)s"),
    "need.import": _l("Đã nhập danh sách hộ (lô #%(id)s)"),
    "bankfeed.attribute": _l("Đã gắn giao dịch ngân hàng #%(id)s với một đăng ký ủng hộ"),
    "reconciliation.explain": _l("Đã giải trình một chênh lệch đối soát (ngày đối soát #%(id)s)"),
    "reconciliation.close": _l("Đã chốt ngày đối soát #%(id)s"),
    "ledger.year_close": _l("Đã khóa sổ năm (lần khóa sổ #%(id)s)"),
    "report.publish": _l("Đã công bố báo cáo năm #%(id)s"),
    "poverty_review.record": _l("Đã ghi kết quả rà soát hộ nghèo của hộ #%(id)s"),
    "poverty_target.set": _l("Đã đặt chỉ tiêu giảm nghèo #%(id)s"),
    "payout.details_set": _l("Đã nhập thông tin nhận tiền của hộ #%(id)s"),
    "payout.details_reveal": _l("Đã xem thông tin nhận tiền của hộ #%(id)s"),
    "payout.prepare": _l("Đã lập lệnh chi #%(id)s"),
    "payout.edit": _l("Đã sửa lệnh chi #%(id)s"),
    "payout.approve": _l("Đã duyệt lệnh chi #%(id)s"),
    "payout.back_to_pending": _l("Lệnh chi #%(id)s về chờ duyệt lại"),
    "payout.cancel": _l("Đã hủy lệnh chi #%(id)s"),
    "payout.paid": _l("Lệnh chi #%(id)s đã được chi"),
    "payout.batch_export": _l("Đã lập tệp chi ngân hàng #%(id)s"),
    "payout.batch_download": _l("Đã tải tệp chi ngân hàng #%(id)s"),
    "payout.proof_add": _l("Đã tải chứng từ chi trả cho hộ #%(id)s"),
    "payout.reversed": _l("Khoản chi của lệnh chi #%(id)s đã bị đảo: lệnh về trạng thái đã hoàn chi"),
    "goods.receive": _l("Đã nhập kho hàng hóa của khoản đóng góp hiện vật (phiếu nhập #%(id)s)"),
    "goods.prepare": _l("Đã lập phiếu xuất kho #%(id)s"),
    "goods.edit": _l("Đã sửa phiếu xuất kho #%(id)s"),
    "goods.back_to_pending": _l("Phiếu xuất kho #%(id)s về chờ duyệt lại"),
    "goods.approve": _l("Đã duyệt phiếu xuất kho #%(id)s"),
    "goods.list_upload": _l("Đã tải danh sách ký nhận của phiếu xuất kho #%(id)s"),
    "goods.complete": _l("Phiếu xuất kho #%(id)s đã cấp phát xong (hàng ra khỏi kho)"),
    "goods.cancel": _l("Đã hủy phiếu xuất kho #%(id)s"),
    "goods.reverse": _l("Đã đảo phiếu xuất kho #%(id)s (hàng trả lại kho)"),
    "card.checkout": _l("Đã mở thanh toán thẻ #%(id)s"),
    "card.status": _l("Đã cập nhật trạng thái thanh toán thẻ #%(id)s"),
    "card.paid": _l("Đã nhận thanh toán thẻ #%(id)s"),
    "card.refunded": _l("Đã hoàn tiền thanh toán thẻ #%(id)s"),
    "statement.upload": _l("Đã tải lên sao kê ngân hàng #%(id)s"),
    "statement.corrections": _l("Đã sửa các dòng lỗi của sao kê #%(id)s"),
    "statement.mapping": _l("Đã chọn cột cho sao kê #%(id)s"),
    "statement.import": _l("Đã nhập sao kê ngân hàng #%(id)s"),
    "statement.discard": _l("Đã bỏ sao kê ngân hàng #%(id)s"),
    "statement_line.ignore": _l("Đã bỏ qua dòng sao kê #%(id)s"),
    "statement_line.reverse": _l("Đã hủy ghi nhận dòng sao kê #%(id)s"),
    "pledge.create": _l("Đã ghi nhận đăng ký ủng hộ #%(id)s"),
    "pledge.edit": _l("Đã sửa đăng ký ủng hộ #%(id)s"),
    "pledge.status": _l("Đã đổi trạng thái đăng ký ủng hộ #%(id)s"),
    "donor.create": _l("Đã thêm nhà tài trợ #%(id)s"),
    "donor.invite": _l("Đã mời đồng nghiệp vào tài khoản nhà tài trợ #%(id)s"),
    "notification.opt_out": _l("Người nhận đã từ chối nhận thông báo (lần từ chối #%(id)s)"),
    "notification.channels": _l("Nhà tài trợ #%(id)s đã chọn cách nhận thông báo"),
    "donor.verify": _l("Đã xác minh doanh nghiệp #%(id)s"),
    "donor.update": _l("Đã sửa thông tin nhà tài trợ #%(id)s"),
    "donor.merge": _l("Đã gộp một hồ sơ vào nhà tài trợ #%(id)s"),
    "donor.merge_undo": _l("Đã hoàn tác lần gộp vào nhà tài trợ #%(id)s"),
    "pledge.attach": _l("Đã xác nhận đăng ký ủng hộ #%(id)s thuộc doanh nghiệp"),
    "pledge.claim_rejected": _l("Đã ghi nhận đăng ký ủng hộ #%(id)s không thuộc doanh nghiệp"),
    "report.create": _l("Đã yêu cầu lập báo cáo #%(id)s"),
    "hamlet.create": _l("Đã thêm thôn/tổ dân phố #%(id)s"),
    "privacy.consent": _l("Đã ghi nhận quyết định đồng ý xử lý dữ liệu của chủ thể #%(id)s"),
    "privacy.publish_name": _l("Nhà tài trợ #%(id)s đã đổi sự đồng ý công khai tên"),
    "privacy.export": _l("Nhà tài trợ #%(id)s đã tải về dữ liệu cá nhân"),
    "privacy.erasure_requested": _l("Nhà tài trợ #%(id)s đã yêu cầu xóa dữ liệu cá nhân"),
    "privacy.erasure_refused": _l("Đã từ chối yêu cầu xóa dữ liệu của nhà tài trợ #%(id)s"),
    "privacy.erasure_done": _l("Đã thực hiện yêu cầu xóa dữ liệu của nhà tài trợ #%(id)s"),
    "privacy.pseudonymise": _l("Đã thay dữ liệu cá nhân của nhà tài trợ #%(id)s bằng bí danh"),
    "privacy.retention": _l("Đã áp dụng thời hạn lưu trữ dữ liệu cá nhân"),
    "privacy.activity_saved": _l("Đã lưu hoạt động xử lý dữ liệu #%(id)s"),
    "privacy.incident_saved": _l("Đã lưu sự cố dữ liệu cá nhân #%(id)s"),
}

FIELDS = {
    "email": _l("E-mail"),
    "role": _l("Vai trò"),
    "unit_id": _l("Địa bàn"),
    "locked_until": _l("Khóa đến"),
    "minutes": _l("Số phút"),
    "failures": _l("Số lần nhập sai"),
    "known_browser": _l("Trình duyệt đã đăng nhập trước đây"),
    "name": _l("Tên"),
    "year": _l("Năm"),
    "goal_vnd": _l("Chỉ tiêu vận động"),
    "status": _l("Trạng thái"),
    "signer_name": _l("Người ký"),
    "signer_title": _l("Chức vụ người ký"),
    "seal": _l("Con dấu"),
    "signature": _l("Chữ ký"),
    "serial": _l("Số giấy"),
    "kind": _l("Loại"),
    "recipient": _l("Người nhận"),
    "amount_vnd": _l("Số tiền"),
    "reason": _l("Lý do"),
    "campaign_id": _l("Cuộc vận động"),
    "donor_kind": _l("Loại nhà tài trợ"),
    "min_total_vnd": _l("Tổng ủng hộ tối thiểu"),
    "issuer_level": _l("Cấp khen thưởng"),
    "active": _l("Đang áp dụng"),
    "candidates": _l("Số đề xuất"),
    "decision_no": _l("Số quyết định"),
    "total": _l("Tổng số"),
    "excluded": _l("Số bị loại"),
    "issued": _l("Số giấy đã cấp"),
    "first_serial": _l("Từ số"),
    "last_serial": _l("Đến số"),
    "household_display": _l("Hiển thị đóng góp hộ"),
    "file": _l("Tệp"),
    "sha256": _l("Mã băm SHA-256"),
    "rows": _l("Số dòng"),
    "error_rows": _l("Số dòng lỗi"),
    "skipped_rows": _l("Số dòng bỏ qua"),
    "total_vnd": _l("Tổng tiền"),
    "ledger_transaction_id": _l("Bút toán"),
    "reversal_transaction_id": _l("Bút toán đảo"),
    "reversal_transaction_ids": _l("Các bút toán đảo"),
    "revocation_transaction_id": _l("Bút toán thu hồi"),
    "shared_transaction_id": _l("Bút toán chung"),
    "reversal_id": _l("Bút toán đảo"),
    "channel": _l("Kênh"),
    "receipt_no": _l("Số biên nhận"),
    "public_name": _l("Tên công khai"),
    "pledge_id": _l("Đăng ký ủng hộ"),
    "contribution_id": _l("Khoản đóng góp"),
    "from_unit_id": _l("Đơn vị chuyển"),
    "to_unit_id": _l("Địa bàn nhận"),
    "source": _l("Nguồn"),
    "memo": _l("Diễn giải"),
    "postings": _l("Các dòng bút toán"),
    "reverses": _l("Đảo bút toán"),
    "scope_unit_id": _l("Địa bàn"),
    "method": _l("Phương pháp"),
    "lines": _l("Số dòng"),
    "funded": _l("Số hộ được bố trí"),
    "needs": _l("Hộ"),
    "need_id": _l("Hộ"),
    "commune_id": _l("Xã/phường"),
    "hamlet_id": _l("Thôn/tổ dân phố"),
    "need_kind": _l("Nhu cầu"),
    "estimated_cost_vnd": _l("Dự toán"),
    "secured_vnd": _l("Nguồn khác đã có"),
    "requested_vnd": _l("Đề nghị Quỹ hỗ trợ"),
    "version": _l("Phiên bản"),
    "fields": _l("Thông tin đã xem"),
    "late_days": _l("Số ngày coi là chậm tiến độ"),
    "funding_id": _l("Khoản bố trí"),
    "proposal_id": _l("Đề xuất phân bổ"),
    "funded_vnd": _l("Đã bố trí"),
    "disbursement_id": _l("Lần giải ngân"),
    "tranche": _l("Đợt giải ngân"),
    "document_ref": _l("Chứng từ"),
    "disbursed_vnd": _l("Đã giải ngân"),
    "on": _l("Ngày"),
    "photo_id": _l("Ảnh"),
    "stage": _l("Giai đoạn"),
    "publishable": _l("Công khai ảnh"),
    "pledge": _l("Đăng ký ủng hộ"),
    "gateway": _l("Cổng thanh toán"),
    "session": _l("Phiên thanh toán"),
    "refunded_vnd": _l("Đã hoàn"),
    "account": _l("Tài khoản"),
    "preset": _l("Mẫu sao kê"),
    "fixes": _l("Số dòng đã sửa"),
    "mapping": _l("Cột"),
    "new": _l("Dòng mới"),
    "already": _l("Dòng đã có"),
    "matched": _l("Đã khớp"),
    "proposed": _l("Đề xuất khớp"),
    "credits_vnd": _l("Tổng ghi có"),
    "debits_vnd": _l("Tổng ghi nợ"),
    "balance_breaks": _l("Số lần lệch số dư"),
    "paid_vnd": _l("Đã nộp"),
    "tax_code": _l("Mã số thuế"),
    "reference": _l("Mã đăng ký"),
    "schedule": _l("Hình thức nộp"),
    "purpose": _l("Mục đích"),
    "earmark_unit_id": _l("Địa bàn chỉ định"),
    "instalments": _l("Các đợt nộp"),
    "due_on": _l("Hạn nộp"),
    "statement_id": _l("Bản sao kê ngân hàng"),
    "receipts": _l("Biên nhận"),
    "period": _l("Kỳ báo cáo"),
    "masked": _l("Thông tin nhận tiền (che bớt)"),
    "approved_by_id": _l("Người duyệt"),
    "why": _l("Nguyên nhân"),
    "details_version": _l("Phiên bản thông tin nhận tiền"),
    "details": _l("Thông tin nhận tiền (che bớt)"),
    "orders": _l("Lệnh chi"),
    "paying_account_id": _l("Tài khoản chi"),
    "note": _l("Ghi chú"),
    "paid_on": _l("Ngày chi"),
    "paid_by_id": _l("Người xác nhận chi"),
    "file_kind": _l("Loại tệp"),
    "order_id": _l("Lệnh chi"),
    "proof_id": _l("Chứng từ"),
}

# Fields that hold the id of an administrative unit: shown by the unit's name.
UNIT_FIELDS = frozenset(
    {"unit_id", "commune_id", "scope_unit_id", "earmark_unit_id", "from_unit_id", "to_unit_id"}
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_NOTHING = "—"


def _value_labels() -> dict[str, Mapping[Any, str]]:
    """Label maps for coded fields, by field name (status and kind depend on the entity: _entity_labels)."""

    return {
        "role": ROLE_LABELS,
        "channel": CHANNEL_LABELS,
        "purpose": PURPOSE_LABELS,
        "donor_kind": DONOR_KIND_LABELS,
        "issuer_level": ISSUER_LEVEL_LABELS,
        "need_kind": NEED_KIND_LABELS,
        "tranche": TRANCHE_LABELS,
        "stage": NEED_STATUS_LABELS,
        "household_display": DISPLAY_LABELS,
        "schedule": {"now": "Nộp một lần", "instalments": N_("Nộp nhiều đợt")},
        "payment_method": PAYMENT_METHOD_LABELS,
        "public_display": {"full_name": N_("Công khai tên"), "anonymous": N_("Ẩn danh (“Nhà hảo tâm”)")},
    }


def _entity_labels() -> dict[tuple[str, str], Mapping[Any, str]]:
    """(entity type, field) -> label map, for the fields whose codes differ from one entity to another."""

    return {
        ("pledge", "status"): PLEDGE_STATUS_LABELS,
        ("pledge", "kind"): {"money": "Tiền", "in_kind": "Hiện vật"},
        ("household_need", "status"): NEED_STATUS_LABELS,
        ("campaign", "status"): CAMPAIGN_STATUS_LABELS,
        ("certificate", "status"): {"valid": "Còn hiệu lực", "revoked": "Đã thu hồi"},
        ("certificate", "kind"): CERTIFICATE_KIND_LABELS,
        ("commendation_rule", "kind"): CERTIFICATE_KIND_LABELS,
        ("certificate_batch", "status"): BATCH_STATUS_LABELS,
        ("collection_import_batch", "status"): IMPORT_STATUS_LABELS,
        ("contribution", "status"): {"recorded": "Đã ghi nhận", "reversed": "Đã hủy"},
        ("card_payment", "status"): CARD_STATUS_LABELS,
        ("statement_line", "status"): LINE_STATUS_LABELS,
        ("matching_proposal", "status"): PROPOSAL_STATUS_LABELS,
        ("donor", "kind"): DONOR_KIND_LABELS,
        ("report_job", "kind"): REPORT_KIND_LABELS,
        ("payout_order", "status"): ORDER_STATUS_LABELS,
        ("payout_order", "method"): PAY_METHOD_LABELS,
        ("household_need", "method"): PAY_METHOD_LABELS,
        ("household_need", "kind"): PROOF_KIND_LABELS,
    }


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: the field was not recorded before (a creation, a one-sided entry)
    new: str | None


@dataclass(frozen=True)
class ReadableEntry:
    entry: AuditEntry
    sentence: str
    changes: list[Change]


def sentence(action: str, entity_id: object) -> str:
    """ "Đã thêm ảnh cho hộ #3" (in the reader's language)."""
    template = ACTIONS.get(action)
    if template is None:
        return gettext("Đã thực hiện thao tác “%(action)s” (#%(id)s)", action=action, id=entity_id)
    return str(template) % {"id": entity_id}


class _Formatter:
    def __init__(self, entity_type: str, unit_names: Mapping[int, str]) -> None:
        self.entity_type = entity_type
        self.unit_names = unit_names
        self.by_field = _value_labels()
        self.by_entity = _entity_labels()

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return _NOTHING
        if isinstance(value, bool):
            return gettext("Có") if value else gettext("Không")
        labels = self.by_entity.get((self.entity_type, field)) or self.by_field.get(field)
        if labels is not None and isinstance(value, str) and value in labels:
            return gettext(labels[value])
        if field in UNIT_FIELDS and isinstance(value, int) and value in self.unit_names:
            return self.unit_names[value]
        if isinstance(value, int) and field.endswith("_vnd"):
            return format_vnd(value)
        if isinstance(value, list):
            return "; ".join(self._item(field, v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{self.label(k)}: {self.value(str(k), v)}" for k, v in value.items())
        return self._scalar(value)

    def _item(self, field: str, value: Any) -> str:
        if field == "instalments" and isinstance(value, list) and len(value) == 2:
            due, amount = value
            return f"{self._scalar(due)}: {format_vnd(amount) if isinstance(amount, int) else amount}"
        if isinstance(value, list | dict):
            return self.value("", value)
        return self.value(field, value)

    @staticmethod
    def _scalar(value: Any) -> str:
        if isinstance(value, str):
            if _ISO_DATETIME.fullmatch(value[:16]) and len(value) > 10:
                try:
                    return format_datetime_vn(datetime.fromisoformat(value))
                except ValueError:
                    return value
            if _ISO_DATE.fullmatch(value):
                return format_date_vn(date.fromisoformat(value))
            return value
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return str(value)

    @staticmethod
    def label(field: str) -> str:
        known = FIELDS.get(field)
        return str(known) if known is not None else field


def readable_value(entity_type: str, field: str, value: Any) -> str:
    """One stored value as a person reads it (labels, 50.000.000 ₫, dd/mm/yyyy, Có/Không): the audit log's rule,
    also used where a person sees their own stored data (app.privacy's data page)."""
    return _Formatter(entity_type, {}).value(field, value)


def _unit_names(session: Session, entries: Iterable[AuditEntry]) -> dict[int, str]:
    ids = {
        v
        for e in entries
        for values in (e.old_values or {}, e.new_values or {})
        if isinstance(values, dict)
        for k, v in values.items()
        if k in UNIT_FIELDS and isinstance(v, int)
    }
    if not ids:
        return {}
    return {
        u.id: u.full_name for u in session.execute(select(AdminUnit).where(AdminUnit.id.in_(ids))).scalars()
    }


def describe(session: Session, entries: Iterable[AuditEntry]) -> list[ReadableEntry]:
    """The entries as sentences and labelled changes (one query for the unit names they mention)."""
    entries = list(entries)
    names = _unit_names(session, entries)
    out = []
    for e in entries:
        fmt = _Formatter(e.entity_type, names)
        old = e.old_values if isinstance(e.old_values, dict) else {}
        new = e.new_values if isinstance(e.new_values, dict) else {}
        changes = [
            Change(
                fmt.label(field),
                fmt.value(field, old[field]) if field in old else None,
                fmt.value(field, new[field]) if field in new else None,
            )
            for field in [*old, *(k for k in new if k not in old)]
        ]
        out.append(ReadableEntry(e, sentence(e.action, e.entity_id), changes))
    return out
