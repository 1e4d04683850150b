"""Public pages read from a streaming replica (app/core/replica.py), against a real primary and replica.

What a reader notices: the public pages answer while the primary is busy writing, when the replica is down and when
it lags; a replica that lags within the bound shows the state it has replayed; a donor who has just pledged (and a
signed-in user) always sees their own writes.
"""

from __future__ import annotations

import threading

import pytest

from app.accounts.models import Role
from app.banking.models import OfficialBankAccount
from app.campaigns.models import Campaign
from app.core.replica import LSN_KEY
from app.extensions import db
from app.ledger.services import main_fund
from tests import factories as f
from tests.conftest import login, post_form
from tests.pledges.helpers import business_form
from tests.replica.conftest import replica_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def world(session, pair):  # type: ignore[no-untyped-def]
    province = f.province(session)
    campaign = f.make_campaign(session)  # national: every contribution counts in its totals
    session.add(
        OfficialBankAccount(
            unit_id=province.id,
            fund_id=main_fund(session).id,
            bank_bin="970436",
            bank_name="Vietcombank",
            account_number="0061001234567",
            account_name="UY BAN MTTQ TINH KHANH HOA",
        )
    )
    session.commit()
    given(session, campaign, "Công ty TNHH Hải Đăng", 5_000_000)
    pair.caught_up()
    return {"province": province, "khanh_son": f.unit(session, f.KHANH_SON), "campaign": campaign}


def given(session, campaign, name: str, amount: int) -> None:  # type: ignore[no-untyped-def]
    f.receive(session, campaign, amount, donor=f.make_donor(session, name))


def statement(client) -> str:  # type: ignore[no-untyped-def]
    resp = client.get("/cong-khai/sao-ke")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def api_names(client) -> list[str]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/contributions")
    assert resp.status_code == 200
    return [r["ten_cong_khai"] for r in resp.get_json()["data"]]


def received(client) -> int:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/totals")
    assert resp.status_code == 200
    return resp.get_json()["totals"]["received_vnd"]


@pytest.mark.app_config(REPLICA_MAX_LAG_SECONDS=3600)
def test_public_pages_show_what_the_replica_has_replayed(app, session, client, pair, world):  # type: ignore[no-untyped-def]
    """Within the lag bound the pages come from the replica: money not yet replayed there is not shown yet."""
    with pair.replay_paused():
        given(session, world["campaign"], "Hợp tác xã Bình Minh", 7_000_000)
        pair.received_unreplayed()
        page = statement(client)
        assert "Công ty TNHH Hải Đăng" in page and "Hợp tác xã Bình Minh" not in page
        assert api_names(client) == ["Công ty TNHH Hải Đăng"]
        # The overview refreshes its cache row on the primary while reading the replica: no read-only error.
        assert received(client) == 5_000_000
        assert client.get("/cong-khai").status_code == 200
    pair.caught_up()
    assert "Hợp tác xã Bình Minh" in statement(client)
    assert received(client) == 12_000_000
    assert app.extensions["replica"].served["replica"] >= 6


@pytest.mark.app_config(REPLICA_MAX_LAG_SECONDS=0.5)
def test_replica_lagging_beyond_the_bound_is_skipped(app, session, client, pair, world):  # type: ignore[no-untyped-def]
    with pair.replay_paused():
        given(session, world["campaign"], "Hợp tác xã Bình Minh", 7_000_000)
        pair.received_unreplayed()
        pair.replica.wait_until(
            "SELECT clock_timestamp() - pg_last_xact_replay_timestamp() > interval '0.6 s'"
        )
        assert "Hợp tác xã Bình Minh" in statement(client)
        assert api_names(client) == ["Hợp tác xã Bình Minh", "Công ty TNHH Hải Đăng"]
        assert received(client) == 12_000_000
        router = app.extensions["replica"]
        assert router.served["replica"] == 0 and "lags" in router.health.reason


