"""Screening some officials finds what a full run finds, through any name the matching accepts."""

from __future__ import annotations

import json

from sqlalchemy import select

from register.extensions import db
from register.models import Flag
from register.models.flags import UNDECLARED
from register.screening.undeclared import screen_undeclared
from tests.ownership.conftest import BODS


def _active(official_id: int) -> list[Flag]:
    statement = select(Flag).where(
        Flag.kind == UNDECLARED, Flag.active, Flag.official_id == official_id
    )
    return list(db.session.scalars(statement))


def test_a_run_for_one_official_finds_the_family_name_written_first(runner, world) -> None:
    for path in (BODS, world.officers_csv):
        assert runner.invoke(args=["ownership", "import", str(path), "--no-screen"]).exit_code == 0
    # "TROWE, Isabelle Mary" in the officers file; the official now writes her family name first
    # (no SQL filter on the stored key "isabelle mary|trowe" would find "trowe isabelle").
    world.planted.full_name = "Trowe Isabelle"
    db.session.commit()
    report = screen_undeclared(db.session, official_ids=[world.planted.id])
    assert report.new == 1
    (flag,) = _active(world.planted.id)
    reasons = {r["code"]: r["text"] for r in json.loads(flag.reasons)}
    assert reasons["person_name"] == (
        "names match (name order): trowe isabelle "
        "(family name written first on one side; 'mary' on one side only)"
    )
    assert reasons["birth"] == "month and year of birth match (March 1968)"
    # A full run finds the same, and a birth year of record elsewhere still rules others out.
    full = screen_undeclared(db.session)
    assert (full.updated, full.withdrawn) == (0, 0)
    assert _active(world.namesake.id) == []
