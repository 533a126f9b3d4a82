"""Benchmark the search across declarations with 20,000 officials.

Each official has a submitted version in two cycles, five interests each, with names built from
common words plus a unique one (so every name must be compared: the worst case). It times
`search_declarations` for an auditor (everyone) by name, by name held on a date, by company
number, for a compliance officer with two of twenty departments, and a process's first search
(names not yet normalised), and prints the median and p95 of each.

    python bench/declaration_search.py --url postgresql+psycopg://.../register_bench_search
    python bench/declaration_search.py            # the same on a SQLite file
    python bench/declaration_search.py --quick    # 500 officials, for the test suite

--url names a throwaway PostgreSQL database: its public schema is replaced.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import (  # noqa: E402
    database_label,
    fresh_app,
    index_size_line,
    index_size_mb,
    timings,
)
from register.declarations.queries import index_all_declarations  # noqa: E402
from register.extensions import db  # noqa: E402
from register.models import (  # noqa: E402
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Department,
    User,
)
from register.models.declarations import cycle_department  # noqa: E402
from register.models.people import compliance_assignment  # noqa: E402
from register.review.search import search_declarations  # noqa: E402

WORDS = [
    "morning",
    "lane",
    "river",
    "north",
    "south",
    "green",
    "blue",
    "oak",
    "ash",
    "birch",
    "capital",
    "care",
    "futures",
    "frontline",
    "health",
    "social",
    "harbour",
    "bridge",
    "stone",
    "mill",
    "field",
    "park",
    "castle",
    "kings",
    "queens",
    "station",
    "meadow",
    "hill",
    "vale",
    "orchard",
]
FORMS = ["Ltd", "Limited", "PLC", "LLP", "CIC", "", "Group", "Services Ltd", "Consulting"]
CATEGORIES = ["directorship", "employment", "shareholding", "membership", "gift"]


def organisation(rng: random.Random) -> str:
    words = [*rng.sample(WORDS, 2), "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))]
    return " ".join(w.title() for w in words) + " " + rng.choice(FORMS)


def interest(rng: random.Random, key: str) -> dict[str, object]:
    category = rng.choice(CATEGORIES)
    start = date(rng.randint(2005, 2024), rng.randint(1, 12), 1)
    return {
        "lineage": key, "category": category, "whose": "self",
        "organisation_name": organisation(rng), "identifier_scheme": "GB-COH",
        "organisation_identifier": f"{rng.randint(1, 99_999_999):08d}",
        "start_date": start.isoformat(),
        "end_date": start.isoformat() if category == "gift" else None,
        "details": None, "role": None, "related_organisations": [],
    }  # fmt: skip


def build(officials: int) -> None:
    """Twenty departments, two cycles, `officials` officials each with a submitted version per
    cycle of five interests, an auditor, and a compliance officer for two departments; twenty
    officials declare Morning Lane Associates Ltd."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    session = db.session
    session.execute(insert(Department), [
        {"id": d, "code": f"D{d}", "name": f"Department {d}", "created_at": now}
        for d in range(1, 21)
    ])  # fmt: skip
    session.execute(insert(DeclarationCycle), [
        {"id": c, "name": f"{2023 + c}/{24 + c}", "opens_on": date(2023 + c, 4, 1),
         "due_on": date(2023 + c, 6, 30), "created_at": now}
        for c in (1, 2)
    ])  # fmt: skip
    session.execute(insert(cycle_department), [
        {"cycle_id": c, "department_id": d} for c in (1, 2) for d in range(1, 21)
    ])  # fmt: skip
    users, declarations, versions = [], [], []
    for uid in range(1, officials + 3):
        role = "official" if uid <= officials else ("auditor", "compliance")[uid - officials - 1]
        users.append({
            "id": uid, "email": f"u{uid}@example.gov.uk", "full_name": f"Person {uid}",
            "role": role, "department_id": 1 + uid % 20 if role == "official" else None,
            "is_senior": True, "password_hash": "!", "active": True,
            "session_token": f"bench-{uid}", "created_at": now,
        })  # fmt: skip
        if role != "official":
            continue
        for cycle in (1, 2):
            did = uid * 2 + cycle
            items = [{**interest(rng, f"{did}-{k}"), "id": did * 10 + k} for k in range(5)]
            if uid % (officials // 20 or 1) == 0:  # twenty officials, whatever the size
                items[0]["organisation_name"] = "Morning Lane Associates Ltd"
            declarations.append({
                "id": did, "official_id": uid, "cycle_id": cycle, "state": "submitted",
                "is_nil": False, "version_count": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
            content = {"declaration_id": did, "official_id": uid, "nil_return": False,
                       "interests": items}  # fmt: skip
            versions.append({
                "id": did, "declaration_id": did, "number": 1, "is_nil": False,
                "content": json.dumps(content, sort_keys=True), "content_digest": "0" * 64,
                "attestation_text": "bench", "attested_by_id": uid, "attested_at": now,
            })  # fmt: skip
    for model, rows in ((User, users), (Declaration, declarations),
                        (DeclarationVersion, versions)):  # fmt: skip
        for i in range(0, len(rows), 2000):
            session.execute(insert(model), rows[i : i + 2000])
    session.execute(insert(compliance_assignment), [
        {"user_id": officials + 2, "department_id": d} for d in (1, 2)
    ])  # fmt: skip
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a throwaway PostgreSQL database (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="500 officials, 3 repeats")
    parser.add_argument("--officials", type=int, default=20_000)
    options = parser.parse_args()
    officials, repeat = (500, 3) if options.quick else (options.officials, 11)
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(options.url, Path(folder))
        with app.app_context():
            started = time.perf_counter()
            build(officials)
            print(f"generated {officials:,} officials ({officials * 10:,} declared interests) in "
                  f"{time.perf_counter() - started:.1f}s on {database_label(app)}")  # fmt: skip
            # The rows went in directly, past the services that index a submission: index them.
            started = time.perf_counter()
            indexed = index_all_declarations(db.session)
            db.session.commit()
            print(f"indexed {indexed:,} officials' latest declarations in "
                  f"{time.perf_counter() - started:.1f}s")  # fmt: skip
            with db.engine.connect() as connection:
                print(index_size_line(index_size_mb(connection)))
            auditor = db.session.get(User, officials + 1)
            officer = db.session.get(User, officials + 2)
            started = time.perf_counter()
            search_declarations(db.session, auditor, "MORNING LANE ASSOCIATES LIMITED")
            print(f"{'auditor, first search (names cold)':36} "
                  f"{(time.perf_counter() - started) * 1000:7.1f} ms")  # fmt: skip
            cases = [
                ("auditor, by name", auditor, "MORNING LANE ASSOCIATES LIMITED", None),
                ("auditor, by name, held on a date", auditor, "Morning Lane Associates",
                 date(2020, 1, 1)),
                ("auditor, by company number", auditor, "12345678", None),
                ("compliance, 2 of 20 departments", officer, "morning lane associates", None),
            ]  # fmt: skip
            for label, user, query, held_on in cases:

                def search(user: User = user, query: str = query, on: date | None = held_on):
                    return search_declarations(db.session, user, query, as_at=on)

                found = len(search())
                median, p95 = timings(search, repeat)
                print(f"{label:36} median {median:7.1f} ms, p95 {p95:7.1f} ms, {found} found")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
