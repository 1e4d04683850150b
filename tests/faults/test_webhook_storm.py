"""Fault (d): a storm of duplicated and reordered signed Stripe webhooks → each payment counted once.

Through the real route, the real stripe library's signature check and the ledger: 60 card payments, each
announced by checkout.session.completed, a fifth of them also by async_payment_succeeded, some refunded
(charge.refunded, possibly before the payment it refunds), 30 % of all deliveries being repeats, in random order.
The national-size storm (10 000 events) is bench/bench_payments.py's webhook_storm row in BENCHMARKS.md.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.ledger import services as ledger
from app.payments.models import WebhookEvent
from tests.payments.conftest import (  # noqa: F401 - fixtures
    charge_obj,
    event,
    fake_stripe,
    kh_setup,
    make_pledge,
    post_event,
    session_obj,
    stripe_app,
)

pytestmark = pytest.mark.slow


def test_duplicated_and_reordered_webhooks_count_each_payment_once(client, session, stripe_app, kh_setup):  # noqa: F811
    rng = random.Random(20261117)
    campaign = kh_setup["campaign"]
    pledges = [
        make_pledge(
            session,
            campaign,
            rng.choice([1, 2, 5, 10, 50]) * 1_000_000,
            donor_name=f"Công ty Bão Webhook {i:02d}",
            receiving=kh_setup["province"],
        )
        for i in range(60)
    ]
    before = ledger.totals(session, campaign.fund_id).received_vnd
    events, expected, refunded = [], 0, 0
    for i, p in enumerate(pledges):
        obj = session_obj(f"cs_storm_{i}", p, p.amount_vnd, pi=f"pi_storm_{i}")
        events.append(event("checkout.session.completed", obj))
        if rng.random() < 0.2:
            events.append(event("checkout.session.async_payment_succeeded", obj))
        if i % 10 == 0:
            events.append(event("charge.refunded", charge_obj(f"pi_storm_{i}", p.amount_vnd, p.amount_vnd)))
            refunded += 1
        else:
            expected += p.amount_vnd
    unique = len(events)
    storm = events + [rng.choice(events) for _ in range(int(unique * 0.3 / 0.7))]
    rng.shuffle(storm)
    statuses = [post_event(client, e).status_code for e in storm]
    # A refund that arrives before its payment may be refused for a retry (as Stripe retries); deliver the
    # refused ones again, as Stripe does, until none is refused.
    for _ in range(3):
        retry = [e for e, s in zip(storm, statuses, strict=True) if s != 200]
        if not retry:
            break
        statuses = [post_event(client, e).status_code for e in retry]
        storm = retry
    assert all(s == 200 for s in statuses), statuses
    session.expire_all()
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == expected
    assert session.execute(select(func.count(WebhookEvent.id))).scalar_one() == unique
    per_pledge = dict(
        session.execute(
            select(Contribution.pledge_reference, func.count(Contribution.id))
            .where(
                Contribution.pledge_reference.in_([p.reference for p in pledges]), Contribution.amount_vnd > 0
            )
            .group_by(Contribution.pledge_reference)
        ).all()
    )
    assert max(per_pledge.values()) == 1  # no payment recorded twice
    paid_not_refunded = [p for i, p in enumerate(pledges) if i % 10]
    assert all(per_pledge.get(p.reference) == 1 for p in paid_not_refunded)  # and none lost
    assert ledger.verify_ledger(session) == []
