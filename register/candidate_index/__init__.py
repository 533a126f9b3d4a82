"""The stored candidate index: which award suppliers and declared organisations may match a
name, and which company officer records may name an official, found with a few indexed queries
in the database, never with an index in memory.

The keys are the in-memory engine's own (register.matching.index: written-alike keys,
distinctive words, and the deletion and segment neighbourhoods of every word), so the same
names are found; the engine's comparison then decides each pair. Each name also keeps a
signature (its distinctive words without symbols, name by name: distinctive_signature), read
with the candidates' ids: a candidate with a word nothing in the query can match cannot be
related to it (_may_be_related says why), so only the others' text and outlines are read and
verified. Each side ("supplier",
"declared") holds the distinct raw names of the records screened: award suppliers of awards
that are not another's copy, and the organisations of each official's latest submitted
version. The rows that change (an import, a submission) are indexed in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from register.matching.index import (
    lookup_words,
    name_keys,
    neighbour_keys,
    two_edit_neighbours,
    vocabulary_keys,
)
from register.matching.names import DISTINCTIVE, Outline, may_relate, org_names, word_matched
from register.matching.people import (
    Person,
    person_keys,
    read_person_name,
    written_name_keys,
)
from register.matching.score import identifier_keys, match_names, relate_names
from register.models import (
    Award,
    AwardSupplier,
    CompanyOfficer,
    DeclaredIdentifierKey,
    DeclaredOrganisation,
    OfficerNameKey,
    ScreeningName,
    ScreeningNameKey,
    ScreeningWordKey,
    SupplierIdentifierKey,
)
from register.models.base import IN_BATCH, core_table, insert_rows, one_of
from register.models.candidate_index import DECLARED_SIDE, SUPPLIER_SIDE

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

__all__ = ["DECLARED_SIDE", "SUPPLIER_SIDE", "DeclaredName", "NameMatch"]


def _chunks(values: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def identifier_key(scheme: str, value: str) -> str:
    """An identifier in the register's one form, as the index stores it."""
    return f"{scheme}:{value}"


def record_identifier_keys(identifiers: tuple[tuple[str, str], ...]) -> set[str]:
    return {identifier_key(s, v) for s, v in identifier_keys(identifiers)}


def supplier_name_text(name: str, aliases: Iterable[str]) -> str:
    """An award supplier's name as the engine reads it: with its trading names."""
    return name + "".join(f" T/A {alias}" for alias in aliases)


