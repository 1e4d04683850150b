"""Casso's webhook v2 signature checked against the vector Casso publishes, not only against our own signer.

Source: github.com/CassoHQ/casso-webhook-v2-verify-signature, python.py (key, header and body copied from it). The
README there describes the scheme: header "X-Casso-Signature: t=<ms>,v1=<hex>", HMAC-SHA512 with the webhook's
"Key bảo mật" over "<t>.<JSON of the body, keys sorted A→Z at every level>".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.bankfeed.adapters import FeedRefused, verify_casso

PUBLISHED_BODY = {
    "error": 0,
    "data": {
        "id": 0,
        "reference": "MA_GIAO_DICH_THU_NGHIEM",
        "description": "giao dich thu nghiem",
        "amount": 599000,
        "runningBalance": 25000000,
        "transactionDateTime": "2024-10-03 15:06:37",
        "accountNumber": "88888888",
        "bankName": "VPBank",
        "bankAbbreviation": "VPB",
        "virtualAccountNumber": "",
        "virtualAccountName": "",
        "counterAccountName": "NGUYEN VAN A",
        "counterAccountNumber": "8888888888",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "VietinBank",
    },
}
PUBLISHED_KEY = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
PUBLISHED_HEADER = (
    "t=1727948258788,v1=ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa79"
    "04e7c88dfa098032fb2d6b6996856e8b7ff3"
)
SIGNED_AT = 1727948258.788


def test_casso_published_vector_is_accepted_whatever_the_body_key_order_or_spacing() -> None:
    # Casso posts the JSON in its own order and spacing; the signature covers the sorted, compact form.
    body = json.dumps(PUBLISHED_BODY, indent=2).encode()
    verify_casso({"X-Casso-Signature": PUBLISHED_HEADER}, body, PUBLISHED_KEY, 300, now=SIGNED_AT)


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["data"].__setitem__("amount", 5990000),
        lambda b: b["data"].__setitem__("description", "giao dich thu nghiem CT-2026-0001"),
        lambda b: b.__setitem__("error", 1),
    ],
    ids=["amount", "memo", "envelope"],
)
def test_one_changed_field_of_the_published_vector_is_refused(
    change: Callable[[dict[str, Any]], None],
) -> None:
    body = json.loads(json.dumps(PUBLISHED_BODY))
    change(body)
    with pytest.raises(FeedRefused):
        verify_casso(
            {"X-Casso-Signature": PUBLISHED_HEADER},
            json.dumps(body).encode(),
            PUBLISHED_KEY,
            300,
            now=SIGNED_AT,
        )


def test_the_published_vector_replayed_later_is_refused_as_stale() -> None:
    with pytest.raises(FeedRefused, match="quá hạn"):
        verify_casso(
            {"X-Casso-Signature": PUBLISHED_HEADER},
            json.dumps(PUBLISHED_BODY).encode(),
            PUBLISHED_KEY,
            300,
            now=SIGNED_AT + 3600,
        )


@pytest.mark.parametrize("ascii_only", [False, True], ids=["letters-as-is", "letters-escaped"])
def test_a_vietnamese_memo_signed_either_way_casso_samples_serialise_it_is_accepted(ascii_only: bool) -> None:
    body = json.loads(json.dumps(PUBLISHED_BODY))
    body["data"]["description"] = "Công ty Yến Sào ủng hộ người nghèo"
    t = "1727948258788"
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only)
    sig = hmac.new(PUBLISHED_KEY.encode(), f"{t}.{canonical}".encode(), hashlib.sha512).hexdigest()
    raw = json.dumps(body, ensure_ascii=False).encode()
    verify_casso({"X-Casso-Signature": f"t={t},v1={sig}"}, raw, PUBLISHED_KEY, 300, now=SIGNED_AT)
