"""Base form: CSRF (Flask-WTF) and NFC normalisation of every text field."""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField, TextAreaField

from app.core.text import nfc


def _nfc_filter(value: object) -> object:
    return nfc(value) if isinstance(value, str) else value


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
