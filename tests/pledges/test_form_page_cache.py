"""The public pledge form is kept in memory between visitors: what each visitor must still see as their own
(their CSRF token, their messages) and what must show at once when staff change campaigns or units."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Role
from app.campaigns.models import CampaignStatus
from app.campaigns.services import set_status
from app.pledges.models import Pledge
from app.units.models import AdminUnit
from tests import factories as f
from tests.conftest import csrf_from, login, post_form
from tests.pledges.helpers import SYSTEM, household_form


def submission_key(page: str) -> str:
    m = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert m, "the form carries no idempotency key"
    return m.group(1)


def test_each_visitor_gets_their_own_token_and_both_can_pledge(app, session, world):  # type: ignore[no-untyped-def]
    first, second = app.test_client(), app.test_client()
    page_one = first.get("/ung-ho").get_data(as_text=True)
    page_two = second.get("/ung-ho").get_data(as_text=True)
    token_one, token_two = csrf_from(page_one), csrf_from(page_two)
    assert token_one != token_two
    key_one, key_two = submission_key(page_one), submission_key(page_two)
    assert key_one != key_two  # each view of the page its own idempotency key (issue 19.4)
    assert page_one.replace(token_one, "").replace(key_one, "") == page_two.replace(token_two, "").replace(
        key_two, ""
    )
    assert world["campaign"].name in page_one and "Xã Khánh Sơn" in page_one

    # A token only works in the session it was given to.
    stolen = second.post("/ung-ho", data={**household_form(world), "csrf_token": token_one})
    assert stolen.status_code == 400
    for client, token in ((first, token_one), (second, token_two)):
        resp = client.post("/ung-ho", data={**household_form(world), "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    session.expire_all()
    assert len(session.execute(select(Pledge)).scalars().all()) == 2


def test_thank_you_message_shows_once_on_the_form(client, world):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", household_form(world))
    assert resp.status_code == 302
    # A donor who comes back to the form without opening the confirmation still sees the message, once.
    assert "Đăng ký ủng hộ đã được ghi nhận" in client.get("/ung-ho").get_data(as_text=True)
    assert "Đăng ký ủng hộ đã được ghi nhận" not in client.get("/ung-ho").get_data(as_text=True)


def test_closing_the_campaign_shows_at_once(client, session, world):  # type: ignore[no-untyped-def]
    assert world["campaign"].name in client.get("/ung-ho").get_data(as_text=True)
    set_status(session, SYSTEM, world["campaign"], CampaignStatus.CLOSED)
    session.commit()
    html = client.get("/ung-ho").get_data(as_text=True)
    assert "Hiện chưa có cuộc vận động nào đang diễn ra." in html
    assert world["campaign"].name not in html

    replacement = f.make_campaign(session, world["province"])
    assert replacement.name in client.get("/ung-ho").get_data(as_text=True)


def test_renamed_commune_shows_at_once(client, session, world):  # type: ignore[no-untyped-def]
    assert "Xã Khánh Sơn" in client.get("/ung-ho").get_data(as_text=True)
    commune = session.get(AdminUnit, world["khanh_son"].id)
    commune.name = "Xã Khánh Sơn Mới"
    session.commit()
    try:
        assert "Xã Khánh Sơn Mới" in client.get("/ung-ho").get_data(as_text=True)
    finally:  # units are reference data: on PostgreSQL they outlive the test
        commune.name = "Xã Khánh Sơn"
        session.commit()


def test_signed_in_donor_gets_their_own_page(client, session, world):  # type: ignore[no-untyped-def]
    client.get("/ung-ho")  # the anonymous page is in memory
    donor = f.make_donor(session, "Công ty TNHH Gạo Ngon", tax_code="0300588569")
    f.make_user(session, Role.DONOR, email="gao@example.vn", donor=donor)
    login(client, "gao@example.vn")
    html = client.get("/ung-ho").get_data(as_text=True)
    assert 'value="Công ty TNHH Gạo Ngon"' in html


def test_without_javascript_the_communes_follow_the_chosen_province(client, world):  # type: ignore[no-untyped-def]
    """No script: the donor picks another province and sends; the form comes back with that province's
    communes to choose from (nothing saved yet)."""
    province = world["province"]
    resp = post_form(client, "/ung-ho", household_form(world, commune_id=""))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Xã/phường: chưa chọn." in html
    assert f'<option value="{province.id}" selected>' in html and "Xã Khánh Sơn" in html
