"""A first end-to-end check through the test client: file a declaration and see its version."""

from werkzeug.datastructures import MultiDict

from register.admin.services import create_cycle
from register.extensions import db
from tests.conftest import date_fields, sign_in


def test_official_files_and_submits(client, make_user, department):
    official = make_user("official")
    from datetime import date

    cycle = create_cycle(
        db.session, "2026/27", date(2026, 4, 1), date(2026, 6, 30), [department], None
    )
    db.session.commit()
    sign_in(client, official)
    response = client.post(f"/declarations/cycles/{cycle.id}/start")
    assert response.status_code == 302
    url = response.location
    data = MultiDict(
        [
            ("whose", "self"),
            ("organisation_name", "Acme Widgets Ltd"),
            ("role", "non_executive_director"),
            ("paid", "no"),
            *date_fields("start_date", 1, 2, 2020),
        ]
    )
    assert client.post(url + "/interests/new/directorship", data=data).status_code == 302
    response = client.post(url + "/review", data={"attest": "y"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Acme Widgets Ltd" in page and "Version 1" in page


def test_schema_migrates_on_postgres(pg_app):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert {"declaration", "declaration_version", "audit_entry", "award", "flag"} <= tables