@pytest.mark.parametrize("check_seconds", [0, 3600], ids=["checked-each-request", "stale-check"])
def test_replica_stopped_pages_still_served_from_the_primary(pair, session, world, tmp_path, check_seconds):  # type: ignore[no-untyped-def]
    """A replica that goes away: the next readers get their pages from the primary, not an error, whether the
    health check has noticed yet (checked each request) or not (a check cached for an hour: the connection the
    request takes finds it)."""
    campaign_id = world["campaign"].id
    other = replica_app(pair, tmp_path, REPLICA_CHECK_SECONDS=check_seconds)
    try:
        with other.app_context():
            client = other.test_client()
            assert "Công ty TNHH Hải Đăng" in statement(client)
            router = other.extensions["replica"]
            assert router.served == {"replica": 1, "primary": 0}

            pair.replica.stop("fast")
            given(db.session, db.session.get(Campaign, campaign_id), "Hợp tác xã Bình Minh", 7_000_000)
            assert "Hợp tác xã Bình Minh" in statement(client)
            assert api_names(client)[0] == "Hợp tác xã Bình Minh"
            assert received(client) == 12_000_000
            assert client.get("/cong-khai").status_code == 200
            assert router.served == {"replica": 1, "primary": 4}
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    finally:
        pair.replica.start()
        pair.caught_up()


@pytest.mark.app_config(REPLICA_MAX_LAG_SECONDS=3600)
def test_public_pages_served_while_the_primary_is_under_write_load(app, session, pair, world):  # type: ignore[no-untyped-def]
    campaign_id = world["campaign"].id
    writes = 60
    done = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with app.app_context():
                campaign = db.session.get(Campaign, campaign_id)
                for i in range(writes):
                    given(db.session, campaign, f"Nhà hảo tâm số {i + 1}", 1_000_000 + i)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            done.set()

    statuses: list[int] = []

    def reader(n: int) -> None:
        client = app.test_client()
        urls = ["/cong-khai/sao-ke", "/api/v1/contributions", "/api/v1/totals", "/cong-khai"]
        i = n
        try:
            while not done.is_set():
                statuses.append(client.get(urls[i % len(urls)]).status_code)
                i += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(n,)) for n in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not failures, failures
    assert statuses and set(statuses) == {200}
    assert app.extensions["replica"].served["replica"] >= len(statuses) // 2
    pair.caught_up()
    client = app.test_client()
    assert received(client) == 5_000_000 + sum(1_000_000 + i for i in range(writes))
    assert "Nhà hảo tâm số 60" in statement(client)


@pytest.mark.app_config(REPLICA_MAX_LAG_SECONDS=3600)
def test_donor_who_just_pledged_sees_the_pledge_while_the_replica_lags(app, session, pair, world):  # type: ignore[no-untyped-def]
    donor, stranger = app.test_client(), app.test_client()
    with pair.replay_paused():
        resp = post_form(donor, "/ung-ho", business_form(world))
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        page_url = resp.headers["Location"]
        reference = page_url.rsplit("/", 1)[1]
        pair.received_unreplayed()
        page = donor.get(page_url)
        assert page.status_code == 200
        assert reference in page.get_data(as_text=True) and "50.000.000 ₫" in page.get_data(as_text=True)
        # Anyone else reads the replica, which has not applied the pledge yet.
        assert stranger.get(page_url).status_code == 404
    pair.caught_up()
    assert stranger.get(page_url).status_code == 200
    assert donor.get(page_url).status_code == 200
    with donor.session_transaction() as cookie:
        assert LSN_KEY not in cookie  # replayed: the donor reads from the replica again
    assert app.extensions["replica"].served["replica"] >= 3


@pytest.mark.app_config(REPLICA_MAX_LAG_SECONDS=3600)
def test_signed_in_users_read_the_primary(app, session, client, pair, world):  # type: ignore[no-untyped-def]
    staff = f.make_user(session, Role.PROVINCE_STAFF, world["province"])
    signed_in = app.test_client()
    login(signed_in, staff.email)
    with pair.replay_paused():
        given(session, world["campaign"], "Hợp tác xã Bình Minh", 7_000_000)
        pair.received_unreplayed()
        assert "Hợp tác xã Bình Minh" in statement(signed_in)
        assert "Hợp tác xã Bình Minh" not in statement(client)
