"""Pages: public verification (valid, revoked, forged), donors' downloads, staff approval and revocation,
each role in each area."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.certificates import services
from app.certificates.models import BatchStatus, Certificate, CertificateKind, CertificateStatus, IssuerLevel
from app.donors.models import DonorKind
from tests.certificates.conftest import pdf_text, png_bytes, propose_business_batch
from tests.conftest import csrf_from, login, post_form
from tests.factories import SYSTEM, make_user, province


def _letter(world, session, amount=50_000_000, **kw):  # type: ignore[no-untyped-def]
    c = world.receive(amount, **kw)
    cert = services.acknowledge_contribution(session, SYSTEM, c.id)
    session.commit()
    return cert


def _forge(code: str, position: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return code[:position] + alphabet[(alphabet.index(code[position]) + 1) % 64] + code[position + 1 :]


def test_verification_page_for_a_valid_code(world, session, client):
    cert = _letter(world, session)
    html = client.get(f"/xac-minh/{cert.code}").get_data(as_text=True)
    for expected in (
        "Giấy hợp lệ",
        "Công ty Cổ phần Yến Sào Khánh Hòa",
        "50.000.000 ₫",
        cert.serial,
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa",
        "20/10/2026",
        "Còn hiệu lực",
    ):
        assert expected in html, expected
    assert "ketoan@yensao" not in html and "4200237211" not in html  # nothing beyond the public facts


def test_every_altered_character_fails_with_a_clear_page(world, session, client):
    cert = _letter(world, session)
    assert len(cert.code) <= 100
    for position in (0, 1, 2, 10, 45, len(cert.code) - 1):
        resp = client.get(f"/xac-minh/{_forge(cert.code, position)}")
        assert resp.status_code == 404
        html = resp.get_data(as_text=True)
        assert "Mã không hợp lệ" in html and cert.serial not in html
    for junk in ("abc", cert.code + "A", cert.code[:-1], "x" * 200):
        assert "Mã không hợp lệ" in client.get(f"/xac-minh/{junk}").get_data(as_text=True)


def test_every_single_character_change_is_refused_by_the_signature(world, session):
    cert = _letter(world, session)
    for position in range(len(cert.code)):
        assert not services.verify_code(session, _forge(cert.code, position)).valid, position
    assert services.verify_code(session, cert.code).valid


def test_changing_the_data_breaks_the_signature(world, session):
    cert = _letter(world, session)
    cert.amount_vnd = 500_000_000  # someone edits the row behind the platform's back
    session.commit()
    assert not services.verify_code(session, cert.code).valid


def test_revocation_needs_an_approver_and_a_reason_and_shows_publicly(world, session, client):
    cert = _letter(world, session)
    login(client, world.province_staff.email)
    page = f"/can-bo/giay-chung-nhan/{cert.id}"
    assert client.get(page).status_code == 200
    resp = post_form(client, f"{page}/thu-hoi", {"reason": "Cấp nhầm người"}, page=page)
    assert resp.status_code == 403
    client.post("/dang-xuat", data={"csrf_token": csrf_from(client.get(page).get_data(as_text=True))})
    login(client, world.approver.email)
    resp = post_form(client, f"{page}/thu-hoi", {"reason": " "}, page=page, follow_redirects=True)
    assert "Vui lòng nhập lý do thu hồi" in resp.get_data(as_text=True)
    session.refresh(cert)
    assert cert.status == CertificateStatus.VALID
    reason = "Khoản ủng hộ bị ghi nhận trùng; đã cấp lại thư đúng số tiền."
    post_form(client, f"{page}/thu-hoi", {"reason": reason}, page=page)
    session.refresh(cert)
    assert cert.status == CertificateStatus.REVOKED and cert.revoked_by_id == world.approver.id
    html = client.get(f"/xac-minh/{cert.code}").get_data(as_text=True)
    assert "Đã bị thu hồi" in html and reason in html and "Giấy hợp lệ" not in html


def test_verify_form_accepts_a_pasted_address(world, session, client):
    cert = _letter(world, session)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/xac-minh"' in home  # the base navigation links to it
    assert client.get("/xac-minh").status_code == 200
    resp = client.get("/xac-minh", query_string={"code": f"  {services.verification_url(cert)} "})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/xac-minh/{cert.code}")


def test_donor_downloads_only_their_own(world, session, client):
    mine = _letter(world, session)
    theirs = _letter(world, session, donor=world.other_donor)
    login(client, world.donor_user.email)
    html = client.get("/tai-khoan/giay-chung-nhan").get_data(as_text=True)
    assert mine.serial in html and theirs.serial not in html
    resp = client.get(f"/giay-chung-nhan/{mine.id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "Công ty Cổ phần Yến Sào Khánh Hòa" in pdf_text(resp.data)
    assert client.get(f"/giay-chung-nhan/{theirs.id}.pdf").status_code == 404
    assert client.get(f"/can-bo/giay-chung-nhan/{mine.id}").status_code == 403


def test_anonymous_visitors_must_log_in_to_download(world, session, client):
    cert = _letter(world, session)
    assert client.get(f"/giay-chung-nhan/{cert.id}.pdf").status_code == 302


# Who may see a letter issued by the commune committee of Khánh Sơn?
MATRIX = [
    (Role.COMMUNE_STAFF, "khanh_son", True),
    (Role.COMMUNE_STAFF, "cam_lam", False),
    (Role.PROVINCE_STAFF, "khanh_hoa", True),
    (Role.PROVINCE_STAFF, "other_province", False),
    (Role.APPROVER, "khanh_hoa", True),
    (Role.APPROVER, "other_province", False),
    (Role.CENTRAL_ADMIN, None, True),
]


@pytest.mark.parametrize(("role", "where", "allowed"), MATRIX)
def test_roles_by_area(world, session, client, role, where, allowed):
    from app.units.services import import_units

    import_units(session, [1])
    session.commit()
    places = {
        "khanh_son": world.khanh_son,
        "cam_lam": world.cam_lam,
        "khanh_hoa": world.kh,
        "other_province": province(session, 1),
    }
    cert = _letter(world, session, receiving=world.khanh_son)
    user = make_user(session, role, places[where] if where else None)
    login(client, user.email)
    expected = 200 if allowed else 404
    assert client.get(f"/can-bo/giay-chung-nhan/{cert.id}").status_code == expected
    assert client.get(f"/giay-chung-nhan/{cert.id}.pdf").status_code == expected
    listing = client.get("/can-bo/giay-chung-nhan").get_data(as_text=True)
    assert (cert.serial in listing) == allowed
    if role in (Role.APPROVER, Role.CENTRAL_ADMIN):
        token = csrf_from(listing)
        resp = client.post(
            f"/can-bo/giay-chung-nhan/{cert.id}/thu-hoi",
            data={"csrf_token": token, "reason": "Thử thu hồi từ địa bàn khác"},
        )
        assert resp.status_code == (302 if allowed else 404)
        session.refresh(cert)
        assert cert.is_revoked == allowed


def test_batch_approval_through_the_pages(world, session, client):
    batch_url = propose_business_batch(world, session, client)
    html = client.get(batch_url).get_data(as_text=True)
    assert "Công ty Cổ phần Yến Sào Khánh Hòa" in html and "Phê duyệt và cấp" not in html
    # The officer who prepared it cannot approve (not an approver): 403 even with a token.
    resp = post_form(
        client, f"{batch_url}/duyet", {"decision_no": "1/QĐ", "decision_date": "2026-11-18"}, page=batch_url
    )
    assert resp.status_code == 403
    client.post("/dang-xuat", data={"csrf_token": csrf_from(html)})
    login(client, world.approver.email)
    html = client.get(batch_url).get_data(as_text=True)
    assert "Phê duyệt và cấp" in html
    resp = post_form(
        client,
        f"{batch_url}/duyet",
        {"decision_no": "", "decision_date": "2026-11-18"},
        page=batch_url,
        follow_redirects=True,
    )
    assert "Vui lòng nhập số quyết định" in resp.get_data(as_text=True)
    resp = post_form(
        client,
        f"{batch_url}/duyet",
        {"decision_no": "125/QĐ-MTTQ-BTT", "decision_date": "2026-11-18"},
        page=batch_url,
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Đã cấp" in html and "1 / 1" in html and 'value="1"' in html  # the progress bar is full
    cert = session.execute(select(Certificate).where(Certificate.batch_id.is_not(None))).scalar_one()
    assert cert.kind == CertificateKind.BANG_KHEN and cert.decision_no == "125/QĐ-MTTQ-BTT"
    progress = client.get(f"{batch_url}/tien-do").get_json()
    assert progress == {
        "status": BatchStatus.ISSUED.value,
        "status_label": "Đã cấp",
        "total": 1,
        "issued": 1,
        "emailed": 1,
        "percent": 100,
    }
    resp = client.get(f"{batch_url}.pdf")
    assert resp.status_code == 200 and "BẰNG KHEN" in pdf_text(resp.data)
    # Another commune's officer cannot see the province's batch.
    client.post("/dang-xuat", data={"csrf_token": csrf_from(html)})
    login(client, world.khanh_son_staff.email)
    assert client.get(batch_url).status_code == 404
    assert client.get(f"{batch_url}.pdf").status_code == 404


def test_signer_with_seal_and_signature_png(world, session, client):
    login(client, world.approver.email)
    page = "/can-bo/giay-chung-nhan"
    resp = post_form(
        client,
        f"{page}/nguoi-ky",
        {
            "signer_name": "Nguyễn Văn Mẫu",
            "signer_title": "Chủ tịch",
            "seal": (__import__("io").BytesIO(b"GIF89a not a png"), "dau.png"),
        },
        page=page,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Ảnh con dấu: Loại tệp không được chấp nhận" in resp.get_data(as_text=True)
    import io

    resp = post_form(
        client,
        f"{page}/nguoi-ky",
        {
            "signer_name": "Nguyễn Văn Mẫu",
            "signer_title": "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
            "seal": (io.BytesIO(png_bytes()), "dau.png"),
            "signature": (io.BytesIO(png_bytes((300, 120))), "chuky.png"),
        },
        page=page,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Đã lưu người ký" in resp.get_data(as_text=True)
    cert = _letter(world, session)
    from pypdf import PdfReader

    pdf = services.certificate_pdf(session, cert)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 2
    assert client.get(f"{page}/nguoi-ky/seal.png").mimetype == "image/png"


def test_staff_search_ignores_diacritics(world, session, client):
    cert = _letter(world, session)
    login(client, world.province_staff.email)
    html = client.get("/can-bo/giay-chung-nhan", query_string={"q": "yen sao"}).get_data(as_text=True)
    assert cert.serial in html
    html = client.get("/can-bo/giay-chung-nhan", query_string={"q": "khong co ai"}).get_data(as_text=True)
    assert cert.serial not in html


def test_issue_with_decision_date(world, session):
    # issued_on follows the decision date for commendations
    services.add_rule(
        session,
        SYSTEM,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=1,
        kind=CertificateKind.GIAY_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    world.receive(1_000_000)
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    services.approve_batch(
        session, world.actor(world.approver), batch.id, decision_no="9/QĐ", decision_date=date(2026, 11, 18)
    )
    session.commit()
    [cid] = services.issue_chunk(session, SYSTEM, batch.id, services.pending_candidate_ids(session, batch.id))
    assert session.get(Certificate, cid).issued_on == date(2026, 11, 18)
