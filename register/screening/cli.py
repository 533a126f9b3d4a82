"""`flask --app wsgi match run|reindex|names|people|screen`: run and inspect the matching engine."""

from __future__ import annotations

import csv
import sys
from typing import IO

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime
from register.audit.log import record
from register.cli_support import ProgressLine, fail
from register.matching import InterestRecord
from register.matching.people import compare_person_name_text
from register.matching.score import compare_org_name_forms
from register.screening import rebuild_candidate_index, screen_everything
from register.screening.declared import screen_interests

match_cli = AppGroup("match", help="Run and inspect the matching engine.")


def init_app(app: Flask) -> None:
    app.cli.add_command(match_cli)


@match_cli.command("run")
def match_run() -> None:
    """Re-screen every declaration against every award supplier."""
    bar = ProgressLine("award suppliers screened")
    with runtime.transaction() as session:
        report = screen_everything(
            session, runtime.settings(), progress=lambda m: click.echo(m, err=True), tick=bar
        )
        bar.done()
    click.echo("Matching: " + report.summary())


@match_cli.command("reindex")
def match_reindex() -> None:
    """Build the stored candidate index again from every award supplier and declaration."""
    with runtime.transaction() as session:
        suppliers, officials = rebuild_candidate_index(session)
        record(
            session,
            "matching.reindexed",
            f"Candidate index rebuilt: {suppliers} award suppliers, {officials} officials' "
            "latest declarations",
        )
    click.echo(f"Indexed {suppliers} award suppliers and {officials} officials' declarations")


@match_cli.command("names")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def match_names(csv_file: IO[str]) -> None:
    """Compare name_a,name_b pairs as the engine does: score, match and the reasons why."""
    reader = csv.DictReader(csv_file)
    if not {"name_a", "name_b"} <= set(reader.fieldnames or []):
        fail("The CSV needs the columns name_a,name_b")
    out = csv.writer(sys.stdout)
    out.writerow(["name_a", "name_b", "score", "match", "reasons"])
    for row in reader:
        found = compare_org_name_forms(row["name_a"] or "", row["name_b"] or "")
        if found is None:
            out.writerow([row["name_a"], row["name_b"], "0.0", "false", "a name is empty"])
            continue
        reasons = "; ".join(found.notes + ((found.why_not,) if found.why_not else ()))
        score = found.score if found.matched else 0.0
        matched = str(found.matched).lower()
        out.writerow([row["name_a"], row["name_b"], f"{score:.1f}", matched, reasons])


@match_cli.command("people")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def match_people(csv_file: IO[str]) -> None:
    """Compare name_a,name_b person names as undeclared-interest screening does with no birth
    date known: the quality of the match (empty if none) and true or false."""
    reader = csv.DictReader(csv_file)
    if not {"name_a", "name_b"} <= set(reader.fieldnames or []):
        fail("The CSV needs the columns name_a,name_b")
    out = csv.writer(sys.stdout)
    out.writerow(["name_a", "name_b", "quality", "match"])
    for row in reader:
        quality = compare_person_name_text(row["name_a"] or "", row["name_b"] or "")
        matched = str(quality is not None).lower()
        out.writerow([row["name_a"], row["name_b"], quality or "", matched])


@match_cli.command("screen")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def match_screen(csv_file: IO[str]) -> None:
    """List award suppliers matching organisation names (column name, optional company_number)."""
    config = runtime.settings().matching
    reader = csv.DictReader(csv_file)
    if "name" not in (reader.fieldnames or []):
        fail("The CSV needs a column called name (and optionally company_number)")
    queries = [
        InterestRecord(
            interest_id=line,
            official_id=0,
            department_id=None,
            organisation_name=row["name"],
            identifiers=(("GB-COH", row["company_number"].strip()),)
            if (row.get("company_number") or "").strip()
            else (),
            whose="self",
            category="screen",
            start_date=None,
            end_date=None,
        )
        for line, row in enumerate(reader, start=2)
    ]
    results, suppliers = screen_interests(runtime.session(), queries, config)
    names = {q.interest_id: q.organisation_name for q in queries}
    out = csv.writer(sys.stdout)
    out.writerow(
        ["name", "supplier", "award_id", "buyer", "award_date", "value", "score", "reasons"]
    )
    for result in results:
        supplier = suppliers[result.award_supplier_id]
        out.writerow(
            [
                names[result.interest_id],
                supplier.supplier_name,
                supplier.award_id,
                supplier.buyer_name,
                supplier.award_date or "",
                supplier.value or "",
                f"{result.name_score:.1f}",
                "; ".join(r.text for r in result.reasons),
            ]
        )
