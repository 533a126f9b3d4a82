"""Administration forms."""

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from register.admin.services import PersonDetails, parse_person_details
from register.forms import gov_date
from register.models.people import ROLES


class DepartmentForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="A short code, for example DFE",
        validators=[
            DataRequired("Enter a code"),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9_-]+$", message="Use letters, numbers, - and _ only"),
        ],
    )
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the department's name"), Length(max=200)],
    )
    submit = SubmitField("Create department", widget=GovSubmitInput())


class UserForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter an email address"), Email("Enter a valid email address")],
    )
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the person's full name"), Length(max=200)],
    )
    role = RadioField(
        "Role",
        choices=list(ROLES.items()),
        widget=GovRadioInput(),
        validators=[DataRequired("Choose a role")],
    )
    department_id = SelectField(
        "Department", coerce=int, widget=GovSelect(), validators=[Optional()]
    )
    job_title = StringField("Job title", widget=GovTextInput(), validators=[Length(max=200)])
    is_senior = BooleanField(
        "Senior official (included in the public register)", widget=GovCheckboxInput()
    )
    joined_on = gov_date("Joined on")
    left_on = gov_date("Left on")
    # Checked in validate() by the same rules as the roster import. The birth fields are
    # deleted from the form when the register does not collect birth dates.
    other_names = TextAreaField(
        "Other names used (optional)",
        widget=GovTextArea(),
        description="For example a previous surname or the name used in company records. "
        "One a line, or separated by semicolons.",
    )
    birth_month = StringField("Month", widget=GovTextInput())
    birth_year = StringField("Year", widget=GovTextInput())
    assigned = SelectMultipleField(
        "Departments this compliance officer reviews",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        description=(
            "Optional. At least 12 characters, not a common password, nor the person's name "
            "or email. Leave blank to keep the current one."
        ),
        validators=[Optional(), Length(max=200)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    person: PersonDetails = PersonDetails()  # what validate() read from the fields above

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        birth = (f.data if f is not None else None for f in (self.birth_month, self.birth_year))
        self.person, problems = parse_person_details(self.other_names.data, *birth)
        for name, message in problems.items():
            self[name].errors.append(message)
        return valid and not problems


class RosterForm(FlaskForm):
    file = FileField(
        "Roster CSV file",
        widget=GovFileInput(),
        validators=[
            FileRequired("Choose a CSV file"),
            FileAllowed(["csv"], "The file must be a CSV"),
        ],
    )
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class CycleForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="For example, 2026/27",
        validators=[DataRequired("Enter a name for the cycle"), Length(max=100)],
    )
    opens_on = gov_date("Opens on", required="Enter the opening date")
    due_on = gov_date("Due on", required="Enter the due date")
    departments = SelectMultipleField(
        "Departments",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[DataRequired("Choose at least one department")],
    )
    # The departments nobody reviews that the administrator confirmed adding ("3,7").
    confirm_unreviewed = HiddenField()
    submit = SubmitField("Create cycle", widget=GovSubmitInput())


class CycleDepartmentsForm(FlaskForm):
    departments = SelectMultipleField(
        "Departments to add",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[DataRequired("Choose at least one department to add")],
    )
    confirm_unreviewed = HiddenField()
    submit = SubmitField("Add departments", widget=GovSubmitInput())


class ExtendCycleForm(FlaskForm):
    due_on = gov_date("New due date", required="Enter the new due date")
    submit = SubmitField("Change the due date", widget=GovSubmitInput())


def confirmed_ids(text: str | None) -> list[int]:
    """The department ids in a confirm_unreviewed field ("3,7")."""
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]
