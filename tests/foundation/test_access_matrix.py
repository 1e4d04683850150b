"""Staff roles × areas: nobody reads or changes another area's records, by URL or by form."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.units.models import Hamlet
from tests.conftest import csrf_from, login
from tests.factories import CAM_LAM, KHANH_SON, SYSTEM, make_campaign, make_user, province, receive

# (role, where the user sits) -> may they see/change Khánh Sơn's records?
MATRIX = [
    (Role.COMMUNE_STAFF, "khanh_son", True),
    (Role.COMMUNE_STAFF, "cam_lam", False),
    (Role.PROVINCE_STAFF, "khanh_hoa", True),
    (Role.PROVINCE_STAFF, "other_province", False),
    (Role.APPROVER, "khanh_hoa", True),
    (Role.APPROVER, "other_province", False),
    (Role.CENTRAL_ADMIN, None, True),
]


@pytest.fixture
def places(session):
    from app.units.services import import_units
    from tests.factories import unit as unit_of

    import_units(session, [1])  # Hà Nội, a second province
    session.commit()
    return {
        "khanh_son": unit_of(session, KHANH_SON),
        "cam_lam": unit_of(session, CAM_LAM),
        "khanh_hoa": province(session),
        "other_province": province(session, 1),
    }


@pytest.mark.parametrize("role,where,allowed", MATRIX)
def test_commune_pages_by_url_and_by_form(client, session, places, role, where, allowed):
    user = make_user(session, role, places[where] if where else None)
    login(client, user.email)
    target = places["khanh_son"]
    resp = client.get(f"/can-bo/dia-ban/xa/{target.id}")
    assert resp.status_code == (200 if allowed else 404)
    if allowed:
        assert "Xã Khánh Sơn" in resp.get_data(as_text=True)
    # By form: post a hamlet into Khánh Sơn with a valid token taken from a page the user may see.
    token = csrf_from(client.get("/can-bo").get_data(as_text=True))
    resp = client.post(
        f"/can-bo/dia-ban/xa/{target.id}", data={"csrf_token": token, "name": "Thôn Mới", "kind": "thôn"}
    )
    assert resp.status_code == (302 if allowed else 404)
    created = session.query(Hamlet).filter_by(commune_id=target.id, name="Thôn Mới").count()
    assert created == (1 if allowed else 0)


@pytest.mark.parametrize("role,where,allowed", MATRIX)
def test_ledger_pages_show_only_the_area(client, session, places, role, where, allowed):
    campaign = make_campaign(session, places["khanh_hoa"])
    receive(session, campaign, 123_456_000, receiving=places["khanh_son"], purpose=Purpose.HOUSING)
    user = make_user(session, role, places[where] if where else None)
    login(client, user.email)
    page = client.get("/can-bo/so-quy/").get_data(as_text=True)
    assert ("123.456.000" in page) == allowed
    desk = client.get("/can-bo").get_data(as_text=True)
    assert ("123.456.000" in desk) == allowed


@pytest.mark.parametrize(
    "role,where,allowed",
    [
        (Role.APPROVER, "khanh_hoa", True),
        (Role.APPROVER, "other_province", False),
        (Role.COMMUNE_STAFF, "khanh_son", False),
        (Role.PROVINCE_STAFF, "khanh_hoa", False),
    ],
)
def test_only_approvers_of_the_area_may_reverse_a_posting(client, session, places, role, where, allowed):
    campaign = make_campaign(session, places["khanh_hoa"])
    c = receive(session, campaign, 5_000_000, receiving=places["khanh_son"])
    user = make_user(session, role, places[where])
    login(client, user.email)
    token = csrf_from(client.get("/can-bo").get_data(as_text=True))
    resp = client.post(
        f"/can-bo/so-quy/but-toan/{c.ledger_transaction_id}/dao",
        data={"csrf_token": token, "reason": "Ghi nhầm"},
    )
    if allowed:
        assert resp.status_code == 302
    else:
        assert resp.status_code in (403, 404)
    assert ledger.is_reversed(session, c.ledger_transaction_id) == allowed


def test_donors_and_anonymous_visitors_get_no_staff_page(client, session, places):
    from tests.factories import make_donor

    donor = make_donor(session)
    user = make_user(session, Role.DONOR, donor=donor)
    assert client.get("/can-bo/so-quy/").status_code == 302  # anonymous: to the login page
    login(client, user.email)
    for url in (
        "/can-bo",
        "/can-bo/so-quy/",
        f"/can-bo/dia-ban/xa/{places['khanh_son'].id}",
        "/can-bo/nhat-ky/",
    ):
        assert client.get(url).status_code == 403, url
    assert SYSTEM.user_id is None
