"""One contract published twice (two OCIDs) is one award: linked at import, screened and
counted once, shown as "also published as", relinked when a newer release changes it, and
linked for data imported before (migration 0013)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from register import create_app, runtime, screening
from register.audit.log import verify
from register.awards.importer import import_file
from register.extensions import db
from register.models import AuditEntry, Award, AwardSupplier, Flag
from register.models.base import core_table
from tests.awards.test_import import CF, release, table_digests, write_jsonl
from tests.conftest import sign_in
from tests.review.helpers import build_scene

FRAMEWORK = "YORcivil Major Works Contractors Framework Agreement"
MORNING_LANE = (("Morning Lane Associates Limited", "07125387"), ("Beta Services", ""))


def publication(ocid: str, date_: str = "2020-02-18T00:00:00Z", **fields: Any) -> dict[str, Any]:
    """The same contract as `release()`, published under `ocid`."""
    fields.setdefault("suppliers", MORNING_LANE)
    data = release(date_, title=FRAMEWORK, **fields)
    data["ocid"], data["id"] = ocid, f"{ocid}-{date_}"
    return data


def _awards() -> dict[str, Award]:
    db.session.expire_all()
    return {a.ocid: a for a in db.session.scalars(select(Award))}


def test_second_publication_is_linked_once_and_reimport_changes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    first = import_file(db.session, write_jsonl(tmp_path / "a.jsonl", [publication("ocds-a")]))
    second = import_file(db.session, write_jsonl(tmp_path / "b.jsonl", [publication("ocds-b")]))
    awards = _awards()
    assert awards["ocds-a"].duplicate_of_id is None
    assert awards["ocds-b"].duplicate_of_id == awards["ocds-a"].id
    assert awards["ocds-a"].duplicate_key == awards["ocds-b"].duplicate_key is not None
    assert first.imported == second.imported == 1
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "award.duplicate_linked")
    ).one()
    assert entry.object_id == str(awards["ocds-b"].id)
    details = json.loads(entry.details)
    assert details["before"] == {"duplicate_of": None}
    assert details["after"] == {"duplicate_of": awards["ocds-a"].id}

    before = table_digests(db.session)
    again = import_file(db.session, tmp_path / "b.jsonl")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1)
    assert not again.changed_supplier_ids and table_digests(db.session) == before
    # A different contract of the same buyer and supplier (another value) stays its own award.
    import_file(db.session, write_jsonl(tmp_path / "c.jsonl", [publication("ocds-c", value=5)]))
    assert _awards()["ocds-c"].duplicate_of_id is None
    assert verify(db.session).ok


def test_newer_release_that_changes_the_contract_relinks(app: Flask, tmp_path: Path) -> None:
    import_file(db.session, write_jsonl(tmp_path / "a.jsonl", [publication("ocds-a")]))
    import_file(db.session, write_jsonl(tmp_path / "b.jsonl", [publication("ocds-b")]))
    import_file(db.session, write_jsonl(tmp_path / "c.jsonl", [publication("ocds-c")]))
    awards = _awards()
    assert awards["ocds-c"].duplicate_of_id == awards["ocds-a"].id
    # The first publication is corrected to another value: it is no longer the same contract,
    # the next one becomes the award and the third points at it; their suppliers are screened.
    changed = write_jsonl(
        tmp_path / "a2.jsonl", [publication("ocds-a", "2021-01-01T00:00:00Z", value=1)]
    )
    report = import_file(db.session, changed)
    awards = _awards()
    assert report.updated == 1
    assert awards["ocds-a"].duplicate_of_id is None
    assert awards["ocds-b"].duplicate_of_id is None
    assert awards["ocds-c"].duplicate_of_id == awards["ocds-b"].id
    screened = {s.award_id for s in db.session.scalars(
        select(AwardSupplier).where(AwardSupplier.id.in_(list(report.changed_supplier_ids)))
    )}  # fmt: skip
    assert screened == {awards["ocds-a"].id, awards["ocds-b"].id, awards["ocds-c"].id}
    # The title taken away: too little is known to call anything a copy of it.
    import_file(db.session, write_jsonl(tmp_path / "c2.jsonl", [
        {**publication("ocds-c", "2021-02-01T00:00:00Z"), "awards": [
            {**publication("ocds-c")["awards"][0], "title": None}]},
    ]))  # fmt: skip
    awards = _awards()
    assert awards["ocds-c"].duplicate_key is None and awards["ocds-c"].duplicate_of_id is None


def test_the_demo_framework_published_twice_is_one_award(app: Flask) -> None:
    name = "ocds-b5fd17{}-dd8aaf59-b3d8-4e92-9942-bc675d7ad39f.json"
    files = [
        CF / "json_1_1_supplier_ids_match" / name.format("suppliermatch"),
        CF / "json_1_1_bods_match" / name.format("bodsmatch"),
    ]
    for path in files:
        import_file(db.session, path)
    framework = db.session.scalars(select(Award).order_by(Award.id)).all()
    assert [a.title for a in framework] == [FRAMEWORK, FRAMEWORK]
    assert framework[1].duplicate_of_id == framework[0].id
    assert "BALFOUR BEATTY GROUP LIMITED" in [s.name for s in framework[0].suppliers]


def test_screened_once_shown_as_also_published_and_counted_once(
    app: Flask, client: Any, make_user: Any, department: Any, tmp_path: Path
) -> None:
    scene = build_scene(make_user, department)  # Isabelle Trowe declared Morning Lane
    outcome = screening.import_awards(
        db.session,
        [
            screening.ImportFile(write_jsonl(tmp_path / "a.jsonl", [publication("ocds-a")])),
            screening.ImportFile(write_jsonl(tmp_path / "b.jsonl", [publication("ocds-b")])),
        ],
        runtime.settings(),
    )
    db.session.commit()
    awards = _awards()
    original, copy = awards["ocds-a"], awards["ocds-b"]
    assert outcome.screening is not None and outcome.screening.new == 1
    on_framework = db.session.scalars(
        select(Flag).where(Flag.award_id.in_([original.id, copy.id]))
    ).all()
    assert [f.award_id for f in on_framework] == [original.id]  # screened once

    sign_in(client, scene.officer)
    page = client.get(f"/review/flags/{on_framework[0].id}").get_data(as_text=True)
    assert "Also published as" in page and "ocds-b" in page
    page = client.get(f"/awards/{original.id}").get_data(as_text=True)
    assert "Also published as" in page and f"/awards/{copy.id}" in page
    page = client.get(f"/awards/{copy.id}").get_data(as_text=True)
    assert "another publication of the same contract" in page
    assert f"/review/flags/{on_framework[0].id}" in page  # the contract's flag, shown here too
    # Award search counts each contract's suppliers once (two here, not four).
    page = client.get("/awards/?q=Beta+Services").get_data(as_text=True)
    assert "1 award suppliers" in page and "Also published as ocds-b" in page
    # The queue counts one flag per contract: the scene's own award and this one.
    page = client.get("/review/").get_data(as_text=True)
    assert "2 flags" in page
    assert "£1,068,527 across 2 awards" in page  # £975,000 and £93,527, not the copy's again
    # The flags export names the other publication on the contract's one row.
    client.post("/auth/sign-out")
    sign_in(client, scene.auditor)
    exported = client.get("/exports/download", query_string={"kind": "flags", "format": "csv"})
    rows = [r for r in csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")))
            if r["ocid"] in ("ocds-a", "ocds-b")]  # fmt: skip
    assert [(r["ocid"], r["also_published_as"]) for r in rows] == [("ocds-a", "ocds-b")]


def test_migration_links_awards_stored_before(tmp_path: Path) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        try:
            upgrade(revision="0010")
            ids = []
            for ocid in ("ocds-a", "ocds-b", "ocds-c"):
                award_id = db.session.execute(
                    insert(core_table(Award)).values(
                        ocid=ocid, award_id="1", content_digest="d", buyer_name="Sheffield CC",
                        title=FRAMEWORK, value=Decimal(2000000000), currency="GBP",
                        award_date=date(2019, 12, 13) if ocid != "ocds-c" else date(2020, 1, 1),
                    ).returning(core_table(Award).c.id)
                ).scalar_one()  # fmt: skip
                db.session.execute(insert(core_table(AwardSupplier)).values(
                    award_id=award_id, position=0, name="BALFOUR BEATTY GROUP LIMITED",
                    aliases="[]", identifiers="[]", company_number="00101073",
                ))  # fmt: skip
                ids.append(award_id)
            db.session.commit()
            upgrade(revision="heads")
            links = dict(db.session.execute(select(Award.ocid, Award.duplicate_of_id)).all())
            assert links == {"ocds-a": None, "ocds-b": ids[0], "ocds-c": None}
            assert db.session.scalar(select(func.count(Award.duplicate_key))) == 3
        finally:
            db.session.remove()
            db.engine.dispose()
