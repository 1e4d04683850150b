"""The pledge form offers SMS only when SMS can really be sent (a configured backend): otherwise a donor who
picks it would hear nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.notifications.models import ChannelChoice
from app.pledges.models import Pledge
from tests.conftest import post_form
from tests.pledges.helpers import household_form


def _offered(client) -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get("/ung-ho").get_data(as_text=True)
    return [
        v
        for v in ("auto", "email", "sms", "both", "none")
        if f'name="notify_by" type="radio" value="{v}"' in html
    ]


@pytest.mark.parametrize(
    "config",
    [
        {"SMS_BACKEND": "disabled"},
        {"SMS_BACKEND": "esms", "ESMS_API_KEY": "", "ESMS_SECRET_KEY": "", "ESMS_BRANDNAME": ""},
    ],
    ids=["disabled", "esms-without-keys"],
)
def test_without_an_sms_backend_the_form_offers_no_sms(app, client, session, world, config):  # type: ignore[no-untyped-def]
    app.config.update(config)
    html = client.get("/ung-ho").get_data(as_text=True)
    assert "Tin nhắn SMS" not in html
    assert _offered(client) == ["auto", "none"]
    # A page sent with the SMS choice anyway (an old page, a crafted request) is refused, not silently dropped.
    resp = post_form(client, "/ung-ho", household_form(world, email="ho.tam@example.vn", notify_by="sms"))
    assert resp.status_code == 422
    assert session.execute(select(Pledge)).first() is None
    # The e-mail choice still works.
    resp = post_form(client, "/ung-ho", household_form(world, email="ho.tam@example.vn", notify_by="auto"))
    assert resp.status_code == 302
    assert session.execute(select(ChannelChoice)).first() is None


def test_with_a_configured_sms_backend_the_form_offers_it(client, world, fake_esms):  # type: ignore[no-untyped-def]
    assert _offered(client) == ["auto", "email", "sms", "both", "none"]
    assert "Tin nhắn SMS" in client.get("/ung-ho").get_data(as_text=True)
