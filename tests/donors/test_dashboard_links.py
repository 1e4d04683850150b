"""Reproduction 5 (issue 15): the donor dashboard linked to endpoints that did not exist (certificates, houses), and a
helper that swallowed missing endpoints hid it: the donor read "nothing yet" while the pages existed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.donors.models import Donor
from tests.conftest import login


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
    return re.findall(r'href="(/[^"]*)"', html)


def test_dashboard_links_to_the_donors_certificates_and_houses(app, demo):
    client = app.test_client()
    login(client, "ketoan@yensao.example.vn", "ChungTay@2026")
    dashboard = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    yen_sao = demo.execute(select(Donor).where(Donor.name.like("%Yến Sào%"))).scalar_one()
    serials = (
        demo.execute(select(Certificate.serial).where(Certificate.donor_id == yen_sao.id)).scalars().all()
    )
    assert serials  # the demo thanked Yến Sào for its gift

    certificates = [u for u in _links(_section(dashboard, "chung-nhan")) if u.endswith("/giay-chung-nhan")]
    assert len(certificates) == 1
    page = client.get(certificates[0])
    assert page.status_code == 200
    assert all(serial in page.get_data(as_text=True) for serial in serials)

    [houses] = [u for u in _links(_section(dashboard, "cong-trinh")) if u.endswith("/nha-da-ho-tro")]
    page = client.get(houses)
    assert page.status_code == 200
    assert (
        page.get_data(as_text=True).count('class="house-card"') == 6
    )  # the province pool's houses it paid for
