"""The hostile corpus through the doors a worker serves: the web upload and the API answer
with a report (4xx or 200), and the same worker answers the next request. Before, the
100,000-digit amount killed the worker (SIGSEGV) and `1e999999999` gave a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from register.extensions import db
from register.models import Award, ImportRun
from tests.api.helpers import make_token
from tests.conftest import sign_in

UPLOADS = [
    ("amount_100000_digits.json", "more than 1,000 digits in a row"),
    ("amount_1e999999999.json", "is out of range"),
    ("bomb.jsonl.gz", "longer than 16,777,216 bytes"),
    ("nested_arrays.json", "unknown format"),
    ("utf16.json", "not UTF-8"),
    ("truncated.json", "truncated JSON"),
]
GOOD = Path(__file__).resolve().parents[2] / "register/demo/data/morning_lane_awards.json"


@pytest.mark.parametrize(("name", "message"), UPLOADS)
def test_the_api_answers_a_hostile_file_with_a_report(client, make_user, corpus, name, message):
    token = make_token(db.session, make_user("admin"), "awards")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    data = (corpus / name).read_bytes()
    response = client.post(f"/api/v1/awards?filename={name}", data=data, headers=headers)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:500]
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Award.id))) == 0
    run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None  # the refusal is recorded, shown on the imports page
    good = client.post("/api/v1/awards?filename=good.json", data=GOOD.read_bytes(), headers=headers)
    assert good.status_code == 200 and good.json["imported"] > 0


@pytest.mark.parametrize(("name", "message"), UPLOADS[:3])
def test_the_web_upload_answers_a_hostile_file_with_a_report(
    client, make_user, corpus, name, message
):
    import io

    sign_in(client, make_user("admin"))
    data = {"file": (io.BytesIO((corpus / name).read_bytes()), name)}
    response = client.post("/awards/imports", data=data, content_type="multipart/form-data",
                           follow_redirects=True)  # fmt: skip
    assert response.status_code in (200, 400, 422)
    assert message in response.get_data(as_text=True)
    assert client.get("/awards/imports").status_code == 200  # the worker is still here
