"""Search across declarations: the engine's name rule, dates, scope, the page and its audit."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from itertools import count

import pytest
from sqlalchemy import select

from register.admin.services import UserFields, create_cycle, create_department
from register.declarations import services as declarations
from register.extensions import db
from register.matching import compare_names
from register.models import AuditEntry, Interest, RelatedOrganisation
from register.review.search import (
    EXPORT_HEADER,
    PREFIX_SCORE,
    SearchFilters,
    VersionRecord,
    find_declared_interests,
    held_on,
    identifier_query,
    names_person,
    prefix_match,
    search,
    search_declarations,
    words_of,
)
from tests.conftest import PASSWORD, create_user_with_password, sign_in

_ids = count(1)


def item(name: str, **fields: object) -> dict[str, object]:
    """One interest as a version's content records it."""
    return {"category": "directorship", "whose": "self", "organisation_name": name,
            "identifier_scheme": None, "organisation_identifier": None, "start_date": None,
            "end_date": None, "related_organisations": [], "lineage": f"l{next(_ids)}",
            **fields}  # fmt: skip


def version(official: str, *items: dict[str, object], number: int = 1) -> VersionRecord:
    n = next(_ids)
    return VersionRecord(
        version_id=n, version_number=number, declaration_id=n, cycle_name="2025/26",
        official_id=n, official_name=official, department_name="DCS",
        content=json.dumps({"interests": list(items)}),
    )  # fmt: skip


def names_found(versions: list[VersionRecord], query: str, **kwargs: object) -> list[str]:
    return [h.organisation_name for h in find_declared_interests(versions, query, **kwargs)]


# The pure search --------------------------------------------------------------------------------


def test_names_match_whatever_the_case_punctuation_and_legal_form():
    versions = [
        version("Isabelle Trowe", item("Morning Lane Associates Ltd")),
        version("Sam Okafor", item("Morning Lane Consulting"), item("Acme Widgets Ltd")),
        version("Ann Other", item("morning-lane associates limited")),
        version("Bea Other", item("Morning Lane Associates (UK) Ltd")),  # another company
    ]
    hits = find_declared_interests(versions, "MORNING LANE ASSOCIATES LIMITED")
    assert [(h.version.official_name, h.organisation_name) for h in hits] == [
        ("Ann Other", "morning-lane associates limited"),
        ("Isabelle Trowe", "Morning Lane Associates Ltd"),
    ]
    assert hits[1].reason == (
        "names match: morning lane associates (legal forms 'ltd', 'limited' set aside)"
    )
    assert names_found(versions, "Morning Lane Asociates") == [  # a letter missing: similar
        "morning-lane associates limited", "Morning Lane Associates Ltd",
    ]  # fmt: skip
    assert names_found(versions, "acme widgets") == ["Acme Widgets Ltd"]
    assert names_found(versions, "   ") == []


@pytest.mark.parametrize(
    "query, declared",
    [
        ("MORNING LANE ASSOCIATES LIMITED", "Morning Lane Associates Ltd"),
        ("Morning Lane Associates", "Morning Lane Consulting"),
        ("Smith & Jones plc", "Smith and Jones"),
        ("Smith Consulting", "Smith Management"),
        ("Capita", "Capita Business Services Ltd"),
        ("Serco Ltd T/A Serco Education", "Serco Education"),
        ("Frontline Partners LLP", "Frontline Partnres"),
        ("Lyreco UK", "Lyreco Group"),
    ],
)
def test_a_name_is_found_exactly_when_the_engine_matches_it(query, declared):
    """The search decides as `flask match names` does (the engine's compare_names); the
    beginnings of words find more, and say so ("Capita" begins Capita Business Services Ltd,
    which the engine does not take for Capita)."""
    hits = find_declared_interests([version("A", item(declared))], query)
    by_engine = [h for h in hits if h.score != PREFIX_SCORE]
    assert bool(by_engine) == compare_names(query, declared)[1]
    by_prefix = [h for h in hits if h.score == PREFIX_SCORE]
    assert bool(by_prefix) == (not by_engine and prefix_match(words_of(query), declared))
    assert all(h.reason == f"words of the name begin with “{query}”" for h in by_prefix)