def _insert_new(session: Session | Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, leaving those already there (a concurrent transaction may add them too).

    Rows go in sorted, so that concurrent transactions take their locks in one order.
    """
    if not rows:
        return
    bind = session if isinstance(session, Connection) else session.get_bind()
    dialect = bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ordered = sorted(rows, key=itemgetter(*rows[0]))
    for start in range(0, len(ordered), 5000):
        session.execute(insert(table).on_conflict_do_nothing(), ordered[start : start + 5000])


# Screening a declaration reads the award suppliers committed so far, and screening imported
# suppliers reads the declarations committed so far: run at the same moment, each could miss
# the other's new rows. Declarations take this lock shared (they do not wait for each other),
# imported suppliers exclusive, each until its transaction ends, so one always sees the other.
# Every audited transaction takes it (shared) before the audit chain (register.audit.log), so
# the lock order is the same everywhere: a transaction that takes it exclusive takes it first.
SCREENING_LOCK = 0x5C12EE


def hold_screening_lock(session: Session, *, exclusive: bool) -> None:
    """Take the screening lock until the transaction ends (PostgreSQL; SQLite has one writer).

    Every audit entry asks for it: a transaction that holds it already (exclusive, or shared
    when shared is asked) does not ask the server again. Only a lock taken outside savepoints is
    remembered: rolling back to a savepoint releases the locks taken since."""
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    transaction = connection.get_transaction()
    held = session.info.get(_LOCK_HELD)
    if held is not None and held[0] is transaction and (held[1] or not exclusive):
        return
    function = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    session.execute(select(function(SCREENING_LOCK)))
    if not connection.in_nested_transaction():
        session.info[_LOCK_HELD] = (transaction, exclusive)


_LOCK_HELD = "screening_lock_held"  # session.info: (the database transaction, if exclusive)


# Writing ------------------------------------------------------------------------------------


def name_ids(session: Session, side: str, names: Collection[str]) -> dict[str, int]:
    """The ids of these raw names on this side, indexing those not yet there with their keys
    and any new words' neighbourhoods."""
    digests = {_digest(name): name for name in names}
    found = _name_ids_by_digest(session, side, digests)
    missing = [d for d in digests if d not in found]
    if missing:
        _insert_new(
            session,
            ScreeningName.__table__,  # type: ignore[arg-type]
            [
                {"side": side, "digest": d, "name": digests[d], "outlines": _outlines(digests[d])}
                for d in missing
            ],
        )
        added = _name_ids_by_digest(session, side, {d: digests[d] for d in missing})
        found.update(added)
        key_rows: list[dict[str, object]] = []
        words: set[str] = set()
        for digest, name_id in added.items():
            keys, name_words = name_keys(digests[digest])
            signature = distinctive_signature(digests[digest])
            if signature is not None:
                keys.add(signature)
            key_rows.extend({"side": side, "key": k, "name_id": name_id} for k in keys)
            words.update(name_words)
        _insert_new(session, ScreeningNameKey.__table__, key_rows)  # type: ignore[arg-type]
        _index_words(session, words)
    return {digests[d]: name_id for d, name_id in found.items()}


def _outlines(name: str) -> str:
    return json.dumps([form.outline.to_json() for form in org_names(name)])


# A name's distinctive words without symbols, form by form: "f:acorn birch|acorn". What
# screening reads of a candidate before deciding whether to verify it (_may_be_related).
SIGNATURE = "f:"
_SIGNATURE_END = "f;"
MAX_KEY_LENGTH = 600  # ScreeningNameKey.key


def distinctive_signature(raw: str) -> str | None:
    """The key that lists, for each name of a raw name (org_names), the words of its parts
    that are distinctive and carry no symbol; None when one of its names has no such word (or
    the key would be too long): then nothing about the name rules it out before verifying."""
    groups = []
    for form in org_names(raw):
        words = sorted(
            {w for w, role, symbols in form.outline.words if role == DISTINCTIVE and not symbols}
        )
        if not words or any(not w or " " in w or "|" in w for w in words):
            return None
        groups.append(" ".join(words))
    key = SIGNATURE + "|".join(groups)
    return key if groups and len(key) <= MAX_KEY_LENGTH else None


def _name_ids_by_digest(session: Session, side: str, digests: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(digests):
        statement = select(ScreeningName.digest, ScreeningName.id).where(
            ScreeningName.side == side, one_of(session, ScreeningName.digest, chunk)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Held until commit, so that no concurrent clean-up removes a name being linked.
            statement = statement.with_for_update(read=True, key_share=True)
        found.update({digest: name_id for digest, name_id in session.execute(statement)})
    return found


def _index_words(session: Session, words: set[str]) -> None:
    """Add the neighbourhoods of the words not yet in the vocabulary.

    On PostgreSQL they are committed at once, on a connection of their own: the vocabulary only
    grows, a word without names finds nothing, and a long import must not hold a word that a
    declaration submitted meanwhile also needs. Each word's keys go in together.
    """
    known: set[str] = set()
    for chunk in _chunks("w:" + w for w in words):
        known.update(
            key[2:]
            for key in session.scalars(
                select(ScreeningWordKey.key).where(one_of(session, ScreeningWordKey.key, chunk))
            )
        )
    rows: list[dict[str, Any]] = [
        {"key": key, "word": word} for word in words - known for key in vocabulary_keys(word)
    ]
    bind = session.get_bind()
    table = ScreeningWordKey.__table__
    if rows and isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with bind.begin() as connection:
            _insert_new(connection, table, rows)  # type: ignore[arg-type]
    else:
        _insert_new(session, table, rows)  # type: ignore[arg-type]


def release_names(session: Session, side: str, ids: Collection[int]) -> None:
    """Remove names no record on their side has any more (rarity counts only live names).

    A concurrent transaction may link one in the meantime: that name stays.
    """
    if not ids:
        return
    used = (
        exists().where(AwardSupplier.screening_name_id == ScreeningName.id)
        if side == SUPPLIER_SIDE
        else exists().where(DeclaredOrganisation.name_id == ScreeningName.id)
    )
    for chunk in _chunks(sorted(ids)):
        try:
            with session.begin_nested():
                session.execute(delete(ScreeningName).where(ScreeningName.id.in_(chunk), ~used))
        except DBAPIError:  # linked meanwhile, or a deadlock with the transaction linking it
            continue


def index_suppliers(
    session: Session, supplier_ids: Iterable[int], released: Collection[int] = ()
) -> None:
    """Index these award suppliers again (their names and identifiers; none for the suppliers
    of an award that is another's copy), after an import added or changed them. `released`:
    names of suppliers the import removed."""
    old_names: set[int] = set(released)
    for chunk in _chunks(sorted(set(supplier_ids))):
        rows = session.execute(
            select(
                AwardSupplier.id,
                AwardSupplier.name,
                AwardSupplier.aliases,
                AwardSupplier.identifiers,
                AwardSupplier.screening_name_id,
                Award.duplicate_of_id,
            )
            .join(Award, AwardSupplier.award_id == Award.id)
            .where(one_of(session, AwardSupplier.id, chunk))
        ).all()
        names = {row.id: supplier_text(row) for row in rows if row.duplicate_of_id is None}
        ids = name_ids(session, SUPPLIER_SIDE, set(names.values()))
        changes = []
        for row in rows:
            new = ids[names[row.id]] if row.id in names else None
            if new != row.screening_name_id:
                changes.append({"row_id": row.id, "name_id": new})
                if row.screening_name_id is not None:
                    old_names.add(row.screening_name_id)
        _set_names(session, changes)
        session.execute(
            delete(SupplierIdentifierKey).where(
                one_of(session, SupplierIdentifierKey.award_supplier_id, chunk)
            )
        )
        _insert_new(
            session,
            SupplierIdentifierKey.__table__,  # type: ignore[arg-type]
            [
                {"key": key, "award_supplier_id": row.id}
                for row in rows
                if row.id in names
                for key in record_identifier_keys(_pairs(row.identifiers))
            ],
        )
    release_names(session, SUPPLIER_SIDE, old_names)


def name_new_suppliers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Give the award supplier rows about to be inserted (of new awards: no copy of another
    yet) their names in the index, as `screening_name_id`: set as they go in, not updated
    after (an UPDATE per supplier was a third of an import's time on PostgreSQL)."""
    texts = [supplier_name_text(row["name"], json.loads(row["aliases"])) for row in rows]
    ids = name_ids(session, SUPPLIER_SIDE, set(texts))
    for row, name in zip(rows, texts, strict=True):
        row["screening_name_id"] = ids[name]


def index_new_suppliers(session: Session, inserted: Iterable[tuple[int, str]]) -> None:
    """Index the identifiers of award suppliers just inserted (id, identifiers JSON), named by
    name_new_suppliers."""
    insert_rows(
        session,
        core_table(SupplierIdentifierKey),
        [
            {"key": key, "award_supplier_id": supplier_id}
            for supplier_id, identifiers in inserted
            for key in sorted(record_identifier_keys(_pairs(identifiers)))
        ],
    )


def _set_names(session: Session, changes: list[dict[str, Any]]) -> None:
    """Point award suppliers at their names: on PostgreSQL one UPDATE from two arrays per batch
    (row by row, it was half of an import's time); SQLite's executemany is in-process."""
    if not changes:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "UPDATE award_supplier AS s SET screening_name_id = d.name_id "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:names AS integer[])) AS d(id, name_id) "
                "WHERE s.id = d.id"
            ),
            {"ids": [c["row_id"] for c in changes], "names": [c["name_id"] for c in changes]},
        )
        return
    table = AwardSupplier.__table__
    session.execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("row_id"))
        .values(screening_name_id=bindparam("name_id")),
        changes,
    )


