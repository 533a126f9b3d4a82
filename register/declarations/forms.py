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
    StopValidation,
    ValidationError,
)

from register import clock
from register.declarations import categories as cat
from register.declarations.dates import DeclaredDateField
from register.formatting import parse_typed, plain_number
from register.forms import YesNoField
from register.matching.identifiers import COMPANIES_HOUSE, normalise_identifier

IDENTIFIER_SCHEMES = [
    ("", "Not known"),
    (COMPANIES_HOUSE, "Companies House number"),
    ("GB-CHC", "Charity Commission number"),
]


def stored_identifier(form: Any) -> bool:
    """A valid form's organisation number in the register's one form under its own scheme
    ("sc 12345" -> "SC012345"), as award and officer imports store theirs, so that it is shown
    and compared as it is stored. For the main organisation and each related one."""
    field = form.organisation_identifier
    if field.data:
        field.data = normalise_identifier(form.identifier_scheme.data, field.data)[1]
    return True


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
        return super().validate(extra_validators) and stored_identifier(self)


class TypedNumberField(DecimalField):
    """A number as people type it: "7.5", "1,250.50", and with `currency` "£1,250.50"
    (register.formatting.parse_typed); shown back as typed, or in plain form, never "5E+1"."""

    def __init__(
        self, *args: Any, message: str, decimals: int, currency: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.message = message
        self.decimals = decimals  # what the column keeps: more would be silently rounded
        self.currency = currency

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            number = parse_typed(str(valuelist[0]), currency=self.currency)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimals:
            self.data = None
            raise ValueError(f"{self.label.text} can have up to {self.decimals} decimal places")
        self.data = number

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # not a number: say so once, not also "out of range"
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return plain_number(self.data) if self.data is not None else ""


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
    hours_per_month = TypedNumberField(
        "Hours per month",
        widget=GovTextInput(),
        description="For example, 7.5",
        message="Hours per month must be a number, like 7.5",
        decimals=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=744, message="Hours per month must be between 0 and 744"),
        ],
    )


class ShareholdingForm(InterestForm):
    percentage = TypedNumberField(
        "Percentage of issued share capital",
        widget=GovTextInput(),
        description="For example, 12.5",
        message="The percentage must be a number, like 12.5",
        decimals=3,
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
    """One other organisation of the related person: its own name, scheme and number (never
    the main organisation's), and the person's role there."""

    name = StringField("Organisation", widget=GovTextInput(), validators=[Length(max=300)])
    identifier_scheme = SelectField(
        "Identifier type",
        choices=IDENTIFIER_SCHEMES,
        default=COMPANIES_HOUSE,  # most employers are companies; a charity says so
        widget=GovSelect(),
        validators=[Optional()],
    )
    organisation_identifier = StringField(
        "Organisation number",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9 ]+$", message="Use only letters and numbers"),
        ],
    )
    role = StringField("Their role there", widget=GovTextInput(), validators=[Length(max=100)])

    def validate_organisation_identifier(self, field: Any) -> None:
        if field.data and not self.identifier_scheme.data:
            raise ValidationError("Choose what kind of number this is")
        if field.data and not (self.name.data or "").strip():
            raise ValidationError("Enter the name of the organisation this number belongs to")

    def validate(self, extra_validators: Any = None) -> bool:
        return super().validate(extra_validators) and stored_identifier(self)


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
    value_pounds = TypedNumberField(
        "Value in pounds",
        widget=GovTextInput(),
        description="For example, 150 or £1,250.50",
        message="Enter the value as an amount of money, like 150 or £1,250.50",
        currency=True,
        decimals=2,
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
