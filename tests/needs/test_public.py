"""Public, anonymised house cards on the demo data: initials, hamlet, commune, stage, amounts and funders' public
names — never a full name, citizen ID, phone, exact address, ethnicity or health data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.needs.demo import DEMO_HEAD_NAMES, DEMO_IDENTIFIERS
from app.needs.funding import PUBLIC_STATUSES
from app.needs.models import HouseholdNeed, NeedPhoto, NeedStatus
from app.needs.tracing import houses_funded_by_donor
from tests.conftest import login

SENSITIVE_WORDS = [
    "dân tộc thiểu số</",
    "Hộ đồng bào dân tộc thiểu số",
    "khuyết tật",
    "Người cao tuổi sống một mình",
    "Hiện trạng",
    "Nhà tạm vách tre",
]


@pytest.fixture
def demo(app, session):
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    return session


def _public_pages(client, session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    pages = {}
    for url in ("/cong-khai/nha", "/cong-khai/nha?page=2", "/cong-khai/tieu-chi-uu-tien", "/"):
        pages[url] = client.get(url).get_data(as_text=True)
    for need in session.execute(select(HouseholdNeed)).scalars():
        resp = client.get(f"/cong-khai/nha/{need.id}")
        if need.status in PUBLIC_STATUSES:
            assert resp.status_code == 200
            pages[f"/cong-khai/nha/{need.id}"] = resp.get_data(as_text=True)
        else:
            assert resp.status_code == 404, need.status
    return pages


def test_public_house_pages_hold_no_personal_data(app, demo):
    session = demo
    pages = _public_pages(app.test_client(), session)
    assert len(pages) > 8
    published = session.execute(select(NeedPhoto).where(NeedPhoto.publishable)).scalars().all()
    hidden = session.execute(select(NeedPhoto).where(~NeedPhoto.publishable)).scalars().all()
    assert published and hidden  # the demo has both kinds
    client = app.test_client()
    assert all(client.get(f"/cong-khai/nha/anh/{p.id}").status_code == 200 for p in published)
    assert all(client.get(f"/cong-khai/nha/anh/{p.id}").status_code == 404 for p in hidden)
    for url, html in pages.items():
        for secret in DEMO_IDENTIFIERS + DEMO_HEAD_NAMES:
            assert secret not in html, f"{secret!r} on {url}"
        digits = re.sub(r"\D", "", html)
        for cid in [s for s in DEMO_IDENTIFIERS if s.isdigit()]:
            assert cid not in digits, f"{cid} (digits) on {url}"
        for photo_id in re.findall(r"/(?:cong-khai/nha|can-bo/nhu-cau)/anh/(\d+)", html):
            assert session.get(NeedPhoto, int(photo_id)).publishable, f"unpublished photo {photo_id} on {url}"
        if url.startswith("/cong-khai/nha/"):
            for word in SENSITIVE_WORDS:
                assert word not in html, f"{word!r} on {url}"


def test_public_cards_show_initials_stage_amount_and_funders(app, demo):
    session = demo
    handed = (
        session.execute(
            select(HouseholdNeed)
            .where(HouseholdNeed.status == NeedStatus.HANDED_OVER)
            .order_by(HouseholdNeed.id)
        )
        .scalars()
        .first()
    )
    html = app.test_client().get(f"/cong-khai/nha/{handed.id}").get_data(as_text=True)
    assert f"Hộ {handed.head_initials}" in html and handed.commune.name in html and handed.hamlet.name in html
    assert "Đã bàn giao" in html and "60.000.000 ₫" in html
    # The Khánh Sơn houses were paid from the money Vietcombank earmarked for Khánh Sơn.
    assert "Ngân hàng TMCP Ngoại thương – Chi nhánh Nha Trang" in html
    listing = app.test_client().get("/cong-khai/nha").get_data(as_text=True)
    assert f"Hộ {handed.head_initials}" in listing


def test_demo_covers_every_stage_and_a_late_house(app, demo):
    session = demo
    statuses = {n.status for n in session.execute(select(HouseholdNeed)).scalars()}
    assert statuses == set(NeedStatus)
    assert session.query(HouseholdNeed).count() == 25
    client = app.test_client()
    login(client, "tinh@khanhhoa.chungtay.vn", "ChungTay@2026")
    page = client.get("/can-bo/nhu-cau?late=1").get_data(as_text=True)
    assert "Chậm tiến độ" in page and "Bo Bo Văn Thắng" in page


def test_demo_donor_dashboard_data(app, demo):
    from app.donors.models import Donor

    session = demo
    vcb = session.execute(select(Donor).where(Donor.name.like("Ngân hàng TMCP Ngoại thương%"))).scalar_one()
    houses = houses_funded_by_donor(session, vcb.id)
    # Vietcombank's 300 M earmarked for Khánh Sơn housing paid 150 M of houses there, shared pro rata with
    # whatever else other demos put into the same pool.
    from sqlalchemy import func

    from app.contributions.models import Contribution
    from app.ledger.models import Purpose
    from app.units.models import AdminUnit

    khanh_son = session.execute(select(AdminUnit.id).where(AdminUnit.code == 22714)).scalar_one()
    from app.contributions.models import Channel, ContributionStatus

    # Money only: gifts in kind (the demo's cement and roofing sheets for Khánh Sơn's store) pay no house.
    pool = session.execute(
        select(func.sum(Contribution.amount_vnd)).where(
            Contribution.pool_unit_id == khanh_son,
            Contribution.purpose == Purpose.HOUSING,
            Contribution.status == ContributionStatus.RECORDED,
            Contribution.channel != Channel.IN_KIND,
        )
    ).scalar_one()
    share = 300_000_000 / int(pool)
    assert len(houses) == 3
    assert abs(sum(h.amount_vnd for h in houses) - 150_000_000 * share) <= 3  # rounding per house


def test_donor_page_lists_their_houses_and_only_theirs(app, demo):
    client = app.test_client()
    login(client, "ketoan@yensao.example.vn", "ChungTay@2026")  # Yến Sào: the province's housing pool
    page = client.get("/tai-khoan/nha-da-ho-tro").get_data(as_text=True)
    funded = [n for n in demo.execute(select(HouseholdNeed)).scalars() if n.status in PUBLIC_STATUSES]
    from_province = [n for n in funded if n.commune.code != 22714]  # Khánh Sơn's were paid from its own pool
    assert page.count('class="house-card"') == len(from_province) == 6
    assert "Tổng cộng: <strong>300.000.000 ₫</strong>" in page  # Yến Sào gave all of that pool
    for secret in DEMO_IDENTIFIERS + DEMO_HEAD_NAMES:
        assert secret not in page
    staff = app.test_client()
    login(staff, "tinh@khanhhoa.chungtay.vn", "ChungTay@2026")
    assert staff.get("/tai-khoan/nha-da-ho-tro").status_code == 403
