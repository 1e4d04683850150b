"""Donor accounts: claim a pledge by e-mail, invite a colleague, a dashboard that shows only one's own."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.models import Role, User
from app.contributions.models import Channel
from app.core import mail
from app.pledges import services
from tests import factories as f
from tests.conftest import login, post_form
from tests.pledges.helpers import SYSTEM, business_form, make_pledge

LINK = re.compile(r"http://\S+")


def _link(subject_start: str) -> str:
    [msg] = [m for m in mail.OUTBOX if m["Subject"].startswith(subject_start)]
    return LINK.search(msg.get_content()).group(0).split("://", 1)[1].split("/", 1)[1]


def test_claim_pledge_then_dashboard(client, session, world):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world))
    conf_url = resp.headers["Location"]
    ref = conf_url.rsplit("/", 1)[1]
    resp = post_form(client, f"/ung-ho/{ref}/tao-tai-khoan", {}, page=conf_url)
    assert resp.status_code == 302
    path = "/" + _link("Tạo tài khoản")
    page = client.get(path)
    assert "lan.nguyen@vinamilk.example.vn" in page.get_data(as_text=True)
    resp = post_form(
        client, path, {"full_name": "Nguyễn Thị Lan", "password": "matkhau-2026x", "title": "Kế toán"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/tai-khoan/tong-quan")
    user = session.execute(select(User).where(User.email == "lan.nguyen@vinamilk.example.vn")).scalar_one()
    assert user.role == Role.DONOR and user.donor_id is not None
    # /tai-khoan and the base layout lead to the dashboard.
    assert client.get("/tai-khoan").headers["Location"].endswith("/tai-khoan/tong-quan")
    dash = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert ref in dash and "50.000.000 ₫" in dash and "Giấy chứng nhận" in dash
    # Now the owner sees the contact details on the confirmation page.
    assert "lan.nguyen@vinamilk.example.vn" in client.get(conf_url).get_data(as_text=True)
    # The link cannot be used twice.
    other = client.application.test_client()
    resp = post_form(other, path, {"full_name": "Kẻ gian", "password": "matkhau-2026y"}, page="/ung-ho")
    assert resp.status_code == 302 and "dang-nhap" in resp.headers["Location"]
    assert session.execute(select(User).where(User.full_name == "Kẻ gian")).first() is None


def test_strangers_cannot_claim_an_existing_business(client, session, world):  # type: ignore[no-untyped-def]
    """Someone who types a business's (public) tax code with their own e-mail gets no way into its account: the
    pledge is recorded under a record of what they typed, and an account they make from it is over that record."""
    first = make_pledge(
        session,
        world,
        name="Công ty TNHH Thép Miền Trung",
        tax_code="0100047516",
        email="ketoan@thep.example.vn",
        kind=f.DonorKind.BUSINESS,
    )
    f.make_user(session, Role.DONOR, email="ketoan@thep.example.vn", donor=first.donor)
    resp = post_form(
        client, "/ung-ho", business_form(world, tax_code="0100047516", email="ke.gian@example.com")
    )
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    mail.OUTBOX.clear()
    resp = post_form(client, f"/ung-ho/{ref}/tao-tai-khoan", {}, page=f"/ung-ho/{ref}")
    assert resp.status_code == 302
    path = "/" + _link("Tạo tài khoản")
    post_form(client, path, {"full_name": "Kẻ gian", "password": "matkhau-2026y"})
    user = session.execute(select(User).where(User.email == "ke.gian@example.com")).scalar_one()
    assert user.donor_id != first.donor_id
    dash = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert first.reference not in dash
    donor = first.donor
    session.refresh(donor)
    assert donor.email is None or donor.email == "ketoan@thep.example.vn"  # never overwritten from the form


def test_business_user_invites_a_colleague(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(
        session,
        world,
        name="Công ty CP Yến Sào",
        tax_code="0314409058",
        kind=f.DonorKind.BUSINESS,
        email="a@yensao.example.vn",
    )
    f.make_user(session, Role.DONOR, email="a@yensao.example.vn", donor=pledge.donor)
    login(client, "a@yensao.example.vn")
    resp = post_form(
        client, "/tai-khoan/moi-dong-nghiep", {"email": "b@yensao.example.vn"}, page="/tai-khoan/tong-quan"
    )
    assert resp.status_code == 302
    path = "/" + _link("Lời mời")
    guest = client.application.test_client()
    resp = post_form(guest, path, {"full_name": "Trần Văn B", "password": "matkhau-2026z"})
    assert resp.status_code == 302
    b = session.execute(select(User).where(User.email == "b@yensao.example.vn")).scalar_one()
    assert b.donor_id == pledge.donor_id and b.role == Role.DONOR
    assert pledge.reference in guest.get("/tai-khoan/tong-quan").get_data(as_text=True)
    # A forged token is refused.
    assert guest.get("/tai-khoan/loi-moi/gia-mao").status_code == 400


def test_another_donors_data_is_not_visible(client, session, world):  # type: ignore[no-untyped-def]
    mine = make_pledge(
        session, world, name="Công ty A", tax_code="0100233488", kind=f.DonorKind.BUSINESS, email="a@a.vn"
    )
    theirs = make_pledge(
        session, world, name="Công ty B", tax_code="0100047516", kind=f.DonorKind.BUSINESS, email="b@b.vn"
    )
    [their_receipt] = services.record_pledge_payment(
        session,
        SYSTEM,
        theirs,
        amount_vnd=1_000_000,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
    )
    session.commit()
    f.make_user(session, Role.DONOR, email="a@a.vn", donor=mine.donor)
    login(client, "a@a.vn")
    dash = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert mine.reference in dash and theirs.reference not in dash and "Công ty B" not in dash
    assert client.get(f"/tai-khoan/bien-nhan/{their_receipt.id}").status_code == 404
    year = their_receipt.received_on.year
    pdf = client.get(f"/tai-khoan/sao-ke/{year}.pdf")
    assert (
        pdf.status_code == 200
        and "Công ty B" not in _pdf_text(pdf.data)
        and their_receipt.receipt_no not in _pdf_text(pdf.data)
    )
    # A donor's statement is personal data: no shared cache on the way may keep it.
    assert pdf.headers["Cache-Control"] == "private, no-store"
    # B's confirmation page shows A nothing private.
    html = client.get(f"/ung-ho/{theirs.reference}").get_data(as_text=True)
    assert "b@b.vn" not in html


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_yearly_statement_pdf_and_xlsx(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(
        session,
        world,
        name="Công ty TNHH Đường Biên Hòa – Ninh Hòa",
        tax_code="0100233488",
        kind=f.DonorKind.BUSINESS,
        email="kt@duong.example.vn",
        amount=50_000_000,
    )
    for n, amount in enumerate((20_000_000, 30_000_000)):
        services.record_pledge_payment(
            session,
            SYSTEM,
            pledge,
            amount_vnd=amount,
            channel=Channel.BANK_TRANSFER,
            received_at=datetime(2026, 3 + n, 10, 3, tzinfo=UTC),
            source="test",
        )
    session.commit()
    f.make_user(session, Role.DONOR, email="kt@duong.example.vn", donor=pledge.donor)
    login(client, "kt@duong.example.vn")
    dash = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert "/tai-khoan/sao-ke/2026.pdf" in dash

    resp = client.get("/tai-khoan/sao-ke/2026.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _pdf_text(resp.data)
    assert "Công ty TNHH Đường Biên Hòa – Ninh Hòa" in text and "0100233488" in text
    assert "20.000.000 ₫" in text and "50.000.000 ₫" in text and "2026-000001" in text

    resp = client.get("/tai-khoan/sao-ke/2026.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    amounts = [ws.cell(row=r, column=6).value for r in range(5, 7)]
    assert amounts == [20_000_000, 30_000_000]
    assert ws.cell(row=5, column=6).number_format == '#,##0 "₫"'
    assert ws.cell(row=7, column=6).value == "=SUM(F5:F6)"
    assert client.get("/tai-khoan/sao-ke/2026.doc").status_code == 404


def test_dashboard_lists_outstanding_instalments(client, session, world):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    today = services.today_vn()
    pledge = make_pledge(
        session,
        world,
        amount=4_000_000,
        email="ho@example.vn",
        instalments=[(today + timedelta(days=10), 2_000_000), (today + timedelta(days=40), 2_000_000)],
    )
    services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=2_000_000,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
    )
    session.commit()
    f.make_user(session, Role.DONOR, email="ho@example.vn", donor=pledge.donor)
    login(client, "ho@example.vn")
    dash = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    section = dash.split('id="dot-nop"', 1)[1].split("</section>", 1)[0]
    assert "đợt 2" in section and "đợt 1" not in section
    assert (today + timedelta(days=40)).strftime("%d/%m/%Y") in section


def test_staff_are_not_sent_to_the_donor_dashboard(client, session, world):  # type: ignore[no-untyped-def]
    login(client, world["khanh_son_staff"].email)
    assert client.get("/tai-khoan/tong-quan").status_code == 403
