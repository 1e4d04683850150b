"""The VietQR image a donor scans: an SVG that decodes to a NAPAS payload with our account, amount and note."""

from __future__ import annotations

import re

from app.banking import vietqr
from app.pledges.services import record_pledge_payment
from tests.conftest import open_as_donor
from tests.factories import SYSTEM
from tests.payments.conftest import make_pledge
from tests.qr.reading import read_svg


def decode_svg(svg: str) -> str:
    results = read_svg(svg)
    assert results, "no QR code found in the SVG"
    return results[0]


def test_pledge_vietqr_svg_scans_to_the_earmarked_units_account_amount_due_and_reference(
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
    resp = client.get(f"/ung-ho/{pledge.reference.lower()}/vietqr.svg")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    fields = vietqr.parse(decode_svg(resp.get_data(as_text=True)))
    assert fields["54"] == "30000000"  # what is still due, not the pledge
    assert "970418" in fields["38"] and "58010000123456" in fields["38"]  # Khánh Sơn's own BIDV account
    assert fields["62"] == "08" + f"{len(pledge.reference):02d}" + pledge.reference


def test_pledge_without_own_account_falls_back_to_the_province(client, session, kh_setup):
    from tests.factories import CAM_LAM, unit

    pledge = make_pledge(session, kh_setup["campaign"], 3_000_000, receiving=unit(session, CAM_LAM))
    payload = decode_svg(client.get(f"/ung-ho/{pledge.reference}/vietqr.svg").get_data(as_text=True))
    assert "0061001234567" in vietqr.parse(payload)["38"]


def test_unknown_reference_is_404_and_account_qr_has_no_amount(client, session, kh_setup):
    assert client.get("/ung-ho/VNNAAAAAAAA/vietqr.svg").status_code == 404
    resp = client.get(f"/tai-khoan-quy/{kh_setup['prov_acc'].id}/vietqr.svg")
    fields = vietqr.parse(decode_svg(resp.get_data(as_text=True)))
    assert "54" not in fields and "62" not in fields and fields["01"] == "11"
    assert client.get("/tai-khoan-quy/999999/vietqr.svg").status_code == 404


def test_the_qr_code_names_the_first_account_the_pledge_page_shows(client, session, kh_setup):
    """The page lists the earmarked unit's accounts (else up its chain, else central's); the QR code must pay the
    first of them, even when the pledge's receiving unit (set by staff, outside that chain) has an account."""
    from app.banking.models import OfficialBankAccount
    from app.ledger.services import main_fund
    from tests import factories

    hanoi = factories.hanoi(session)
    central = OfficialBankAccount(
        unit_id=None,
        fund_id=main_fund(session).id,
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="1122334455",
        account_name="UBTW MTTQ VIET NAM",
    )
    session.add(central)
    session.commit()
    pledge = make_pledge(
        session, kh_setup["campaign"], 5_000_000, receiving=kh_setup["khanh_son"], earmark=hanoi
    )
    open_as_donor(client, pledge)
    page = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    shown = re.findall(r'class="account-number">([^<]+)<', page)
    assert shown == ["1122334455"]  # Hà Nội has no account of its own: the central committee's
    fields = vietqr.parse(
        decode_svg(client.get(f"/ung-ho/{pledge.reference}/vietqr.svg").get_data(as_text=True))
    )
    assert shown[0] in fields["38"]