def test_company_and_charity_numbers():
    versions = [
        version("Isabelle Trowe", item("Morning Lane Associates Ltd", identifier_scheme="GB-COH",
                                       organisation_identifier="07125387")),
        version("Sam Okafor", item("A Children's Charity", identifier_scheme="GB-CHC",
                                   organisation_identifier="1123456")),
        version("Ann Other", item("Unnumbered Ltd", organisation_identifier="SC 123456")),
    ]  # fmt: skip
    for query in ("07125387", "7125387", "GB-COH 07125387", "gb-coh-07125387"):
        hits = find_declared_interests(versions, query)
        assert [h.version.official_name for h in hits] == ["Isabelle Trowe"], query
        assert hits[0].reason == "company number 07125387 matches"
        assert hits[0].identifier == "GB-COH 07125387"
    hits = find_declared_interests(versions, "1123456")
    assert [(h.organisation_name, h.reason) for h in hits] == [
        ("A Children's Charity", "charity number 1123456 matches")
    ]
    assert names_found(versions, "sc123456") == ["Unnumbered Ltd"]
    assert names_found(versions, "07125388") == []
    assert identifier_query("Morning Lane") is None
    assert identifier_query(" 0712 5387 ") == "07125387"


def test_as_at_a_date_only_interests_held_that_day():
    versions = [
        version("Isabelle Trowe", item("Morning Lane Associates Ltd", start_date="2009-02-01",
                                       end_date="2024-09-30")),
        version("Sam Okafor", item("Morning Lane Associates", start_date="2025-01-01")),
        version("Ann Other", item("Morning Lane Associates")),  # dates not given
    ]  # fmt: skip
    query = "Morning Lane Associates Limited"

    def officials(day: date | None) -> list[str]:
        hits = find_declared_interests(versions, query, as_at=day)
        return [h.version.official_name for h in hits]

    assert officials(None) == ["Ann Other", "Isabelle Trowe", "Sam Okafor"]
    assert officials(date(2009, 1, 31)) == ["Ann Other"]
    assert officials(date(2009, 2, 1)) == ["Ann Other", "Isabelle Trowe"]
    assert officials(date(2024, 9, 30)) == ["Ann Other", "Isabelle Trowe"]
    assert officials(date(2024, 10, 1)) == ["Ann Other"]
    assert officials(date(2025, 1, 1)) == ["Ann Other", "Sam Okafor"]
    assert held_on(None, None, date(2000, 1, 1))
    assert not held_on(date(2020, 1, 1), date(2020, 1, 1), date(2020, 1, 2))


def test_associates_organisations_and_gifts():
    relationship = item(
        "Care Futures CIC", category="relationship", whose="spouse_partner",
        related_person_name="Sam Example", start_date="2020-01-01",
        related_organisations=[{"name": "Frontline Partners LLP",
                                "organisation_identifier": "OC123456", "role": "Partner"}],
    )  # fmt: skip
    gift_org = item(
        "Frontline Partners", category="gift", donor_kind="organisation", start_date="2025-05-01"
    )  # the date in start_date alone (as in the demo)
    gift_person = item("Frontline Partners", category="gift", donor_kind="person",
                       start_date="2025-05-01", end_date="2025-05-01")  # fmt: skip
    versions = [version("Isabelle Trowe", relationship, gift_org, gift_person)]
    hits = find_declared_interests(versions, "frontline partners limited liability partnership")
    assert [(h.category, h.whose, h.related_person_name) for h in hits] == [
        ("gift", "self", None),
        ("relationship", "spouse_partner", "Sam Example"),
    ]
    assert hits[1].start_date == date(2020, 1, 1) and hits[1].identifier == "GB-COH OC123456"
    assert [h.category for h in find_declared_interests(versions, "OC123456")] == ["relationship"]
    on_the_day = find_declared_interests(versions, "Frontline Partners", as_at=date(2025, 5, 1))
    day_after = find_declared_interests(versions, "Frontline Partners", as_at=date(2025, 5, 2))
    assert [h.category for h in on_the_day] == ["gift", "relationship"]
    assert [h.category for h in day_after] == ["relationship"]  # a gift has one date


