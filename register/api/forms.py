"""The forms that make API tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from register.forms import gov_date

# What each scope lets a token do, as the checkboxes say it.
SCOPE_LABELS = {
    "roster:write": "roster:write: create and update officials and departments",
    "awards:write": "awards:write: import contract award records",
    "flags:read": "flags:read: read flags (personal data; every read is audited)",
    "completeness:read": "completeness:read: read completeness counts (every read is audited)",
    "procurements:write": "procurements:write: record procurements, people acting and suppliers",
    "procurements:read": "procurements:read: read conflicts assessments (every read is audited)",
}


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="What the token is for, for example Monthly flags report",
        validators=[DataRequired("Enter a name for the token"), Length(max=100)],
    )
    scopes = SelectMultipleField(
        "What the token may do",
        widget=GovCheckboxesInput(),
        description="Choose only what it needs.",
        validators=[DataRequired("Choose what the token may do")],
    )
    expires_on = gov_date(
        "Works until",
        required="Enter the date the token stops working",
        hint="At most a year from today, for example 27 3 2027. It stops working at the end "
        "of that day.",
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())


class ServiceTokenForm(TokenForm):
    owner_id = SelectField(
        "Service account",
        coerce=int,
        widget=GovSelect(),
        validators=[DataRequired("Choose the service account the token acts as")],
    )

    field_order = ("owner_id", "name", "scopes", "expires_on")
