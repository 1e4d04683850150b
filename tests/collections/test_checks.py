"""Row checks on their own: the fast name folding agrees with fold(), dates and amounts as staff type them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.collections.services import CollectionError, fold_name, parse_date_vn
from app.core.text import fold

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " \t-'.0123456789"))
def test_fold_name_equals_fold_for_vietnamese_names(text):
    assert fold_name(text) == fold(text)


@given(st.text())
def test_fold_name_equals_fold_for_any_text(text):
    assert fold_name(text) == fold(text)


def test_dates_are_read_day_first():
    assert parse_date_vn("5/10/2026") == date(2026, 10, 5)
    assert parse_date_vn("05.10.2026") == date(2026, 10, 5)
    for bad, reason in (
        ("10/13/2026", "không phải ngày có thật"),
        ("2026/10/05", "không đúng dạng"),
        ("01/01/2999", "tương lai"),
    ):
        with pytest.raises(CollectionError, match=reason):
            parse_date_vn(bad)
