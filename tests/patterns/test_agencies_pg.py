"""Agency collections on PostgreSQL: a list of 30 staff is written by receive()'s COPY path (from COPY_MIN_ROWS
rows), and the lines, amounts and lookup codes come out the same as with INSERT."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agencies import services as agencies
from app.agencies.models import AgencyLine
from app.contributions.models import Channel, Contribution
from app.contributions.receive import COPY_MIN_ROWS, MoneyIn, receive
from app.pledges.models import Pledge, PledgeStatus
from tests.factories import SYSTEM
from tests.patterns.conftest import confirmed_collection

pytestmark = pytest.mark.postgres


def test_thirty_staff_lines_through_copy_add_up_to_the_transfer(client, session, kh_setup):
    rows = [[f"Cán bộ số {n}", f"{100_000 + n * 1_000}", "", "có" if n % 2 else ""] for n in range(1, 31)]
    assert len(rows) >= COPY_MIN_ROWS
    collection = confirmed_collection(session, kh_setup["campaign"], rows=rows)
    pledge = session.get(Pledge, collection.pledge_id)
    total = sum(100_000 + n * 1_000 for n in range(1, 31))
    made = receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=total, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id, idempotency_key="pg-1"
            )
        ],
        batch_source="statement:pg",
    )
    session.commit()
    assert len(made) == 30 and sum(r.amount_vnd for r in made) == total
    by_line = dict(session.execute(select(Contribution.agency_line_id, Contribution.amount_vnd)).all())
    lines = session.execute(select(AgencyLine).order_by(AgencyLine.seq)).scalars().all()
    assert {line.id: line.amount_vnd for line in lines} == by_line
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    found = agencies.lookup(session, lines[4].code or "")
    assert found is not None and found.paid_vnd == 105_000 and found.public_name.startswith("Cán bộ số 5 – ")
