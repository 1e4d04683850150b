"""Which rule a sponsorship confirmation record follows, chosen by the gift's date: data, not scattered ifs.

A business deducts a gift for houses of the poor (and "Đại đoàn kết" houses built through the Vietnam
Fatherland Front) only with a confirmation record of the sponsorship signed by both sides and the payment
documents. What was found and what could not be confirmed is written down in docs/PAPERS.md (search tool,
07/12/2026):

- Through the 2024 tax year: Circular 78/2014/TT-BTC, Art. 6 clause 2 point 2.22 (deductible expenses, the
  sponsorship items), as replaced by Art. 4 of Circular 96/2015/TT-BTC (22/06/2015). The summary at
  github.com/hongquantq92/hddtvn (cac-khoan-chi-phi-duoc-tru-va-khong-duoc-tru-tinh-thue-tndn.md) quotes
  "Theo điều 4 thông tư 96/2015/TT-BTC ngày 22/06/2015" as the list in force; the record's parts (parties,
  amount, form of the gift, the receiving unit's confirmation, signatures and seal) follow the public model
  at luatduonggia.vn/mau-bien-ban-xac-nhan-tai-tro-xay-nha-tinh-nghia-moi-nhat.
- From the 2025 tax year: Law on Corporate Income Tax No. 67/2025/QH15 (applies from the 2025 tax period)
  and Decree No. 320/2025/NĐ-CP detailing it. The search corpora held neither text; one unofficial summary
  says the sponsorship of "nhà đại đoàn kết" stays deductible with a record of the gift. The wording of the
  basis line below is therefore marked `confirmed=False`: a lawyer of the Front checks it before go-live.

The layout of the record is the same under both rules; only the legal basis line and the dossier note differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PaperRule:
    key: str  # stored on each record: the rule it was drawn under
    applies_from: date  # the gift's date (a yearly record: 1 January of its year)
    applies_until: date | None
    form_name: str  # the title printed
    basis: str  # the "Căn cứ" line printed on the record
    dossier: str  # what the business keeps with it (printed under the payment documents)
    confirmed: bool  # the wording was read in the text of the rule itself


RULES: tuple[PaperRule, ...] = (
    PaperRule(
        key="tt96-2015",
        applies_from=date(2015, 8, 6),  # Circular 96/2015/TT-BTC in force; applies from the 2015 tax period
        applies_until=date(2024, 12, 31),
        form_name="BIÊN BẢN XÁC NHẬN TÀI TRỢ",
        basis=(
            "Căn cứ điểm 2.22 khoản 2 Điều 6 Thông tư số 78/2014/TT-BTC ngày 18/6/2014 của Bộ Tài chính, "
            "được sửa đổi, bổ sung tại Điều 4 Thông tư số 96/2015/TT-BTC ngày 22/6/2015 của Bộ Tài chính "
            "(khoản chi tài trợ làm nhà cho người nghèo, nhà Đại đoàn kết)."
        ),
        dossier=(
            "Hồ sơ khoản chi gồm biên bản này có chữ ký của đại diện hai bên và chứng từ chuyển tiền "
            "hoặc giao hiện vật nêu trên."
        ),
        confirmed=True,
    ),
    PaperRule(
        key="luat67-2025",
        applies_from=date(2025, 1, 1),
        applies_until=None,
        form_name="BIÊN BẢN XÁC NHẬN TÀI TRỢ",
        basis=(
            "Căn cứ Luật Thuế thu nhập doanh nghiệp số 67/2025/QH15 và Nghị định số 320/2025/NĐ-CP của "
            "Chính phủ quy định chi tiết và hướng dẫn thi hành (khoản chi tài trợ làm nhà cho người nghèo, "
            "nhà Đại đoàn kết)."
        ),
        dossier=(
            "Hồ sơ khoản chi gồm biên bản này có chữ ký của đại diện hai bên và chứng từ chuyển tiền "
            "hoặc giao hiện vật nêu trên."
        ),
        confirmed=False,
    ),
)

BY_KEY = {r.key: r for r in RULES}


def rule_for(day: date) -> PaperRule:
    """The rule in force for a gift received on `day` (the latest one that started by then)."""
    for rule in reversed(RULES):
        if rule.applies_from <= day and (rule.applies_until is None or day <= rule.applies_until):
            return rule
    return RULES[0]
