"""One form per interest category: the common fields plus the category's own typed fields."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from register import clock
from register.declarations import categories as cat
from register.declarations.dates import DeclaredDateField
from register.forms import YesNoField
from register.matching.identifiers import COMPANIES_HOUSE, normalise_identifier

IDENTIFIER_SCHEMES = [
    ("", "Not known"),
    (COMPANIES_HOUSE, "Companies House number"),
    ("GB-CHC", "Charity Commission number"),
]


class InterestForm(FlaskForm):
    """Common fields on every interest."""

    whose = RadioField(
        "Whose interest is this?",
        choices=list(cat.WHOSE.items()),
        default="self",
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whose interest this is")],
    )
    organisation_name = StringField(
        "Organisation",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the name of the organisation"), Length(max=300)],
    )
    identifier_scheme = SelectField(
        "Organisation identifier type",
        choices=IDENTIFIER_SCHEMES,
        widget=GovSelect(),
        validators=[Optional()],
    )
    organisation_identifier = StringField(
        "Organisation number",
        widget=GovTextInput(),
        description="The Companies House or charity number, if you know it. For example, 08012345",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9 ]+$", message="Use only letters and numbers for the number"),
        ],
    )
    start_date = DeclaredDateField(
        "Start date",
        hint="When the interest began. For example, 27 3 2019, or 3 2019 without the day",
    )
    end_date = DeclaredDateField(
        "End date",
        end=True,
        hint="Leave blank if you still hold it. For example, 30 9 2024, or 9 2024",
    )
    details = TextAreaField(
        "Details",
        widget=GovCharacterCount(),
        validators=[
            Optional(),
            Length(max=2000, message="Details must be 2000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save interest", widget=GovSubmitInput())

    category_fields: tuple[str, ...] = ()

    def validate_start_date(self, field: Any) -> None:
        """A held interest (no end date) cannot have begun in the future."""
        if field.earliest and not self.end_date.data and field.earliest > clock.today():
            raise ValidationError(f"{field.label.text} must be today or in the past")

    def validate_end_date(self, field: Any) -> None:
        start = self.start_date.earliest
        if field.latest and start and field.latest < start:
            raise ValidationError("The end date must be the same as or after the start date")

    def validate_organisation_identifier(self, field: Any) -> None:
        if field.data and not self.identifier_scheme.data:
            raise ValidationError("Choose what kind of number this is")

    def validate(self, extra_validators: Any = None) -> bool:
        """Valid forms store the number in the register's one form ("sc 12345" -> "SC012345"),
        as award and officer imports do, so that it is shown and compared as it is stored."""
        if not super().validate(extra_validators):
            return False
        field = self.organisation_identifier
        if field.data:
            field.data = normalise_identifier(self.identifier_scheme.data, field.data)[1]
        return True


def _company_number_form(value: Any) -> Any:
    """A related organisation's number is a Companies House number, in the register's form."""
    if isinstance(value, str) and value.strip():
        return normalise_identifier(COMPANIES_HOUSE, value)[1]
    return value


def _role_radio(label: str, choices: dict[str, str]) -> RadioField:
    return RadioField(
        label,
        choices=list(choices.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the role")],
    )


class DirectorshipForm(InterestForm):
    role = _role_radio("Role", cat.DIRECTOR_ROLES)
    paid = YesNoField("Is it paid?", "Say whether it is paid")


class EmploymentForm(InterestForm):
    role = StringField(
        "Role",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the role, for example consultant"), Length(max=100)],
    )
    paid = YesNoField("Is it paid?", "Say whether it is paid")
    hours_per_month = IntegerField(
        "Hours per month",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=0, max=744, message="Hours per month must be between 0 and 744"),
        ],
    )


class ShareholdingForm(InterestForm):
    percentage = DecimalField(
        "Percentage of issued share capital",
        widget=GovTextInput(),
        description="For example, 12.5",
        places=3,
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message="The percentage must be between 0 and 100"),
        ],
    )
    value_band = RadioField(
        "Value",
        choices=list(cat.VALUE_BANDS.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the value band")],
    )
    holding = RadioField(
        "How is it held?",
        choices=list(cat.HOLDING.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Say how it is held")],
    )
    blind_trust = YesNoField("Is it in a blind trust?", "Say whether it is in a blind trust")


class RelatedOrganisationForm(Form):
    name = StringField("Organisation", widget=GovTextInput(), validators=[Length(max=300)])
    organisation_identifier = StringField(
        "Companies House number",
        widget=GovTextInput(),
        filters=[_company_number_form],
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9 ]+$", message="Use only letters and numbers"),
        ],
    )
    role = StringField("Their role there", widget=GovTextInput(), validators=[Length(max=100)])


class RelationshipForm(InterestForm):
    related_person_name = StringField(
        "The person's full name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the person's name"), Length(max=200)],
    )
    relationship_type = RadioField(
        "Their relationship to you",
        choices=[(code, text) for code, (text, _) in cat.RELATIONSHIPS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the relationship")],
    )
    other_organisations = FieldList(
        FormField(RelatedOrganisationForm), min_entries=3, max_entries=10
    )


class GiftForm(InterestForm):
    donor_kind = RadioField(
        "Who gave it?",
        choices=list(cat.DONOR_KINDS.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Say whether the donor is an organisation or a person")],
    )
    value_pounds = DecimalField(
        "Value in pounds",
        widget=GovTextInput(),
        places=2,
        validators=[
            InputRequired("Enter the value in pounds, for example 150"),
            NumberRange(min=0, max=10_000_000, message="Enter a value of £0 or more"),
        ],
    )
    accepted = YesNoField("Did you accept it?", "Say whether you accepted it")
    start_date = DeclaredDateField("Date of the gift", required="Enter the date of the gift")
    end_date = DeclaredDateField("End date", end=True)  # not shown: a gift is one date


class MembershipForm(InterestForm):
    role = StringField(
        "Role or type of membership",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the role, for example member"), Length(max=100)],
    )


FORMS: dict[str, type[InterestForm]] = {
    cat.DIRECTORSHIP: DirectorshipForm,
    cat.EMPLOYMENT: EmploymentForm,
    cat.SHAREHOLDING: ShareholdingForm,
    cat.RELATIONSHIP: RelationshipForm,
    cat.GIFT: GiftForm,
    cat.MEMBERSHIP: MembershipForm,
}


class EndInterestForm(FlaskForm):
    end_date = DeclaredDateField(
        "When did it end?",
        end=True,
        required="Enter the date the interest ended",
        hint="For example, 30 9 2024, or 9 2024 if you do not know the day",
    )
    submit = SubmitField("End interest", widget=GovSubmitInput())


class SubmitDeclarationForm(FlaskForm):
    nil_return = BooleanField(
        "I have no interests to declare for this cycle", widget=GovCheckboxInput()
    )
    amendment_reason = TextAreaField(
        "Reason for the amendment", widget=GovTextArea(), validators=[Length(max=2000)]
    )
    attest = BooleanField(
        "I confirm this declaration is complete and true",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that the declaration is complete and true")],
    )
    submit = SubmitField("Submit declaration", widget=GovSubmitInput())
