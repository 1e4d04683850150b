"""Feed providers' webhooks: authentication and payload, each read into one FeedNotification.

- SePay (developer.sepay.vn, "SePay Webhooks"): one POST per transaction, JSON fields id, gateway, transactionDate
  ("2023-03-25 14:02:37", Vietnam time), accountNumber, code, content, transferType ("in" | "out"),
  transferAmount, accumulated, subAccount, referenceCode, description; authenticated here by its API-key option,
  header "Authorization: Apikey <key>". SePay counts any 2xx as delivered (it expects {"success": true}) and
  retries otherwise, up to 7 times over about 33 minutes: duplicates are normal and are answered 200.
- Casso (developer.casso.vn, webhook v2): body {"error": 0, "data": {id, reference, description, amount (negative
  for money out), runningBalance, transactionDateTime, accountNumber, bankName, bankAbbreviation,
  virtualAccountNumber, virtualAccountName, counterAccountName, counterAccountNumber, counterAccountBankId,
  counterAccountBankName}}; header "X-Casso-Signature: t=<timestamp>,v1=<hex>", the HMAC-SHA512 with the
  webhook's secure key of "<timestamp>.<the body's JSON with keys sorted, no spaces>".
- "direct": our own signed JSON for banks' direct APIs: headers X-ChungTay-Timestamp (Unix seconds) and
  X-ChungTay-Signature (hex HMAC-SHA256 with the shared secret of "<timestamp>.<raw body>"); a timestamp further
  than BANKFEED_TOLERANCE_SECONDS from now is refused as stale. Body: id, account_number, reference, direction
  ("credit" | "debit"), amount, time (ISO 8601 with its offset), memo, counterparty_name, counterparty_account,
  balance, bank.

Every comparison of a secret is constant-time (hmac.compare_digest)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import Headers

from app.core.i18n import VN_TZ

HeaderMap = Headers | Mapping[str, str]  # a request's headers (case-insensitive) or a plain mapping

MAX_AMOUNT = 10**15  # a đồng figure beyond any real transfer (and within BigInteger)


class FeedRefused(Exception):
    """A notification refused; `status` is the HTTP answer, the message Vietnamese."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class FeedNotification:
    """One bank transaction as a provider notified it. Amounts are whole đồng, always positive."""

    provider: str
    provider_txn_id: str
    bank_reference: str | None
    account_number: str
    is_credit: bool
    amount_vnd: int
    txn_at: datetime  # aware, UTC
    memo: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    running_balance_vnd: int | None = None
    bank_name: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ field readers
