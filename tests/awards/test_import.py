"""Importing awards into the database: real Contracts Finder files, idempotence, newer releases."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from register.audit.log import verify
from register.awards.importer import ImportReport, import_file, map_buyer
from register.awards.parse import SUFFIXES
from register.extensions import db
from register.ingest.streams import iter_paths
from register.models import AuditEntry, Award, AwardSupplier, BuyerMapping, ImportRun

DATA = Path(__file__).resolve().parent.parent / "data"
CF = DATA / "contracts_finder_ocds"
FOLDERS = ("json_1_1_raw", "json_1_1_supplier_ids_match", "json_1_1_bods_match")
TABLES: tuple[Table, ...] = (Award.__table__, AwardSupplier.__table__, BuyerMapping.__table__)  # type: ignore[assignment]


def naive_counts() -> tuple[int, int, int]:
    """Awards, supplier references and GB-COH numbers, counted straight from the JSON."""
    awards = suppliers = coh = 0
    for folder in FOLDERS:
        for path in sorted((CF / folder).glob("*.json")):
            for release in json.loads(path.read_text(encoding="utf-8"))["releases"]:
                parties = {party["id"]: party for party in release.get("parties", [])}
                for award in release.get("awards") or []:
                    awards += 1
                    for ref in award.get("suppliers") or []:
                        suppliers += 1
                        identifier = parties.get(ref["id"], {}).get("identifier") or {}
                        number = (identifier.get("id") or "").strip("0 ")
                        coh += identifier.get("scheme") == "GB-COH" and bool(number)
    return awards, suppliers, coh


def import_all(session: Session, paths: Iterable[Path]) -> list[ImportReport]:
    return [import_file(session, path) for path in iter_paths(paths, SUFFIXES)]


def stored_counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count(Award.id))) or 0,
        session.scalar(select(func.count(AwardSupplier.id))) or 0,
        session.scalar(select(func.count(AwardSupplier.company_number))) or 0,
    )


def table_digests(session: Session) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every column of every row, per award table."""
    digests = {}
    for table in TABLES:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


def write_jsonl(path: Path, releases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in releases), encoding="utf-8")
    return path


def release(
    date_: str = "2020-02-18T00:00:00Z",
    value: Any = 93527,
    suppliers: tuple[tuple[str, str], ...] = (("Alpha Ltd", "874637"), ("Beta Services", "")),
    **award_fields: Any,
) -> dict[str, Any]:
    """A Contracts Finder-shaped release of award ocds-test-1 / award-1."""
    parties: list[dict[str, Any]] = [{"id": "b", "roles": ["buyer"], "name": "BFI"}]
    for n, (name, number) in enumerate(suppliers, start=1):
        scheme = "GB-COH" if number else ""
        parties.append({"id": str(n), "roles": ["supplier"], "name": name,
                        "identifier": {"scheme": scheme, "id": number}})  # fmt: skip
    return {
        "ocid": "ocds-test-1",
        "id": f"ocds-test-1-{date_}",
        "date": date_,
        "parties": parties,
        "buyer": {"id": "b", "name": "BFI"},
        "awards": [
            {
                "id": "award-1",
                "date": "2020-02-18T00:00:00Z",
                "value": {"amount": value, "currency": "GBP"},
                "suppliers": [{"id": p["id"], "name": p["name"]} for p in parties[1:]],
                **award_fields,
            }
        ],
    }


def test_real_files_counts_and_reimport_changes_nothing(app: Flask) -> None:
    expected = naive_counts()
    assert expected == (229, 1342, 516)
    reports = import_all(db.session, [CF / folder for folder in FOLDERS])
    assert len(reports) == 229
    assert not [r.summary() for r in reports if r.failed or r.rejected]
    assert sum(r.imported for r in reports) == expected[0]
    assert stored_counts(db.session) == expected
    assert db.session.scalar(select(func.count(ImportRun.id))) == 229
    before = table_digests(db.session)

    again = import_all(db.session, [CF / folder for folder in FOLDERS])
    assert sum(r.unchanged for r in again) == expected[0]
    assert sum(r.imported + r.updated + len(r.rejected) for r in again) == 0
    assert not any(r.changed_supplier_ids for r in again)
    assert table_digests(db.session) == before
    assert verify(db.session).ok


def test_newer_release_updates_in_place_and_older_release_is_ignored(
    app: Flask, tmp_path: Path
) -> None:
    first = import_file(db.session, write_jsonl(tmp_path / "v1.jsonl", [release()]))
    assert first.imported == 1
    award = db.session.scalars(select(Award)).one()
    supplier_ids = [s.id for s in award.suppliers]

    newer = release(
        "2020-06-01T00:00:00Z", value="120,000.50",
        suppliers=(("Alpha Limited", "874637"), ("Beta Services", "")),
    )  # fmt: skip
    report = import_file(db.session, write_jsonl(tmp_path / "v2.jsonl", [newer]))
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 0)
    assert sorted(report.changed_supplier_ids) == sorted(supplier_ids)
    db.session.expire_all()
    award = db.session.scalars(select(Award)).one()
    assert award.value == Decimal("120000.50")
    assert [s.id for s in award.suppliers] == supplier_ids
    assert [s.name for s in award.suppliers] == ["Alpha Limited", "Beta Services"]
    assert award.updated_at is not None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "award.updated")).one()
    assert entry.object_id == str(award.id)
    assert "ocds-test-1 / award-1" in entry.summary
    assert json.loads(entry.details)["source"] == f"{tmp_path / 'v2.jsonl'}:1#awards[0]"

    older = release("2019-01-01T00:00:00Z", value=1)
    report = import_file(db.session, write_jsonl(tmp_path / "v0.jsonl", [older]))
    assert (report.imported, report.updated, report.unchanged) == (0, 0, 1)
    db.session.expire_all()
    assert db.session.scalars(select(Award)).one().value == Decimal("120000.50")
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "award.updated")) == 1  # fmt: skip
    assert verify(db.session).ok


