"""The public pages' micro-cache: readers share one rendering, yet money movements show at once."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from tests import factories as f
from tests.conftest import login
from tests.transparency.conftest import give

pytestmark = pytest.mark.app_config(PUBLIC_PAGE_CACHE_SECONDS=60)


def _add_account(session, kh, number: str) -> None:  # type: ignore[no-untyped-def]
    """Not a money movement: a cached page may show the old list until it expires."""
    from app.banking.models import OfficialBankAccount
    from app.ledger import services as ledger

    session.add(
        OfficialBankAccount(
            unit_id=kh["province"].id,
            fund_id=ledger.main_fund(session).id,
            bank_bin="970436",
            bank_name="Vietcombank",
            account_number=number,
            account_name="UY BAN MTTQ VIET NAM TINH KHANH HOA",
        )
    )
    session.commit()


def test_readers_share_a_cached_page_until_money_moves(app, client, session, kh):
    c = kh["campaign"]
    give(session, c, 10_000_000, name="Nguyễn Văn An", receiving=kh["province"])
    assert "0061009999999" not in client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert "Nguyễn Văn An" in client.get("/cong-khai/sao-ke").get_data(as_text=True)

    _add_account(session, kh, "0061009999999")
    other_reader = app.test_client()
    assert "0061009999999" not in other_reader.get("/cong-khai/tai-khoan").get_data(as_text=True)  # cached

    give(session, c, 20_000_000, name="Trần Thị Bình", receiving=kh["province"])
    fresh = other_reader.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Trần Thị Bình" in fresh and "20.000.000" in fresh  # the new gift is there at once
    assert "0061009999999" in other_reader.get("/cong-khai/tai-khoan").get_data(as_text=True)  # renewed too


def test_each_query_and_language_has_its_own_page(client, session, kh):
    c = kh["campaign"]
    give(session, c, 10_000_000, name="Nguyễn Văn An", receiving=kh["province"])
    give(session, c, 30_000_000, name="Lê Văn Cường", receiving=kh["province"])
    an = client.get("/cong-khai/sao-ke?q=nguyen").get_data(as_text=True)
    cuong = client.get("/cong-khai/sao-ke?q=cuong").get_data(as_text=True)
    assert "Nguyễn Văn An" in an and "Lê Văn Cường" not in an
    assert "Lê Văn Cường" in cuong and "Nguyễn Văn An" not in cuong
    english = client.get("/cong-khai?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english
    assert 'lang="vi"' in client.get("/cong-khai?lang=vi").get_data(as_text=True)


def test_staff_always_get_a_fresh_page_and_never_fill_the_cache(app, client, session, kh):
    anonymous = app.test_client()
    assert "0061001111111" not in anonymous.get("/cong-khai/tai-khoan").get_data(as_text=True)
    _add_account(session, kh, "0061001111111")
    f.make_user(session, Role.PROVINCE_STAFF, kh["province"], email="tinh@example.vn")
    login(client, "tinh@example.vn")
    staff_page = client.get("/cong-khai/tai-khoan")
    assert "0061001111111" in staff_page.get_data(as_text=True)
    assert staff_page.headers["Cache-Control"] == "private, no-store"
    cached = anonymous.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert "0061001111111" not in cached  # still the page cached before the account was added
    assert "Đăng xuất" not in cached  # the staff's page never went into the cache


def test_a_flashed_message_is_shown_to_its_reader_only(app, client, session, kh):
    f.make_user(session, Role.PROVINCE_STAFF, kh["province"], email="tinh@example.vn")
    login(client, "tinh@example.vn")
    from tests.conftest import post_form

    post_form(client, "/dang-xuat", page="/cong-khai")  # flashes "Bạn đã đăng xuất." for the next page
    assert "Bạn đã đăng xuất" in client.get("/").get_data(as_text=True)
    assert "Bạn đã đăng xuất" not in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.app_config(
    PUBLIC_PAGE_CACHE_SECONDS=60, CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0"
)
def test_a_cache_server_that_is_down_is_bypassed(client, session, kh):
    give(session, kh["campaign"], 10_000_000, name="Nguyễn Văn An", receiving=kh["province"])
    page = client.get("/cong-khai/sao-ke")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.get_data(as_text=True)


def test_anonymous_public_pages_are_compressed_for_slow_phones(app, client, session, kh):
    import gzip

    import brotli

    give(session, kh["campaign"], 10_000_000, name="Nguyễn Văn An", receiving=kh["province"])
    plain = client.get("/cong-khai/sao-ke?q=nguyen+van").get_data()
    for _ in range(2):  # rendered, then from the cache: both compressed
        resp = app.test_client().get("/cong-khai/sao-ke?q=nguyen+van", headers={"Accept-Encoding": "gzip"})
        assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
        assert gzip.decompress(resp.get_data()) == plain
        assert len(resp.get_data()) < len(plain) / 2
    resp = app.test_client().get("/cong-khai/sao-ke?q=nguyen+van", headers={"Accept-Encoding": "br"})
    assert resp.headers["Content-Encoding"] == "br" and brotli.decompress(resp.get_data()) == plain
    assert "Nguyễn Văn An" in plain.decode()


def test_pages_holding_a_secret_are_never_compressed(app, session, kh):
    """BREACH: a CSRF token next to text the reader controls must not be compressed. A signed-in user's page has
    the logout form's token; the pledge form has its own."""
    staff = f.make_user(session, Role.PROVINCE_STAFF, kh["province"])
    signed_in = app.test_client()
    login(signed_in, staff.email)
    resp = signed_in.get("/cong-khai/sao-ke?q=nguyen", headers={"Accept-Encoding": "gzip, br"})
    assert resp.status_code == 200 and 'name="csrf_token"' in resp.get_data(as_text=True)
    assert "Content-Encoding" not in resp.headers
    form = app.test_client().get("/ung-ho", headers={"Accept-Encoding": "gzip, br"})
    assert form.status_code == 200 and "Content-Encoding" not in form.headers
