"""Each provider's payload read field by field, and each authentication: valid, forged, stale, replayed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.bankfeed.adapters import FeedRefused, parse_casso, parse_direct, parse_sepay
from app.bankfeed.models import BankFeedTransaction
from app.contributions.models import Contribution
from tests.bankfeed.conftest import (
    CASSO_KEY,
    casso_body,
    casso_signature,
    direct_body,
    post_casso,
    post_direct,
    post_sepay,
    sepay_body,
)


def feed_rows(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count(BankFeedTransaction.id))).scalar_one()


def contributions(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count(Contribution.id))).scalar_one()


# ------------------------------------------------------------------------------------------------ payloads
def test_sepay_payload_as_documented():
    body = {
        "id": 92704,
        "gateway": "Vietcombank",
        "transactionDate": "2023-03-25 14:02:37",
        "accountNumber": "0123499999",
        "code": None,
        "content": "chuyen tien mua iphone",
        "transferType": "in",
        "transferAmount": 2277000,
        "accumulated": 19077000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": "",
    }
    n = parse_sepay(json.dumps(body).encode())
    assert n.provider == "sepay"
    assert n.provider_txn_id == "92704"
    assert n.bank_name == "Vietcombank"
    assert n.txn_at == datetime(2023, 3, 25, 7, 2, 37, tzinfo=UTC)  # 14:02:37 in Vietnam
    assert n.account_number == "0123499999"
    assert n.memo == "chuyen tien mua iphone"
    assert n.is_credit is True
    assert n.amount_vnd == 2_277_000
    assert n.running_balance_vnd == 19_077_000
    assert n.bank_reference == "MBVCB.3278907687"
    assert n.raw == body
    out = parse_sepay(json.dumps({**body, "transferType": "out", "code": "VNNK7QX3MH9"}).encode())
    assert out.is_credit is False and out.amount_vnd == 2_277_000
    assert out.memo.endswith("VNNK7QX3MH9")  # SePay's recognised payment code kept with the memo


def test_casso_v2_payload():
    body = casso_body(-150_000, "CHUYEN TIEN DIEN", txn_id=123456)
    n = parse_casso(json.dumps(body).encode())
    assert n.provider == "casso" and n.provider_txn_id == "123456"
    assert n.bank_reference == "FT263400123456"
    assert n.memo == "CHUYEN TIEN DIEN"
    assert n.is_credit is False and n.amount_vnd == 150_000  # a negative amount is money out
    assert n.running_balance_vnd == 25_000_000
    assert n.txn_at == datetime(2026, 12, 7, 8, 32, tzinfo=UTC)
    assert n.account_number == "0061001234567"
    assert n.bank_name == "VCB"
    assert n.counterparty_name == "NGUYEN VAN AN"
    assert n.counterparty_account == "0123456789"
    assert parse_casso(json.dumps(casso_body(500_000, "x")).encode()).is_credit is True


def test_direct_payload():
    body = direct_body(1_000_000, "UNG HO", txn_id="A1", reference="FT1", when="2026-12-07T09:15:00+07:00")
    n = parse_direct(json.dumps(body).encode())
    assert (n.provider_txn_id, n.bank_reference, n.amount_vnd, n.is_credit) == ("A1", "FT1", 1_000_000, True)
    assert n.txn_at == datetime(2026, 12, 7, 2, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transferType": "sideways"}, "transferType"),
        ({"transferAmount": "2277000"}, "transferAmount"),
        ({"transferAmount": True}, "transferAmount"),
        ({"transferAmount": 0}, "transferAmount"),
        ({"transactionDate": "hôm qua"}, "transactionDate"),
        ({"accountNumber": None}, "accountNumber"),
        ({"id": None}, "id"),
    ],
)
def test_sepay_malformed_payload_refused_naming_the_field(change, message):
    with pytest.raises(FeedRefused, match=message):
        parse_sepay(json.dumps({**sepay_body(1000, "x"), **change}).encode())


def test_direct_time_needs_an_offset():
    with pytest.raises(FeedRefused, match="múi giờ"):
        parse_direct(json.dumps(direct_body(1000, "x", when="2026-12-07T09:15:00")).encode())


# ------------------------------------------------------------------------------------------------ authentication
def test_sepay_api_key_valid_and_wrong(feed_app, client, session, kh_setup):
    body = sepay_body(100_000, "ung ho")
    bad = post_sepay(client, body, key="not-the-key")
    assert bad.status_code == 401 and feed_rows(session) == 0
    no_header = client.post("/api/bankfeed/sepay", data=json.dumps(body), content_type="application/json")
    assert no_header.status_code == 401
    ok = post_sepay(client, body)
    assert ok.status_code == 200 and ok.get_json()["success"] is True
    assert feed_rows(session) == 1


def test_unconfigured_provider_refuses(app, client, kh_setup):
    assert post_sepay(client, sepay_body(100_000, "x")).status_code == 400
    assert client.post("/api/bankfeed/nobody", data=b"{}").status_code == 404


def test_casso_signature_valid_forged_stale(feed_app, client, session, kh_setup):
    body = casso_body(200_000, "ung ho")
    forged = casso_signature(body, key="wrong-key")
    assert post_casso(client, body, forged).status_code == 401
    tampered = casso_body(200_000_000, "ung ho", txn_id=body["data"]["id"])
    assert (
        post_casso(client, tampered, casso_signature(body)).status_code == 401
    )  # body changed after signing
    stale = casso_signature(body, timestamp=int((time.time() - 3600) * 1000))
    assert post_casso(client, body, stale).status_code == 401
    assert feed_rows(session) == 0
    ok = post_casso(client, body)
    assert ok.status_code == 200 and ok.get_json()["error"] == 0
    assert feed_rows(session) == 1
    assert CASSO_KEY not in ok.get_data(as_text=True)


def test_direct_signature_valid_forged_stale_replayed(feed_app, client, session, kh_setup):
    body = direct_body(300_000, "ung ho nguoi ngheo")
    assert post_direct(client, body, secret="forged").status_code == 401
    assert post_direct(client, body, timestamp=int(time.time()) - 301).status_code == 401  # stale
    assert post_direct(client, body, timestamp=int(time.time()) + 3600).status_code == 401  # from the future
    raw = json.dumps(body).encode()
    from app.bankfeed.adapters import sign_direct

    headers = sign_direct(raw, "direct-test-secret")
    other = json.dumps({**body, "amount": 300_000_000}).encode()
    resp = client.post("/api/bankfeed/direct", data=other, content_type="application/json", headers=headers)
    assert resp.status_code == 401  # a signature moved onto another body
    assert feed_rows(session) == 0 and contributions(session) == 0

    first = client.post("/api/bankfeed/direct", data=raw, content_type="application/json", headers=headers)
    replayed = client.post("/api/bankfeed/direct", data=raw, content_type="application/json", headers=headers)
    assert first.status_code == replayed.status_code == 200
    assert first.get_json()["duplicate"] is False and replayed.get_json()["duplicate"] is True
    assert feed_rows(session) == 1 and contributions(session) == 1


def test_random_payloads_correctly_authenticated_never_answer_5xx(feed_app, client, session, kh_setup):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    keys = ["id", "amount", "transferAmount", "transferType", "direction", "time", "transactionDate",
            "transactionDateTime", "accountNumber", "account_number", "reference", "referenceCode", "memo",
            "content", "data", "error", "description", "counterAccountName", "accumulated", "code"]  # fmt: skip
    scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300)
    value = st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(keys), inner, max_size=8),
        max_leaves=15,
    )

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(value, st.sampled_from(["sepay", "casso", "direct"]))
    def post(body, provider):  # type: ignore[no-untyped-def]
        if provider == "sepay":
            resp = post_sepay(client, body)
        elif provider == "casso":
            resp = post_casso(client, body) if isinstance(body, dict) else post_direct(client, body)
        else:
            resp = post_direct(client, body)
        assert resp.status_code < 500, (provider, body, resp.status_code)

    post()
