"""Issue 21.10 in a browser: a donor's own data page (/tai-khoan/du-lieu-ca-nhan) on a 360 px phone and a
1366 px screen: every section on screen without sideways scroll (wide tables scroll inside their own box), the
export downloads a zip, a correction is saved; axe and the keyboard check pass on each page."""

from __future__ import annotations

import io
import zipfile

from tests.e2e.conftest import LIVE, Journey, login

PASSWORD = "Du-lieu-ca-nhan-2026"  # noqa: S105 - a test account's password


def _donor_with_gifts(viewport: str) -> str:
    """A fresh user of a demo household donor that has contributions (a household, not the business other journeys use)."""
    from sqlalchemy import func, select

    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.contributions.models import Contribution
    from app.core.actor import Actor
    from app.donors.models import Donor, DonorKind
    from app.extensions import db

    email = f"dulieu.{viewport}@hogiadinh.example.vn"
    with LIVE["app"].app_context():
        donor_id = db.session.execute(
            select(Donor.id)
            .join(Contribution, Contribution.donor_id == Donor.id)
            .where(Donor.kind == DonorKind.HOUSEHOLD)
            .group_by(Donor.id)
            .order_by(func.count().desc(), Donor.id)
            .limit(1)
        ).scalar_one()
        create_user(
            db.session,
            Actor.system("test"),
            email=email,
            full_name="Trần Thị Mai",
            password=PASSWORD,
            role=Role.DONOR,
            donor_id=donor_id,
        )
        db.session.commit()
        db.session.remove()
    return email


def test_a_donor_sees_exports_and_corrects_their_data_on_a_phone(journey: Journey, viewport: str):
    page = journey.page
    login(journey, _donor_with_gifts(viewport), PASSWORD)
    journey.goto("/tai-khoan/du-lieu-ca-nhan")
    for section in ("#tai-ve", "#ho-so", "#contributions", "#dong-y", "#sua"):
        assert page.locator(section).is_visible(), section
    assert page.locator("#contributions tbody tr").count() >= 1

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải dữ liệu (JSON và CSV, tệp zip)").click()
    data = open(info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.endswith(".json") for n in z.namelist())

    form = page.locator("#sua")
    form.get_by_label("Số điện thoại").fill("0912 345 678")
    form.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state("domcontentloaded")
    journey.check("saved")
    assert (
        "0912 345 678" in page.locator("#ho-so").inner_text()
        or "0912345678" in page.locator("#ho-so").inner_text()
    )
    journey.assert_accessible()
