"""An award import's screening is committed in batches, with one alert after the last."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy import event, select

from register import runtime, screening
from register.extensions import db
from register.models import Flag, OutboundEmail
from tests.review.helpers import build_scene

BUYER = "Department for Children's Services"  # the official's own department


def release(n: int, supplier: str) -> dict:
    """An award to `supplier`; Morning Lane's carries its company number (a high-risk match)."""
    party: dict = {"id": "S", "roles": ["supplier"], "name": supplier}
    if "morning" in supplier.lower():
        party["identifier"] = {"scheme": "GB-COH", "id": "07125387"}
    return {
        "ocid": f"ocds-batch-{n}", "id": f"r{n}", "date": "2025-08-01T00:00:00Z",
        "tag": ["award"], "buyer": {"id": "B", "name": BUYER},
        "parties": [{"id": "B", "roles": ["buyer"], "name": BUYER},
                    party],
        "awards": [{"id": f"A{n}", "date": "2025-08-01T00:00:00Z",
                    "value": {"amount": 975000 + n, "currency": "GBP"},
                    "suppliers": [{"id": "S", "name": supplier}]}],
    }  # fmt: skip


def test_an_import_screens_in_committed_batches_and_alerts_once(
    make_user, department, tmp_path: Path, monkeypatch
) -> None:
    scene = build_scene(make_user, department)
    suppliers = ["Morning Lane Associates Limited", "Harbour Analytics Limited"] * 3 + [
        "MORNING LANE ASSOCIATES LTD"
    ]
    path = tmp_path / "awards.json"
    path.write_text(
        json.dumps({"releases": [release(n, name) for n, name in enumerate(suppliers)]})
    )
    before = set(db.session.scalars(select(Flag.id)))
    alerts_before = len(db.session.scalars(select(OutboundEmail)).all())
    monkeypatch.setattr(screening, "IMPORT_SCREEN_BATCH", 2)
    commits: list[int] = []
    session = db.session()
    listener = lambda _session: commits.append(len(commits))  # noqa: E731
    event.listen(session, "after_commit", listener)
    try:
        outcome = screening.import_awards(
            db.session, [screening.ImportFile(path)], runtime.settings()
        )
    finally:
        event.remove(session, "after_commit", listener)
    assert not outcome.refused_or_rejected, outcome.reports
    report = outcome.screening
    assert isinstance(report, screening.ScreeningReport)
    # one commit for the file, then one per batch of two suppliers (seven suppliers: four)
    assert len(commits) == 1 + 4
    assert report.suppliers == len(suppliers)
    assert report.interests == 1  # the same directorship, counted once over the batches
    new = [
        flag
        for flag in db.session.scalars(select(Flag).where(Flag.id.not_in(before)))
        if flag.official_id == scene.official.id
    ]
    assert sorted(f.supplier_name for f in new) == sorted(
        s for s in suppliers if "morning" in s.lower()
    )
    assert report.new == len(new) == 4
    db.session.commit()  # the caller commits the alert
    alerts = db.session.scalars(select(OutboundEmail)).all()[alerts_before:]
    high = [f.id for f in new if f.risk_level == "high"]
    assert high and sorted(report.high_risk_new) == sorted(high)
    assert len([a for a in alerts if "High-risk flag" in a.subject]) >= len(high)


def test_a_buyer_remap_screens_in_one_transaction(make_user, department, tmp_path: Path) -> None:
    build_scene(make_user, department)
    path = tmp_path / "one.json"
    path.write_text(json.dumps(copy.deepcopy(release(99, "Morning Lane Associates Limited"))))
    report = screening.import_awards(
        db.session, [screening.ImportFile(path)], runtime.settings(), screen=False
    ).reports[0]
    commits: list[int] = []
    session = db.session()
    listener = lambda _session: commits.append(1)  # noqa: E731
    event.listen(session, "after_commit", listener)
    try:
        screening.screen_suppliers(db.session, report.changed_supplier_ids, runtime.settings())
    finally:
        event.remove(session, "after_commit", listener)
    assert commits == []
