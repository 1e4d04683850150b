"""A bad number or date on the campaign form is refused in Vietnamese naming the field (not WTForms' "Not a valid
integer value." / "Not a valid date value."); nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.campaigns.models import Campaign
from tests.conftest import login, post_form
from tests.factories import make_user, province


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"name": ""}, "Tên cuộc vận động: chưa nhập."),
        ({"year": ""}, "Năm: chưa nhập."),
        ({"year": "hai nghìn"}, "Năm: không hợp lệ (ví dụ 2026)."),
        ({"year": "1999"}, "Năm: không hợp lệ (ví dụ 2026)."),
        ({"starts_on": "31/13/2027"}, "Ngày bắt đầu: ngày không hợp lệ (ví dụ 31/12/2026)."),
        ({"ends_on": "cuối năm"}, "Ngày kết thúc: ngày không hợp lệ (ví dụ 31/12/2026)."),
    ],
)
def test_campaign_bad_value_named_in_vietnamese(client, session, over, expected):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.PROVINCE_STAFF, province(session)).email)
    before = session.execute(select(func.count(Campaign.id))).scalar_one()
    data = {
        "name": "Ngày vì người nghèo 2027",
        "year": "2027",
        "starts_on": "",
        "ends_on": "",
        "goal": "",
        "plan_reference": "",
        "description": "",
        **over,
    }
    resp = post_form(client, "/can-bo/cuoc-van-dong/", data)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    assert session.execute(select(func.count(Campaign.id))).scalar_one() == before


def test_campaign_date_typed_as_dd_mm_yyyy_is_accepted(client, session):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.PROVINCE_STAFF, province(session)).email)
    resp = post_form(
        client,
        "/can-bo/cuoc-van-dong/",
        {
            "name": "Ngày vì người nghèo 2027",
            "year": "2027",
            "starts_on": "15/10/2027",
            "ends_on": "2027-11-18",
        },
    )
    assert resp.status_code == 302
    c = session.execute(select(Campaign).where(Campaign.name == "Ngày vì người nghèo 2027")).scalar_one()
    assert (c.starts_on.isoformat(), c.ends_on.isoformat()) == ("2027-10-15", "2027-11-18")
