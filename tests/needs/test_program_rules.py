"""Program rules (issue 18.5): support limits per program, purpose and province, with their legal basis and dates,
applied when a need is entered and when matching allocates; an override needs a reason the approver sees; the
need records its poverty list's year and standard."""

from __future__ import annotations

from datetime import date

import pytest

from app.needs import limits, registry, review
from app.needs.models import NeedKind, NeedStatus, SupportLimit
from tests.conftest import login
from tests.needs.conftest import actor_of, add_need, need_input


def _limits(session, w, *, province_build: int | None = None) -> None:  # type: ignore[no-untyped-def]
    limits.seed_demo(session)  # national 60 M / 30 M for 2024–2025, and the poverty standards
    for kind, amount in ((NeedKind.NEW_HOUSE, 60_000_000), (NeedKind.REPAIR, 30_000_000)):
        session.add(
            SupportLimit(
                program_code="nha-dai-doan-ket",
                program_name="Hỗ trợ nhà Đại đoàn kết",
                need_kind=kind,
                province_id=None,
                max_vnd=amount,
                legal_basis="Văn bản thử nghiệm",
                valid_from=date(2026, 1, 1),
            )
        )
    if province_build:
        session.add(
            SupportLimit(
                program_code="kh",
                program_name="Mức hỗ trợ của tỉnh Khánh Hòa",
                need_kind=NeedKind.NEW_HOUSE,
                province_id=w.khanh_hoa.id,
                max_vnd=province_build,
                legal_basis="Quyết định thử nghiệm của tỉnh",
                valid_from=date(2026, 1, 1),
            )
        )
    session.commit()


