"""Procurement forms: recording one, people acting, suppliers, mitigations, the stage, and the
declaration a person makes for a procurement."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DecimalField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from register.models.procurement import (
    CAPACITIES,
    MITIGATIONS,
    PROCEDURES,
    PROCUREMENT_ATTESTATION,
    RELATIONS,
    STAGES,
)
from register.procurement.services import MAX_TEXT


class ProcurementForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the procurement's title"), Length(max=300)],
    )
    reference = StringField(
        "Internal reference",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the internal reference"), Length(max=100)],
    )
    ocid = StringField(
        "OCID (once a notice is published)",
        widget=GovTextInput(),
        description="For example ocds-h6vhtk-04f1b2. The award that follows is linked by it.",
        validators=[Optional(), Length(max=200)],
    )
    department_id = SelectField("Buying department", coerce=int, widget=GovSelect())
    estimated_value = DecimalField(
        "Estimated value (£)",
        widget=GovTextInput(),
        places=2,
        validators=[Optional(), NumberRange(min=0, message="The value cannot be negative")],
    )
    procedure = SelectField("Procedure", choices=list(PROCEDURES.items()), widget=GovSelect())
    submit = SubmitField("Record the procurement", widget=GovSubmitInput())


class PersonForm(FlaskForm):
    user_email = StringField(
        "Register user's email address",
        widget=GovTextInput(),
        description="Someone with an account in the register: their declarations are checked.",
        validators=[Optional(), Length(max=320)],
    )
    name = StringField(
        "Or an external person's full name",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200)],
    )
    email = StringField(
        "External person's email address",
        widget=GovTextInput(),
        description="They are emailed a link to declare for this procurement.",
        validators=[Optional(), Length(max=320)],
    )
    capacity = RadioField(
        "Acts as", choices=list(CAPACITIES.items()), widget=GovRadioInput(),
        validators=[DataRequired("Choose how the person acts in relation to the procurement")],
    )  # fmt: skip
    submit = SubmitField("Add the person", widget=GovSubmitInput())


class RemovePersonForm(FlaskForm):
    reason = StringField(
        "Reason for removing them",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the reason for the removal"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Remove from the procurement", widget=GovSubmitInput())


class SupplierForm(FlaskForm):
    supplier_name = StringField(
        "Supplier's name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the supplier's name"), Length(max=300)],
    )
    company_number = StringField(
        "Company number",
        widget=GovTextInput(),
        description="Optional: eight characters, like 07125387.",
        validators=[Optional(), Length(max=20)],
    )
    relation = RadioField(
        "The supplier", choices=list(RELATIONS.items()), widget=GovRadioInput(),
        validators=[DataRequired("Choose how the supplier takes part")],
    )  # fmt: skip
    submit = SubmitField("Add the supplier", widget=GovSubmitInput())


class MitigationForm(FlaskForm):
    mitigation = RadioField(
        "Mitigation agreed", choices=list(MITIGATIONS.items()), widget=GovRadioInput(),
        validators=[DataRequired("Choose the mitigation")],
    )  # fmt: skip
    detail = TextAreaField(
        "What was agreed, with whom, and why",
        widget=GovTextArea(),
        validators=[DataRequired("Enter what was agreed and why"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Record the mitigation", widget=GovSubmitInput())


class StageForm(FlaskForm):
    stage = SelectField("Move to stage", choices=list(STAGES.items()), widget=GovSelect())
    submit = SubmitField("Move the procurement on", widget=GovSubmitInput())


class PrepareForm(FlaskForm):
    reason = StringField(
        "What this revision is for",
        widget=GovTextInput(),
        description="For example: prepared before the tender notice; reviewed before the award.",
        validators=[DataRequired("Say what this revision is for"), Length(max=300)],
    )
    submit = SubmitField("Prepare a new revision of the assessment", widget=GovSubmitInput())


class CheckForm(FlaskForm):
    submit = SubmitField("Run the check again", widget=GovSubmitInput())


class DeclareForm(FlaskForm):
    answer = RadioField(
        "Do you have a conflict of interest with this procurement or its suppliers?",
        choices=[
            ("no_conflict", "No, I have no conflict of interest"),
            ("conflict", "Yes, or possibly: I declare it below"),
        ],
        widget=GovRadioInput(),
        validators=[DataRequired("Say whether you have a conflict of interest")],
    )
    supplier_id = SelectField("The supplier it concerns", coerce=int, widget=GovSelect())
    details = TextAreaField(
        "What the conflict is",
        widget=GovTextArea(),
        description="Interests, relationships, past work or gifts involving the procurement or a "
        "supplier: yours, or those of people close to you.",
        validators=[Optional(), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Make the declaration", widget=GovSubmitInput())
    attestation = PROCUREMENT_ATTESTATION
