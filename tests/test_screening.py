"""Screening: stable flags across re-runs, kept decisions, context that follows buyer mappings."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from register import runtime
from register.awards.importer import import_file
from register.extensions import db
from register.models import Award, AwardSupplier, BuyerMapping, Decision, Flag
from register.screening import screen_declaration, screen_everything
from tests.conftest import sign_in
from tests.review.helpers import build_scene

SUPPLIER = "MORNING LANE ASSOCIATES LIMITED"
RELEASE = {
    "ocid": "ocds-remap-1", "id": "r1", "date": "2025-08-01T00:00:00Z", "tag": ["award"],
    "buyer": {"id": "B", "name": "Children's Services Directorate"},
    "parties": [{"id": "B", "roles": ["buyer"], "name": "Children's Services Directorate"},
                {"id": "S", "roles": ["supplier"], "name": SUPPLIER}],
    "awards": [{"id": "A1", "date": "2025-08-01T00:00:00Z", "value": {"amount": 50000,
                "currency": "GBP"}, "suppliers": [{"id": "S", "name": SUPPLIER}]}],
}  # fmt: skip


def flag_count() -> int:
    return db.session.scalar(select(func.count(Flag.id))) or 0


def test_rerunning_never_duplicates_and_keeps_decisions(make_user, department):
    scene = build_scene(make_user, department)
    flag = scene.flag
    db.session.add(Decision(flag_id=flag.id, outcome="same_no_conflict", reason="Known",
                            decided_by_id=scene.officer.id, interest_digest=flag.interest_digest,
                            award_digest=flag.award_digest))  # fmt: skip
    flag.status = "decided"
    db.session.commit()
    before = flag_count()
    for _ in range(2):
        screen_everything(db.session, runtime.settings())
        screen_declaration(db.session, scene.declaration, runtime.settings())
        db.session.commit()
    assert flag_count() == before
    db.session.refresh(flag)
    assert flag.status == "decided" and flag.active
    assert len(flag.decisions) == 1


def test_mapping_a_buyer_to_the_department_adds_the_own_department_reason(
    client, make_user, department, tmp_path
):
    scene = build_scene(make_user, department)
    path = tmp_path / "remap.json"
    path.write_text(json.dumps(RELEASE))
    report = import_file(db.session, path)
    from register.screening import screen_suppliers

    screen_suppliers(db.session, report.changed_supplier_ids, runtime.settings())
    db.session.commit()
    flag = db.session.scalar(
        select(Flag).join(Award, Flag.award_id == Award.id).where(Award.ocid == "ocds-remap-1")
    )
    assert flag is not None and "own department" not in flag.explanation
    screen_declaration(db.session, scene.declaration, runtime.settings())  # caches the suppliers
    db.session.commit()
    mapping = db.session.scalar(
        select(BuyerMapping).where(BuyerMapping.buyer_name == "Children's Services Directorate")
    )
    assert mapping.department_id is None  # not an exact department name: never auto-mapped

    sign_in(client, scene.admin)
    response = client.post(
        f"/awards/buyers/{mapping.id}", data={f"buyer-{mapping.id}-department_id": department.id}
    )
    assert response.status_code == 302
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert "awarded by the official's own department" in flag.explanation
    # The process's cached supplier index follows the new mapping: the next submission screened
    # in this process keeps the own-department reason.
    screen_declaration(db.session, scene.declaration, runtime.settings())
    db.session.commit()
    db.session.expire_all()
    assert "awarded by the official's own department" in db.session.get(Flag, flag.id).explanation


def test_match_run_reports_its_progress_and_summary(runner, make_user, department):
    build_scene(make_user, department)
    suppliers = db.session.scalar(select(func.count(AwardSupplier.id)))
    result = runner.invoke(args=["match", "run"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 declared organisations" in result.output
    assert f"award suppliers screened: {suppliers:,} records" in result.output
    assert "Matching: screened 1 declared organisations" in result.output
