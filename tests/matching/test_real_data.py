"""The engine on real data: patent applicant name clusters, and the Commons register screened
against real Contracts Finder suppliers (unrelated sets, so very few flags are expected)."""

import csv
import itertools
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from register.matching import InterestRecord, MatchingEngine, SupplierRecord, compare_names
from register.matching.score import relate_names

DATA = Path(__file__).parent.parent / "data"

# Independent of the engine's normaliser: a fixed list of legal forms, removed at the end.
LEGAL_FORMS = {
    *("ltd", "limited", "plc", "llp", "inc", "incorporated", "corp", "corporation", "co"),
    *("company", "gmbh", "ag", "bv", "nv", "sa", "srl", "spa", "ab", "oy", "oyj", "kk", "llc"),
    *("lp", "sarl", "kg", "as", "asa", "aps", "se"),
}


# Spellings of one legal form in the list above.
SAME_FORM = {"limited": "ltd", "incorporated": "inc", "corporation": "corp", "company": "co"}


def spelling_key(name: str) -> tuple[str, frozenset[str]]:
    """Lowercase, no punctuation or spaces, no trailing legal forms; and those forms."""
    words = re.sub(r"[^a-z0-9]+", " ", re.sub(r"[.']", "", name.lower())).split()
    forms = set()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        forms.add(SAME_FORM.get(words[-1], words[-1]))
        words.pop()
    return "".join(words), frozenset(forms - {"co"})


def spelling_variants(a: str, b: str) -> bool | None:
    """True for two spellings of one name with one legal form (or a form on one side only),
    False for one name with two different legal forms ("AKZO NOBEL N.V." / "AKZO NOBEL INC.":
    two legal persons of one group), None for different names."""
    (key_a, forms_a), (key_b, forms_b) = spelling_key(a), spelling_key(b)
    if key_a != key_b:
        return None
    return not forms_a or not forms_b or bool(forms_a & forms_b)


def patstat_clusters() -> list[list[str]]:
    clusters: dict[str, set[str]] = defaultdict(set)
    with (DATA / "patstat_name_clusters" / "patstat_reference.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            clusters[row["leuven_id"]].add(row["person_name"])
    return [sorted(names) for names in clusters.values()]


def test_patstat_spelling_variants_are_found() -> None:
    clusters = patstat_clusters()
    variants = matched_variants = same = matched_same = other_forms = matched_other_forms = 0
    for names in clusters:
        for a, b in itertools.combinations(names, 2):
            matched = compare_names(a, b)[1]
            same += 1
            matched_same += matched
            variant = spelling_variants(a, b)
            if variant:
                variants += 1
                matched_variants += matched
            elif variant is False:
                other_forms += 1
                matched_other_forms += matched
    rng = random.Random(1)
    labelled = [(name, i) for i, names in enumerate(clusters) for name in names]
    cross = [p for p in (rng.sample(labelled, 2) for _ in range(20_000)) if p[0][1] != p[1][1]]
    false_positives = sum(compare_names(a, b)[1] for (a, _), (b, _) in cross)
    print(
        f"\npatstat: case/punctuation/legal-form variants {matched_variants}/{variants} "
        f"= {matched_variants / variants:.4f}; all same-cluster pairs {matched_same}/{same} "
        f"= {matched_same / same:.3f} (clusters are corporate groups); cross-cluster "
        f"{false_positives}/{len(cross)} = {false_positives / len(cross):.5f}; one name with "
        f"two legal forms (two legal persons) matched {matched_other_forms}/{other_forms}"
    )
    assert variants > 5000
    assert matched_variants / variants >= 0.99
    assert false_positives / len(cross) <= 0.001


def contracts_finder_suppliers() -> list[SupplierRecord]:
    """Every supplier party and award supplier of the real Contracts Finder packages."""
    suppliers: list[SupplierRecord] = []

    def add(entry: dict, award_id: int) -> None:
        identifier = entry.get("identifier") or {}
        scheme, value = identifier.get("scheme"), identifier.get("id")
        suppliers.append(
            SupplierRecord(
                award_supplier_id=len(suppliers) + 1,
                award_id=award_id,
                supplier_name=entry.get("name") or "",
                identifiers=((scheme, value),) if scheme and value else (),
                buyer_name="",
                buyer_department_id=None,
                award_date=None,
                value=None,
                currency=None,
            )
        )

    paths = sorted((DATA / "contracts_finder_ocds").glob("json_1_1_*/*.json"))
    for award_id, path in enumerate(paths, 1):
        for release in json.loads(path.read_text())["releases"]:
            for party in release.get("parties") or []:
                if "supplier" in (party.get("roles") or []):
                    add(party, award_id)
            for award in release.get("awards") or []:
                for entry in award.get("suppliers") or []:
                    add(entry, award_id)
    return suppliers


def commons_interests() -> list[InterestRecord]:
    """Real shareholdings (category 7) and employment payers (category 1), dates ignored."""
    folder = DATA / "commons_register_of_interests"
    interests = []
    for filename, column, category in [
        ("category_7_shareholdings.csv", "organisation_name", "shareholding"),
        ("category_1_employment_earnings.csv", "payer_name", "employment"),
    ]:
        with (folder / filename).open(newline="") as f:
            for row in csv.DictReader(f):
                if row[column]:
                    interests.append(
                        InterestRecord(
                            interest_id=int(row["id"]),
                            official_id=int(row["mnis_id"]),
                            department_id=None,
                            organisation_name=row[column],
                            identifiers=(),
                            whose="self",
                            category=category,
                            start_date=None,
                            end_date=None,
                            source_key=category,
                        )
                    )
    return interests


@pytest.fixture(scope="module")
def screening() -> tuple[list[InterestRecord], list[SupplierRecord], set[tuple[str, str]]]:
    suppliers = contracts_finder_suppliers()
    interests = commons_interests()
    engine = MatchingEngine()
    engine.index_suppliers(suppliers)
    by_interest = {i.key: i for i in interests}
    by_supplier = {s.award_supplier_id: s for s in suppliers}
    flags = {
        (
            by_interest[(r.interest_id, r.source_key)].organisation_name,
            by_supplier[r.award_supplier_id].supplier_name,
        )
        for r in engine.screen_interests(interests)
    }
    return interests, suppliers, flags


def test_commons_against_contracts_finder_flags_only_a_handful(screening) -> None:
    interests, suppliers, flags = screening
    print(f"\n{len(interests)} Commons interests x {len(suppliers)} Contracts Finder suppliers:")
    for organisation, supplier in sorted(flags):
        found = relate_names(organisation, supplier)
        assert found is not None
        said = f"{found.score:.0f}" if found.matched else f"group name ({found.relative})"
        print(f"  {organisation!r} ~ {supplier!r}: {said}")
    assert len(interests) > 400
    assert len(suppliers) > 2000
    assert len(flags) <= 10
    # A person would look at each: the same firm, and two names of one group.
    assert flags == {
        ("Shepherd and Wedderburn LLP", "Shepherd and Wedderburn LLP"),
        ("Rolls Royce Plc", "Rolls-Royce Power Engineering Plc"),
        ("The Club for Growth", "The Growth Company Limited"),
    }


def test_index_finds_every_pair_a_full_comparison_finds(screening) -> None:
    interests, suppliers, flags = screening
    names = {s.supplier_name for s in suppliers}
    full = {
        (i.organisation_name, name)
        for i in interests
        for name in names
        if relate_names(i.organisation_name, name)  # a match, or a sister company's name
    }
    assert flags == full
