"""Form fields shared across capabilities: GOV.UK widgets with typed coercion."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput
from wtforms import DateField, RadioField
from wtforms.validators import InputRequired, Optional

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: Any) -> bool | None:
    if value in (None, "", "None"):
        return None
    if isinstance(value, bool):
        return value
    return value == "yes"


class YesNoField(RadioField):
    """A Yes/No radio group whose data is a bool (or None when not answered)."""

    widget = GovRadioInput()

    def __init__(self, label: str, required_message: str | None = None, **kwargs: Any) -> None:
        validators = [InputRequired(required_message)] if required_message else [Optional()]
        super().__init__(label, choices=YES_NO, coerce=_yes_no, validators=validators, **kwargs)

    def _value(self) -> str:
        return {True: "yes", False: "no"}.get(self.data, "")

    def pre_validate(self, form: Any) -> None:
        if self.data not in (True, False, None):
            raise ValueError("Choose yes or no")

    def iter_choices(self) -> Any:
        current = self._value()
        for value, label in YES_NO:
            yield (value, label, value == current, {})


class DateInput(GovDateInput):
    """GOV.UK day/month/year inputs that also render when the request lacked the field."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        return super().map_gov_params(field, **kwargs)


class GovDateField(DateField):
    """A date from day, month and year boxes, with an error that says what to fix."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(
                f"{self.label.text} must be a real date, for example 27 3 2024"
            ) from None


def gov_date(label: str, *, required: str | None = None, hint: str | None = None) -> DateField:
    """A day/month/year date field; `required` is the message when it is left blank."""
    return GovDateField(
        label,
        widget=DateInput(),
        format="%d %m %Y",
        description=hint or "For example, 27 3 2024",
        validators=[InputRequired(required)] if required else [Optional()],
    )


class ConfirmForm(FlaskForm):
    """A form with only a CSRF token, for POST buttons."""
