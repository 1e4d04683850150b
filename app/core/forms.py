"""Base form: CSRF (Flask-WTF) and NFC normalisation of every text field."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, FieldList, Form, FormField, IntegerField, StringField, TextAreaField
from wtforms.widgets import Select

from app.core.messages import N_
from app.core.text import nfc


def _nfc_filter(value: object) -> object:
    return nfc(value) if isinstance(value, str) else value


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class _RefusedInVietnamese:
    """A field whose own parse error (WTForms: "Not a valid … value.") is refused in Vietnamese naming the field,
    or with `invalid_value_message` when given."""

    parse_error = ""  # a message with %(field)s
    label: Any  # the WTForms field's (this mixin always precedes a Field)
    invalid_value_message: str | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]  # the Field after this mixin
        except ValueError as exc:
            raise ValueError(
                self.invalid_value_message or _(self.parse_error, field=self.label.text)
            ) from exc


class VNDateField(_RefusedInVietnamese, DateField):
    """A date typed as dd/mm/yyyy or picked (yyyy-mm-dd)."""

    parse_error = N_("%(field)s: ngày không hợp lệ (ví dụ 31/12/2026).")

    def __init__(  # noqa: A002 - WTForms' own parameter name
        self, label: Any = None, validators: Any = None, format: Any = DATE_FORMATS, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, format=format, **kwargs)


class VNIntegerField(_RefusedInVietnamese, IntegerField):
    """A whole number (e.g. with invalid_value_message "Năm: không hợp lệ (ví dụ 2026).")."""

    parse_error = N_("%(field)s: phải là một số nguyên.")


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
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


class ManyOptionsSelect(Select):
    """A <select> whose plain options are written in one format each (the same HTML as wtforms' Select): a province
    officer's need form lists every hamlet of the province, a thousand or more, and wtforms' per-option attribute
    rendering was most of that page's time."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value)
        label = choice.label if choice.label is not None and choice.label != "" else choice.value
        selected = Markup("selected ") if choice.selected else ""
        return Markup('<option {}value="{}">{}</option>').format(
            selected, value, label
        )  # value, label escaped
