"""A NUL character in a query, a form or a JSON body is refused before it reaches the database:
PostgreSQL text cannot hold one, and schemathesis found that `?cycle=%00` gave a 500."""

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from register.extensions import db
from register.models import User
from tests.api.helpers import make_token
from tests.conftest import sign_in


def test_api_query_with_nul_gets_422(client: FlaskClient, make_user: Any) -> None:
    _, token = make_token(db.session, make_user("auditor"), "nul")
    db.session.commit()
    response = client.get(
        "/api/v1/completeness?cycle=%00", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and response.json["error"] == "invalid_parameter"


def test_api_json_body_with_nul_gets_422(client: FlaskClient, make_user: Any) -> None:
    _, token = make_token(db.session, make_user("admin"), "nul")
    db.session.commit()
    users = db.session.scalar(select(func.count(User.id)))
    body = '{"officials": [{"email": "a@example.gov.uk", "full_name": "A\\u0000B"}]}'
    response = client.post(
        "/api/v1/roster",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(User.id))) == users


def test_page_query_and_form_with_nul_get_400(client: FlaskClient, make_user: Any) -> None:
    sign_in(client, make_user("auditor"))
    response = client.get("/review/search?q=Morning%00Lane")
    assert response.status_code == 400 and "Traceback" not in response.get_data(as_text=True)
    assert client.post("/auth/password", data={"current_password": "\x00"}).status_code == 400
