"""The stored candidate index finds what the in-memory engine finds, and follows every change.

Screening with the stored index and screening with the in-memory engine must raise exactly the
same flags: both sides of the labelled organisation pairs are indexed, and every name is looked
up both ways. Then each change the index follows: a renamed supplier, an award that becomes
another's copy, an amended declaration.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from register import runtime
from register.admin.services import create_cycle
from register.candidate_index import (
    DECLARED_SIDE,
    SUPPLIER_SIDE,
    index_suppliers,
    matching_names,
)
from register.declarations import services as declarations
from register.extensions import db
from register.matching.index import SupplierIndex
from register.models import (
    Award,
    AwardSupplier,
    DeclaredOrganisation,
    Flag,
    Interest,
    ScreeningName,
    User,
)
from register.screening import (
    rebuild_candidate_index,
    screen_declaration,
    screen_everything,
    screen_suppliers,
)
from register.screening.declared import supplier_records

PAIRS = Path(__file__).resolve().parent.parent / "data" / "name_pairs" / "organisations.csv"


def labelled_names() -> tuple[list[str], list[str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["name_a"] for r in rows], [r["name_b"] for r in rows]


def add_suppliers(names: list[str], n: int = 1, department_id: int | None = None) -> Award:
    award = Award(
        ocid=f"ocds-index-{n}", award_id=f"award-{n}", title="Consultancy",
        buyer_name="Department for Children's Services", department_id=department_id,
        value=Decimal("250000"), currency="GBP", award_date=date(2025, 6, 1),
        content_digest=f"digest-{n}",
    )  # fmt: skip
    for position, name in enumerate(names):
        award.suppliers.append(AwardSupplier(position=position, name=name, aliases="[]"))
    db.session.add(award)
    db.session.flush()
    index_suppliers(db.session, [s.id for s in award.suppliers])
    db.session.expire_all()  # the index is written with Core statements
    return award


def declare(official: User, names: list[str], cycle_name: str = "2025/26") -> None:
    cycle = create_cycle(db.session, cycle_name, date(2025, 4, 1), date(2025, 6, 30),
                         [official.department], None)  # fmt: skip
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    for name in names:
        declaration.interests.append(Interest(
            category="directorship", whose="self", organisation_name=name,
            role="non_executive_director", paid=False, start_date=date(2015, 1, 1),
        ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason=None, ip_address=None)  # fmt: skip


def test_the_stored_index_finds_every_name_the_in_memory_index_finds(app) -> None:
    names_a, names_b = labelled_names()
    add_suppliers(list(dict.fromkeys(names_b + names_a[::3])))
    memory = SupplierIndex(supplier_records(db.session))
    queries = list(dict.fromkeys(names_a + names_b))
    stored = matching_names(db.session, SUPPLIER_SIDE, queries, relatives=True)
    found = 0
    for query in queries:
        expected = {memory.names()[i] for i, _ in memory.matching_names(query, relatives=True)}
        assert {m.name for m in stored.get(query, [])} == expected, query
        found += len(expected)
    assert found > len(queries)  # most names find themselves and their pair


def test_screening_through_the_stored_index_raises_the_in_memory_engines_flags(
    app, make_user
) -> None:
    names_a, names_b = labelled_names()
    officials = [make_user("official") for _ in range(6)]
    for k, official in enumerate(officials):
        declare(official, names_a[k * 40 : (k + 1) * 40], cycle_name=f"2025/{k}")
    award = add_suppliers(list(dict.fromkeys(names_b[:240])))
    settings = runtime.settings()
    # Award suppliers screened as after an import: stored index of declared organisations.
    imported = screen_suppliers(db.session, [s.id for s in award.suppliers], settings)
    assert imported.new > 50, imported.summary()
    # Each declaration screened as on submission: stored index of award suppliers.
    for official in officials:
        declaration = official_declaration(official)
        again = screen_declaration(db.session, declaration, settings)
        assert (again.new, again.updated, again.withdrawn) == (0, 0, 0), again.summary()
    # The full run, with the in-memory engine: nothing new, nothing changed, nothing gone.
    full = screen_everything(db.session, settings)
    assert (full.new, full.updated, full.withdrawn, full.reopened) == (0, 0, 0, 0), full.summary()
    assert db.session.scalar(select(func.count(Flag.id))) == imported.new


def official_declaration(official: User):
    from register.models import Declaration

    return db.session.scalars(
        select(Declaration).where(Declaration.official_id == official.id)
    ).one()


def test_a_renamed_supplier_is_found_by_its_new_name_only(app) -> None:
    award = add_suppliers(["Kestrel Consulting Ltd"])
    supplier = award.suppliers[0]
    old_name_id = supplier.screening_name_id
    assert old_name_id is not None
    supplier.name = "Harbour Analytics Ltd"
    db.session.flush()
    index_suppliers(db.session, [supplier.id])
    assert matching_names(db.session, SUPPLIER_SIDE, ["Kestrel Consulting"], relatives=False) == {
        "Kestrel Consulting": []
    }
    [match] = matching_names(db.session, SUPPLIER_SIDE, ["Harbour Analytics"], relatives=False)[
        "Harbour Analytics"
    ]
    assert match.name == "Harbour Analytics Ltd"
    assert db.session.get(ScreeningName, old_name_id) is None  # no name without a supplier


def test_the_suppliers_of_an_awards_copy_are_not_indexed(app) -> None:
    first = add_suppliers(["Kestrel Consulting Ltd"], n=1)
    copy = add_suppliers(["Kestrel Consulting Ltd"], n=2)
    copy.duplicate_of_id = first.id
    db.session.flush()
    index_suppliers(db.session, [copy.suppliers[0].id])
    db.session.expire_all()
    assert copy.suppliers[0].screening_name_id is None
    assert first.suppliers[0].screening_name_id is not None


def test_an_amendment_replaces_the_officials_declared_organisations(app, make_user) -> None:
    official = make_user("official")
    declare(official, ["Morning Lane Associates Ltd", "Kestrel Consulting Ltd"])
    declaration = official_declaration(official)
    declarations.reopen_for_amendment(db.session, declaration, official)
    kestrel = next(i for i in declaration.interests if i.organisation_name.startswith("Kestrel"))
    kestrel.organisation_name = "Harbour Analytics Ltd"  # a name corrected
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason="Wrong company name", ip_address=None)  # fmt: skip
    rows = db.session.execute(
        select(DeclaredOrganisation.version_id, ScreeningName.name).join(
            ScreeningName, ScreeningName.id == DeclaredOrganisation.name_id
        )
    ).all()
    latest = declaration.versions[-1].id
    assert sorted(rows) == [
        (latest, "Harbour Analytics Ltd"),
        (latest, "Morning Lane Associates Ltd"),
    ]
    assert matching_names(db.session, DECLARED_SIDE, ["Kestrel Consulting"], relatives=False) == {
        "Kestrel Consulting": []
    }


def test_a_rebuild_gives_the_index_the_changes_kept(app, make_user) -> None:
    """What the importer and submissions kept is what a rebuild from the rows makes."""
    names_a, names_b = labelled_names()
    official = make_user("official")
    declare(official, names_a[:30])
    award = add_suppliers(names_b[:60])
    award.suppliers[0].aliases = json.dumps(["Trading Name Ltd"])
    award.suppliers[1].name = "Renamed Supplier Ltd"
    db.session.flush()
    index_suppliers(db.session, [award.suppliers[0].id, award.suppliers[1].id])
    kept = index_snapshot()
    rebuild_candidate_index(db.session)
    assert index_snapshot() == kept


def index_snapshot() -> dict[str, object]:
    """The index's content by names, not ids."""
    from register.models import (
        DeclaredIdentifierKey,
        ScreeningNameKey,
        ScreeningWordKey,
        SupplierIdentifierKey,
    )

    session = db.session
    return {
        "names": sorted(session.execute(select(ScreeningName.side, ScreeningName.name)).all()),
        "keys": sorted(
            session.execute(
                select(ScreeningNameKey.side, ScreeningNameKey.key, ScreeningName.name).join(
                    ScreeningName, ScreeningName.id == ScreeningNameKey.name_id
                )
            ).all()
        ),
        "words": sorted(session.execute(select(ScreeningWordKey.key, ScreeningWordKey.word)).all()),
        "suppliers": sorted(
            session.execute(
                select(AwardSupplier.id, ScreeningName.name).join(
                    ScreeningName, ScreeningName.id == AwardSupplier.screening_name_id
                )
            ).all()
        ),
        "supplier_identifiers": sorted(
            session.execute(
                select(SupplierIdentifierKey.key, SupplierIdentifierKey.award_supplier_id)
            ).all()
        ),
        "declared": sorted(
            session.execute(
                select(
                    DeclaredOrganisation.official_id,
                    DeclaredOrganisation.version_id,
                    DeclaredOrganisation.interest_id,
                    DeclaredOrganisation.source_key,
                    ScreeningName.name,
                ).join(ScreeningName, ScreeningName.id == DeclaredOrganisation.name_id)
            ).all()
        ),
        "declared_identifiers": sorted(
            session.execute(
                select(DeclaredIdentifierKey.key, DeclaredOrganisation.interest_id).join(
                    DeclaredOrganisation,
                    DeclaredOrganisation.id == DeclaredIdentifierKey.declared_organisation_id,
                )
            ).all()
        ),
    }
