"""Case forms: assignment, a question to the official and its answer, a note, evidence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from register.cases.services import MAX_TEXT
from register.evidence import ACCEPTED_DESCRIPTION


class AssignForm(FlaskForm):
    assignee_id = SelectField("Assigned to", coerce=int, widget=GovSelect())
    submit = SubmitField("Save assignment", widget=GovSubmitInput())


class QuestionForm(FlaskForm):
    question = TextAreaField(
        "Question for the official",
        widget=GovTextArea(),
        description="The official is emailed and answers in the register. The case waits for "
        "the answer.",
        validators=[DataRequired("Enter the question"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Send the question", widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        "Your answer",
        widget=GovTextArea(),
        validators=[DataRequired("Enter your answer"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Send your answer", widget=GovSubmitInput())


class DismissCasesForm(FlaskForm):
    reason = TextAreaField(
        "Reason, applied to each selected case",
        widget=GovTextArea(),
        validators=[DataRequired("Give the reason for dismissing the cases"), Length(max=5000)],
    )
    submit = SubmitField("Dismiss selected: not the same organisation", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        "Why the case is reopened",
        widget=GovTextArea(),
        description="For example, new information from the official. The current decision "
        "stays on the flags until a new one is recorded.",
        validators=[DataRequired("Enter why the case is reopened"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Reopen the case", widget=GovSubmitInput())


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Internal note",
        widget=GovTextArea(),
        description="Compliance and auditors see internal notes; the official never does. "
        "A decision's reason is what the official sees.",
        validators=[DataRequired("Enter the note"), Length(max=MAX_TEXT)],
    )
    submit = SubmitField("Add the note", widget=GovSubmitInput())


class EvidenceForm(FlaskForm):
    file = FileField(
        "File",
        widget=GovFileInput(),
        description=f"{ACCEPTED_DESCRIPTION[0].upper()}{ACCEPTED_DESCRIPTION[1:]}. The type is "
        "read from the file itself, not its name.",
        validators=[FileRequired("Choose a file")],
    )
    description = StringField(
        "What it is",
        widget=GovTextInput(),
        description="For example, resignation letter dated 30 September 2024",
        validators=[Optional(), Length(max=2000)],
    )
    concerns_official = BooleanField(
        "This file is about the official (it goes in their personal-data download)",
        default=True,
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Attach the file", widget=GovSubmitInput())