# Latest versions and scope, from the database --------------------------------------------------


def _file(official, cycle, *interests, amend_reason=None):
    """Submit the official's declaration for `cycle` with `interests` (or amend it)."""
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    if amend_reason:
        declarations.reopen_for_amendment(db.session, declaration, official)
        for old in declaration.interests:
            old.removed = True
    else:
        declaration.interests.clear()  # nothing carried over from an earlier cycle
    for interest in interests:
        declaration.interests.append(interest)
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=not interests,
                        amendment_reason=amend_reason, ip_address=None)  # fmt: skip
    db.session.commit()
    return declaration


def _directorship(name, **fields):
    return Interest(category="directorship", whose="self", organisation_name=name,
                    role="trustee", paid=False, **fields)  # fmt: skip


def latest_versions_scenario(make_user, department):
    old_cycle = create_cycle(db.session, "2024/25", date(2024, 4, 1), date(2024, 6, 30),
                             [department], None)  # fmt: skip
    new_cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                             [department], None)  # fmt: skip
    moved_on = make_user("official", full_name="Moved On")
    _file(moved_on, old_cycle, _directorship("Morning Lane Associates Ltd"))
    _file(moved_on, new_cycle, _directorship("Something Else Ltd"))
    amended = make_user("official", full_name="Amended Away")
    _file(amended, new_cycle, _directorship("Morning Lane Associates Ltd"))
    _file(amended, new_cycle, _directorship("Another Company Ltd"), amend_reason="Wrong company")
    current = make_user("official", full_name="Still Declared")
    _file(current, old_cycle, _directorship("Morning Lane Associates Ltd"))
    drafting = make_user("official", full_name="Only A Draft")
    draft = declarations.start_declaration(db.session, drafting, new_cycle, lookback_months=24)
    draft.interests.append(_directorship("Morning Lane Associates Ltd"))
    db.session.commit()
    auditor = make_user("auditor")

    hits = search_declarations(db.session, auditor, "Morning Lane Associates Limited")
    assert [(h.version.official_name, h.version.cycle_name, h.version.version_number)
            for h in hits] == [("Still Declared", "2024/25", 1)]  # fmt: skip
    amended_hits = search_declarations(db.session, auditor, "Another Company")
    assert [(h.version.official_name, h.version.version_number) for h in amended_hits] == [
        ("Amended Away", 2)
    ]


def scope_scenario(make_user, department):
    treasury = create_department(db.session, "HMT", "Treasury", None)
    cycle = create_cycle(db.session, "2026/27", date(2026, 4, 1), date(2026, 6, 30),
                         [department, treasury], None)  # fmt: skip
    ours = make_user("official", full_name="In Our Department")
    theirs = make_user("official", full_name="In The Treasury", department=treasury)
    for official in (ours, theirs):
        _file(official, cycle, _directorship("Acme Widgets Ltd"))
    officer = make_user("compliance")  # assigned to `department`
    treasury_officer = make_user("compliance")
    treasury_officer.assigned_departments = [treasury]
    unassigned = make_user("compliance")
    unassigned.assigned_departments = []
    db.session.commit()

    def officials(user):
        hits = search_declarations(db.session, user, "ACME WIDGETS LIMITED")
        return [h.version.official_name for h in hits]

    assert officials(officer) == ["In Our Department"]
    assert officials(treasury_officer) == ["In The Treasury"]
    assert officials(unassigned) == []
    assert officials(make_user("auditor")) == ["In Our Department", "In The Treasury"]
    assert officials(make_user("official")) == []
    assert officials(make_user("admin")) == []


def test_only_each_officials_latest_submitted_version_is_searched(make_user, department):
    latest_versions_scenario(make_user, department)


