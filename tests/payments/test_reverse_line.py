"""Reversing the receipt(s) of one bank-statement line: only that line's share of the statement's ledger transaction
is reversed (a new transaction, nothing deleted), the other lines stay recorded, the line goes back to the review
queue and can be matched again, the pledge's status is recomputed, audited; refused twice, beyond what the pool
still holds, without a reason; staff of the statement's area only, CSRF required."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.contributions.models import Contribution, ContributionStatus
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Purpose, TransactionKind
from app.payments.errors import PaymentError
from app.payments.importing import import_statement
from app.payments.models import LineStatus, StatementLine
from app.payments.recording import match_to_references
from app.payments.reversal import reverse_line
from app.pledges.models import Pledge, PledgeStatus
from app.pledges.services import amount_paid
from app.units.services import import_units
from tests.conftest import csrf_from, login, post_form
from tests.factories import SYSTEM, make_donor, make_user, province
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import stmt_from, vcb_csv


@pytest.fixture
def imported(session, kh_setup):  # type: ignore[no-untyped-def]
    """A statement of the province account with three matched lines: 5M for pledge p (earmarked Khánh Sơn,
    housing), 500k for pledge q, 7M for pledge r of 5M (5M on the pledge, 2M an unrestricted gift); one line
    left unmatched."""
    campaign, kh, ks = kh_setup["campaign"], kh_setup["province"], kh_setup["khanh_son"]
    p = make_pledge(session, campaign, 5_000_000, donor_name="Hộ ông Đặng Văn Ánh", receiving=kh, earmark=ks)
    q = make_pledge(session, campaign, 2_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh)
    r = make_pledge(
        session,
        campaign,
        5_000_000,
        donor_name="Công ty TNHH Biển Xanh",
        receiving=kh,
        purpose=Purpose.LIVELIHOOD,
    )
    lines = [
        ("1", 5_000_000, f"{p.reference} ung ho"),
        ("2", 500_000, f"{q.reference} dot 1"),
        ("3", 7_000_000, f"{r.reference} ung ho"),
        ("4", 250_000, "ung ho nguoi ngheo"),
    ]
    stmt = stmt_from(session, kh_setup["prov_acc"], vcb_csv([(date.today() + timedelta(days=1), lines)], 0))
    import_statement(session, SYSTEM, stmt)
    session.commit()
    by_amount = {x.amount_vnd: x for x in session.execute(select(StatementLine)).scalars()}
    return {
        "stmt": stmt,
        "p": p,
        "q": q,
        "r": r,
        "fund_id": campaign.fund_id,
        "kh": kh,
        "ks": ks,
        "line_p": by_amount[5_000_000],
        "line_q": by_amount[500_000],
        "line_r": by_amount[7_000_000],
        "open": by_amount[250_000],
    }


def _balance(session, fund_id: int, unit_id: int | None, kind: AccountKind, purpose: Purpose) -> int:  # type: ignore[no-untyped-def]
    key = LedgerAccount.make_key(fund_id, unit_id, kind, purpose)
    return session.execute(select(LedgerAccount.balance_vnd).where(LedgerAccount.key == key)).scalar() or 0


def _url(w: dict, line: StatementLine | None = None) -> str:
    return f"/can-bo/sao-ke/{w['stmt'].id}/dong/{(line or w['line_p']).id}/dao"


# ------------------------------------------------------------------------------------------------ service
def test_one_line_is_reversed_alone_and_can_be_matched_again(session, imported):
    w = imported
    fund_id, ks, kh = w["fund_id"], w["ks"].id, w["kh"].id
    line_p = w["line_p"]
    batch_tx = session.get(Contribution, line_p.contribution_id).ledger_transaction_id
    before = ledger.totals(session, fund_id)
    pool_before = _balance(session, fund_id, ks, AccountKind.UNALLOCATED, Purpose.HOUSING)
    q_pool_before = _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.HOUSING)
    assert session.get(Pledge, w["p"].id).status == PledgeStatus.FULFILLED

    reverse_line(session, SYSTEM, line_p.id, "  Ghép nhầm đăng ký  ")
    session.commit()
    session.expire_all()

    after = ledger.totals(session, fund_id)
    assert before.received_vnd - after.received_vnd == 5_000_000
    assert _balance(session, fund_id, ks, AccountKind.UNALLOCATED, Purpose.HOUSING) == pool_before - 5_000_000
    assert _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.HOUSING) == q_pool_before
    assert ledger.verify_ledger(session) == []
    # The receipt stays, marked reversed, linked to a new reversal transaction of exactly its share.
    c = session.execute(select(Contribution).where(Contribution.pledge_id == w["p"].id)).scalar_one()
    assert c.status == ContributionStatus.REVERSED and c.amount_vnd == 5_000_000
    rev = session.get(LedgerTransaction, c.reversal_transaction_id)
    assert rev.kind == TransactionKind.REVERSAL and rev.reverses_id is None
    assert sorted(p.amount_vnd for p in rev.postings) == [-5_000_000, 5_000_000]
    assert {p.account.unit_id for p in rev.postings} == {ks}
    assert "Ghép nhầm đăng ký" in rev.memo and f"#{batch_tx}" in rev.memo
    assert not ledger.is_reversed(session, batch_tx)  # the statement's transaction itself is not reversed
    # The other lines of the statement are untouched.
    others = session.execute(select(Contribution).where(Contribution.id != c.id)).scalars().all()
    assert len(others) == 3 and all(o.status == ContributionStatus.RECORDED for o in others)
    assert session.get(StatementLine, w["line_q"].id).status == LineStatus.MATCHED
    # The line is open again; the pledge it paid is no longer fulfilled.
    line = session.get(StatementLine, line_p.id)
    assert (line.status, line.pledge_id, line.contribution_id) == (LineStatus.UNMATCHED, None, None)
    assert amount_paid(session, w["p"].id) == 0
    assert session.get(Pledge, w["p"].id).status == PledgeStatus.PLEDGED
    # Audited: the line, the receipt, the pledge's status.
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "statement_line.reverse")
    ).scalar_one()
    assert entry.entity_id == str(line_p.id) and entry.unit_id == kh
    assert entry.new_values["reason"] == "Ghép nhầm đăng ký" and entry.new_values["amount_vnd"] == 5_000_000
    assert entry.old_values["status"] == "matched" and entry.old_values["pledge_id"] == w["p"].id
    assert (
        session.execute(
            select(func.count()).where(
                AuditEntry.action == "contribution.reverse", AuditEntry.entity_id == str(c.id)
            )
        ).scalar()
        == 1
    )
    assert (
        session.execute(
            select(AuditEntry.new_values)
            .where(AuditEntry.action == "pledge.status", AuditEntry.entity_id == str(w["p"].id))
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar()["status"]
        == "pledged"
    )

    # Matched again by hand to the right pledge: recorded anew (a new key), the books back up by 5M.
    right = make_pledge(
        session,
        session.get(Pledge, w["p"].id).campaign,
        5_000_000,
        donor_name="Ông Lê Văn Tám",
        receiving=w["kh"],
    )
    accounts = {w["stmt"].bank_account_id}
    assert match_to_references(session, SYSTEM, {line_p.id: right.reference}, accounts) == 1
    session.commit()
    session.expire_all()
    line = session.get(StatementLine, line_p.id)
    assert line.status == LineStatus.MATCHED and line.pledge_id == right.id
    new = session.get(Contribution, line.contribution_id)
    assert new.id != c.id and new.idempotency_key == f"bankline:{line_p.id}:2"
    assert new.status == ContributionStatus.RECORDED and amount_paid(session, right.id) == 5_000_000
    assert session.get(Pledge, right.id).status == PledgeStatus.FULFILLED
    assert ledger.totals(session, fund_id).received_vnd == before.received_vnd
    assert ledger.verify_ledger(session) == []
    # ... and reversed again, then receipted without a pledge: a third key.
    reverse_line(session, SYSTEM, line_p.id, "Vẫn nhầm")
    session.commit()
    from app.payments.recording import receipt_lines

    receipt_lines(session, SYSTEM, {line_p.id: None}, accounts)
    session.commit()
    session.expire_all()
    third = session.get(Contribution, session.get(StatementLine, line_p.id).contribution_id)
    assert third.idempotency_key == f"bankline:{line_p.id}:3" and third.status == ContributionStatus.RECORDED
    assert ledger.totals(session, fund_id).received_vnd == before.received_vnd
    assert ledger.verify_ledger(session) == []


def test_a_line_that_paid_more_than_its_pledge_reverses_both_receipts(session, imported):
    w = imported
    fund_id, kh = w["fund_id"], w["kh"].id
    line_r = w["line_r"]
    made = (
        session.execute(select(Contribution).where(Contribution.source.like(f"%:{line_r.id}")))
        .scalars()
        .all()
    )
    assert sorted(c.amount_vnd for c in made) == [2_000_000, 5_000_000]
    before = ledger.totals(session, fund_id).received_vnd
    livelihood = _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.LIVELIHOOD)
    unrestricted = _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.UNRESTRICTED)

    reversed_ = reverse_line(session, SYSTEM, line_r.id, "Chuyển nhầm tài khoản, đã hoàn trả")
    session.commit()
    session.expire_all()
    assert sorted(c.amount_vnd for c in reversed_) == [2_000_000, 5_000_000]
    assert before - ledger.totals(session, fund_id).received_vnd == 7_000_000
    assert (
        _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.LIVELIHOOD) == livelihood - 5_000_000
    )
    assert (
        _balance(session, fund_id, kh, AccountKind.UNALLOCATED, Purpose.UNRESTRICTED)
        == unrestricted - 2_000_000
    )
    assert all(session.get(Contribution, c.id).status == ContributionStatus.REVERSED for c in made)
    assert session.get(Pledge, w["r"].id).status == PledgeStatus.PLEDGED
    assert ledger.verify_ledger(session) == []


def test_refusals_leave_everything_as_it_was(session, imported):
    w = imported
    fund_id, ks = w["fund_id"], w["ks"].id
    line_p = w["line_p"]
    with pytest.raises(PaymentError, match="Lý do đảo: chưa nhập."):
        reverse_line(session, SYSTEM, line_p.id, "   ")
    with pytest.raises(PaymentError, match="chưa được ghi nhận hoặc đã được đảo"):
        reverse_line(session, SYSTEM, w["open"].id, "Không có gì")
    with pytest.raises(PaymentError, match="không thuộc địa bàn"):
        reverse_line(session, SYSTEM, line_p.id, "Ngoài địa bàn", account_ids={-1})
    session.rollback()

    # The pool's money was allocated: reversing 5M would leave it below zero.
    ledger.allocate(
        session,
        SYSTEM,
        fund_id=fund_id,
        target_unit_id=ks,
        target_purpose=Purpose.HOUSING,
        draws=[ledger.PoolDraw(ks, Purpose.HOUSING, 4_000_000)],
        occurred_on=date.today(),
    )
    session.commit()
    received = ledger.totals(session, fund_id).received_vnd
    with pytest.raises(
        PaymentError, match=r"Không đảo được dòng .*chỉ còn 1\.000\.000 ₫, không đủ 5\.000\.000 ₫"
    ):
        reverse_line(session, SYSTEM, line_p.id, "Ghép nhầm")
    session.rollback()
    session.expire_all()
    assert session.get(StatementLine, line_p.id).status == LineStatus.MATCHED
    assert session.get(Contribution, line_p.contribution_id).status == ContributionStatus.RECORDED
    assert ledger.totals(session, fund_id).received_vnd == received
    assert (
        session.execute(select(func.count()).where(AuditEntry.action == "statement_line.reverse")).scalar()
        == 0
    )

    # Twice: refused.
    reverse_line(session, SYSTEM, w["line_q"].id, "Ghép nhầm")
    session.commit()
    with pytest.raises(PaymentError, match="chưa được ghi nhận hoặc đã được đảo trước đó"):
        reverse_line(session, SYSTEM, w["line_q"].id, "Lần hai")
    session.rollback()
    # Once a share is reversed the statement's transaction cannot be reversed as a whole (it would count that
    # share twice); and a transaction reversed as a whole has no share left to reverse.
    batch_tx = session.get(Contribution, line_p.contribution_id).ledger_transaction_id
    with pytest.raises(ledger.AlreadyReversed, match="đã được đảo"):
        ledger.reverse(session, SYSTEM, batch_tx, reason="Cả lô", occurred_on=date.today())
    session.rollback()
    assert ledger.verify_ledger(session) == []


def test_a_statement_reversed_as_a_whole_has_no_share_left(session, imported):
    w = imported
    batch_tx = session.get(Contribution, w["line_q"].contribution_id).ledger_transaction_id
    ledger.reverse(session, SYSTEM, batch_tx, reason="Cả sao kê nhập nhầm", occurred_on=date.today())
    session.commit()
    with pytest.raises(PaymentError, match="đã được đảo toàn bộ"):
        reverse_line(session, SYSTEM, w["line_q"].id, "Ghép nhầm")
    session.rollback()
    assert ledger.verify_ledger(session) == []


# ------------------------------------------------------------------------------------------------ pages
def test_reversal_through_the_pages_with_reason_and_confirmation(client, session, kh_setup, imported):
    w = imported
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    page = client.get(f"/can-bo/sao-ke/{w['stmt'].id}").get_data(as_text=True)
    assert _url(w) in page and _url(w, w["line_q"]) in page
    assert _url(w, w["open"]) not in page  # nothing recorded from it: nothing to reverse
    confirm = client.get(_url(w)).get_data(as_text=True)
    assert "5.000.000 ₫" in confirm and w["p"].reference in confirm and "Lý do đảo" in confirm

    resp = post_form(client, _url(w), {"reason": "  ", "confirm": "y"})
    assert resp.status_code == 422 and "Lý do đảo: chưa nhập." in resp.get_data(as_text=True)
    resp = post_form(client, _url(w), {"reason": "Ghép nhầm đăng ký"})
    assert resp.status_code == 422 and "Xác nhận: hãy đánh dấu ô xác nhận" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(StatementLine, w["line_p"].id).status == LineStatus.MATCHED

    resp = post_form(client, _url(w), {"reason": "Ghép nhầm đăng ký", "confirm": "y"}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "Đã đảo biên nhận của dòng" in body and "5.000.000 ₫" in body
    session.expire_all()
    assert session.get(StatementLine, w["line_p"].id).status == LineStatus.UNMATCHED
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "statement_line.reverse")
    ).scalar_one()
    assert entry.user_id == staff.id
    # The line waits in the review queue; its page now refuses a second reversal.
    assert w["p"].reference not in client.get(f"/can-bo/sao-ke/{w['stmt'].id}?trang-thai=matched").get_data(
        as_text=True
    )
    again = client.get(_url(w), follow_redirects=True).get_data(as_text=True)
    assert "đã được đảo trước đó" in again
    assert ledger.verify_ledger(session) == []


def test_the_confirmation_page_names_thank_you_letters_already_issued(client, session, kh_setup, imported):
    """As for any reversed contribution, letters are not revoked automatically: the page lists them."""
    from app.certificates.services import acknowledge_pledge

    w = imported
    cert = acknowledge_pledge(session, SYSTEM, w["p"].id)
    session.commit()
    assert cert is not None
    login(client, make_user(session, Role.APPROVER, kh_setup["province"]).email)
    assert cert.serial in client.get(_url(w)).get_data(as_text=True)
    post_form(client, _url(w), {"reason": "Ghép nhầm", "confirm": "y"})
    session.expire_all()
    from app.certificates.models import Certificate, CertificateStatus

    assert session.get(Certificate, cert.id).status == CertificateStatus.VALID


def test_reversal_needs_a_csrf_token(client, session, kh_setup, imported):
    w = imported
    login(client, make_user(session, Role.PROVINCE_STAFF, kh_setup["province"]).email)
    resp = client.post(_url(w), data={"reason": "Ghép nhầm", "confirm": "y"})
    assert resp.status_code == 400
    session.expire_all()
    assert session.get(StatementLine, w["line_p"].id).status == LineStatus.MATCHED


# (role, where) -> status of the confirmation page and of the POST; reversed afterwards?
MATRIX = [
    (Role.PROVINCE_STAFF, "khanh_hoa", 200, True),
    (Role.APPROVER, "khanh_hoa", 200, True),
    (Role.CENTRAL_ADMIN, None, 200, True),
    (Role.COMMUNE_STAFF, "khanh_son", 404, False),  # the statement is the province account's
    (Role.PROVINCE_STAFF, "hanoi", 404, False),
    (Role.APPROVER, "hanoi", 404, False),
    (Role.DONOR, None, 403, False),
]


@pytest.mark.parametrize("role,where,status,allowed", MATRIX)
def test_roles_and_areas(client, session, kh_setup, imported, role, where, status, allowed):
    w = imported
    import_units(session, [1])  # Hà Nội, a second province
    session.commit()
    places = {
        "khanh_hoa": kh_setup["province"],
        "khanh_son": kh_setup["khanh_son"],
        "hanoi": province(session, 1),
    }
    if role == Role.DONOR:
        user = make_user(session, Role.DONOR, None, donor=make_donor(session, "Bà Nguyễn Thị Hoa"))
    else:
        user = make_user(session, role, places[where] if where else None)
    login(client, user.email)
    assert client.get(_url(w)).status_code == status
    token = csrf_from(client.get("/").get_data(as_text=True))  # the logout form's token
    resp = client.post(_url(w), data={"csrf_token": token, "reason": "Ghép nhầm", "confirm": "y"})
    assert resp.status_code == (302 if allowed else status)
    session.expire_all()
    assert (session.get(StatementLine, w["line_p"].id).status == LineStatus.UNMATCHED) is allowed


def test_anonymous_is_sent_to_the_login_page(client, session, imported):
    resp = client.get(_url(imported))
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]


# ------------------------------------------------------------------------------------------------ PostgreSQL race
@pytest.mark.postgres
def test_two_staff_reversing_one_line_at_once_reverse_it_once(app, session, imported):
    from app.extensions import db
    from tests.conftest import race

    w = imported
    line_id, fund_id, contribution_id = w["line_p"].id, w["fund_id"], w["line_p"].contribution_id
    before = ledger.totals(session, fund_id).received_vnd
    session.remove()

    def undo(i: int) -> None:
        reverse_line(db.session, SYSTEM, line_id, f"Ghép nhầm ({i})")

    ok, refused, errors = race(app, 4, undo, refused=PaymentError)
    assert errors == []
    assert (ok, refused) == (1, 3)
    assert before - ledger.totals(db.session, fund_id).received_vnd == 5_000_000
    assert (
        db.session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.source_type == ledger.SHARE_REVERSAL)
        ).scalar()
        == 1
    )
    assert db.session.get(Contribution, contribution_id).status == ContributionStatus.REVERSED
    assert (
        db.session.execute(select(func.count()).where(AuditEntry.action == "statement_line.reverse")).scalar()
        == 1
    )
    assert ledger.verify_ledger(db.session) == []
