"""Benchmark screening at national scale: the stored candidate index beside the in-memory engine.

On PostgreSQL (--url, seeded by bench/seed_scale.py: 1,000,000 awards) or on a SQLite file of
300,000 award suppliers (no --url), in one run:

- the award import rate with index maintenance (releases/s) and the index size on disk;
- cold screening: one declaration screened by `screen_declaration` in a fresh process right after
  an award import (each run its own process, forked, as gunicorn forks a worker, from a fork
  server that has loaded the name data; only the screening timed), and the same with the
  in-memory engine (built from every award supplier in the fresh process, then screened);
- warm screening: many declarations screened in one process (median, p95) and the process's RSS
  growth over them; the same with the in-memory engine once built;
- `flask --app wsgi match screen` of 10 names in a fresh process: wall time beyond start-up (the
  same command with `match --help`) and peak RSS; the in-memory engine on the same 10 names;
- the auditor's declaration search (`search_declarations`), a fresh process's first included;
- a check that the stored index and the in-memory engine give exactly the same flags, for
  declarations screened (`screen_interests`) and for award suppliers screened after an import
  (the stored path of `screen_declared_suppliers` for some suppliers).

    python bench/screening_scale.py --url postgresql+psycopg://.../register_bench_scale
    python bench/screening_scale.py --url ... --no-seed    # reuse a database seeded before
    python bench/screening_scale.py                        # SQLite, 300,000 suppliers
    python bench/screening_scale.py --quick [--url ...]    # small sizes, for the test suite
    ... --check                                            # exit 1 if a target is missed

--url names a throwaway PostgreSQL database: unless --no-seed its public schema is replaced.
Targets (issue 16) apply at the full size only; --quick fails only on differences.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.common import index_size_line, index_size_mb  # noqa: E402
from bench.organisation_names import VOCABULARIES  # noqa: E402

# Targets (issue 16), full size only.
COLD_P95_MS = 300
WARM_P95_MS = 100
WARM_RSS_GROWTH_MB = 100
MATCH_SCREEN_MS = 1500
MATCH_SCREEN_RSS_MB = 400
SEARCH_P95_MS = 150
IMPORT_RATE = 2000


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a run makes."""

    sqlite_suppliers: int  # SQLite mode: award suppliers built
    sqlite_officials: int
    cold: int  # fresh processes screening one declaration, stored index
    cold_memory: int  # the same with the in-memory engine
    warm: int  # declarations screened in one process
    warm_memory: int
    check_declarations: int | None  # declarations compared (None: all)
    check_suppliers: int  # award suppliers compared besides the imported ones
    searches: int
    import_releases: int  # the import whose rate is measured
    small_import: int  # the import right before the cold screenings
    budget_s: float  # each many-screenings loop stops after this long (0: never)


FULL = Plan(300_000, 2_000, 11, 2, 1000, 300, 300, 1000, 30, 20_000, 100, 180)
QUICK = Plan(3_000, 150, 2, 1, 20, 20, None, 3000, 5, 300, 20, 0)


# Helpers ------------------------------------------------------------------------------------


def percentiles(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank), as bench.common.timings computes them."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_mb() -> float:
    return _status_mb("VmHWM")


def open_app(url: str, folder: str) -> Any:
    from register import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REQUEST_LOG_STDERR": False})
    app.instance_path = folder
    return app


