"""Which Front committee may award which form of recognition: data, with its legal basis.

Legal basis (issue 19.7):
- Law on Emulation and Commendation No. 06/2022/QH15 (Luật Thi đua, khen thưởng, in force 01/01/2024):
  Art. 72 (Bằng khen of ministries, branches, provinces and central mass organisations — the level a
  Bằng khen belongs to), Art. 74 (Giấy khen), Art. 79 (authority of ministers, provincial chairs and the
  heads of the central bodies of political and socio-political organisations to award Bằng khen), Art. 80
  (heads of bodies below them and commune chairs award Giấy khen, never Bằng khen).
- Decree 98/2023/NĐ-CP (31/12/2023) detailing the Law (criteria, dossiers; the Front's own emulation rules,
  QĐ 222/QĐ-MTTW, apply them to the Front's committees).
- Thư cảm ơn (thank-you letter) and Giấy chứng nhận (certificate of a donation received) are not forms of
  commendation under the Law: any committee may send them for money it received.

So: a commune committee may award Giấy khen but not Bằng khen; the provincial committee and the Central
Committee may award both. Thresholds remain data (CommendationRule): none are official.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.certificates.models import CertificateKind, IssuerLevel
from app.core.messages import N_


@dataclass(frozen=True)
class AwardForm:
    key: str  # a CertificateKind value, or "giay_chung_nhan" (receipt certificate, not a commendation)
    label: str
    commendation: bool  # a form of commendation under Law 06/2022/QH15 (needs a decision)
    levels: frozenset[IssuerLevel]  # committees that may award it
    basis: str


ALL_LEVELS = frozenset(IssuerLevel)
AWARD_FORMS: tuple[AwardForm, ...] = (
    AwardForm(
        CertificateKind.BANG_KHEN.value,
        "Bằng khen",
        True,
        frozenset({IssuerLevel.PROVINCE, IssuerLevel.CENTRAL}),
        "Luật Thi đua, khen thưởng 2022, Điều 72 và Điều 79; Nghị định 98/2023/NĐ-CP",
    ),
    AwardForm(
        CertificateKind.GIAY_KHEN.value,
        "Giấy khen",
        True,
        ALL_LEVELS,
        "Luật Thi đua, khen thưởng 2022, Điều 74 và Điều 80; Nghị định 98/2023/NĐ-CP",
    ),
    AwardForm(
        "giay_chung_nhan",
        "Giấy chứng nhận",
        False,
        ALL_LEVELS,
        "Không phải hình thức khen thưởng theo Luật Thi đua, khen thưởng 2022: mọi cấp Mặt trận nhận tiền đều cấp",
    ),
    AwardForm(
        CertificateKind.ACKNOWLEDGEMENT.value,
        "Thư cảm ơn",
        False,
        ALL_LEVELS,
        "Không phải hình thức khen thưởng theo Luật Thi đua, khen thưởng 2022: mọi cấp Mặt trận đều gửi",
    ),
)
_BY_KEY = {f.key: f for f in AWARD_FORMS}

LEVEL_NAMES = {
    IssuerLevel.COMMUNE: N_("Ủy ban MTTQ cấp xã"),
    IssuerLevel.PROVINCE: N_("Ủy ban MTTQ cấp tỉnh"),
    IssuerLevel.CENTRAL: "Ủy ban Trung ương MTTQ Việt Nam",
}


def award_form(kind: CertificateKind | str) -> AwardForm:
    return _BY_KEY[str(kind)]


def may_award(level: IssuerLevel, kind: CertificateKind | str) -> bool:
    return IssuerLevel(level) in award_form(kind).levels


def refusal(level: IssuerLevel, kind: CertificateKind | str) -> str | None:
    """The Vietnamese reason a committee at `level` may not award `kind`, or None when it may."""
    if may_award(level, kind):
        return None
    form = award_form(kind)
    return N_(
        "%(level)s không có thẩm quyền tặng %(award)s (căn cứ %(basis)s).",
        level=LEVEL_NAMES[IssuerLevel(level)],
        award=form.label,
        basis=form.basis,
    )
