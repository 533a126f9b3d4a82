"""The database goes away while people are using the register, then comes back.

PostgreSQL is made unavailable to this test's own database only (its connections are terminated
and new ones refused), so other test processes sharing the server are not disturbed. That is
what the application sees when the server restarts or fails over. While it is down every page
and the health check answer 503 with a plain message (no stack trace); when it is back the
next request works without restarting the application, and a draft saved before the outage is
all there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, select, text

from register.admin.services import UserFields, create_department
from register.extensions import db
from register.models import Interest
from tests.conftest import PASSWORD, create_user_with_password, sign_in
from tests.declarations.helpers import add, directorship, open_cycle, start

pytestmark = pytest.mark.postgres


@contextmanager
def database_down(url: str) -> Iterator[None]:
    """Refuse new connections to the app's database and cut the ones it has; then restore."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name},
        )  # fmt: skip
    try:
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def assert_clear_503(response: object) -> None:
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 503, page[:500]  # type: ignore[attr-defined]
    assert "Sorry, the service is unavailable" in page
    assert "Nothing you had already saved has been lost" in page
    assert "Traceback" not in page and "psycopg" not in page and "sqlalchemy" not in page
    assert response.headers["Retry-After"] == "30"  # type: ignore[attr-defined]
    assert response.headers["X-Request-ID"] in page  # type: ignore[attr-defined]


def test_outage_gives_a_clear_page_and_recovers_with_the_draft_intact(
    pg_app: Flask, postgres_url: str
) -> None:
    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    fields = UserFields("pat@example.gov.uk", "Pat Official", "official", department)
    official = create_user_with_password(db.session, fields, None, PASSWORD)
    cycle = open_cycle([department])
    client = pg_app.test_client()
    assert sign_in(client, official).status_code == 302
    url = start(client, cycle)
    assert add(client, url, "directorship", directorship("Saved Before Ltd")).status_code == 302
    db.session.remove()

    with database_down(postgres_url):
        assert_clear_503(client.get(url))
        assert_clear_503(add(client, url, "directorship", directorship("During Outage Ltd")))
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json == {"status": "database unavailable"}
        api = client.get("/api/v1/flags", headers={"Authorization": "Bearer rgi_x"})
        assert api.status_code == 503 and "database" in api.json["message"]
        db.session.remove()

    assert client.get("/healthz").status_code == 200
    page = client.get(url)
    assert page.status_code == 200
    assert "Saved Before Ltd" in page.get_data(as_text=True)
    names = db.session.scalars(select(Interest.organisation_name)).all()
    assert names == ["Saved Before Ltd"]  # nothing half-saved from the refused request
    assert add(client, url, "directorship", directorship("After Ltd")).status_code == 302
    assert sorted(db.session.scalars(select(Interest.organisation_name))) == [
        "After Ltd", "Saved Before Ltd"
    ]  # fmt: skip