def supplier_text(row: Any) -> str:
    """The raw name of an award supplier row (with `name` and `aliases` JSON)."""
    return supplier_name_text(row.name, json.loads(row.aliases))


def _pairs(identifiers_json: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(s), str(v)) for s, v in json.loads(identifiers_json))


def index_officers(session: Session, officer_ids: Iterable[int]) -> None:
    """Index these company officer records again (the blocks of their names), after an import
    added or changed them."""
    for chunk in _chunks(sorted(set(officer_ids))):
        rows = session.execute(
            select(
                CompanyOfficer.id,
                CompanyOfficer.name,
                CompanyOfficer.birth_month,
                CompanyOfficer.birth_year,
            ).where(CompanyOfficer.id.in_(chunk))
        ).all()
        session.execute(delete(OfficerNameKey).where(OfficerNameKey.officer_id.in_(chunk)))
        keys: list[dict[str, Any]] = []
        for row in rows:
            name = read_person_name(row.name)
            if name is not None:
                keys.extend(
                    {"key": key[:300], "officer_id": row.id}
                    for key in written_name_keys(name, row.birth_month, row.birth_year)
                )
        _insert_new(session, OfficerNameKey.__table__, keys)  # type: ignore[arg-type]


def index_all_officers(session: Session, batch: int = 20000) -> int:
    """Index every company officer record; return how many."""
    return _in_batches(session, CompanyOfficer.id, index_officers, batch)


