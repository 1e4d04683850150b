"""Two processes telling a donor the same thing at once (a task delivered twice, a sweep racing the first run) on
PostgreSQL: the message is written once and neither of them fails."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.core.mail import OUTBOX
from app.donors.models import Donor, DonorKind
from app.extensions import db
from app.notifications import services
from app.notifications.models import Event, Notification
from tests.conftest import race


@pytest.mark.postgres
def test_two_simultaneous_notify_calls_write_the_message_once(app, session):  # type: ignore[no-untyped-def]
    donor = Donor(
        kind=DonorKind.INDIVIDUAL, name="Lê Thị Hoa", search_key="le thi hoa", email="hoa@example.vn"
    )
    session.add(donor)
    session.commit()
    donor_id = donor.id
    OUTBOX.clear()

    def tell(_: int) -> None:
        services.notify(
            db.session,
            db.session.get_one(Donor, donor_id),
            Event.CERTIFICATE_ISSUED,
            services.Context("certificate", 987654, {"what": "thư cảm ơn", "serial": "X", "link": "L"}),
        )
        # Hold the transaction open: the other call has checked for the message by now and writes it too.
        time.sleep(0.3)

    ok, _refused, errors = race(app, 2, tell)
    assert errors == [], errors
    assert ok == 2
    session.expire_all()
    assert session.execute(select(func.count(Notification.id))).scalar_one() == 1
