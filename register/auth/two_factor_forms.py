"""Forms of the two-factor pages (codes from an authenticator app, recovery codes)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class SignInCodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code your app shows now. If you do not have your phone, enter "
        "one of your recovery codes instead.",
        filters=[_strip],
        validators=[DataRequired("Enter the code from your authenticator app"), Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpCodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="After adding the register to your app, enter the 6-digit code it shows.",
        filters=[_strip],
        validators=[DataRequired("Enter the code from your authenticator app"), Length(max=40)],
    )
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())
