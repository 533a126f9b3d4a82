"""Review test data: an official who declared Morning Lane, and awards to that company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from register import runtime
from register.admin.services import create_cycle
from register.candidate_index import index_suppliers
from register.declarations import services as declarations
from register.extensions import db
from register.models import (
    Award,
    AwardSupplier,
    Declaration,
    DeclarationCycle,
    Department,
    Flag,
    Interest,
    User,
)
from register.screening import ScreeningReport, screen_declaration


@dataclass
class Scene:
    official: User
    officer: User
    other_officer: User
    auditor: User
    admin: User
    cycle: DeclarationCycle
    declaration: Declaration
    report: ScreeningReport

    @property
    def flag(self) -> Flag:
        return db.session.get(Flag, self.report.high_risk_new[0])


def add_award(department: Department | None, name: str, number: str, n: int = 1) -> Award:
    award = Award(
        ocid=f"ocds-test-{n}", award_id=f"award-{n}", title=f"Social work consultancy {n}",
        buyer_name="Department for Children's Services",
        department_id=department.id if department else None, value=Decimal("975000"),
        currency="GBP", award_date=date(2025, 6, 1), contract_start=date(2025, 7, 1),
        contract_end=date(2026, 6, 30), content_digest=f"digest-{n}",
    )  # fmt: skip
    award.suppliers.append(
        AwardSupplier(position=0, name=name, aliases="[]",
                      identifiers=f'[["GB-COH", "{number}"]]', company_number=number)
    )  # fmt: skip
    db.session.add(award)
    db.session.flush()
    index_suppliers(db.session, [s.id for s in award.suppliers])  # as the importer does
    return award


def build_scene(make_user, department: Department, end_precision: str = "day") -> Scene:
    """An official with a former Morning Lane directorship and an award to Morning Lane."""
    official = make_user("official", full_name="Isabelle Trowe")
    officer = make_user("compliance", full_name="Chris Compliance")
    other_officer = make_user("compliance", full_name="Dana Compliance")
    auditor = make_user("auditor")
    admin = make_user("admin")
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [department], None)  # fmt: skip
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    declaration.interests.append(Interest(
        category="directorship", whose="self", organisation_name="Morning Lane Associates Ltd",
        identifier_scheme="GB-COH", organisation_identifier="07125387", role="executive_director",
        paid=True, start_date=date(2009, 2, 1), end_date=date(2024, 9, 30),
        end_date_precision=end_precision,
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason=None, ip_address=None)  # fmt: skip
    add_award(department, "Morning Lane Associates Limited", "07125387")
    report = screen_declaration(db.session, declaration, runtime.settings())
    db.session.commit()
    assert report.high_risk_new, report
    return Scene(official, officer, other_officer, auditor, admin, cycle, declaration, report)


def matrix_flag(world) -> int:
    """A flag about the security matrix's owner official, in the owner's department."""
    from register.clock import utcnow

    n = 900 + (world.session.query(Award).count())
    award = add_award(world.department, "Acme Widgets Limited", "01234567", n=n)
    now = utcnow()
    flag = Flag(
        interest_lineage=world.interest.lineage, source_key=f"org{n}",
        award_supplier_id=award.suppliers[0].id, interest_id=world.interest.id,
        official_id=world.owner.id, department_id=world.department.id, award_id=award.id,
        organisation_name="Acme Widgets Ltd", supplier_name="Acme Widgets Limited", score=90.0,
        name_score=100.0, risk_level="high", reasons="[]", explanation="", status="open",
        active=True, interest_digest="i", award_digest="a", created_at=now, updated_at=now,
    )  # fmt: skip
    world.session.add(flag)
    world.session.commit()
    return flag.id


def matrix_plan(world) -> int:
    """A management plan on the matrix flag, decided by the department's compliance officer."""
    from register.review.services import PlanFields, decide

    flag_id = matrix_flag(world)
    fields = PlanFields(["recusal"], "", world.compliance.id, date(2030, 1, 1))
    decision = decide(world.session, flag_id, world.compliance, "conflict_managed", "Managed",
                      plan=fields)  # fmt: skip
    world.session.commit()
    from sqlalchemy import select

    from register.models import ManagementPlan

    return world.session.scalar(
        select(ManagementPlan.id).where(ManagementPlan.decision_id == decision.id)
    )
