from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm


class HamletForm(BaseForm):
    name = StringField("Tên thôn / tổ dân phố", validators=[DataRequired("Vui lòng nhập tên."), Length(max=120)])
    kind = SelectField("Loại", choices=[("thôn", "Thôn"), ("tổ dân phố", "Tổ dân phố"), ("buôn", "Buôn"),
                                         ("làng", "Làng"), ("khu phố", "Khu phố"), ("ấp", "Ấp")])
