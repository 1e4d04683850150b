"""The register of processing and the incident register: central admins edit (audited), other staff read."""

from __future__ import annotations

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.privacy.models import Incident, ProcessingActivity
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user

PAGE = "/can-bo/du-lieu-ca-nhan/su-co"


def test_central_admin_records_an_incident_and_others_only_read(app, session, world):  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.CENTRAL_ADMIN)
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    resp = post_form(
        client,
        PAGE,
        {
            "occurred_at": "01/11/2026 08:00",
            "detected_at": "02/11/2026 09:30",
            "description": "Một bảng tính danh sách nhà tài trợ bị gửi nhầm email",
            "subjects_affected": "12",
            "notified_authority_at": "06/11/2026 10:00",
            "status": "contained",
        },
    )
    assert resp.status_code == 302
    incident = session.query(Incident).one()
    assert (
        incident.subjects_affected == 12 and incident.notified_late
    )  # 4 days after detection: past 72 hours
    assert session.query(AuditEntry).filter_by(action="privacy.incident_saved").count() == 1
    assert "quá hạn 72 giờ" in client.get(PAGE).get_data(as_text=True)

    resp = post_form(
        client,
        PAGE,
        {"occurred_at": "02/11/2026", "detected_at": "01/11/2026", "description": "x", "status": "open"},
    )
    assert resp.status_code == 422
    assert "không được trước thời điểm xảy ra" in resp.get_data(as_text=True)

    staff = app.test_client()
    login(staff, world.province_staff.email, PASSWORD)
    page = staff.get(PAGE)
    assert page.status_code == 200 and "bị gửi nhầm email" in page.get_data(as_text=True)
    assert 'name="description"' not in page.get_data(as_text=True)
    html = staff.get("/can-bo/du-lieu-ca-nhan/hoat-dong-xu-ly").get_data(as_text=True)
    assert (
        "Liên hệ của đăng ký ủng hộ chưa nộp tiền" in html
    )  # the retention periods, seeded by the migration
    csrf = (
        html.split('name="csrf_token" value="')[1].split('"')[0]
        if 'name="csrf_token" value="' in html
        else ""
    )
    resp = staff.post(
        "/can-bo/du-lieu-ca-nhan/hoat-dong-xu-ly",
        data={"csrf_token": csrf, "name": "X", "purpose": "Y", "data_categories": "Z"},
    )
    assert resp.status_code == 403
    assert session.query(ProcessingActivity).filter_by(name="X").count() == 0


def test_central_admin_adds_a_processing_activity(app, session):  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.CENTRAL_ADMIN)
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    url = "/can-bo/du-lieu-ca-nhan/hoat-dong-xu-ly"
    resp = post_form(
        client,
        url,
        {
            "name": "Gửi thư cảm ơn",
            "purpose": "Cảm ơn nhà tài trợ",
            "data_categories": "Tên, email",
            "retention": "2 năm",
            "legal_basis": "Sự đồng ý liên hệ",
        },
    )
    assert resp.status_code == 302
    assert "Gửi thư cảm ơn" in client.get(url).get_data(as_text=True)
    assert session.query(AuditEntry).filter_by(action="privacy.activity_saved").count() == 1
