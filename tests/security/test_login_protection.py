"""Login protection that stops attackers, not offices (issue 21, item 6).

- Per client address (behind TRUSTED_PROXIES reverse proxies: the X-Forwarded-For client), only failed attempts
  count, so a training room signing in forty people from one address is never refused.
- Per account, after LOGIN_DELAY_AFTER_FAILURES failures each further attempt waits 2, 4, 8 … seconds (capped
  at LOGIN_DELAY_CAP_SECONDS), never a lock; attempts during the wait are refused unchecked.
- A browser where the account signed in before (a signed device cookie) has its own count: strangers'
  failures from elsewhere never delay the approver at their usual browser.
- Known and unknown e-mails get the same answers, delay included.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.accounts.models import Role
from app.audit.models import AuditEntry
from tests.conftest import csrf_from
from tests.factories import KHANH_SON, PASSWORD, make_user, province, unit

START = datetime(2026, 11, 16, 7, 30, tzinfo=UTC)  # a Monday morning before the deadline
WAIT_RE = re.compile(r"vui lòng chờ (\d+) giây", re.IGNORECASE)


def _attempt(client, email: str, password: str, *, addr: str = "198.51.100.10", **headers: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/dang-nhap").get_data(as_text=True))
    return client.post(
        "/dang-nhap",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers,
    )


def _answer(resp) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """What the visitor is told: the status and the flashed message."""
    html = resp.get_data(as_text=True)
    found = re.search(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)
    return resp.status_code, (found.group(1).strip() if found else "")


def _wait(resp) -> int:  # type: ignore[no-untyped-def]
    found = WAIT_RE.search(resp.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_a_training_room_signing_in_many_accounts_from_one_address_is_not_refused(app, session):
    emails = [f"hocvien{i}@test.vn" for i in range(25)]
    for email in emails:
        make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email=email)
    with time_machine.travel(START, tick=False):
        for email in emails:  # 25 logins within the same minute, all from the office's one address
            resp = _attempt(app.test_client(), email, PASSWORD, addr="203.0.113.50")
            assert resp.status_code == 302, (email, _answer(resp))


def test_after_the_failures_each_attempt_waits_twice_as_long_and_the_right_password_then_works(
    app, client, session
):
    make_user(session, Role.APPROVER, province(session), email="pheduyet@test.vn")
    n = app.config["LOGIN_DELAY_AFTER_FAILURES"]
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(n - 1):
            assert _wait(_attempt(client, "pheduyet@test.vn", "sai-mat-khau-1")) == 0
        first = _attempt(client, "pheduyet@test.vn", "sai-mat-khau-1")
        assert _wait(first) == 2
        # During the wait even the right password is refused unchecked (no guess is tried), with the same wait.
        refused = _attempt(client, "pheduyet@test.vn", PASSWORD)
        assert refused.status_code == 200 and _wait(refused) == 2
        clock.shift(2)
        assert _wait(_attempt(client, "pheduyet@test.vn", "sai-mat-khau-2")) == 4
        clock.shift(4)
        assert _wait(_attempt(client, "pheduyet@test.vn", "sai-mat-khau-3")) == 8
        clock.shift(8)
        assert _attempt(client, "pheduyet@test.vn", PASSWORD).status_code == 302
    page = client.get("/can-bo").get_data(as_text=True)
    assert "tạm khóa" not in page


@pytest.mark.app_config(LOGIN_RATE_LIMIT="1000 per minute")
def test_the_delay_is_capped(app, client, session):
    make_user(session, Role.APPROVER, province(session), email="tran@test.vn")
    cap = app.config["LOGIN_DELAY_CAP_SECONDS"]
    waits = []
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(app.config["LOGIN_DELAY_AFTER_FAILURES"] + 14):
            wait = _wait(_attempt(client, "tran@test.vn", "sai-mat-khau-1"))
            waits.append(wait)
            clock.shift(wait)
        assert max(waits) == cap and waits[-1] == cap, waits
        clock.shift(1)
        assert _attempt(client, "tran@test.vn", PASSWORD).status_code == 302


def test_unknown_and_known_emails_get_the_same_answers(app, session):
    make_user(session, Role.PROVINCE_STAFF, province(session), email="co-that@test.vn")
    answers = {}
    for email, addr in (("co-that@test.vn", "198.51.100.21"), ("khong-co@test.vn", "198.51.100.22")):
        client = app.test_client()
        seen = []
        with time_machine.travel(START, tick=False) as clock:
            for i in range(app.config["LOGIN_DELAY_AFTER_FAILURES"] + 3):
                resp = _attempt(client, email, "sai-mat-khau-1", addr=addr)
                seen.append(_answer(resp))
                if i % 2:
                    clock.shift(_wait(resp))
        answers[email] = seen
    assert answers["co-that@test.vn"] == answers["khong-co@test.vn"]
    messages = {message for _, message in answers["co-that@test.vn"]}
    assert "Email hoặc mật khẩu không đúng." in messages
    assert any(WAIT_RE.search(m) for m in messages)
    assert not any("khóa" in m for m in messages)


@pytest.mark.app_config(LOGIN_RATE_LIMIT="1000 per minute")
def test_an_attacker_hammering_the_approvers_email_cannot_stop_the_approver(app, session):
    approver = make_user(session, Role.APPROVER, province(session), email="pho-chu-tich@test.vn")
    office = app.test_client()
    with time_machine.travel(START - timedelta(days=3), tick=False):
        # The approver signed in at this browser before: it holds a signed device cookie for the account.
        assert _attempt(office, approver.email, PASSWORD, addr="203.0.113.7").status_code == 302
        office.post(
            "/dang-xuat",
            data={"csrf_token": csrf_from(office.get("/can-bo").get_data(as_text=True))},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
    attacker = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        delayed = 0
        for i in range(60):  # from three addresses, trying as fast as the delays allow
            resp = _attempt(attacker, approver.email, f"doan-mo-{i}", addr=f"192.0.2.{i % 3 + 1}")
            delayed += bool(_wait(resp))
            clock.shift(1)
        assert delayed > 40  # the attacker is slowed down …
        # … but the approver, at the browser they use, signs in at once with the right password, and even
        # a mistyped password there first does not matter.
        assert _wait(_attempt(office, approver.email, "go-nham-1", addr="203.0.113.7")) == 0
        resp = _attempt(office, approver.email, PASSWORD, addr="203.0.113.7")
        assert resp.status_code == 302, _answer(resp)
        # A browser the approver never used waits at most one capped delay once the attack stops.
        clock.shift(app.config["LOGIN_DELAY_CAP_SECONDS"])
        laptop = app.test_client()
        assert _attempt(laptop, approver.email, PASSWORD, addr="203.0.113.8").status_code == 302
    entry = session.query(AuditEntry).filter_by(action="user.login_delayed").first()
    assert entry is not None and entry.entity_id == str(approver.id)


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3 per minute", TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_address_limit_keys_on_the_forwarded_client(app, session):
    proxy = "10.0.0.2"
    client = app.test_client()
    with time_machine.travel(START, tick=False):
        for i in range(3):
            resp = _attempt(
                client, f"a{i}@test.vn", "sai", addr=proxy, **{"X-Forwarded-For": "198.51.100.77"}
            )
            assert resp.status_code == 200
        blocked = _attempt(client, "b@test.vn", "sai", addr=proxy, **{"X-Forwarded-For": "198.51.100.77"})
        assert blocked.status_code == 429 and "Quá nhiều" in blocked.get_data(as_text=True)
        # Another reader behind the same proxy is not in the attacker's bucket.
        other = _attempt(client, "c@test.vn", "sai", addr=proxy, **{"X-Forwarded-For": "198.51.100.78"})
        assert other.status_code == 200


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3 per minute")
def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_limit(app, session):
    client = app.test_client()
    with time_machine.travel(START, tick=False):
        codes = [
            _attempt(
                client, f"x{i}@test.vn", "sai", addr="198.51.100.90", **{"X-Forwarded-For": f"192.0.2.{i}"}
            ).status_code
            for i in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def _redis_url() -> str:
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set TEST_REDIS_URL (CI sets redis://127.0.0.1:6379/15)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {url} ({type(exc).__name__})")
    return url


def test_the_delay_is_shared_by_every_worker_through_redis(app, session):
    """Production keeps the counts in Redis (RATELIMIT_STORAGE_URI): a delay earned on one worker holds on all."""
    import secrets

    from app import create_app

    url = _redis_url()
    email = f"nhieu-tien-trinh-{secrets.token_hex(4)}@test.vn"  # a fresh bucket in a shared Redis database
    make_user(session, Role.APPROVER, province(session), email=email)
    workers = [
        create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_STORAGE_URI=url,
        )
        for _ in range(2)
    ]
    first, second = (w.test_client() for w in workers)
    waits = [
        _wait(_attempt(first, email, "sai-mat-khau-1"))
        for _ in range(app.config["LOGIN_DELAY_AFTER_FAILURES"])
    ]
    assert waits[-1] == 2
    refused = _attempt(second, email, PASSWORD)  # another worker, the right password, during the wait
    assert refused.status_code == 200 and 1 <= _wait(refused) <= 2


@pytest.mark.app_config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")  # nothing listens on port 9
def test_logins_still_work_and_are_still_slowed_when_the_limiter_redis_is_down(app, client, session):
    make_user(session, Role.APPROVER, province(session), email="redis-tat@test.vn")
    with time_machine.travel(START, tick=False) as clock:
        waits = [
            _wait(_attempt(client, "redis-tat@test.vn", "sai-mat-khau-1"))
            for _ in range(app.config["LOGIN_DELAY_AFTER_FAILURES"])
        ]
        assert waits[-1] == 2  # counted in this process while Redis is away
        clock.shift(2)
        assert _attempt(client, "redis-tat@test.vn", PASSWORD).status_code == 302


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_parallel_attempts_when_a_wait_ends_check_one_password_only(app, session, store):
    """An attacker firing many requests at once when a wait ends gets one guess checked, not one per request."""
    import secrets
    import time

    from limits.storage import storage_from_string

    from app.accounts.services import AccountError, LoginDelayed, authenticate
    from app.accounts.throttle import LoginThrottle
    from app.extensions import db
    from tests.conftest import race

    url = _redis_url() if store == "redis" else "memory://"
    throttle = LoginThrottle(storage=storage_from_string(url), secret=secrets.token_hex(16))
    email = f"song-song-{secrets.token_hex(4)}@test.vn"
    make_user(session, Role.APPROVER, province(session), email=email)
    checked, refused = [], []

    def attempt(i: int) -> None:
        try:
            authenticate(db.session, email, f"doan-{i}", throttle=throttle)
        except LoginDelayed as exc:
            (checked if exc.wrong else refused).append(i)
            raise

    with time_machine.travel(START, tick=store == "redis") as clock:
        for _ in range(throttle.after_failures):
            with pytest.raises(AccountError):
                authenticate(session, email, "sai-mat-khau-1", throttle=throttle)
        session.rollback()
        wait = throttle.delay_after(throttle.after_failures)
        if store == "redis":
            time.sleep(wait + 0.2)  # Redis expires the wait on its own clock
        else:
            clock.shift(wait)
        ok, turned_down, errors = race(app, 12, attempt, refused=AccountError)
    assert errors == [] and ok == 0 and turned_down == 12
    assert len(checked) == 1 and len(refused) == 11
