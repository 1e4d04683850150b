"""`flask ledger verify`: the demo agrees with itself; a contribution, a pledge status, a need's figures or an
account balance changed by hand (raw SQL, past the application) is reported with its ids and exit code 1; the
nightly task keeps the result and the staff home page raises the alarm."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.contributions.models import Contribution
from app.demo.foundation import DEMO_PASSWORD
from app.ledger.models import LedgerCheck, LedgerTransaction
from app.pledges.models import Pledge, PledgeStatus
from tests.conftest import login


@pytest.fixture
def demo(app, session):  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    return session


def verify(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["ledger", "verify", *args])


def by_hand(session, sql: str, **params) -> None:  # type: ignore[no-untyped-def]
    """A change made directly in the database, past every service and ORM guard."""
    session.execute(text(sql), params)
    session.commit()
    session.expire_all()


def own_receipt(session) -> Contribution:  # type: ignore[no-untyped-def]
    """A demo contribution posted with a receipt transaction of its own, at the province's pool."""
    return session.execute(
        select(Contribution)
        .join(LedgerTransaction, LedgerTransaction.id == Contribution.ledger_transaction_id)
        .where(LedgerTransaction.source_type == "contribution", Contribution.pledge_id.is_not(None))
        .order_by(Contribution.id)
        .limit(1)
    ).scalar_one()


def test_the_demo_verifies_clean(app, demo):  # type: ignore[no-untyped-def]
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK")
    # 51, the 4 gifts in kind of the goods demo (app.goods.demo) and the 3 staff lines paid by the agency demo's
    # transfer (app.agencies.demo)
    assert "58 contributions" in result.output

    data = json.loads(verify(app, "--json").output)
    assert data["ok"] is True and data["problems"] == []
    assert set(data["per_check"]) >= {
        "balanced",
        "receipt_posting",
        "fund_receipts",
        "pledge_status",
        "public_totals",
        "goods",
        "payouts",
    }


def test_a_contribution_altered_by_hand_is_named(app, demo):  # type: ignore[no-untyped-def]
    c = own_receipt(demo)
    by_hand(demo, "UPDATE contributions SET amount_vnd = amount_vnd + 1000 WHERE id = :id", id=c.id)

    result = verify(app)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    posting = [ln for ln in lines if ln.startswith("[receipt_posting]")]
    assert len(posting) == 1, result.output
    assert f"Khoản đóng góp #{c.id} " in posting[0]
    assert f"contribution={c.id}" in posting[0]
    assert f"ledger_transaction={c.ledger_transaction_id}" in posting[0]
    # The area's received money and the public statement disagree with the ledger by exactly that 1 000 ₫.
    assert any(ln.startswith("[fund_receipts]") and "lệch 1.000 ₫" in ln for ln in lines), result.output
    assert any(ln.startswith("[public_totals]") for ln in lines), result.output
    assert "LỖI: 3 chỗ không khớp" in result.output

    data = json.loads(verify(app, "--json").output)
    assert data["ok"] is False
    assert {"check": "receipt_posting", "contribution": [c.id]} == {
        "check": data["problems"][0]["check"],
        "contribution": data["problems"][0]["ids"]["contribution"],
    }


def test_a_pledge_status_set_by_hand_is_named(app, demo):  # type: ignore[no-untyped-def]
    pledge = demo.execute(
        select(Pledge).where(Pledge.status == PledgeStatus.FULFILLED).order_by(Pledge.id).limit(1)
    ).scalar_one()
    by_hand(demo, "UPDATE pledges SET status = 'pledged' WHERE id = :id", id=pledge.id)

    result = verify(app)
    assert result.exit_code == 1
    [line] = [ln for ln in result.output.splitlines() if ln.startswith("[")]
    assert line.startswith("[pledge_status]")
    assert f"Đăng ký #{pledge.id} ({pledge.reference})" in line
    assert "“Đã đăng ký”" in line and "phải là “Đã hoàn thành”" in line
    assert f"pledge={pledge.id}" in line


def test_a_receipt_reversed_behind_the_contributions_back_is_named(app, demo):  # type: ignore[no-untyped-def]
    from app.core.actor import Actor
    from app.core.i18n import today_vn
    from app.ledger import services as ledger

    c = own_receipt(demo)
    rev = ledger.reverse(
        demo, Actor.system("test"), c.ledger_transaction_id, reason="thử", occurred_on=today_vn()
    )
    demo.commit()

    result = verify(app, "--check", "contribution_status")
    assert result.exit_code == 1
    assert f"Khoản đóng góp #{c.id} vẫn ở trạng thái “đã ghi nhận”" in result.output
    assert f"bị đảo bởi bút toán #{rev.id}" in result.output


def test_needs_and_balances_changed_by_hand_are_named(app, demo):  # type: ignore[no-untyped-def]
    need_id = demo.execute(
        text("SELECT id FROM household_needs WHERE disbursed_vnd > 0 ORDER BY id LIMIT 1")
    ).scalar()
    by_hand(demo, "UPDATE household_needs SET disbursed_vnd = disbursed_vnd - 1 WHERE id = :id", id=need_id)
    account_id = demo.execute(
        text("SELECT id FROM ledger_accounts WHERE balance_vnd > 0 ORDER BY id LIMIT 1")
    ).scalar()
    by_hand(demo, "UPDATE ledger_accounts SET balance_vnd = balance_vnd - 5 WHERE id = :id", id=account_id)

    result = verify(app)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(ln.startswith("[need_funding]") and f"Hộ #{need_id} " in ln for ln in lines), result.output
    assert any(ln.startswith("[account_balance]") and f"ledger_account={account_id}" in ln for ln in lines), (
        result.output
    )


