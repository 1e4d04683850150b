"""Identical submissions of the public form arriving together (a double tap on a slow phone, a proxy's retry)
make one pledge and one e-mail on PostgreSQL, where requests really run at the same time (issue 19.4)."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from app.core import mail
from app.pledges.models import Pledge
from tests.conftest import csrf_from
from tests.pledges.helpers import household_form

pytestmark = pytest.mark.postgres


def test_simultaneous_identical_submissions_make_one_pledge(app, session, world):  # type: ignore[no-untyped-def]
    mail.OUTBOX.clear()
    first = app.test_client()
    html = first.get("/ung-ho").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    clients = [first] + [app.test_client() for _ in range(3)]
    payloads = []
    for c in clients:  # four tabs or retries of the same page: each request carries its session's CSRF token
        token = csrf_from(c.get("/ung-ho").get_data(as_text=True))
        payloads.append(
            household_form(world, email="ho.tam@example.vn", csrf_token=token, submission_key=key)
        )
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    locations: list[str] = []

    def post(i: int) -> None:
        barrier.wait()
        resp = clients[i].post("/ung-ho", data=payloads[i])
        statuses.append(resp.status_code)
        locations.append(resp.headers.get("Location", ""))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302] * 4
    assert len(set(locations)) == 1
    session.expire_all()
    assert session.execute(select(func.count(Pledge.id))).scalar() == 1
    assert len([m for m in mail.OUTBOX if "ho.tam@example.vn" in str(m["To"])]) == 1
