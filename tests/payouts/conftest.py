"""A Khánh Hòa world with a funded house, its payment details and the province's official account."""

from __future__ import annotations

import pytest

from app.banking.models import OfficialBankAccount
from app.needs.models import HouseholdNeed, TrancheKind
from app.payouts import services as payouts
from app.payouts.models import PayMethod, PayoutOrder
from tests.needs.conftest import World, actor_of, add_need, approve, fund, world  # noqa: F401

ACCOUNT = "3901205123456"  # the household's (made-up) Agribank account
HOLDER = "Mấu Văn Thử"


def funded_need(session, w: World) -> HouseholdNeed:  # type: ignore[no-untyped-def]
    return fund(session, w, approve(session, w, add_need(session, w)))


def bank_details(session, w: World, need: HouseholdNeed, by=None):  # type: ignore[no-untyped-def]
    user = by or w.ks_staff
    d = payouts.set_payment_details(
        session,
        actor_of(user),
        user,
        need.id,
        payouts.DetailsInput(
            PayMethod.BANK, bank_name="Agribank", account_number=ACCOUNT, holder_name=HOLDER
        ),
    )
    session.commit()
    return d


def cash_details(session, w: World, need: HouseholdNeed):  # type: ignore[no-untyped-def]
    d = payouts.set_payment_details(
        session,
        actor_of(w.ks_staff),
        w.ks_staff,
        need.id,
        payouts.DetailsInput(PayMethod.CASH, recipient_name=HOLDER, witness_name="Cao Thị Trưởng Thôn"),
    )
    session.commit()
    return d


def prepared(session, w: World, need: HouseholdNeed, amount: int = 20_000_000, by=None) -> PayoutOrder:  # type: ignore[no-untyped-def]
    user = by or w.ks_staff
    order = payouts.prepare_order(session, actor_of(user), user, need.id, amount, TrancheKind.ADVANCE)
    session.commit()
    return order


@pytest.fixture
def paying_account(session, world) -> OfficialBankAccount:  # type: ignore[no-untyped-def]  # noqa: F811
    acc = OfficialBankAccount(
        unit_id=world.khanh_hoa.id,
        fund_id=world.campaign.fund_id,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0061001234567",
        account_name="UBMTTQ TINH KHANH HOA",
    )
    session.add(acc)
    session.commit()
    return acc