def officers_named_by(session: Session, people: Iterable[Person]) -> list[int]:
    """The company officer records (ids) whose names share a block with one of these people's
    (PersonIndex's blocks): every record that may name one of them, and few others."""
    keys = {key[:300] for item in people for key in person_keys(item)}
    found = _grouped(session, OfficerNameKey.key, OfficerNameKey.officer_id, keys)
    return sorted({officer_id for ids in found.values() for officer_id in ids})


@dataclass(frozen=True)
class DeclaredName:
    """One organisation of a version, as the index keeps it."""

    interest_id: int
    source_key: str
    name: str
    identifiers: tuple[tuple[str, str], ...]
    search_numbers: tuple[str, ...] = ()  # numbers declared without a scheme


def index_declared(
    session: Session, official_id: int, version_id: int | None, names: list[DeclaredName]
) -> None:
    """Make these the official's declared organisations (of their latest submitted version)."""
    old = set(
        session.scalars(
            select(DeclaredOrganisation.name_id).where(
                DeclaredOrganisation.official_id == official_id
            )
        )
    )
    session.execute(
        delete(DeclaredOrganisation).where(DeclaredOrganisation.official_id == official_id)
    )
    if version_id is not None and names:
        ids = name_ids(session, DECLARED_SIDE, {n.name for n in names})
        created = session.execute(
            DeclaredOrganisation.__table__.insert().returning(  # type: ignore[attr-defined]
                DeclaredOrganisation.id,
                DeclaredOrganisation.interest_id,
                DeclaredOrganisation.source_key,
            ),
            [
                {
                    "official_id": official_id,
                    "version_id": version_id,
                    "interest_id": n.interest_id,
                    "source_key": n.source_key,
                    "name_id": ids[n.name],
                }
                for n in names
            ],
        ).all()
        by_key = {(row.interest_id, row.source_key): row.id for row in created}
        _insert_new(
            session,
            DeclaredIdentifierKey.__table__,  # type: ignore[arg-type]
            [
                {"key": key, "declared_organisation_id": by_key[(n.interest_id, n.source_key)]}
                for n in names
                for key in record_identifier_keys(n.identifiers).union(
                    *(any_scheme_keys(number) for number in n.search_numbers)
                )
            ],
        )
        old -= set(ids.values())
    release_names(session, DECLARED_SIDE, old)


