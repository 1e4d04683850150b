from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.core.forms import BaseForm


class ChannelsForm(BaseForm):
    email = BooleanField(_l("Thư điện tử"))
    sms = BooleanField(_l("Tin nhắn SMS"))
