"""Property-based fuzzing of the parsing helpers and importers: a correct result or a clear Vietnamese
message (a ValueError subclass of our own), never another exception, never a partial save."""

from __future__ import annotations

import io
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from app.core.identifiers import IdentifierError, normalize_phone, normalize_tax_code
from app.core.money import MAX_AMOUNT_VND, AmountError, format_vnd, parse_vnd
from app.core.uploads import UploadError, decode_csv, read_upload, sniff_kind
from tests.security.fuzz import FUZZ_SETTINGS, hostile_text

VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _is_vietnamese_message(msg: str) -> bool:
    return any(ch in VIETNAMESE_LETTERS for ch in msg.lower())


@FUZZ_SETTINGS
@given(hostile_text)
def test_parse_vnd_gives_an_amount_or_a_message_naming_the_field(text):
    try:
        value = parse_vnd(text, field="Số tiền ủng hộ")
    except AmountError as exc:
        assert str(exc).startswith("Số tiền ủng hộ:"), str(exc)
    else:
        assert isinstance(value, int) and 0 < value <= MAX_AMOUNT_VND
        assert text.strip()[:1].isascii() and any(ch.isdigit() for ch in text)
        assert parse_vnd(format_vnd(value)) == value


@FUZZ_SETTINGS
@given(st.integers(min_value=1, max_value=MAX_AMOUNT_VND))
def test_every_formatted_amount_parses_back(n):
    assert parse_vnd(format_vnd(n)) == n
    assert parse_vnd(format_vnd(n, symbol=False)) == n


@FUZZ_SETTINGS
@given(st.one_of(hostile_text, st.from_regex(r"[0-9\- ]{9,16}", fullmatch=True)))
def test_tax_codes_are_canonical_or_refused_with_a_message(text):
    try:
        code = normalize_tax_code(text)
    except IdentifierError as exc:
        assert "Mã số thuế" in str(exc)
    else:
        assert code.replace("-", "").isascii() and code.replace("-", "").isdigit()
        assert normalize_tax_code(code) == code


@FUZZ_SETTINGS
@given(st.one_of(hostile_text, st.from_regex(r"(\+84|84|0)?[0-9 .\-]{8,12}", fullmatch=True)))
def test_phones_are_canonical_or_refused_with_a_message(text):
    try:
        phone = normalize_phone(text)
    except IdentifierError as exc:
        assert "Số điện thoại" in str(exc)
    else:
        national = len(phone) in (10, 11) and phone.startswith("0") and phone.isdigit()
        abroad = phone.startswith("+") and phone[1:].isdigit() and not phone.startswith("+84")  # E.164
        assert phone.isascii() and (national or abroad)
        assert normalize_phone(phone) == phone


@FUZZ_SETTINGS
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.sampled_from(
            [b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0", b"%PDF"]
        ).flatmap(lambda magic: st.binary(max_size=512).map(lambda rest: magic + rest)),
        hostile_text.map(lambda s: s.encode("utf-8")),
    )
)
def test_uploads_are_sniffed_or_refused_never_crash(data):
    try:
        kind = sniff_kind(data)
    except UploadError as exc:
        assert _is_vietnamese_message(str(exc))
    else:
        assert kind in {"csv", "xlsx", "png", "jpeg"}
    for allowed in (("csv", "xlsx"), ("png", "jpeg")):
        try:
            kind, _ = read_upload(FileStorage(stream=io.BytesIO(data), filename="../x.xlsx"), allowed=allowed)
        except UploadError as exc:
            assert _is_vietnamese_message(str(exc))
        else:
            assert kind in allowed
    try:
        text = decode_csv(data)
    except UploadError as exc:
        assert _is_vietnamese_message(str(exc))
    else:
        assert text == unicodedata.normalize("NFC", text)


HEADER = "designation,legacy_level,legacy_code,legacy_name,legal_basis,valid_from,valid_to,note\n"


def _csv_cell(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@FUZZ_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["poor_district", "especially_difficult_commune"]), hostile_text),
            st.sampled_from(["province", "district", "commune", "current", "xa", ""]),
            st.one_of(st.sampled_from(["22714", "568", "56", "0"]), hostile_text),
            hostile_text,
            st.one_of(st.sampled_from(["2022-03-15", "15/03/2022", "31/02/2022"]), hostile_text),
        ),
        min_size=0,
        max_size=5,
    ),
    st.booleans(),
)
def test_designations_import_is_all_or_nothing(app, session, rows, with_header):
    from sqlalchemy import func, select

    from app.units.models import AreaDesignation
    from app.units.services import UnitImportError, import_designations_csv

    before = session.execute(select(func.count()).select_from(AreaDesignation)).scalar_one()
    body = "".join(
        ",".join(_csv_cell(x) for x in (kind, level, code, "Tên", basis, valid_from, "", "")) + "\n"
        for kind, level, code, basis, valid_from in rows
    )
    text = (HEADER if with_header else "") + body
    try:
        added = import_designations_csv(session, text)
    except UnitImportError as exc:
        session.rollback()
        assert _is_vietnamese_message(str(exc))
        after = session.execute(select(func.count()).select_from(AreaDesignation)).scalar_one()
        assert after == before
    else:
        assert added == len(rows) > 0
        session.rollback()
