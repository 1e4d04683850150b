"""Fixtures for pledge tests: Khánh Hòa's 2026 campaign, its official accounts, and staff of two communes."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.banking.models import OfficialBankAccount
from app.ledger.services import main_fund
from tests import factories as f


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    province = f.province(session)
    khanh_son = f.unit(session, f.KHANH_SON)
    cam_lam = f.unit(session, f.CAM_LAM)
    campaign = f.make_campaign(session, province)
    fund = main_fund(session)
    session.add_all(
        [
            OfficialBankAccount(
                unit_id=province.id,
                fund_id=fund.id,
                bank_bin="970436",
                bank_name="Vietcombank",
                account_number="0061001234567",
                account_name="UY BAN MTTQ TINH KHANH HOA",
            ),
            OfficialBankAccount(
                unit_id=khanh_son.id,
                fund_id=fund.id,
                bank_bin="970418",
                bank_name="BIDV",
                account_number="58010000123456",
                account_name="UY BAN MTTQ XA KHANH SON",
            ),
        ]
    )
    session.commit()
    return {
        "province": province,
        "khanh_son": khanh_son,
        "cam_lam": cam_lam,
        "campaign": campaign,
        "khanh_son_staff": f.make_user(session, Role.COMMUNE_STAFF, khanh_son),
        "cam_lam_staff": f.make_user(session, Role.COMMUNE_STAFF, cam_lam),
        "province_staff": f.make_user(session, Role.PROVINCE_STAFF, province),
    }
