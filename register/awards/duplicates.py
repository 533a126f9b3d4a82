"""One contract published twice is one award (no Flask here).

Contracts Finder sometimes publishes one contract under two OCIDs (the demo's YORcivil framework
with Balfour Beatty: the same buyer, suppliers, value, award date and title). Each award gets a
duplicate key over exactly those facts; of the awards sharing a key, the first imported (lowest
id) is the award, and each other one is "also published as" it (`Award.duplicate_of_id`). Only
awards with no `duplicate_of_id` are screened, searched and counted. An award without a buyer,
value, award date, title or supplier gets no key: too little is known to call it a copy.

`relink` recomputes the links of some keys from what is stored, so a re-import, an update by a
newer release that changes an award's facts, or the migration of existing data all end the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from register.clock import utcnow
from register.models import Award, AwardSupplier
from register.models.base import IN_BATCH, one_of


def _plain(text: str | None) -> str:
    """Case, spacing and punctuation ignored (as for buyer names)."""
    if not text:
        return ""
    kept = "".join(ch if ch.isalnum() else " " for ch in text.casefold().replace("&", " and "))
    return " ".join(kept.split())


def duplicate_key(
    buyer: str | None,
    value: Decimal | None,
    currency: str | None,
    award_date: date | None,
    title: str | None,
    suppliers: Iterable[tuple[str, str | None]],
) -> str | None:
    """The key two publications of one contract share: buyer (by name), value and currency,
    award date, title, and the suppliers (by company number, else by name); None when any of
    them is missing."""
    supplier_keys = sorted(number or _plain(name) for name, number in suppliers)
    if not (_plain(buyer) and value is not None and award_date and _plain(title)):
        return None
    if not supplier_keys or not all(supplier_keys):
        return None
    content = [
        _plain(buyer),
        f"{Decimal(value).normalize():f}",
        (currency or "GBP").upper(),
        award_date.isoformat(),
        _plain(title),
        supplier_keys,
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


@dataclass
class LinkChange:
    award_id: int
    before: int | None  # the award it was a publication of
    after: int | None


def relink(session: Session, keys: Collection[str | None]) -> list[LinkChange]:
    """Point every award sharing one of `keys` at the first of them; the first points nowhere.
    Returns the awards whose link changed (their `updated_at` moves; their suppliers are
    indexed and screened again)."""
    ordered = sorted(k for k in set(keys) if k)
    changes: list[LinkChange] = []
    for i in range(0, len(ordered), IN_BATCH):
        canonical: dict[str | None, int] = {}
        for award_id, key, linked in session.execute(
            select(Award.id, Award.duplicate_key, Award.duplicate_of_id)
            .where(one_of(session, Award.duplicate_key, ordered[i : i + IN_BATCH]))
            .order_by(Award.id)
        ):
            first = canonical.setdefault(key, award_id)
            target = None if first == award_id else first
            if linked != target:
                changes.append(LinkChange(award_id, linked, target))
    now = utcnow()
    for change in changes:
        session.execute(
            update(Award)
            .where(Award.id == change.award_id)
            .values(duplicate_of_id=change.after, updated_at=now)
        )
    return changes


def unlink_keyless(session: Session, award_ids: Sequence[int]) -> list[LinkChange]:
    """Awards among `award_ids` that lost their key (an update removed a fact) stand alone."""
    changes: list[LinkChange] = []
    for i in range(0, len(award_ids), IN_BATCH):
        for award_id, linked in session.execute(
            select(Award.id, Award.duplicate_of_id).where(
                one_of(session, Award.id, award_ids[i : i + IN_BATCH]),
                Award.duplicate_key.is_(None),
                Award.duplicate_of_id.is_not(None),
            )
        ):
            changes.append(LinkChange(award_id, linked, None))
    now = utcnow()
    for change in changes:
        session.execute(
            update(Award)
            .where(Award.id == change.award_id)
            .values(duplicate_of_id=None, updated_at=now)
        )
    return changes


def supplier_ids_of(session: Session, award_ids: Collection[int]) -> list[int]:
    ids = sorted(set(award_ids))
    found: list[int] = []
    for i in range(0, len(ids), IN_BATCH):
        found.extend(
            session.scalars(
                select(AwardSupplier.id).where(
                    one_of(session, AwardSupplier.award_id, ids[i : i + IN_BATCH])
                )
            )
        )
    return found


def other_publications(session: Session, award_ids: Collection[int]) -> dict[int, list[Award]]:
    """For each of `award_ids`: the other publications of the same contract (its copies if it
    is the award, else the award and the other copies), oldest first."""
    ids = sorted(set(award_ids))
    if not ids:
        return {}
    roots: dict[int, int] = {}
    for i in range(0, len(ids), IN_BATCH):
        for award_id, linked in session.execute(
            select(Award.id, Award.duplicate_of_id).where(Award.id.in_(ids[i : i + IN_BATCH]))
        ):
            roots[award_id] = linked or award_id
    root_ids = sorted(set(roots.values()))
    family: dict[int, list[Award]] = {}
    for i in range(0, len(root_ids), IN_BATCH):
        chunk = root_ids[i : i + IN_BATCH]
        for award in session.scalars(
            select(Award)
            .where(Award.id.in_(chunk) | Award.duplicate_of_id.in_(chunk))
            .order_by(Award.id)
        ):
            family.setdefault(award.duplicate_of_id or award.id, []).append(award)
    return {
        award_id: [a for a in family.get(root, []) if a.id != award_id]
        for award_id, root in roots.items()
    }
