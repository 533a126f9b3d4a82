"""Benchmark the compliance review queue on a generated SQLite register with 100,000 flags.

The schema comes from the Alembic migrations (so the queue's indexes are the real ones). It
times the first page, a deep keyset page and filtered pages for a compliance officer assigned to
three of ten departments, and for an auditor who sees everything.

    python bench/review_queue.py            # 100,000 flags, 25 repeats
    python bench/review_queue.py --quick    # 100,000 flags, 5 repeats
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from register import create_app  # noqa: E402
from register.extensions import db  # noqa: E402
from register.models import Award, Department, Flag, User  # noqa: E402
from register.models.people import compliance_assignment  # noqa: E402
from register.review.services import QueueFilters, queue_page  # noqa: E402

DEPARTMENTS = 10
OFFICIALS = 2000
AWARDS = 5000


def generate(flags: int, rng: random.Random) -> None:
    """Departments, officials, awards and `flags` flags with realistic spreads, in bulk."""
    now = datetime.now(UTC)
    db.session.execute(insert(Department), [
        {"id": d, "code": f"D{d}", "name": f"Department {d}", "created_at": now}
        for d in range(1, DEPARTMENTS + 1)
    ])  # fmt: skip
    users = [
        {"id": u, "email": f"official{u}@example.gov.uk", "full_name": f"Official {u}",
         "role": "official", "department_id": 1 + u % DEPARTMENTS, "password_hash": "x",
         "is_senior": False, "active": True, "failed_logins": 0, "created_at": now}
        for u in range(1, OFFICIALS + 1)
    ]  # fmt: skip
    users.append({**users[0], "id": OFFICIALS + 1, "email": "officer@example.gov.uk",
                  "role": "compliance", "department_id": None})  # fmt: skip
    users.append({**users[0], "id": OFFICIALS + 2, "email": "auditor@example.gov.uk",
                  "role": "auditor", "department_id": None})  # fmt: skip
    db.session.execute(insert(User), users)
    db.session.execute(insert(compliance_assignment), [
        {"user_id": OFFICIALS + 1, "department_id": d} for d in (1, 2, 3)
    ])  # fmt: skip
    start = date(2018, 1, 1)
    db.session.execute(insert(Award), [
        {"id": a, "ocid": f"ocds-{a}", "award_id": f"a{a}", "buyer_name": f"Buyer {a % 300}",
         "value": Decimal(rng.randint(1, 5000) * 1000), "currency": "GBP",
         "award_date": start + timedelta(days=rng.randint(0, 2900)),
         "content_digest": "d", "imported_at": now}
        for a in range(1, AWARDS + 1)
    ])  # fmt: skip
    rows = []
    for f in range(1, flags + 1):
        official = rng.randint(1, OFFICIALS)
        score = round(min(100.0, rng.betavariate(2, 5) * 100 + 20), 1)
        rows.append({
            "id": f, "interest_lineage": f"l{official}", "source_key": f"org{f}",
            "award_supplier_id": f, "interest_id": official, "official_id": official,
            "department_id": 1 + official % DEPARTMENTS, "award_id": rng.randint(1, AWARDS),
            "organisation_name": f"Organisation {f % 5000}", "supplier_name": f"Supplier {f}",
            "score": score, "name_score": score,
            "risk_level": "high" if score >= 80 else "medium" if score >= 60 else "low",
            "reasons": "[]", "explanation": "", "status": rng.choice(
                ["open"] * 6 + ["decided"] * 3 + ["reopened"]),
            "active": rng.random() > 0.05, "interest_digest": "i", "award_digest": "a",
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        if len(rows) == 20000:
            db.session.execute(insert(Flag), rows)
            rows = []
    if rows:
        db.session.execute(insert(Flag), rows)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))


def median_ms(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        db.session.expire_all()
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--flags", type=int, default=100_000)
    options = parser.parse_args()
    repeats = 5 if options.quick else 25
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        app.instance_path = folder
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
            started = time.perf_counter()
            generate(options.flags, random.Random(5))
            print(f"generated {options.flags:,} flags in {time.perf_counter() - started:.1f}s")
            officer = db.session.get(User, OFFICIALS + 1)
            auditor = db.session.get(User, OFFICIALS + 2)

            def deep(user: User, pages: int) -> None:
                cursor = None
                for _ in range(pages):
                    cursor = queue_page(db.session, user, QueueFilters(), cursor).next_cursor

            cases = {
                "officer, first page": lambda: queue_page(db.session, officer, QueueFilters()),
                "auditor, first page": lambda: queue_page(db.session, auditor, QueueFilters()),
                "officer, high risk in one department": lambda: queue_page(
                    db.session, officer, QueueFilters(department_id=2, risk_level="high")),
                "officer, min value £4m, awarded 2024": lambda: queue_page(
                    db.session, officer, QueueFilters(
                        min_value=Decimal(4_000_000), awarded_from=date(2024, 1, 1),
                        awarded_to=date(2024, 12, 31))),
                "auditor, reopened, min score 70": lambda: queue_page(
                    db.session, auditor, QueueFilters(status="reopened", min_score=70)),
            }  # fmt: skip
            for label, work in cases.items():
                print(f"{label:45} median {median_ms(work, repeats):7.1f} ms per page")
            walk = median_ms(lambda: deep(officer, 20), max(1, repeats // 5))
            print(f"{'officer, pages 1-20 by keyset':45} median {walk / 20:7.1f} ms per page")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
