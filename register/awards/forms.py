"""Forms for award imports and buyer mappings."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

UPLOAD_EXTENSIONS = ["json", "jsonl", "ndjson", "csv", "gz"]


class ImportForm(FlaskForm):
    file = FileField(
        "Award file",
        widget=GovFileInput(),
        description="OCDS release or record package (.json), JSON Lines (.jsonl) or CSV (.csv), "
        "optionally gzipped (.gz).",
        validators=[
            FileRequired("Choose a file to import"),
            FileAllowed(UPLOAD_EXTENSIONS, "The file must be .json, .jsonl, .csv or .gz"),
        ],
    )
    submit = SubmitField("Import awards", widget=GovSubmitInput())


class BuyerMappingForm(FlaskForm):
    """One buyer's department; 0 means "not one of our departments"."""

    department_id = SelectField(
        "Department",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired("Choose a department")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