def test_a_need_above_the_limit_is_refused_without_a_reason(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    _limits(session, w)
    with pytest.raises(
        registry.NeedError, match="vượt mức hỗ trợ tối đa 60.000.000 ₫ của Hỗ trợ nhà Đại đoàn kết"
    ):
        registry.create_need(
            session,
            actor_of(w.ks_staff),
            w.campaign,
            need_input(w.khanh_son, estimated_cost_vnd=100_000_000, requested_vnd=80_000_000),
        )
    session.rollback()
    with pytest.raises(registry.NeedError, match="30.000.000 ₫"):
        registry.create_need(
            session,
            actor_of(w.ks_staff),
            w.campaign,
            need_input(
                w.khanh_son,
                need_kind=NeedKind.REPAIR,
                estimated_cost_vnd=50_000_000,
                requested_vnd=35_000_000,
            ),
        )
    session.rollback()
    need = add_need(session, w, requested_vnd=60_000_000)  # at the limit: fine
    assert need.support_limit_vnd == 60_000_000 and need.limit_override_reason == ""


def test_a_province_sets_its_own_limit(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    _limits(session, w, province_build=70_000_000)
    need = add_need(session, w, estimated_cost_vnd=90_000_000, requested_vnd=70_000_000)
    assert need.support_limit_vnd == 70_000_000
    assert (
        limits.limit_for(session, NeedKind.NEW_HOUSE, w.hanoi.id, w.campaign.starts_on).max_vnd == 60_000_000
    )
    # the 2024–2025 programme is not in force for a 2026 campaign, but is for a day in 2025
    old = limits.limit_for(session, NeedKind.NEW_HOUSE, None, date(2025, 6, 1))
    assert old.program_name == "Chương trình xóa nhà tạm, nhà dột nát 2024–2025"


def test_an_override_with_a_reason_is_shown_to_the_approver(session, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    _limits(session, w)
    need = add_need(
        session,
        w,
        estimated_cost_vnd=100_000_000,
        requested_vnd=75_000_000,
        limit_override_reason="Hộ ở vùng sạt lở, phải làm móng kè",
    )
    assert need.limit_override_reason == "Hộ ở vùng sạt lở, phải làm móng kè"
    login(client, w.approver.email)
    html = client.get(f"/can-bo/nhu-cau/{need.id}").get_data(as_text=True)
    assert "Vượt mức hỗ trợ: đề nghị 75.000.000 ₫, mức tối đa 60.000.000 ₫." in html
    assert "Hộ ở vùng sạt lở, phải làm móng kè" in html
    # raising it later is a change the next approver sees as well
    registry.approve_need(session, actor_of(w.approver), w.approver, need.id)
    registry.update_need(
        session,
        actor_of(w.ks_staff),
        w.ks_staff,
        need.id,
        need_input(
            w.khanh_son,
            estimated_cost_vnd=100_000_000,
            requested_vnd=80_000_000,
            limit_override_reason="Hộ ở vùng sạt lở, phải làm móng kè và tường chắn",
        ),
    )
    session.commit()
    assert need.status == NeedStatus.PROPOSED
    diff = review.pending_diff(session, review.NEED, need.id)
    assert diff["limit_override"] == (
        "Hộ ở vùng sạt lở, phải làm móng kè",
        "Hộ ở vùng sạt lở, phải làm móng kè và tường chắn",
    )


def test_the_need_records_its_poverty_list_year_and_standard(session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    _limits(session, w)
    need = add_need(session, w, poverty_list_year=2025)
    assert need.poverty_standard.code == "2022-2025"
    assert "07/2021/NĐ-CP" in need.poverty_standard.legal_basis
    other = add_need(session, w, poverty_list_year=2027, citizen_id="056085731902")
    assert other.poverty_standard.code == "2026-2030"


def test_the_entry_form_shows_the_limits_in_force(session, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    _limits(session, w)
    login(client, w.ks_staff.email)
    html = client.get("/can-bo/nhu-cau/them").get_data(as_text=True)
    assert "Mức hỗ trợ tối đa từ Quỹ:" in html and "60.000.000 ₫" in html and "30.000.000 ₫" in html
    assert "Văn bản thử nghiệm" in html


def test_designations_resolve_through_the_legacy_commune_stored_on_the_need(session, world) -> None:  # type: ignore[no-untyped-def]
    """Xã Vạn Thạnh (a special-difficulty coastal commune until 2024) merged into xã Đại Lãnh: its designation
    counts for a household assessed in Vạn Thạnh, not for one assessed in another old commune of Đại Lãnh."""
    from sqlalchemy import select

    from app.needs import scoring
    from app.units.models import AdminUnit, LegacyUnit, UnitLevel, UnitLineage

    w = world
    van_thanh = session.execute(
        select(LegacyUnit).where(LegacyUnit.level == UnitLevel.COMMUNE, LegacyUnit.code == 22519)
    ).scalar_one()
    dai_lanh_id = session.execute(
        select(UnitLineage.admin_unit_id).where(UnitLineage.legacy_unit_id == van_thanh.id)
    ).scalar_one()
    other_old = (
        session.execute(
            select(UnitLineage.legacy_unit_id).where(
                UnitLineage.admin_unit_id == dai_lanh_id, UnitLineage.legacy_unit_id != van_thanh.id
            )
        )
        .scalars()
        .first()
    )
    assert other_old is not None
    dai_lanh = session.get(AdminUnit, dai_lanh_id)
    on = date(2023, 6, 1)
    kinds = scoring.designations_by_area(
        session, [(dai_lanh.id, van_thanh.id), (dai_lanh.id, other_old), (dai_lanh.id, None)], on=on
    )
    assert "xa_dbkk_bai_ngang" in kinds[(dai_lanh.id, van_thanh.id)]
    assert "xa_dbkk_bai_ngang" not in kinds[(dai_lanh.id, other_old)]
    assert (
        "xa_dbkk_bai_ngang" in kinds[(dai_lanh.id, None)]
    )  # unknown old commune: the whole lineage, as before
    assessed = add_need(session, w, dai_lanh, legacy_commune_id=van_thanh.id)
    elsewhere = add_need(session, w, dai_lanh, legacy_commune_id=other_old, citizen_id="056085731903")
    _, with_it = scoring.explain_need(session, assessed, on=on)
    _, without = scoring.explain_need(session, elsewhere, on=on)
    codes = {code for code, _, _ in with_it} - {code for code, _, _ in without}
    assert codes, (with_it, without)


def test_a_poor_district_counts_for_a_household_assessed_in_one_of_its_old_communes(session, world) -> None:  # type: ignore[no-untyped-def]
    """Huyện Khánh Sơn was a poor district until February 2025: a household assessed in one of its old communes
    carries "huyện nghèo" on the campaign's date before then (through the old commune's district), not after, and a
    household assessed in an old commune of another district never does — whether its page scores it alone or a
    whole registry is scored at once."""
    from sqlalchemy import select

    from app.needs import scoring
    from app.units.models import LegacyUnit, UnitLevel, UnitLineage

    def old_commune_of(district_code: int) -> tuple[int, int]:
        district = session.execute(
            select(LegacyUnit).where(LegacyUnit.level == UnitLevel.DISTRICT, LegacyUnit.code == district_code)
        ).scalar_one()
        row = session.execute(
            select(UnitLineage.admin_unit_id, LegacyUnit.id)
            .join(UnitLineage, UnitLineage.legacy_unit_id == LegacyUnit.id)
            .where(LegacyUnit.parent_id == district.id)
            .order_by(LegacyUnit.code)
            .limit(1)
        ).one()
        return int(row[0]), int(row[1])

    in_khanh_son: tuple[int, int | None] = old_commune_of(575)
    in_ninh_hoa: tuple[int, int | None] = old_commune_of(572)  # thị xã Ninh Hòa: never a poor district
    before, after = date(2023, 6, 1), date(2026, 6, 1)
    one = scoring.designations_by_area(session, [in_khanh_son], on=before)
    assert "huyen_ngheo" in one[in_khanh_son]
    assert "huyen_ngheo" not in scoring.designations_by_area(session, [in_khanh_son], on=after)[in_khanh_son]
    assert "huyen_ngheo" not in scoring.designations_by_area(session, [in_ninh_hoa], on=before)[in_ninh_hoa]
    # the registry scored at once reads every designation: the same answer as the page's narrower read
    many = [
        (c, legacy)
        for c, legacy in session.execute(select(UnitLineage.admin_unit_id, UnitLineage.legacy_unit_id))
    ]
    assert len(many) + len({c for c, _ in many}) > scoring.SMALL_AREA  # Khánh Hòa and Hà Nội: the wide read
    every = scoring.designations_by_area(session, many, on=before)
    assert every[in_khanh_son] == one[in_khanh_son]
    assert all(
        every[key] == scoring.designations_by_area(session, [key], on=before)[key]
        for key in many[:: len(many) // 40]
    )
