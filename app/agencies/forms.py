from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.agencies.services import AgencyInput
from app.core.forms import BaseForm
from app.core.identifiers import IdentifierError, normalize_phone, normalize_tax_code


class RegisterForm(BaseForm):
    name = StringField(
        _l("Tên cơ quan, đơn vị"),
        validators=[
            DataRequired(_l("Tên cơ quan, đơn vị: chưa nhập.")),
            Length(max=255, message=_l("Tên cơ quan, đơn vị: tối đa 255 ký tự.")),
        ],
        render_kw={"autocomplete": "organization"},
    )
    tax_code = StringField(
        _l("Mã số thuế (nếu có)"),
        validators=[Optional(), Length(max=20, message=_l("Mã số thuế: tối đa 20 ký tự."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    contact_person = StringField(
        _l("Người phụ trách thu"),
        validators=[
            DataRequired(_l("Người phụ trách thu: chưa nhập.")),
            Length(max=200, message=_l("Người phụ trách thu: tối đa 200 ký tự.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = StringField(
        _l("E-mail của cơ quan (nhận liên kết quản lý đợt thu)"),
        validators=[
            DataRequired(_l("E-mail: chưa nhập.")),
            Email(_l("E-mail: không hợp lệ.")),
            Length(max=255, message=_l("E-mail: tối đa 255 ký tự.")),
        ],
        render_kw={"type": "email", "autocomplete": "email"},
    )
    phone = StringField(
        _l("Số điện thoại"),
        validators=[Optional(), Length(max=20, message=_l("Số điện thoại: tối đa 20 ký tự."))],
        render_kw={"type": "tel", "autocomplete": "tel"},
    )

    def parse(self) -> AgencyInput | None:
        """After validate(): the service input, or None with each problem attached to its field."""
        tax_code = phone = None
        if (self.tax_code.data or "").strip():
            try:
                tax_code = normalize_tax_code(self.tax_code.data)
            except IdentifierError as exc:
                self.tax_code.errors.append(str(exc))
        if (self.phone.data or "").strip():
            try:
                phone = normalize_phone(self.phone.data)
            except IdentifierError as exc:
                self.phone.errors.append(_("Số điện thoại: %(problem)s", problem=str(exc)))
        if self.tax_code.errors or self.phone.errors:
            return None
        return AgencyInput(
            name=self.name.data.strip(),
            email=self.email.data.strip().lower(),
            contact_person=self.contact_person.data.strip(),
            tax_code=tax_code,
            phone=phone,
        )


class UploadForm(BaseForm):
    file = FileField(_l("Danh sách cán bộ (.xlsx hoặc .csv)"))


class ConfirmForm(BaseForm):
    pass
