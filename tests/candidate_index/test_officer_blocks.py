"""Officials screened one at a time find their officer records through the stored blocks of the
officers' names exactly as the full run, which reads every record, finds them."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from register import runtime, screening
from register.extensions import db
from register.models import Flag, OfficerNameKey
from register.models.flags import UNDECLARED
from register.screening.undeclared import screen_undeclared
from tests.ownership.conftest import write_officers
from tests.review.helpers import add_award

PEOPLE = Path(__file__).resolve().parent.parent / "data" / "name_pairs" / "people.csv"


def test_officials_screened_alone_find_what_the_full_run_finds(
    app, make_user, department, tmp_path: Path
) -> None:
    with PEOPLE.open(encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))[:120]
    officials = [make_user("official", full_name=row["name_a"]) for row in pairs[::2]]
    for k, official in enumerate(officials[::3]):
        official.birth_month, official.birth_year = 1 + (6 * k) % 12, 1960 + 6 * k
    add_award(department, "Caledonian Care Ltd", "01234567")
    rows = [
        (
            "01234567",
            row["name_b"],
            "director",
            "2015-01-01",
            "",
            str(1 + k % 12),
            str(1960 + k % 20),
        )
        for k, row in enumerate(pairs)
    ]
    outcome = screening.import_officers(
        db.session,
        [screening.ImportFile(write_officers(tmp_path / "officers.csv", rows))],
        runtime.settings(),
        screen=False,
    )
    assert not outcome.refused_or_rejected
    assert db.session.scalar(select(func.count()).select_from(OfficerNameKey)) > len(rows)
    for official in officials:  # as on submission: one official, blocks from the stored index
        screen_undeclared(db.session, 24, official_ids=[official.id])
    scoped = db.session.scalar(select(func.count(Flag.id)).where(Flag.kind == UNDECLARED))
    assert scoped > 10
    full = screen_undeclared(db.session, 24)  # every officer record read
    assert not full.flags_changed(), full.summary()
