"""The public register: redactions, immutable editions, downloads without signing in."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from register.extensions import db
from register.models import AuditEntry, ImmutableRecordError, PublishedEdition
from tests.completeness.mix import ASSOCIATE
from tests.conftest import sign_in

DEFAULTS = {
    "redact-related_person_name": "yes",
    "reason-related_person_name": "Third-party personal data",
    "redact-value_pounds": "yes",
    "reason-value_pounds": "Banded values are enough",
}


def _publish(client, mix, make_user, **extra) -> PublishedEdition:
    sign_in(client, make_user("admin"))
    response = client.post(
        "/admin/public-register/", data={"cycle_id": mix.cycle.id, **DEFAULTS, **extra}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/auth/sign-out")
    return db.session.scalars(select(PublishedEdition).order_by(PublishedEdition.id.desc())).first()


def test_withheld_fields_are_absent_from_csv_json_and_html(client, mix, make_user):
    edition = _publish(
        client,
        mix,
        make_user,
        **{"redact-organisation_identifier": "yes", "reason-organisation_identifier": "Not needed"},
    )
    raw = {
        "html": client.get(f"/public/editions/{edition.id}").get_data(),
        "json": client.get(f"/public/editions/{edition.id}.json").get_data(),
        "csv": client.get(f"/public/editions/{edition.id}.csv").get_data(),
        "list": client.get("/public/").get_data(),
    }
    for name, data in raw.items():
        assert ASSOCIATE.encode() not in data, name
        assert b"Jemima" not in data and b"Quillfeather" not in data, name
        assert b"275.5" not in data, name  # the exact gift value is banded
        assert b"01234567" not in data and b"08012345" not in data, name
    snapshot = json.loads(raw["json"])
    assert [e["official_name"] for e in snapshot["entries"]] == ["Official A", "Official B"]
    gift = next(i for i in snapshot["entries"][0]["interests"] if i["category"].startswith("Gift"))
    assert gift["gift_value_band"] == "£100.01 to £500" and "value_pounds" not in gift
    relationship = next(
        i
        for i in snapshot["entries"][0]["interests"]
        if i["category"] == "Close personal relationship"
    )
    assert "related_person_name" not in relationship
    assert relationship["relationship"] == "Current or former business partner"
    assert {r["field"] for r in snapshot["redactions"]} == {
        "related_person_name",
        "value_pounds",
        "organisation_identifier",
    }
    rows = list(csv.DictReader(io.StringIO(raw["csv"].decode("utf-8-sig"))))
    assert "related_person_name" not in rows[0] and "value_pounds" not in rows[0]
    assert len(rows) == 5  # four interests for A, one nil-return row for B
    assert "Third-party personal data" in raw["html"].decode()
    assert "Morning Lane Associates" in raw["html"].decode()
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "public.published"))
    assert edition.snapshot_digest in audit.details


def test_edition_is_immutable_and_digest_matches(client, mix, make_user):
    import hashlib

    edition = _publish(client, mix, make_user)
    data = client.get(f"/public/editions/{edition.id}.json").get_data()
    assert hashlib.sha256(data).hexdigest() == edition.snapshot_digest
    edition.snapshot = "{}"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    second = _publish(client, mix, make_user)
    assert second.number == 2 and second.id != edition.id


def test_without_redaction_the_name_is_published_and_reason_is_required(client, mix, make_user):
    sign_in(client, make_user("admin"))
    response = client.post(
        "/admin/public-register/",
        data={"cycle_id": mix.cycle.id, "redact-details": "yes", "reason-details": ""},
    )
    assert response.status_code == 400 and "Give the reason" in response.get_data(as_text=True)
    response = client.post("/admin/public-register/", data={"cycle_id": mix.cycle.id})
    assert response.status_code == 302
    edition = db.session.scalars(select(PublishedEdition)).one()
    assert ASSOCIATE in client.get(f"/public/editions/{edition.id}.json").get_data(as_text=True)


def test_only_admins_publish(client, mix, make_user):
    assert client.get("/admin/public-register/").status_code == 302  # sign in first
    sign_in(client, make_user("auditor"))
    assert client.get("/admin/public-register/").status_code == 403
    assert client.get("/public/").status_code == 200


TYPED = '2026–27 "draft"'


def test_a_cycle_named_with_an_en_dash_and_quotes_downloads(client, mix, make_user):
    """Before: a 500 for every export and public register download of such a cycle."""
    mix.cycle.name = TYPED
    db.session.commit()
    sign_in(client, make_user("auditor"))
    for kind in ("declarations", "completeness"):
        for fmt in ("csv", "xlsx"):
            response = client.get(
                "/exports/download",
                query_string={"kind": kind, "cycle": mix.cycle.id, "format": fmt},
            )
            assert response.status_code == 200, (kind, fmt)
            _, options = parse_options_header(response.headers["Content-Disposition"])
            assert "2026–27" in options["filename"], options
    client.post("/auth/sign-out")
    sign_in(client, make_user("admin"))
    published = client.post("/admin/public-register/", data={"cycle_id": mix.cycle.id})
    assert published.status_code == 302
    client.post("/auth/sign-out")
    edition = db.session.scalars(select(PublishedEdition)).one()
    for extension in ("json", "csv"):
        response = client.get(f"/public/editions/{edition.id}.{extension}")
        assert response.status_code == 200
        _, options = parse_options_header(response.headers["Content-Disposition"])
        assert options["filename"].startswith('register-2026–27 "draft"-edition-1')
