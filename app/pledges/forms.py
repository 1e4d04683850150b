"""Pledge forms. Every message is Vietnamese and names its field; NFC comes from BaseForm."""

from __future__ import annotations

import functools
import re
import secrets

import phonenumbers
from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.accounts.passwords import MIN_PASSWORD_LENGTH
from app.core.collation import vi_sorted
from app.core.forms import DATE_FORMATS, BaseForm, VNDateField, _nfc_filter, field_problems
from app.core.i18n import request_language, today_vn
from app.core.identifiers import IdentifierError, normalize_phone, normalize_tax_code
from app.core.messages import N_
from app.core.money import AmountError, format_vnd, parse_vnd
from app.core.text import nfc
from app.core.transaction import message_for
from app.donors.models import DonorKind
from app.ledger.models import PURPOSE_LABELS, Purpose
from app.pledges.models import PaymentMethod, PledgeKind, PledgeSchedule
from app.pledges.services import (
    MIN_PLEDGE_VND,
    DonorInput,
    InstalmentInput,
    InstalmentMismatch,
    PledgeInput,
    check_instalments,
)
from app.units.models import AdminUnit, UnitLevel

SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_key() -> str:
    """A fresh idempotency key for one view of the public form (issue 19.4)."""
    return secrets.token_urlsafe(18)


@functools.cache
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """Every country a phone number can belong to (phonenumbers' regions), named in the page's language (Babel's
    CLDR names) and in the Vietnamese order; Việt Nam first."""
    names = Locale.parse(locale).territories
    rows = [
        (code, names[code])
        for code in phonenumbers.SUPPORTED_REGIONS
        if len(code) == 2 and code in names and code != "VN"
    ]
    ordered = vi_sorted(rows, key=lambda r: r[1])
    return (("VN", names.get("VN", "Việt Nam")), *ordered)


COUNTRY_CODES = frozenset(code for code, _name in country_choices("vi"))


def ch(pairs) -> list[SelectChoice]:  # type: ignore[no-untyped-def]
    return [SelectChoice(value, label) for value, label in pairs]


INSTALMENT_ROWS = 6


def _amount(raw: str | None, label: str, errors: list) -> int | None:
    try:
        value = parse_vnd(raw or "", field=label)
    except AmountError as exc:
        errors.append(message_for(exc))
        return None
    if value < MIN_PLEDGE_VND:
        errors.append(_("%(field)s: tối thiểu %(amount)s.", field=label, amount=format_vnd(MIN_PLEDGE_VND)))
        return None
    return value


INSTALMENT_AMOUNT_MAX = 40


def _instalment_amount_length(form, field) -> None:  # type: ignore[no-untyped-def]
    """Length(max=40) whose message says which instalment: every row's amount has the same label."""
    if len(field.data or "") > INSTALMENT_AMOUNT_MAX:
        n = int(field.name.rsplit("-", 2)[-2]) + 1  # "instalments-1-amount" is instalment 2
        raise ValidationError(_("Đợt %(n)s – số tiền: tối đa %(max)s ký tự.", n=n, max=INSTALMENT_AMOUNT_MAX))


