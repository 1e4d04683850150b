"""Issue 16, item 3: what an English reader sees has no Vietnamese left except data (names, places, campaign names):
a staff page, a service's refusal with values in it, and a PDF (the donor's yearly statement, the one PDF a donor
downloads in his language; certificates and the Front's reports are Vietnamese by design, docs/CONVENTIONS.md)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Role
from app.contributions.models import Channel
from app.core.actor import Actor
from app.needs import registry
from app.units.models import AdminUnit
from tests import factories as f
from tests.certificates.conftest import pdf_text
from tests.conftest import login, post_form
from tests.i18n.test_public_pages import VIETNAMESE_LETTERS
from tests.needs.conftest import need_input


def visible_text(html: str) -> list[str]:
    """The page's text and the attributes a person reads (title, aria-label, placeholder, alt), piece by piece."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'\s(?:title|aria-label|placeholder|alt)="([^"]*)"', r">\1<", html)
    return [t.strip() for t in re.split(r"<[^>]+>", html) if t.strip()]


def without(text: str, data: list[str]) -> str:
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def test_an_english_staff_page_shows_no_vietnamese_but_data(app, session):
    province = f.province(session)
    commune = f.unit(session, f.KHANH_SON)
    campaign = f.make_campaign(session, province)
    staff = f.make_user(session, Role.COMMUNE_STAFF, commune)
    registry.create_need(
        session,
        Actor(user_id=staff.id, label=staff.email),
        campaign,
        need_input(commune, head_name="Mấu Văn Thử"),
    )
    session.commit()
    en = app.test_client()
    en.get("/?lang=en")
    login(en, staff.email)
    data = [
        staff.full_name,
        campaign.name,
        "Mấu Văn Thử",
        "Tiếng Việt",  # the link back to Vietnamese names the language in its own words
        "(đồng)",  # the currency's name, in English too ("Estimated cost (đồng)")
        *session.execute(select(AdminUnit.name)).scalars(),
        *(u.full_name for u in session.execute(select(AdminUnit)).scalars()),
    ]
    for url in ("/can-bo/nhu-cau", "/can-bo/dang-ky-ung-ho", "/can-bo/nhu-cau/them"):
        resp = en.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert 'lang="en"' in html
        left = [t for t in visible_text(html) if VIETNAMESE_LETTERS.search(without(t, data))]
        assert left == [], (url, left)
    assert "Commune Front staff" in en.get("/can-bo/nhu-cau").get_data(as_text=True)  # the role in the header


def test_a_refusal_with_values_is_english_for_an_english_reader(app, session):
    """A service raises N_("Đợt %(n)s: …", n=…) outside any request; the page shows it in the reader's language,
    the values (the instalment number, a date) put into the English sentence."""
    f.make_campaign(session, f.province(session))
    data = {
        "donor_kind": "individual",
        "name": "Trần Thị Mai",
        "kind": "money",
        "purpose": "housing",
        "earmark": "anywhere",
        "amount": "20.000.000",
        "schedule": "instalments",
        "instalment_count": "2",
        "payment_method": "bank_transfer",
        "display": "full_name",
        "instalments-0-amount": "10.000.000",
        "instalments-0-due_on": "01/01/2020",
        "instalments-1-amount": "10.000.000",
        "instalments-1-due_on": "01/01/2099",
    }
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    vi_html = post_form(vi, "/ung-ho", data).get_data(as_text=True)
    en_html = post_form(en, "/ung-ho", data).get_data(as_text=True)
    assert "Đợt 1: ngày nộp 01/01/2020 đã qua." in vi_html
    assert "Instalment 1: the due date 01/01/2020 has passed." in en_html
    assert "đã qua" not in en_html


def test_the_donor_statement_pdf_is_in_the_donors_language(app, session):
    from app.core.i18n import today_vn

    province = f.province(session)
    campaign = f.make_campaign(session, province)
    donor = f.make_donor(session, "Công ty Cổ phần Yến Sào Khánh Hòa", tax_code="4200239380")
    f.receive(session, campaign, 50_000_000, receiving=province, donor=donor, channel=Channel.BANK_TRANSFER)
    f.make_user(session, Role.DONOR, email="ketoan@yensao.example.vn", donor=donor)
    year = today_vn().year
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    login(vi, "ketoan@yensao.example.vn")
    login(en, "ketoan@yensao.example.vn")

    vi_text = pdf_text(vi.get(f"/tai-khoan/sao-ke/{year}.pdf").data)
    assert f"SAO KÊ CÁC KHOẢN ĐÓNG GÓP NĂM {year}" in vi_text and "Tổng cộng" in vi_text

    resp = en.get(f"/tai-khoan/sao-ke/{year}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    for english in (
        f"STATEMENT OF CONTRIBUTIONS FOR {year}",
        "Donor: Công ty Cổ phần Yến Sào Khánh Hòa",  # the name is data
        "Tax code: 4200239380",
        "Receipt number",
        "Bank transfer",
        "Unrestricted",
        "Total",
        "50.000.000 ₫",  # amounts and dates are not localised
    ):
        assert english in text, english
    data = [donor.name, province.full_name, province.name]
    left = [line for line in text.splitlines() if VIETNAMESE_LETTERS.search(without(line, data))]
    assert left == []


def test_a_refusal_raised_outside_a_request_is_vietnamese_until_shown(app):
    """N_() with values: str(exc) is the Vietnamese sentence (logs, a task, a CLI), message_for() translates it and
    the status label inside it for the reader; the message survives pickling (Celery) and re-raising."""
    import pickle

    from flask_babel import refresh

    from app.core.messages import N_, Message
    from app.core.transaction import message_for
    from app.needs.models import NEED_STATUS_LABELS, NeedStatus
    from app.needs.registry import NeedError

    exc = NeedError(
        N_("Không thể từ chối hộ đang “%(status)s”.", status=NEED_STATUS_LABELS[NeedStatus.APPROVED])
    )
    assert str(exc) == "Không thể từ chối hộ đang “Tỉnh đã duyệt”."
    again = NeedError(*pickle.loads(pickle.dumps(exc)).args)
    assert isinstance(again.args[0], Message)
    with app.test_request_context("/?lang=en"):
        refresh()  # the test's app context outlives each request context: forget the locale chosen before
        assert message_for(again) == "A household that is “Approved by the province” cannot be refused."
    with app.test_request_context("/"):
        refresh()
        assert message_for(again) == "Không thể từ chối hộ đang “Tỉnh đã duyệt”."
    with app.app_context():  # a task: no reader, Vietnamese
        refresh()
        assert message_for(again) == str(exc)
