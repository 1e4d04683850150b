"""Too-long entries on the foundation forms (hamlets, campaigns, log-in) are refused in Vietnamese, naming the
field; nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.campaigns.models import Campaign
from app.units.models import Hamlet
from tests.conftest import login, post_form
from tests.factories import KHANH_SON, make_user, province, unit


def test_hamlet_name_too_long_named_in_vietnamese(client, session):  # type: ignore[no-untyped-def]
    ks = unit(session, KHANH_SON)
    login(client, make_user(session, Role.COMMUNE_STAFF, ks).email)
    resp = post_form(client, f"/can-bo/dia-ban/xa/{ks.id}", {"name": "Thôn Tà Lương " * 10, "kind": "thôn"})
    html = resp.get_data(as_text=True)
    assert "Tên thôn / tổ dân phố: tối đa 120 ký tự." in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count(Hamlet.id)).where(Hamlet.commune_id == ks.id)).scalar_one() == 0


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"name": "Ngày vì người nghèo " * 15}, "Tên cuộc vận động: tối đa 255 ký tự."),
        ({"goal": "50.000.000.000 đồng (năm mươi tỷ)"}, "Mục tiêu: tối đa 30 ký tự."),
        ({"plan_reference": "Kế hoạch số 12/KH-MTTQ " * 15}, "Kế hoạch số: tối đa 255 ký tự."),
        ({"description": "Cuộc vận động. " * 400}, "Mô tả: tối đa 5000 ký tự."),
    ],
)
def test_campaign_too_long_named_in_vietnamese(client, session, over, expected):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.PROVINCE_STAFF, province(session)).email)
    before = session.execute(select(func.count(Campaign.id))).scalar_one()
    data = {
        "name": "Ngày vì người nghèo 2027",
        "year": "2027",
        "goal": "",
        "plan_reference": "",
        "description": "",
        **over,
    }
    resp = post_form(client, "/can-bo/cuoc-van-dong/", data)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count(Campaign.id))).scalar_one() == before


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"email": "a" * 250 + "@test.vn"}, "Email: tối đa 255 ký tự."),
        ({"password": "x" * 201}, "Mật khẩu: tối đa 200 ký tự."),
    ],
)
def test_login_too_long_named_in_vietnamese(client, session, over, expected):  # type: ignore[no-untyped-def]
    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON))
    resp = post_form(client, "/dang-nhap", {"email": user.email, "password": "Matkhau-2026", **over})
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert resp.status_code != 302


def test_in_english_the_message_names_the_field_too(client, session):  # type: ignore[no-untyped-def]
    ks = unit(session, KHANH_SON)
    login(client, make_user(session, Role.COMMUNE_STAFF, ks).email)
    client.get("/?lang=en")
    resp = post_form(client, f"/can-bo/dia-ban/xa/{ks.id}", {"name": "Thôn Tà Lương " * 10, "kind": "thôn"})
    assert "Hamlet / residential group name: 120 characters at most." in resp.get_data(as_text=True)


def test_forgot_password_email_too_long_named_in_vietnamese(client, session):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/quen-mat-khau", {"email": "a" * 250 + "@test.vn"})
    html = resp.get_data(as_text=True)
    assert "Email: tối đa 255 ký tự." in html
    assert "Email quá dài." not in html