def test_compliance_officers_search_their_departments_auditors_everything(make_user, department):
    scope_scenario(make_user, department)


def test_latest_versions_and_scope_on_postgres(pg_app):
    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    numbers = count(1)

    def make_user(role="official", full_name=None, department=department):
        fields = UserFields(
            f"{role}{next(numbers)}@example.gov.uk", full_name or role.title(), role,
            department if role == "official" else None,
        )  # fmt: skip
        user = create_user_with_password(db.session, fields, None, PASSWORD)
        if role == "compliance":
            user.assigned_departments = [department]
        db.session.commit()
        return user

    latest_versions_scenario(make_user, department)
    scope_scenario(make_user, department)


# The page ---------------------------------------------------------------------------------------


def _searches():
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "declarations.searched")
    ).all()


def test_search_page_lists_interests_links_versions_and_is_audited(client, scene):
    sign_in(client, scene.officer)
    blank = client.get("/review/search")
    assert blank.status_code == 200 and "Search declarations" in blank.text
    assert 'href="/review/search"' in blank.text  # in the navigation
    assert _searches() == []  # opening the page searches nothing

    page = client.get("/review/search?q=MORNING+LANE+ASSOCIATES+LIMITED")
    assert page.status_code == 200
    text = page.text
    assert "1 interest declared by 1 official" in text
    assert "Isabelle Trowe" in text and "Morning Lane Associates Ltd" in text
    assert "Directorship or office" in text and "The official" in text
    assert "1 February 2009" in text and "30 September 2024" in text
    version_url = f"/declarations/{scene.declaration.id}/versions/1"
    assert f'href="{version_url}"' in text and "2025/26, version 1" in text
    assert client.get(version_url).status_code == 200  # the link opens for this officer

    entry = _searches()[0]
    assert entry.actor_id == scene.officer.id
    assert "MORNING LANE ASSOCIATES LIMITED" in entry.summary
    details = json.loads(entry.details)
    assert details == {"query": "MORNING LANE ASSOCIATES LIMITED", "as_at": None, "results": 1,
                       "officials": 1}  # fmt: skip

    held = client.get("/review/search?q=07125387&as_at=1&as_at=10&as_at=2024").text
    assert "No declared interests" in held and "held on 1 October 2024" in held
    assert json.loads(_searches()[1].details)["as_at"] == "2024-10-01"
    during = client.get("/review/search?q=07125387&as_at=30&as_at=9&as_at=2024").text
    assert "1 interest declared by 1 official" in during
    assert "company number 07125387 matches" in during.lower()


def test_search_page_errors_and_roles(client, scene, make_user):
    sign_in(client, scene.auditor)
    empty = client.get("/review/search?q=")
    assert empty.status_code == 200 and "There is a problem" in empty.text
    assert "Enter an organisation, a company or charity number, or an official" in empty.text
    bad_date = client.get("/review/search?q=Acme&as_at=31&as_at=2&as_at=2024")
    assert "must be a real date" in bad_date.text
    assert _searches() == []  # nothing was searched
    assert "Isabelle Trowe" in client.get("/review/search?q=morning+lane+associates").text
    client.post("/auth/sign-out")

    for user in (scene.official, scene.admin):
        sign_in(client, user)
        assert client.get("/review/search?q=morning+lane").status_code == 403
        assert 'href="/review/search"' not in client.get("/", follow_redirects=True).text
        client.post("/auth/sign-out")
    assert len(_searches()) == 1


def test_officer_of_another_department_finds_nothing(client, scene, make_user):
    elsewhere = create_department(db.session, "HMT", "Treasury", None)
    outsider = make_user("compliance")
    outsider.assigned_departments = [elsewhere]
    db.session.commit()
    sign_in(client, outsider)
    page = client.get("/review/search?q=Morning+Lane+Associates").text
    assert "No declared interests" in page and "Isabelle Trowe" not in page


