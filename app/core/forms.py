"""Base form: CSRF (Flask-WTF) and NFC normalisation of every text field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from app.core.text import nfc


def _nfc_filter(value: object) -> object:
    return nfc(value) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            if issubclass(unbound_field.field_class, StringField | TextAreaField):
                options["filters"] = (_nfc_filter, *options.get("filters", ()))
            return unbound_field.bind(form=form, **options)
