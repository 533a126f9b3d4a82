"""Build the demo data set in a session (no Flask), so tests can load exactly what users see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from register.admin.services import UserFields, create_cycle, create_department, create_user
from register.auth.passwords import hash_password
from register.awards.parse import SUFFIXES
from register.declarations import services as declarations
from register.ingest.streams import iter_paths
from register.models import Declaration, DeclarationCycle, Department, Interest, Procurement, User
from register.models.procurement import ADVISER, DECISION_MAKER, EVALUATOR
from register.procurement import services as procurements
from register.screening import ImportFile, import_awards, screen_everything
from register.settings import Settings

DATA_DIR = Path(__file__).parent / "data"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo credential  # nosec B105
DEMO_LOGINS = {
    "password": DEMO_PASSWORD,
    "users": [
        ("Official", "isabelle.trowe@example.gov.uk"),
        ("Official", "sam.okafor@example.gov.uk"),
        ("Compliance officer", "compliance@example.gov.uk"),
        ("Auditor", "auditor@example.gov.uk"),
        ("Administrator", "admin@example.gov.uk"),
        ("Procurement lead", "procurement@example.gov.uk"),
    ],
}

DEPARTMENTS = [
    ("DCS", "Department for Children's Services"),
    ("DHC", "Department of Health and Care"),
    ("DTI", "Department for Transport and Infrastructure"),
]

OFFICIALS = [
    # email, name, department, job title, senior, joined
    ("isabelle.trowe@example.gov.uk", "Isabelle Trowe", "DCS", "Chief Social Worker", True,
     date(2013, 10, 1)),
    ("sam.okafor@example.gov.uk", "Sam Okafor", "DCS", "Director of Finance", True,
     date(2018, 4, 3)),
    ("priya.nair@example.gov.uk", "Priya Nair", "DHC", "Permanent Secretary", True,
     date(2015, 1, 5)),
    ("tom.hughes@example.gov.uk", "Tom Hughes", "DHC", "Director of Procurement", True,
     date(2020, 9, 1)),
    ("alex.brennan@example.gov.uk", "Alex Brennan", "DTI", "Chief Engineer", False,
     date(2019, 6, 17)),
    ("joan.marsh@example.gov.uk", "Joan Marsh", "DTI", "Commercial Director", True,
     date(2026, 10, 12)),
    ("ruth.adeyemi@example.gov.uk", "Ruth Adeyemi", "DHC", "Director of Estates", True,
     date(2017, 2, 13)),
    ("mark.ellis@example.gov.uk", "Mark Ellis", "DTI", "Director General, Roads", True,
     date(2012, 11, 5)),
    ("hannah.kaur@example.gov.uk", "Hannah Kaur", "DCS", "Deputy Director, Safeguarding", False,
     date(2021, 3, 1)),
    ("owen.price@example.gov.uk", "Owen Price", "DTI", "Head of Rail Commercial", False,
     date(2016, 8, 22)),
    ("lucy.barnes@example.gov.uk", "Lucy Barnes", "DHC", "Chief Digital Officer", True,
     date(2022, 1, 10)),
    ("farah.iqbal@example.gov.uk", "Farah Iqbal", "DCS", "Director of Commissioning", True,
     date(2014, 6, 30)),
]  # fmt: skip


def _demo_user(session: Session, fields: UserFields) -> User:
    """A demo person with the published demo password (development only), not invited."""
    user = create_user(session, fields, None)
    user.password_hash = hash_password(DEMO_PASSWORD)
    return user


def build_demo(
    session: Session, settings: Settings, progress: Callable[[str], None] = print
) -> str:
    """Create the demo people, cycles, declarations and awards; return a one-line summary.

    Commits the people and declarations before the award files, which the award importer
    commits one by one; the caller commits the screening at the end."""
    departments = {code: create_department(session, code, name, None) for code, name in DEPARTMENTS}
    people = {}
    for email, name, code, title, senior, joined in OFFICIALS:
        people[email] = _demo_user(
            session, UserFields(email, name, "official", departments[code], title, senior, joined)
        )
    compliance = _demo_user(
        session, UserFields("compliance@example.gov.uk", "Chris Compliance", "compliance")
    )
    compliance.assigned_departments = list(departments.values())
    _demo_user(session, UserFields("auditor@example.gov.uk", "Ada Auditor", "auditor"))
    _demo_user(session, UserFields("admin@example.gov.uk", "Ash Admin", "admin"))
    previous = create_cycle(
        session, "2025/26", date(2025, 4, 1), date(2025, 6, 30), departments.values(), None
    )
    current = create_cycle(
        session, "2026/27", date(2026, 4, 1), date(2026, 6, 30), departments.values(), None
    )
    progress("Created departments, people and cycles 2025/26 and 2026/27")

    # The Morning Lane pattern: a director and shareholder of a consultancy who resigned and sold
    # before appointment; the consultancy then wins contracts from her own department.
    trowe = people["isabelle.trowe@example.gov.uk"]
    old = declarations.start_declaration(session, trowe, previous, lookback_months=24)
    old.interests.append(
        Interest(
            category="directorship",
            whose="self",
            organisation_name="Morning Lane Associates Ltd",
            identifier_scheme="GB-COH",
            organisation_identifier="07125387",
            role="executive_director",
            paid=True,
            start_date=date(2009, 2, 1),
            end_date=date(2024, 9, 30),
            details="Founder and director; resigned on appointment.",
        )
    )
    old.interests.append(
        Interest(
            category="shareholding",
            whose="self",
            organisation_name="Morning Lane Associates Ltd",
            percentage=50,
            value_band="over_70k",
            holding="direct",
            blind_trust=False,
            start_date=date(2009, 2, 1),
            end_date=date(2024, 9, 30),
            details="Shares sold.",
        )
    )
    session.flush()
    declarations.submit(
        session, old, trowe, nil_return=False, amendment_reason=None, ip_address=None
    )
    okafor = people["sam.okafor@example.gov.uk"]
    nil = declarations.start_declaration(session, okafor, previous, lookback_months=24)
    session.flush()
    declarations.submit(
        session, nil, okafor, nil_return=True, amendment_reason=None, ip_address=None
    )
    nair = people["priya.nair@example.gov.uk"]
    filed = declarations.start_declaration(session, nair, current, lookback_months=24)
    filed.interests.append(
        Interest(
            category="membership",
            whose="self",
            organisation_name="Royal College of Nursing",
            role="Fellow",
            start_date=date(2001, 5, 1),
        )
    )
    filed.interests.append(
        Interest(
            category="relationship",
            whose="close_associate",
            organisation_name="Capita plc",
            related_person_name="Daniel Nair",
            relationship_type="spouse_civil_partner",
            start_date=date(2019, 1, 1),
        )
    )
    session.flush()
    declarations.submit(
        session, filed, nair, nil_return=False, amendment_reason=None, ip_address=None
    )
    _more_declarations(session, people, previous, current)
    progress(
        "Filed declarations: the Morning Lane case (2025/26), nil returns, 2026/27 filings, an "
        "amendment, a draft; the rest are overdue"
    )
    session.commit()
    files = [
        ImportFile(path, display_name=str(path.relative_to(DATA_DIR)))
        for path in iter_paths([DATA_DIR], SUFFIXES)
    ]
    imported = import_awards(session, files, settings, screen=False)
    awards = sum(report.imported for report in imported.reports)
    progress(f"Imported {awards} contract awards (real Contracts Finder notices and the demo case)")
    screening = screen_everything(session, settings)
    procurement = _procurement(session, settings, departments["DCS"], people)
    progress(f"Recorded procurement {procurement.reference}, checked: {procurement.title}")
    return (
        f"Demo loaded: {len(departments)} departments, {len(people)} officials, "
        f"cycles {previous.name} and {current.name}, {awards} awards; "
        f"matching {screening.summary()}; procurement {procurement.reference}"
    )


def _procurement(
    session: Session, settings: Settings, department: Department, people: dict[str, User]
) -> Procurement:
    """The procurement behind Morning Lane, before its award: the Chief Social Worker advises
    on the assessment-and-accreditation system her former company bids for. The check finds
    her conflict; she and the lead have yet to act on it (README: the procurement lead's tour)."""
    lead = _demo_user(
        session,
        UserFields(
            "procurement@example.gov.uk", "Pat Procurement", "procurement", department,
            "Head of Commercial, Children's Services",
        ),
    )  # fmt: skip
    procurement = procurements.create_procurement(
        session,
        procurements.ProcurementFields(
            title="National assessment and accreditation system for child and family social "
            "workers",
            reference="DCS-2026-014",
            department_id=department.id,
            procedure="open",
            estimated_value=Decimal("2500000"),
            ocid="ocds-demo-naas-001",
        ),
        lead,
    )
    procurements.add_supplier(session, procurement, lead, settings, name="KPMG LLP",
                              company_number="OC301540", relation="bidder")  # fmt: skip
    procurements.add_supplier(session, procurement, lead, settings,
                              name="Morning Lane Associates Ltd", company_number="07125387",
                              relation="bidder")  # fmt: skip
    okafor = procurements.add_person(session, procurement, lead, settings,
                                     capacity=DECISION_MAKER,
                                     user=people["sam.okafor@example.gov.uk"])  # fmt: skip
    ward = procurements.add_person(session, procurement, lead, settings, capacity=EVALUATOR,
                                   name="Dr Helen Ward",
                                   email="helen.ward@example.org")  # fmt: skip
    procurements.add_person(session, procurement, lead, settings, capacity=ADVISER,
                            user=people["isabelle.trowe@example.gov.uk"])  # fmt: skip
    for person, actor in ((okafor, people["sam.okafor@example.gov.uk"]), (ward, None)):
        request = person.latest_declaration
        if request is not None:
            procurements.answer_declaration(
                session, request, settings, has_conflict=False, details=None, supplier_id=None,
                actor=actor, ip_address=None,
            )  # fmt: skip
    return procurement


def _file(
    session: Session, official: User, cycle: DeclarationCycle, interests: list[Interest]
) -> Declaration:
    declaration = declarations.start_declaration(session, official, cycle, lookback_months=24)
    declaration.interests.extend(interests)
    session.flush()
    declarations.submit(
        session,
        declaration,
        official,
        nil_return=not interests,
        amendment_reason=None,
        ip_address=None,
    )
    return declaration


def _more_declarations(
    session: Session, people: dict[str, User], previous: DeclarationCycle, current: DeclarationCycle
) -> None:
    """Filings of every kind besides the Morning Lane case: late, nil, amended, draft, none."""
    adeyemi = people["ruth.adeyemi@example.gov.uk"]
    amended = _file(
        session,
        adeyemi,
        current,
        [
            Interest(
                category="employment",
                whose="self",
                organisation_name="Homerton University",
                role="Visiting lecturer in estates management",
                paid=True,
                hours_per_month=4,
                start_date=date(2021, 9, 1),
            ),
            Interest(
                category="directorship",
                whose="spouse_partner",
                organisation_name="Adeyemi Property Consultants Ltd",
                role="executive_director",
                related_person_name="Tunde Adeyemi",
                paid=True,
                start_date=date(2010, 4, 1),
            ),
        ],
    )
    declarations.reopen_for_amendment(session, amended, adeyemi)
    amended.interests.append(
        Interest(
            category="gift",
            whose="self",
            organisation_name="Kier Construction Ltd",
            donor_kind="organisation",
            value_pounds=180,
            accepted=False,
            start_date=date(2026, 9, 18),
            details="Hospitality at an industry dinner; declined.",
        )
    )
    session.flush()
    declarations.submit(
        session,
        amended,
        adeyemi,
        nil_return=False,
        amendment_reason="Adding hospitality offered after my declaration was filed.",
        ip_address=None,
    )
    _file(
        session,
        people["mark.ellis@example.gov.uk"],
        current,
        [
            Interest(
                category="membership",
                whose="self",
                organisation_name="Institution of Civil Engineers",
                role="Fellow",
                start_date=date(1998, 1, 1),
            ),
            Interest(
                category="shareholding",
                whose="self",
                organisation_name="Balfour Beatty plc",
                percentage=Decimal("0.001"),
                value_band="under_5k",
                holding="direct",
                blind_trust=False,
                start_date=date(2008, 5, 1),
            ),
        ],
    )
    _file(session, people["lucy.barnes@example.gov.uk"], current, [])  # a nil return
    _file(
        session,
        people["farah.iqbal@example.gov.uk"],
        previous,
        [
            Interest(
                category="directorship",
                whose="self",
                organisation_name="Hackney Quest",
                identifier_scheme="GB-CHC",
                organisation_identifier="1105656",
                role="trustee",
                paid=False,
                start_date=date(2016, 1, 1),
            ),
        ],
    )
    draft = declarations.start_declaration(
        session, people["owen.price@example.gov.uk"], current, lookback_months=24
    )
    draft.interests.append(
        Interest(
            category="employment",
            whose="close_associate",
            organisation_name="Network Rail",
            related_person_name="Gareth Price",
            role="Signalling engineer",
            paid=True,
            start_date=date(2015, 3, 1),
        )
    )
    session.flush()