def test_related_organisation_rows_name_the_person(make_user, department):
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [department], None)  # fmt: skip
    official = make_user("official", full_name="Pat Example")
    relationship = Interest(
        category="relationship", whose="close_associate", organisation_name="Care Futures CIC",
        related_person_name="Sam Example", relationship_type="business_partner",
        related_organisations=[RelatedOrganisation(position=0, name="Frontline Partners LLP",
                                                   organisation_identifier="OC123456")],
    )  # fmt: skip
    _file(official, cycle, relationship)
    hits = search_declarations(db.session, make_user("auditor"), "Frontline Partners")
    assert [(h.organisation_name, h.related_person_name, h.whose) for h in hits] == [
        ("Frontline Partners LLP", "Sam Example", "close_associate")
    ]


# Beginnings of words, officials by name, filters ------------------------------------------------


@pytest.mark.parametrize(
    "query, name, found",
    [
        ("morning", "Morning Lane Associates Ltd", True),
        ("MORN", "Morning Lane Associates Ltd", True),
        ("morning la", "Morning Lane Associates Ltd", True),
        ("lane assoc", "Morning Lane Associates Ltd", True),
        ("lane morning", "Morning Lane Associates Ltd", False),  # in order, one after another
        ("morning associates", "Morning Lane Associates Ltd", False),
        ("orning", "Morning Lane Associates Ltd", False),  # the beginning of a word only
        ("mo", "Morning Lane Associates Ltd", False),  # too short to search by
        ("childrens", "A Children's Charity", True),
        ("cafe", "Café Nero Ltd", True),
        ("smith and", "Smith & Jones plc", True),
    ],
)
def test_prefix_match(query, name, found):
    assert prefix_match(words_of(query), name) is found


@pytest.mark.parametrize(
    "query, found",
    [
        ("Isabelle Trowe", True),
        ("isabelle trowe", True),
        ("Trowe, Isabelle", True),
        ("I Trowe", True),
        ("isab trow", True),
        ("Trowe", True),  # one word: a whole word of the name
        ("Trow", False),
        ("Isabelle Jane Trowe", True),
        ("Morning Lane", False),
        ("Isabelle Smith", False),
    ],
)
def test_names_person(query, found):
    assert (names_person(query, "Isabelle Trowe") is not None) is found


def test_an_official_named_by_the_search_gets_every_interest_listed():
    trowe = version("Isabelle Trowe", item("Morning Lane Associates Ltd"),
                    item("A Friend", category="gift", donor_kind="person",
                         start_date="2025-05-01"),
                    item("Care Futures CIC", category="relationship",
                         related_organisations=[{"name": "Frontline Partners LLP"}]))  # fmt: skip
    other = version("Sam Okafor", item("Morning Lane Associates Ltd"))
    hits = find_declared_interests([trowe, other], "Isabelle Trowe", named={trowe.official_id})
    assert [(h.version.official_name, h.organisation_name, h.reason) for h in hits] == [
        ("Isabelle Trowe", "A Friend", "declared by Isabelle Trowe"),  # a gift from a person too
        ("Isabelle Trowe", "Care Futures CIC", "declared by Isabelle Trowe"),  # one row each
        ("Isabelle Trowe", "Morning Lane Associates Ltd", "declared by Isabelle Trowe"),
    ]
    only_gifts = find_declared_interests([trowe], "Isabelle Trowe", named={trowe.official_id},
                                         category="gift")  # fmt: skip
    assert [h.organisation_name for h in only_gifts] == ["A Friend"]
    assert find_declared_interests([trowe, other], "Isabelle Trowe") == []  # nobody named


def test_prefix_hits_rank_below_the_engines_matches():
    versions = [
        version("Ann Other", item("Morning Star Trading Ltd")),
        version("Bea Other", item("Morning Ltd")),
    ]
    hits = find_declared_interests(versions, "morning")
    assert [(h.organisation_name, h.score == PREFIX_SCORE) for h in hits] == [
        ("Morning Ltd", False), ("Morning Star Trading Ltd", True),
    ]  # fmt: skip
    assert hits[1].reason == "words of the name begin with “morning”"


