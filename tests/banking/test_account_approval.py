"""Official bank accounts in the staff UI with two-person approval (issue 17 item 7): a new account or a change of
its number, BIN or holder is pending until a different central admin approves it; only approved accounts are
public and in a VietQR; every step audited; other roles refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.banking.models import BankAccountChange, ChangeStatus, OfficialBankAccount
from app.banking.services import official_accounts_for, public_accounts
from tests import factories as f
from tests.conftest import login, post_form

NEW = {
    "bank_bin": "970415",
    "account_number": "1122334455",
    "account_name": "UY BAN MTTQ VIET NAM TINH KHANH HOA",
    "branch": "Chi nhánh Nha Trang",
    "unit_id": "",
    "swift_code": "ICBVVNVX",
    "feed_provider": "sepay",
    "feed_secret_env": "BANKFEED_SEPAY_SECRET",
}


@pytest.fixture
def admins(session):  # type: ignore[no-untyped-def]
    province = f.province(session)
    return {
        "maker": f.make_user(session, Role.CENTRAL_ADMIN, email="maker@test.vn"),
        "checker": f.make_user(session, Role.CENTRAL_ADMIN, email="checker@test.vn"),
        "province": province,
    }


def _propose(client, data=None):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/can-bo/tai-khoan-ngan-hang/moi", data or NEW)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(re.search(r"/(\d+)$", resp.headers["Location"]).group(1))


def _change(session, account_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return (
        session.execute(
            select(BankAccountChange)
            .where(BankAccountChange.account_id == account_id)
            .order_by(BankAccountChange.id.desc())
        )
        .scalars()
        .first()
    )


def _approve(client, change_id, account_id):  # type: ignore[no-untyped-def]
    page = f"/can-bo/tai-khoan-ngan-hang/{account_id}"
    return post_form(client, f"/can-bo/tai-khoan-ngan-hang/thay-doi/{change_id}/phe-duyet", {}, page=page)


def test_maker_cannot_approve_own_new_account(app, session, client, admins):  # type: ignore[no-untyped-def]
    login(client, "maker@test.vn")
    account_id = _propose(client)
    change = _change(session, account_id)
    page = client.get(f"/can-bo/tai-khoan-ngan-hang/{account_id}").get_data(as_text=True)
    assert "không tự phê duyệt được" in page
    assert f"/thay-doi/{change.id}/phe-duyet" not in page  # no approve button for the maker
    _approve(client, change.id, account_id)  # and posting it anyway is refused
    assert _change(session, account_id).status == ChangeStatus.PENDING
    acc = session.get(OfficialBankAccount, account_id)
    assert acc.approved is False
    assert acc.feed_secret_env == "BANKFEED_SEPAY_SECRET"  # the variable's name, never a secret


def test_pending_account_not_public_until_a_second_admin_approves(app, session, client, admins):  # type: ignore[no-untyped-def]
    login(client, "maker@test.vn")
    account_id = _propose(client)
    assert "1122334455" not in client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert all(a.id != account_id for a in public_accounts(session))
    assert all(a.id != account_id for a in official_accounts_for(session, None))
    assert client.get(f"/tai-khoan-quy/{account_id}/vietqr.svg").status_code == 404

    client.get("/dang-xuat")
    other = type(client)(app, client.response_wrapper)
    login(other, "checker@test.vn")
    change = _change(session, account_id)
    resp = _approve(other, change.id, account_id)
    assert resp.status_code == 302
    session.expire_all()
    acc = session.get(OfficialBankAccount, account_id)
    assert acc.approved and acc.approved_by_id == admins["checker"].id
    assert _change(session, account_id).status == ChangeStatus.APPROVED
    assert "1122334455" in client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert client.get(f"/tai-khoan-quy/{account_id}/vietqr.svg").status_code == 200
    actions = set(
        session.execute(
            select(AuditEntry.action).where(AuditEntry.entity_type == "official_bank_account")
        ).scalars()
    )
    assert {"bank_account.propose", "bank_account.approve"} <= actions


def test_number_change_waits_and_amender_cannot_approve(app, session, client, admins):  # type: ignore[no-untyped-def]
    fund_acc = OfficialBankAccount(
        unit_id=None,
        fund_id=_fund(session),
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0011001234567",
        account_name="UY BAN TRUNG UONG MTTQ VIET NAM",
    )
    session.add(fund_acc)
    session.commit()
    login(client, "maker@test.vn")
    page = f"/can-bo/tai-khoan-ngan-hang/{fund_acc.id}"
    data = dict(NEW, bank_bin="970436", account_number="9999999999", account_name=fund_acc.account_name)
    assert post_form(client, page, data).status_code == 302
    session.expire_all()
    acc = session.get(OfficialBankAccount, fund_acc.id)
    assert acc.account_number == "0011001234567"  # still the old number for donors
    assert acc.feed_provider.value == "sepay"  # feed settings apply at once
    assert "9999999999" not in client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    change = _change(session, acc.id)
    assert change.status == ChangeStatus.PENDING

    # the checker amends the change: now both prepared it, so neither may approve it
    checker = type(client)(app, client.response_wrapper)
    login(checker, "checker@test.vn")
    assert post_form(checker, page, dict(data, account_number="8888888888")).status_code == 302
    _approve(checker, change.id, acc.id)
    assert _change(session, acc.id).status == ChangeStatus.PENDING

    third = f.make_user(session, Role.CENTRAL_ADMIN, email="third@test.vn")
    assert third.id not in _change(session, acc.id).participant_ids
    c3 = type(client)(app, client.response_wrapper)
    login(c3, "third@test.vn")
    _approve(c3, change.id, acc.id)
    session.expire_all()
    acc = session.get(OfficialBankAccount, fund_acc.id)
    assert acc.account_number == "8888888888"
    assert "8888888888" in client.get("/cong-khai/tai-khoan").get_data(as_text=True)


def _fund(session):  # type: ignore[no-untyped-def]
    from app.ledger.services import main_fund

    return main_fund(session).id


def test_deactivated_account_leaves_the_public_page(app, session, client, admins):  # type: ignore[no-untyped-def]
    acc = OfficialBankAccount(
        unit_id=None,
        fund_id=_fund(session),
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0011001234567",
        account_name="UY BAN TRUNG UONG MTTQ VIET NAM",
    )
    session.add(acc)
    session.commit()
    login(client, "maker@test.vn")
    page = f"/can-bo/tai-khoan-ngan-hang/{acc.id}"
    resp = post_form(client, f"{page}/ngung", {"reason": "Đóng tài khoản"}, page=page)
    assert resp.status_code == 302
    assert "0011001234567" not in client.get("/cong-khai/tai-khoan").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PROVINCE_STAFF, Role.APPROVER, Role.COMMUNE_STAFF, Role.DONOR])
def test_other_roles_refused(app, session, client, admins, role):  # type: ignore[no-untyped-def]
    where = (
        None
        if role == Role.DONOR
        else (
            admins["province"]
            if role in (Role.PROVINCE_STAFF, Role.APPROVER)
            else f.unit(session, f.KHANH_SON)
        )
    )
    donor = f.make_donor(session) if role == Role.DONOR else None
    user = f.make_user(session, role, where, donor=donor)
    login(client, user.email)
    assert client.get("/can-bo/tai-khoan-ngan-hang/").status_code == 403
    assert client.get("/can-bo/tai-khoan-ngan-hang/moi").status_code == 403
    resp = client.post("/can-bo/tai-khoan-ngan-hang/moi", data=NEW)
    assert resp.status_code in (400, 403)
    assert session.execute(select(BankAccountChange)).first() is None


def test_bad_input_named_by_field(app, session, client, admins):  # type: ignore[no-untyped-def]
    login(client, "maker@test.vn")
    resp = post_form(
        client,
        "/can-bo/tai-khoan-ngan-hang/moi",
        dict(NEW, account_number="12-34 ab ĐƯỜNG", swift_code="XX", feed_secret_env="s3cr3t-value"),
    )
    assert resp.status_code == 422
    assert "Số tài khoản" in resp.get_data(as_text=True)
    assert session.execute(select(OfficialBankAccount)).first() is None
