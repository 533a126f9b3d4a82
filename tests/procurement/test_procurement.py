"""Procurements: the check, declarations for the procurement, mitigations, the gates, the recusal
log, re-checks, the assessment's revisions and renderings, the award link, the CLI and the API."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from sqlalchemy import select

from register import runtime
from register.declarations import services as declarations
from register.extensions import db
from register.models import (
    AuditEntry,
    ConflictsAssessment,
    Declaration,
    Interest,
    OutboundEmail,
    Procurement,
    ProcurementConflict,
    User,
)
from register.models.declarations import ImmutableRecordError
from register.models.procurement import DECISION_MAKER, EVALUATOR, REMOVAL
from register.procurement import services
from register.screening import ImportFile, import_awards, import_officers, screen_declaration
from tests.api.helpers import make_token
from tests.conftest import sign_in
from tests.ownership.conftest import write_officers
from tests.procurement.helpers import link_from_outbox

DEMO = Path(__file__).resolve().parents[2] / "register/demo"
DEMO_PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(demo: None) -> Procurement:
    """The demo data set (tests/conftest.py), and its procurement."""
    return db.session.scalar(select(Procurement).where(Procurement.reference == "DCS-2026-014"))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def trowe_person(procurement: Procurement) -> Any:
    return next(p for p in procurement.people if p.name == "Isabelle Trowe")


def settle(procurement: Procurement) -> None:
    """Trowe declares her conflict and is removed from the evaluation: the assessment can be
    complete."""
    trowe = user("isabelle.trowe@example.gov.uk")
    person = trowe_person(procurement)
    services.answer_declaration(
        db.session, person.latest_declaration, runtime.settings(), has_conflict=True,
        details="I founded Morning Lane Associates and sold my shares in 2024.",
        supplier_id=next(s.id for s in procurement.suppliers if s.name.startswith("Morning")),
        actor=trowe, ip_address="192.0.2.1",
    )  # fmt: skip
    lead = user("procurement@example.gov.uk")
    conflict = next(c for c in procurement.conflicts if c.active and c.mitigation is None)
    agreed = "Removed from the evaluation; she will not advise on it"
    services.record_mitigation(db.session, conflict, lead, REMOVAL, agreed)
    db.session.commit()


def test_the_demo_check_finds_her_former_company_among_the_bidders(demo: Procurement) -> None:
    conflicts = [c for c in demo.conflicts if c.active]
    assert {c.person.name for c in conflicts} == {"Isabelle Trowe"}
    summaries = sorted(c.summary for c in conflicts)
    assert summaries == [
        "directorship or office at Morning Lane Associates Ltd ended 26 months ago; "
        "Morning Lane Associates Ltd is a bidder",
        "shareholding in Morning Lane Associates Ltd ended 26 months ago; "
        "Morning Lane Associates Ltd is a bidder",
    ]
    directorship = next(c for c in conflicts if c.summary.startswith("directorship"))
    assert json.loads(directorship.reasons)[0] == "company number 07125387 matches"
    assert {c.nature for c in conflicts} == {"potential"}  # ended: not held now
    kpmg = next(s for s in demo.suppliers if s.name == "KPMG LLP")
    assert not [c for c in demo.conflicts if c.supplier_id == kpmg.id]
    # The lead and compliance were told of the new conflicts.
    alerts = db.session.scalars(
        select(OutboundEmail.to).where(OutboundEmail.kind == services.PROCUREMENT_CONFLICT)
    ).all()
    assert {"procurement@example.gov.uk", "compliance@example.gov.uk"} <= set(alerts)


def test_the_tender_notice_waits_for_every_declaration_and_mitigation(demo: Procurement) -> None:
    lead = user("procurement@example.gov.uk")
    with pytest.raises(services.ProcurementError, match="Isabelle Trowe has not declared"):
        services.move_stage(db.session, demo, lead, "tender_notice")
    settle(demo)
    assert services.outstanding(demo) == []
    with pytest.raises(services.ProcurementError, match="no revision has been prepared"):
        services.move_stage(db.session, demo, lead, "tender_notice")
    services.prepare_assessment(db.session, demo, lead, reason="Before the tender notice")
    services.move_stage(db.session, demo, lead, "tender_notice")
    db.session.commit()
    assert demo.stage == "tender_notice"


def test_the_award_waits_for_a_review_after_any_change(demo: Procurement) -> None:
    lead = user("procurement@example.gov.uk")
    settle(demo)
    services.prepare_assessment(db.session, demo, lead, reason="Before the tender notice")
    services.move_stage(db.session, demo, lead, "tender_notice")
    services.move_stage(db.session, demo, lead, "evaluation")
    services.add_supplier(db.session, demo, lead, runtime.settings(), name="Mott MacDonald Ltd",
                          company_number="01243967", relation="subcontractor")  # fmt: skip
    with pytest.raises(services.ProcurementError, match="Review the conflicts assessment"):
        services.move_stage(db.session, demo, lead, "award")
    # Everyone acting is asked again about the new supplier.
    assert any("has not declared" in item for item in services.outstanding(demo))
    for person in demo.people:
        if person.active:
            actor = user(person.email) if person.user_id else None
            services.answer_declaration(
                db.session, person.latest_declaration, runtime.settings(), has_conflict=False,
                details=None, supplier_id=None, actor=actor, ip_address=None,
            )  # fmt: skip
    services.prepare_assessment(db.session, demo, lead, reason="Reviewed before the award")
    services.move_stage(db.session, demo, lead, "award")
    assert demo.stage == "award"
    with pytest.raises(services.ProcurementError, match="stages only move on"):
        services.move_stage(db.session, demo, lead, "evaluation")


def test_someone_removed_cannot_come_back_as_a_decision_maker(demo: Procurement) -> None:
    settle(demo)
    lead = user("procurement@example.gov.uk")
    person = trowe_person(demo)
    assert not person.active
    # Every conflict of hers is covered by the removal, and says so.
    assert {c.mitigation for c in demo.conflicts if c.person_id == person.id} == {REMOVAL}
    with pytest.raises(services.ProcurementError) as refused:
        services.add_person(db.session, demo, lead, runtime.settings(), capacity=DECISION_MAKER,
                            user=user("isabelle.trowe@example.gov.uk"))  # fmt: skip
    assert "Isabelle Trowe cannot be a decision maker" in str(refused.value)
    assert "the mitigation “Removed from the procurement” was agreed on" in str(refused.value)
    assert "Morning Lane Associates Ltd" in str(refused.value)
    # She may still be listed in another capacity, which is recorded and checked again.
    again = services.add_person(db.session, demo, lead, runtime.settings(), capacity=EVALUATOR,
                                user=user("isabelle.trowe@example.gov.uk"))  # fmt: skip
    assert again.active


def test_an_amendment_by_someone_acting_is_checked_at_once(demo: Procurement) -> None:
    lead = user("procurement@example.gov.uk")
    settle(demo)
    services.prepare_assessment(db.session, demo, lead, reason="Before the tender notice")
    db.session.commit()
    okafor = user("sam.okafor@example.gov.uk")
    declaration = db.session.scalar(
        select(Declaration).where(
            Declaration.official_id == okafor.id, Declaration.version_count > 0
        )
    )
    declarations.reopen_for_amendment(db.session, declaration, okafor)
    declaration.interests.append(Interest(
        category="employment", whose="spouse_partner", organisation_name="KPMG LLP",
        role="Partner", start_date=date(2019, 1, 1),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, okafor, nil_return=False,
                        amendment_reason="My wife joined KPMG", ip_address=None)  # fmt: skip
    screen_declaration(db.session, declaration, runtime.settings())
    db.session.commit()
    db.session.refresh(demo)
    new = [c for c in demo.conflicts if c.person.name == "Sam Okafor"]
    assert [c.summary for c in new] == [
        "employment or consultancy of their spouse or partner with KPMG LLP held now; "
        "KPMG LLP is a bidder"
    ]
    assert new[0].nature == "potential"  # an associate's interest
    latest = demo.latest_assessment
    assert latest.revision == 2 and not latest.complete and latest.prepared_by_id is None
    assert "New conflict found" in latest.reason
    assert not services.is_current(demo)


def test_new_company_records_are_checked_against_everyone_acting(
    demo: Procurement, tmp_path: Path
) -> None:
    officers = write_officers(tmp_path / "officers.csv", [
        ("OC301540", "WARD, Helen", "LLP Designated Member", "2015-04-01", "", "", ""),
    ])  # fmt: skip
    import_officers(db.session, [ImportFile(officers)], runtime.settings())
    db.session.commit()
    db.session.refresh(demo)
    [found] = [c for c in demo.conflicts if c.kind == "undeclared_interest"]
    assert found.person.name == "Dr Helen Ward" and found.supplier.name == "KPMG LLP"
    assert found.nature == "actual"
    assert found.summary.startswith(
        "company records list WARD, Helen as LLP Designated Member of KPMG LLP"
    )


def test_the_award_that_follows_links_to_the_assessment(demo: Procurement, client: Any) -> None:
    lead = user("procurement@example.gov.uk")
    settle(demo)
    services.prepare_assessment(db.session, demo, lead, reason="Before the award")
    db.session.commit()
    with runtime.transaction() as session:
        import_awards(session, [ImportFile(DEMO / "follow_up/naas_award.json")], runtime.settings())
    db.session.refresh(demo)
    assert demo.award is not None and demo.award.ocid == "ocds-demo-naas-001"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "procurement.award_linked")
    )
    assert entry is not None and "DCS-2026-014" in entry.summary
    sign_in(client, "auditor@example.gov.uk", DEMO_PASSWORD)
    page = client.get(f"/procurements/{demo.id}").get_data(as_text=True)
    assert "KPMG LLP" in page and "ocds-demo-naas-001" in page


def test_a_flag_says_what_the_assessment_recorded_about_its_supplier(
    demo: Procurement, client: Any
) -> None:
    """The Morning Lane award's flag, once its procurement is recorded with that award."""
    from register.models import Award, Flag

    award = db.session.scalar(select(Award).where(Award.ocid == "ocds-demo-morninglane-001"))
    settle(demo)
    services.prepare_assessment(db.session, demo, user("procurement@example.gov.uk"),
                                reason="Before the award")  # fmt: skip
    demo.award_id = award.id
    db.session.commit()
    flag = db.session.scalar(select(Flag).where(Flag.award_id == award.id))
    sign_in(client, "compliance@example.gov.uk", DEMO_PASSWORD)
    page = client.get(f"/review/flags/{flag.id}").get_data(as_text=True)
    assert "Conflicts assessment before the award" in page
    assert "revision 1" in page and "Removed from the procurement" in page
    client = client.application.test_client()
    sign_in(client, "isabelle.trowe@example.gov.uk", DEMO_PASSWORD)
    own = client.get(f"/review/flags/{flag.id}").get_data(as_text=True)
    assert "Conflicts assessment before the award" not in own  # other people's conflicts


