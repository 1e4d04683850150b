"""The SMS adapter against a local eSMS server: the request eSMS documents, its answers understood."""

from __future__ import annotations

import pytest

from app.notifications import sms
from tests.notifications.conftest import BRANDNAME


def test_a_vietnamese_sms_goes_as_unicode_with_the_brandname_and_keys(app, fake_esms):  # type: ignore[no-untyped-def]
    text = "Chung Tay: đã nhận 500.000 ₫ cho đăng ký UH-2026-000123. Xin cảm ơn!"
    with app.app_context():
        sms_id = sms.send("+84905123456", text, request_id="chungtay-1")
    assert sms_id
    [sent] = fake_esms.accepted
    assert sent["Phone"] == "0905123456"  # eSMS takes Vietnamese numbers as 0…
    assert sent["Content"] == text  # diacritics and ₫ kept
    assert sent["IsUnicode"] == "1" and sent["SmsType"] == "2" and sent["Brandname"] == BRANDNAME
    assert sent["RequestId"] == "chungtay-1" and sent["Sandbox"] == "0"


def test_wrong_keys_are_an_error_to_retry_and_a_blocked_number_is_final(app, fake_esms):  # type: ignore[no-untyped-def]
    with app.app_context():
        app.config["ESMS_SECRET_KEY"] = "sai"
        with pytest.raises(sms.SmsError) as wrong_keys:
            sms.send("0905123456", "Chung Tay", request_id="chungtay-2")
        assert "101" in str(wrong_keys.value) and not wrong_keys.value.permanent

        fake_esms.answers.append((200, {"CodeResult": "99", "ErrorMessage": "Số bị chặn"}))
        with pytest.raises(sms.SmsError) as blocked:
            sms.send("0905123456", "Chung Tay", request_id="chungtay-3")
        assert blocked.value.permanent

        fake_esms.answers.append((503, {}))
        with pytest.raises(sms.SmsError) as down:
            sms.send("0905123456", "Chung Tay", request_id="chungtay-4")
        assert "503" in str(down.value) and not down.value.permanent


def test_a_request_sent_twice_counts_once(app, fake_esms):  # type: ignore[no-untyped-def]
    """A retry after a lost answer: eSMS refuses the same RequestId (124); the message was accepted before."""
    with app.app_context():
        sms.send("0905123456", "Chung Tay", request_id="chungtay-5")
        assert sms.send("0905123456", "Chung Tay", request_id="chungtay-5")
    assert len(fake_esms.accepted) == 1


def test_segments_are_counted_as_phones_count_them():  # type: ignore[no-untyped-def]
    assert sms.segments("a" * 160) == sms.Segments(False, 1, 160)
    assert sms.segments("a" * 161).count == 2  # 153 septets a part once split
    assert sms.segments("đ" * 70) == sms.Segments(True, 1, 70)
    assert sms.segments("đ" * 71).count == 2  # UCS-2: 67 a part once split
    assert sms.segments("{" * 80).length == 160  # the extension table takes two septets
    assert sms.without_diacritics("Đã nhận 50.000 ₫ – Khánh Sơn") == "Da nhan 50.000 d – Khanh Son"
