"""Every kind of QR code the application makes, read back by a real reader (zxing-cpp) from what a person
gets: the SVG a page serves or inlines (rasterised by cairosvg), the certificate PDF (rasterised by poppler's
pdftoppm). Each payload is checked, and each address it holds is followed to the page it promises."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from app.banking import vietqr
from app.certificates import services as certificates
from app.contributions.models import Channel
from app.contributions.services import NewContribution, record_contribution
from app.pledges.services import record_pledge_payment
from tests.certificates.conftest import World, render_png
from tests.conftest import login, open_as_donor
from tests.factories import SYSTEM
from tests.payments.conftest import make_pledge
from tests.qr.reading import inline_svgs, read_qr, read_svg

BASE = "http://127.0.0.1:5077"
pytestmark = pytest.mark.app_config(PUBLIC_BASE_URL=BASE)


def test_pledge_page_vietqr_pays_what_is_due_to_the_earmarked_account_with_the_reference(
    client, session, kh_setup
):
    pledge = make_pledge(
        session,
        kh_setup["campaign"],
        50_000_000,
        receiving=kh_setup["province"],
        earmark=kh_setup["khanh_son"],
    )
    record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=20_000_000,
        channel="bank_transfer",
        received_at=None,
        source="test",
        idempotency_key="part",
    )
    session.commit()
    open_as_donor(client, pledge)
    page = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    found = re.search(r'<img[^>]+src="([^"]+/vietqr\.svg(?:\?[^"]*)?)"', page)  # the image the page shows
    assert found, "the pledge page shows no VietQR image"
    src = html.unescape(found.group(1))
    resp = client.get(src)
    assert resp.mimetype == "image/svg+xml"
    [payload] = read_svg(resp.get_data(as_text=True))
    fields = vietqr.parse(payload)  # CRC checked
    assert fields["54"] == "30000000"  # what is still due
    assert "970418" in fields["38"] and "58010000123456" in fields["38"]  # Khánh Sơn's own BIDV account
    assert fields["62"] == f"08{len(pledge.reference):02d}{pledge.reference}"
    assert fields["58"] == "VN" and fields["53"] == "704"


def test_official_accounts_page_and_account_endpoint_show_the_account_only(client, session, kh_setup):
    html = client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    payloads = [p for svg in inline_svgs(html) for p in read_svg(svg)]
    accounts = sorted(vietqr.parse(p)["38"] for p in payloads)
    assert len(payloads) == 2 and "0061001234567" in accounts[0] + accounts[1]
    assert all(
        "54" not in vietqr.parse(p) and "62" not in vietqr.parse(p) for p in payloads
    )  # no amount, no note
    served = client.get(f"/tai-khoan-quy/{kh_setup['prov_acc'].id}/vietqr.svg").get_data(as_text=True)
    [payload] = read_svg(served)
    assert "970436" in vietqr.parse(payload)["38"] and "0061001234567" in vietqr.parse(payload)["38"]


def test_certificate_pdf_qr_is_its_verification_address_on_the_public_server(client, session, tmp_path):
    world = World(session)
    contribution = world.receive(50_000_000)
    cert = certificates.acknowledge_contribution(session, SYSTEM, contribution.id)
    session.commit()
    login(client, world.donor_user.email)
    pdf = client.get(f"/giay-chung-nhan/{cert.id}.pdf").data
    [url] = read_qr(Image.open(render_png(pdf, tmp_path)))
    assert url == f"{BASE}/xac-minh/{cert.code}"
    page = client.get(urlsplit(url).path).get_data(as_text=True)
    assert "Giấy hợp lệ" in page and cert.serial in page


@pytest.mark.parametrize("who", ["donor", "staff"])
def test_printed_receipt_qr_opens_its_signed_verification_page(app, client, session, who):
    """The receipt's QR is its signed verification code (issue 19.3, app.certificates.signing.sign_paper): a
    passer-by who scans it sees the receipt's number and amount, and a changed code is refused."""
    world = World(session)
    contribution = record_contribution(
        session,
        SYSTEM,
        world.campaign,
        NewContribution(
            amount_vnd=2_500_000, channel=Channel.CASH, donor=world.donor, receiving_unit_id=world.kh.id
        ),
    )
    session.commit()
    if who == "donor":
        login(client, world.donor_user.email)
        html = client.get(f"/tai-khoan/bien-nhan/{contribution.id}").get_data(as_text=True)
    else:
        login(client, world.province_staff.email)
        html = client.get(f"/can-bo/bien-nhan/{contribution.id}").get_data(as_text=True)
    [svg] = inline_svgs(html)
    [url] = read_svg(svg)
    assert url.startswith(f"{BASE}/xac-minh/")
    assert url in html  # the same address printed beside the code, for who cannot scan
    page = app.test_client().get(urlsplit(url).path).get_data(as_text=True)  # a passer-by, not signed in
    assert contribution.receipt_no in page and "2.500.000 ₫" in page
    code = urlsplit(url).path.rsplit("/", 1)[1]
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert contribution.receipt_no not in app.test_client().get(f"/xac-minh/{forged}").get_data(as_text=True)