def test_an_external_person_declares_once_through_their_link(
    demo: Procurement, client: Any
) -> None:
    lead = user("procurement@example.gov.uk")
    services.add_person(db.session, demo, lead, runtime.settings(), capacity=EVALUATOR,
                        name="Prof Omar Reid", email="omar.reid@example.ac.uk")  # fmt: skip
    db.session.commit()
    link = link_from_outbox(db.session, "omar.reid@example.ac.uk")
    url = f"/procurement-declaration/{link}"
    page = client.get(url)
    assert page.status_code == 200 and "Morning Lane Associates Ltd" in page.get_data(as_text=True)
    refused = client.post(url, data={"answer": "conflict",
                                     "supplier_id": "0", "details": ""})  # fmt: skip
    assert refused.status_code == 400
    assert "Enter what the conflict is" in refused.get_data(as_text=True)
    done = client.post(url, data={"answer": "no_conflict",
                                  "supplier_id": "0", "details": ""})  # fmt: skip
    assert done.status_code == 200 and "Declaration made" in done.get_data(as_text=True)
    person = next(
        p for p in db.session.get(Procurement, demo.id).people if p.name == "Prof Omar Reid"
    )
    answer = person.latest_declaration
    assert answer.state == "no_conflict" and answer.attestation_text
    assert answer.attested_by_id is None
    audit = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "procurement.declared", AuditEntry.summary.contains("Omar Reid")
        )
    )
    assert audit.actor_label == "Prof Omar Reid <omar.reid@example.ac.uk> (by link)"
    # The link answers once; a made-up one is not found.
    assert "Declaration made" in client.get(url).get_data(as_text=True)
    assert client.get("/procurement-declaration/not-a-real-link").status_code == 404


