"""Schemathesis over the OpenAPI document: requests generated for every operation, sent as an
administrator, never get a server error and every answer matches the document (status code,
content type, body schema). Not checked: that every schema-valid request is accepted, since a
well-formed upload may still hold no valid award (it gets a documented 422).

The operations are driven with Hypothesis directly: schemathesis's pytest integration does not
work with this pytest version (it reads a private attribute pytest 9 no longer has).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from register.extensions import db
from tests.api.helpers import make_token
from tests.conftest import configure


def test_generated_requests_get_documented_answers(app: Flask, make_user: Any) -> None:
    configure(app, API_REQUESTS_PER_MINUTE=1_000_000)  # hundreds of requests in a minute
    token = make_token(db.session, make_user("admin"), "schemathesis")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        answers_as_documented()