class InstalmentForm(Form):  # a sub-form: the outer BaseForm carries the CSRF token
    due_on = VNDateField(
        _l("Ngày nộp"), format=DATE_FORMATS, validators=[Optional()], render_kw={"type": "date"}
    )
    amount = StringField(
        _l("Số tiền đợt"),
        validators=[Optional(), _instalment_amount_length],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    class Meta:
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = (_nfc_filter, *options.get("filters", ()))
            return unbound_field.bind(form=form, **options)


class PledgeForm(BaseForm):
    donor_kind = RadioField(
        _l("Quý vị là"),
        default=DonorKind.BUSINESS.value,
        choices=ch(
            [
                (DonorKind.BUSINESS.value, _l("Doanh nghiệp, tổ chức")),
                (DonorKind.HOUSEHOLD.value, _l("Hộ gia đình")),
                (DonorKind.INDIVIDUAL.value, _l("Cá nhân")),
            ]
        ),
        validators=[DataRequired(_l("Loại nhà tài trợ: chưa chọn."))],
    )
    name = StringField(
        _l("Tên doanh nghiệp / họ và tên"),
        validators=[
            DataRequired(_l("Tên: chưa nhập.")),
            Length(max=255, message=_l("Tên: tối đa 255 ký tự.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    tax_code = StringField(
        _l("Mã số thuế"),
        validators=[Optional(), Length(max=20, message=_l("Mã số thuế: tối đa 20 ký tự."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    address = StringField(
        _l("Địa chỉ trụ sở"),
        validators=[Optional(), Length(max=500, message=_l("Địa chỉ trụ sở: tối đa 500 ký tự."))],
        render_kw={"autocomplete": "street-address"},
    )
    contact_person = StringField(
        _l("Người liên hệ"),
        validators=[Optional(), Length(max=255, message=_l("Người liên hệ: tối đa 255 ký tự."))],
    )
    email = StringField(
        N_("Email"),
        validators=[
            Optional(),
            Email(_l("Email: không hợp lệ.")),
            Length(max=255, message=_l("Email: tối đa 255 ký tự.")),
        ],
        render_kw={"type": "email", "autocomplete": "email"},
    )
    phone = StringField(
        _l("Số điện thoại"),
        validators=[Optional(), Length(max=20, message=_l("Số điện thoại: tối đa 20 ký tự."))],
        render_kw={"type": "tel", "autocomplete": "tel"},
    )
    province_id = SelectField(
        _l("Tỉnh/thành phố"), validate_choice=False, render_kw={"data-province": "donor"}
    )
    commune_id = SelectField(_l("Xã/phường"), validate_choice=False, render_kw={"data-commune-of": "donor"})
    country = SelectField(
        _l("Quốc gia nơi quý vị sống"),
        default="VN",
        validate_choice=False,
        render_kw={"data-country": "donor"},
    )
    submission_key = HiddenField()

    kind = RadioField(
        _l("Hình thức ủng hộ"),
        default=PledgeKind.MONEY.value,
        choices=ch([(PledgeKind.MONEY.value, _l("Tiền")), (PledgeKind.IN_KIND.value, _l("Hiện vật"))]),
    )
    amount = StringField(
        _l("Số tiền (đồng)"),
        validators=[Optional(), Length(max=40, message=_l("Số tiền: tối đa 40 ký tự."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": "50.000.000"},
    )
    in_kind_description = TextAreaField(
        _l("Mô tả hiện vật"),
        validators=[Optional(), Length(max=2000, message=_l("Mô tả hiện vật: tối đa 2000 ký tự."))],
    )
    in_kind_quantity = StringField(
        _l("Số lượng"), validators=[Optional(), Length(max=120, message=_l("Số lượng: tối đa 120 ký tự."))]
    )
    in_kind_value = StringField(
        _l("Giá trị ước tính (đồng)"),
        validators=[Optional(), Length(max=40, message=_l("Giá trị ước tính: tối đa 40 ký tự."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    purpose = SelectField(
        _l("Mục đích"),
        default=Purpose.HOUSING.value,
        choices=ch([(p.value, _l(PURPOSE_LABELS[p])) for p in Purpose]),
    )
    earmark = RadioField(
        _l("Địa bàn hỗ trợ"),
        default="anywhere",
        choices=ch(
            [
                ("anywhere", _l("Nơi cần nhất")),
                ("province", _l("Một tỉnh/thành phố")),
                ("commune", _l("Một xã/phường")),
            ]
        ),
    )
    earmark_province_id = SelectField(
        _l("Tỉnh/thành phố được hỗ trợ"), validate_choice=False, render_kw={"data-province": "earmark"}
    )
    earmark_commune_id = SelectField(
        _l("Xã/phường được hỗ trợ"), validate_choice=False, render_kw={"data-commune-of": "earmark"}
    )
    schedule = RadioField(
        _l("Lịch nộp"),
        default=PledgeSchedule.NOW.value,
        choices=ch(
            [
                (PledgeSchedule.NOW.value, _l("Nộp một lần")),
                (PledgeSchedule.INSTALMENTS.value, _l("Chia thành nhiều đợt")),
            ]
        ),
    )
    instalments = FieldList(
        FormField(InstalmentForm), min_entries=INSTALMENT_ROWS, max_entries=INSTALMENT_ROWS
    )
    payment_method = RadioField(
        _l("Cách nộp tiền"),
        default=PaymentMethod.BANK_TRANSFER.value,
        choices=ch(
            [
                (PaymentMethod.BANK_TRANSFER.value, _l("Chuyển khoản ngân hàng (quét mã VietQR)")),
                (PaymentMethod.CARD.value, _l("Thẻ quốc tế")),
                (PaymentMethod.CASH.value, _l("Tiền mặt tại cơ quan Mặt trận")),
            ]
        ),
    )
    # How the donor hears of the pledge, its money, its instalments, its letter and its house (issue 19.6).
    notify_by = RadioField(
        _l("Nhận thông báo qua"),
        default="auto",
        choices=ch(
            [
                ("auto", _l("Thư điện tử nếu có, nếu không thì tin nhắn SMS")),
                ("email", _l("Thư điện tử")),
                ("sms", _l("Tin nhắn SMS")),
                ("both", _l("Cả thư điện tử và tin nhắn SMS")),
                ("none", _l("Không nhận thông báo")),
            ]
        ),
    )
    display = RadioField(
        _l("Tên hiển thị công khai"),
        default="full_name",
        choices=ch([("full_name", _l("Ghi đầy đủ tên")), ("anonymous", _l("Ghi “Nhà hảo tâm” (ẩn danh)"))]),
    )
    # Consent to be contacted (Decree 13/2023/NĐ-CP Art. 11; Law 91/2025/QH15 Art. 9): recorded with the notice
    # version by app.privacy.services.record_pledge_consents; the "display" choice above is the consent to publish.
    consent_contact = BooleanField(
        _l("Tôi đồng ý để Mặt trận liên hệ qua email/điện thoại đã nhập (xác nhận, nhắc hạn, thư cảm ơn)."),
        default=True,
    )
    note = TextAreaField(
        _l("Lời nhắn (không công khai)"),
        validators=[Optional(), Length(max=1000, message=_l("Lời nhắn: tối đa 1000 ký tự."))],
    )

    def set_country_choices(self, locale: str) -> None:
        self.country.choices = ch(country_choices(locale))

    def set_unit_choices(
        self, provinces: list[tuple[int, str]], communes_by_field: dict[str, list[tuple[int, str]]]
    ) -> None:
        prov = ch([("", _l("— Chọn tỉnh/thành phố —"))] + [(str(pid), name) for pid, name in provinces])
        self.province_id.choices = prov
        self.earmark_province_id.choices = prov
        for name in ("commune_id", "earmark_commune_id"):
            getattr(self, name).choices = ch(
                [("", _l("— Chọn xã/phường —"))]
                + [(str(cid), cname) for cid, cname in communes_by_field.get(name, [])]
            )

    def parse(self, session: Session, *, card_enabled: bool) -> tuple[DonorInput, PledgeInput] | None:
        """After validate(): the service inputs, or None with each problem attached to its field."""
        kind = DonorKind(self.donor_kind.data)
        is_business = kind == DonorKind.BUSINESS
        tax_code = None
        email = (self.email.data or "").strip().lower() or None
        phone = None
        if is_business:
            if not (self.tax_code.data or "").strip():
                self.tax_code.errors.append(_("Mã số thuế: chưa nhập."))
            else:
                try:
                    tax_code = normalize_tax_code(self.tax_code.data)
                except IdentifierError as exc:
                    self.tax_code.errors.append(message_for(exc))
            if not (self.address.data or "").strip():
                self.address.errors.append(_("Địa chỉ trụ sở: chưa nhập."))
            if not (self.contact_person.data or "").strip():
                self.contact_person.errors.append(_("Người liên hệ: chưa nhập."))
            if not email:
                self.email.errors.append(_("Email: chưa nhập (để gửi xác nhận và biên nhận)."))
            if not (self.phone.data or "").strip():
                self.phone.errors.append(_("Số điện thoại: chưa nhập."))
        elif not email and not (self.phone.data or "").strip():
            self.phone.errors.append(_("Số điện thoại hoặc email: cần ít nhất một cách liên hệ."))
        if (self.phone.data or "").strip():
            try:
                phone = normalize_phone(self.phone.data)
            except IdentifierError as exc:
                self.phone.errors.append(
                    _("Số điện thoại: %(error)s", error=message_for(exc))
                    if not str(exc).startswith("Số điện thoại")
                    else message_for(exc)
                )

        country = "VN" if is_business else (self.country.data or "VN").strip().upper()
        if country not in COUNTRY_CODES:
            self.country.errors.append(_("Quốc gia: không hợp lệ."))
            country = "VN"
        abroad = country != "VN"  # a donor abroad gives a country instead of a province and commune
        province = commune = None
        wanted = [] if is_business or abroad else [self.province_id.data, self.commune_id.data]
        if self.earmark.data in ("province", "commune"):
            wanted += [self.earmark_province_id.data, self.earmark_commune_id.data]
        units = _load_units(session, wanted)
        if not is_business and not abroad:
            province = _unit(units, self.province_id.data, UnitLevel.PROVINCE)
            commune = _unit(units, self.commune_id.data, UnitLevel.COMMUNE)
            if province is None:
                self.province_id.errors.append(_("Tỉnh/thành phố: chưa chọn."))
            if commune is None:
                self.commune_id.errors.append(_("Xã/phường: chưa chọn."))
            elif province is not None and commune.parent_id != province.id:
                self.commune_id.errors.append(_("Xã/phường: không thuộc tỉnh/thành phố đã chọn."))

        pledge_kind = PledgeKind(self.kind.data or PledgeKind.MONEY.value)
        amount = None
        if pledge_kind == PledgeKind.IN_KIND:
            if not (self.in_kind_description.data or "").strip():
                self.in_kind_description.errors.append(_("Mô tả hiện vật: chưa nhập."))
            amount = _amount(self.in_kind_value.data, _("Giá trị ước tính"), self.in_kind_value.errors)
        else:
            amount = _amount(self.amount.data, _("Số tiền"), self.amount.errors)

        earmark_unit_id = None
        if self.earmark.data == "province":
            p = _unit(units, self.earmark_province_id.data, UnitLevel.PROVINCE)
            if p is None:
                self.earmark_province_id.errors.append(_("Tỉnh/thành phố được hỗ trợ: chưa chọn."))
            else:
                earmark_unit_id = p.id
        elif self.earmark.data == "commune":
            c = _unit(units, self.earmark_commune_id.data, UnitLevel.COMMUNE)
            p = _unit(units, self.earmark_province_id.data, UnitLevel.PROVINCE)
            if c is None:
                self.earmark_commune_id.errors.append(_("Xã/phường được hỗ trợ: chưa chọn."))
            elif p is not None and c.parent_id != p.id:
                self.earmark_commune_id.errors.append(_("Xã/phường được hỗ trợ: không thuộc tỉnh đã chọn."))
            else:
                earmark_unit_id = c.id

        schedule = PledgeSchedule(self.schedule.data or PledgeSchedule.NOW.value)
        instalments: list[InstalmentInput] = []
        if pledge_kind == PledgeKind.IN_KIND:
            schedule = PledgeSchedule.NOW
        if schedule == PledgeSchedule.INSTALMENTS:
            instalments = parse_instalments(self.instalments)
            if instalments is None:
                instalments = []
            elif amount is not None:
                try:
                    check_instalments(amount, instalments, start=today_vn())
                except InstalmentMismatch as exc:
                    self.instalments.errors.append(message_for(exc))

        method = PaymentMethod(self.payment_method.data or PaymentMethod.BANK_TRANSFER.value)
        if method == PaymentMethod.CARD and not card_enabled:
            self.payment_method.errors.append(
                _("Cách nộp tiền: thanh toán thẻ chưa được mở; hãy chọn chuyển khoản.")
            )
        if field_problems(self) or amount is None:
            return None
        donor = DonorInput(
            kind=kind,
            name=nfc(self.name.data) or "",
            tax_code=tax_code,
            address=(self.address.data or "").strip(),
            contact_person=(self.contact_person.data or "").strip(),
            email=email,
            phone=phone,
            province_id=province.id if province else None,
            commune_id=commune.id if commune else None,
            anonymous=self.display.data == "anonymous",
            country=country,
            language=request_language(),
        )
        pledge = PledgeInput(
            amount_vnd=amount,
            purpose=Purpose(self.purpose.data),
            earmark_unit_id=earmark_unit_id,
            kind=pledge_kind,
            schedule=schedule,
            instalments=instalments,
            payment_method=PaymentMethod.IN_KIND if pledge_kind == PledgeKind.IN_KIND else method,
            in_kind_description=self.in_kind_description.data,
            in_kind_quantity=self.in_kind_quantity.data,
            is_anonymous=self.display.data == "anonymous",
            contact_email=email,
            note=self.note.data or "",
            submission_key=self.submission_key_value(),
            language=request_language(),
        )
        return donor, pledge

    def submission_key_value(self) -> str | None:
        """The idempotency key the page carried, when it has the expected shape (else none: not deduplicated)."""
        raw = (self.submission_key.data or "").strip()
        return raw if SUBMISSION_KEY.fullmatch(raw) else None


def parse_instalments(rows: FieldList) -> list[InstalmentInput] | None:
    """Filled rows of an instalment table; a half-filled row is an error on that row."""
    items: list[InstalmentInput] = []
    ok = True
    for n, entry in enumerate(rows.entries, start=1):
        f = entry.form
        if f.amount.errors:  # already refused by the form's own check (too long)
            ok = False
            continue
        raw_amount = (f.amount.data or "").strip()
        due = f.due_on.data
        if not raw_amount and due is None:
            if f.due_on.raw_data and f.due_on.raw_data[0]:
                f.due_on.errors = [_("Đợt %(n)s: ngày không hợp lệ (dd/mm/yyyy).", n=n)]
                ok = False
            continue
        if due is None:
            f.due_on.errors = [_("Đợt %(n)s: chưa nhập ngày nộp.", n=n)]
            ok = False
            continue
        try:
            value = parse_vnd(raw_amount, field=_("Đợt %(n)s – số tiền", n=n))
        except AmountError as exc:
            f.amount.errors = [message_for(exc)]
            ok = False
            continue
        items.append(InstalmentInput(due_on=due, amount_vnd=value))
    return items if ok else None


def _unit_id(raw: str | None) -> int | None:
    value = int(raw) if raw and str(raw).isdecimal() else None
    return value if value is not None and value < 2**31 else None  # never beyond an INTEGER column


_UNIT_FACTS = select(AdminUnit.id, AdminUnit.level, AdminUnit.parent_id, AdminUnit.valid_to).where(
    AdminUnit.id.in_(bindparam("ids", expanding=True))
)  # built once: its cache key is memoised


def _load_units(session: Session, raws: list[str | None]) -> dict[int, Row]:
    """What a submission's checks need of the units it names (id, level, parent, still valid), in one query."""
    ids = {i for i in map(_unit_id, raws) if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.execute(_UNIT_FACTS, {"ids": sorted(ids)})}


def _unit(units: dict[int, Row], raw: str | None, level: UnitLevel) -> Row | None:
    unit = units.get(_unit_id(raw))  # type: ignore[arg-type]
    return unit if unit is not None and unit.level == level and unit.valid_to is None else None


class EditPledgeForm(BaseForm):
    amount = StringField(
        _l("Số tiền đăng ký (đồng)"),
        validators=[DataRequired(_l("Số tiền: chưa nhập."))],
        render_kw={"inputmode": "numeric"},
    )
    schedule = RadioField(
        _l("Lịch nộp"),
        choices=ch(
            [
                (PledgeSchedule.NOW.value, _l("Nộp một lần")),
                (PledgeSchedule.INSTALMENTS.value, _l("Chia thành nhiều đợt")),
            ]
        ),
    )
    due_on = VNDateField(
        _l("Hạn nộp (nộp một lần)"), format=DATE_FORMATS, validators=[Optional()], render_kw={"type": "date"}
    )
    instalments = FieldList(
        FormField(InstalmentForm), min_entries=INSTALMENT_ROWS, max_entries=INSTALMENT_ROWS
    )


class StatusForm(BaseForm):
    target = RadioField(
        _l("Chuyển trạng thái"),
        choices=ch(
            [
                ("cancelled", _l("Hủy đăng ký")),
                ("lapsed", _l("Quá hạn, không thực hiện")),
                ("pledged", _l("Mở lại đăng ký")),
            ]
        ),
        validators=[DataRequired(_l("Trạng thái: chưa chọn."))],
    )
    reason = StringField(
        _l("Lý do"), validators=[Optional(), Length(max=500, message=_l("Lý do: tối đa 500 ký tự."))]
    )


class ReceiptForm(BaseForm):
    """Cash or goods handed to staff."""

    channel = RadioField(
        _l("Hình thức"), default="cash", choices=ch([("cash", _l("Tiền mặt")), ("in_kind", _l("Hiện vật"))])
    )
    pledge_reference = StringField(
        _l("Mã đăng ký (nếu có)"),
        validators=[Optional(), Length(max=40, message=_l("Mã đăng ký: tối đa 40 ký tự."))],
    )
    donor_name = StringField(
        _l("Người/đơn vị nộp"),
        validators=[Optional(), Length(max=255, message=_l("Người/đơn vị nộp: tối đa 255 ký tự."))],
    )
    anonymous = RadioField(
        _l("Tên công khai"),
        default="full_name",
        choices=ch([("full_name", _l("Ghi đầy đủ tên")), ("anonymous", _l("Ghi “Nhà hảo tâm”"))]),
    )
    amount = StringField(
        _l("Số tiền / giá trị ước tính (đồng)"),
        validators=[DataRequired(_l("Số tiền: chưa nhập."))],
        render_kw={"inputmode": "numeric"},
    )
    in_kind_description = TextAreaField(
        _l("Mô tả hiện vật (số lượng, tình trạng)"),
        validators=[Optional(), Length(max=2000, message=_l("Mô tả hiện vật: tối đa 2000 ký tự."))],
    )
    received_on = VNDateField(
        _l("Ngày nhận"), format=DATE_FORMATS, validators=[], default=today_vn, render_kw={"type": "date"}
    )
    purpose = SelectField(
        _l("Mục đích"),
        default=Purpose.UNRESTRICTED.value,
        choices=ch([(p.value, _l(PURPOSE_LABELS[p])) for p in Purpose]),
    )
    note = StringField(
        _l("Ghi chú nội bộ"),
        validators=[Optional(), Length(max=500, message=_l("Ghi chú nội bộ: tối đa 500 ký tự."))],
    )


class AccountForm(BaseForm):
    full_name = StringField(
        _l("Họ và tên"),
        validators=[
            DataRequired(_l("Họ và tên: chưa nhập.")),
            Length(max=255, message=_l("Họ và tên: tối đa 255 ký tự.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        _l("Mật khẩu (ít nhất %(n)s ký tự, có chữ và số)", n=MIN_PASSWORD_LENGTH),
        validators=[
            DataRequired(_l("Mật khẩu: chưa nhập.")),
            Length(max=200, message=_l("Mật khẩu: tối đa 200 ký tự.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    title = StringField(
        _l("Chức vụ"), validators=[Optional(), Length(max=255, message=_l("Chức vụ: tối đa 255 ký tự."))]
    )


class InviteForm(BaseForm):
    email = StringField(
        _l("Email đồng nghiệp"),
        validators=[
            DataRequired(_l("Email: chưa nhập.")),
            Email(_l("Email: không hợp lệ.")),
            Length(max=255, message=_l("Email đồng nghiệp: tối đa 255 ký tự.")),
        ],
        render_kw={"type": "email"},
    )


class ClaimForm(BaseForm):
    """Just a button: the link goes to the e-mail given with the pledge, never to one typed here."""


class BusinessForm(BaseForm):
    """A verified business's users keep its name and contacts (issue 19.1)."""

    name = StringField(
        _l("Tên doanh nghiệp"),
        validators=[
            DataRequired(_l("Tên doanh nghiệp: chưa nhập.")),
            Length(max=255, message=_l("Tên doanh nghiệp: tối đa 255 ký tự.")),
        ],
    )
    contact_person = StringField(
        _l("Người liên hệ"),
        validators=[Optional(), Length(max=255, message=_l("Người liên hệ: tối đa 255 ký tự."))],
    )
    phone = StringField(
        _l("Điện thoại"), validators=[Optional(), Length(max=20, message=_l("Điện thoại: tối đa 20 ký tự."))]
    )
    address = StringField(
        _l("Địa chỉ"), validators=[Optional(), Length(max=500, message=_l("Địa chỉ: tối đa 500 ký tự."))]
    )


class StaffClaimForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do (bắt buộc, ghi vào nhật ký)"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=2000, message=_l("Lý do: tối đa 2000 ký tự.")),
        ],
    )