def _obj(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedRefused("Nội dung không phải JSON.") from exc
    if not isinstance(value, dict):
        raise FeedRefused("Nội dung phải là một đối tượng JSON.")
    return value


def _text(obj: Mapping[str, Any], key: str, *, required: bool = False, limit: int = 255) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise FeedRefused(f"Thiếu trường “{key}”.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FeedRefused(f"Trường “{key}” phải là chuỗi ký tự.")
    text = str(value).strip()
    if len(text) > limit:
        raise FeedRefused(f"Trường “{key}” dài quá {limit} ký tự.")
    return text


def _int(obj: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise FeedRefused(f"Thiếu trường “{key}”.")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_AMOUNT:
        raise FeedRefused(f"Trường “{key}” phải là một số nguyên đồng.")
    return value


def _local_time(obj: Mapping[str, Any], key: str) -> datetime:
    """ "YYYY-MM-DD HH:MM:SS" in Vietnam time (SePay's and Casso's format) as aware UTC."""
    text = _text(obj, key, required=True, limit=40)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=VN_TZ).astimezone(UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FeedRefused(f"Trường “{key}” không phải ngày giờ (YYYY-MM-DD HH:MM:SS).") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)).astimezone(UTC)


def _positive(amount: int | None, key: str) -> int:
    if not amount:
        raise FeedRefused(f"Trường “{key}” phải khác 0.")
    return abs(amount)


# ------------------------------------------------------------------------------------------------ SePay
def verify_sepay(headers: HeaderMap, body: bytes, secret: str) -> None:
    given = headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Apikey {secret}".encode()):
        raise FeedRefused("Khóa API (Authorization: Apikey …) không đúng.", 401)


def parse_sepay(body: bytes) -> FeedNotification:
    data = _obj(body)
    direction = _text(data, "transferType", required=True)
    if direction not in ("in", "out"):
        raise FeedRefused("Trường “transferType” phải là “in” hoặc “out”.")
    reference = _text(data, "referenceCode", limit=100)
    content = _text(data, "content", limit=2000)
    code = _text(data, "code", limit=100)
    return FeedNotification(
        provider="sepay",
        provider_txn_id=_text(data, "id", required=True, limit=100),
        bank_reference=reference or None,
        account_number=_text(data, "accountNumber", required=True, limit=30),
        is_credit=direction == "in",
        amount_vnd=_positive(_int(data, "transferAmount"), "transferAmount"),
        txn_at=_local_time(data, "transactionDate"),
        memo=" ".join(filter(None, [content, code if code and code not in content else ""])),
        running_balance_vnd=_int(data, "accumulated", required=False),
        bank_name=_text(data, "gateway"),
        raw=data,
    )


# ------------------------------------------------------------------------------------------------ Casso
def casso_message(timestamp: str, data: Any, ascii_only: bool = False) -> bytes:
    """What Casso signs: the timestamp, a dot and the body's JSON with keys sorted (at every level), compact.

    As Casso's own samples give it (github.com/CassoHQ/casso-webhook-v2-verify-signature, README and python.py;
    tests/bankfeed/test_casso_vector.py checks its published Python vector). Their JavaScript sample serialises
    non-ASCII text as is and their Python sample escapes it (json.dumps' default), so a memo with Vietnamese letters
    is checked both ways (`ascii_only`); either must still match the HMAC exactly.
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only)
    return f"{timestamp}.{canonical}".encode()


def _fresh(timestamp: str, tolerance: int, now: float | None) -> None:
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise FeedRefused("Mốc thời gian của chữ ký không hợp lệ.", 401) from exc
    seconds = ts / 1000 if ts > 10**11 else ts  # Casso sends milliseconds
    if abs((time.time() if now is None else now) - seconds) > tolerance:
        raise FeedRefused("Chữ ký đã quá hạn (mốc thời gian quá xa hiện tại).", 401)


def verify_casso(
    headers: HeaderMap, body: bytes, secret: str, tolerance: int, now: float | None = None
) -> None:
    parts = dict(
        p.split("=", 1) for p in headers.get("X-Casso-Signature", "").replace(" ", "").split(",") if "=" in p
    )
    ts, given = parts.get("t", ""), parts.get("v1", "")
    if not ts or not given:
        raise FeedRefused("Thiếu chữ ký X-Casso-Signature.", 401)
    data = _obj(body)
    matches = [
        hmac.compare_digest(
            hmac.new(secret.encode(), casso_message(ts, data, ascii_only), hashlib.sha512)
            .hexdigest()
            .encode(),
            given.lower().encode(),
        )
        for ascii_only in (False, True)
    ]
    if not any(matches):
        raise FeedRefused("Chữ ký X-Casso-Signature không hợp lệ.", 401)
    _fresh(ts, tolerance, now)


def parse_casso(body: bytes) -> FeedNotification:
    envelope = _obj(body)
    if envelope.get("error") not in (0, None):
        raise FeedRefused("Casso báo lỗi trong thông báo (error khác 0).")
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise FeedRefused("Trường “data” phải là một đối tượng.")
    amount = _int(data, "amount")
    reference = _text(data, "reference", limit=100)
    return FeedNotification(
        provider="casso",
        provider_txn_id=_text(data, "id", required=True, limit=100),
        bank_reference=reference or None,
        account_number=_text(data, "accountNumber", required=True, limit=30),
        is_credit=(amount or 0) > 0,
        amount_vnd=_positive(amount, "amount"),
        txn_at=_local_time(data, "transactionDateTime"),
        memo=_text(data, "description", limit=2000),
        counterparty_name=_text(data, "counterAccountName"),
        counterparty_account=_text(data, "counterAccountNumber", limit=40),
        running_balance_vnd=_int(data, "runningBalance", required=False),
        bank_name=_text(data, "bankAbbreviation") or _text(data, "bankName"),
        raw=envelope,
    )


# ------------------------------------------------------------------------------------------------ our signed JSON
TIMESTAMP_HEADER = "X-ChungTay-Timestamp"
SIGNATURE_HEADER = "X-ChungTay-Signature"


def sign_direct(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers a bank's direct API (or `flask bankfeed replay`) sends with `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: mac}


def verify_direct(
    headers: HeaderMap, body: bytes, secret: str, tolerance: int, now: float | None = None
) -> None:
    ts, given = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if not ts or not given:
        raise FeedRefused(f"Thiếu {TIMESTAMP_HEADER} hoặc {SIGNATURE_HEADER}.", 401)
    expected = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise FeedRefused("Chữ ký không hợp lệ.", 401)
    _fresh(ts, tolerance, now)


def parse_direct(body: bytes) -> FeedNotification:
    data = _obj(body)
    direction = _text(data, "direction", required=True)
    if direction not in ("credit", "debit"):
        raise FeedRefused("Trường “direction” phải là “credit” hoặc “debit”.")
    try:
        when = datetime.fromisoformat(_text(data, "time", required=True, limit=40))
    except ValueError as exc:
        raise FeedRefused("Trường “time” phải là ngày giờ ISO 8601.") from exc
    if when.tzinfo is None:
        raise FeedRefused("Trường “time” phải có múi giờ (ví dụ +07:00).")
    reference = _text(data, "reference", limit=100)
    return FeedNotification(
        provider="direct",
        provider_txn_id=_text(data, "id", required=True, limit=100),
        bank_reference=reference or None,
        account_number=_text(data, "account_number", required=True, limit=30),
        is_credit=direction == "credit",
        amount_vnd=_positive(_int(data, "amount"), "amount"),
        txn_at=when.astimezone(UTC),
        memo=_text(data, "memo", limit=2000),
        counterparty_name=_text(data, "counterparty_name"),
        counterparty_account=_text(data, "counterparty_account", limit=40),
        running_balance_vnd=_int(data, "balance", required=False),
        bank_name=_text(data, "bank"),
        raw=data,
    )


@dataclass(frozen=True)
class Provider:
    name: str
    config_key: str
    verify: Callable[[HeaderMap, bytes, str, int], None]
    parse: Callable[[bytes], FeedNotification]
    ok: dict[str, Any]


PROVIDERS: dict[str, Provider] = {
    "sepay": Provider(
        "sepay",
        "BANKFEED_SEPAY_API_KEY",
        lambda h, b, s, _tol: verify_sepay(h, b, s),
        parse_sepay,
        {"success": True},
    ),
    "casso": Provider("casso", "BANKFEED_CASSO_KEY", verify_casso, parse_casso, {"error": 0}),
    "direct": Provider("direct", "BANKFEED_DIRECT_SECRET", verify_direct, parse_direct, {"success": True}),
}
