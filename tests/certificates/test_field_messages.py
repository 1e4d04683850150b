"""A bad decision date on batch approval is refused in Vietnamese naming the field; the batch stays proposed."""

from __future__ import annotations

import pytest

from app.certificates.models import BatchStatus, CertificateBatch
from tests.certificates.conftest import propose_business_batch
from tests.conftest import login, post_form


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("", "Ngày quyết định: chưa nhập (dd/mm/yyyy)."),
        ("32/11/2026", "Ngày quyết định: ngày không hợp lệ (ví dụ 31/12/2026)."),
        ("18-11-2026", "Ngày quyết định: ngày không hợp lệ (ví dụ 31/12/2026)."),
    ],
)
def test_approval_bad_decision_date_named_in_vietnamese(world, session, client, date, expected):  # type: ignore[no-untyped-def]
    batch_url = propose_business_batch(world, session, client)
    client.post("/dang-xuat", data={"csrf_token": ""})
    client = client.application.test_client()
    login(client, world.approver.email)
    resp = post_form(
        client,
        f"{batch_url}/duyet",
        {"decision_no": "125/QĐ-MTTQ-BTT", "decision_date": date},
        page=batch_url,
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    session.expire_all()
    batch = session.get(CertificateBatch, int(batch_url.rstrip("/").split("/")[-1]))
    assert batch.status == BatchStatus.PROPOSED and batch.decision_no in (None, "")
