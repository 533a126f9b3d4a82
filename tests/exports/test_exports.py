"""Exports over the known mix: every row checked, CSV and XLSX, web and command line."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from register.clock import utcnow
from register.extensions import db
from register.models import AuditEntry, Award, AwardSupplier, Decision, Flag
from tests.completeness.mix import ASSOCIATE, STATUSES
from tests.conftest import sign_in


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _download(client, **params) -> bytes:
    response = client.get("/exports/download", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def test_completeness_export_rows_match_every_status(client, mix, make_user):
    sign_in(client, make_user("auditor"))
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        rows = read(_download(client, kind="completeness", cycle=mix.cycle.id, format=fmt))
        got = {str(r["email"]).split("@")[0]: r["status"] for r in rows}
        assert got == {k: v for k, v in STATUSES.items() if v}, fmt
        a = next(r for r in rows if r["email"] == "a@example.gov.uk")
        assert a["filed"] == "yes" and a["nil_return"] == "no" and a["due_date"] is not None
        j = next(r for r in rows if r["email"] == "j@example.gov.uk")
        if fmt == "csv":
            assert a["first_submitted_at"] == "2026-05-10T10:00:00+01:00"
            assert j["due_date"] == "2026-07-18"
        else:  # real date and time cells, in UK time (a spreadsheet holds no time zone)
            assert a["first_submitted_at"] == datetime(2026, 5, 10, 10, 0)
            assert j["due_date"] == datetime(2026, 7, 18)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("export.completeness") == 2


def test_declarations_export_one_row_per_interest_with_typed_fields(client, mix, make_user):
    sign_in(client, make_user("auditor"))
    rows = _csv(_download(client, kind="declarations", cycle=mix.cycle.id, format="csv"))
    by_person: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_person.setdefault(row["email"][0], []).append(row)
    # a: four interests; c: one; b, d, e, j, m: one nil-return row each; nobody else filed.
    assert {k: len(v) for k, v in by_person.items()} == {
        "a": 4,
        "b": 1,
        "c": 1,
        "d": 1,
        "e": 1,
        "j": 1,
        "m": 1,
    }
    assert by_person["b"][0]["nil_return"] == "yes" and by_person["b"][0]["category"] == ""
    a = {row["category"]: row for row in by_person["a"]}
    assert a["directorship"]["organisation_name"] == "'=Acme Widgets Ltd"  # injection guarded
    assert a["directorship"]["organisation_identifier"] == "01234567"
    assert a["shareholding"]["percentage"] == "2.500"
    assert a["shareholding"]["value_band"] == "5k_70k"
    assert a["relationship"]["related_person_name"] == ASSOCIATE
    assert a["relationship"]["related_organisations"] == (
        "Morning Lane Associates (GB-COH 08012345, director); Quill Consulting Ltd (adviser)"
    )
    assert a["gift"]["value_pounds"] == "275.50" and a["gift"]["accepted"] == "yes"
    assert all(row["version"] == "1" and row["latest_version"] == "yes" for row in rows)
    xlsx = _xlsx(_download(client, kind="declarations", cycle=mix.cycle.id, format="xlsx"))
    assert len(xlsx) == len(rows)
    cells = {r["category"]: r for r in xlsx if r["email"] == "a@example.gov.uk"}
    assert cells["directorship"]["organisation_name"] == "'=Acme Widgets Ltd"


def _flag_with_decision(mix, officer) -> Flag:
    award = Award(
        ocid="ocds-1",
        award_id="A1",
        title="Social work support",
        buyer_name="DCS",
        value=Decimal("2900000"),
        currency="GBP",
        content_digest="x",
    )
    supplier = AwardSupplier(award=award, position=0, name="Morning Lane Associates Ltd")
    declaration = mix.people["a"]
    from register.models import Declaration, Interest

    interest = db.session.scalar(
        select(Interest)
        .join(Declaration)
        .where(Declaration.official_id == declaration.id, Interest.category == "relationship")
    )
    flag = Flag(
        interest_lineage=interest.lineage,
        source_key="org",
        award=award,
        award_supplier=supplier,
        interest_id=interest.id,
        official_id=declaration.id,
        department_id=mix.dcs.id,
        organisation_name="Morning Lane Associates",
        supplier_name=supplier.name,
        award_value=award.value,
        score=92.0,
        name_score=100.0,
        risk_level="high",
        reasons="[]",
        explanation="names match after normalisation",
        interest_digest="i",
        award_digest="a",
        status="decided",
    )
    db.session.add(flag)
    db.session.flush()
    db.session.add(
        Decision(
            flag_id=flag.id,
            outcome="conflict_managed",
            reason="Recused",
            decided_by_id=officer.id,
            decided_at=utcnow(),
            interest_digest="i",
            award_digest="a",
        )
    )
    db.session.commit()
    return flag


def test_flags_export_includes_decision(client, mix, make_user):
    officer = make_user("compliance")
    flag = _flag_with_decision(mix, officer)
    sign_in(client, make_user("auditor"))
    rows = _csv(_download(client, kind="flags", format="csv"))
    assert len(rows) == 1
    row = rows[0]
    assert row["flag_id"] == str(flag.id) and row["decision_outcome"] == "Conflict, managed"
    assert row["decided_by"] == officer.full_name and row["decision_reason"] == "Recused"
    assert row["award_value"] == "2900000.00" and row["cycle"] == "2026/27"
    assert "plan_constraints" in row


def test_audit_export_for_a_period_and_cli(runner, mix, tmp_path):
    output = tmp_path / "audit.xlsx"
    result = runner.invoke(args=["export", "audit", "--format", "xlsx", "--output", str(output)])
    assert result.exit_code == 0, result.output
    rows = _xlsx(output.read_bytes())
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[-1]["action"] == "export.audit"  # the export audits itself first
    result = runner.invoke(
        args=[
            "export",
            "audit",
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-02",
            "--output",
            str(tmp_path / "none.csv"),
        ]
    )
    assert result.exit_code == 0
    assert _csv((tmp_path / "none.csv").read_bytes()) == []


def test_cli_declarations_all_versions_and_errors(runner, mix, tmp_path):
    output = tmp_path / "d.csv"
    result = runner.invoke(
        args=[
            "export",
            "declarations",
            "--cycle",
            "2026/27",
            "--all-versions",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert len(_csv(output.read_bytes())) == 10
    missing = runner.invoke(args=["export", "completeness", "--output", str(output)])
    assert missing.exit_code != 0 and "Choose a cycle" in missing.output
    unknown = runner.invoke(
        args=["export", "completeness", "--cycle", "nope", "--output", str(output)]
    )
    assert "No cycle called nope" in unknown.output


def test_only_auditors_and_admins_export(client, mix, make_user):
    sign_in(client, make_user("compliance"))
    assert client.get("/exports/download?kind=audit&format=csv").status_code == 403
    client.post("/auth/sign-out")
    sign_in(client, make_user("auditor"))
    assert client.get("/exports/").status_code == 200
    assert client.get("/exports/download?kind=completeness&format=csv").status_code == 400