def test_entities_trading_names_and_string_amounts_survive(app: Flask, tmp_path: Path) -> None:
    messy = release(
        value="1,234.50",
        suppliers=(("SMITH &amp;amp; JONES LTD T/A S&amp;J Services", " 874637 "),
                   ("O&#039;Brien Care (trading as Riverside Homes)", "")),
        title="Children&#039;s social care &amp; placements",
    )  # fmt: skip
    report = import_file(db.session, write_jsonl(tmp_path / "messy.jsonl", [messy]))
    assert report.imported == 1, report.summary()
    award = db.session.scalars(select(Award)).one()
    assert award.title == "Children's social care & placements"
    assert award.value == Decimal("1234.50")
    assert award.currency == "GBP"
    assert award.award_date == date(2020, 2, 18)
    smith, obrien = award.suppliers
    assert (smith.name, json.loads(smith.aliases)) == ("SMITH & JONES LTD", ["S&J Services"])
    assert smith.company_number == "00874637"
    assert json.loads(smith.identifiers) == [["GB-COH", "00874637"]]
    assert (obrien.name, json.loads(obrien.aliases)) == ("O'Brien Care", ["Riverside Homes"])
    assert obrien.company_number is None


def test_malformed_file_is_rolled_back_and_the_run_says_why(app: Flask) -> None:
    report = import_file(db.session, DATA / "bad_awards" / "truncated_package.json")
    assert report.failed and "truncated JSON at byte" in report.failed
    assert report.read == 1  # the first release was parsed, then thrown away with the file
    assert (report.imported, report.updated, report.unchanged) == (0, 0, 0)
    assert stored_counts(db.session) == (0, 0, 0)
    assert db.session.scalar(select(func.count(BuyerMapping.id))) == 0
    run = db.session.get(ImportRun, report.run_id)
    assert run is not None
    assert (run.status, run.message, run.imported) == ("failed", report.failed, 0)


def test_buyer_mapping_created_once_per_buyer_and_exact_department_names_map(
    app: Flask, department: Any, tmp_path: Path
) -> None:
    releases = []
    for n, buyer in enumerate(("Dept for Children's Services", "DEPARTMENT FOR CHILDREN’S SERVICES",
                               "Dept for Children's Services")):  # fmt: skip
        item = release()
        item["ocid"] = f"ocds-test-{n}"
        item["buyer"]["name"] = item["parties"][0]["name"] = buyer
        releases.append(item)
    import_file(db.session, write_jsonl(tmp_path / "a.jsonl", releases))
    mappings = {m.buyer_name: m.department_id for m in db.session.scalars(select(BuyerMapping))}
    # Case and punctuation aside, the second is the department's name; the first only looks like it.
    assert mappings == {"Dept for Children's Services": None,
                        "DEPARTMENT FOR CHILDREN’S SERVICES": department.id}  # fmt: skip
    departments = db.session.execute(select(Award.ocid, Award.department_id).order_by(Award.ocid))
    assert departments.all() == [("ocds-test-0", None), ("ocds-test-1", department.id),
                                 ("ocds-test-2", None)]  # fmt: skip


@pytest.mark.postgres
def test_import_on_postgresql(pg_app: Flask, tmp_path: Path) -> None:
    folder = CF / "json_1_1_raw"
    reports = import_all(db.session, [folder])
    awards = sum(r.imported for r in reports)
    assert awards == len(reports) == 100
    before = table_digests(db.session)
    again = import_all(db.session, [folder])
    assert sum(r.unchanged for r in again) == awards
    assert table_digests(db.session) == before

    import_file(db.session, write_jsonl(tmp_path / "v1.jsonl", [release()]))
    ids = db.session.scalars(select(AwardSupplier.id).join(Award).where(
        Award.ocid == "ocds-test-1").order_by(AwardSupplier.position)).all()  # fmt: skip
    newer = release("2021-01-01T00:00:00+01:00", value="99.99")
    report = import_file(db.session, write_jsonl(tmp_path / "v2.jsonl", [newer]))
    assert report.updated == 1
    award = db.session.scalars(select(Award).where(Award.ocid == "ocds-test-1")).one()
    assert award.value == Decimal("99.99")
    assert [s.id for s in award.suppliers] == list(ids)
    assert verify(db.session).ok


def test_a_renamed_buyer_with_a_known_identifier_keeps_its_department(
    app: Flask, department: Any, tmp_path: Path
) -> None:
    def bought_by(name: str, ocid: str) -> dict[str, Any]:
        item = release()
        item["ocid"] = ocid
        item["buyer"]["name"] = item["parties"][0]["name"] = name
        item["parties"][0]["identifier"] = {"scheme": "GB-GOR", "id": "PB123"}
        return item

    import_file(
        db.session, write_jsonl(tmp_path / "a.jsonl", [bought_by("DCS Procurement", "o-1")])
    )
    mapping = db.session.scalar(
        select(BuyerMapping).where(BuyerMapping.buyer_name == "DCS Procurement")
    )
    assert mapping.department_id is None  # not a department's name: a person maps it
    map_buyer(db.session, mapping, department, None)
    db.session.commit()
    renamed = bought_by("Children's Services Commercial Team", "o-2")
    import_file(db.session, write_jsonl(tmp_path / "b.jsonl", [renamed]))
    award = db.session.scalar(select(Award).where(Award.ocid == "o-2"))
    assert (award.buyer_identifier, award.department_id) == ("GB-GOR-PB123", department.id)
