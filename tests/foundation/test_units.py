from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.units.models import AdminUnit, AreaDesignation, UnitLevel
from app.units.services import (
    UnitImportError,
    designations_for_commune,
    find_hamlet,
    former_districts,
    import_designations_csv,
    import_units,
)
from tests.factories import DAI_LANH, KHANH_SON, KHANH_VINH, province, unit

HEADER = "designation,legacy_level,legacy_code,legacy_name,legal_basis,valid_from,valid_to,note\n"


def test_khanh_hoa_has_its_65_official_units_and_keeps_the_old_ones(session):
    kh = province(session)
    assert kh.name == "Tỉnh Khánh Hòa"
    communes = session.execute(select(func.count()).where(AdminUnit.parent_id == kh.id)).scalar_one()
    assert communes == 65
    khanh_son = unit(session, KHANH_SON)
    assert khanh_son.name == "Xã Khánh Sơn" and khanh_son.code_source.startswith("vietnam-provinces")
    assert [d.name for d in former_districts(session, khanh_son.id)] == ["Huyện Khánh Sơn"]


def test_import_is_idempotent(session):
    summary = import_units(session, [56])
    assert (summary.provinces, summary.communes, summary.lineage_links) == (0, 0, 0)


def test_designations_resolve_to_current_communes_through_the_lineage(session):
    kinds = {d.kind for d in designations_for_commune(session, unit(session, KHANH_SON).id)}
    assert kinds == {"huyen_ngheo"}
    assert {d.kind for d in designations_for_commune(session, unit(session, KHANH_VINH).id)} == {
        "huyen_ngheo"
    }
    # Vạn Thạnh (special-difficulty coastal commune until 2024) is now part of Đại Lãnh.
    dai_lanh = designations_for_commune(session, unit(session, DAI_LANH).id)
    assert [d.kind for d in dai_lanh] == ["xa_dbkk_bai_ngang"]
    # Designations are dated: Khánh Sơn had left the poor-district list by the 2026 campaign.
    assert designations_for_commune(session, unit(session, KHANH_SON).id, on=date(2026, 10, 17)) == []
    assert designations_for_commune(session, unit(session, KHANH_SON).id, on=date(2024, 10, 17))


def test_a_csv_with_an_unknown_code_or_a_duplicate_row_names_the_line_and_imports_nothing(session):
    before = session.execute(select(func.count()).select_from(AreaDesignation)).scalar_one()
    text = (
        HEADER
        + "vung_dtts,district,573,Huyện Khánh Vĩnh,QĐ 861/QĐ-TTg,2021-06-04,,\n"
        + "vung_dtts,district,99999,Huyện Không Có,QĐ 861/QĐ-TTg,2021-06-04,,\n"
        + "vung_dtts,district,573,Huyện Khánh Vĩnh,QĐ 861/QĐ-TTg,2021-06-04,,\n"
    )
    with pytest.raises(UnitImportError) as err:
        import_designations_csv(session, text)
    message = str(err.value)
    assert "Dòng 3" in message and "99999" in message
    assert "Dòng 4" in message and "trùng với dòng 2" in message
    session.rollback()
    assert session.execute(select(func.count()).select_from(AreaDesignation)).scalar_one() == before


def test_csv_with_missing_columns_or_bad_dates_is_refused(session):
    with pytest.raises(UnitImportError, match="Thiếu cột"):
        import_designations_csv(session, "kind,code\nx,1\n")
    with pytest.raises(UnitImportError, match="Dòng 2.*31/02/2021"):
        import_designations_csv(session, HEADER + "vung_dtts,district,573,x,QĐ,31/02/2021,,\n")


def test_the_designations_cli_refuses_a_broken_file(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "huyen_ngheo,commune,123456789,x,QĐ,2022-01-01,,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["units", "designations", str(bad)])
    assert result.exit_code != 0 and "Dòng 2" in result.output


def test_hamlets_are_found_without_diacritics(session):
    from app.units.services import add_hamlet

    commune = unit(session, KHANH_SON)
    add_hamlet(session, commune.id, "Thôn Tà Lương")
    assert find_hamlet(session, commune.id, "thon ta luong").name == "Thôn Tà Lương"
    assert find_hamlet(session, commune.id, "THÔN TÀ LƯƠNG") is not None
    assert find_hamlet(session, commune.id, "Thôn Khác") is None
    assert unit(session, KHANH_SON).level == UnitLevel.COMMUNE
