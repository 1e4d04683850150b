"""Card payments: Checkout Sessions through the real stripe library against a local fake of Stripe's API,
and webhooks signed exactly as Stripe signs them. Nothing of our own code is mocked."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from app.contributions.models import Channel, Contribution, ContributionStatus
from app.ledger import services as ledger
from app.payments.models import CardPayment, CardPaymentStatus, WebhookEvent
from app.pledges.models import PledgeStatus
from app.pledges.services import amount_paid
from tests.conftest import post_form
from tests.payments.conftest import (
    charge_obj,
    contributions_of,
    event,
    make_pledge,
    post_event,
    session_obj,
    sign,
)


def received(session, campaign) -> int:  # type: ignore[no-untyped-def]
    return ledger.totals(session, campaign.fund_id).received_vnd


def checkout(client, pledge):  # type: ignore[no-untyped-def]
    html = f'<input name="csrf_token" type="hidden" value="{_token(client)}">'
    return client.post(f"/ung-ho/{pledge.reference}/thanh-toan-the", data={"csrf_token": _csrf(html)})


def _token(client) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from

    return csrf_from(client.get("/dang-nhap").get_data(as_text=True))


def _csrf(html: str) -> str:
    return html.split('value="')[1].split('"')[0]


def test_card_checkout_creates_a_vnd_session_with_idempotency_key_and_redirects_303(
    client, session, stripe_app, fake_stripe, kh_setup
):
    pledge = make_pledge(
        session,
        kh_setup["campaign"],
        50_000_000,
        receiving=kh_setup["province"],
        earmark=kh_setup["khanh_son"],
    )
    resp = checkout(client, pledge)
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    (created,) = fake_stripe.sessions.values()
    assert created["amount_total"] == 50_000_000 and created["currency"] == "vnd"  # zero-decimal: đồng as is
    assert created["metadata"]["pledge_reference"] == pledge.reference
    assert created["success_url"].endswith(f"/ung-ho/{pledge.reference}?the=thanh-cong")
    assert len(fake_stripe.by_key) == 1 and next(iter(fake_stripe.by_key)).startswith("ct-checkout-")
    # A second click does not open a second session.
    again = checkout(client, pledge)
    assert again.headers["Location"] == resp.headers["Location"] and fake_stripe.create_calls == 1


def test_checkout_without_csrf_token_is_refused(client, session, stripe_app, fake_stripe, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 1_000_000, receiving=kh_setup["province"])
    assert client.post(f"/ung-ho/{pledge.reference}/thanh-toan-the").status_code == 400
    assert fake_stripe.create_calls == 0


def test_stripe_library_reuses_the_idempotency_key_so_the_fake_returns_the_same_session(
    app, session, stripe_app, fake_stripe, kh_setup
):
    from app.payments.gateway import stripe_client

    params = {
        "mode": "payment",
        "success_url": "http://x/ok",
        "cancel_url": "http://x/no",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {"currency": "vnd", "unit_amount": 200000, "product_data": {"name": "Ủng hộ"}},
            }
        ],
    }
    first = stripe_client().v1.checkout.sessions.create(params=params, options={"idempotency_key": "k-1"})
    second = stripe_client().v1.checkout.sessions.create(params=params, options={"idempotency_key": "k-1"})
    assert first.id == second.id and len(fake_stripe.sessions) == 1
    assert stripe_client().v1.checkout.sessions.retrieve(first.id).amount_total == 200000


def test_webhook_delivered_three_times_and_out_of_order_is_counted_once(
    client, session, stripe_app, kh_setup
):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(
        session, campaign, 50_000_000, receiving=kh_setup["province"], earmark=kh_setup["khanh_son"]
    )
    before = received(session, campaign)
    completed = event("checkout.session.completed", session_obj("cs_test_A", pledge, 50_000_000, pi="pi_A"))
    succeeded = event(
        "checkout.session.async_payment_succeeded", session_obj("cs_test_A", pledge, 50_000_000, pi="pi_A")
    )
    expired = event(
        "checkout.session.expired",
        {**session_obj("cs_test_A", pledge, 50_000_000, paid=False), "status": "expired"},
    )
    for evt in (succeeded, completed, expired, completed, succeeded, completed):
        assert post_event(client, evt).status_code == 200
    session.expire_all()
    assert received(session, campaign) - before == 50_000_000
    assert [c.amount_vnd for c in contributions_of(session, pledge)] == [50_000_000]
    assert contributions_of(session, pledge)[0].channel == Channel.CARD
    assert session.get(type(pledge), pledge.id).status == PledgeStatus.FULFILLED
    cp = session.execute(select(CardPayment)).scalar_one()
    assert cp.status == CardPaymentStatus.PAID  # a late "expired" does not undo a payment
    assert session.execute(select(func.count(WebhookEvent.id))).scalar_one() == 3


@pytest.mark.parametrize("how", ["forged", "stale", "missing", "wrong_secret"])
def test_forged_or_stale_signature_gets_400_and_changes_nothing(client, session, stripe_app, kh_setup, how):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(session, campaign, 10_000_000, receiving=kh_setup["province"])
    before = received(session, campaign)
    payload = json.dumps(event("checkout.session.completed", session_obj("cs_test_F", pledge, 10_000_000)))
    headers = {
        "forged": {"Stripe-Signature": sign(payload)[:-4] + "beef"},
        "stale": {"Stripe-Signature": sign(payload, timestamp=int(time.time()) - 3600)},
        "missing": {},
        "wrong_secret": {"Stripe-Signature": sign(payload, secret="whsec_someone_else")},
    }[how]
    resp = client.post("/webhooks/stripe", data=payload, content_type="application/json", headers=headers)
    assert resp.status_code == 400
    assert received(session, campaign) == before
    assert session.execute(select(func.count(WebhookEvent.id))).scalar_one() == 0
    assert amount_paid(session, pledge.id) == 0


def test_tampered_body_with_a_valid_old_signature_is_refused(client, session, stripe_app, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 10_000_000, receiving=kh_setup["province"])
    payload = json.dumps(event("checkout.session.completed", session_obj("cs_test_T", pledge, 10_000)))
    header = sign(payload)
    tampered = payload.replace('"amount_total": 10000', '"amount_total": 10000000')
    resp = client.post(
        "/webhooks/stripe",
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert resp.status_code == 400 and amount_paid(session, pledge.id) == 0


def test_refund_reverses_the_contribution_and_the_pledge_is_due_again(client, session, stripe_app, kh_setup):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(session, campaign, 20_000_000, receiving=kh_setup["province"])
    before = received(session, campaign)
    post_event(
        client, event("checkout.session.completed", session_obj("cs_test_R", pledge, 20_000_000, pi="pi_R"))
    )
    refund = event("charge.refunded", charge_obj("pi_R", 20_000_000, 20_000_000))
    assert post_event(client, refund).status_code == 200
    assert post_event(client, refund).status_code == 200  # re-delivered
    session.expire_all()
    (c,) = contributions_of(session, pledge)
    assert c.status == ContributionStatus.REVERSED
    assert received(session, campaign) - before == 0
    assert amount_paid(session, pledge.id) == 0
    assert session.get(type(pledge), pledge.id).status == PledgeStatus.PLEDGED
    assert ledger.verify_ledger(session) == []


def test_partial_refund_keeps_the_rest(client, session, stripe_app, kh_setup):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(session, campaign, 20_000_000, receiving=kh_setup["province"])
    before = received(session, campaign)
    post_event(
        client, event("checkout.session.completed", session_obj("cs_test_P", pledge, 20_000_000, pi="pi_P"))
    )
    post_event(client, event("charge.refunded", charge_obj("pi_P", 20_000_000, 5_000_000)))
    session.expire_all()
    assert amount_paid(session, pledge.id) == 15_000_000
    assert received(session, campaign) - before == 15_000_000


def test_refund_arriving_before_the_completion_never_makes_money_appear(
    client, session, stripe_app, kh_setup
):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(session, campaign, 8_000_000, receiving=kh_setup["province"])
    before = received(session, campaign)
    post_event(client, event("charge.refunded", charge_obj("pi_E", 8_000_000, 8_000_000)))
    post_event(
        client, event("checkout.session.completed", session_obj("cs_test_E", pledge, 8_000_000, pi="pi_E"))
    )
    session.expire_all()
    assert received(session, campaign) == before
    assert amount_paid(session, pledge.id) == 0
    assert (
        session.execute(
            select(func.count(Contribution.id)).where(
                Contribution.status == ContributionStatus.RECORDED, Contribution.pledge_id == pledge.id
            )
        ).scalar_one()
        == 0
    )
    assert session.execute(select(CardPayment.status)).scalar_one() == CardPaymentStatus.REFUNDED


def test_async_payment_waits_then_fails_without_money(client, session, stripe_app, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 5_000_000, receiving=kh_setup["province"])
    post_event(
        client,
        event(
            "checkout.session.completed", session_obj("cs_test_W", pledge, 5_000_000, paid=False, pi="pi_W")
        ),
    )
    post_event(
        client,
        event(
            "checkout.session.async_payment_failed",
            session_obj("cs_test_W", pledge, 5_000_000, paid=False, pi="pi_W"),
        ),
    )
    session.expire_all()
    assert session.execute(select(CardPayment.status)).scalar_one() == CardPaymentStatus.FAILED
    assert amount_paid(session, pledge.id) == 0


def test_overpayment_by_card_keeps_the_excess_as_an_unrestricted_gift(client, session, stripe_app, kh_setup):
    pledge = make_pledge(
        session,
        kh_setup["campaign"],
        5_000_000,
        receiving=kh_setup["province"],
        earmark=kh_setup["khanh_son"],
    )
    post_event(
        client, event("checkout.session.completed", session_obj("cs_test_X", pledge, 6_000_000, pi="pi_X"))
    )
    session.expire_all()
    amounts = sorted(
        (c.amount_vnd, c.purpose.value, c.pledge_id is not None) for c in contributions_of(session, pledge)
    )
    assert amounts == [(1_000_000, "unrestricted", False), (5_000_000, "housing", True)]


def test_test_gateway_is_labelled_and_goes_through_the_same_event_processing(client, session, kh_setup):
    campaign = kh_setup["campaign"]
    pledge = make_pledge(
        session, campaign, 50_000_000, receiving=kh_setup["province"], earmark=kh_setup["khanh_son"]
    )
    before = received(session, campaign)
    resp = checkout(client, pledge)
    assert resp.status_code == 303 and "/thanh-toan-thu-nghiem/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Cổng thanh toán thử nghiệm" in page and "50.000.000" in page
    done = post_form(client, resp.headers["Location"], {"action": "pay"})
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/ung-ho/{pledge.reference}")
    # Confirming again (back button, double submit) records nothing more.
    assert "Xác nhận thanh toán thử" not in client.get(resp.headers["Location"]).get_data(as_text=True)
    client.post(resp.headers["Location"], data={"action": "pay", "csrf_token": _token(client)})
    session.expire_all()
    assert received(session, campaign) - before == 50_000_000
    assert [c.amount_vnd for c in contributions_of(session, pledge)] == [50_000_000]
    assert {tuple(r) for r in session.execute(select(WebhookEvent.event_type, WebhookEvent.gateway))} == {
        ("checkout.session.completed", "test")
    }


@pytest.mark.app_config(PAYMENT_GATEWAY="disabled")
def test_disabled_gateway_hides_the_card_option(app, client, session, kh_setup):
    from app.payments.views import payment_options

    pledge = make_pledge(session, kh_setup["campaign"], 1_000_000, receiving=kh_setup["province"])
    with app.test_request_context():
        opts = payment_options(pledge)
    assert opts["card"] is False and opts["transfer"].note == pledge.reference
    resp = checkout(client, pledge)  # an old page's card button: told to transfer, never a 404 (issue 19.4)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/ung-ho/{pledge.reference}"
    assert "không khả dụng" in client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.mark.app_config(PAYMENT_GATEWAY="test", SESSION_COOKIE_SECURE=True, TESTING=False)
def test_the_test_gateway_never_runs_with_a_production_configuration(client, session, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 1_000_000, receiving=kh_setup["province"])
    assert checkout(client, pledge).status_code == 303  # back to the pledge page, nothing started
    assert session.execute(select(CardPayment)).first() is None
    assert client.get("/thanh-toan-thu-nghiem/cs_localtest_x").status_code == 404
