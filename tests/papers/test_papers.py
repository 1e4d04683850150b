"""Issue 19.3: the sponsorship confirmation record and the receipt as a business files them — exact text
extracted from the PDF, the QR code read back from a rendered page and its verification page, a tampered code,
another donor refused, the rule chosen by the gift's date, e-mail on request."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.contributions.reversal import reverse_contribution
from app.core import mail
from app.papers.models import SponsorshipRecord
from tests.certificates.conftest import KH_ISSUER, pdf_text, render_png
from tests.conftest import login, post_form
from tests.factories import SYSTEM

YEN_SAO = "Công ty Cổ phần Yến Sào Khánh Hòa"


def _qr_urls(pdf: bytes, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    import zxingcpp
    from PIL import Image

    png = render_png(pdf, tmp_path)
    return [
        r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def flat(pdf: bytes) -> str:
    """The PDF's text with its line breaks as spaces (a wrapped paragraph reads as one)."""
    return " ".join(pdf_text(pdf).split())


def _path(url: str) -> str:
    return urlsplit(url).path


def _login_business(client, world):  # type: ignore[no-untyped-def]
    login(client, world.donor_user.email)


def test_gift_record_pdf_names_both_parties_amount_in_words_purpose_payment_and_legal_basis(
    app, world, session, tmp_path
):
    c = world.receive(50_000_000)
    client = app.test_client()
    _login_business(client, world)
    resp = client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{c.id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = flat(resp.data)
    rec = session.execute(select(SponsorshipRecord)).scalar_one()
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN XÁC NHẬN TÀI TRỢ",
        f"Số: {rec.number}",
        "BÊN TÀI TRỢ (Bên A):",
        YEN_SAO,
        "Mã số thuế: 4200237211",
        "Số 248 đường Thống Nhất, phường Nha Trang, tỉnh Khánh Hòa",
        "Trần Thị Bích",
        "BÊN NHẬN TÀI TRỢ (Bên B):",
        KH_ISSUER,
        "Nguyễn Văn Mẫu",
        "1. Số tiền tài trợ: 50.000.000 ₫",
        "Năm mươi triệu đồng.",
        "2. Hình thức tài trợ: Bằng tiền (chuyển khoản)",
        "3. Mục đích: Ủng hộ Quỹ “Vì người nghèo” để hỗ trợ hộ nghèo, làm nhà cho người nghèo và nhà Đại đoàn kết",
        "hạng mục: Nhà ở (nhà Đại đoàn kết)",
        f"Biên nhận số {c.receipt_no} ngày 20/10/2026",
        "Căn cứ Luật Thuế thu nhập doanh nghiệp số 67/2025/QH15 và Nghị định số 320/2025/NĐ-CP",
        "ĐẠI DIỆN BÊN TÀI TRỢ",
        "ĐẠI DIỆN BÊN NHẬN TÀI TRỢ",
        "Quét mã QR để xác minh",
    ):
        assert expected in text, expected
    assert rec.number.startswith("BBTT-56-")

    # The QR code read from the printed page opens the verification page, which says the record is valid.
    [url] = _qr_urls(resp.data, tmp_path)
    page = client.get(_path(url))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giấy hợp lệ" in html and rec.number in html and YEN_SAO in html and "50.000.000 ₫" in html
    assert "Trần Thị Bích" not in html  # no personal data beyond the business and the amounts

    # Asking again gives the same record (same number), not a new one.
    again = client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{c.id}.pdf")
    assert rec.number in pdf_text(again.data)
    assert session.execute(select(SponsorshipRecord)).scalars().all() == [rec]
    assert session.execute(
        select(AuditEntry).where(AuditEntry.action == "papers.record_issue")
    ).scalar_one().entity_id == str(rec.id)


