"""Staff lists of communes adopted by businesses and of monthly gifts (issue 19 item 5): own area only, a search,
pages; another province sees none of them."""

from __future__ import annotations

from app.accounts.models import Role
from app.adoptions import services as adoptions
from app.core.db import utcnow
from app.donors.models import DonorKind
from app.recurring import services as recurring
from tests.conftest import login
from tests.factories import KHANH_SON, PASSWORD, SYSTEM, hanoi, make_donor, make_user, unit


def _gifts(session, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        donor = make_donor(session, f"Người Góp Tháng {i:03d}", kind=DonorKind.INDIVIDUAL)
        recurring.start(session, SYSTEM, donor, monthly_vnd=200_000 + i * 1_000, day=5)
    session.commit()


def test_monthly_gifts_list_with_search_and_pages(app, client, session, kh_setup, province_staff):  # type: ignore[no-untyped-def]
    _gifts(session, 52)
    login(client, province_staff.email, PASSWORD)
    page1 = client.get("/can-bo/ung-ho-hang-thang").get_data(as_text=True)
    assert "52 khoản ủng hộ hằng tháng." in page1
    assert "Người Góp Tháng 051" in page1 and "251.000 ₫" in page1 and "Đang ủng hộ" in page1
    assert "Người Góp Tháng 000" not in page1  # the oldest is on page 2
    assert "Người Góp Tháng 000" in client.get("/can-bo/ung-ho-hang-thang?page=2").get_data(as_text=True)
    found = client.get("/can-bo/ung-ho-hang-thang?q=nguoi gop thang 007").get_data(as_text=True)
    assert "1 khoản ủng hộ hằng tháng." in found and "207.000 ₫" in found

    other = make_user(session, Role.PROVINCE_STAFF, hanoi(session))
    session.commit()
    client = app.test_client()
    login(client, other.email, PASSWORD)
    html = client.get("/can-bo/ung-ho-hang-thang").get_data(as_text=True)
    assert "0 khoản ủng hộ hằng tháng." in html and "Người Góp Tháng" not in html


def test_adopted_communes_list_for_their_province_only(app, client, session, kh_setup, province_staff):  # type: ignore[no-untyped-def]
    donor = make_donor(session, "Công ty CP Yến Sào Khánh Hòa", tax_code="4200239415")
    donor.verified_at = utcnow()
    khanh_son = unit(session, KHANH_SON)
    adoptions.adopt(session, SYSTEM, donor, commune_id=khanh_son.id, years=3, yearly_vnd=100_000_000)
    session.commit()
    login(client, province_staff.email, PASSWORD)
    html = client.get("/can-bo/do-dau").get_data(as_text=True)
    assert "1 xã được đỡ đầu." in html and "Công ty CP Yến Sào Khánh Hòa" in html and "100.000.000 ₫" in html
    assert "Công ty CP Yến Sào" in client.get("/can-bo/do-dau?q=khanh son").get_data(as_text=True)
    assert "0 xã được đỡ đầu." in client.get("/can-bo/do-dau?q=ha noi").get_data(as_text=True)

    other = make_user(session, Role.PROVINCE_STAFF, hanoi(session))
    session.commit()
    client = app.test_client()
    login(client, other.email, PASSWORD)
    html = client.get("/can-bo/do-dau").get_data(as_text=True)
    assert "0 xã được đỡ đầu." in html and "Yến Sào" not in html
