"""The PDFs: exact Vietnamese text, a QR code a real reader decodes, one PDF per ceremony batch."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date

import pytest

from app.certificates.pdf import PrintData, date_line, render_many, render_pdf
from tests.certificates.conftest import KH_ISSUER, pdf_pages, pdf_text, png_bytes, render_png

URL = "https://chungtay.example.vn/xac-minh/AQFhqTm0DyRQs4005I48NJ9Zx-vTrcyWy_ozJQNh7PCZnLchoKzQkBcxmcJntGmNNhkPIzXgHmTMysSBsoQ1x6oI"
LETTER = PrintData(
    kind="acknowledgement",
    issuer_name=KH_ISSUER,
    recipient_name="Công ty Cổ phần Yến Sào Khánh Hòa",
    amount_vnd=50_000_000,
    place="Khánh Hòa",
    issued_on=date(2026, 10, 20),
    serial="TCT-56-2026-000123",
    verify_url=URL,
    purpose_text="Nhà ở (nhà Đại đoàn kết)",
    campaign_name="Ngày vì người nghèo năm 2026 – tỉnh Khánh Hòa",
    signer_name="Nguyễn Văn Mẫu",
    signer_title="Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
)


def test_letter_text_is_extractable_with_exact_vietnamese_strings():
    text = pdf_text(render_pdf(LETTER))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        KH_ISSUER,
        "THƯ CẢM ƠN",
        "Công ty Cổ phần Yến Sào Khánh Hòa",
        "50.000.000 ₫",
        "Năm mươi triệu đồng",
        "Nhà ở (nhà Đại đoàn kết)",
        "Khánh Hòa, ngày 20 tháng 10 năm 2026",
        "TCT-56-2026-000123",
        "Nguyễn Văn Mẫu",
        "CHỦ TỊCH ỦY BAN MTTQ VIỆT NAM TỈNH KHÁNH HÒA",
    ):
        assert expected in text, expected


def test_every_pdf_embeds_the_same_be_vietnam_pro_faces():
    """Certificates and donor statements (and reports: the same call) draw with the one registered family
    (app.core.pdf) in one process; the certificate's italic lines use the real italic face."""
    from pypdf import PdfReader

    from app.donors.models import Donor
    from app.pledges.statements import statement_pdf

    def fonts(data: bytes) -> set[str]:
        page = PdfReader(io.BytesIO(data)).pages[0]
        names = [str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
        return {n.split("+", 1)[1] for n in names if "+" in n}  # embedded subsets ("ABCDEF+Name")

    statement = fonts(statement_pdf(Donor(name="Công ty Cổ phần Yến Sào Khánh Hòa"), 2026, []))
    certificate = fonts(render_pdf(LETTER))
    assert statement == {"BeVietnamPro-Regular", "BeVietnamPro-Bold"}
    assert certificate == {"BeVietnamPro-Regular", "BeVietnamPro-Bold", "BeVietnamPro-Italic"}


def test_decomposed_input_is_drawn_composed():
    nfd = unicodedata.normalize("NFD", "Hộ bà Trương Thị Ngọc Ánh")
    text = pdf_text(render_pdf(replace(LETTER, recipient_name=nfd)))
    assert "Hộ bà Trương Thị Ngọc Ánh" in text  # NFC in the PDF: marks sit on their letters


def test_commendation_has_the_official_layout_strings():
    d = replace(
        LETTER,
        kind="bang_khen",
        decision_no="125/QĐ-MTTQ-BTT",
        decision_date=date(2026, 11, 18),
        achievement="Đã có thành tích xuất sắc trong Cuộc vận động “Ngày vì người nghèo” năm 2026.",
        serial="BK-56-2026-000007",
        issued_on=date(2026, 11, 18),
    )
    text = pdf_text(render_pdf(d))
    for expected in (
        "BẰNG KHEN",
        "Tặng",
        "Công ty Cổ phần Yến Sào Khánh Hòa",
        "Quyết định số 125/QĐ-MTTQ-BTT ngày 18/11/2026",
        "Số sổ vàng: BK-56-2026-000007",
        "Khánh Hòa, ngày 18 tháng 11 năm 2026",
        "Đã có thành tích xuất sắc",
    ):
        assert expected in text, expected


def test_seal_and_signature_images_are_embedded():
    plain = render_pdf(LETTER)
    signed = render_pdf(
        replace(LETTER, seal_png=png_bytes(), signature_png=png_bytes((300, 120), (20, 40, 140, 255)))
    )
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(signed)).pages[0].images) == 2
    assert len(PdfReader(io.BytesIO(plain)).pages[0].images) == 0


def test_qr_code_decodes_to_the_verification_address(tmp_path):
    import zxingcpp
    from PIL import Image

    png = render_png(render_pdf(replace(LETTER, seal_png=png_bytes())), tmp_path)
    results = zxingcpp.read_barcodes(Image.open(png))
    assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [URL]


def test_ceremony_pdf_holds_every_certificate_of_the_batch():
    names = [
        "Công ty TNHH Đường Biên Hòa – Ninh Hòa",
        "Ngân hàng TMCP Ngoại thương – Chi nhánh Nha Trang",
        "Hộ ông Đặng Văn Ánh",
    ]
    data = render_many([replace(LETTER, kind="giay_khen", recipient_name=n) for n in names], "Đợt 1")
    assert pdf_pages(data) == 3
    text = pdf_text(data)
    assert all(n in text for n in names) and text.count("GIẤY KHEN") == 3


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (date(2026, 10, 20), "Khánh Hòa, ngày 20 tháng 10 năm 2026"),
        (date(2026, 1, 5), "Khánh Hòa, ngày 05 tháng 01 năm 2026"),
    ],
)
def test_place_and_date_line(day, line):
    assert date_line("Khánh Hòa", day) == line


def test_certificates_in_a_row_keep_each_their_own_text():
    """Font subsets are reused between certificates: each PDF must still carry exactly its own strings,
    including a name with letters outside the Vietnamese alphabet (a subset of its own)."""
    names = ["Hộ bà H'Nhiê Niê", "François Müller – Ñandú Çağ", "Công ty Cổ phần Yến Sào Khánh Hòa"]
    pdfs = [render_pdf(replace(LETTER, recipient_name=n)) for n in names]
    for name, data in zip(names, pdfs, strict=True):
        text = pdf_text(data)
        assert name in text and "Năm mươi triệu đồng" in text
        assert all(other not in text for other in names if other != name)
