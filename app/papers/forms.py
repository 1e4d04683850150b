"""The one form of the papers section: "Gửi qua e-mail" (a button with what to send)."""

from __future__ import annotations

from wtforms import HiddenField

from app.core.forms import BaseForm


class MailForm(BaseForm):
    contribution_id = HiddenField()
    year = HiddenField()
    unit = HiddenField()
