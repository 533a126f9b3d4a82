"""Interest categories, their typed fields and the guidance shown to officials.

Plain data with no Flask imports: forms, exports and the matching feed all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

DIRECTORSHIP = "directorship"
EMPLOYMENT = "employment"
SHAREHOLDING = "shareholding"
RELATIONSHIP = "relationship"
GIFT = "gift"
MEMBERSHIP = "membership"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    guidance: str
    organisation_label: str
    fields: tuple[str, ...]  # the category's own fields, besides the common ones


CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category(
            DIRECTORSHIP,
            "Directorship or office",
            "Any company directorship, trusteeship, partnership or office you (or someone close "
            "to you) hold or held, paid or unpaid, including dormant companies.",
            "Organisation",
            ("role", "paid"),
        ),
        Category(
            EMPLOYMENT,
            "Employment or consultancy",
            "Work outside your post, paid or unpaid: employment, consultancy, advisory roles, "
            "expert witness work. Name the employer or client.",
            "Employer or client",
            ("role", "paid", "hours_per_month"),
        ),
        Category(
            SHAREHOLDING,
            "Shareholding or financial interest",
            "Shares or other financial interests in a company or partnership, held directly or "
            "through a trust. Give the percentage of issued capital and the value band.",
            "Company",
            ("percentage", "value_band", "holding", "blind_trust"),
        ),
        Category(
            RELATIONSHIP,
            "Close personal relationship",
            "A person close to you whose work could overlap with your duties. Choose the "
            "relationship from the list; each type is explained below it. List the "
            "organisations where that person works or holds office.",
            "Organisation where they work (main)",
            ("related_person_name", "relationship"),
        ),
        Category(
            GIFT,
            "Gift or hospitality",
            "Gifts, hospitality or benefits offered to you, accepted or declined. Gifts from one "
            "source are added up across the cycle.",
            "Donor",
            ("donor_kind", "value_pounds", "accepted"),
        ),
        Category(
            MEMBERSHIP,
            "Membership or affiliation",
            "Membership of professional bodies, lobby groups, political parties, clubs or "
            "societies that could be seen to influence your work.",
            "Organisation",
            ("role",),
        ),
    )
}

WHOSE = {
    "self": "Myself",
    "spouse_partner": "My spouse or partner",
    "dependent_child": "A dependent child",
    "close_associate": "Another close associate",
}

# Whose interest, as the public register and others who read about the official say it.
WHOSE_THIRD_PERSON = {
    "self": "The official",
    "spouse_partner": "Spouse or partner",
    "dependent_child": "Dependent child",
    "close_associate": "Another close associate",
}

DIRECTOR_ROLES = {
    "executive_director": "Executive director",
    "non_executive_director": "Non-executive director",
    "trustee": "Trustee",
    "partner": "Partner",
    "officer": "Officer",
}

VALUE_BANDS = {
    "under_5k": "Under £5,000",
    "5k_70k": "£5,000 to £70,000",
    "over_70k": "Over £70,000",
}

HOLDING = {"direct": "Held directly", "trust": "Held in trust"}

DONOR_KINDS = {"organisation": "An organisation", "person": "A person"}

# The committee complained that "close and personal" was vague: each type says what it covers.
RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "spouse_civil_partner": (
        "Spouse or civil partner",
        "The person you are married to or in a civil partnership with, even if separated.",
    ),
    "cohabiting_partner": (
        "Cohabiting partner",
        "A person you live with as a couple without being married or in a civil partnership.",
    ),
    "parent": ("Parent", "Your mother, father, step-parent or a person who brought you up."),
    "child": ("Child", "Your son or daughter, step-child or adopted child, of any age."),
    "sibling": ("Sibling", "Your brother or sister, including half- and step-siblings."),
    "in_law": (
        "In-law",
        "The parent, sibling or child of your spouse, civil partner or cohabiting partner.",
    ),
    "close_friend": (
        "Close friend",
        "A friend you see socially and regularly, such that a fair-minded observer would think "
        "the friendship could influence you; not a colleague or acquaintance.",
    ),
    "business_partner": (
        "Current or former business partner",
        "A person you run or ran a business with, co-own or co-owned a company with, or were a "
        "fellow director with, in the last five years.",
    ),
}


def label(mapping: dict[str, str] | dict[str, tuple[str, str]], code: str | None) -> str:
    """Return the readable label for a code in one of the choice tables."""
    if code is None:
        return ""
    value = mapping.get(code, code)
    return value[0] if isinstance(value, tuple) else value