def test_reminders_go_to_those_who_have_not_declared(demo: Procurement) -> None:
    from datetime import timedelta

    from register.clock import utcnow

    later = utcnow() + timedelta(days=4)
    assert services.send_reminders(db.session, runtime.settings(), now=later) == 1  # Trowe
    assert services.send_reminders(db.session, runtime.settings(), now=later) == 0  # not again
    db.session.commit()
    reminder = db.session.scalar(
        select(OutboundEmail).where(OutboundEmail.kind == services.PROCUREMENT_REMINDER)
    )
    assert reminder.to == "isabelle.trowe@example.gov.uk"


def test_a_revision_is_immutable_and_its_digest_and_chain_entry_agree(demo: Procurement) -> None:
    lead = user("procurement@example.gov.uk")
    revision = services.prepare_assessment(db.session, demo, lead, reason="Check")
    db.session.commit()
    assert hashlib.sha256(revision.content.encode()).hexdigest() == revision.content_digest
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == revision.audit_seq))
    assert entry.entry_hash == revision.audit_head_hash
    assert revision.content_digest in entry.details
    revision.reason = "changed"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()


def test_the_assessment_as_pdf_csv_and_json(demo: Procurement, client: Any) -> None:
    settle(demo)
    revision = services.prepare_assessment(db.session, demo, user("procurement@example.gov.uk"),
                                           reason="Before the tender notice")  # fmt: skip
    db.session.commit()
    sign_in(client, "procurement@example.gov.uk", DEMO_PASSWORD)
    base = f"/procurements/{demo.id}/assessments/{revision.revision}"
    pdf = client.get(base + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf.data)
    text = document[0].get_textpage().get_text_range()
    assert "Conflicts assessment, revision 1" in text and "Morning Lane" in text
    image = document[0].render(scale=1).to_pil().convert("L")
    dark = sum(1 for value in image.getdata() if value < 128)
    assert dark > 2000  # text was drawn, not a blank page
    rows = list(csv.DictReader(io.StringIO(client.get(base + ".csv").get_data(as_text=True))))
    assert {r["person"] for r in rows} == {"Isabelle Trowe"}
    assert all(r["digest"] == revision.content_digest for r in rows)
    body = client.get(base + ".json").get_json()
    assert body["digest"] == revision.content_digest and body["content"]["complete"] is True


