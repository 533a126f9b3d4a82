"""The public register speaks of the official in the third person, names departments in full,
is found from the sign-in page, and withholds private donors' names unless an administrator
turns that off (audited)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy import select

from register.extensions import db
from register.models import AuditEntry, Interest, PublishedEdition
from tests.completeness.mix import _file
from tests.conftest import create_user_with_password, sign_in

DONOR = "Jane Privatedonor"


def _with_private_gift(mix):
    """A senior official in DFE files a gift from a private individual and a spouse's membership."""
    from register.admin.services import UserFields

    official = create_user_with_password(
        db.session,
        UserFields(
            email="p@example.gov.uk", full_name="Official P", role="official",
            department=mix.dfe, is_senior=True, job_title="Director of Schools",
        ),
        None,
        "not-used-password-1",
    )  # fmt: skip
    _file(
        official,
        mix.cycle,
        datetime(2026, 5, 12, 9, tzinfo=UTC),
        [
            Interest(
                category="gift", whose="self", organisation_name=DONOR, donor_kind="person",
                value_pounds=180, accepted=False, start_date=datetime(2026, 5, 1).date(),
            ),
            Interest(
                category="membership", whose="spouse_partner",
                organisation_name="Royal Institution", role="Member",
            ),
        ],
    )  # fmt: skip
    db.session.commit()


def _publish(client, mix, make_user, data) -> PublishedEdition:
    sign_in(client, make_user("admin"))
    response = client.post("/admin/public-register/", data={"cycle_id": mix.cycle.id, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/auth/sign-out")
    return db.session.scalars(select(PublishedEdition).order_by(PublishedEdition.id.desc())).first()


def _defaults(client) -> dict[str, str]:
    """The publish form as an administrator first sees it: every default redaction ticked."""
    page = client.get("/admin/public-register/").get_data(as_text=True)
    data = {}
    from register.public.services import DEFAULT_REASONS

    for field, reason in DEFAULT_REASONS.items():
        assert f'id="redact-{field}" name="redact-{field}" type="checkbox" value="yes" checked' in (
            page
        ), field
        data[f"redact-{field}"] = "yes"
        data[f"reason-{field}"] = reason
    return data


def test_public_register_is_third_person_with_departments_in_full(client, mix, make_user):
    _with_private_gift(mix)
    sign_in(client, make_user("admin"))
    data = _defaults(client)
    client.post("/auth/sign-out")
    edition = _publish(client, mix, make_user, data)
    snapshot = json.loads(client.get(f"/public/editions/{edition.id}.json").get_data())
    html = client.get(f"/public/editions/{edition.id}").get_data(as_text=True)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/public/editions/{edition.id}.csv").get_data(as_text=True))
        )
    )
    whose = {i["whose"] for e in snapshot["entries"] for i in e["interests"]}
    assert "The official" in whose and "Spouse or partner" in whose
    assert not {"Myself", "My spouse or partner"} & whose
    assert "Myself" not in html and "The official" in html
    assert {r["whose"] for r in rows if r["whose"]} >= {"The official", "Spouse or partner"}
    departments = {e["department"] for e in snapshot["entries"]}
    assert "Department for Education" in departments and "DFE" not in departments
    assert "Department for Education" in html

    # A private individual's name is withheld by default; an organisation donor's is not.
    for text in (json.dumps(snapshot), html, str(rows)):
        assert DONOR not in text
        assert "Big Supplier Ltd" in text
    gift = next(
        i for e in snapshot["entries"] for i in e["interests"] if i.get("donor_kind") == "A person"
    )
    assert gift["organisation_name"] == "A private individual"
    assert "private_donor_name" in {r["field"] for r in snapshot["redactions"]}
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "public.redaction_turned_off")
    ).all()


def test_turning_off_the_private_donor_redaction_is_audited(client, mix, make_user):
    _with_private_gift(mix)
    sign_in(client, make_user("admin"))
    data = _defaults(client)
    client.post("/auth/sign-out")
    del data["redact-private_donor_name"]
    edition = _publish(client, mix, make_user, data)
    assert DONOR in client.get(f"/public/editions/{edition.id}.json").get_data(as_text=True)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "public.redaction_turned_off")
    ).one()
    assert entry.object_id == str(edition.id) or entry.object_id == edition.id
    details = json.loads(entry.details) if isinstance(entry.details, str) else entry.details
    assert details["field"] == "private_donor_name"
    assert (details["before"], details["after"]) == ("withhold", "shown")
    assert entry.actor_id is not None


def test_sign_in_page_links_to_the_public_register(client):
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert 'href="/public/"' in page
    assert "public register" in page.lower()