def people_and_prefix_scenario(make_user, department):
    """Search by official, by the beginnings of words and with filters, from the stored index."""
    treasury = create_department(db.session, "HMT", "Treasury", None)
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [department, treasury], None)  # fmt: skip
    trowe = make_user("official", full_name="Isabelle Trowe")
    _file(trowe, cycle, _directorship("Morning Lane Associates Ltd"),
          Interest(category="membership", whose="self", organisation_name="Riverside Club",
                   role="member"))  # fmt: skip
    okafor = make_user("official", full_name="Sam Okafor", department=treasury)
    _file(okafor, cycle, Interest(category="shareholding", whose="self",
                                  organisation_name="Morningside Holdings Ltd"))  # fmt: skip
    nil = make_user("official", full_name="Nil Returner")
    _file(nil, cycle)
    auditor = make_user("auditor")
    officer = make_user("compliance")  # assigned to `department`

    found = search(db.session, auditor, "Isabelle Trowe")
    assert [o.full_name for o in found.officials] == ["Isabelle Trowe"]
    assert [(h.organisation_name, h.reason) for h in found.hits] == [
        ("Morning Lane Associates Ltd", "declared by Isabelle Trowe"),
        ("Riverside Club", "declared by Isabelle Trowe"),
    ]
    assert [h.organisation_name for h in search_declarations(db.session, auditor, "trowe, i")] \
        == ["Morning Lane Associates Ltd", "Riverside Club"]  # fmt: skip
    nil_found = search(db.session, auditor, "Nil Returner")
    assert [o.full_name for o in nil_found.officials] == ["Nil Returner"] and not nil_found.hits
    assert search(db.session, officer, "Sam Okafor").officials == []  # another department

    def organisations(user, query, **filters):
        hits = search_declarations(db.session, user, query, filters=SearchFilters(**filters))
        return sorted(h.organisation_name for h in hits)

    assert organisations(auditor, "morning") == [
        "Morning Lane Associates Ltd", "Morningside Holdings Ltd",
    ]  # fmt: skip
    assert organisations(auditor, "MORNING LA") == ["Morning Lane Associates Ltd"]
    assert organisations(auditor, "lane") == ["Morning Lane Associates Ltd"]  # a later word
    assert organisations(auditor, "river") == ["Riverside Club"]
    assert organisations(auditor, "mo") == []  # too short
    assert organisations(officer, "morning") == ["Morning Lane Associates Ltd"]
    assert organisations(auditor, "morning", category="shareholding") == [
        "Morningside Holdings Ltd"
    ]
    assert organisations(auditor, "morning", department_id=treasury.id) == [
        "Morningside Holdings Ltd"
    ]
    assert organisations(officer, "morning", department_id=treasury.id) == []  # not theirs
    assert organisations(auditor, "Isabelle Trowe", category="membership") == ["Riverside Club"]


def test_people_prefix_and_filters(make_user, department):
    people_and_prefix_scenario(make_user, department)


def test_people_prefix_and_filters_on_postgres(pg_app):
    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    numbers = count(1)

    def make_user(role="official", full_name=None, department=department):
        fields = UserFields(
            f"{role}{next(numbers)}@example.gov.uk", full_name or role.title(), role,
            department if role == "official" else None,
        )  # fmt: skip
        user = create_user_with_password(db.session, fields, None, PASSWORD)
        if role == "compliance":
            user.assigned_departments = [department]
        db.session.commit()
        return user

    people_and_prefix_scenario(make_user, department)


def test_the_page_lists_the_official_named_with_a_link_to_their_record(client, scene):
    sign_in(client, scene.auditor)
    page = client.get("/review/search?q=Isabelle+Trowe").text
    assert "Officials named “Isabelle Trowe”" in page
    assert f'href="/officials/{scene.official.id}"' in page
    assert "1 declared interest listed below" in page
    assert "1 interest declared by 1 official" in page and "Declared by Isabelle Trowe" in page
    prefix = client.get("/review/search?q=morning").text
    assert "1 interest declared by 1 official" in prefix
    assert "Words of the name begin with “morning”" in prefix
    filtered = client.get("/review/search?q=morning&category=gift").text
    assert "No declared interests" in filtered and "Narrowed to: Gift or hospitality" in filtered
    assert json.loads(_searches()[-1].details)["filters"] == {"category": "gift",
                                                             "department_id": None}  # fmt: skip
    assert "Download all" not in filtered  # nothing to export


