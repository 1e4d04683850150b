"""Helpers for the transparency tests: contributions with chosen dates, names and references."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.contributions.models import Channel, Contribution
from app.contributions.services import NewContribution, record_contribution
from app.ledger.models import Purpose
from tests import factories as f


def give(
    session,
    campaign,
    amount_vnd: int,
    *,
    name: str | None = None,
    on: date = date(2026, 10, 20),  # type: ignore[no-untyped-def]
    receiving=None,
    earmark=None,
    channel: Channel = Channel.BANK_TRANSFER,
    donor=None,
    anonymous=False,
    bank_txn_ref: str | None = None,
    pledge_reference: str | None = None,
    masked_account: str | None = None,
    note: str = "",
    purpose: Purpose = Purpose.UNRESTRICTED,
) -> Contribution:
    c = record_contribution(
        session,
        f.SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=amount_vnd,
            channel=channel,
            donor=donor,
            display_name=name,
            is_anonymous=anonymous,
            received_at=datetime(on.year, on.month, on.day, 3, 0, tzinfo=UTC),
            receiving_unit_id=receiving.id if receiving else None,
            earmark_unit_id=earmark.id if earmark else None,
            bank_txn_ref=bank_txn_ref,
            pledge_reference=pledge_reference,
            masked_account=masked_account,
            note=note,
            purpose=purpose,
        ),
    )
    session.commit()
    return c


@pytest.fixture
def kh(session):  # type: ignore[no-untyped-def]
    """A Khánh Hòa campaign with its province and two communes."""
    province = f.province(session)
    campaign = f.make_campaign(session, province)
    return {
        "campaign": campaign,
        "province": province,
        "khanh_son": f.unit(session, f.KHANH_SON),
        "cam_lam": f.unit(session, f.CAM_LAM),
    }


def load_full_demo(session) -> None:  # type: ignore[no-untyped-def]
    """`flask demo load` on the test database (whose reference data already holds the designations)."""
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)
    session.commit()
    assert load_demo()


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_full_demo(session)
    from app.demo.foundation import campaign_of

    return campaign_of(session)
