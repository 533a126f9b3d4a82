"""Search across declarations: who has declared an interest in an organisation, now or at a date,
and what an official named in the search has declared.

No Flask here. `find_declared_interests` is pure: it reads versions' content (the immutable JSON
of each submitted version) and compares names with the matching engine's own normalisation and
comparison (`register.matching.score.match_names`, which `flask match names` uses), so the
search finds what screening would match: "MORNING LANE ASSOCIATES LIMITED" finds
"Morning Lane Associates Ltd". It also finds names whose words begin with the words searched
for ("morning" finds Morning Lane Associates Ltd: `prefix_match`), and lists every interest of
an official the search names ("Isabelle Trowe", "Trowe, Isabelle", "I Trowe": `names_person`).
`search` feeds it each official's latest submitted version (as
`register.declarations.queries.latest_versions` defines it), limited to what the user may read
and to the filters (category, department).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.access import review_department_ids
from register.audit.log import record
from register.candidate_index import (
    DECLARED_SIDE,
    any_scheme_keys,
    declared_with_identifiers,
    declared_with_names,
    matching_names,
    version_ids_of,
)
from register.declarations.categories import GIFT
from register.declarations.queries import content_date, latest_version_ids
from register.matching.identifiers import normalise_identifier
from register.matching.names import org_names, written_alike
from register.matching.people import compare_person_name_text
from register.matching.score import (
    IDENTIFIER_SCHEMES,
    match_names,
    name_match_text,
)
from register.models import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Department,
    ScreeningName,
    ScreeningNameKey,
    User,
)
from register.models.base import IN_BATCH
from register.models.people import OFFICIAL

# Whose interest, as a reader other than the official says it (categories.WHOSE is the
# official's own "Myself").
WHOSE = {
    "self": "The official",
    "spouse_partner": "Spouse or partner",
    "dependent_child": "Dependent child",
    "close_associate": "Close associate",
}
# "GB-COH 08012345", "GB-CHC-1234567": a scheme typed before the number is allowed.
_SCHEME_PREFIX = re.compile(r"^(GB-COH|GB-CHC)[\s:-]*", re.IGNORECASE)
# Companies House numbers (01234567, SC123456, OC123456, short forms like 8012345) and charity
# numbers (1234567, SC012345, 1234567-1).
_IDENTIFIER = re.compile(r"(?:[A-Z]{2})?\d{4,8}[A-Z]?(?:-\d{1,3})?")
# The shortest search (letters and digits, spaces aside) that finds names by the beginnings of
# their words: one or two letters begin half the register's names.
MIN_PREFIX = 3
# Beginnings of words are looked up in the stored index (its keys are the names' words and
# written-alike forms); a short one may begin thousands of words: at most this many names are
# read for one search, which SEARCH_LIMIT results on the page never need more than.
MAX_PREFIX_NAMES = 5000
PREFIX_SCORE = 60.0  # below any name the engine matches (its threshold is higher)
PERSON_SCORE = 100.0  # the official named in the search: every interest they declared
# Officials one search lists with all their interests: a common surname names many; beyond
# this the page asks for more of the name.
MAX_NAMED_OFFICIALS = 50


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One official's latest submitted version, with what a search result shows about it."""

    version_id: int
    version_number: int
    declaration_id: int
    cycle_name: str
    official_id: int
    official_name: str
    department_name: str | None
    content: str  # the version's canonical JSON


@dataclass(frozen=True, slots=True)
class InterestHit:
    """One declared interest (or an associate's organisation) that matches the search."""

    version: VersionRecord
    category: str
    whose: str
    organisation_name: str  # as declared: the interest's organisation or the associate's one
    related_person_name: str | None  # set when the match is an associate's other organisation
    identifier: str | None  # as declared, with its scheme
    start_date: date | None
    end_date: date | None
    reason: str  # why it matches, in the engine's words
    score: float


