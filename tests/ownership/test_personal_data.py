"""A possible undeclared interest stays out of the official's data download until released."""

from __future__ import annotations

import json

from sqlalchemy import select

from register.extensions import db
from register.models import Flag
from register.models.flags import UNDECLARED
from tests.auth.test_my_data import download
from tests.conftest import sign_in
from tests.ownership.conftest import BODS


def test_an_unreleased_undeclared_interest_is_withheld_until_released(runner, world, app):
    for path in (BODS, world.officers_csv):
        assert runner.invoke(args=["ownership", "import", str(path)]).exit_code == 0
    flag = db.session.scalar(
        select(Flag).where(Flag.kind == UNDECLARED, Flag.official_id == world.planted.id)
    )
    official = app.test_client()
    sign_in(official, world.planted)
    assert "Lyreco" not in json.dumps(download(official))
    compliance = app.test_client()
    sign_in(compliance, world.compliance)
    assert compliance.post(f"/ownership/flags/{flag.id}/release").status_code == 302
    [released] = [f for f in download(official)["flags"] if f["kind"] == UNDECLARED]
    assert released["company_records"]["company"] == "Lyreco UK Ltd"
    assert released["company_records"]["role"] == "Director"
