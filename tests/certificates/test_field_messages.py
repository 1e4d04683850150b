"""A bad decision date on batch approval is refused in Vietnamese naming the field; the batch stays proposed."""

from __future__ import annotations

import pytest

from app.certificates import services
from app.certificates.models import BatchStatus, CertificateBatch, CertificateKind, IssuerLevel
from app.donors.models import DonorKind
from tests.conftest import login, post_form
from tests.factories import SYSTEM


@pytest.mark.parametrize(("date", "expected"), [
    ("", "Ngày quyết định: chưa nhập (dd/mm/yyyy)."),
    ("32/11/2026", "Ngày quyết định: ngày không hợp lệ (ví dụ 31/12/2026)."),
    ("18-11-2026", "Ngày quyết định: ngày không hợp lệ (ví dụ 31/12/2026)."),
])
def test_approval_bad_decision_date_named_in_vietnamese(world, session, client, date, expected):  # type: ignore[no-untyped-def]
    services.add_rule(session, SYSTEM, world.campaign.id, donor_kind=DonorKind.BUSINESS, min_total_vnd=100_000_000,
                      kind=CertificateKind.BANG_KHEN, issuer_level=IssuerLevel.PROVINCE)
    session.commit()
    world.receive(150_000_000)
    login(client, world.province_staff.email)
    resp = post_form(client, f"/can-bo/giay-chung-nhan/dot?campaign_id={world.campaign.id}", {"title": "Đợt 1"},
                     page="/can-bo/giay-chung-nhan")
    batch_url = resp.headers["Location"]
    client.post("/dang-xuat", data={"csrf_token": ""})
    client = client.application.test_client()
    login(client, world.approver.email)
    resp = post_form(client, f"{batch_url}/duyet", {"decision_no": "125/QĐ-MTTQ-BTT", "decision_date": date},
                     page=batch_url, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    session.expire_all()
    batch = session.get(CertificateBatch, int(batch_url.rstrip("/").split("/")[-1]))
    assert batch.status == BatchStatus.PROPOSED and batch.decision_no in (None, "")
