"""Fixtures for bank feeds: the providers' secrets configured, the official accounts of tests/payments, and
notifications built and signed exactly as each provider sends them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import datetime
from typing import Any

import pytest

from app.bankfeed.adapters import casso_message, sign_direct
from tests.payments.conftest import contributions_of, kh_setup, make_pledge  # noqa: F401 - fixtures and helpers

SEPAY_KEY = "sepay-test-key"  # noqa: S105 - test-only
CASSO_KEY = "casso-test-key"  # noqa: S105 - test-only
DIRECT_SECRET = "direct-test-secret"  # noqa: S105 - test-only
PROV_ACCOUNT = "0061001234567"  # kh_setup's province account (Vietcombank)

_ids = itertools.count(1)


@pytest.fixture
def feed_app(app):  # type: ignore[no-untyped-def]
    app.config.update(
        BANKFEED_SEPAY_API_KEY=SEPAY_KEY, BANKFEED_CASSO_KEY=CASSO_KEY, BANKFEED_DIRECT_SECRET=DIRECT_SECRET
    )
    return app


def sepay_body(
    amount: int,
    content: str,
    *,
    txn_id: int | None = None,
    reference: str | None = None,
    account: str = PROV_ACCOUNT,
    when: str = "2026-12-07 14:02:37",
    direction: str = "in",
) -> dict[str, Any]:
    """A SePay webhook payload, field for field as SePay documents it."""
    n = txn_id or next(_ids)
    return {
        "id": n,
        "gateway": "Vietcombank",
        "transactionDate": when,
        "accountNumber": account,
        "code": None,
        "content": content,
        "transferType": direction,
        "transferAmount": amount,
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": reference or f"MBVCB.{3278907687 + n}",
        "description": f"BankAPINotify {content}",
    }


def post_sepay(client, body: dict, key: str = SEPAY_KEY):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/bankfeed/sepay",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Apikey {key}"},
    )


def casso_body(amount: int, description: str, *, txn_id: int | None = None, **extra: Any) -> dict[str, Any]:
    n = txn_id or next(_ids)
    data = {
        "id": n,
        "reference": f"FT2634{n:08d}",
        "description": description,
        "amount": amount,
        "runningBalance": 25_000_000,
        "transactionDateTime": "2026-12-07 15:32:00",
        "accountNumber": PROV_ACCOUNT,
        "bankName": "Ngân hàng TMCP Ngoại Thương Việt Nam",
        "bankAbbreviation": "VCB",
        "virtualAccountNumber": "",
        "virtualAccountName": "",
        "counterAccountName": "NGUYEN VAN AN",
        "counterAccountNumber": "0123456789",
        "counterAccountBankId": "970418",
        "counterAccountBankName": "BIDV",
    }
    data.update(extra)
    return {"error": 0, "data": data}


def casso_signature(body: dict, key: str = CASSO_KEY, timestamp: int | None = None) -> str:
    ts = str(int(time.time() * 1000) if timestamp is None else timestamp)
    mac = hmac.new(key.encode(), casso_message(ts, body), hashlib.sha512).hexdigest()
    return f"t={ts},v1={mac}"


def post_casso(client, body: dict, signature: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/bankfeed/casso",
        data=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
        headers={"X-Casso-Signature": signature or casso_signature(body)},
    )


def direct_body(
    amount: int,
    memo: str,
    *,
    txn_id: str | None = None,
    reference: str | None = None,
    direction: str = "credit",
    when: datetime | str = "2026-12-07T09:15:00+07:00",
    account: str = PROV_ACCOUNT,
) -> dict[str, Any]:
    n = next(_ids)
    return {
        "id": txn_id or f"D{n:08d}",
        "account_number": account,
        "reference": reference or f"FT{n:010d}",
        "direction": direction,
        "amount": amount,
        "time": when if isinstance(when, str) else when.isoformat(),
        "memo": memo,
        "counterparty_name": "",
        "counterparty_account": "",
        "balance": None,
        "bank": "VCB",
    }


def post_direct(
    client, body: dict, *, secret: str = DIRECT_SECRET, timestamp: int | None = None, raw: bytes | None = None
):  # type: ignore[no-untyped-def]
    data = raw if raw is not None else json.dumps(body).encode()
    return client.post(
        "/api/bankfeed/direct",
        data=data,
        content_type="application/json",
        headers=sign_direct(data, secret, timestamp),
    )
