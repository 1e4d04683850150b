"""Too-long entries on the certificate forms are refused in Vietnamese, naming the field; nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.certificates.models import CertificateBatch, CommendationRule, IssuerProfile
from tests.conftest import login, post_form

PAGE = "/can-bo/giay-chung-nhan"


@pytest.mark.parametrize(
    ("url", "data", "expected", "model"),
    [
        (
            "quy-tac",
            {
                "donor_kind": "business",
                "min_total": "100.000.000",
                "kind": "giay_khen",
                "issuer_level": "province",
                "achievement": "Đã có thành tích xuất sắc. " * 100,
            },
            "Nội dung thành tích: tối đa 2000 ký tự.",
            CommendationRule,
        ),
        (
            "quy-tac",
            {
                "donor_kind": "business",
                "min_total": "100.000.000 đồng (một trăm triệu)",
                "kind": "giay_khen",
                "issuer_level": "province",
            },
            "Tổng ủng hộ tối thiểu trong cuộc vận động: tối đa 30 ký tự.",
            CommendationRule,
        ),
        (
            "dot",
            {"title": "Đợt khen thưởng cuối năm " * 15},
            "Tên đợt khen thưởng: tối đa 255 ký tự.",
            CertificateBatch,
        ),
        (
            "nguoi-ky",
            {"signer_name": "Nguyễn Văn Mẫu " * 20, "signer_title": "Chủ tịch"},
            "Họ tên người ký: tối đa 255 ký tự.",
            IssuerProfile,
        ),
        (
            "nguoi-ky",
            {"signer_name": "Nguyễn Văn Mẫu", "signer_title": "Chủ tịch Ủy ban MTTQ Việt Nam " * 10},
            "Chức vụ người ký: tối đa 255 ký tự.",
            IssuerProfile,
        ),
    ],
)
def test_too_long_named_in_vietnamese(world, session, client, url, data, expected, model):  # type: ignore[no-untyped-def]
    login(client, world.approver.email)
    before = session.execute(select(func.count()).select_from(model)).scalar_one()
    resp = post_form(client, f"{PAGE}/{url}", data, page=PAGE, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count()).select_from(model)).scalar_one() == before