@dataclass(frozen=True, slots=True)
class NamedOfficial:
    """An official whose name the search names."""

    official_id: int
    full_name: str
    department_name: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search is narrowed to: one interest category, one department (None: any)."""

    category: str | None = None
    department_id: int | None = None

    def describe(self) -> dict[str, Any]:
        return {"category": self.category, "department_id": self.department_id}


@dataclass(frozen=True)
class SearchResults:
    hits: list[InterestHit]
    officials: list[NamedOfficial] = field(default_factory=list)
    more_officials: bool = False  # more than MAX_NAMED_OFFICIALS are named: the first listed

    @property
    def official_count(self) -> int:
        """How many officials the hits are about."""
        return len({h.version.official_id for h in self.hits})


def identifier_query(text: str) -> str | None:
    """The number in a query that looks like a company or charity number, else None."""
    compact = "".join(_SCHEME_PREFIX.sub("", text.strip()).split()).upper()
    return compact if _IDENTIFIER.fullmatch(compact) else None


def held_on(start: date | None, end: date | None, day: date) -> bool:
    """Whether an interest was held on `day`: started by then (or start unknown), not yet ended.

    A gift has one date (start and end), so it counts only on that day.
    """
    return (start is None or start <= day) and (end is None or end >= day)


def words_of(text: str) -> list[str]:
    """A name's words as the prefix and person searches compare them: accents, case and
    apostrophes set aside ("Children's Café" → children, cafe), "&" read as "and"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = re.sub(r"['’`]", "", plain.casefold()).replace("&", " and ")
    return [w for w in re.split(r"[^\w]+|_", plain) if w]


def prefix_match(query_words: list[str], name: str) -> bool:
    """Whether words of `name`, one after another, begin with the query's words in order:
    "morning" and "morning la" find "Morning Lane Associates Ltd", and so does "lane assoc"."""
    if not query_words or len("".join(query_words)) < MIN_PREFIX:
        return False
    if name.isascii():  # the quick answer for most names: no word can begin with it
        plain = name.casefold().replace("'", "").replace("`", "").replace("&", " and ")
        if query_words[0] not in plain:
            return False
    words = words_of(name)
    size = len(query_words)
    return any(
        all(words[start + i].startswith(q) for i, q in enumerate(query_words))
        for start in range(len(words) - size + 1)
    )


def names_person(query: str, full_name: str) -> str | None:
    """Why `query` names the person called `full_name`, or None.

    By the register's people-name comparison (register.matching.people: "Trowe, Isabelle",
    "I Trowe", a middle name more or less), or when every word searched for begins a different
    word of the name ("isab trow"); a search of one word must be a whole word of the name
    ("Trowe"), so that an organisation's word does not list everyone whose name begins with it.
    """
    how = compare_person_name_text(query, full_name)
    if how is not None:
        return f"the official's name matches ({how})"
    wanted, words = words_of(query), words_of(full_name)
    if not wanted or len(wanted) > len(words):
        return None
    if len(wanted) == 1:
        return "the official's name matches" if wanted[0] in words else None
    free = list(words)
    for word in sorted(wanted, key=len, reverse=True):
        found = next((w for w in free if w.startswith(word)), None)
        if found is None:
            return None
        free.remove(found)
    return "the official's name begins with the words searched for"


def _same_identifier(scheme: str | None, declared: str | None, number: str) -> bool:
    if not declared or not declared.strip():
        return False
    # Numbers declared without a scheme are taken as company numbers, as screening does.
    schemes = {scheme} if scheme else {"GB-COH", "GB-CHC"}
    return any(
        normalise_identifier(s, declared)[1] == normalise_identifier(s, number)[1] for s in schemes
    )


def _identifier_reason(scheme: str | None, number: str) -> str:
    label = IDENTIFIER_SCHEMES.get(scheme or "", "organisation number")
    return f"{label} {normalise_identifier(scheme or 'GB-COH', number)[1]} matches"


