from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm
from app.core.messages import N_

# (stored value, label); the value is also shown in the list of hamlets (translated there with _()).
HAMLET_KINDS = [
    (N_("thôn"), _l("Thôn")),
    (N_("tổ dân phố"), _l("Tổ dân phố")),
    (N_("buôn"), _l("Buôn")),
    (N_("làng"), _l("Làng")),
    (N_("khu phố"), _l("Khu phố")),
    (N_("ấp"), _l("Ấp")),
]


class HamletForm(BaseForm):
    name = StringField(
        _l("Tên thôn / tổ dân phố"),
        validators=[
            DataRequired(_l("Vui lòng nhập tên.")),
            Length(max=120, message=_l("Tên thôn / tổ dân phố: tối đa 120 ký tự.")),
        ],
    )
    kind = SelectField(_l("Loại"), choices=HAMLET_KINDS)
