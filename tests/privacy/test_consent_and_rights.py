"""Consents recorded with the notice version (the public pledge form, the household registry), the donor's
withdrawal of consent to publish the name, the donor's corrections (audited), the notice on the forms."""

from __future__ import annotations

from app.audit.models import AuditEntry
from app.core.db import utcnow
from app.donors.models import Donor
from app.pledges.models import Pledge
from app.privacy.models import Consent, Purpose, SubjectType
from tests.conftest import login, post_form
from tests.factories import CAM_LAM, PASSWORD, make_campaign, province, unit
from tests.pledges.helpers import household_form

NAME = "Công ty Cổ phần Yến Sào Khánh Hòa"


def test_the_pledge_form_shows_the_notice_and_records_consent_with_its_version(session, client):  # type: ignore[no-untyped-def]
    kh = province(session)
    make_campaign(session, kh)
    page = client.get("/ung-ho").get_data(as_text=True)
    assert "/bao-ve-du-lieu" in page and "Tôi đồng ý để Mặt trận liên hệ" in page
    notice = client.get("/bao-ve-du-lieu").get_data(as_text=True)
    assert "Phiên bản 2026-01" in notice and "91/2025/QH15" in notice

    world = {"province": kh, "cam_lam": unit(session, CAM_LAM)}
    resp = post_form(client, "/ung-ho", household_form(world, display="anonymous", consent_contact="y"))
    assert resp.status_code == 302
    pledge = session.query(Pledge).one()
    consents = {
        c.purpose: c
        for c in session.query(Consent).filter_by(subject_type=SubjectType.DONOR, subject_id=pledge.donor_id)
    }
    assert consents[Purpose.PUBLISH_NAME].given is False  # "Nhà hảo tâm" chosen
    assert consents[Purpose.CONTACT].given is True
    assert {c.notice_version for c in consents.values()} == {"2026-01"}
    assert {c.source for c in consents.values()} == {"pledge_form"}


def test_withdrawing_consent_hides_the_name_and_correcting_is_audited(app, session, client, world):  # type: ignore[no-untyped-def]
    world.donor.verified_at = utcnow()
    session.commit()
    world.receive(30_000_000)
    assert NAME in app.test_client().get("/cong-khai/sao-ke").get_data(as_text=True)

    login(client, world.donor_user.email, PASSWORD)
    resp = post_form(
        client,
        "/tai-khoan/du-lieu-ca-nhan/cong-khai-ten",
        {"publish": "0"},
        page="/tai-khoan/du-lieu-ca-nhan",
    )
    assert resp.status_code == 302
    statement = app.test_client().get("/cong-khai/sao-ke").get_data(as_text=True)
    assert NAME not in statement and "Nhà hảo tâm" in statement
    withdrawn = (
        session.query(Consent).filter_by(subject_id=world.donor.id, purpose=Purpose.PUBLISH_NAME).one()
    )
    assert withdrawn.given is False and withdrawn.source == "donor_account"

    resp = post_form(
        client,
        "/tai-khoan/du-lieu-ca-nhan/sua",
        {"name": NAME, "contact_person": "Trần Thị Hoa", "phone": "0258 3822 999", "address": "Nha Trang"},
        page="/tai-khoan/du-lieu-ca-nhan",
    )
    assert resp.status_code == 302
    session.expire_all()
    donor = session.get(Donor, world.donor.id)
    assert (donor.contact_person, donor.phone) == ("Trần Thị Hoa", "0258 3822 999")
    entry = session.query(AuditEntry).filter_by(action="donor.update", entity_id=str(donor.id)).one()
    assert entry.new_values["contact_person"] == "Trần Thị Hoa"
    page = client.get("/tai-khoan/du-lieu-ca-nhan").get_data(as_text=True)
    assert "Trần Thị Hoa" in page and "donor_account" in page


def test_an_unverified_business_user_cannot_act_for_the_business(client, world):  # type: ignore[no-untyped-def]
    login(client, world.donor_user.email, PASSWORD)  # the business record is not verified
    assert client.get("/tai-khoan/du-lieu-ca-nhan").status_code == 404