def test_the_nightly_task_keeps_the_result_and_staff_see_the_alert(app, demo, client):  # type: ignore[no-untyped-def]
    login(client, "admin@chungtay.vn", DEMO_PASSWORD)
    assert "Chưa có lần kiểm tra nào" in client.get("/can-bo/so-quy/kiem-tra").get_data(as_text=True)
    task = app.extensions["celery"].tasks["ledger.verify"]
    assert task.delay().get() == []
    first = demo.execute(select(LedgerCheck).order_by(LedgerCheck.id.desc())).scalars().first()
    assert first.ok and first.problem_count == 0

    assert "đều khớp nhau" in client.get("/can-bo/so-quy/kiem-tra").get_data(as_text=True)
    page = client.get("/can-bo").get_data(as_text=True)
    assert "chỗ không khớp" not in page

    c = own_receipt(demo)
    by_hand(demo, "UPDATE contributions SET amount_vnd = amount_vnd + 1000 WHERE id = :id", id=c.id)
    problems = task.delay().get()
    assert len(problems) == 3 and f"contribution={c.id}" in problems[0]
    demo.expire_all()
    last = demo.execute(select(LedgerCheck).order_by(LedgerCheck.id.desc())).scalars().first()
    assert last.id != first.id and not last.ok and last.problem_count == 3
    assert last.problems[0]["check"] == "receipt_posting" and last.problems[0]["ids"]["contribution"] == [
        c.id
    ]

    page = client.get("/can-bo").get_data(as_text=True)
    assert 'class="flash flash-error" role="alert"' in page
    assert "3 chỗ không khớp giữa sổ quỹ và dữ liệu" in page
    assert 'href="/can-bo/so-quy/kiem-tra"' in page
    listing = client.get("/can-bo/so-quy/kiem-tra").get_data(as_text=True)
    assert f"Khoản đóng góp #{c.id} ghi" in listing
    assert "Khoản đóng góp = bút toán tiếp nhận" in listing
    # The problems are kept as msgid and values (JSON): an English reader gets them in English (issue 16).
    assert last.problems[0]["message"]["msgid"].startswith("%(what)s nhưng bút toán tiếp nhận")
    english = client.get("/can-bo/so-quy/kiem-tra?lang=en").get_data(as_text=True)
    assert f"Contribution #{c.id} records" in english and "but receipt entry #" in english
    assert "Khoản đóng góp #" not in english and "bút toán tiếp nhận #" not in english
    client.get("/can-bo?lang=vi")

    # The province's staff see their province's problems; a commune's staff none of them (not their area).
    province = app.test_client()
    login(province, "tinh@khanhhoa.chungtay.vn", DEMO_PASSWORD)
    assert "3 chỗ không khớp" in province.get("/can-bo").get_data(as_text=True)
    commune = app.test_client()
    login(commune, "khanhson@khanhhoa.chungtay.vn", DEMO_PASSWORD)
    assert "chỗ không khớp" not in commune.get("/can-bo").get_data(as_text=True)
    assert f"Khoản đóng góp #{c.id}" not in commune.get("/can-bo/so-quy/kiem-tra").get_data(as_text=True)


def test_verify_ledger_keeps_answering_its_callers(app, demo):  # type: ignore[no-untyped-def]
    from app.ledger.services import verify_ledger

    assert verify_ledger(demo) == [] and verify_ledger(demo, full=True) == []
    c = own_receipt(demo)
    by_hand(demo, "UPDATE contributions SET amount_vnd = amount_vnd + 1000 WHERE id = :id", id=c.id)
    assert verify_ledger(demo) == []  # the books alone still balance
    assert any(f"contribution={c.id}" in p for p in verify_ledger(demo, full=True))
    by_hand(demo, "UPDATE ledger_accounts SET balance_vnd = balance_vnd + 7 WHERE id = 1")
    assert any("ledger_account=1" in p for p in verify_ledger(demo))


def test_a_contribution_of_a_batch_altered_by_hand_names_its_batch(app, demo):  # type: ignore[no-untyped-def]
    c = demo.execute(
        select(Contribution)
        .join(LedgerTransaction, LedgerTransaction.id == Contribution.ledger_transaction_id)
        .where(LedgerTransaction.source_type == "batch")
        .order_by(Contribution.id)
        .limit(1)
    ).scalar_one()
    by_hand(demo, "UPDATE contributions SET amount_vnd = amount_vnd - 1 WHERE id = :id", id=c.id)

    result = verify(app, "--check", "receipt_posting")
    assert result.exit_code == 1
    [line] = [ln for ln in result.output.splitlines() if ln.startswith("[")]
    assert f"bút toán tiếp nhận #{c.ledger_transaction_id} ghi" in line
    ids = dict(part.split("=") for part in line.rsplit("(", 1)[1].rstrip(")").split("; "))
    assert str(c.id) in ids["contribution"].split(",")