def test_a_gift_of_2024_gets_the_circular_96_2015_basis(app, world, session):
    c = world.receive(20_000_000, when=datetime(2024, 11, 3, 3, tzinfo=UTC))
    client = app.test_client()
    _login_business(client, world)
    text = flat(client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{c.id}.pdf").data)
    assert "Thông tư số 78/2014/TT-BTC" in text and "Thông tư số 96/2015/TT-BTC" in text
    assert "67/2025/QH15" not in text
    assert "Hai mươi triệu đồng." in text


def test_yearly_record_totals_the_years_gifts_and_lists_each_payment(app, world, session, tmp_path):
    a = world.receive(30_000_000, when=datetime(2026, 3, 2, 3, tzinfo=UTC))
    b = world.receive(20_000_000, when=datetime(2026, 9, 9, 3, tzinfo=UTC))
    world.receive(7_000_000, when=datetime(2025, 12, 30, 3, tzinfo=UTC))  # another year
    client = app.test_client()
    _login_business(client, world)
    dashboard = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    section = dashboard[dashboard.index('id="giay-to"') :]
    link = f"/tai-khoan/bien-ban-tai-tro/nam/2026.pdf?don-vi={world.kh.id}"
    assert link in section.replace("&amp;", "&")
    resp = client.get(link)
    assert resp.status_code == 200
    text = flat(resp.data)
    assert "các khoản tài trợ năm 2026" in text
    assert "50.000.000 ₫" in text and "Năm mươi triệu đồng." in text
    assert a.receipt_no in text and b.receipt_no in text
    assert "7.000.000 ₫" not in text
    [url] = _qr_urls(resp.data, tmp_path)
    assert "Giấy hợp lệ" in client.get(_path(url)).get_data(as_text=True)


def test_a_reversed_gift_voids_its_record_and_a_new_year_record_replaces_the_old(app, world, session):
    a = world.receive(30_000_000, when=datetime(2026, 3, 2, 3, tzinfo=UTC))
    world.receive(20_000_000, when=datetime(2026, 9, 9, 3, tzinfo=UTC))
    client = app.test_client()
    _login_business(client, world)
    link = f"/tai-khoan/bien-ban-tai-tro/nam/2026.pdf?don-vi={world.kh.id}"
    client.get(link)
    client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{a.id}.pdf")
    from app.papers import services

    with app.test_request_context():
        year_rec = session.execute(
            select(SponsorshipRecord).where(SponsorshipRecord.year == 2026)
        ).scalar_one()
        gift_rec = session.execute(
            select(SponsorshipRecord).where(SponsorshipRecord.contribution_id == a.id)
        ).scalar_one()
        old_year_url, gift_url = services.record_verify_url(year_rec), services.record_verify_url(gift_rec)
    reverse_contribution(session, SYSTEM, a.id, "Chuyển nhầm, đã hoàn trả")
    session.commit()

    page = client.get(_path(gift_url)).get_data(as_text=True)
    assert "Không còn giá trị" in page and "Một khoản trong biên bản này đã bị hủy." in page
    text = pdf_text(client.get(link).data)  # the year asked again: a new record of what remains
    assert "20.000.000 ₫" in text and a.receipt_no not in text
    newer = session.execute(
        select(SponsorshipRecord).where(
            SponsorshipRecord.year == 2026, SponsorshipRecord.superseded_by_id.is_(None)
        )
    ).scalar_one()
    assert newer.id != year_rec.id
    page = client.get(_path(old_year_url)).get_data(as_text=True)
    assert f"Biên bản này đã được thay bằng biên bản số {newer.number}." in page


def test_receipt_pdf_has_amount_in_words_tax_code_reference_place_date_and_a_signed_qr(
    app, world, session, tmp_path
):
    c = world.receive(50_000_000)
    c.bank_txn_ref = "FT26293118800"
    session.commit()
    client = app.test_client()
    _login_business(client, world)
    resp = client.get(f"/tai-khoan/bien-nhan/{c.id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = flat(resp.data)
    for expected in (
        "BIÊN NHẬN",
        f"Số: {c.receipt_no}",
        YEN_SAO,
        "Mã số thuế: 4200237211",
        "Địa chỉ: Số 248 đường Thống Nhất",
        "Số tiền: 50.000.000 ₫",
        "Bằng chữ: Năm mươi triệu đồng.",
        "Số tham chiếu ngân hàng: FT26293118800",
        "Khánh Hòa, ngày 20 tháng 10 năm 2026",
    ):
        assert expected in text, expected
    assert c.receipt_no.startswith("56-2026-")  # the issuing unit's code in the number
    [url] = _qr_urls(resp.data, tmp_path)
    assert "/xac-minh/" in url
    html = client.get(_path(url)).get_data(as_text=True)
    assert "Giấy hợp lệ" in html and c.receipt_no in html and "4200237211" in html
    # The HTML receipt carries the same signed address (not the statement entry any more).
    assert _path(url) in client.get(f"/tai-khoan/bien-nhan/{c.id}").get_data(as_text=True)


def test_an_individuals_receipt_verifies_without_showing_the_payer(app, world, session):
    c = world.receive(300_000, donor=world.other_donor)
    from app.papers import services

    with app.test_request_context():
        url = services.receipt_verify_url(c)
    html = app.test_client().get(_path(url)).get_data(as_text=True)
    assert "Giấy hợp lệ" in html and "300.000 ₫" in html
    assert "Đặng Văn Ánh" not in html


def test_a_tampered_code_is_refused(app, world, session):
    c = world.receive(50_000_000)
    client = app.test_client()
    _login_business(client, world)
    client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{c.id}.pdf")
    from app.papers import services

    rec = session.execute(select(SponsorshipRecord)).scalar_one()
    with app.test_request_context():
        codes = [services.record_code(rec), services.receipt_code(c)]
    for code in codes:
        # one character of the signature changed; and the id changed (another paper, same signature)
        bad_sig = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]
        resp = client.get(f"/xac-minh/{bad_sig}")
        assert resp.status_code == 404 and "Mã không hợp lệ" in resp.get_data(as_text=True)
    # The amount changed in the database after signing: the signature no longer matches.
    rec.amount_vnd = 5_000_000
    session.commit()
    resp = client.get(f"/xac-minh/{codes[0]}")
    assert resp.status_code == 404


def test_another_donor_cannot_download_a_receipt_or_record(app, world, session):
    from app.accounts.models import Role
    from tests.factories import make_donor, make_user

    c = world.receive(50_000_000)
    rival = make_donor(session, "Công ty TNHH Đường Biên Hòa – Ninh Hòa", tax_code="4200238014")
    rival_user = make_user(session, Role.DONOR, donor=rival)
    session.commit()
    for email in (world.other_donor_user.email, rival_user.email):
        client = app.test_client()
        login(client, email)
        assert client.get(f"/tai-khoan/bien-nhan/{c.id}.pdf").status_code == 404
        assert client.get(f"/tai-khoan/bien-ban-tai-tro/khoan/{c.id}.pdf").status_code == 404
        resp = client.get(f"/tai-khoan/bien-ban-tai-tro/nam/2026.pdf?don-vi={world.kh.id}")
        assert resp.status_code in (302, 404)  # the rival business has no gift that year: nothing to confirm
        assert YEN_SAO not in resp.get_data(as_text=True)
        resp = post_form(
            client,
            "/tai-khoan/bien-ban-tai-tro/gui",
            {"contribution_id": str(c.id)},
            page="/tai-khoan/tong-quan",
        )
        assert resp.status_code == 404
    assert session.execute(select(SponsorshipRecord)).first() is None


def test_papers_section_only_for_businesses(app, world, session):
    world.receive(300_000, donor=world.other_donor)
    client = app.test_client()
    login(client, world.other_donor_user.email)
    html = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert 'id="giay-to"' not in html
    assert 'id="khoan-nop"' in html  # the household still has its receipts


def test_send_by_email_attaches_the_record_pdf(app, world, session):
    c = world.receive(50_000_000)
    mail.OUTBOX.clear()
    client = app.test_client()
    _login_business(client, world)
    resp = post_form(
        client, "/tai-khoan/bien-ban-tai-tro/gui", {"contribution_id": str(c.id)}, page="/tai-khoan/tong-quan"
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#giay-to")
    [sent] = mail.OUTBOX
    assert sent["To"] == "ketoan@yensao.example.vn"
    rec = session.execute(select(SponsorshipRecord)).scalar_one()
    assert rec.number in sent["Subject"]
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert YEN_SAO in pdf_text(attachment.get_content())
    assert "Đã gửi biên bản" in client.get("/tai-khoan/tong-quan").get_data(as_text=True)


def test_old_certificate_codes_still_verify(app, world, session):
    from app.certificates import services as cert_services

    c = world.receive(1_000_000)
    cert = cert_services.acknowledge_contribution(session, SYSTEM, c.id)
    session.commit()
    html = app.test_client().get(f"/xac-minh/{cert.code}").get_data(as_text=True)
    assert "Giấy hợp lệ" in html and cert.serial in html


@pytest.mark.parametrize(
    ("day", "key"),
    [("2024-12-31", "tt96-2015"), ("2025-01-01", "luat67-2025"), ("2026-10-20", "luat67-2025")],
)
def test_the_rule_is_chosen_by_the_gifts_date(day, key):
    from datetime import date

    from app.papers.rules import rule_for

    assert rule_for(date.fromisoformat(day)).key == key