def test_the_cli_check_lists_the_conflict_and_nothing_for_an_unrelated_supplier(
    demo: Procurement, runner: Any, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email\nisabelle.trowe@example.gov.uk\n")
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("name,company_number\nMorning Lane Associates Ltd,07125387\n")
    result = runner.invoke(args=["procurement", "check", "--people", str(people),
                                 "--suppliers", str(suppliers)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["email"] for r in rows] == ["isabelle.trowe@example.gov.uk"] * 2
    assert {r["supplier"] for r in rows} == {"Morning Lane Associates Ltd"}
    assert rows[0]["kind"] == "Declared interest" and "ended 26 months ago" in rows[0]["reasons"]
    suppliers.write_text("name,company_number\nHarbour Analytics Ltd,\n")
    result = runner.invoke(args=["procurement", "check", "--people", str(people),
                                 "--suppliers", str(suppliers)])  # fmt: skip
    assert result.exit_code == 0 and result.stdout.strip() == (
        "email,supplier,company_number,kind,reasons"
    )


def test_relationships_between_people_acting(demo: Procurement) -> None:
    """Priya Nair declared Daniel Nair as her spouse: both acting is a conflict."""
    lead = user("procurement@example.gov.uk")
    settings = runtime.settings()
    services.add_person(db.session, demo, lead, settings, capacity=EVALUATOR,
                        user=user("priya.nair@example.gov.uk"))  # fmt: skip
    services.add_person(db.session, demo, lead, settings, capacity=EVALUATOR,
                        name="Daniel Nair", email="daniel.nair@example.org")  # fmt: skip
    [conflict] = [c for c in demo.conflicts if c.kind == "relationship"]
    assert conflict.summary == (
        "Priya Nair declared Daniel Nair as their spouse or civil partner; Daniel Nair also "
        "acts on this procurement"
    )


def test_the_api_records_a_procurement_and_serves_its_assessment(
    demo: Procurement, client: Any
) -> None:
    lead = user("procurement@example.gov.uk")
    token = make_token(db.session, lead, "e-procurement")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/procurements", headers=headers, json={
        "title": "Fostering recruitment campaign", "reference": "DCS-2026-020",
        "department_code": "DCS", "procedure": "open", "estimated_value": 400000,
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    procurement_id = created.get_json()["id"]
    person = client.post(
        f"/api/v1/procurements/{procurement_id}/people",
        headers=headers,
        json={"email": "isabelle.trowe@example.gov.uk", "capacity": "adviser"},
    )
    assert person.status_code == 201
    supplier = client.post(
        f"/api/v1/procurements/{procurement_id}/suppliers",
        headers=headers,
        json={
            "name": "Morning Lane Associates Limited",
            "company_number": "7125387",
            "relation": "bidder",
        },
    )
    assert supplier.status_code == 201 and supplier.get_json()["conflicts"] == 2
    assert (
        client.get(f"/api/v1/procurements/{procurement_id}/assessment", headers=headers).status_code
        == 404
    )  # none prepared yet
    services.prepare_assessment(db.session, db.session.get(Procurement, procurement_id), lead,
                                reason="Before the tender notice")  # fmt: skip
    db.session.commit()
    answer = client.get(f"/api/v1/procurements/{procurement_id}/assessment", headers=headers)
    body = answer.get_json()
    assert answer.status_code == 200 and body["revision"] == 1 and body["complete"] is False
    assert len(body["content"]["conflicts"]) == 2
    stored = db.session.scalar(select(ConflictsAssessment).where(
        ConflictsAssessment.procurement_id == procurement_id))  # fmt: skip
    assert body["digest"] == stored.content_digest
    # A procurement lead of another department cannot see it.
    stranger = User(email="x@example.gov.uk", full_name="X", role="procurement", password_hash="!")
    db.session.add(stranger)
    db.session.flush()
    other = make_token(db.session, stranger, "x")[1]
    db.session.commit()
    refused = client.get(f"/api/v1/procurements/{procurement_id}/assessment",
                         headers={"Authorization": f"Bearer {other}"})  # fmt: skip
    assert refused.status_code == 404
    conflict_count = db.session.scalar(
        select(ProcurementConflict.id).where(ProcurementConflict.procurement_id == procurement_id)
    )
    assert conflict_count is not None


def test_the_personal_data_download_holds_the_procurements_one_acts_on(
    demo: Procurement, tmp_path: Path
) -> None:
    from register.personal_data import everything_about

    officers = write_officers(tmp_path / "officers.csv", [
        ("OC301540", "TROWE, Isabelle", "LLP Member", "2020-01-01", "", "", ""),
    ])  # fmt: skip
    import_officers(db.session, [ImportFile(officers)], runtime.settings())
    db.session.commit()
    [acting] = everything_about(db.session, user("isabelle.trowe@example.gov.uk"))[
        "procurements_you_act_on"
    ]
    assert acting["procurement"].endswith("(DCS-2026-014)") and acting["acts_as"] == "Adviser"
    assert [d["answer"] for d in acting["declarations"]] == ["pending"]
    db.session.refresh(demo)
    assert [c.supplier.name for c in demo.conflicts if c.kind == "undeclared_interest"] == [
        "KPMG LLP"
    ]
    assert len(acting["conflicts"]) == 2  # the declared ones, not the company-records one
    assert all("Morning Lane" in c["summary"] for c in acting["conflicts"])
