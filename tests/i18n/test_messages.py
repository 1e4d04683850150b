"""English catalogue (app/translations/en/LC_MESSAGES/messages.po, checked by test_catalogue.py) used for form labels,
validation messages and flashes; Vietnamese stays the default everywhere."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import gettext

from app.accounts.models import Role
from app.certificates.models import CERTIFICATE_KIND_LABELS
from app.contributions.models import CHANNEL_LABELS, TRANSFER_STATUS_LABELS
from app.donors.models import DONOR_KIND_LABELS
from app.ledger.models import PURPOSE_LABELS
from app.needs.models import NEED_KIND_LABELS, NEED_STATUS_LABELS
from app.needs.priority import CRITERIA
from app.pledges.models import PAYMENT_METHOD_LABELS, PLEDGE_STATUS_LABELS
from app.transparency.statement import SORTS
from tests import factories as f
from tests.conftest import post_form


def test_labels_shown_from_the_models_have_english():
    labels = [
        *PLEDGE_STATUS_LABELS.values(),
        *PAYMENT_METHOD_LABELS.values(),
        *DONOR_KIND_LABELS.values(),
        *CHANNEL_LABELS.values(),
        *TRANSFER_STATUS_LABELS.values(),
        *PURPOSE_LABELS.values(),
        *NEED_KIND_LABELS.values(),
        *NEED_STATUS_LABELS.values(),
        *CERTIFICATE_KIND_LABELS.values(),
        *SORTS.values(),
        *(label for _weight, label in CRITERIA.values()),
    ]
    po = Path(__file__).resolve().parents[2] / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        english = {m.id: m.string for m in read_po(fh) if m.id and not m.context}
    assert [label for label in labels if not english.get(label)] == []


def test_pledge_form_problems_are_in_the_visitors_language(app, session):
    f.make_campaign(session, f.province(session))
    base = {
        "donor_kind": "business",
        "tax_code": "",
        "kind": "money",
        "purpose": "housing",
        "earmark": "anywhere",
        "schedule": "now",
        "payment_method": "bank_transfer",
        "display": "full_name",
    }
    cases = [  # (form, Vietnamese messages, their English)
        ({**base, "name": "", "amount": "50.000.000"}, ["Tên: chưa nhập."], ["Name: not entered."]),
        (
            {**base, "name": "Công ty Cổ phần Sữa Việt Nam", "amount": "5.000"},
            ["Mã số thuế: chưa nhập.", "Người liên hệ: chưa nhập.", "Số tiền: tối thiểu 10.000 ₫."],
            ["Tax code: not entered.", "Contact person: not entered.", "Amount: at least 10.000 ₫."],
        ),
    ]
    vi, en = app.test_client(), app.test_client()
    en.get("/?lang=en")
    for data, vi_messages, en_messages in cases:
        resp = post_form(vi, "/ung-ho", data)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "Chưa gửi được. Vui lòng sửa:" in html
        assert all(m in html for m in vi_messages), vi_messages
        resp = post_form(en, "/ung-ho", data)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "Not sent yet. Please correct:" in html
        assert all(m in html for m in en_messages), en_messages
        assert not any(m in html for m in vi_messages), vi_messages


def test_login_and_password_reset_messages_in_english(app, session):
    user = f.make_user(session, Role.PROVINCE_STAFF, f.province(session))
    vi = app.test_client()
    assert "Email hoặc mật khẩu không đúng." in post_form(
        vi, "/dang-nhap", {"email": user.email, "password": "sai-mat-khau-1"}
    ).get_data(as_text=True)

    en = app.test_client()
    en.get("/?lang=en")
    html = post_form(en, "/dang-nhap", {"email": user.email, "password": "sai-mat-khau-1"}).get_data(
        as_text=True
    )
    assert "Wrong email or password." in html and "Email hoặc mật khẩu không đúng." not in html
    html = post_form(en, "/dang-nhap", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Please enter your email." in html and "Please enter your password." in html
    html = post_form(en, "/quen-mat-khau", {"email": user.email}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "If this email has an account, we have sent a password reset link." in html


def test_the_choice_of_language_is_kept_until_changed_back(client):
    assert "Log in" in client.get("/?lang=en").get_data(as_text=True)
    assert "Verify a certificate" in client.get("/xac-minh").get_data(
        as_text=True
    )  # another page, same session
    page = client.get("/xac-minh?lang=vi").get_data(as_text=True)
    assert 'lang="vi"' in page and "Xác minh giấy chứng nhận" in page
    assert "Xác minh giấy chứng nhận" in client.get("/xac-minh").get_data(as_text=True)


def test_messages_built_outside_a_request_are_vietnamese(app):
    with app.app_context():  # a CLI command or a task: no session, no language choice
        assert gettext("Xin chào %(name)s!", name="Lan") == "Xin chào Lan!"
