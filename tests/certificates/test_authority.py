"""Recognition rules that follow the law (issue 19.7): which committee may award which form, rules owned by
the creator's committee, and verification by the printed certificate number."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.certificates import authority, services
from app.certificates.models import CertificateKind, CommendationRule, IssuerLevel
from app.donors.models import DonorKind
from tests.conftest import login, post_form
from tests.factories import SYSTEM, make_campaign, make_user, province


def _ha_noi(session):  # type: ignore[no-untyped-def]
    from app.units.services import import_units

    import_units(session, [1])
    session.commit()
    return province(session, 1)


def _rule(world, session, actor, campaign, kind=CertificateKind.BANG_KHEN, level=IssuerLevel.PROVINCE):  # type: ignore[no-untyped-def]
    return services.add_rule(
        session,
        actor,
        campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=100_000_000,
        kind=kind,
        issuer_level=level,
    )


def test_the_table_gives_each_form_its_levels_and_legal_basis():
    assert not authority.may_award(IssuerLevel.COMMUNE, CertificateKind.BANG_KHEN)
    assert authority.may_award(IssuerLevel.PROVINCE, CertificateKind.BANG_KHEN)
    assert authority.may_award(IssuerLevel.CENTRAL, CertificateKind.BANG_KHEN)
    assert authority.may_award(IssuerLevel.COMMUNE, CertificateKind.GIAY_KHEN)
    for form in authority.AWARD_FORMS:
        assert form.basis
    assert {f.label for f in authority.AWARD_FORMS} == {
        "Bằng khen",
        "Giấy khen",
        "Giấy chứng nhận",
        "Thư cảm ơn",
    }
    assert "Điều 80" in authority.award_form(CertificateKind.GIAY_KHEN).basis


def test_a_commune_bang_khen_is_refused_with_a_vietnamese_message(world, session):
    with pytest.raises(services.CertificateError, match="cấp xã không có thẩm quyền tặng Bằng khen"):
        _rule(world, session, world.actor(world.province_staff), world.campaign, level=IssuerLevel.COMMUNE)
    assert session.query(CommendationRule).count() == 0
    rule = _rule(
        world,
        session,
        world.actor(world.province_staff),
        world.campaign,
        CertificateKind.GIAY_KHEN,
        IssuerLevel.COMMUNE,
    )
    assert rule.unit_id == world.kh.id


def test_the_page_refuses_a_commune_bang_khen(world, session, client):
    login(client, world.province_staff.email)
    resp = post_form(
        client,
        f"/can-bo/giay-chung-nhan/quy-tac?campaign_id={world.campaign.id}",
        {
            "donor_kind": "business",
            "min_total": "100.000.000",
            "kind": "bang_khen",
            "issuer_level": "commune",
            "achievement": "",
        },
        page=f"/can-bo/giay-chung-nhan?campaign_id={world.campaign.id}",
        follow_redirects=True,
    )
    assert "không có thẩm quyền tặng Bằng khen" in resp.get_data(as_text=True)
    assert session.query(CommendationRule).count() == 0


def test_province_staff_cannot_add_a_rule_to_the_national_campaign(world, session, client):
    national = make_campaign(session, None)
    with pytest.raises(services.CertificateError, match="toàn quốc"):
        _rule(world, session, world.actor(world.province_staff), national)
    login(client, world.province_staff.email)
    post_form(
        client,
        f"/can-bo/giay-chung-nhan/quy-tac?campaign_id={national.id}",
        {
            "donor_kind": "business",
            "min_total": "100.000.000",
            "kind": "giay_khen",
            "issuer_level": "province",
        },
        page=f"/can-bo/giay-chung-nhan?campaign_id={national.id}",
    )
    assert session.query(CommendationRule).filter_by(campaign_id=national.id).count() == 0


def test_province_staff_cannot_disable_another_provinces_rule(world, session, client, app):
    national = make_campaign(session, None)
    ha_noi = _ha_noi(session)
    ha_noi_staff = make_user(session, Role.PROVINCE_STAFF, ha_noi)
    admin = make_user(session, Role.CENTRAL_ADMIN)
    national_rule = _rule(world, session, world.actor(admin), national)
    ours = _rule(world, session, world.actor(world.province_staff), world.campaign)
    session.commit()
    assert national_rule.unit_id is None and ours.unit_id == world.kh.id

    login(client, ha_noi_staff.email)
    for rule in (ours, national_rule):
        resp = post_form(
            client, f"/can-bo/giay-chung-nhan/quy-tac/{rule.id}/tat", {}, page="/can-bo/giay-chung-nhan"
        )
        assert resp.status_code == 404
    session.expire_all()
    assert ours.active and national_rule.active
    with pytest.raises(services.CertificateError):
        services.deactivate_rule(session, world.actor(world.province_staff), national_rule.id)

    own = app.test_client()
    login(own, world.province_staff.email)
    resp = post_form(
        own, f"/can-bo/giay-chung-nhan/quy-tac/{ours.id}/tat", {}, page="/can-bo/giay-chung-nhan"
    )
    assert resp.status_code == 302
    session.expire_all()
    assert not ours.active


def test_another_provinces_rule_does_not_reach_our_batches(world, session):
    national = make_campaign(session, None)
    ha_noi = _ha_noi(session)
    ha_noi_staff = make_user(session, Role.PROVINCE_STAFF, ha_noi)
    session.commit()
    with pytest.raises(services.CertificateError):
        _rule(world, session, world.actor(ha_noi_staff), world.campaign)  # not their campaign
    del national


def test_the_printed_number_can_be_typed_in_to_verify(world, session, client):
    services.add_rule(
        session,
        SYSTEM,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=100_000_000,
        kind=CertificateKind.BANG_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    session.commit()
    c = world.receive(150_000_000)
    letter = services.acknowledge_contribution(session, SYSTEM, c.id)
    session.commit()
    assert letter is not None
    for typed in (letter.serial, f" {letter.serial.lower()} ", letter.serial.replace("-000", "-")):
        resp = client.get("/xac-minh", query_string={"code": typed})
        assert resp.status_code == 302, typed
        assert resp.headers["Location"].endswith(f"/xac-minh/{letter.code}")
    page = client.get(f"/xac-minh/{letter.code}").get_data(as_text=True)
    assert letter.serial in page
    missing = client.get("/xac-minh", query_string={"code": "BK-56-2026-999999"})
    assert missing.status_code == 404


def test_the_demo_signs_with_invented_names_only():
    from app.demo.foundation import DEMO_USERS

    names = {u[1] for u in DEMO_USERS}
    assert "Nguyễn Khắc Hà" not in names  # a real provincial leader's name, printed under a drawn signature
    assert "Nguyễn Văn Mẫu" in names
