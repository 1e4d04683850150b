"""A long import committed by a real Celery worker (Redis), the page polling its progress."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from app.collections.models import BatchStatus, ImportBatch
from app.collections.services import BACKGROUND_ROWS, HEADERS
from app.contributions.models import Contribution
from app.ledger.services import main_fund, totals
from tests.collections.conftest import HAMLETS
from tests.conftest import csrf_from, login


@pytest.mark.celery_worker
def test_long_import_is_committed_in_the_background(client, session, world, celery_worker):
    rows = BACKGROUND_ROWS + 500
    lines = [",".join(HEADERS)] + [
        f"Hộ {i},{HAMLETS[i % 4]},{10_000 + i},,15/10/2026,Người thu {i % 3}" for i in range(rows)
    ]
    login(client, world.staff)
    url = f"/can-bo/thu-ho/xa/{world.commune.id}/nhap-tep"
    token = csrf_from(client.get(url).get_data(as_text=True))
    resp = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO("\n".join(lines).encode()), "lon.csv")},
        content_type="multipart/form-data",
    )
    batch_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/can-bo/thu-ho/lo/{batch_id}").get_data(as_text=True)
    resp = client.post(f"/can-bo/thu-ho/lo/{batch_id}/ghi", data={"csrf_token": csrf_from(page)})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đang ghi nhận lô trong nền" in page or "Đã ghi nhận" in page
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(f"/can-bo/thu-ho/lo/{batch_id}/tien-do").get_json()
        if state["done"]:
            break
        time.sleep(0.2)
    assert state["status"] == "committed" and state["percent"] == 100, state
    session.expire_all()
    batch = session.get(ImportBatch, batch_id)
    assert batch.status == BatchStatus.COMMITTED and batch.committed_rows == rows
    assert session.execute(select(func.count(Contribution.id))).scalar() == rows
    assert totals(session, main_fund(session).id, [world.commune.id]).received_vnd == sum(
        10_000 + i for i in range(rows)
    )
