"""Entering, editing and reviewing needs; identifiers encrypted at rest; priority scores."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditEntry
from app.needs import models, registry, scoring
from app.needs.models import HouseholdNeed, NeedStatus
from app.needs.priority import score_need
from tests.conftest import login, post_form
from tests.needs.conftest import (
    ADDRESS,
    CITIZEN_ID,
    PHONE,
    actor_of,
    add_need,
    approve,
    need_form_data,
    need_input,
)


def test_identifiers_are_encrypted_at_rest(session, world):
    need = add_need(session, world)
    raw = session.execute(
        text(
            "SELECT citizen_id_enc, phone_enc, address_enc, citizen_id_digest "
            "FROM household_needs WHERE id = :id"
        ),
        {"id": need.id},
    ).one()
    stored = " ".join(v or "" for v in raw)
    assert CITIZEN_ID not in stored and PHONE not in stored and "Nhà số 99" not in stored
    assert all(raw)  # each was stored (encrypted), not dropped
    # And nowhere in the audit log either.
    audit = " ".join(str(e.new_values) for e in session.execute(select(AuditEntry)).scalars())
    assert CITIZEN_ID not in audit and "Mấu Văn Thử" not in audit


def test_identifiers_decrypt_only_for_staff_of_the_area(session, world):
    need = add_need(session, world)
    ids = registry.reveal_identifiers(session, actor_of(world.province_staff), world.province_staff, need)
    assert (ids.citizen_id, ids.phone, ids.address) == (CITIZEN_ID, PHONE, ADDRESS)
    for outsider in (world.cl_staff, world.other_province_staff):
        with pytest.raises(registry.NeedError):
            registry.reveal_identifiers(session, actor_of(outsider), outsider, need)


def test_a_different_key_cannot_read_the_identifiers(app, session, world):
    need = add_need(session, world)
    app.config["DATA_ENCRYPTION_KEY"] = "x" * 43 + "="  # a valid Fernet key, but not the one used
    from app.needs import crypto

    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(need.citizen_id_enc)


def test_same_household_twice_in_a_campaign_is_refused(session, world):
    add_need(session, world)
    with pytest.raises(registry.NeedError, match="Số CCCD: hộ này đã có"):
        add_need(session, world, head_name="Người Khác")


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("citizen_id", "12345", "Số CCCD phải gồm đúng 12 chữ số"),
        ("citizen_id", "999123456789", "ba chữ số đầu"),
        ("phone", "12345", "Số điện thoại không hợp lệ"),
        ("requested_vnd", 90_000_000, "Đề nghị Quỹ hỗ trợ: không được vượt quá dự toán"),
        ("head_name", "  ", "Họ tên chủ hộ: chưa nhập"),
    ],
)
def test_bad_input_is_refused_naming_the_field(session, world, field, value, message):
    with pytest.raises(registry.NeedError, match=message):
        registry.create_need(
            session, actor_of(world.ks_staff), world.campaign, need_input(world.khanh_son, **{field: value})
        )


def test_requested_cannot_exceed_cost_minus_secured(session, world):
    data = need_input(
        world.khanh_son,
        estimated_cost_vnd=80_000_000,
        requested_vnd=60_000_000,
        sources=[registry.SourceInput(models.SourceKind.STATE, "Chương trình 1719", 30_000_000)],
    )
    with pytest.raises(registry.NeedError, match="50.000.000"):
        registry.create_need(session, actor_of(world.ks_staff), world.campaign, data)


def test_entry_form_saves_a_proposed_need_with_sources(client, session, world):
    login(client, world.ks_staff.email)
    resp = post_form(
        client,
        "/can-bo/nhu-cau/them",
        {
            "commune_id": world.khanh_son.id,
            "hamlet_id": world.hamlet.id,
            "head_name": "Cao Thị Nhung",
            "citizen_id": "056 190 123 456",
            "phone": "0905 123 456",
            "address": "Số 3, Thôn Tà Lương",
            "household_size": 4,
            "poverty_status": "poor",
            "elderly_alone": "y",
            "need_kind": "new_house",
            "estimated_cost": "90.000.000",
            "requested": "60.000.000",
            "source1_kind": "state",
            "source1_name": "Chương trình xóa nhà tạm",
            "source1_amount": "20.000.000",
            "source2_kind": "",
            "source3_kind": "",
        },
    )
    assert resp.status_code == 302
    need = session.execute(
        select(HouseholdNeed).where(HouseholdNeed.head_name == "Cao Thị Nhung")
    ).scalar_one()
    assert need.status == NeedStatus.PROPOSED and need.head_initials == "C.T.N."
    assert need.secured_vnd == 20_000_000 and need.elderly_alone and need.hamlet_id == world.hamlet.id
    assert need.proposed_by_id == world.ks_staff.id


def test_entry_form_shows_errors_in_vietnamese(client, session, world):
    login(client, world.ks_staff.email)
    resp = post_form(
        client,
        "/can-bo/nhu-cau/them",
        {
            "commune_id": world.khanh_son.id,
            "hamlet_id": 0,
            "head_name": "Cao Thị Nhung",
            "household_size": 4,
            "poverty_status": "poor",
            "need_kind": "repair",
            "estimated_cost": "abc",
            "requested": "",
            "source1_kind": "",
            "source2_kind": "",
            "source3_kind": "",
        },
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Dự toán kinh phí: “abc” không phải số tiền hợp lệ" in page
    assert "Đề nghị Quỹ hỗ trợ: chưa nhập." in page
    assert session.execute(select(HouseholdNeed)).first() is None


def test_commune_edit_of_an_approved_need_sends_it_back_and_bumps_version(session, world):
    need = approve(session, world, add_need(session, world))
    version = need.version
    data = registry.need_input_from(need)
    data.household_size = 6
    registry.update_need(session, actor_of(world.ks_staff), world.ks_staff, need.id, data)
    session.commit()
    assert need.status == NeedStatus.PROPOSED and need.version == version + 1
    # Identifiers survive an edit.
    assert registry.need_input_from(need).citizen_id == CITIZEN_ID


def test_reject_needs_a_reason_and_is_shown(client, session, world):
    need = add_need(session, world)
    login(client, world.province_staff.email)
    resp = post_form(
        client,
        f"/can-bo/nhu-cau/{need.id}/tu-choi",
        {"reason": ""},
        page=f"/can-bo/nhu-cau/{need.id}",
        follow_redirects=True,
    )
    assert "Lý do không duyệt: chưa nhập." in resp.get_data(as_text=True)
    resp = post_form(
        client,
        f"/can-bo/nhu-cau/{need.id}/tu-choi",
        {"reason": "Đã được hỗ trợ năm 2024"},
        page=f"/can-bo/nhu-cau/{need.id}",
        follow_redirects=True,
    )
    assert "Lý do không duyệt: Đã được hỗ trợ năm 2024" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(HouseholdNeed, need.id).status == NeedStatus.REJECTED


def test_score_explains_each_criterion_with_area_designations(session, world):
    need = add_need(session, world, merit_family=True, disability=True)
    score, reasons = score_need(need, ["huyen_ngheo", "vung_dtts"], None)
    codes = [c for c, _, _ in reasons]
    assert codes == [
        "poor",
        "merit_family",
        "ethnic_minority",
        "disability",
        "poor_district",
        "ethnic_minority_area",
    ]
    assert score == 40 + 25 + 15 + 15 + 20 + 10
    # Weights are per campaign; zero switches a criterion off.
    score2, reasons2 = score_need(need, ["huyen_ngheo"], {"poor": 50, "poor_district": 0, "merit_family": 5})
    assert score2 == 55 and [c for c, _, _ in reasons2] == ["poor", "merit_family"]
    # A frozen snapshot (a plain dict) scores the same as the row.
    snapshot = {"poverty_status": "poor", "merit_family": True, "ethnic_minority": True, "disability": True}
    assert score_need(snapshot, ["huyen_ngheo", "vung_dtts"], None)[0] == score


def test_priority_weights_edited_by_province_and_published(client, session, world):
    from app.needs.priority import CRITERIA

    login(client, world.ks_staff.email)
    page = client.get("/can-bo/tieu-chi-uu-tien").get_data(as_text=True)
    assert "Chỉ cán bộ cấp tỉnh" in page
    data = {f"w_{code}": w for code, (w, _) in CRITERIA.items()}
    resp = post_form(client, "/can-bo/tieu-chi-uu-tien", {**data, "late_days": 90})
    assert resp.status_code == 403
    client.post("/dang-xuat", data={"csrf_token": ""})
    client2 = client.application.test_client()
    login(client2, world.province_staff.email)
    resp = post_form(client2, "/can-bo/tieu-chi-uu-tien", {**data, "w_merit_family": 35, "late_days": 60})
    assert resp.status_code == 302
    public = client.application.test_client().get("/cong-khai/tieu-chi-uu-tien").get_data(as_text=True)
    assert 'Gia đình có công với cách mạng</td><td class="num">35' in public
    assert "quá 60 ngày" in public
    need = add_need(session, world, merit_family=True)
    _, reasons = scoring.explain_need(session, need)
    assert ("merit_family", "Gia đình có công với cách mạng", 35) in reasons


def test_designations_in_bulk_match_one_by_one(session, world):
    from datetime import date

    from app.needs.scoring import designations_by_commune
    from app.units.models import AdminUnit, UnitLevel
    from app.units.services import designations_for_commune

    communes = (
        session.query(AdminUnit)
        .filter(AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.parent_id == world.khanh_hoa.id)
        .all()
    )
    for day in (date(2023, 6, 1), date(2026, 6, 1)):
        bulk = designations_by_commune(session, [c.id for c in communes], on=day)
        for c in communes:
            assert bulk[c.id] == sorted({d.kind for d in designations_for_commune(session, c.id, on=day)}), (
                c.name
            )
    assert (
        "huyen_ngheo"
        in designations_by_commune(session, [world.khanh_son.id], on=date(2023, 6, 1))[world.khanh_son.id]
    )


def test_score_needs_in_sql_equals_score_need(session, world):
    import random
    from datetime import date

    from app.needs.models import PovertyStatus
    from app.needs.priority import rules_for_campaign

    rng = random.Random(5)
    scoring.save_priority_rules(
        session,
        actor_of(world.province_staff),
        world.campaign,
        {"merit_family": 33, "single_parent": 0, "poor_district": 21},
    )
    for i in range(30):
        flags = {
            f: rng.random() < 0.4
            for f in ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent")
        }
        add_need(
            session,
            world,
            world.khanh_son if i % 2 else world.cam_lam,
            citizen_id=f"0560857319{i:02d}",
            poverty_status=rng.choice(list(PovertyStatus)),
            **flags,
        )
    on = date(2023, 6, 1)  # Khánh Sơn was a poor district then
    rules = rules_for_campaign(session, world.campaign.id)
    got = scoring.score_needs(session, world.campaign.id, on=on, statuses=None)
    assert len(got) == 30
    for need_id, _, score in got:
        need = session.get(HouseholdNeed, need_id)
        expected, _ = score_need(
            need, scoring.designations_by_commune(session, [need.commune_id], on=on)[need.commune_id], rules
        )
        assert score == expected
    assert {s for _, cid, s in got if cid == world.khanh_son.id} != {
        s for _, cid, s in got if cid == world.cam_lam.id
    }
    assert scoring.score_needs(session, world.campaign.id) == []  # none approved yet


def test_edit_form_never_shows_identifiers_and_keeps_them(client, session, world):
    need = add_need(session, world)
    login(client, world.ks_staff.email)
    page = client.get(f"/can-bo/nhu-cau/{need.id}/sua").get_data(as_text=True)
    assert CITIZEN_ID not in page and PHONE not in page and "Nhà số 99" not in page
    assert "Đã lưu (mã hóa): để trống để giữ nguyên." in page
    resp = post_form(
        client,
        f"/can-bo/nhu-cau/{need.id}/sua",
        {
            "commune_id": world.khanh_son.id,
            "hamlet_id": 0,
            "head_name": "Mấu Văn Thử",
            "household_size": 5,
            "poverty_status": "poor",
            "ethnic_minority": "y",
            "need_kind": "new_house",
            "estimated_cost": "80.000.000",
            "requested": "60.000.000",
            "phone": "0912 345 678",
            "source1_kind": "",
            "source2_kind": "",
            "source3_kind": "",
        },
    )
    assert resp.status_code == 302
    session.expire_all()
    kept = registry.need_input_from(session.get(HouseholdNeed, need.id))
    assert (kept.citizen_id, kept.phone, kept.address, kept.household_size) == (
        CITIZEN_ID,
        "0912345678",
        ADDRESS,
        5,
    )


def test_scoring_reads_designations_in_force_on_the_campaigns_date_not_today(session, world):
    """Issue 18.5: Khánh Sơn's poor-district designation ended before today; a campaign that started while it was
    in force scores its households with it, in the registry (SQL), on the need's page and in matching alike."""
    from datetime import date

    from app.needs.priority import rules_for_campaign

    scoring.save_priority_rules(
        session, actor_of(world.province_staff), world.campaign, {"poor_district": 21}
    )
    need = add_need(session, world, world.khanh_son, citizen_id="056085731999")
    rules = rules_for_campaign(session, world.campaign.id)
    today_kinds = scoring.designations_by_commune(session, [world.khanh_son.id])[world.khanh_son.id]
    assert "huyen_ngheo" not in today_kinds  # not a poor district any more
    without, _ = score_need(need, today_kinds, rules)

    world.campaign.starts_on = date(2023, 6, 1)  # Khánh Sơn was a poor district then
    session.flush()
    assert scoring.scoring_date(world.campaign) == date(2023, 6, 1)
    ((_, _, in_sql),) = scoring.score_needs(session, world.campaign.id, statuses=None)
    on_page, reasons = scoring.explain_need(session, need)
    assert in_sql == on_page == without + 21
    assert any(points == 21 for _, _, points in reasons)


def test_entry_form_lists_hamlets_escaped_and_keeps_the_chosen_one(client, session, world):
    """The hamlet list (written option by option in one format, app.core.forms.ManyOptionsSelect) shows a hamlet's
    name as text, never as markup, and a form refused for another field comes back with the hamlet still chosen."""
    from app.units.services import add_hamlet

    odd = add_hamlet(session, world.khanh_son.id, 'Tổ "Mới" <b>2</b> & Suối')
    session.commit()
    login(client, world.ks_staff.email)
    page = client.get("/can-bo/nhu-cau/them").get_data(as_text=True)
    assert f'<option value="{odd.id}">Tổ &#34;Mới&#34; &lt;b&gt;2&lt;/b&gt; &amp; Suối</option>' in page
    assert "<b>2</b>" not in page
    resp = post_form(
        client, "/can-bo/nhu-cau/them", need_form_data(world, hamlet_id=str(odd.id), head_name="")
    )
    refused = resp.get_data(as_text=True)
    assert "Họ tên chủ hộ" in refused
    assert f'<option selected value="{odd.id}">' in refused
    assert f'<option selected value="{world.hamlet.id}">' not in refused