def any_scheme_keys(number: str) -> set[str]:
    """A number given without a scheme, read as a company and as a charity number."""
    return record_identifier_keys((("GB-COH", number), ("GB-CHC", number)))


def clear(session: Session) -> None:
    """Empty the index (before a rebuild), but for the vocabulary's neighbourhoods: they only
    grow, a word no name has finds nothing, and on PostgreSQL other transactions add to them."""
    session.execute(update(AwardSupplier).values(screening_name_id=None))
    for model in (
        OfficerNameKey,
        SupplierIdentifierKey,
        DeclaredIdentifierKey,
        DeclaredOrganisation,
        ScreeningNameKey,
        ScreeningName,
    ):
        session.execute(delete(model))


def index_all_suppliers(session: Session, batch: int = 20000) -> int:
    """Index every award supplier; return how many."""
    return _in_batches(session, AwardSupplier.id, index_suppliers, batch)


def _in_batches(
    session: Session, column: Any, index: Callable[[Session, list[int]], None], batch: int
) -> int:
    done = 0
    last = 0
    while True:
        ids = list(
            session.scalars(select(column).where(column > last).order_by(column).limit(batch))
        )
        if not ids:
            return done
        index(session, ids)
        session.flush()
        done += len(ids)
        last = ids[-1]


# Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameMatch:
    name_id: int
    name: str
    score: float


def matching_names(
    session: Session, side: str, raws: Collection[str], *, relatives: bool
) -> dict[str, list[NameMatch]]:
    """For each raw name, the indexed names on this side that match it (with `relatives`, also
    those of one group's companies), as RecordIndex.matching_names finds them."""
    candidates = candidate_names(session, side, raws)
    names = _names(session, set().union(*candidates.values()))
    relate = relate_names if relatives else match_names
    outlines: dict[int, list[Outline]] = {}
    results: dict[str, list[NameMatch]] = {}
    for raw, ids in candidates.items():
        mine = [form.outline for form in org_names(raw)]
        matches = []
        for name_id in sorted(ids):
            text, stored = names[name_id]
            theirs = outlines.get(name_id)
            if theirs is None:
                theirs = outlines[name_id] = [Outline.from_json(o) for o in json.loads(stored)]
            if not may_relate(mine, theirs):
                continue  # the cheap tests rule it out: no analysis, no comparison
            match = relate(raw, text)
            if match is not None:
                matches.append(NameMatch(name_id, text, match.score))
        results[raw] = matches
    return results


def candidate_names(session: Session, side: str, raws: Collection[str]) -> dict[str, set[int]]:
    """For each raw name, the indexed names (ids) to verify: those RecordIndex.candidate_names
    finds (the same keys), but for those their signatures rule out (_may_be_related)."""
    raws = [raw for raw in dict.fromkeys(raws) if raw]
    plans: dict[str, tuple[set[str], set[tuple[str, bool]]]] = {}
    counts = _name_counts(session, side, set().union(*(name_keys(raw)[1] for raw in raws)))
    wanted_keys: set[str] = set()
    neighbour_plans: dict[tuple[str, bool], tuple[list[str], list[str]]] = {}
    for raw in raws:
        keys, words = lookup_words(raw, lambda word: counts.get(word, 0))
        plans[raw] = (keys, words)
        for lookup in words:
            if lookup not in neighbour_plans:
                near, far = neighbour_plans[lookup] = neighbour_keys(*lookup)
                wanted_keys.update(near)
                wanted_keys.update(far)
    words_by_key = _words_by_key(session, wanted_keys)
    neighbours: dict[tuple[str, bool], set[str]] = {}
    for (word, alone), (near, far) in neighbour_plans.items():
        found = {w for key in near for w in words_by_key.get(key, ())}
        if far:
            found.update(
                two_edit_neighbours(word, (w for key in far for w in words_by_key.get(key, ())))
            )
        neighbours[word, alone] = found
    name_lookups: dict[str, set[str]] = {}
    for raw, (keys, words) in plans.items():
        lookups = set(keys)
        for lookup in words:
            lookups.update("t:" + n for n in neighbours[lookup])
        name_lookups[raw] = lookups
    return _candidate_ids(session, side, name_lookups)


