"""Issue 19.9 on the server side: what a commune officer in the field relies on besides the offline queue.

A whole batch is undone only with a reason; a committed batch lists the households it recorded; the entry page's
service worker and manifest are served from the collections path to staff only; the downloadable template's
example row names one of the commune's own hamlets (an example naming a hamlet that does not exist would be
refused when the file comes back)."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.collections.models import BatchStatus, ImportBatch
from app.contributions.models import Contribution, ContributionStatus
from tests.collections.conftest import HAMLETS
from tests.collections.test_import import batch_token, upload
from tests.conftest import login

CSV = (
    "Họ tên chủ hộ;Thôn/Tổ dân phố;Số tiền;Hiện vật;Ngày;Người thu\n"
    "Nguyễn Văn Sườn Núi;Thôn Tà Lương;200.000;;15/10/2026;Trần Văn Bình\n"
    "Lê Thị Đỉnh Đèo;Thôn Tô Hạp;150.000;;16/10/2026;Trần Văn Bình\n"
).encode()


def _committed_batch(client, session, world) -> ImportBatch:  # type: ignore[no-untyped-def]
    login(client, world.staff)
    assert upload(client, world, CSV, "thu.csv").status_code == 302
    batch = session.execute(select(ImportBatch)).scalar_one()
    client.post(f"/can-bo/thu-ho/lo/{batch.id}/ghi", data={"csrf_token": batch_token(client, batch.id)})
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch.status == BatchStatus.COMMITTED
    return batch


def _reversed(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count(Contribution.id)).where(Contribution.status == ContributionStatus.REVERSED)
    ).scalar_one()


def test_a_committed_batch_lists_the_households_it_recorded_with_their_receipts(client, session, world):
    batch = _committed_batch(client, session, world)
    page = client.get(f"/can-bo/thu-ho/lo/{batch.id}").get_data(as_text=True)
    assert "Các hộ trong lô" in page
    receipts = session.execute(select(Contribution.receipt_no, Contribution.amount_vnd)).all()
    assert len(receipts) == 2
    for name in ("Nguyễn Văn Sườn Núi", "Lê Thị Đỉnh Đèo"):
        assert name in page
    for receipt_no, _ in receipts:
        assert receipt_no in page
    assert "200.000 ₫" in page and "150.000 ₫" in page


def test_undoing_a_whole_batch_without_a_reason_is_refused_and_reverses_nothing(client, session, world):
    batch = _committed_batch(client, session, world)
    resp = client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/huy",
        data={"csrf_token": batch_token(client, batch.id), "reason": "  "},
        follow_redirects=True,
    )
    assert "Lý do hủy cả lô: hãy ghi lý do" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == BatchStatus.COMMITTED
    assert _reversed(session) == 0
    resp = client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/huy",
        data={"csrf_token": batch_token(client, batch.id), "reason": "Nhập nhầm tệp của thôn khác"},
        follow_redirects=True,
    )
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == BatchStatus.REVERSED
    assert _reversed(session) == 2


def test_service_worker_and_manifest_come_from_the_collections_path_for_staff_only(client, world):
    assert client.get("/can-bo/thu-ho/sw.js").status_code == 302  # anonymous: to the login page
    assert client.get("/can-bo/thu-ho/manifest.webmanifest").status_code == 302
    login(client, world.staff)
    sw = client.get("/can-bo/thu-ho/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.mimetype
    assert sw.headers["Service-Worker-Allowed"] == "/can-bo/thu-ho/"
    assert b'self.addEventListener("fetch"' in sw.data
    manifest = client.get("/can-bo/thu-ho/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = json.loads(manifest.data)
    assert body["start_url"] == body["scope"] == "/can-bo/thu-ho/"
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    entry = client.get(f"/can-bo/thu-ho/xa/{world.commune.id}").get_data(as_text=True)
    assert 'rel="manifest"' in entry and 'data-sw-url="/can-bo/thu-ho/sw.js"' in entry


def test_the_template_example_names_a_hamlet_of_the_officers_own_commune(client, world):
    login(client, world.staff)
    for url in (
        "/can-bo/thu-ho/mau-danh-sach-thu.xlsx",
        f"/can-bo/thu-ho/mau-danh-sach-thu.xlsx?xa={world.commune.id}",
    ):
        wb = load_workbook(io.BytesIO(client.get(url).data))
        example_hamlet = wb["Danh sách thu"]["B2"].value
        assert example_hamlet in HAMLETS, (url, example_hamlet)
