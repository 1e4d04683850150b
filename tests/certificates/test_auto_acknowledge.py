"""Thank-you letters follow money automatically: queued after the commit that recorded it."""

from __future__ import annotations

import pytest

from app.certificates.models import Certificate
from app.contributions.models import Channel
from tests.factories import make_campaign, make_donor, province, receive


@pytest.mark.app_config(CERTIFICATES_AUTO_ACKNOWLEDGE=True)
def test_a_gift_recorded_and_committed_gets_its_letter_without_anyone_asking(session):
    campaign = make_campaign(session, province(session))
    donor = make_donor(session, "Công ty TNHH Ánh Dương")
    c = receive(
        session, campaign, 50_000_000, receiving=province(session), donor=donor, channel=Channel.BANK_TRANSFER
    )
    letters = session.query(Certificate).filter_by(contribution_id=c.id).all()
    assert len(letters) == 1


@pytest.mark.app_config(CERTIFICATES_AUTO_ACKNOWLEDGE=True)
def test_nothing_is_queued_when_the_transaction_is_rolled_back(session):
    from datetime import UTC, datetime

    from app.contributions.services import NewContribution, record_contribution
    from tests.factories import SYSTEM

    campaign = make_campaign(session, province(session))
    donor = make_donor(session, "Công ty Cổ phần Rollback")
    record_contribution(
        session,
        SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=1_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donor,
            received_at=datetime.now(UTC),
            receiving_unit_id=province(session).id,
        ),
    )
    session.rollback()
    session.commit()
    assert session.query(Certificate).count() == 0