def _exports():
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "declarations.search_exported")
    ).all()


def test_export_of_the_results(client, scene, make_user):
    # A name a spreadsheet would run as a formula is written as text.
    _file(make_user("official", full_name="Formula Person"), scene.cycle,
          _directorship("=Morning Lane Associates Ltd"))  # fmt: skip
    sign_in(client, scene.officer)
    page = client.get("/review/search?q=morning+lane+associates&as_at=1&as_at=6&as_at=2024").text
    link = "/review/search/export?q=morning+lane+associates&amp;as_at=1&amp;as_at=6&amp;as_at=2024"
    assert f'href="{link}"' in page and "Download all 2 results as CSV" in page

    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == EXPORT_HEADER
    by_official = {row[0]: dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_official) == {"Isabelle Trowe", "Formula Person"}
    trowe = by_official["Isabelle Trowe"]
    assert trowe["official_email"] == scene.official.email
    assert trowe["organisation_declared"] == "Morning Lane Associates Ltd"
    assert trowe["identifier"] == "GB-COH 07125387"
    assert (
        trowe["category"] == "Directorship or office" and trowe["whose_interest"] == "The official"
    )
    assert (trowe["start_date"], trowe["end_date"]) == ("2009-02-01", "2024-09-30")
    assert (trowe["cycle"], trowe["version"]) == ("2025/26", "1")
    assert by_official["Formula Person"]["organisation_declared"] == "'=Morning Lane Associates Ltd"

    [entry] = _exports()
    assert entry.actor_id == scene.officer.id
    assert json.loads(entry.details) == {
        "query": "morning lane associates", "as_at": "2024-06-01", "results": 2, "officials": 2,
    }  # fmt: skip
    assert "Exported the search of declarations for “morning lane associates”" in entry.summary


def test_export_keeps_to_the_readers_departments_and_needs_a_search(client, scene, make_user):
    elsewhere = create_department(db.session, "HMT", "Treasury", None)
    outsider = make_user("compliance")
    outsider.assigned_departments = [elsewhere]
    db.session.commit()
    sign_in(client, outsider)
    rows = client.get("/review/search/export?q=Isabelle+Trowe").text.lstrip("\ufeff").splitlines()
    assert rows == [",".join(EXPORT_HEADER)]  # the header only: she is not in their department
    assert client.get("/review/search/export").status_code == 302  # no search: the search page
    assert client.get("/review/search/export?q=").location.startswith("/review/search?")
    client.post("/auth/sign-out")
    for user in (scene.official, scene.admin):
        sign_in(client, user)
        assert client.get("/review/search/export?q=morning").status_code == 403
        client.post("/auth/sign-out")
    assert len(_exports()) == 1  # the outsider's, with nothing in it, is recorded too


def test_a_search_naming_many_officials_lists_the_first_and_says_so(
    client, make_user, department, monkeypatch
):
    monkeypatch.setattr("register.review.search.MAX_NAMED_OFFICIALS", 2)
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [department], None)  # fmt: skip
    for first in ("Ann", "Bea", "Cat"):
        _file(make_user("official", full_name=f"{first} Smith"), cycle,
              _directorship(f"{first} Widgets Ltd"))  # fmt: skip
    found = search(db.session, make_user("auditor"), "Smith")
    assert [o.full_name for o in found.officials] == ["Ann Smith", "Bea Smith"]
    assert found.more_officials
    assert [h.organisation_name for h in found.hits] == ["Ann Widgets Ltd", "Bea Widgets Ltd"]
    sign_in(client, make_user("auditor"))
    page = client.get("/review/search?q=Smith").text
    assert "More officials than these 2 are named “Smith”" in page
