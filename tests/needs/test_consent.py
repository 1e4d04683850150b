"""Issue 21.10: staff entering a household record how the household agreed to be in the registry; the form shows
the privacy notice."""

from __future__ import annotations

from app.needs.models import HouseholdNeed
from app.privacy.models import Consent, Purpose, SubjectType
from tests.conftest import login, post_form
from tests.needs.conftest import need_form_data


def test_a_household_entered_by_staff_has_its_consent_source_recorded(session, client, world):  # type: ignore[no-untyped-def]
    login(client, world.ks_staff.email)
    page = client.get("/can-bo/nhu-cau/them").get_data(as_text=True)
    assert "Hộ đồng ý đưa dữ liệu vào danh sách qua" in page and "/bao-ve-du-lieu" in page
    resp = post_form(client, "/can-bo/nhu-cau/them", need_form_data(world, consent_source="bien_ban"))
    assert resp.status_code == 302
    need = session.query(HouseholdNeed).one()
    consent = session.query(Consent).filter_by(subject_type=SubjectType.HOUSEHOLD, subject_id=need.id).one()
    assert consent.purpose == Purpose.REGISTRY_DATA and consent.given
    assert consent.source == "needs.create:bien_ban" and consent.notice_version == "2026-01"
    assert consent.recorded_by_id == world.ks_staff.id