def _candidate_ids(
    session: Session, side: str, name_lookups: dict[str, set[str]]
) -> dict[str, set[int]]:
    """For each raw name, the indexed names (ids) found under its look-up keys that their
    signatures do not rule out (_may_be_related); read by id and key only, the names' text
    and outlines are read for these alone."""
    found: dict[str, list[int]] = defaultdict(list)
    signatures: dict[int, str] = {}
    signature = aliased(ScreeningNameKey)
    for chunk in _chunks(sorted(set().union(*name_lookups.values()))):
        for looked_up, name_id, signed in session.execute(
            select(ScreeningNameKey.key, ScreeningNameKey.name_id, signature.key)
            .outerjoin(
                signature,
                # A range of the name's own keys in the (name_id, key) index. A test of the
                # key's prefix instead left PostgreSQL guessing how many keys pass it: it read
                # the whole table into a hash join (140 ms for 9,700 rows here, not 10).
                (signature.name_id == ScreeningNameKey.name_id)
                & (signature.key >= SIGNATURE)
                & (signature.key < _SIGNATURE_END),
            )
            .where(ScreeningNameKey.side == side, one_of(session, ScreeningNameKey.key, chunk))
        ):
            found[looked_up].append(name_id)
            if signed is not None:
                signatures[name_id] = signed
    candidates: dict[str, set[int]] = {}
    for raw, lookups in name_lookups.items():
        mine = [form.outline for form in org_names(raw)]
        written = {i for k in lookups if k.startswith("c:") for i in found.get(k, ())}
        matched: dict[str, tuple[bool, ...]] = {}
        verdicts: dict[str | None, bool] = {None: True}
        candidates[raw] = written | {
            name_id
            for k in lookups
            if not k.startswith("c:")
            for name_id in found.get(k, ())
            if name_id not in written and _verdict(signatures.get(name_id), mine, matched, verdicts)
        }
    return candidates


def _verdict(
    signature: str | None,
    mine: list[Outline],
    matched: dict[str, tuple[bool, ...]],
    verdicts: dict[str | None, bool],
) -> bool:
    """_may_be_related, once per signature (many names share one)."""
    found = verdicts.get(signature)
    if found is None:
        found = verdicts[signature] = _may_be_related(signature, mine, matched)
    return found


def _may_be_related(
    signature: str | None, mine: list[Outline], matched: dict[str, tuple[bool, ...]]
) -> bool:
    """False when an indexed name's signature shows that the comparison cannot relate it to a
    query (its names `mine`), True when it must decide. `matched` memoises, for a word, whether
    each of the query's names matches it (word_matched).

    Why it is safe. relate_names(query, name) is not None only if, for a name x of the query
    and a name y of the indexed one, compare_org_names(x, y) matches or finds a sister company;
    both need _early_verdict(x, y) to give no reason, so _unmatched_words(y, x, DISTINCTIVE) is
    empty: either y.compact == x.compact, or every part of y that is distinctive is
    word_matched in x. The signature lists, name by name, the words of y's distinctive parts
    that carry no symbol, so each of them must be word_matched(word, no symbols, x): exactly the
    test _unmatched_words applies to that part, with every rescue it allows (a word within the
    edits allowed, abbreviations, symbols, words run together; rigour's residue distance and the
    rescues of the full comparison come only after it). When y.compact == x.compact the name is
    found under the query's "c:" key x.compact (written_alike), and names found under a "c:" key
    are never ruled out here (_candidate_ids). So a name ruled out cannot match nor be a sister
    company: the stored path keeps every pair the in-memory engine's candidates give. A name
    without a signature (indexed before signatures, or one of its names has no such word) is
    always verified.
    """
    if signature is None:
        return True
    for group in signature[len(SIGNATURE) :].split("|"):
        possible = [True] * len(mine)
        for word in group.split(" "):
            found = matched.get(word)
            if found is None:
                found = matched[word] = tuple(word_matched(word, frozenset(), x) for x in mine)
            possible = [p and f for p, f in zip(possible, found, strict=True)]
        if any(possible):
            return True
    return False


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Each indexed name's text and outlines."""
    names: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(ids)):
        for name_id, name, outlines in session.execute(
            select(ScreeningName.id, ScreeningName.name, ScreeningName.outlines).where(
                one_of(session, ScreeningName.id, chunk)
            )
        ):
            names[name_id] = (name, outlines)
    return names


