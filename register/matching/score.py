"""Compare names and score one interest against one award supplier, with readable reasons."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from .identifiers import identifier_pair
from .names import comparable, compare_org_names, org_names
from .types import InterestRecord, MatchConfig, MatchResult, Reason, SupplierRecord

IDENTIFIER_SCHEMES = {"GB-COH": "company number", "GB-CHC": "charity number"}
WHOSE_WEIGHTS = {
    "self": ("own_interest", "the official's own interest", 10.0),
    "spouse_partner": ("associate", "interest of the official's spouse or partner", 6.0),
    "dependent_child": ("associate", "interest of the official's dependent child", 5.0),
    "close_associate": ("associate", "interest of a close associate of the official", 3.0),
}
# A close personal relationship: the organisations are the related person's (their employer, or
# where they hold office). Each is weighed as an associate's interest, by how close the person
# is, and said in words: "employer of the official's sibling".
RELATIONSHIP_WEIGHTS = {
    "spouse_civil_partner": ("spouse or civil partner", 6.0),
    "cohabiting_partner": ("cohabiting partner", 6.0),
    "business_partner": ("business partner", 5.0),
    "parent": ("parent", 4.0),
    "child": ("child", 4.0),
    "sibling": ("sibling", 4.0),
    "in_law": ("in-law", 3.0),
    "close_friend": ("close friend", 3.0),
}
RELATIONSHIP_FALLBACK = ("close associate", 3.0)
# Relationships by birth or upbringing need no start date: they exist at any award date.
LIFELONG_RELATIONSHIPS = frozenset({"parent", "child", "sibling"})
IDENTIFIER_WEIGHT = 50.0
EXACT_NAME_WEIGHT = 40.0
FUZZY_NAME_WEIGHT = 30.0  # rising to EXACT_NAME_WEIGHT as the similarity reaches 100
FUZZY_FLOOR = 70.0  # the similarity from which a fuzzy match's weight starts to rise
ALIAS_PENALTY = 5.0
GROUP_NAME_WEIGHT = 10.0  # a flag on a sister company's name is always low risk
HELD_WEIGHT = 20.0
GIFT_WEIGHT = 15.0
UNKNOWN_DATE_WEIGHT = 5.0
OWN_DEPARTMENT_WEIGHT = 20.0
MAX_VALUE_WEIGHT = 10.0


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The best comparison of any name of one organisation with any name of another."""

    score: float
    name_a: str
    name_b: str
    via_alias: bool
    notes: tuple[str, ...]
    matched: bool = True
    why_not: str = ""
    relative: str = ""  # the names differ only by a legal form, a number or a place


def compare_org_name_forms(a: str, b: str) -> NameMatch | None:
    """The best comparison between the names of two raw names (a match if any), or None when
    a raw name has no name."""
    best: NameMatch | None = None
    for i, key_a in enumerate(org_names(a)):
        for j, key_b in enumerate(org_names(b)):
            if not comparable(key_a, key_b):
                continue
            found = compare_org_names(key_a, key_b)
            candidate = NameMatch(
                found.score,
                key_a.plain,
                key_b.plain,
                bool(i or j),
                found.notes,
                found.matched,
                found.why_not,
                found.relative,
            )
            rank = (found.matched, bool(found.relative), found.score, not candidate.via_alias)
            if best is None or rank > (
                best.matched,
                bool(best.relative),
                best.score,
                not best.via_alias,
            ):
                best = candidate
    return best


@lru_cache(maxsize=1 << 16)
def relate_names(a: str, b: str) -> NameMatch | None:
    """The names' comparison when they match or are of one group's companies, else None."""
    found = compare_org_name_forms(a, b)
    return found if found is not None and (found.matched or found.relative) else None


def match_names(a: str, b: str) -> NameMatch | None:
    """The best match between any name of one raw name and any name of the other, or None."""
    found = relate_names(a, b)
    return found if found is not None and found.matched else None


