from __future__ import annotations

from datetime import date

import pytest

from app.campaigns.models import CampaignStatus
from app.campaigns.services import CampaignError, active_campaign, create_campaign, set_status
from app.ledger.services import main_fund
from tests.factories import KHANH_SON, SYSTEM, make_campaign, province, unit


def test_default_dates_are_the_peak_month(session):
    c = create_campaign(
        session, SYSTEM, year=2027, name="Ngày vì người nghèo 2027", fund_id=main_fund(session).id
    )
    assert (c.starts_on, c.ends_on) == (date(2027, 10, 17), date(2027, 11, 18))


def test_one_active_campaign_per_scope(session):
    kh = province(session)
    first = make_campaign(session, kh)
    second = make_campaign(session, kh, active=False)
    with pytest.raises(CampaignError, match="đang có cuộc vận động"):
        set_status(session, SYSTEM, second, CampaignStatus.ACTIVE)
    set_status(session, SYSTEM, first, CampaignStatus.CLOSED)
    set_status(session, SYSTEM, second, CampaignStatus.ACTIVE)
    session.commit()
    assert active_campaign(session, unit(session, KHANH_SON).id).id == second.id
    with pytest.raises(CampaignError):
        set_status(session, SYSTEM, first, CampaignStatus.ACTIVE)  # closed stays closed


def test_a_commune_falls_back_to_its_province_then_the_national_campaign(session):
    national = make_campaign(session, None)
    assert active_campaign(session, unit(session, KHANH_SON).id).id == national.id
    kh = make_campaign(session, province(session))
    assert active_campaign(session, unit(session, KHANH_SON).id).id == kh.id
    assert active_campaign(session, None).id == national.id


def test_dates_must_be_ordered(session):
    with pytest.raises(CampaignError, match="Ngày kết thúc"):
        create_campaign(
            session,
            SYSTEM,
            year=2026,
            name="Sai ngày",
            fund_id=main_fund(session).id,
            starts_on=date(2026, 11, 18),
            ends_on=date(2026, 10, 17),
        )
