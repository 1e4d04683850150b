"""Request-wide input guards: NUL characters (PostgreSQL cannot store them) are refused with a message."""

from __future__ import annotations

from app.accounts.models import Role
from app.units.models import Hamlet
from tests.conftest import login, post_form
from tests.factories import KHANH_SON, make_user, unit


def test_a_nul_character_in_a_form_gets_a_400_with_a_message_and_saves_nothing(client, session):
    ks = unit(session, KHANH_SON)
    make_user(session, Role.COMMUNE_STAFF, ks, email="nul@test.vn")
    login(client, "nul@test.vn")
    resp = post_form(client, f"/can-bo/dia-ban/xa/{ks.id}", {"name": "Thôn\x00Mới", "kind": "thôn"})
    assert resp.status_code == 400
    assert "ký tự không hợp lệ" in resp.get_data(as_text=True)
    assert session.query(Hamlet).filter(Hamlet.name.like("Thôn%Mới")).count() == 0


def test_a_nul_character_in_the_query_string_is_refused(client):
    resp = client.get("/?lang=e\x00n")
    assert resp.status_code == 400


def test_a_nul_character_in_the_path_is_refused(client):
    assert client.get("/dat-lai-mat-khau/abc%00def").status_code == 400