def compare_names(a: str, b: str) -> tuple[float, bool]:
    """Return (similarity 0..100, matched) for two raw names, exactly as the engine decides;
    the similarity of names that do not match is 0."""
    match = match_names(a, b)
    return (match.score, True) if match else (0.0, False)


@lru_cache(maxsize=1 << 16)
def identifier_keys(identifiers: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    """The identifiers in the register's one form (register.matching.identifiers), normalised
    here as well as where they are stored: declared identifiers in submitted versions stay as
    typed, because a version's content is attested by its digest."""
    return frozenset(pair for s, v in identifiers if (pair := identifier_pair(s, v)))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from one date to a later one."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def subtract_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _span(earlier: date, later: date) -> str:
    months = months_between(earlier, later)
    if months:
        return f"{months} month{'s' * (months != 1)}"
    days = (later - earlier).days
    return f"{days} day{'s' * (days != 1)}"


def name_match_text(match: NameMatch) -> str:
    """A name match in the words of a flag's explanation: what matched, what was set aside."""
    how = f" ({'; '.join(match.notes)})" if match.notes else ""
    names = match.name_a if match.name_a == match.name_b else f"{match.name_a} / {match.name_b}"
    if match.via_alias:
        kind = (
            "trading, former or short name matches"
            if match.score >= 100
            else (f"trading, former or short names are similar ({match.score:.0f}/100)")
        )
    elif match.score >= 100:
        kind = "names match"
    else:
        kind = f"names are similar ({match.score:.0f}/100)"
    return f"{kind}: {names}{how}"


def _group_reason(match: NameMatch) -> Reason:
    """Names that differ only by a legal form, a number, a place or a generic word: not the
    same organisation, but perhaps a sister company of the group."""
    text = (
        f"a different company of the same group name: {match.name_a} / {match.name_b} "
        f"({match.relative})"
    )
    return Reason("group_name", text, GROUP_NAME_WEIGHT)


def _name_reason(match: NameMatch) -> Reason:
    share = min(1.0, max(0.0, (match.score - FUZZY_FLOOR) / (100 - FUZZY_FLOOR)))
    weight = FUZZY_NAME_WEIGHT + (EXACT_NAME_WEIGHT - FUZZY_NAME_WEIGHT) * share
    if match.via_alias:
        return Reason("name_alias", name_match_text(match), weight - ALIAS_PENALTY)
    return Reason("name", name_match_text(match), weight)


def _time_reason(interest: InterestRecord, award_date: date | None, lookback: int) -> Reason | None:
    """Why the interest's dates matter for this award, or None when they rule the flag out."""
    if award_date is None:
        return Reason("award_date_unknown", "award date unknown", UNKNOWN_DATE_WEIGHT)
    earliest = subtract_months(award_date, lookback)
    if interest.category == "gift":
        given = interest.start_date or interest.end_date
        if given is None:
            return Reason("gift_date_unknown", "gift date unknown", UNKNOWN_DATE_WEIGHT)
        if given > award_date:
            if given > subtract_months(award_date, -lookback):
                return None
            text = f"gift received {_span(award_date, given)} after the award"
            return Reason("gift_within_lookback", text, GIFT_WEIGHT)
        if given < earliest:
            return None
        text = f"gift received {_span(given, award_date)} before the award"
        return Reason("gift_within_lookback", text, GIFT_WEIGHT)
    if interest.start_date is not None and interest.start_date > award_date:
        return None
    if interest.end_date is None or interest.end_date >= award_date:
        return Reason("held_at_award", "interest held at the award date", HELD_WEIGHT)
    if interest.end_date < earliest:
        return None
    months = months_between(interest.end_date, award_date)
    weight = HELD_WEIGHT * (1 - months / (2 * lookback))
    text = f"interest ended {_span(interest.end_date, award_date)} before the award"
    return Reason("ended_before_award", text, weight)


def relationship_reason(relationship: str) -> Reason:
    """Whose the organisation is, for an organisation of a close personal relationship."""
    person, weight = RELATIONSHIP_WEIGHTS.get(relationship, RELATIONSHIP_FALLBACK)
    return Reason("associate", f"employer of the official's {person}", weight)


def _relationship_time_reason(
    interest: InterestRecord, award_date: date | None, lookback: int
) -> Reason | None:
    """The relationship's own dates: no flag for an award made before it began, or more than
    the look-back after it ended; an unknown start is said, not assumed."""
    if award_date is None:
        return Reason("award_date_unknown", "award date unknown", UNKNOWN_DATE_WEIGHT)
    start, end = interest.start_date, interest.end_date
    if start is not None and start > award_date:
        return None
    if end is not None and end < award_date:
        if end < subtract_months(award_date, lookback):
            return None
        months = months_between(end, award_date)
        weight = HELD_WEIGHT * (1 - months / (2 * lookback))
        text = f"relationship ended {_span(end, award_date)} before the award"
        return Reason("ended_before_award", text, weight)
    if start is None and interest.relationship not in LIFELONG_RELATIONSHIPS:
        text = "relationship's start date not given, so it may not have existed at the award date"
        return Reason("relationship_start_unknown", text, UNKNOWN_DATE_WEIGHT)
    return Reason("held_at_award", "relationship held at the award date", HELD_WEIGHT)


def _value_reason(value: Decimal | None, currency: str | None) -> Reason | None:
    if value is None or value <= 0:
        return None
    # 2.5 points per factor of ten above 1,000: 10k -> 2.5, 1m -> 7.5, 10m and more -> 10.
    weight = min(MAX_VALUE_WEIGHT, 2.5 * (math.log10(value) - 3))
    if weight <= 0:
        return None
    amount = f"£{value:,.0f}" if currency in (None, "GBP") else f"{currency} {value:,.0f}"
    return Reason("value", f"contract value {amount}", weight)


def risk_level(score: float, config: MatchConfig) -> str:
    if score >= config.high_risk:
        return "high"
    return "medium" if score >= config.medium_risk else "low"


def score_pair(
    interest: InterestRecord, supplier: SupplierRecord, config: MatchConfig
) -> MatchResult | None:
    """Score one interest against one award supplier; None when it should not be flagged."""
    shared = sorted(identifier_keys(interest.identifiers) & identifier_keys(supplier.identifiers))
    if shared:
        scheme, value = shared[0]
        label = IDENTIFIER_SCHEMES.get(scheme, f"identifier {scheme}")
        match_reason = Reason("identifier", f"{label} {value} matches", IDENTIFIER_WEIGHT)
        name_score = 100.0
    else:
        match = relate_names(interest.organisation_name, supplier.supplier_name)
        if match is None:
            return None
        match_reason = _name_reason(match) if match.matched else _group_reason(match)
        name_score = match.score
    if interest.relationship is not None:
        time_reason = _relationship_time_reason(
            interest, supplier.award_date, config.lookback_months
        )
    else:
        time_reason = _time_reason(interest, supplier.award_date, config.lookback_months)
    if time_reason is None:
        return None
    reasons = [match_reason, time_reason]
    department = interest.department_id
    if department is not None and department == supplier.buyer_department_id:
        text = "awarded by the official's own department"
        reasons.append(Reason("own_department", text, OWN_DEPARTMENT_WEIGHT))
    if interest.relationship is not None:  # the related person's, never the official's own
        reasons.append(relationship_reason(interest.relationship))
    elif interest.whose in WHOSE_WEIGHTS:
        reasons.append(Reason(*WHOSE_WEIGHTS[interest.whose]))
    value_reason = _value_reason(supplier.value, supplier.currency)
    if value_reason:
        reasons.append(value_reason)
    score = round(min(100.0, sum(r.weight for r in reasons)), 1)
    if match_reason.code == "group_name":  # never above low risk, whatever else holds
        score = min(score, round(config.medium_risk - 0.1, 1))
    return MatchResult(
        interest_id=interest.interest_id,
        source_key=interest.source_key,
        award_supplier_id=supplier.award_supplier_id,
        score=score,
        name_score=round(name_score, 1),
        risk_level=risk_level(score, config),
        reasons=tuple(reasons),
    )
