"""One commit boundary (issue 15 item 6): services flush, the request (or task, or CLI command) commits once; a
service's refusal becomes a Vietnamese message on the form with nothing saved; an error after a flush saves
nothing. Saved or not is checked on a connection of its own, which sees only what was committed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.campaigns.models import Campaign
from app.core import transaction
from app.extensions import db
from app.units import services as units
from app.units.models import Hamlet
from tests.conftest import csrf_from, login
from tests.factories import KHANH_SON, SYSTEM, make_user, unit

APP = Path(__file__).resolve().parents[2] / "app"


def committed_hamlets(commune_id: int, name: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(Hamlet)
            .where(Hamlet.commune_id == commune_id, Hamlet.name == name)
        ).scalar_one()


def committed_campaigns(name: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(Campaign).where(Campaign.name == name)
        ).scalar_one()


@pytest.fixture
def commune(session):  # type: ignore[no-untyped-def]
    return unit(session, KHANH_SON)


@pytest.fixture
def commune_staff(client, session, commune):  # type: ignore[no-untyped-def]
    user = make_user(session, Role.COMMUNE_STAFF, commune)
    login(client, user.email)
    return user


def _post_hamlet(client, commune_id: int, name: str):  # type: ignore[no-untyped-def]
    page = f"/can-bo/dia-ban/xa/{commune_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    return page, {"csrf_token": token, "name": name, "kind": "thôn"}


# --- (a) a refusal on a form -----------------------------------------------------------------------------------
def test_a_refused_hamlet_shows_the_vietnamese_message_under_the_field_and_saves_nothing(
    client, session, commune, commune_staff
):
    units.add_hamlet(session, commune.id, "Thôn Suối Cát")
    session.commit()
    page, data = _post_hamlet(client, commune.id, "Thôn Suối Cát")
    resp = client.post(page, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Thôn/tổ dân phố này đã có trong danh sách." in html
    assert 'id="name-error"' in html  # under the name field, tied to it
    assert committed_hamlets(commune.id, "Thôn Suối Cát") == 1


def test_a_refused_campaign_names_the_wrong_date_and_creates_nothing(client, session):
    admin = make_user(session, Role.CENTRAL_ADMIN)
    login(client, admin.email)
    page = "/can-bo/cuoc-van-dong/"
    token = csrf_from(client.get(page).get_data(as_text=True))
    resp = client.post(
        page,
        data={
            "csrf_token": token,
            "name": "Ngày vì người nghèo ngược ngày",
            "year": "2027",
            "starts_on": "18/11/2027",
            "ends_on": "17/10/2027",
        },
    )
    html = resp.get_data(as_text=True)
    assert "Ngày kết thúc phải sau ngày bắt đầu." in html
    assert 'id="ends_on-error"' in html
    assert committed_campaigns("Ngày vì người nghèo ngược ngày") == 0


# --- (b) an error after a flush --------------------------------------------------------------------------------
@pytest.mark.app_config(PROPAGATE_TEST_ERRORS=False)
def test_an_error_in_a_view_after_a_service_flushed_saves_nothing(app, client, session, commune):
    mailed: list[str] = []

    def broken():  # type: ignore[no-untyped-def]
        units.create_hamlet(db.session, SYSTEM, commune.id, "Thôn Dở Dang")
        transaction.on_commit(lambda: mailed.append("thư"))
        raise RuntimeError("hỏng sau khi đã ghi tạm")

    app.add_url_rule("/_thu/hong", "broken_after_flush", broken)
    resp = client.get("/_thu/hong")
    assert resp.status_code == 500
    assert "Thao tác chưa được lưu" in resp.get_data(as_text=True)
    assert committed_hamlets(commune.id, "Thôn Dở Dang") == 0
    assert mailed == []  # what was to follow the commit never happened


def test_a_view_that_refuses_with_an_http_error_after_a_flush_saves_nothing(app, client, session, commune):
    def refused():  # type: ignore[no-untyped-def]
        units.create_hamlet(db.session, SYSTEM, commune.id, "Thôn Bị Từ Chối")
        abort(409)

    app.add_url_rule("/_thu/tu-choi", "refused_after_flush", refused)
    assert client.get("/_thu/tu-choi").status_code == 409
    assert committed_hamlets(commune.id, "Thôn Bị Từ Chối") == 0


# --- (c) a successful POST commits once ------------------------------------------------------------------------
def test_a_successful_post_commits_exactly_once_and_then_sends_what_follows_the_commit(
    client, session, commune, commune_staff
):
    page, data = _post_hamlet(client, commune.id, "Thôn Hòn Lay")
    commits: list[Session] = []

    def count(s: Session) -> None:
        commits.append(s)

    event.listen(Session, "after_commit", count)
    try:
        resp = client.post(page, data=data)
    finally:
        event.remove(Session, "after_commit", count)
    assert resp.status_code == 302
    assert len(commits) == 1
    assert committed_hamlets(commune.id, "Thôn Hòn Lay") == 1


def test_a_task_commits_when_it_returns_and_saves_nothing_when_it_raises(app, session, commune):
    celery = app.extensions["celery"]

    @celery.task(name="tests.boundary.add_hamlet")
    def add_hamlet(commune_id: int, name: str, fail: bool = False) -> int:
        hamlet = units.create_hamlet(db.session, SYSTEM, commune_id, name)
        if fail:
            raise RuntimeError("worker lost its database")
        return hamlet.id

    assert add_hamlet(commune.id, "Thôn Tác Vụ")
    assert committed_hamlets(commune.id, "Thôn Tác Vụ") == 1
    with pytest.raises(RuntimeError):
        add_hamlet(commune.id, "Thôn Tác Vụ Hỏng", fail=True)
    assert committed_hamlets(commune.id, "Thôn Tác Vụ Hỏng") == 0


def test_domain_errors_can_keep_what_came_before_a_refused_step(app, session, commune):
    with app.test_request_context():
        units.create_hamlet(session, SYSTEM, commune.id, "Thôn Giữ Lại")
        with transaction.domain_errors(savepoint=True, quiet=True) as outcome:
            units.create_hamlet(
                session, SYSTEM, commune.id, "Thôn Bỏ Đi"
            )  # written, then undone with the step
            units.create_hamlet(session, SYSTEM, commune.id, "Thôn Giữ Lại")  # the same name: refused
        assert not outcome.ok
        assert outcome.message == "Thôn/tổ dân phố này đã có trong danh sách."
        transaction.commit()
    assert committed_hamlets(commune.id, "Thôn Giữ Lại") == 1
    assert committed_hamlets(commune.id, "Thôn Bỏ Đi") == 0


# --- nobody else commits ---------------------------------------------------------------------------------------
# Where `.commit()` may appear in app/, and why. Everything else flushes and leaves the commit to the boundary
# (app.core.transaction: the request hook, the Celery task base, CLI commands through transaction.commit()).
ALLOWED_COMMITS = {
    # the boundary itself (its commit, and releasing the savepoint of domain_errors(savepoint=True)), and the
    # Celery task base that commits through it
    ("app/core/transaction.py", "session"),
    ("app/core/transaction.py", "nested"),
    ("app/extensions.py", "transaction"),
    # the outbox publishes and marks rows in a session of its own, after the business transaction committed
    ("app/core/outbox.py", "session"),
    # releasing a savepoint, not committing the transaction
    ("app/payments/importing.py", "savepoint"),
    # Stripe's webhook commits before it answers: a concurrent delivery of the same event shows as an
    # IntegrityError there, and this one answers 200 as a no-op
    ("app/payments/views.py", "transaction"),
}


def _commit_calls() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP.parent).as_posix()
        if "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and not node.args
            ):
                receiver = ast.unparse(node.func.value)
                found.append((rel, receiver, node.lineno))
    return found


def test_no_view_service_or_task_commits_by_itself():
    calls = _commit_calls()
    assert calls, "the scan found no commit at all: it no longer reads app/"
    strays = [
        f"{rel}:{line} {receiver}.commit()"
        for rel, receiver, line in calls
        if (rel, receiver) not in ALLOWED_COMMITS
        and not (receiver == "transaction" and rel.endswith("/cli.py"))  # a CLI command's end
    ]
    assert strays == [], "commit through the boundary (app.core.transaction), not by hand: " + ", ".join(
        strays
    )


def test_views_do_not_roll_back_by_hand_either():
    """A refusal is shown with transaction.domain_errors, which rolls back; an error page rolls back by itself."""
    strays = []
    for path in sorted(APP.rglob("views*.py")) + sorted((APP / "pledges" / "views").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "rollback"
            ):
                receiver = ast.unparse(node.func.value)
                if receiver != "transaction":
                    strays.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert strays == []
