"""A deeply nested JSON body is a client error, never a 500 (before: RecursionError)."""

from __future__ import annotations

from register.extensions import db
from tests.api.helpers import make_token


def test_a_deeply_nested_json_body_gets_a_4xx_and_the_worker_answers_again(client, make_user):
    token = make_token(db.session, make_user("admin"), "roster")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    nested = "[" * 30_000 + "]" * 30_000
    response = client.post("/api/v1/roster", data=nested, headers=headers)
    assert response.status_code == 422 and response.json["error"] == "invalid_body"
    again = client.post("/api/v1/roster", json={"officials": []}, headers=headers)
    assert again.status_code == 200
