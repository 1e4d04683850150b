"""The bank's statement file for a day the feed already delivered: lines the feed delivered are seen, not received
again; the line the feed missed is imported as before; the reconciliation page lists the missing and the extra
line, and the day closes once each difference is explained (audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.bankfeed.models import BankFeedTransaction, ReconciliationDay
from app.contributions.models import Contribution
from app.payments.importing import import_statement
from app.payments.models import LineStatus, StatementLine
from tests.bankfeed.conftest import direct_body, post_direct
from tests.conftest import csrf_from, login
from tests.factories import SYSTEM, make_user
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import stmt_from, vcb_csv

DAY = date(2024, 9, 1)


def test_statement_reconciles_with_the_feed_one_missing_one_extra(feed_app, client, session, kh_setup):
    acc = kh_setup["prov_acc"]
    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh_setup["province"])
    memo = f"NGUYEN VAN AN {pledge.reference} ung ho"
    # The feed delivered three credits that day (the first pays a pledge).
    by_reference = direct_body(2_000_000, memo, reference="5390.2001", when="2024-09-01T08:00:00+07:00")
    by_memo = direct_body(
        500_000, "Ung ho   dong bao 0109", reference="FT24245XYZ", when="2024-09-01T09:30:00+07:00"
    )
    feed_only = direct_body(300_000, "ung ho quy", reference="FT24245ABC", when="2024-09-01T10:00:00+07:00")
    for body in (by_reference, by_memo, feed_only):
        assert post_direct(client, body).status_code == 200
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 3

    # The statement file: the first two, and one line the feed missed.
    data = vcb_csv(
        [
            (
                DAY,
                [
                    ("5390.2001", 2_000_000, memo),  # read by the importer as a pledge payment
                    ("5390.2002", 500_000, "UNG HO DONG BAO 0109"),
                    ("5390.2003", 1_000_000, "LE THI BINH ung ho"),
                ],
            )
        ],
        100_000_000,
    )
    stmt = stmt_from(session, acc, data)
    summary = import_statement(session, SYSTEM, stmt)
    session.commit()
    assert summary.lines_new == 3
    # nothing received twice (without the reconciliation, the first line would pay the pledge a second time)
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 3
    assert session.execute(select(func.sum(Contribution.amount_vnd))).scalar_one() == 2_800_000
    lines = {
        line.reference: line
        for line in session.execute(
            select(StatementLine).where(StatementLine.statement_id == stmt.id)
        ).scalars()
    }
    feeds = {f.bank_reference: f for f in session.execute(select(BankFeedTransaction)).scalars()}
    assert lines["5390.2001"].contribution_id == feeds["5390.2001"].contribution_id
    assert lines["5390.2001"].status == LineStatus.MATCHED and lines["5390.2001"].pledge_id == pledge.id
    assert lines["5390.2002"].status == LineStatus.RECEIPTED  # not left in the review queue
    assert lines["5390.2002"].contribution_id == feeds["FT24245XYZ"].contribution_id  # same amount, day, memo
    assert feeds["FT24245XYZ"].statement_line_id == lines["5390.2002"].id
    assert lines["5390.2003"].contribution_id is None and lines["5390.2003"].status == LineStatus.UNMATCHED
    assert feeds["FT24245ABC"].statement_line_id is None

    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    url = f"/can-bo/doi-soat/{acc.id}/{DAY.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="difference"') == 2
    assert 'data-kind="file_only"' in page and "1.000.000" in page and "LE THI BINH" in page
    assert 'data-kind="feed_only"' in page and "300.000" in page
    assert 'data-kind="amount"' not in page

    # Not closed while a difference is unexplained.
    resp = client.post(f"{url}/chot", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "chưa giải thích" in resp.get_data(as_text=True)
    assert session.execute(select(ReconciliationDay.closed_at)).scalar() is None

    keys = [f"line:{lines['5390.2003'].id}", f"feed:{feeds['FT24245ABC'].id}"]
    for key, reason in zip(
        keys, ["Ghi nhận từ hàng chờ sao kê", "Giao dịch ngày hôm sau theo ngân hàng"], strict=True
    ):
        token = csrf_from(client.get(url).get_data(as_text=True))
        resp = client.post(f"{url}/giai-thich", data={"csrf_token": token, "key": key, "reason": reason})
        assert resp.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Giao dịch ngày hôm sau theo ngân hàng" in page
    resp = client.post(f"{url}/chot", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "Đã chốt đối soát ngày 01/09/2024" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.execute(select(ReconciliationDay.closed_at)).scalar() is not None
    actions = (
        session.execute(select(AuditEntry.action).where(AuditEntry.action.like("reconciliation.%")))
        .scalars()
        .all()
    )
    assert sorted(actions) == ["reconciliation.close", "reconciliation.explain", "reconciliation.explain"]


def test_other_areas_account_is_not_reachable(feed_app, client, session, kh_setup):
    from tests.factories import unit

    commune_staff = make_user(session, Role.COMMUNE_STAFF, kh_setup["khanh_son"])
    login(client, commune_staff.email)
    assert client.get(f"/can-bo/doi-soat/{kh_setup['prov_acc'].id}/2024-09-01").status_code == 404
    assert client.get(f"/can-bo/doi-soat/{kh_setup['ks_acc'].id}/2024-09-01").status_code == 200
    assert client.get(f"/can-bo/giao-dich-truc-tuyen?account={kh_setup['prov_acc'].id}").status_code == 404
    del unit


def test_a_memo_the_bank_prefixed_still_matches_and_is_not_paid_twice(feed_app, client, session, kh_setup):
    """The export prefixes the memo the feed carried and numbers the line its own way: the same amount, day and
    pledge reference is the same transfer, so the pledge is not paid a second time."""
    pledge = make_pledge(session, kh_setup["campaign"], 5_000_000, receiving=kh_setup["province"])
    feed_memo = f"{pledge.reference} ung ho"
    body = direct_body(5_000_000, feed_memo, reference="FT24245QQQ", when="2024-09-01T11:00:00+07:00")
    assert post_direct(client, body).status_code == 200
    data = vcb_csv([(DAY, [("5390.9001", 5_000_000, f"MBVCB.777.888 CT TU 0123 {feed_memo} TAI VCB")])], 0)
    stmt = stmt_from(session, kh_setup["prov_acc"], data)
    import_statement(session, SYSTEM, stmt)
    session.commit()
    assert session.execute(select(func.sum(Contribution.amount_vnd))).scalar_one() == 5_000_000
    line = session.execute(select(StatementLine)).scalar_one()
    assert line.status == LineStatus.MATCHED and line.contribution_id is not None


def test_closing_a_day_twice_changes_nothing_the_second_time(feed_app, client, session, kh_setup):
    """A double click (or a second tab) on "Chốt đối soát": the day is closed once, audited once, and the second
    click says so instead of an error."""
    body = direct_body(400_000, "ung ho quy", reference="FT24245DBL", when="2024-09-01T10:00:00+07:00")
    assert post_direct(client, body).status_code == 200
    data = vcb_csv([(DAY, [("5390.7001", 400_000, "ung ho quy")])], 0)
    import_statement(session, SYSTEM, stmt_from(session, kh_setup["prov_acc"], data))
    session.commit()
    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, staff.email)
    url = f"/can-bo/doi-soat/{kh_setup['prov_acc'].id}/{DAY.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert 'class="difference"' not in page
    token = csrf_from(page)
    first = client.post(f"{url}/chot", data={"csrf_token": token}, follow_redirects=True)
    assert "Đã chốt đối soát ngày 01/09/2024" in first.get_data(as_text=True)
    session.expire_all()
    closed_at = session.execute(select(ReconciliationDay.closed_at)).scalar_one()
    second = client.post(f"{url}/chot", data={"csrf_token": token}, follow_redirects=True)
    text = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "đã được chốt đối soát trước đó" in text and "chưa chốt được" not in text
    session.expire_all()
    assert session.execute(select(ReconciliationDay.closed_at)).scalar_one() == closed_at
    closes = session.execute(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "reconciliation.close")
    ).scalar_one()
    assert closes == 1
