"""One page per official, for compliance officers (officials now in their departments) and
auditors (everyone): the whole record in one place, audit-logged."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from register import access, clock, runtime
from register.declarations import categories as cat
from register.extensions import db
from register.models import User
from register.models.flags import ALL_OUTCOMES
from register.models.people import AUDITOR, COMPLIANCE
from register.officials import queries
from register.web import guard_blueprint, roles_required

bp = Blueprint("officials", __name__, url_prefix="/officials")
guard_blueprint(bp, COMPLIANCE, AUDITOR)


@bp.get("/<int:user_id>")
@roles_required(COMPLIANCE, AUDITOR)
def record(user_id: int) -> str:
    official = db.session.get(User, user_id)
    if official is None or not access.can_read_official_record(current_user, official):
        abort(404)  # never reveal that an official of another department exists
    with runtime.transaction() as session:
        found = queries.official_record_audited(
            session,
            current_user,
            official,
            today=clock.today(),
            joiner_days=runtime.settings().joiner_days,
            ip_address=request.remote_addr,
        )
        # Rendered before the commit: the page is shown only if its audit entry is kept.
        return render_template(
            "officials/record.html", record=found, cat=cat, outcomes=ALL_OUTCOMES
        )