class _NameMatcher:
    """Compares the query with declared names by the engine's rule, then by the beginnings of
    their words, once per distinct name."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.words = words_of(query)
        self.seen: dict[str, tuple[float, str] | None] = {}

    def __call__(self, name: str) -> tuple[float, str] | None:
        if name in self.seen:
            return self.seen[name]
        found = None
        if self.query and name:
            match = match_names(self.query, name)
            if match is not None:
                found = (match.score, name_match_text(match))
            elif prefix_match(self.words, name):
                found = (PREFIX_SCORE, f"words of the name begin with “{self.query}”")
        self.seen[name] = found
        return found


def find_declared_interests(
    versions: Iterable[VersionRecord],
    query: str,
    *,
    as_at: date | None = None,
    category: str | None = None,
    named: Collection[int] = (),
) -> list[InterestHit]:
    """Interests in `versions` in an organisation matching `query` (a name, the beginning of
    its words, or a company or charity number), held on `as_at` if given, of `category` if
    given; and every such interest of the officials in `named` (their ids: the search names
    them); best match first, then by official.

    Every declared organisation is searched, as screening does: each interest's organisation and
    the other organisations of a close associate; gifts from a person are not organisations
    (but an official named by the search is shown the gifts they declared).
    """
    query = query.strip()
    if not query:
        return []
    number = identifier_query(query)
    names = _NameMatcher(query)
    hits: list[InterestHit] = []
    for version in versions:
        person = version.official_id in named
        for item in json.loads(version.content).get("interests", []):
            if category is not None and item.get("category") != category:
                continue
            from_person = item.get("category") == GIFT and item.get("donor_kind") == "person"
            if from_person and not person:
                continue
            start, end = content_date(item.get("start_date")), content_date(item.get("end_date"))
            if item.get("category") == GIFT:  # one date, whichever field holds it
                start = end = start or end
            if as_at is not None and not held_on(start, end, as_at):
                continue
            scheme = item.get("identifier_scheme") or None
            declared = [
                (
                    item.get("organisation_name") or "",
                    scheme,
                    item.get("organisation_identifier"),
                    None,
                ),
                *(
                    (
                        org.get("name") or "",
                        org.get("identifier_scheme") or "GB-COH",  # its own scheme
                        org.get("organisation_identifier"),
                        item.get("related_person_name") or "their associate",
                    )
                    for org in item.get("related_organisations") or []
                ),
            ]
            for position, (name, id_scheme, identifier, associate) in enumerate(declared):
                found: tuple[float, str] | None = None
                if number and _same_identifier(id_scheme, identifier, number):
                    found = (100.0, _identifier_reason(id_scheme, number))
                elif not from_person:
                    found = names(name)
                if found is None and person and position == 0:
                    # One row per interest of the official named: its own organisation.
                    found = (PERSON_SCORE, f"declared by {version.official_name}")
                if found is None:
                    continue
                shown_id = f"{id_scheme or ''} {identifier}".strip() if identifier else None
                hits.append(
                    InterestHit(
                        version=version,
                        category=item.get("category", ""),
                        whose=item.get("whose", "self"),
                        organisation_name=name,
                        related_person_name=associate,
                        identifier=shown_id,
                        start_date=start,
                        end_date=end,
                        reason=found[1],
                        score=found[0],
                    )
                )
    hits.sort(
        key=lambda h: (
            -h.score,
            h.version.official_name.casefold(),
            h.version.official_id,
            h.organisation_name.casefold(),
        )
    )
    return hits


def readable_department_ids(user: User) -> set[int] | None:
    """Departments whose officials' declarations `user` may search: None means every one.

    As for the review queue (register.access): auditors everything, compliance officers the
    officials now in their assigned departments, anyone else nothing."""
    return review_department_ids(user)


def searched_department_ids(user: User, filters: SearchFilters) -> set[int] | None:
    """The departments a search covers: those `user` may read, narrowed by the filter."""
    readable = readable_department_ids(user)
    if filters.department_id is None:
        return readable
    if readable is not None and filters.department_id not in readable:
        return set()
    return {filters.department_id}


def latest_version_records(
    session: Session,
    department_ids: Collection[int] | None = None,
    batch: int = 2000,
    *,
    version_ids: Collection[int] | None = None,
) -> Iterator[VersionRecord]:
    """Each official's latest submitted version from their most recent cycle with one (the
    versions screening reads, see register.declarations.queries.latest_versions), streamed;
    only officials now in `department_ids` unless it is None, and only `version_ids` unless
    it is None."""
    if department_ids is not None and not department_ids:
        return
    latest = latest_version_ids()
    statement = (
        select(
            DeclarationVersion.id,
            DeclarationVersion.number,
            DeclarationVersion.content,
            Declaration.id.label("declaration_id"),
            DeclarationCycle.name.label("cycle"),
            User.id.label("official_id"),
            User.full_name,
            Department.name.label("department"),
        )
        .join(latest, latest.c.version_id == DeclarationVersion.id)
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .join(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .join(User, Declaration.official_id == User.id)
        .outerjoin(Department, User.department_id == Department.id)
        .execution_options(yield_per=batch)
    )
    if department_ids is not None:
        statement = statement.where(User.department_id.in_(sorted(department_ids)))
    chunks: list[list[int] | None] = [None]
    if version_ids is not None:
        ids = sorted(version_ids)
        chunks = [ids[i : i + IN_BATCH] for i in range(0, len(ids), IN_BATCH)]
    for chunk in chunks:
        query = statement if chunk is None else statement.where(DeclarationVersion.id.in_(chunk))
        for row in session.execute(query):
            yield VersionRecord(
                version_id=row.id,
                version_number=row.number,
                declaration_id=row.declaration_id,
                cycle_name=row.cycle,
                official_id=row.official_id,
                official_name=row.full_name,
                department_name=row.department,
                content=row.content,
            )


def _key_range(prefix: str) -> tuple[str, str]:
    """The keys beginning with `prefix`, as a range an index walks (a LIKE would not use the
    index on PostgreSQL outside the C collation, nor on SQLite, whose LIKE ignores case).

    The bound is the highest code point after the prefix: the keys are lower-case words and
    written-alike forms, which sort after their prefix and before it in binary (SQLite) and C
    (the register's PostgreSQL) order."""
    return prefix, prefix + "\U0010ffff"


def prefix_name_ids(session: Session, query: str) -> set[int]:
    """The declared names (ids in the stored index) whose words, one after another, begin
    with the query's words (`prefix_match`).

    Found through the index's keys: a name's written-alike form ("c:morninglaneassociates")
    begins with the query's when the query begins the name, and a name's distinctive word
    ("t:lane") begins with the query's first word otherwise; each name found is then checked
    word by word. Words the engine never indexes (legal forms, very common words) are found only
    at the start of a name."""
    words = words_of(query)
    if len("".join(words)) < MIN_PREFIX:
        return set()
    prefixes = {"t:" + words[0]}
    for name in org_names(query):
        prefixes.update("c:" + key for key in written_alike(name) if len(key) >= MIN_PREFIX)
    # A later word of the query narrows the names read through a word's key in the database
    # already: a name's words hold it as written. (So a word written with an accent in the name,
    # "Nero Café", is found by "nero cafe" only when the query begins the name: the "c:" keys
    # are the engine's, accents set aside.)
    others = [ScreeningName.name.ilike(_like_pattern(word), escape="\\") for word in words[1:]]
    found: set[int] = set()
    for prefix in sorted(prefixes):
        low, high = _key_range(prefix)
        statement = (
            select(ScreeningName.id, ScreeningName.name)
            .join(ScreeningNameKey, ScreeningNameKey.name_id == ScreeningName.id)
            .where(
                ScreeningNameKey.side == DECLARED_SIDE,
                ScreeningNameKey.key >= low,
                ScreeningNameKey.key < high,
            )
            .limit(MAX_PREFIX_NAMES)
        )
        if prefix.startswith("t:"):
            statement = statement.where(*others)
        rows = session.execute(statement)
        found.update(name_id for name_id, name in rows if prefix_match(words, name))
    return found


def candidate_version_ids(session: Session, query: str) -> set[int]:
    """The latest versions that may declare an organisation matching `query`, from the stored
    candidate index: those with a name the engine matches, or whose words begin with the
    query's, or with the number searched for."""
    query = query.strip()
    names = matching_names(session, DECLARED_SIDE, [query], relatives=False).get(query, [])
    name_ids = {m.name_id for m in names} | prefix_name_ids(session, query)
    found = [*declared_with_names(session, name_ids).values()]
    number = identifier_query(query)
    if number:
        found.extend(declared_with_identifiers(session, any_scheme_keys(number)).values())
    return version_ids_of(session, {i for ids in found for i in ids})


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def named_officials(
    session: Session, query: str, department_ids: Collection[int] | None
) -> list[NamedOfficial]:
    """The officials now in `department_ids` (None: any) whom `query` names (`names_person`),
    by name; one more than MAX_NAMED_OFFICIALS at most (so that the caller knows there are more).

    People's names are not in the candidate index: the officials whose name holds the query's
    longest word are read (one pass over the people table, a few thousand rows at most even
    for the largest department) and each is compared."""
    if department_ids is not None and not department_ids:
        return []
    words = sorted(words_of(query), key=len, reverse=True)
    if not words or len(words[0]) < 2 or identifier_query(query):
        return []
    statement = (
        select(User.id, User.full_name, Department.name)
        .outerjoin(Department, User.department_id == Department.id)
        .where(User.role == OFFICIAL, User.full_name.ilike(_like_pattern(words[0]), escape="\\"))
        .order_by(User.full_name, User.id)
    )
    if department_ids is not None:
        statement = statement.where(User.department_id.in_(sorted(department_ids)))
    found = []
    for official_id, full_name, department in session.execute(statement):
        reason = names_person(query, full_name)
        if reason is not None:
            found.append(NamedOfficial(official_id, full_name, department, reason))
            if len(found) > MAX_NAMED_OFFICIALS:
                break
    return found


def _latest_of(session: Session, official_ids: Collection[int]) -> set[int]:
    """The latest submitted versions of these officials."""
    if not official_ids:
        return set()
    latest = latest_version_ids()
    found: set[int] = set()
    ids = sorted(official_ids)
    for start in range(0, len(ids), IN_BATCH):
        found.update(
            session.scalars(
                select(latest.c.version_id).where(
                    latest.c.official_id.in_(ids[start : start + IN_BATCH])
                )
            )
        )
    return found


def search(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None = None,
    filters: SearchFilters | None = None,
) -> SearchResults:
    """The search for `user`: auditors search everyone, compliance officers the officials of
    their assigned departments, anyone else nothing; by organisation and by official."""
    filters = filters or SearchFilters()
    if not query.strip():
        return SearchResults([])
    departments = searched_department_ids(user, filters)
    if departments is not None and not departments:
        return SearchResults([])
    officials = named_officials(session, query, departments)
    more = len(officials) > MAX_NAMED_OFFICIALS
    officials = officials[:MAX_NAMED_OFFICIALS]
    named = {o.official_id for o in officials}
    versions = latest_version_records(
        session,
        departments,
        version_ids=candidate_version_ids(session, query) | _latest_of(session, named),
    )
    hits = find_declared_interests(
        versions, query, as_at=as_at, category=filters.category, named=named
    )
    return SearchResults(hits, officials, more)


def search_declarations(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None = None,
    filters: SearchFilters | None = None,
) -> list[InterestHit]:
    """The interests `search` finds."""
    return search(session, user, query, as_at=as_at, filters=filters).hits


def search_declarations_audited(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None,
    filters: SearchFilters | None = None,
    ip_address: str | None = None,
) -> SearchResults:
    """`search`, with an audit entry of who searched for what and what was found: a search
    across officials' declarations reads personal data."""
    found = search(session, user, query, as_at=as_at, filters=filters)
    held = f" held on {as_at:%-d %B %Y}" if as_at else ""
    record(
        session,
        "declarations.searched",
        f"Searched declarations for “{query}”{held}: {len(found.hits)} interests found",
        actor=user,
        ip_address=ip_address,
        details=summary_details(query, as_at, found, filters),
    )
    return found


def summary_details(
    query: str,
    as_at: date | None,
    found: SearchResults,
    filters: SearchFilters | None = None,
) -> dict[str, Any]:
    """What the audit entry of a search (or of its export) records."""
    details: dict[str, Any] = {
        "query": query,
        "as_at": as_at.isoformat() if as_at else None,
        "results": len(found.hits),
        "officials": found.official_count,
    }
    if found.officials:
        details["officials_named"] = [o.official_id for o in found.officials]
    if filters is not None and (filters.category or filters.department_id):
        details["filters"] = filters.describe()
    return details


EXPORT_HEADER = [
    "official",
    "official_email",
    "department",
    "organisation_declared",
    "associate",
    "identifier",
    "category",
    "whose_interest",
    "start_date",
    "end_date",
    "cycle",
    "version",
    "why_it_matches",
]


def export_rows(
    session: Session, hits: list[InterestHit], categories: dict[str, str]
) -> Iterator[list[Any]]:
    """The rows of a search's export (EXPORT_HEADER), in the order the page lists them;
    `categories` gives each category's label."""
    ids = sorted({h.version.official_id for h in hits})
    emails: dict[int, str] = {}
    for start in range(0, len(ids), IN_BATCH):
        batch = select(User.id, User.email).where(User.id.in_(ids[start : start + IN_BATCH]))
        emails.update({user_id: email for user_id, email in session.execute(batch)})
    for h in hits:
        yield [
            h.version.official_name,
            emails.get(h.version.official_id, ""),
            h.version.department_name,
            h.organisation_name,
            h.related_person_name,
            h.identifier,
            categories.get(h.category, h.category),
            WHOSE.get(h.whose, h.whose),
            h.start_date,
            h.end_date,
            h.version.cycle_name,
            h.version.version_number,
            h.reason,
        ]


def search_export_audited(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None,
    filters: SearchFilters | None = None,
    ip_address: str | None = None,
) -> SearchResults:
    """`search` for a download of its results, with an audit entry: the file leaves the
    register with officials' declared interests in it."""
    found = search(session, user, query, as_at=as_at, filters=filters)
    record(
        session,
        "declarations.search_exported",
        f"Exported the search of declarations for “{query}” as CSV: {len(found.hits)} interests",
        actor=user,
        object_type="export",
        ip_address=ip_address,
        details=summary_details(query, as_at, found, filters),
    )
    return found
