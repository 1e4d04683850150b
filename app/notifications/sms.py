"""SMS: counting segments, and the backends that send one message (console, memory, eSMS over HTTP).

The provider is eSMS.vn (ViHAT), "Send OTP/Customer care message" (SmsType 2, a registered Brandname): one JSON
POST per message to https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/ with ApiKey,
SecretKey, Phone, Content, Brandname, SmsType, IsUnicode (1: Vietnamese with diacritics), Sandbox and RequestId
(the provider refuses a second request with the same RequestId: code 124). The answer is JSON with CodeResult
("100": accepted; it does not mean delivered), SMSID and ErrorMessage. Read from eSMS's published developer
documentation (developers.esms.vn, "Send OTP/Customer care message" and "Table of error codes"; its source,
github.com/devesms/gitbook_esms_for_develop_v2_en). What is and is not confirmed: docs/NOTIFICATIONS.md.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

import requests
from flask import current_app

from app.core.messages import N_

ESMS_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
TIMEOUT = (5, 20)  # connect, read (seconds)

SENT: list[dict[str, str]] = []  # the "memory" backend's messages, for tests that do not need the fake server

# eSMS "Table of error codes": 100 accepted; 99 the number is blocked, 108 the number is malformed, 177 the
# network is not registered for this Brandname: sending again cannot succeed. 124 "Duplicate RequestId": the
# same message was accepted before (a retry after a lost answer), so it counts as sent. Every other code (101
# wrong keys, 103 balance, 104 Brandname, 140 IP not whitelisted...) is retried with backoff and shown to staff:
# an operator can fix it.
ACCEPTED = "100"
ALREADY_ACCEPTED = "124"
PERMANENT = {"99", "108", "177"}

# GSM 03.38: the basic set (one septet each) and the extension table (two septets: escape + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Segments:
    unicode: bool
    count: int
    length: int  # characters (UCS-2) or septets (GSM-7)


def segments(text: str) -> Segments:
    """How many SMS parts a text takes: GSM-7 160 septets (153 per part when split), else UCS-2 70 characters
    (67 per part). A Vietnamese text with its diacritics is UCS-2."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        septets = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return Segments(False, 1 if septets <= 160 else -(-septets // 153), septets)
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    return Segments(True, 1 if units <= 70 else -(-units // 67), units)


def without_diacritics(text: str) -> str:
    """The fallback when Unicode SMS is off (SMS_UNICODE=0): "Đã nhận 50.000 ₫" → "Da nhan 50.000 d", which fits
    GSM-7 (160 characters a part instead of 70). Case is kept."""
    text = text.replace("Đ", "D").replace("đ", "d").replace("₫", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def prepare(text: str) -> str:
    """The text as it will be sent (diacritics kept unless SMS_UNICODE is off)."""
    text = unicodedata.normalize("NFC", text)
    return text if current_app.config.get("SMS_UNICODE", True) else without_diacritics(text)


def esms_phone(phone: str) -> str:
    """eSMS takes Vietnamese numbers as 0…; our E.164 form of a Vietnamese number (+84…) becomes 0…, a number
    abroad is sent as digits with its country code."""
    digits = phone.strip().replace(" ", "")
    if digits.startswith("+84"):
        return "0" + digits[3:]
    return digits.lstrip("+")


def send(phone: str, text: str, request_id: str) -> str:
    """Send one SMS with the configured backend; returns the provider's message id. Raises SmsError."""
    backend = current_app.config.get("SMS_BACKEND", "console")
    if backend == "esms":
        return _send_esms(phone, text, request_id)
    if backend == "memory":
        SENT.append({"phone": phone, "text": text, "request_id": request_id})
        return f"memory-{len(SENT)}"
    if backend == "console":
        print(f"----- SMS -----\nTo: {phone}\n\n{text}\n---------------", file=sys.stderr)
        return "console"
    raise SmsError(N_("SMS_BACKEND “%(backend)s”: không gửi được tin nhắn.", backend=backend), permanent=True)


def _send_esms(phone: str, text: str, request_id: str) -> str:
    cfg = current_app.config
    payload = {
        "ApiKey": cfg.get("ESMS_API_KEY") or "",
        "SecretKey": cfg.get("ESMS_SECRET_KEY") or "",
        "Phone": esms_phone(phone),
        "Content": text,
        "Brandname": cfg.get("ESMS_BRANDNAME") or "",
        "SmsType": str(cfg.get("ESMS_SMS_TYPE") or "2"),
        "IsUnicode": "1" if segments(text).unicode else "0",
        "Sandbox": "1" if cfg.get("ESMS_SANDBOX") else "0",
        "RequestId": request_id,
    }
    try:
        resp = requests.post(cfg.get("ESMS_URL") or ESMS_URL, json=payload, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SmsError(N_("eSMS: không kết nối được (%(error)s).", error=type(exc).__name__)) from exc
    if resp.status_code >= 500 or resp.status_code == 429:
        raise SmsError(N_("eSMS: HTTP %(status_code)s.", status_code=resp.status_code))
    try:
        answer = resp.json()
    except ValueError as exc:
        raise SmsError(
            N_("eSMS: câu trả lời không phải JSON (HTTP %(status_code)s).", status_code=resp.status_code)
        ) from exc
    code = str(answer.get("CodeResult", ""))
    if code in (ACCEPTED, ALREADY_ACCEPTED):
        return str(answer.get("SMSID") or request_id)
    message = answer.get("ErrorMessage") or ""
    raise SmsError(f"eSMS: mã {code or '?'} {message}".strip(), permanent=code in PERMANENT)
