"""Feed settings per official account (issue 17.7 with 17.1): an account that declares its provider and names the
environment variable holding its own secret accepts only notifications signed with that secret; other accounts keep
the provider's shared secret; the secret itself is never stored in the database."""

from __future__ import annotations

from sqlalchemy import func, select

from app.bankfeed.models import BankFeedTransaction
from app.banking.models import FeedProvider
from tests.bankfeed.conftest import SEPAY_KEY, post_sepay, sepay_body

OWN_KEY = "khanh-hoa-own-sepay-key"  # noqa: S105 - test-only


def _rows(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count(BankFeedTransaction.id))).scalar_one()


def test_an_account_with_its_own_secret_refuses_the_shared_key_and_accepts_its_own(
    feed_app, client, session, kh_setup, monkeypatch
):
    acc = kh_setup["prov_acc"]
    acc.feed_provider = FeedProvider.SEPAY
    acc.feed_secret_env = "BANKFEED_SEPAY_KEY_KHANH_HOA"
    session.commit()
    monkeypatch.setenv("BANKFEED_SEPAY_KEY_KHANH_HOA", OWN_KEY)

    body = sepay_body(2_000_000, "UNG HO NGUOI NGHEO", account=acc.account_number)
    assert post_sepay(client, body, key=SEPAY_KEY).status_code == 401  # the shared key is not this account's
    assert _rows(session) == 0
    assert post_sepay(client, body, key=OWN_KEY).status_code == 200
    assert _rows(session) == 1

    # Khánh Sơn's account declares nothing: the provider's shared key still applies to it, and its own key does not
    other = sepay_body(1_000_000, "UNG HO", account=kh_setup["ks_acc"].account_number)
    assert post_sepay(client, other, key=OWN_KEY).status_code == 401
    assert post_sepay(client, other, key=SEPAY_KEY).status_code == 200
    assert _rows(session) == 2


def test_an_account_whose_secret_variable_is_unset_refuses_every_notification(
    feed_app, client, session, kh_setup, monkeypatch
):
    acc = kh_setup["prov_acc"]
    acc.feed_provider = FeedProvider.SEPAY
    acc.feed_secret_env = "BANKFEED_SEPAY_KEY_NOT_SET"
    session.commit()
    monkeypatch.delenv("BANKFEED_SEPAY_KEY_NOT_SET", raising=False)
    body = sepay_body(2_000_000, "UNG HO", account=acc.account_number)
    answer = post_sepay(client, body, key=SEPAY_KEY)
    assert answer.status_code == 400
    assert "chưa được cấu hình" in answer.get_json()["error"]
    assert _rows(session) == 0
