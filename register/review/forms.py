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

from register import clock
from register.forms import gov_date
from register.models.flags import ESCALATED, MANAGED, OUTCOMES
from register.models.review import CONSTRAINTS, PLAN_ACTIVE, PLAN_STATUSES
from register.review.services import PAST_DATE_MESSAGES, past_plan_dates


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


def check_plan_fields(form: Any, stored: Any = None) -> bool:
    """Every problem with the plan fields at once (each on its field), dates forward-looking:
    the same rules as the service (register.review.services.past_plan_dates)."""
    valid = True
    constraints = form.constraints.data or []
    if not constraints:
        form.constraints.errors.append("Choose at least one agreed constraint")
        valid = False
    if "other" in constraints and not (form.details.data or "").strip():
        form.details.errors.append("Describe the other constraint")
        valid = False
    if "divestment" in constraints and form.divest_by.data is None and not form.divest_by.errors:
        form.divest_by.errors.append("Enter the date by which the interest must be divested")
        valid = False
    if not form.owner_id.data:
        form.owner_id.errors.append("Choose the plan's owner")
        valid = False
    if form.review_on.data is None and not form.review_on.errors:
        form.review_on.errors.append("Enter the plan's review date")
        valid = False
    status = form.status.data if hasattr(form, "status") else PLAN_ACTIVE
    dates = (form.divest_by.data, form.review_on.data, status)
    for name in past_plan_dates(*dates, clock.today(), stored):
        getattr(form, name).errors.append(PAST_DATE_MESSAGES[name])
        valid = False
    return valid


def errors_in_page_order(form: Any, names: list[str]) -> dict[str, Any]:
    """The GOV.UK error summary's parameters, listing the fields' errors in the order the page
    shows them (WTForms keeps the order the fields were declared in)."""
    ordered = [name for name in names if getattr(form, name, None) is not None]
    ordered += [name for name in form._fields if name not in ordered]
    items = []
    for name in ordered:
        field = form._fields.get(name)
        if field is not None and field.errors:
            items.append({"text": field.errors[0], "href": f"#{field.id}"})
    return {"titleText": "There is a problem", "errorList": items}


class DecisionForm(PlanFieldsMixin, FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=list(OUTCOMES.items()),
        widget=GovRadioInput(),
        validators=[DataRequired("Choose a decision")],
    )
    escalate_to_id = SelectField(
        "Escalate to",
        coerce=int,
        widget=GovSelect(),
        description="A senior escalation owner or another compliance officer. The flag stays "
        "escalated, on their list, until they record a final decision.",
        validators=[Optional()],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Say why; the reason is kept on the record.",
        validators=[DataRequired("Give the reason for the decision"), Length(max=5000)],
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    # The page shows the plan fields under "Conflict, managed" and the escalation under
    # "Escalated", both before the reason.
    PAGE_ORDER = [
        "outcome", "constraints", "details", "divest_by", "owner_id", "review_on",
        "escalate_to_id", "reason",
    ]  # fmt: skip

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == MANAGED:
            valid = check_plan_fields(self) and valid
        if self.outcome.data == ESCALATED and not self.escalate_to_id.data:
            self.escalate_to_id.errors.append("Choose who the flag is escalated to")
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

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan  # the stored plan: its unchanged past dates stay on the record

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return check_plan_fields(self, self.plan) and valid


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
    """The search across declarations, by organisation or by official, narrowed by category and
    department (the view sets the reader's choices): a GET form without a CSRF token, as it
    only reads."""

    class Meta:
        csrf = False

    q = StringField(
        "Organisation name, or company or charity number, or an official's name",
        widget=GovTextInput(),
        description="An organisation's name or the beginning of its words (morning finds "
        "Morning Lane Associates Ltd; spelling and legal form may differ), a company or "
        "charity number (7125387 also finds 07125387), or an official's name (Sam "
        "Jones), which lists what they declared.",
        validators=[
            DataRequired("Enter an organisation, a company or charity number, or an official"),
            Length(max=300, message="Enter 300 characters or fewer"),
        ],
    )
    category = SelectField("Category", widget=GovSelect(), validators=[Optional()])
    department = SelectField("Department", widget=GovSelect(), validators=[Optional()])

    as_at = gov_date(
        "Held on (optional)",
        hint="Only interests held on this date. Leave it blank for every declared interest, "
        "current and former. For example, 27 3 2024",
    )
