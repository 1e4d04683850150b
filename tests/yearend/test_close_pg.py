"""Year-end on PostgreSQL: postings dated in the year race its close. Each is either committed before the close read
the balances (and carried into the next year) or refused; none slips in after the close."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ledger import services as ledger
from app.ledger import yearend
from app.ledger.models import AccountKind, OpeningBalance, Purpose, YearClose
from app.ledger.verify import run_checks
from tests.conftest import race
from tests.factories import SYSTEM
from tests.yearend.test_close import books  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres


def test_postings_racing_the_close_are_carried_or_refused(app, session, books):  # noqa: F811
    fund_id, province_id, commune_id = books["fund"].id, books["province"].id, books["khanh_son"].id

    def act(i: int) -> None:
        from app.units.models import AdminUnit

        if i == 0:
            province = db.session.get_one(AdminUnit, province_id)
            yearend.close_year(
                db.session, SYSTEM, fund_id=fund_id, year=2025, unit=province, confirm_year=2025
            )
        else:
            ledger.transfer(
                db.session,
                SYSTEM,
                fund_id=fund_id,
                from_unit_id=province_id,
                from_purpose=Purpose.UNRESTRICTED,
                to_unit_id=commune_id,
                to_purpose=Purpose.UNRESTRICTED,
                amount_vnd=1_000_000,
                occurred_on=date(2025, 12, 20),
            )

    ok, refused, errors = race(app, 6, act, refused=ledger.ClosedPeriod)
    assert errors == []
    assert ok + refused == 6 and ok >= 1  # the close, and the postings that came before it
    transfers_in = ok - 1
    session.expire_all()
    assert session.query(YearClose).count() == 1
    carried = session.execute(
        select(OpeningBalance.amount_vnd).where(
            OpeningBalance.unit_id == commune_id,
            OpeningBalance.kind == AccountKind.UNALLOCATED,
            OpeningBalance.purpose == Purpose.UNRESTRICTED,
        )
    ).scalar_one()
    assert carried == 50_000_000 + transfers_in * 1_000_000
    report = run_checks(session, ["balanced", "account_balance", "year_close"])
    assert report.ok, [p.line() for p in report.problems]
