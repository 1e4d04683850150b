"""Money split into parts (a house's funders, a donor's houses, pools) adds up to the whole, to the đồng:
largest-remainder apportionment in integers, never a float share truncated."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import apportion
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import funding as needs_funding
from app.needs import tracing
from tests.factories import SYSTEM, make_donor, receive
from tests.needs.conftest import add_need, approve

totals = st.integers(min_value=0, max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=30).filter(any)


# ------------------------------------------------------------------------------------------ the function
@given(totals, weight_lists)
def test_parts_add_up_to_the_whole_and_each_is_within_one_dong_of_its_share(total, weights):
    parts = apportion(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(total * w, whole)
        assert isinstance(part, int) and part >= 0
        assert abs(part - exact) < 1
        if w == 0:
            assert part == 0


@given(totals, weight_lists)
def test_the_same_split_always_gives_the_same_parts_and_equal_weights_differ_by_at_most_one(total, weights):
    parts = apportion(total, weights)
    assert apportion(total, list(weights)) == parts
    for i, wi in enumerate(weights):
        for j in range(i + 1, len(weights)):
            if weights[j] == wi:  # a tie goes to the earlier index
                assert parts[i] - parts[j] in (0, 1)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=50))
def test_equal_weights_give_the_extra_dong_to_the_earliest(total, n):
    parts = apportion(total, [7] * n)
    base, extra = divmod(total, n)
    assert parts == [base + 1] * extra + [base] * (n - extra)


def test_known_splits():
    assert apportion(60_000_000, [14_000_000, 22_000_000, 26_000_000]) == [13_548_387, 21_290_323, 25_161_290]
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(5, [0, 3, 0]) == [0, 5, 0]
    assert apportion(0, [0, 0]) == [0, 0]


@pytest.mark.parametrize(
    ("total", "weights"), [(-1, [1]), (10, [1, -1]), (10, [0, 0]), (10, []), (1.5, [1]), (10, [0.5, 1])]
)
def test_negative_float_or_unsplittable_input_is_refused(total, weights):
    with pytest.raises(ValueError):
        apportion(total, weights)


# ------------------------------------------------------------------------------------------ reproductions
def _allocate(session, world, need, amount: int) -> None:  # type: ignore[no-untyped-def]
    draws = [PoolDraw(world.khanh_son.id, Purpose.HOUSING, amount)]
    txn = ledger.allocate(
        session,
        SYSTEM,
        fund_id=world.campaign.fund_id,
        target_unit_id=world.khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=draws,
        occurred_on=date.today(),
    )
    needs_funding.record_need_funding(session, SYSTEM, need, amount, draws, None, txn.id)
    session.commit()


def test_a_house_card_lists_funders_whose_shares_add_up_to_what_the_house_received(session, world):
    for name, amount in (
        ("Công ty Bảy", 14_000_000),
        ("Công ty Mười Một", 22_000_000),
        ("Công ty Mười Ba", 26_000_000),
    ):
        receive(
            session, world.campaign, amount, receiving=world.khanh_son, purpose=Purpose.HOUSING, name=name
        )
    need = approve(session, world, add_need(session, world))
    _allocate(session, world, need, 60_000_000)

    funders, more = tracing.funders_of_need(session, need.id)

    assert more == 0
    assert sum(f.amount_vnd for f in funders) == 60_000_000  # was 59.999.999 ₫ (float share, then truncation)
    assert [(f.public_name, f.amount_vnd) for f in funders] == [
        ("Công ty Mười Ba", 25_161_290),
        ("Công ty Mười Một", 21_290_323),
        ("Công ty Bảy", 13_548_387),
    ]


def test_a_donors_houses_add_up_to_the_gift_once_the_pool_is_spent(session, world):
    donor = make_donor(session, "Tập đoàn Năm Trăm")
    receive(
        session, world.campaign, 500_000_000, receiving=world.khanh_son, purpose=Purpose.HOUSING, donor=donor
    )
    receive(
        session, world.campaign, 10_000_000, receiving=world.khanh_son, purpose=Purpose.HOUSING, name="Bà Mai"
    )
    small = approve(session, world, add_need(session, world))
    big = approve(
        session,
        world,
        add_need(
            session,
            world,
            citizen_id="056085731977",
            estimated_cost_vnd=500_000_000,
            requested_vnd=450_000_000,
        ),
    )
    _allocate(session, world, small, 60_000_000)
    _allocate(session, world, big, 450_000_000)

    houses = tracing.houses_funded_by_donor(session, donor.id)

    assert sum(h.amount_vnd for h in houses) == 500_000_000  # was 499.999.999 ₫
    assert [h.need_id for h in houses] == [big.id, small.id]
