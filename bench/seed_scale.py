"""Seed a PostgreSQL register with the demo scaled up, for the load test (bench/load.py).

The schema comes from the Alembic migrations and the demo (real logins, cycles, the Morning
Lane case, real Contracts Finder awards) is built first; then bulk rows are added with COPY:
ten departments, officials who each owe a 2026/27 declaration (most filed, some drafts), their
interests and submitted versions, awards with their suppliers, flags with decisions.
Organisations are named as bench/organisation_names.py describes: a vocabulary shaped like real
supplier names, or `--vocabulary dense` (49 words) as a stress case.

    python bench/seed_scale.py --url postgresql+psycopg://register:...@127.0.0.1:5432/db
    python bench/seed_scale.py --url ... --quick     # a few thousand rows, seconds

Every bench account's password is BENCH_PASSWORD. The database's public schema is replaced.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from bench.common import fresh_app, index_size_line, index_size_mb  # noqa: E402
from bench.organisation_names import VOCABULARIES, OrganisationNames  # noqa: E402
from register import create_app, runtime  # noqa: E402
from register.auth.passwords import hash_password  # noqa: E402
from register.declarations.services import COPIED_FIELDS, canonical_json  # noqa: E402
from register.demo.build import build_demo  # noqa: E402
from register.extensions import db  # noqa: E402

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway load-test database only
CYCLE = "2026/27"
DEPARTMENT_COUNT = 10


@dataclass(frozen=True)
class Sizes:
    officials: int
    awards: int
    flags: int


FULL = Sizes(officials=20_000, awards=1_000_000, flags=100_000)
QUICK = Sizes(officials=300, awards=3_000, flags=600)


def reset_and_migrate(url: str) -> None:
    """Replace the database's schema with a migrated one holding the demo."""
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(url, Path(folder))
        with app.app_context():
            build_demo(db.session, runtime.settings(), progress=lambda _: None)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def copy(
    cursor: psycopg.Cursor[Any], table: str, columns: str, rows: Iterable[tuple[Any, ...]]
) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copier:  # noqa: S608 - constants
        for row in rows:
            copier.write_row(row)
            count += 1
    return count