def run_child(url: str, folder: Path, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh process; return what it found.

    A command's run, and the in-memory engine measured beside `match screen`, are new
    interpreters, as a command is. Every other measurement is a process forked from the fork
    server, which has imported the register and loaded the name data and nothing else (no app,
    no connection): a new gunicorn worker, as its master forks it."""
    args = folder / f"{kind}-{time.monotonic_ns()}.json"
    args.write_text(json.dumps(payload))
    if kind not in NEW_INTERPRETER:
        found_path = args.with_suffix(".found.json")
        process = _FORKS.Process(target=_forked_child, args=(kind, str(args), url, str(found_path)))
        process.start()
        process.join()
        found_forked: dict[str, Any] = (
            json.loads(found_path.read_text()) if found_path.exists() else {}
        )
        if process.exitcode != 0 or "error" in found_forked:
            raise RuntimeError(f"child {kind} failed (exit {process.exitcode}):\n"
                               f"{found_forked.get('error', '')}")  # fmt: skip
        return found_forked
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(args), "--url", url],
        capture_output=True, text=True, check=False, env=_env(url, folder),
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            f"child {kind} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["bench.name_data"])


def _forked_child(kind: str, args: str, url: str, found: str) -> None:
    """In a process forked from the fork server: the measurement, written to `found`."""
    path = Path(args)
    os.environ.update({k: v for k, v in _env(url, path.parent).items() if k != "PYTHONPATH"})
    try:
        result = measure_in_app(kind, json.loads(path.read_text()), url, str(path.parent))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        import traceback

        Path(found).write_text(json.dumps({"error": traceback.format_exc()}))
        raise
    Path(found).write_text(json.dumps(result))


def _env(url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REGISTER_INSTANCE": str(folder),
        "REGISTER_CONFIG": "testing",
        "PYTHONPATH": str(ROOT),
    }


# Building the SQLite database ---------------------------------------------------------------


def build_sqlite(url: str, folder: Path, plan: Plan, vocabulary: str) -> None:
    """A migrated SQLite file with `plan.sqlite_suppliers` award suppliers and officials who
    declare organisations named as the PostgreSQL seed names them, inserted with Core, then the
    stored candidate index built."""
    from bench.common import fresh_app
    from bench.organisation_names import OrganisationNames
    from bench.seed_scale import CYCLE
    from register.declarations.services import COPIED_FIELDS, canonical_json
    from register.extensions import db
    from register.models import (
        Award,
        AwardSupplier,
        Declaration,
        DeclarationCycle,
        DeclarationVersion,
        Department,
        Interest,
        User,
    )
    from register.models.declarations import cycle_department
    from register.screening import rebuild_candidate_index

    rng = random.Random(2026)
    names = OrganisationNames(rng, plan.sqlite_suppliers, vocabulary)
    now = datetime.now(UTC)
    started = time.perf_counter()
    app = fresh_app(url, folder)
    with app.app_context():
        session = db.session
        session.execute(insert(Department), [
            {"id": d, "code": f"B{d:02d}", "name": f"Bench Department {d}", "created_at": now}
            for d in range(1, 11)
        ])  # fmt: skip
        session.execute(insert(DeclarationCycle), [{
            "id": 1, "name": CYCLE, "opens_on": date(2026, 4, 1), "due_on": date(2026, 6, 30),
            "created_at": now,
        }])  # fmt: skip
        session.execute(insert(cycle_department), [
            {"cycle_id": 1, "department_id": d} for d in range(1, 11)
        ])  # fmt: skip
        officials = plan.sqlite_officials
        users = [{
            "id": u, "email": f"bench.official{u}@example.gov.uk", "full_name": f"Official {u}",
            "role": "official", "department_id": 1 + u % 10, "is_senior": u % 7 == 0,
            "password_hash": "!", "active": True, "created_at": now,
        } for u in range(1, officials + 1)]  # fmt: skip
        users.append({
            "id": officials + 1, "email": "bench.auditor0@example.gov.uk",
            "full_name": "Auditor", "role": "auditor", "department_id": None,
            "is_senior": False, "password_hash": "!", "active": True, "created_at": now,
        })  # fmt: skip
        session.execute(insert(User), users)
        declarations, interests, versions = [], [], []
        for u in range(1, officials + 1):
            d = u
            mine = []
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                i = len(interests) + 1
                lineage = hashlib.md5(f"{i}".encode(), usedforsecurity=False).hexdigest()
                name = names.declared()
                number = f"{rng.randint(1, 15_000_000):08d}" if rng.random() < 0.5 else None
                fields: dict[str, Any] = {field: None for field in COPIED_FIELDS}
                fields.update(
                    lineage=lineage, category="directorship", whose="self",
                    organisation_name=name, identifier_scheme="GB-COH" if number else None,
                    organisation_identifier=number, role="non_executive_director", paid=False,
                    start_date="2019-04-01",
                )  # fmt: skip
                interests.append({
                    "id": i, "declaration_id": d, "lineage": lineage, "category": "directorship",
                    "whose": "self", "organisation_name": name,
                    "identifier_scheme": fields["identifier_scheme"],
                    "organisation_identifier": number, "start_date": date(2019, 4, 1),
                    "role": "non_executive_director", "paid": False, "removed": False,
                    "created_at": now, "updated_at": now,
                })  # fmt: skip
                mine.append({**fields, "id": i, "related_organisations": []})
            submitted = now - timedelta(days=30)
            declarations.append({
                "id": d, "official_id": u, "cycle_id": 1, "state": "submitted", "is_nil": False,
                "first_submitted_at": submitted, "last_submitted_at": submitted,
                "version_count": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
            content = canonical_json({
                "declaration_id": d, "official_id": u, "cycle": CYCLE, "nil_return": False,
                "interests": mine,
            })  # fmt: skip
            versions.append({
                "id": d, "declaration_id": d, "number": 1, "is_nil": False, "content": content,
                "content_digest": hashlib.sha256(content.encode()).hexdigest(),
                "attestation_text": "I confirm this declaration is complete and true.",
                "attested_by_id": u, "attested_at": submitted,
            })  # fmt: skip
        for model, rows in ((Declaration, declarations), (Interest, interests),
                            (DeclarationVersion, versions)):  # fmt: skip
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])
        awards: list[dict[str, Any]] = []
        suppliers: list[dict[str, Any]] = []
        a = 0
        while len(suppliers) < plan.sqlite_suppliers:
            a += 1
            b = a % 300
            awards.append({
                "id": a, "ocid": f"ocds-bench-{a}", "award_id": f"{a}-1",
                "title": f"Services contract {a}", "buyer_name": f"Buyer {b}",
                "buyer_key": f"buyer {b}", "department_id": 1 + b if b < 10 else None,
                "value": rng.randint(1, 5000) * 1000, "currency": "GBP",
                "award_date": date(2015, 1, 1) + timedelta(days=rng.randint(0, 4300)),
                "content_digest": "bench", "source": "seed", "imported_at": now,
            })  # fmt: skip
            for position in range(2 if rng.random() < 0.1 else 1):
                number = f"{rng.randint(1, 15_000_000):08d}" if rng.random() < 0.6 else None
                suppliers.append({
                    "id": len(suppliers) + 1, "award_id": a, "position": position,
                    "name": names.supplier(), "aliases": "[]",
                    "identifiers": json.dumps([["GB-COH", number]] if number else []),
                    "company_number": number,
                })  # fmt: skip
        for model, rows in ((Award, awards), (AwardSupplier, suppliers)):
            for start in range(0, len(rows), 20000):
                session.execute(insert(model), rows[start : start + 20000])
        session.commit()
        print(f"built {len(awards):,} awards, {len(suppliers):,} award suppliers, "
              f"{officials:,} officials ({len(interests):,} interests) on SQLite in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        indexed, declared = rebuild_candidate_index(session)
        session.commit()
        print(f"stored candidate index: {indexed:,} award suppliers, {declared:,} officials' "
              f"declarations indexed in {time.perf_counter() - started:.1f} s")  # fmt: skip
        session.remove()
        db.engine.dispose()


# Children: each measurement in its own process ----------------------------------------------


def _load_name_data() -> float:
    """How long the name data took to load: in the fork server (bench/name_data.py), or here
    in a process that was not forked from it."""
    from bench.name_data import LOAD_S

    return LOAD_S


def _declaration(session: Any, declaration_id: int) -> Any:
    from register.models import Declaration

    declaration = session.get(Declaration, declaration_id)
    assert declaration is not None
    _ = declaration.versions[-1].content, declaration.official.department_id
    return declaration


def _interests(session: Any, declaration_ids: list[int]) -> dict[int, list[Any]]:
    """Each declaration's latest version's declared organisations, as the engine reads them."""
    from register.declarations.queries import records_from_version

    found = {}
    for declaration_id in declaration_ids:
        declaration = _declaration(session, declaration_id)
        version = declaration.versions[-1]
        found[declaration_id] = [r for r, _ in records_from_version(version, declaration.official)]
    return found


def _memory_engine(session: Any, config: Any) -> tuple[Any, int]:
    from register.matching import MatchingEngine
    from register.screening.declared import supplier_records

    engine = MatchingEngine(config)
    count = 0
    for supplier in supplier_records(session):
        engine.add_supplier(supplier)
        count += 1
    return engine, count


def child_cold(payload: dict[str, Any]) -> dict[str, Any]:
    """Screen one declaration in this fresh process with the stored index (the web's path)."""
    from register import runtime
    from register.extensions import db
    from register.screening import screen_declaration

    names_s = _load_name_data()
    declaration = _declaration(db.session, payload["declaration"])
    started = time.perf_counter()
    report = screen_declaration(db.session, declaration, runtime.settings())
    ms = (time.perf_counter() - started) * 1000
    db.session.rollback()
    return {"ms": ms, "names_s": names_s, "peak_mb": peak_mb(), "rss_mb": rss_mb(),
            "suppliers": report.suppliers}  # fmt: skip


def child_cold_memory(payload: dict[str, Any]) -> dict[str, Any]:
    """Screen one declaration in this fresh process with the in-memory engine: build it from
    every award supplier, then screen."""
    from register import runtime
    from register.extensions import db

    names_s = _load_name_data()
    config = runtime.settings().matching
    interests = _interests(db.session, [payload["declaration"]])[payload["declaration"]]
    started = time.perf_counter()
    engine, count = _memory_engine(db.session, config)
    built = time.perf_counter()
    engine.screen_interests(interests)
    done = time.perf_counter()
    return {"ms": (done - started) * 1000, "build_ms": (built - started) * 1000,
            "screen_ms": (done - built) * 1000, "names_s": names_s, "peak_mb": peak_mb(),
            "suppliers": count}  # fmt: skip


def child_warm(payload: dict[str, Any]) -> dict[str, Any]:
    """Screen many declarations one after another in this process, stored index; RSS growth
    from after the first screening to after the last."""
    from register import runtime
    from register.extensions import db
    from register.screening import screen_declaration

    _load_name_data()
    settings = runtime.settings()
    times, rss_first = [], 0.0
    began = time.perf_counter()
    for n, declaration_id in enumerate(payload["declarations"]):
        if _over(began, payload["budget"], n):
            break
        declaration = _declaration(db.session, declaration_id)
        started = time.perf_counter()
        screen_declaration(db.session, declaration, settings)
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
        db.session.expunge_all()
        if n == 0:
            rss_first = rss_mb()
    return {"times": times, "rss_first_mb": rss_first, "rss_last_mb": rss_mb(),
            "peak_mb": peak_mb()}  # fmt: skip


def _over(started: float, budget: float, done: int, least: int = 3) -> bool:
    """Whether a loop that began at `started` has used its time budget (0: none)."""
    return bool(budget) and done >= least and time.perf_counter() - started > budget


def _result_key(result: Any) -> tuple[Any, ...]:
    return (result.interest_id, result.source_key, result.award_supplier_id,
            round(result.score, 6), result.risk_level)  # fmt: skip


def _stored_supplier_results(session: Any, supplier_ids: list[int], config: Any) -> list[Any]:
    """What `screen_declared_suppliers` finds for some suppliers through the stored index
    (without writing flags)."""
    from register.screening.declared import screen_suppliers_stored

    return screen_suppliers_stored(session, supplier_ids, config)[0]


def child_warm_memory(payload: dict[str, Any]) -> dict[str, Any]:
    """Build the in-memory engine once, screen many declarations with it (timed), and compare
    its flags with the stored index's: declarations, then award suppliers."""
    from register import runtime
    from register.extensions import db
    from register.screening.declared import interest_index, screen_interests, supplier_records

    _load_name_data()
    config = runtime.settings().matching
    session = db.session
    started = time.perf_counter()
    engine, count = _memory_engine(session, config)
    build_ms = (time.perf_counter() - started) * 1000
    times = []
    began = time.perf_counter()
    for interests in _interests(session, payload["declarations"]).values():
        if _over(began, payload["budget"], len(times)):
            break
        started = time.perf_counter()
        engine.screen_interests(interests)
        times.append((time.perf_counter() - started) * 1000)
    differences: list[str] = []
    compared = flags = checked = 0
    began = time.perf_counter()
    for declaration_id, interests in _interests(session, payload["check"]).items():
        if _over(began, payload["budget"], checked):
            break
        checked += 1
        stored = {_result_key(r) for r in screen_interests(session, interests, config)[0]}
        memory = {_result_key(r) for r in engine.screen_interests(interests)}
        compared += len(interests)
        flags += len(memory)
        differences.extend(f"declaration {declaration_id}: stored only {key}"
                           for key in sorted(stored - memory))  # fmt: skip
        differences.extend(f"declaration {declaration_id}: in-memory only {key}"
                           for key in sorted(memory - stored))  # fmt: skip
        session.expunge_all()
    index, _ = interest_index(session, config)
    ids = sorted(set(payload["suppliers"]))
    suppliers = list(supplier_records(session, ids))
    stored_s = {_result_key(r) for r in _stored_supplier_results(session, ids, config)}
    memory_s = {_result_key(r) for r in engine.screen_suppliers(suppliers, index)}
    differences.extend(f"supplier path: stored only {key}" for key in sorted(stored_s - memory_s))
    differences.extend(
        f"supplier path: in-memory only {key}" for key in sorted(memory_s - stored_s)
    )
    return {"times": times, "build_ms": build_ms, "suppliers": count, "peak_mb": peak_mb(),
            "differences": differences, "interests_compared": compared, "flags": flags,
            "declarations_compared": checked,
            "suppliers_compared": len(suppliers), "supplier_flags": len(memory_s)}  # fmt: skip


def child_screen_memory(payload: dict[str, Any]) -> dict[str, Any]:
    """The in-memory engine on the names of `match screen`, in this fresh process: from
    opening the app to the results, and the peak RSS."""
    from register import runtime
    from register.extensions import db
    from register.matching import InterestRecord

    started = time.perf_counter()
    config = runtime.settings().matching
    engine, _ = _memory_engine(db.session, config)
    queries = [
        InterestRecord(interest_id=n, official_id=0, department_id=None, organisation_name=name,
                       identifiers=(), whose="self", category="screen", start_date=None,
                       end_date=None)
        for n, name in enumerate(payload["names"])
    ]  # fmt: skip
    results = engine.screen_interests(queries)
    return {"ms": (time.perf_counter() - started) * 1000, "peak_mb": peak_mb(),
            "matches": len(results)}  # fmt: skip


def child_search(payload: dict[str, Any]) -> dict[str, Any]:
    """The auditor's declaration search, the first of this fresh process included."""
    from register.extensions import db
    from register.models import User
    from register.review.search import search_declarations

    names_s = _load_name_data()  # gunicorn's master loads it before forking
    auditor = db.session.get(User, payload["auditor"])
    times, found = [], 0
    for query in payload["queries"]:
        started = time.perf_counter()
        found += len(search_declarations(db.session, auditor, query))
        times.append((time.perf_counter() - started) * 1000)
    return {"times": times, "found": found, "peak_mb": peak_mb(), "names_s": names_s}


def child_import(payload: dict[str, Any]) -> dict[str, Any]:
    """Import an award file through the importer (the index kept in its transactions); with
    `screen`, then screen the suppliers it changed and commit, as `flask awards import` does."""
    from register import runtime
    from register.awards.importer import import_file
    from register.extensions import db
    from register.screening import screen_suppliers

    session = db.session
    names_s = _load_name_data()  # as a worker or command would have it before screening
    started = time.perf_counter()
    report = import_file(session, Path(payload["path"]))
    import_s = time.perf_counter() - started
    changed = list(report.changed_supplier_ids)
    started = time.perf_counter()
    flags = 0
    if payload["screen"]:
        screening = screen_suppliers(session, changed, runtime.settings())
        flags = screening.new + screening.updated
    session.commit()
    return {"import_s": import_s, "screen_s": time.perf_counter() - started,
            "awards": report.imported, "changed": changed,
            "problems": len(report.rejected) + bool(report.failed),
            "flags": flags, "names_s": names_s}  # fmt: skip


def child_rusage(payload: dict[str, Any]) -> dict[str, Any]:
    """Run a command; its wall time and peak RSS (this process's children's ru_maxrss)."""
    started = time.perf_counter()
    result = subprocess.run(payload["command"], capture_output=True, text=True, check=False)
    ms = (time.perf_counter() - started) * 1000
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"ms": ms, "peak_mb": peak, "returncode": result.returncode,
            "lines": result.stdout.count("\n"), "stdout": result.stdout[-20000:],
            "stderr": result.stderr[-3000:]}  # fmt: skip


CHILDREN = {
    "cold": child_cold,
    "cold_memory": child_cold_memory,
    "warm": child_warm,
    "warm_memory": child_warm_memory,
    "screen_memory": child_screen_memory,
    "search": child_search,
    "import": child_import,
    "rusage": child_rusage,
}


NEW_INTERPRETER = {"rusage", "screen_memory"}  # measured as commands are: see run_child


def run_as_child(kind: str, args: Path, url: str) -> None:
    """A measurement in a new interpreter (NEW_INTERPRETER)."""
    payload = json.loads(args.read_text())
    if kind == "rusage":
        print(json.dumps(child_rusage(payload)))
        return
    print(json.dumps(measure_in_app(kind, payload, url, str(args.parent))))


def measure_in_app(kind: str, payload: dict[str, Any], url: str, folder: str) -> dict[str, Any]:
    app = open_app(url, folder)
    with app.app_context():
        from register.extensions import db

        result = CHILDREN[kind](payload)
        db.session.remove()
        db.engine.dispose()
    return result


# The run ------------------------------------------------------------------------------------


def sample_data(url: str, folder: Path, count: int, seed: int = 16) -> dict[str, Any]:
    """Declarations to screen (submitted, with interests), award suppliers to check, names for
    `match screen` and queries for the search, an auditor."""
    from register.extensions import db
    from register.models import AwardSupplier, Declaration, Interest, User

    rng = random.Random(seed)
    app = open_app(url, str(folder))
    with app.app_context():
        session = db.session
        declarations = list(
            session.scalars(
                select(Declaration.id)
                .where(Declaration.version_count > 0)
                .where(
                    select(Interest.id).where(Interest.declaration_id == Declaration.id).exists()
                )
                .order_by(Declaration.id)
            )
        )
        interest_names = list(
            session.scalars(select(Interest.organisation_name).order_by(Interest.id))
        )
        low, high = session.execute(
            select(func.min(AwardSupplier.id), func.max(AwardSupplier.id))
        ).one()
        supplier_names = list(
            session.scalars(
                select(AwardSupplier.name).where(
                    AwardSupplier.id.in_([rng.randint(low, high) for _ in range(20)])
                )
            )
        )
        auditor = session.scalar(select(User.id).where(User.role == "auditor").order_by(User.id))
        officials = session.scalar(
            select(func.count()).select_from(User).where(User.role == "official")
        )
        db.session.remove()
        db.engine.dispose()
    picked_names = rng.sample(interest_names, min(5, len(interest_names)))
    names = [*picked_names, *(n.upper().replace(" LTD", " LIMITED") for n in supplier_names[:4]),
             "Morning Lane Associates Ltd"][:10]  # fmt: skip
    return {
        "declarations": declarations,
        "supplier_range": (low, high),
        "names": names,
        "queries": [rng.choice(interest_names) for _ in range(count)],
        "auditor": auditor,
        "officials": officials,
    }


def repeated(items: list[int], count: int, rng: random.Random) -> list[int]:
    picked = rng.sample(items, min(count, len(items)))
    while len(picked) < count:
        picked.append(rng.choice(items))
    return picked


def line(label: str, text: str) -> str:
    return f"{label:34} {text}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a throwaway PostgreSQL database (default: a SQLite file)")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded --url database")
    parser.add_argument("--quick", action="store_true", help="small sizes, for the test suite")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--stages",
        default="import,cold,screen,search",
        help="comma-separated stages besides warm screening and the check (default: all)",
    )
    parser.add_argument(
        "--vocabulary",
        choices=VOCABULARIES,
        default="realistic",
        help="how organisations are named when seeding (bench/organisation_names.py)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        run_as_child(options.child[0], Path(options.child[1]), options.url)
        return 0
    plan = QUICK if options.quick else FULL
    options.stages = set(options.stages.split(","))
    rng = random.Random(16)
    print(f"Screening at scale: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"{'quick' if options.quick else 'full'} size, "
          f"{options.vocabulary} vocabulary")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-screening-") as name:
        folder = Path(name)
        url = options.url or f"sqlite:///{folder / 'bench.sqlite'}"
        if options.url and not options.no_seed:
            from bench.seed_scale import FULL as SEED_FULL
            from bench.seed_scale import QUICK as SEED_QUICK
            from bench.seed_scale import seed

            seed(url, SEED_QUICK if options.quick else SEED_FULL, vocabulary=options.vocabulary)
        elif not options.url:
            build_sqlite(url, folder, plan, options.vocabulary)
        return measure(url, folder, plan, rng, options)


def measure(url: str, folder: Path, plan: Plan, rng: random.Random, options: Any) -> int:
    from sqlalchemy import create_engine

    sys.path.insert(0, str(ROOT / "bench"))
    from generate_awards import write_jsonl

    missed: list[str] = []

    def target(ok: bool, what: str) -> str:
        if options.quick:
            return ""
        if not ok:
            missed.append(what)
        return "  [target met]" if ok else f"  [target MISSED: {what}]"

    data = sample_data(url, folder, plan.searches)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    engine = create_engine(url)
    with engine.connect() as connection:
        from register.models import AwardSupplier

        suppliers_total = connection.execute(
            select(func.count()).select_from(AwardSupplier)
        ).scalar_one()
    print(
        f"{backend}: {suppliers_total:,} award suppliers, {data['officials']:,} officials, "
        f"{len(data['declarations']):,} declarations with interests"
    )

    # The award import with index maintenance.
    if "import" in options.stages:
        path = folder / "import.jsonl"
        fresh = int(time.time())  # new awards each run, also on a database imported into before
        write_jsonl(plan.import_releases, path, fresh)
        imported = run_child(url, folder, "import", {"path": str(path), "screen": False})
        rate = plan.import_releases / imported["import_s"]
        print(
            line(
                "award import, index maintained",
                f"{plan.import_releases:,} releases in "
                f"{imported['import_s']:.1f} s: {rate:,.0f} releases/s "
                f"({len(imported['changed']):,} suppliers changed, not screened)"
                + target(rate >= IMPORT_RATE, f"import >= {IMPORT_RATE}/s"),
            )
        )
        with engine.connect() as connection:
            print(index_size_line(index_size_mb(connection)))
        engine.dispose()

    # Cold: a small import, then one declaration per fresh process.
    small = folder / "small.jsonl"
    write_jsonl(plan.small_import, small, int(time.time()) + 1)
    screened_import = run_child(url, folder, "import", {"path": str(small), "screen": True})
    print(
        line(
            "award import, then screening",
            f"{plan.small_import:,} releases in {screened_import['import_s'] * 1000:.0f} ms; "
            f"screening the {len(screened_import['changed']):,} suppliers it changed "
            f"{screened_import['screen_s'] * 1000:.0f} ms "
            f"({screened_import['screen_s'] * 1000 / max(1, len(screened_import['changed'])):.1f}"
            " ms each)",
        )
    )
    if "cold" in options.stages:
        cold_ids = repeated(data["declarations"], plan.cold, rng)
        cold = [run_child(url, folder, "cold", {"declaration": d}) for d in cold_ids]
        median, p95 = percentiles([c["ms"] for c in cold])
        print(
            line(
                "cold screening, stored index",
                f"median {median:7.1f} ms, p95 {p95:7.1f} ms, "
                f"peak RSS {max(c['peak_mb'] for c in cold):6.0f} MB (n={len(cold)}; name data "
                f"loaded by the fork server in {cold[0]['names_s']:.1f} s)"
                + target(p95 < COLD_P95_MS, f"cold p95 < {COLD_P95_MS} ms"),
            )
        )
        cold_memory = [
            run_child(url, folder, "cold_memory", {"declaration": d})
            for d in cold_ids[: plan.cold_memory]
        ]
        median, p95 = percentiles([c["ms"] for c in cold_memory])
        print(
            line(
                "cold screening, in-memory engine",
                f"median {median:7.1f} ms, p95 {p95:7.1f} ms, "
                f"peak RSS {max(c['peak_mb'] for c in cold_memory):6.0f} MB (n={len(cold_memory)}; "
                f"build {statistics.median(c['build_ms'] for c in cold_memory):.0f} ms of it)",
            )
        )

    # Warm: many declarations in one process.
    warm_ids = repeated(data["declarations"], plan.warm, rng)
    warm = run_child(url, folder, "warm", {"declarations": warm_ids, "budget": plan.budget_s})
    median, p95 = percentiles(warm["times"])
    growth = warm["rss_last_mb"] - warm["rss_first_mb"]
    print(
        line(
            "warm screening, stored index",
            f"median {median:7.1f} ms, p95 {p95:7.1f} ms, "
            f"peak RSS {warm['peak_mb']:6.0f} MB"
            + target(p95 < WARM_P95_MS, f"warm p95 < {WARM_P95_MS} ms"),
        )
    )
    print(
        line(
            "worker RSS growth, stored index",
            f"{growth:+.1f} MB over {len(warm['times']):,} "
            f"screenings ({warm['rss_first_mb']:.0f} MB after the first)"
            + target(growth < WARM_RSS_GROWTH_MB, f"RSS growth < {WARM_RSS_GROWTH_MB} MB"),
        )
    )
    check_ids = (
        data["declarations"]
        if plan.check_declarations is None
        else rng.sample(
            data["declarations"], min(plan.check_declarations, len(data["declarations"]))
        )
    )
    low, high = data["supplier_range"]
    supplier_ids = sorted(
        set(screened_import["changed"])
        | {rng.randint(low, high) for _ in range(plan.check_suppliers)}
    )
    memory = run_child(
        url,
        folder,
        "warm_memory",
        {
            "declarations": warm_ids[: plan.warm_memory],
            "check": check_ids,
            "budget": plan.budget_s,
            "suppliers": supplier_ids,
        },
    )
    median, p95 = percentiles(memory["times"])
    print(
        line(
            "warm screening, in-memory engine",
            f"median {median:7.1f} ms, p95 {p95:7.1f} ms, "
            f"peak RSS {memory['peak_mb']:6.0f} MB (built in {memory['build_ms'] / 1000:.1f} s "
            f"from {memory['suppliers']:,} suppliers)",
        )
    )

    # match screen of 10 names in a fresh process.
    if "screen" in options.stages:
        names = folder / "names.csv"
        with names.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["name"])
            writer.writerows([n] for n in data["names"])
        flask = [sys.executable, "-m", "flask", "--app", "wsgi", "match"]
        # Start-up (about 3 s) varies by more than the screening itself at the quick size: the two
        # commands run in turn, three times each, and the fastest of each is compared.
        startups, screenings = [], []
        for _ in range(3):
            startups.append(run_child(url, folder, "rusage", {"command": [*flask, "--help"]}))
            screened = run_child(url, folder, "rusage", {"command": [*flask, "screen", str(names)]})
            if screened["returncode"] != 0:
                raise RuntimeError(f"match screen failed: {screened['stderr']}")
            screenings.append(screened)
        startup = min(startups, key=lambda run: run["ms"])
        screened = {
            **min(screenings, key=lambda run: run["ms"]),
            "peak_mb": max(run["peak_mb"] for run in screenings),
        }
        beyond = screened["ms"] - startup["ms"]
        rows = max(0, screened["lines"] - 1)
        print(
            line(
                "match screen 10 names, stored",
                f"{beyond:7.0f} ms beyond start-up "
                f"({startup['ms']:.0f} ms), peak RSS {screened['peak_mb']:6.0f} MB, {rows} matches"
                + target(
                    beyond < MATCH_SCREEN_MS and screened["peak_mb"] < MATCH_SCREEN_RSS_MB,
                    f"match screen < {MATCH_SCREEN_MS} ms, < {MATCH_SCREEN_RSS_MB} MB",
                ),
            )
        )
        screen_memory = run_child(url, folder, "screen_memory", {"names": data["names"]})
        print(
            line(
                "match screen 10 names, in-memory",
                f"{screen_memory['ms']:7.0f} ms beyond start-up, "
                f"peak RSS {screen_memory['peak_mb']:6.0f} MB, {screen_memory['matches']} matches",
            )
        )

    # The auditor's declaration search.
    if "search" in options.stages:
        search = run_child(
            url, folder, "search", {"auditor": data["auditor"], "queries": data["queries"]}
        )
        median, p95 = percentiles(search["times"])
        print(
            line(
                f"declaration search, {data['officials']:,} officials",
                f"median {median:7.1f} ms, p95 {p95:7.1f} ms, first {search['times'][0]:7.1f} ms "
                f"(n={len(search['times'])}, first included; {search['found']} found)"
                + target(p95 < SEARCH_P95_MS, f"search p95 < {SEARCH_P95_MS} ms"),
            )
        )

    differences = memory["differences"]
    print(
        f"compared {memory['interests_compared']:,} declared organisations of "
        f"{memory['declarations_compared']:,} declarations ({memory['flags']:,} flags) and "
        f"{memory['suppliers_compared']:,} award suppliers ({memory['supplier_flags']:,} flags)"
    )
    print(f"differences: {len(differences)}")
    for example in differences[:10]:
        print(f"  {example}")
    if missed:
        print("targets missed: " + "; ".join(missed))
    elif not options.quick:
        print("targets: all met")
    return 1 if options.check and (differences or missed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
