"""Vietnamese identifiers: tax codes (mã số thuế) and phone numbers."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from stdnum.vn import mst as stdnum_mst

from app.core.messages import N_

_MST_10 = re.compile(r"^\d{10}$", re.ASCII)
_MST_BRANCH = re.compile(r"^(\d{10})-(\d{3})$", re.ASCII)
_PERSONAL_ID = re.compile(r"^\d{12}$", re.ASCII)
# Hyphen look-alikes that documents, PDFs and word processors put in a pasted "0123456789-001".
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"))


class IdentifierError(ValueError):
    """Invalid identifier; the message is Vietnamese."""


def normalize_tax_code(value: str) -> str:
    """Return the canonical tax code or raise IdentifierError.

    Accepts 10 digits with a valid check digit (python-stdnum's stdnum.vn.mst), a branch written
    NNNNNNNNNN-NNN (suffix not 000), or since 1/7/2025 the 12-digit personal ID number that
    individuals and household businesses use instead (no check digit). Hyphens elsewhere are refused.
    """
    v = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "").translate(_DASHES))
    if not v:
        raise IdentifierError(N_("Mã số thuế: chưa nhập."))
    if _PERSONAL_ID.match(v):
        return v
    m = _MST_BRANCH.match(v)
    base = m.group(1) if m else v
    if not _MST_10.match(base):
        raise IdentifierError(
            N_(
                "Mã số thuế phải gồm 10 chữ số, 13 chữ số dạng 0123456789-001 (chi nhánh) hoặc 12 chữ số (số định danh cá nhân)."
            )
        )
    if not stdnum_mst.is_valid(base):
        raise IdentifierError(N_("Mã số thuế không đúng (sai chữ số kiểm tra). Vui lòng kiểm tra lại."))
    if m:
        if m.group(2) == "000":
            raise IdentifierError(N_("Mã số thuế chi nhánh: ba số cuối không được là 000."))
        return f"{base}-{m.group(2)}"
    return base


_PHONE_CHARS = re.compile(r"\+?\d{6,17}", re.ASCII)


def normalize_phone(value: str) -> str:
    """Return a Vietnamese number as 0XXXXXXXXX (mobiles 03/05/07/08/09, landlines 02x; +84, 84 or no leading 0
    accepted) and a number abroad in E.164 (+14155552671; written +1…, or 001…), or raise IdentifierError.
    Validity is the phonenumbers library's (Google's libphonenumber metadata), issue 19.4: donors abroad."""
    v = re.sub(r"[\s.\-()/]", "", unicodedata.normalize("NFKC", value or ""))
    if v.startswith("00"):
        v = "+" + v[2:]
    if not _PHONE_CHARS.fullmatch(v):
        raise IdentifierError(_PHONE_MESSAGE)
    try:
        number = phonenumbers.parse(v, "VN")
    except phonenumbers.NumberParseException:
        raise IdentifierError(_PHONE_MESSAGE) from None
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError(_PHONE_MESSAGE)
    if number.country_code == 84:
        return f"0{number.national_number}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_MESSAGE = (
    "Số điện thoại không hợp lệ (ví dụ: 0905 123 456; số nước ngoài ghi mã nước: +1 415 555 2671)."
)
