"""Vietnamese identifiers: tax codes (mã số thuế) and phone numbers."""

from __future__ import annotations

import re
import unicodedata

from stdnum.vn import mst as stdnum_mst

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
        raise IdentifierError("Mã số thuế: chưa nhập.")
    if _PERSONAL_ID.match(v):
        return v
    m = _MST_BRANCH.match(v)
    base = m.group(1) if m else v
    if not _MST_10.match(base):
        raise IdentifierError(
            "Mã số thuế phải gồm 10 chữ số, 13 chữ số dạng 0123456789-001 (chi nhánh) hoặc 12 chữ số (số định danh cá nhân)."
        )
    if not stdnum_mst.is_valid(base):
        raise IdentifierError("Mã số thuế không đúng (sai chữ số kiểm tra). Vui lòng kiểm tra lại.")
    if m:
        if m.group(2) == "000":
            raise IdentifierError("Mã số thuế chi nhánh: ba số cuối không được là 000.")
        return f"{base}-{m.group(2)}"
    return base


# Vietnamese mobile/landline: 0 + 9 digits (mobiles 03, 05, 07, 08, 09; landlines 02x), or +84 / 84 prefix.
_PHONE = re.compile(r"^0(2\d{9}|[35789]\d{8})$", re.ASCII)


def normalize_phone(value: str) -> str:
    """Return the phone as 0XXXXXXXXX or raise IdentifierError."""
    v = re.sub(r"[\s.\-()]", "", value or "")
    if v.startswith("+84"):
        v = "0" + v[3:]
    elif v.startswith("84") and len(v) == 11:
        v = "0" + v[2:]
    elif len(v) == 9 and v[0] in "35789":
        v = "0" + v
    if not _PHONE.match(v):
        raise IdentifierError("Số điện thoại không hợp lệ (ví dụ: 0905 123 456).")
    return v
