"""Issue 19.8: the donor dashboard itself shows the donor's certificates, houses helped, receipts and yearly
statements, each linking to its page (which opens), and never another donor's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.certificates.models import Certificate
from app.contributions.models import Contribution
from app.donors.models import Donor
from app.needs import tracing
from app.needs.models import HouseholdNeed
from tests import factories as f
from tests.conftest import login

DASHBOARD = "/tai-khoan/tong-quan"


@pytest.fixture
def demo(app, session):  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    return session


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def _links(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in re.findall(r'href="(/[^"]*)"', html)]


def _yen_sao(session) -> Donor:  # type: ignore[no-untyped-def]
    return session.execute(select(Donor).where(Donor.name.like("%Yến Sào%"))).scalar_one()


def test_the_dashboard_lists_each_certificate_house_receipt_and_statement_with_a_link_that_opens(app, demo):
    donor = _yen_sao(demo)
    certs = demo.execute(select(Certificate).where(Certificate.donor_id == donor.id)).scalars().all()
    receipts = demo.execute(select(Contribution).where(Contribution.donor_id == donor.id)).scalars().all()
    houses = tracing.houses_funded_by_donor(demo, donor.id)
    assert certs and receipts and houses  # the demo gave Yến Sào all four kinds

    client = app.test_client()
    login(client, "ketoan@yensao.example.vn", "ChungTay@2026")
    html = client.get(DASHBOARD).get_data(as_text=True)

    section = _section(html, "chung-nhan")
    for c in certs:
        assert c.serial in section
        pdf = client.get(f"/giay-chung-nhan/{c.id}.pdf")
        assert f"/giay-chung-nhan/{c.id}.pdf" in _links(section)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    verify_links = [u for u in _links(section) if u.startswith("/xac-minh/")]
    assert len(verify_links) == len([c for c in certs if c.code])
    for url in verify_links:
        page = client.get(url)
        assert page.status_code == 200
        assert any(c.serial in page.get_data(as_text=True) for c in certs)

    section = _section(html, "cong-trinh")
    assert section.count('class="house-card"') == len(houses)
    house_links = [u for u in _links(section) if u.startswith("/cong-khai/nha/")]
    assert sorted(house_links) == sorted(f"/cong-khai/nha/{h.need_id}" for h in houses)
    for url in house_links:
        assert client.get(url).status_code == 200
    # No beneficiary's personal data: initials only, as on the public house pages.
    for need in demo.execute(
        select(HouseholdNeed).where(HouseholdNeed.id.in_([h.need_id for h in houses]))
    ).scalars():
        assert need.head_name not in html
        assert f"Hộ {need.head_initials}" in section

    section = _section(html, "khoan-nop")
    for c in receipts:
        assert f"/tai-khoan/bien-nhan/{c.id}" in _links(section)
        page = client.get(f"/tai-khoan/bien-nhan/{c.id}")
        assert page.status_code == 200 and c.receipt_no in page.get_data(as_text=True)

    section = _section(html, "sao-ke")
    years = {c.received_on.year for c in receipts}
    for year in years:
        assert f"/tai-khoan/sao-ke/{year}.pdf" in _links(section)
        pdf = client.get(f"/tai-khoan/sao-ke/{year}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_donor_sees_none_of_them(app, demo):
    yen_sao = _yen_sao(demo)
    certs = demo.execute(select(Certificate).where(Certificate.donor_id == yen_sao.id)).scalars().all()
    receipts = demo.execute(select(Contribution).where(Contribution.donor_id == yen_sao.id)).scalars().all()
    houses = tracing.houses_funded_by_donor(demo, yen_sao.id)
    other = f.make_donor(demo, "Công ty TNHH Hạt Điều Bình Phước", tax_code="3800123456")
    user = f.make_user(demo, Role.DONOR, donor=other)

    client = app.test_client()
    login(client, user.email)
    html = client.get(DASHBOARD).get_data(as_text=True)
    assert "Chưa có thư cảm ơn hay giấy khen nào." in _section(html, "chung-nhan")
    assert "chưa được phân bổ cho căn nhà nào" in _section(html, "cong-trinh")
    assert "Chưa ghi nhận khoản nộp nào." in _section(html, "khoan-nop")
    assert "Chưa có khoản nộp để lập sao kê." in _section(html, "sao-ke")
    for c in certs:
        assert c.serial not in html
        assert client.get(f"/giay-chung-nhan/{c.id}.pdf").status_code == 404
    for c in receipts:
        assert c.receipt_no not in html
        assert client.get(f"/tai-khoan/bien-nhan/{c.id}").status_code == 404
    for h in houses:
        assert f"/cong-khai/nha/{h.need_id}" not in html
