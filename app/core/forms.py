"""Base form: CSRF (Flask-WTF) and NFC normalisation of every text field."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, IntegerField, StringField, TextAreaField

from app.core.text import nfc


def _nfc_filter(value: object) -> object:
    return nfc(value) if isinstance(value, str) else value


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class VNDateField(DateField):
    """A date typed as dd/mm/yyyy or picked (yyyy-mm-dd); a bad one is refused in Vietnamese naming the field
    (WTForms says "Not a valid date value."), or with `invalid_value_message` when given."""

    def __init__(self, label=None, validators=None, format=DATE_FORMATS, **kwargs):  # type: ignore[no-untyped-def]  # noqa: A002
        super().__init__(label, validators, format=format, **kwargs)

    def process_formdata(self, valuelist):  # type: ignore[no-untyped-def]
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.invalid_value_message or _(
                "%(field)s: ngày không hợp lệ (ví dụ 31/12/2026).", field=self.label.text)) from exc


class VNIntegerField(IntegerField):
    """A whole number; a non-number is refused in Vietnamese naming the field (WTForms says "Not a valid integer
    value."), or with `invalid_value_message` when given (e.g. "Năm: không hợp lệ (ví dụ 2026).")."""

    def process_formdata(self, valuelist):  # type: ignore[no-untyped-def]
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.invalid_value_message or _(
                "%(field)s: phải là một số nguyên.", field=self.label.text)) from exc


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            if issubclass(unbound_field.field_class, StringField | TextAreaField):
                options["filters"] = (_nfc_filter, *options.get("filters", ()))
            return unbound_field.bind(form=form, **options)


def field_problems(form: Form) -> list[str]:
    """Every message on the form, sub-forms included (for a summary at the top of the page)."""
    found: list[str] = []
    for f in form._fields.values():
        if isinstance(f, FieldList):
            found += [str(e) for e in f.errors if isinstance(e, str | LazyString)]
            for entry in f.entries:
                found += field_problems(entry.form)
        elif isinstance(f, FormField):
            found += field_problems(f.form)
        else:
            found += [str(e) for e in f.errors if isinstance(e, str | LazyString)]
    return found
