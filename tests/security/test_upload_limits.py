"""Every upload larger than MAX_CONTENT_LENGTH is refused with 413 and a clear message.

tests/awards/test_web.py checks the award import page (and its smaller limit for browser
uploads); this covers every upload route: the web forms get a page, the API gets JSON.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from register.extensions import db
from register.models import Award, ImportRun, User
from tests.api.helpers import make_token
from tests.conftest import sign_in

LIMIT = 20_000
BIG = b"x" * (LIMIT * 2)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAX_CONTENT_LENGTH": LIMIT}


WEB_UPLOADS = ("/awards/imports", "/admin/people/roster")


def test_web_uploads_over_the_limit_get_a_clear_413_page(
    client: FlaskClient, make_user: Any
) -> None:
    sign_in(client, make_user("admin"))
    for path in WEB_UPLOADS:
        response = client.post(path, data={"file": (io.BytesIO(BIG), "big.csv")},
                               content_type="multipart/form-data")  # fmt: skip
        page = response.get_data(as_text=True)
        assert response.status_code == 413, path
        assert "The file is too large" in page and "Traceback" not in page, path
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 1  # nobody was imported


@pytest.mark.parametrize("path", ["/api/v1/awards", "/api/v1/roster"])
def test_api_bodies_over_the_limit_get_413_json(
    client: FlaskClient, make_user: Any, path: str
) -> None:
    _, token = make_token(db.session, make_user("admin"), "limits")
    db.session.commit()
    response = client.post(path, data=BIG, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 413
    assert response.is_json and response.json["error"]
    assert db.session.scalar(select(func.count(Award.id))) == 0
