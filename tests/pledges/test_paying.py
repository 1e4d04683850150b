"""Paying a pledge (issue 19.4), each reproduction of the issue's bullet about paying:
- an instalment plan's QR asked for the whole pledge: it asks for the instalment due, the remainder a choice;
- two accounts but one QR: one QR per official account, each downloadable (PNG, SVG), with copy buttons;
- a +1 phone number was refused and a Vietnamese commune required: E.164 numbers and a country for donors abroad;
- four identical submissions made four pledges and four e-mails: one pledge, one e-mail;
- cards offered with the gateway off and checkout answering 404: no card option, checkout redirects."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.banking import vietqr
from app.core import mail
from app.core.i18n import today_vn
from app.donors.models import Donor
from app.pledges.models import Pledge
from app.pledges.services import record_pledge_payment
from tests.conftest import csrf_from, open_as_donor
from tests.pledges.helpers import SYSTEM, household_form, make_pledge
from tests.qr.reading import read_qr, read_svg


def _qr_urls(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in re.findall(r'<img src="(/ung-ho/[^"]+/vietqr\.svg[^"]*)"', html)]


def _scan(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == 200
    texts = read_svg(resp.get_data(as_text=True))
    assert texts, url
    return vietqr.parse(texts[0])


def _plan(session, world):  # type: ignore[no-untyped-def]
    today = today_vn()
    return make_pledge(
        session,
        world,
        amount=9_000_000,
        instalments=[
            (today + timedelta(days=10), 3_000_000),
            (today + timedelta(days=40), 3_000_000),
            (today + timedelta(days=70), 3_000_000),
        ],
        earmark=world["province"],
    )


def test_instalment_plan_qr_asks_for_the_instalment_due_and_offers_the_remainder(client, session, world):  # type: ignore[no-untyped-def]
    pledge = _plan(session, world)
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    html = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert "3.000.000 ₫" in html and "Toàn bộ số còn lại: 9.000.000 ₫" in html
    urls = _qr_urls(html)
    assert urls
    fields = _scan(client, urls[0])
    assert fields["54"] == "3000000"  # today's main asked for 9 000 000
    assert pledge.reference in fields["62"]

    whole = client.get(f"/ung-ho/{pledge.reference}?muc=con-lai").get_data(as_text=True)
    assert _scan(client, _qr_urls(whole)[0])["54"] == "9000000"

    # the first instalment paid: the QR asks for the second
    record_pledge_payment(
        session, SYSTEM, pledge, amount_vnd=3_000_000, channel="bank_transfer", received_at=None,
        source="test", idempotency_key="first",
    )  # fmt: skip
    session.commit()
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    html = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert "Đợt 2" in html
    assert _scan(client, _qr_urls(html)[0])["54"] == "3000000"


def test_overdue_instalments_are_asked_together(client, session, world):  # type: ignore[no-untyped-def]
    today = today_vn()
    pledge = make_pledge(
        session,
        world,
        amount=9_000_000,
        instalments=[(today + timedelta(days=d), 3_000_000) for d in (-35, -5, 25)],
        earmark=world["province"],
        days_ago=40,  # the first two are past due
    )
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    html = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert _scan(client, _qr_urls(html)[0])["54"] == "6000000"
    assert "Các đợt 1–2 đã đến hạn: 6.000.000 ₫" in html


def test_one_qr_per_account_with_copy_buttons_and_downloads(client, session, world):  # type: ignore[no-untyped-def]
    from app.banking.models import OfficialBankAccount

    province_id = world["province"].id
    second = OfficialBankAccount(
        unit_id=province_id,
        fund_id=session.execute(select(OfficialBankAccount.fund_id)).scalars().first(),
        bank_bin="970405",
        bank_name="Agribank",
        account_number="4600201009876",
        account_name="UY BAN MTTQ TINH KHANH HOA",
        swift_code="VBAAVNVX",
    )
    session.add(second)
    session.commit()
    pledge = make_pledge(session, world, amount=5_000_000, earmark=world["province"])
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    html = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    urls = _qr_urls(html)
    assert len(urls) == 2
    scanned = {_scan(client, u)["38"] for u in urls}
    assert any("0061001234567" in s for s in scanned) and any("4600201009876" in s for s in scanned)
    for value in ("0061001234567", "4600201009876", "5000000", pledge.reference):
        assert f'data-copy="{value}"' in html
    assert "js/paying.js" in html and "<script>" not in html  # CSP: no inline script
    assert "VBAAVNVX" in html  # SWIFT for a transfer from abroad

    png = client.get(f"/ung-ho/{pledge.reference}/vietqr.png?tk={second.id}&tai=1")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "attachment" in png.headers["Content-Disposition"]
    payload = read_qr(Image.open(io.BytesIO(png.data)))[0]
    assert "4600201009876" in vietqr.parse(payload)["38"]
    svg = client.get(f"/ung-ho/{pledge.reference}/vietqr.svg?tk={second.id}&tai=1")
    assert svg.status_code == 200 and "attachment" in svg.headers["Content-Disposition"]
    # an account that is not one of the pledge's: no QR
    other = session.execute(
        select(OfficialBankAccount).where(OfficialBankAccount.bank_bin == "970418")
    ).scalar_one()
    assert client.get(f"/ung-ho/{pledge.reference}/vietqr.png?tk={other.id}").status_code == 404


def _form_page(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    html = client.get("/ung-ho").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    return csrf_from(html), key


def test_donor_abroad_with_an_international_phone_and_a_country(client, session, world):  # type: ignore[no-untyped-def]
    csrf, key = _form_page(client)
    data = household_form(
        world,
        donor_kind="individual",
        name="Nguyễn Văn Minh",
        phone="+1 415 555 2671",  # refused on today's main
        country="US",
        province_id="",
        commune_id="",  # no Vietnamese commune for a donor in California
        email="minh@example.com",
        csrf_token=csrf,
        submission_key=key,
    )
    resp = client.post("/ung-ho", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    donor = session.execute(select(Donor).where(Donor.name == "Nguyễn Văn Minh")).scalar_one()
    assert donor.phone == "+14155552671" and donor.country == "US" and donor.commune_id is None


def test_invalid_international_number_is_refused_in_vietnamese(client, session, world):  # type: ignore[no-untyped-def]
    csrf, key = _form_page(client)
    data = household_form(world, phone="+1 555 01", country="VN", csrf_token=csrf, submission_key=key)
    resp = client.post("/ung-ho", data=data)
    assert resp.status_code == 422
    assert "Số điện thoại không hợp lệ" in resp.get_data(as_text=True)


def test_four_identical_submissions_make_one_pledge_and_one_mail(client, session, world):  # type: ignore[no-untyped-def]
    mail.OUTBOX.clear()
    csrf, key = _form_page(client)
    data = household_form(world, email="ho.tam@example.vn", csrf_token=csrf, submission_key=key)
    locations = {client.post("/ung-ho", data=data).headers["Location"] for _ in range(4)}
    assert len(locations) == 1  # each repeat is sent to the same pledge
    session.expire_all()
    assert session.execute(select(func.count(Pledge.id))).scalar() == 1
    assert session.execute(select(func.count(Donor.id))).scalar() == 1
    assert len([m for m in mail.OUTBOX if "ho.tam@example.vn" in str(m["To"])]) == 1

    # a new view of the form is a new pledge
    csrf, key2 = _form_page(client)
    assert key2 != key
    client.post("/ung-ho", data=dict(data, csrf_token=csrf, submission_key=key2))
    assert session.execute(select(func.count(Pledge.id))).scalar() == 2


@pytest.mark.app_config(PAYMENT_GATEWAY="test", SESSION_COOKIE_SECURE=True, TESTING=False)
def test_card_option_hidden_when_the_gateway_is_off_and_checkout_never_404s(client, session, world):  # type: ignore[no-untyped-def]
    # PAYMENT_GATEWAY=test in a production configuration: the gateway refuses to run, so nothing offers cards
    # (today's main offered them on the form and the pledge page, and checkout answered 404).
    form = client.get("/ung-ho").get_data(as_text=True)
    assert 'value="card"' not in form
    pledge = make_pledge(session, world, amount=5_000_000, earmark=world["province"])
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    page = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert "thanh-toan-the" not in page
    token = csrf_from(form)
    resp = client.post(f"/ung-ho/{pledge.reference}/thanh-toan-the", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/ung-ho/{pledge.reference}"


@pytest.mark.app_config(PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY=None)
def test_stripe_without_its_key_offers_no_card(client, session, world):  # type: ignore[no-untyped-def]
    assert 'value="card"' not in client.get("/ung-ho").get_data(as_text=True)


def test_confirmation_mail_asks_for_the_instalment_too(app, session, world):  # type: ignore[no-untyped-def]
    from app.pledges import notify

    pledge = _plan(session, world)
    mail.OUTBOX.clear()
    assert notify.send_confirmation(session, pledge)
    body = mail.OUTBOX[-1].get_content()
    assert "Số tiền chuyển lần này: 3.000.000 ₫ (đợt 1" in body
    assert "toàn bộ số còn lại 9.000.000 ₫" in body


def test_card_checkout_charges_the_instalment_or_the_chosen_remainder(client, session, world):  # type: ignore[no-untyped-def]
    from app.payments.models import CardPayment

    pledge = _plan(session, world)
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    token = csrf_from(client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True))
    resp = client.post(f"/ung-ho/{pledge.reference}/thanh-toan-the", data={"csrf_token": token})
    assert resp.status_code == 303
    page = client.get(f"/ung-ho/{pledge.reference}?muc=con-lai").get_data(as_text=True)
    assert 'name="muc" value="con-lai"' in page
    client.post(f"/ung-ho/{pledge.reference}/thanh-toan-the", data={"csrf_token": token, "muc": "con-lai"})
    session.expire_all()
    amounts = sorted(session.execute(select(CardPayment.amount_vnd)).scalars())
    assert amounts == [3_000_000, 9_000_000]
