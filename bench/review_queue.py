"""Benchmark the compliance review queue page with 100,000 generated flags.

The schema comes from the Alembic migrations (so the queue's indexes are the real ones). It
renders the queue page (the whole request: sign-in session, query, template) for a compliance
officer assigned to three of ten departments and for an auditor who sees everything: the first
page, filtered pages, and a walk through 20 pages by keyset; median and p95 of each.

    python bench/review_queue.py --url postgresql+psycopg://.../register_bench_queue
    python bench/review_queue.py            # the same on a SQLite file
    python bench/review_queue.py --quick    # 2,000 flags, 5 repeats, for the test suite

--url names a throwaway PostgreSQL database: its public schema is replaced. The target is a p95
under 300 ms.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import database_label, fresh_app, timings  # noqa: E402
from register.auth.passwords import hash_password  # noqa: E402
from register.extensions import db  # noqa: E402
from register.models import Award, AwardSupplier, Department, Flag, User  # noqa: E402
from register.models.people import compliance_assignment  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway benchmark database
TARGET_P95_MS = 300.0
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
         "is_senior": False, "active": True, "created_at": now}
        for u in range(1, OFFICIALS + 1)
    ]  # fmt: skip
    staff_hash = hash_password(PASSWORD)
    users.append(
        {
            **users[0],
            "id": OFFICIALS + 1,
            "email": "officer@example.gov.uk",
            "role": "compliance",
            "department_id": None,
            "password_hash": staff_hash,
        }
    )
    users.append(
        {
            **users[0],
            "id": OFFICIALS + 2,
            "email": "auditor@example.gov.uk",
            "role": "auditor",
            "department_id": None,
            "password_hash": staff_hash,
        }
    )
    # fmt: skip
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
    rows: list[dict[str, object]] = []
    suppliers: list[dict[str, object]] = []
    for f in range(1, flags + 1):
        official = rng.randint(1, OFFICIALS)
        award = rng.randint(1, AWARDS)
        score = round(min(100.0, rng.betavariate(2, 5) * 100 + 20), 1)
        suppliers.append({"id": f, "award_id": award, "position": f, "name": f"Supplier {f}"})
        # The queue reads the flag's own copy of the interest, so no interest rows are needed.
        rows.append({
            "id": f, "interest_lineage": f"l{official}", "source_key": f"org{f}",
            "award_supplier_id": f, "interest_id": None, "official_id": official,
            "department_id": 1 + official % DEPARTMENTS, "award_id": award,
            "organisation_name": f"Organisation {f % 5000}", "supplier_name": f"Supplier {f}",
            "score": score, "name_score": score,
            "risk_level": "high" if score >= 80 else "medium" if score >= 60 else "low",
            "reasons": "[]", "explanation": "", "status": rng.choice(
                ["open"] * 6 + ["decided"] * 3 + ["reopened"]),
            "active": rng.random() > 0.05, "interest_digest": "i", "award_digest": "a",
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        if len(rows) == 20000:
            db.session.execute(insert(AwardSupplier), suppliers)
            db.session.execute(insert(Flag), rows)
            rows, suppliers = [], []
    if rows:
        db.session.execute(insert(AwardSupplier), suppliers)
        db.session.execute(insert(Flag), rows)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a throwaway PostgreSQL database (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="2,000 flags, 5 repeats")
    parser.add_argument("--flags", type=int, default=100_000)
    options = parser.parse_args()
    flags, repeats = (2_000, 5) if options.quick else (options.flags, 25)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(options.url, Path(folder), WTF_CSRF_ENABLED=False)
        with app.app_context():
            started = time.perf_counter()
            generate(flags, random.Random(5))
            print(f"generated {flags:,} flags in {time.perf_counter() - started:.1f}s "
                  f"on {database_label(app)}")  # fmt: skip
            officer, auditor = app.test_client(), app.test_client()
            for client, email in ((officer, "officer"), (auditor, "auditor")):
                response = client.post("/auth/sign-in", data={
                    "email": f"{email}@example.gov.uk", "password": PASSWORD})  # fmt: skip
                assert response.status_code == 302, f"{email} could not sign in"

            def page(client: Any, query: str = "") -> Any:
                response = client.get(f"/review/{query}")
                assert response.status_code == 200, (query, response.status_code)
                return response

            def walk(client: Any, pages: int) -> int:
                """Follow the "next" link `pages` times (fewer if the queue ends)."""
                query = ""
                for walked in range(1, pages + 1):
                    text = page(client, query).text
                    found = re.search(r'href="/review/(\?[^"]*after=[^"]+)"', text)
                    if not found:
                        return walked
                    query = html.unescape(found.group(1))
                return pages

            cases = {
                "officer, first page": lambda: page(officer),
                "auditor, first page": lambda: page(auditor),
                "officer, high risk in one department": lambda: page(
                    officer, "?department=2&risk=high"),
                "officer, min value £4m, awarded 2024": lambda: page(
                    officer, "?min_value=4000000&from=2024-01-01&to=2024-12-31"),
                "auditor, reopened, min score 70": lambda: page(
                    auditor, "?status=reopened&min_score=70"),
            }  # fmt: skip
            for label, work in cases.items():
                work()  # once untimed: templates compile on first use
                median, p95 = timings(work, repeats)
                worst = max(worst, p95)
                print(f"{label:40} median {median:6.1f} ms, p95 {p95:6.1f} ms per page")
            pages = walk(officer, 20)
            median, _ = timings(lambda: walk(officer, 20), max(1, repeats // 5))
            print(f"{f'officer, pages 1-{pages} by keyset':40} median {median / pages:6.1f} ms "
                  "per page")  # fmt: skip
            db.session.remove()
            db.engine.dispose()
    verdict = "meets" if worst < TARGET_P95_MS else "MISSES"
    print(f"Slowest p95 {worst:.1f} ms: {verdict} the target of {TARGET_P95_MS:.0f} ms")


if __name__ == "__main__":
    main()