def max_id(cursor: psycopg.Cursor[Any], table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - constants
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def seed(
    url: str,
    sizes: Sizes,
    seed_value: int = 2026,
    log: Any = print,
    vocabulary: str = "realistic",
) -> None:
    """Replace the database's contents with the demo scaled to `sizes`, organisations named
    with `vocabulary` (bench/organisation_names.py)."""
    rng = random.Random(seed_value)
    names = OrganisationNames(rng, sizes.awards * 11 // 10, vocabulary)
    started = time.perf_counter()
    reset_and_migrate(url)
    log(f"  migrated and loaded the demo in {time.perf_counter() - started:.1f} s")
    now = datetime.now(UTC)
    password_hash = hash_password(BENCH_PASSWORD)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM declaration_cycle WHERE name = %s", (CYCLE,))
        cycle_id = int(cursor.fetchone()[0])  # type: ignore[index]
        cursor.execute("SELECT id FROM declaration_cycle")
        cycle_ids = [int(r[0]) for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM department ORDER BY id")
        departments = [int(r[0]) for r in cursor.fetchall()]
        first = max_id(cursor, "department") + 1
        new_departments = list(range(first, first + DEPARTMENT_COUNT - len(departments)))
        copy(
            cursor,
            "department",
            "id, code, name, created_at",
            ((d, f"B{d:02d}", f"Bench Department {d}", now) for d in new_departments),
        )
        departments += new_departments
        copy(
            cursor,
            "cycle_department",
            "cycle_id, department_id",
            ((c, d) for c in cycle_ids for d in new_departments),
        )

        # People: officials spread over the departments, compliance officers with two each.
        user_columns = (
            "id, email, full_name, role, department_id, job_title, is_senior, "
            "password_hash, active, created_at"
        )
        first_user = max_id(cursor, '"user"') + 1
        official_ids = list(range(first_user, first_user + sizes.officials))
        home = {u: departments[i % len(departments)] for i, u in enumerate(official_ids)}
        staff = []
        for k in range(DEPARTMENT_COUNT):
            staff.append((f"bench.compliance{k}@example.gov.uk", "compliance"))
        for k in range(3):
            staff.append((f"bench.auditor{k}@example.gov.uk", "auditor"))
        staff_ids = range(official_ids[-1] + 1, official_ids[-1] + 1 + len(staff))

        def users() -> Iterator[tuple[Any, ...]]:
            for u in official_ids:
                yield (
                    u,
                    f"bench.official{u}@example.gov.uk",
                    f"Official {u}",
                    "official",
                    home[u],
                    "Policy adviser",
                    u % 7 == 0,
                    password_hash,
                    True,
                    now,
                )
            for u, (email, role) in zip(staff_ids, staff, strict=True):
                yield (
                    u,
                    email,
                    email.split("@")[0],
                    role,
                    None,
                    None,
                    False,
                    password_hash,
                    True,
                    now,
                )

        copy(cursor, '"user"', user_columns, users())
        assignments = []
        for k, (u, (_, role)) in enumerate(zip(staff_ids, staff, strict=True)):
            if role == "compliance":
                mine = {departments[k % len(departments)], departments[(k + 1) % len(departments)]}
                assignments += [(u, d) for d in sorted(mine)]
        copy(cursor, "compliance_assignment", "user_id, department_id", assignments)
        log(f"  {len(official_ids):,} officials, {len(staff)} staff")

        # Declarations for the current cycle: 85% started, 80% of those submitted.
        first_declaration = max_id(cursor, "declaration") + 1
        first_interest = max_id(cursor, "interest") + 1
        first_version = max_id(cursor, "declaration_version") + 1
        declarations, interests, versions = [], [], []
        interest_owner: list[tuple[int, str, int, int, str]] = []  # id, lineage, official, dept
        submitted_at = now - timedelta(days=30)
        for u in official_ids:
            if rng.random() > 0.85:
                continue
            d = first_declaration + len(declarations)
            submitted = rng.random() < 0.8
            nil = submitted and rng.random() < 0.3
            mine = []
            for _ in range(0 if nil else rng.choice((0, 1, 1, 2, 2, 3))):
                i = first_interest + len(interests)
                lineage = hashlib.md5(f"{i}".encode(), usedforsecurity=False).hexdigest()
                name = names.declared()
                number = f"{rng.randint(1, 15_000_000):08d}" if rng.random() < 0.5 else None
                fields = {name_: None for name_ in COPIED_FIELDS}
                fields.update(
                    lineage=lineage,
                    category="directorship",
                    whose="self",
                    organisation_name=name,
                    identifier_scheme="GB-COH" if number else None,
                    organisation_identifier=number,
                    role="non_executive_director",
                    paid=False,
                    start_date="2019-04-01",
                )
                interests.append(
                    (
                        i,
                        d,
                        lineage,
                        "directorship",
                        "self",
                        name,
                        fields["identifier_scheme"],
                        number,
                        date(2019, 4, 1),
                        "non_executive_director",
                        False,
                        False,
                        now,
                        now,
                    )
                )
                mine.append({**fields, "id": i, "related_organisations": []})
                interest_owner.append((i, lineage, u, home[u], name))
            declarations.append(
                (
                    d,
                    u,
                    cycle_id,
                    "submitted" if submitted else "draft",
                    nil,
                    submitted_at if submitted else None,
                    submitted_at if submitted else None,
                    1 if submitted else 0,
                    now,
                    now,
                )
            )
            if submitted:
                content = canonical_json(
                    {
                        "declaration_id": d,
                        "official_id": u,
                        "cycle": CYCLE,
                        "nil_return": nil,
                        "interests": mine,
                    }
                )
                versions.append(
                    (
                        first_version + len(versions),
                        d,
                        1,
                        nil,
                        content,
                        hashlib.sha256(content.encode()).hexdigest(),
                        "I confirm this declaration is complete and true.",
                        u,
                        submitted_at,
                    )
                )
        copy(
            cursor,
            "declaration",
            "id, official_id, cycle_id, state, is_nil, first_submitted_at, "
            "last_submitted_at, version_count, created_at, updated_at",
            declarations,
        )
        copy(
            cursor,
            "interest",
            "id, declaration_id, lineage, category, whose, organisation_name, "
            "identifier_scheme, organisation_identifier, start_date, role, paid, removed, "
            "created_at, updated_at",
            interests,
        )
        copy(
            cursor,
            "declaration_version",
            "id, declaration_id, number, is_nil, content, "
            "content_digest, attestation_text, attested_by_id, attested_at",
            versions,
        )
        log(
            f"  {len(declarations):,} declarations, {len(interests):,} interests, "
            f"{len(versions):,} versions"
        )

        # Awards with one supplier each, a tenth with a second (consortia).
        first_award = max_id(cursor, "award") + 1
        first_supplier = max_id(cursor, "award_supplier") + 1
        buyers = [
            (f"Buyer {b}", f"buyer {b}", departments[b] if b < len(departments) else None)
            for b in range(300)
        ]
        copy(
            cursor,
            "buyer_mapping",
            "buyer_key, buyer_name, department_id, updated_at",
            ((key, name, dept, now) for name, key, dept in buyers),
        )
        supplier_rows: list[tuple[int, int, str]] = []  # supplier id, award id, name

        def awards() -> Iterator[tuple[Any, ...]]:
            start = date(2015, 1, 1)
            for a in range(first_award, first_award + sizes.awards):
                name, key, dept = buyers[a % len(buyers)]
                when = start + timedelta(days=rng.randint(0, 4300))
                yield (
                    a,
                    f"ocds-bench-{a}",
                    f"{a}-1",
                    f"Services contract {a}",
                    name,
                    key,
                    dept,
                    rng.randint(1, 5000) * 1000,
                    "GBP",
                    when,
                    "bench",
                    "seed",
                    now,
                )

        def suppliers() -> Iterator[tuple[Any, ...]]:
            s = first_supplier
            for a in range(first_award, first_award + sizes.awards):
                for position in range(2 if rng.random() < 0.1 else 1):
                    name = names.supplier()
                    number = f"{rng.randint(1, 15_000_000):08d}" if rng.random() < 0.6 else None
                    ids = json.dumps([["GB-COH", number]] if number else [])
                    if len(supplier_rows) < sizes.flags * 3:
                        supplier_rows.append((s, a, name))
                    yield (s, a, position, name, "[]", ids, number)
                    s += 1

        count = copy(
            cursor,
            "award",
            "id, ocid, award_id, title, buyer_name, buyer_key, "
            "department_id, value, currency, award_date, content_digest, source, "
            "imported_at",
            awards(),
        )
        suppliers_count = copy(
            cursor,
            "award_supplier",
            "id, award_id, position, name, aliases, identifiers, company_number",
            suppliers(),
        )
        log(
            f"  {count:,} awards, {suppliers_count:,} suppliers "
            f"({time.perf_counter() - started:.0f} s so far)"
        )

        # Flags: interests against suppliers, highest risk a minority; decisions on the decided.
        first_flag = max_id(cursor, "flag") + 1
        first_decision = max_id(cursor, "decision") + 1
        officers_by_department = {d: [] for d in departments}
        for user_id, department_id in assignments:
            officers_by_department[department_id].append(user_id)
        flags, decisions = [], []
        seen: set[tuple[str, int]] = set()
        while len(flags) < sizes.flags and interest_owner:
            i, lineage, official, dept, org = rng.choice(interest_owner)
            supplier, award, supplier_name = rng.choice(supplier_rows)
            if (lineage, supplier) in seen:
                continue
            seen.add((lineage, supplier))
            f = first_flag + len(flags)
            score = round(min(100.0, rng.betavariate(2, 5) * 100 + 30), 1)
            status = rng.choice(("open",) * 6 + ("decided",) * 3 + ("reopened",))
            explanation = f"names match after normalisation: {org.lower()}"
            reasons = json.dumps([{"code": "name", "text": explanation, "weight": score}])
            flags.append(
                (
                    f,
                    lineage,
                    "org",
                    supplier,
                    i,
                    official,
                    dept,
                    award,
                    org,
                    supplier_name,
                    rng.randint(1, 5000) * 1000,
                    score,
                    score,
                    "high" if score >= 80 else "medium" if score >= 60 else "low",
                    reasons,
                    explanation,
                    status,
                    True,
                    "i",
                    "a",
                    now,
                    now,
                )
            )
            if status != "open":
                decisions.append(
                    (
                        first_decision + len(decisions),
                        f,
                        "not_same_organisation",
                        "Different company: checked Companies House.",
                        officers_by_department[dept][0],
                        now - timedelta(days=3),
                        "i",
                        "a",
                    )
                )
        copy(
            cursor,
            "flag",
            "id, interest_lineage, source_key, award_supplier_id, interest_id, "
            "official_id, department_id, award_id, organisation_name, supplier_name, "
            "award_value, score, name_score, risk_level, reasons, explanation, status, active, "
            "interest_digest, award_digest, created_at, updated_at",
            flags,
        )
        copy(
            cursor,
            "decision",
            "id, flag_id, outcome, reason, decided_by_id, decided_at, "
            "interest_digest, award_digest",
            decisions,
        )
        log(f"  {len(flags):,} flags, {len(decisions):,} decisions")

        for table in (
            "department",
            '"user"',
            "declaration",
            "interest",
            "declaration_version",
            "award",
            "award_supplier",
            "buyer_mapping",
            "flag",
            "decision",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        connection.commit()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    build_index(url, log)
    file_in_cases(url, log)
    # As autovacuum would in time: index-only scans of the candidate index read the table's
    # pages too until its visibility map is set (3,500 heap fetches in one look-up here).
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    log(f"  seeded in {time.perf_counter() - started:.0f} s")


@contextmanager
def register_session(url: str) -> Iterator[Any]:
    """The register's session on the seeded database, as a command has it."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REQUEST_LOG_STDERR": False})
        app.instance_path = folder
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()
                db.engine.dispose()


def build_index(url: str, log: Any = print) -> None:
    """Build the stored candidate index over the rows COPY added (it bypassed the importer and
    the services that keep it), in one transaction, as `flask match reindex` does; print how
    long it took and its size on disk (the seed's last VACUUM ANALYZE gathers its statistics)."""
    from register.screening import rebuild_candidate_index

    started = time.perf_counter()
    with register_session(url) as session:
        suppliers, officials = rebuild_candidate_index(session)
        session.commit()
        seconds = time.perf_counter() - started
        sizes = index_size_mb(session.connection())
    log(
        f"  stored candidate index: {suppliers:,} award suppliers, {officials:,} officials' "
        f"declarations indexed in {seconds:.1f} s"
    )
    log("  " + index_size_line(sizes))


def file_in_cases(url: str, log: Any = print) -> None:
    """File the flags COPY added in their cases, as the migration that made cases filed the
    flags there were (each case's state from its flags): every flag of a register is in one."""
    from register.cases.filing import file_all_flags

    started = time.perf_counter()
    with register_session(url) as session:
        opened = file_all_flags(session)
        session.commit()
    log(f"  {opened:,} cases opened for the flags in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the database to replace")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument(
        "--vocabulary",
        choices=VOCABULARIES,
        default="realistic",
        help="how organisations are named (bench/organisation_names.py)",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    print(f"Seeding {sizes.officials:,} officials, {sizes.awards:,} awards, {sizes.flags:,} flags")
    seed(args.url, sizes, vocabulary=args.vocabulary)


if __name__ == "__main__":
    main()
