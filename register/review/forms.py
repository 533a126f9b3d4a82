"""Review forms: decisions, bulk dismissal, management plans, acknowledgement."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from register.forms import gov_date
from register.models.flags import OUTCOMES
from register.models.review import CONSTRAINTS, PLAN_STATUSES


class PlanFieldsMixin:
    """The management plan fields, shared by the decision form and the plan form."""

    constraints = SelectMultipleField(
        "Agreed constraints",
        choices=list(CONSTRAINTS.items()),
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    details = TextAreaField(
        "Details of the constraints",
        widget=GovTextArea(),
        description="Required when you choose Other.",
        validators=[Length(max=5000)],
    )
    divest_by = gov_date("Divest by", hint="Required for divestment. For example, 27 3 2027")
    owner_id = SelectField("Plan owner", coerce=int, widget=GovSelect(), validators=[Optional()])
    review_on = gov_date("Review date", hint="For example, 27 3 2027")


class DecisionForm(PlanFieldsMixin, FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=list(OUTCOMES.items()),
        widget=GovRadioInput(),
        validators=[DataRequired("Choose a decision")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Say why; the reason is kept on the record.",
        validators=[DataRequired("Give the reason for the decision"), Length(max=5000)],
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == "conflict_managed":
            if not self.constraints.data:
                self.constraints.errors.append("Choose at least one agreed constraint")
                valid = False
            if not self.owner_id.data:
                self.owner_id.errors.append("Choose the plan's owner")
                valid = False
            if self.review_on.data is None:
                self.review_on.errors.append("Enter the plan's review date")
                valid = False
        return valid


class PlanForm(PlanFieldsMixin, FlaskForm):
    status = RadioField(
        "Status",
        choices=list(PLAN_STATUSES.items()),
        widget=GovRadioInput(),
        validators=[DataRequired("Choose a status")],
    )
    submit = SubmitField("Save plan", widget=GovSubmitInput())


class BulkDismissForm(FlaskForm):
    reason = TextAreaField(
        "Reason, applied to each selected flag",
        widget=GovTextArea(),
        validators=[DataRequired("Give the reason for dismissing the flags"), Length(max=5000)],
    )
    submit = SubmitField("Dismiss selected: not the same organisation", widget=GovSubmitInput())


class AcknowledgeForm(FlaskForm):
    submit = SubmitField("I have read and accept this plan", widget=GovSubmitInput())


class DeclarationSearchForm(FlaskForm):
    """The search across declarations: a GET form without a CSRF token, as it only reads."""

    class Meta:
        csrf = False

    q = StringField(
        "Organisation name, or company or charity number",
        widget=GovTextInput(),
        description="Spelling and legal form may differ: Morning Lane Associates Limited finds "
        "Morning Lane Associates Ltd. A company number such as 7125387 also finds 07125387.",
        validators=[
            DataRequired("Enter an organisation name, or a company or charity number"),
            Length(max=300, message="Enter 300 characters or fewer"),
        ],
    )
    as_at = gov_date(
        "Held on (optional)",
        hint="Only interests held on this date. Leave it blank for every declared interest, "
        "current and former. For example, 27 3 2024",
    )