def _name_counts(session: Session, side: str, words: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in _chunks("t:" + w for w in sorted(words)):
        for key, count in session.execute(
            select(ScreeningNameKey.key, func.count())
            .where(ScreeningNameKey.side == side, one_of(session, ScreeningNameKey.key, chunk))
            .group_by(ScreeningNameKey.key)
        ):
            counts[key[2:]] = count
    return counts


def _words_by_key(session: Session, keys: set[str]) -> dict[str, list[str]]:
    return _grouped(session, ScreeningWordKey.key, ScreeningWordKey.word, keys)


def candidates(
    session: Session, side: str, queries: list[tuple[K, str, tuple[tuple[str, str], ...]]]
) -> dict[K, set[int]]:
    """For each query (its key, a raw name, identifiers), the records on `side` (award supplier
    ids, or declared organisation ids) whose names match or are a sister company's (score_pair
    says which), or that share an identifier."""
    names = matching_names(session, side, {name for _, name, _ in queries}, relatives=True)
    with_names, with_identifiers = (
        (suppliers_with_names, suppliers_with_identifiers)
        if side == SUPPLIER_SIDE
        else (declared_with_names, declared_with_identifiers)
    )
    by_name = with_names(session, {m.name_id for found in names.values() for m in found})
    by_identifier = with_identifiers(
        session, set().union(*(record_identifier_keys(ids) for _, _, ids in queries))
    )
    found: dict[K, set[int]] = {}
    for key, name, identifiers in queries:
        ids = {i for k in record_identifier_keys(identifiers) for i in by_identifier.get(k, ())}
        ids.update(i for m in names.get(name, ()) for i in by_name[m.name_id])
        found[key] = ids
    return found


def _grouped(
    session: Session, key: Any, value: Any, wanted: Collection[Any], *where: Any
) -> dict[Any, list[Any]]:
    """`value` of the rows whose `key` is one of `wanted`, by key (an indexed look-up)."""
    found: dict[Any, list[Any]] = defaultdict(list)
    for chunk in _chunks(sorted(wanted)):
        for k, v in session.execute(select(key, value).where(one_of(session, key, chunk), *where)):
            found[k].append(v)
    return found


def suppliers_with_names(session: Session, ids: Collection[int]) -> dict[int, list[int]]:
    """Award suppliers (ids) by the indexed name they have."""
    return _grouped(session, AwardSupplier.screening_name_id, AwardSupplier.id, ids)


def suppliers_with_identifiers(session: Session, keys: Collection[str]) -> dict[str, list[int]]:
    """Award suppliers (ids) by identifier key."""
    return _grouped(
        session, SupplierIdentifierKey.key, SupplierIdentifierKey.award_supplier_id, keys
    )


def declared_with_names(session: Session, ids: Collection[int]) -> dict[int, list[int]]:
    """Declared organisations (ids) by the indexed name they have."""
    return _grouped(session, DeclaredOrganisation.name_id, DeclaredOrganisation.id, ids)


def declared_with_identifiers(session: Session, keys: Collection[str]) -> dict[str, list[int]]:
    """Declared organisations (ids) by identifier key."""
    return _grouped(
        session, DeclaredIdentifierKey.key, DeclaredIdentifierKey.declared_organisation_id, keys
    )


def version_ids_of(session: Session, organisation_ids: Collection[int]) -> set[int]:
    """The versions these declared organisations are of."""
    found = _grouped(
        session, DeclaredOrganisation.id, DeclaredOrganisation.version_id, organisation_ids
    )
    return {version_id for ids in found.values() for version_id in ids}
