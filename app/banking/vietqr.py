"""VietQR: the NAPAS EMVCo merchant-presented QR payload for bank transfers (written here: the PyPI packages
were checked and found faulty — see shared/deps-vetted.md). The image of a payload is made by app.core.qr."""

from __future__ import annotations

import binascii
import re

from app.core.messages import N_

GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
MAX_NOTE = 19  # banks cut or mangle longer transfer notes


class VietQRError(ValueError):
    pass


def _tlv(tag: str, value: str) -> str:
    if not value.isascii():
        raise VietQRError(N_("VietQR chỉ nhận ký tự ASCII (không dấu)."))
    if len(value) > 99:
        raise VietQRError(N_("Trường %(tag)s quá dài cho VietQR.", tag=tag))
    return f"{tag}{len(value):02d}{value}"


def crc16(payload: str) -> str:
    """CRC-16/CCITT-FALSE over the payload including "6304", as four upper-case hex digits."""
    return f"{binascii.crc_hqx(payload.encode('ascii'), 0xFFFF):04X}"


def build_payload(
    bank_bin: str, account_number: str, amount_vnd: int | None = None, note: str | None = None
) -> str:
    if not re.fullmatch(r"\d{6}", bank_bin or ""):
        raise VietQRError(N_("Mã BIN ngân hàng phải gồm 6 chữ số."))
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account_number or ""):
        raise VietQRError(N_("Số tài khoản không hợp lệ."))
    if amount_vnd is not None and (not isinstance(amount_vnd, int) or amount_vnd <= 0 or amount_vnd > 10**13):
        raise VietQRError(N_("Số tiền không hợp lệ."))
    if note is not None and (len(note) > MAX_NOTE or not re.fullmatch(r"[0-9A-Za-z ]*", note)):
        raise VietQRError(
            N_("Nội dung chuyển khoản tối đa %(n)s ký tự, chỉ chữ không dấu và số.", n=MAX_NOTE)
        )
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account_number)
    merchant = _tlv("00", GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    payload = (
        _tlv("00", "01") + _tlv("01", "12" if amount_vnd else "11") + _tlv("38", merchant) + _tlv("53", "704")
    )
    if amount_vnd:
        payload += _tlv("54", str(amount_vnd))
    payload += _tlv("58", "VN")
    if note:
        payload += _tlv("62", _tlv("08", note))
    payload += "6304"
    return payload + crc16(payload)


def parse(payload: str) -> dict[str, str]:
    """Top-level TLV fields of a payload, after checking its CRC (used by tests and by staff tools)."""
    if len(payload) < 8 or payload[-8:-4] != "6304" or crc16(payload[:-4]) != payload[-4:]:
        raise VietQRError(N_("Mã VietQR sai CRC."))
    fields: dict[str, str] = {}
    i = 0
    while i < len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        fields[tag] = payload[i + 4 : i + 4 + length]
        i += 4 + length
    return fields
