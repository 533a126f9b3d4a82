"""Cases: one per official and organisation, exposure, one decision and plan, new awards."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from register import runtime
from register.cases import queries, services
from register.cases.filing import file_flags
from register.evidence import EvidenceStore
from register.extensions import db
from register.models import Case, CaseEvidence, CaseNote, Decision, Flag, ManagementPlan, User
from register.models.flags import COVERED, MANAGED
from register.models.review import PLAN_LAPSED
from register.review.services import PlanFields, decide
from register.screening import screen_suppliers
from tests.conftest import csrf_token, sign_in
from tests.review.helpers import add_award, build_scene

DEMO_PASSWORD = "demo-password"


def _trowe_cases() -> list[Case]:
    trowe = db.session.scalar(select(User).where(User.email == "isabelle.trowe@example.gov.uk"))
    return list(db.session.scalars(select(Case).where(Case.official_id == trowe.id)))


def test_the_morning_lane_flags_form_one_case_of_two_awards_and_2_9_million(demo) -> None:
    cases = _trowe_cases()
    assert len(cases) == 1
    case = cases[0]
    flags = db.session.scalars(select(Flag).where(Flag.case_id == case.id)).all()
    assert len(flags) == 4  # two awards x the directorship and the shareholding
    assert {f.category for f in [f.interest for f in flags if f.interest]} == {
        "directorship",
        "shareholding",
    }
    assert (case.award_count, case.total_value) == (2, Decimal("2900000.00"))
    assert case.own_department_value == case.total_value
    assert case.risk_level == "high" and case.organisation_identifier.startswith("GB-COH:")


def test_one_decision_and_one_plan_cover_the_whole_case(demo) -> None:
    case = _trowe_cases()[0]
    officer = db.session.scalar(select(User).where(User.role == "compliance", User.active))
    officer = next(
        u
        for u in db.session.scalars(select(User).where(User.role == "compliance"))
        if case.official.department_id in {d.id for d in u.assigned_departments}
    )
    flag_id = db.session.scalar(select(Flag.id).where(Flag.case_id == case.id))
    decide(db.session, flag_id, officer, MANAGED, "Resigned and sold; recusal agreed",
           plan=PlanFields(["recusal"], "", officer.id, date(2027, 6, 1)))  # fmt: skip
    db.session.commit()
    flags = db.session.scalars(select(Flag).where(Flag.case_id == case.id)).all()
    assert {f.status for f in flags} == {"decided"}
    assert {f.current_decision.outcome for f in flags} == {MANAGED}
    plans = db.session.scalars(select(ManagementPlan).where(ManagementPlan.case_id == case.id))
    assert len(plans.all()) == 1
    db.session.refresh(case)
    assert (case.state, case.outcome) == ("decided", MANAGED)


def _decided_scene(make_user, department):
    scene = build_scene(make_user, department)
    decide(db.session, scene.flag.id, scene.officer, MANAGED, "Recusal agreed",
           plan=PlanFields(["recusal"], "", scene.officer.id, date(2030, 1, 1)))  # fmt: skip
    db.session.commit()
    return scene


def _new_award(department, n: int) -> list[Flag]:
    award = add_award(department, "MORNING LANE ASSOCIATES LIMITED", "07125387", n=n)
    screen_suppliers(db.session, [s.id for s in award.suppliers], runtime.settings())
    db.session.commit()
    return list(db.session.scalars(select(Flag).where(Flag.award_id == award.id)))


def test_a_new_award_under_a_managed_case_is_covered_by_its_plan(make_user, department) -> None:
    scene = _decided_scene(make_user, department)
    case_id = db.session.get(Flag, scene.flag.id).case_id
    [new] = _new_award(department, 2)
    assert new.case_id == case_id and new.status == COVERED
    case = db.session.get(Case, case_id)
    assert case.state == "decided" and case.award_count == 2


def test_a_new_award_reopens_the_case_when_the_plan_no_longer_applies(
    make_user, department
) -> None:
    scene = _decided_scene(make_user, department)
    case_id = db.session.get(Flag, scene.flag.id).case_id
    plan = db.session.scalar(select(ManagementPlan).where(ManagementPlan.case_id == case_id))
    plan.status = PLAN_LAPSED
    db.session.commit()
    [new] = _new_award(department, 3)
    case = db.session.get(Case, case_id)
    assert new.case_id == case_id and new.status == "open"
    assert case.state == "reopened"
    assert "management plan is lapsed" in case.reopened_reason
    assert "MORNING LANE ASSOCIATES LIMITED" in case.reopened_reason


def test_flags_group_by_company_number_and_by_name_and_split_on_numbers(
    make_user, department
) -> None:
    scene = build_scene(make_user, department)
    first = db.session.get(Flag, scene.flag.id)
    other = _flag_like(first, "Morning Lane Associates", None)  # same name, no number
    renamed = _flag_like(first, "ML Assoc Trading Limited", "07125387")  # same number
    namesake = _flag_like(first, "Morning Lane Associates Ltd", "99999999")  # another company
    file_flags(db.session, [other, renamed, namesake])
    assert other.case_id == renamed.case_id == first.case_id
    assert namesake.case_id != first.case_id


def _flag_like(flag: Flag, supplier: str, number: str | None) -> Flag:
    n = db.session.scalar(select(Flag.id).order_by(Flag.id.desc())) + 100
    award = add_award(None, supplier, number or "", n=n)
    if number is None:
        award.suppliers[0].company_number = None
    copy = Flag(
        interest_lineage=flag.interest_lineage, source_key=flag.source_key,
        award_supplier_id=award.suppliers[0].id, kind=flag.kind, interest_id=flag.interest_id,
        official_id=flag.official_id, department_id=flag.department_id, award_id=award.id,
        organisation_name=flag.organisation_name if number != "99999999" else supplier,
        supplier_name=supplier, score=80.0, name_score=90.0, risk_level="medium",
        reasons="[]", explanation="", status="open", active=True, interest_digest="i",
        award_digest="a",
    )  # fmt: skip
    db.session.add(copy)
    db.session.flush()
    return copy


def test_internal_notes_never_reach_the_official(client, make_user, department) -> None:
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    services.add_note(db.session, case, scene.officer, "SECRET-NOTE: check the share transfer")
    services.ask_official(db.session, case, scene.officer, "When did you sell the shares?")
    db.session.commit()
    sign_in(client, scene.official)
    pages = [
        client.get(f"/review/flags/{scene.flag.id}"),
        client.get("/cases/questions"),
        client.get(f"/cases/{case.id}"),
        client.get("/account/my-data.json"),
        client.get("/account/my-data"),
    ]
    assert pages[1].status_code == 200 and b"When did you sell the shares?" in pages[1].data
    assert pages[2].status_code == 403
    for page in pages:
        assert b"SECRET-NOTE" not in page.data
    assert db.session.scalar(select(CaseNote.body)).startswith("SECRET-NOTE")


def test_the_official_answers_and_the_case_goes_back_to_its_assignee(
    client, make_user, department
) -> None:
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    services.assign(db.session, case, scene.officer, scene.officer.id)
    question = services.ask_official(db.session, case, scene.officer, "Date of resignation?")
    db.session.commit()
    assert case.state == "information_requested"
    sign_in(client, scene.official)
    token = csrf_token(client, "/cases/questions")
    response = client.post(
        f"/cases/questions/{question.id}", data={"csrf_token": token, "answer": "30 Sept 2024"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "assigned"
    assert db.session.get(type(question), question.id).answer == "30 Sept 2024"


def test_evidence_is_sniffed_a_renamed_executable_is_refused(client, make_user, department) -> None:
    scene = build_scene(make_user, department)
    case_id = db.session.get(Flag, scene.flag.id).case_id
    sign_in(client, scene.officer)
    token = csrf_token(client, f"/cases/{case_id}")
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    refused = client.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(elf), "resignation.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert b"resignation.pdf" in refused.data and b"executable" in refused.data.lower()
    from tests.cases.helpers import MINIMAL_PDF

    accepted = client.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(MINIMAL_PDF), "resignation.pdf"),
              "description": "Resignation letter", "concerns_official": "y"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert accepted.status_code == 302
    case_page = client.get(f"/cases/{case_id}")
    assert b"Resignation letter" in case_page.data
    evidence = db.session.scalars(select(Case).where(Case.id == case_id)).one()
    [item] = queries.case_view(db.session, evidence, scene.officer, date.today(), 20).evidence
    download = client.get(f"/cases/{case_id}/evidence/{item.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    store = EvidenceStore.from_url(runtime.settings().evidence_storage_url)
    assert store.exists(item.storage_key)


def test_ageing_skips_a_bank_holiday_and_counts_overdue_cases(
    make_user, department, monkeypatch
) -> None:
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    case.age_from = date(2026, 12, 21)  # a Monday
    db.session.commit()
    ageing = queries.case_ageing(case, date(2027, 1, 4), 5)
    # 22, 23, 24, 29, 30, 31 December and 4 January: Christmas Day, Boxing Day (on Monday 28)
    # and New Year's Day are bank holidays, ten weekdays less three
    assert ageing is not None and ageing.age_working_days == 7
    assert ageing.overdue
    assert queries.overdue_count(db.session, scene.officer, date(2027, 1, 4), 5) == 1
    assert queries.overdue_count(db.session, scene.officer, date(2026, 12, 24), 5) == 0


def test_the_case_export_and_api_list_the_case(runner, make_user, department, tmp_path) -> None:
    scene = build_scene(make_user, department)
    out = tmp_path / "cases.csv"
    result = runner.invoke(args=["export", "cases", "--output", str(out)])
    assert result.exit_code == 0, result.output
    header, row = out.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert header.split(",")[:4] == ["case_id", "official_email", "organisation", "flags"]
    assert scene.official.email in row and "Morning Lane" in row


def test_the_api_lists_cases_without_notes(client, make_user, department) -> None:
    from tests.api.helpers import make_token

    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    services.add_note(db.session, case, scene.officer, "SECRET-NOTE")
    _, secret = make_token(db.session, scene.officer, scopes=["flags:read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200, response.data
    [item] = response.get_json()["items"]
    assert item["id"] == case.id and item["official"]["email"] == scene.official.email
    assert item["awards"] == 1 and item["total_value"] == "975000.00"
    assert b"SECRET-NOTE" not in response.data


def test_the_dashboard_counts_overdue_cases(client, make_user, department, monkeypatch) -> None:
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    case.age_from = date(2026, 11, 2)
    db.session.commit()
    monkeypatch.setattr("register.clock.today", lambda: date(2026, 12, 1))
    sign_in(client, scene.officer)
    page = client.get("/review/dashboard").text
    assert "1 case waits for compliance" in page
    assert "1 case is past the target</a> of 20 working days" in page
    monkeypatch.setattr("register.clock.today", lambda: date(2026, 11, 20))
    assert "No case is past the target" in client.get("/review/dashboard").text


def test_a_question_waits_on_the_officials_declarations_page(client, make_user, department):
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    services.ask_official(db.session, case, scene.officer, "When did you resign?")
    db.session.commit()
    sign_in(client, scene.official)
    page = client.get("/declarations/").text
    assert "The compliance team has asked you a question about Morning Lane Associates Ltd" in page
    assert 'href="/cases/questions"' in page


def test_a_decided_case_is_reopened_with_a_reason_then_decided_again(
    client, make_user, department
) -> None:
    scene = _decided_scene(make_user, department)
    case_id = db.session.get(Flag, scene.flag.id).case_id
    sign_in(client, scene.officer)
    token = csrf_token(client, f"/cases/{case_id}")
    empty = client.post(f"/cases/{case_id}/reopen", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400 and "Enter why the case is reopened" in empty.text
    response = client.post(
        f"/cases/{case_id}/reopen", data={"csrf_token": token, "reason": "New share register"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.state == "reopened" and "New share register" in case.reopened_reason
    assert db.session.get(Flag, scene.flag.id).current_decision.outcome == MANAGED  # kept
    services.ask_official(db.session, case, scene.officer, "Who holds the shares now?")
    decide(db.session, scene.flag.id, scene.officer, "same_no_conflict", "Shares transferred")
    db.session.commit()
    case = db.session.get(Case, case_id)
    assert (case.state, case.outcome) == ("decided", "same_no_conflict")
    decisions = db.session.scalars(select(Decision).where(Decision.flag_id == scene.flag.id))
    assert [d.outcome for d in decisions] == [MANAGED, "same_no_conflict"]


def test_selected_cases_are_dismissed_one_decision_each(client, make_user, department) -> None:
    scene = build_scene(make_user, department)
    first = db.session.get(Flag, scene.flag.id)
    other = _flag_like(first, "Morning Lane Associates", None)
    file_flags(db.session, [other])
    db.session.commit()
    sign_in(client, scene.officer)
    queue = client.get("/cases/?min_age=0")
    assert f'value="{first.case_id}"' in queue.text
    token = csrf_token(client, "/cases/")
    response = client.post(
        "/cases/dismiss",
        data={"csrf_token": token, "case_id": [str(first.case_id)], "reason": "Another firm"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    flags = db.session.scalars(select(Flag).where(Flag.case_id == first.case_id)).all()
    assert len(flags) == 2
    assert {f.current_decision.outcome for f in flags} == {"not_same_organisation"}
    assert db.session.get(Case, first.case_id).state == "decided"


def test_the_queue_filters_by_age_in_working_days(make_user, department) -> None:
    scene = build_scene(make_user, department)
    case = db.session.get(Case, db.session.get(Flag, scene.flag.id).case_id)
    case.age_from = date(2026, 11, 23)  # a Monday: 5 working days to 30 November
    db.session.commit()
    today = date(2026, 11, 30)
    older = queries.case_queue(db.session, scene.officer, queries.CaseFilters(min_age=5), today, 20)
    newer = queries.case_queue(db.session, scene.officer, queries.CaseFilters(min_age=6), today, 20)
    assert (older.total, newer.total) == (1, 0)


def test_evidence_goes_to_object_storage_when_configured(
    client, make_user, department, monkeypatch, s3_url
) -> None:
    from dataclasses import replace

    from tests.cases.helpers import MINIMAL_PDF

    settings = replace(runtime.settings(), evidence_storage_url=s3_url)
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    scene = build_scene(make_user, department)
    case_id = db.session.get(Flag, scene.flag.id).case_id
    sign_in(client, scene.officer)
    token = csrf_token(client, f"/cases/{case_id}")
    accepted = client.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(MINIMAL_PDF), "letter.pdf")},
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 302
    [item] = db.session.scalars(select(CaseEvidence)).all()
    store = EvidenceStore.from_url(s3_url)
    assert store.exists(item.storage_key)
    assert client.get(f"/cases/{case_id}/evidence/{item.id}").data == MINIMAL_PDF
