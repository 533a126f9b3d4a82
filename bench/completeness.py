"""Benchmark the completeness dashboard and export on a generated register.

Builds a migrated database with 20 departments and 20,000 officials (filed on time, filed late,
nil returns, overdue, joiners with later due dates and leavers), then times, as an auditor, the
aggregate computation, the whole dashboard page, a department drill-down and the completeness
export (CSV, streamed to the end), and prints the median and p95 of each.

    python bench/completeness.py --url postgresql+psycopg://.../register_bench_completeness
    python bench/completeness.py            # the same on a SQLite file
    python bench/completeness.py --quick    # 1,000 officials, a few seconds

--url names a throwaway PostgreSQL database: its public schema is replaced. The target is a
dashboard p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import database_label, fresh_app, timings  # noqa: E402
from register.admin.services import create_cycle, create_department  # noqa: E402
from register.auth.passwords import hash_password  # noqa: E402
from register.completeness.services import compute  # noqa: E402
from register.extensions import db  # noqa: E402
from register.models import Declaration, User  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway benchmark database
TODAY = date(2026, 7, 15)
OPENS, DUE = date(2026, 4, 1), date(2026, 6, 30)


def populate(officials: int, seed: int = 7) -> int:
    """Create departments, a cycle, officials and their declarations; returns the cycle id."""
    rng = random.Random(seed)
    departments = [
        create_department(db.session, f"D{i:02d}", f"Department {i:02d}", None) for i in range(20)
    ]
    cycle = create_cycle(db.session, "2026/27", OPENS, DUE, departments, None)
    db.session.add(
        User(
            email="auditor@example.gov.uk",
            full_name="Bench Auditor",
            role="auditor",
            password_hash=hash_password(PASSWORD),
        )
    )
    db.session.commit()
    unusable = "!" * 40
    users = []
    for n in range(officials):
        kind = rng.random()
        users.append(
            {
                "email": f"official{n}@example.gov.uk",
                "full_name": f"Official {n:05d}",
                "role": "official",
                "department_id": departments[n % 20].id,
                "password_hash": unusable,
                "is_senior": n % 50 == 0,
                "active": True,
                "created_at": datetime.now(UTC),
                "joined_on": OPENS + timedelta(days=rng.randrange(60, 100))
                if kind < 0.05
                else None,
                "left_on": OPENS - timedelta(days=10) if 0.05 <= kind < 0.07 else None,
            }
        )
    db.session.execute(insert(User), users)
    ids = [
        row[0]
        for row in db.session.execute(
            db.select(User.id).where(User.role == "official").order_by(User.id)
        )
    ]
    declarations = []
    for official_id in ids:
        roll = rng.random()
        if roll < 0.15:
            continue  # never started
        filed = roll >= 0.25
        submitted = datetime.combine(DUE, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=rng.randrange(-24 * 60, 24 * 20)
        )
        declarations.append(
            {
                "official_id": official_id,
                "cycle_id": cycle.id,
                "state": "submitted" if filed else "draft",
                "is_nil": filed and roll > 0.8,
                "version_count": 1 if filed else 0,
                "first_submitted_at": submitted if filed else None,
                "last_submitted_at": submitted if filed else None,
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
        )
    db.session.execute(insert(Declaration), declarations)
    db.session.commit()
    return cycle.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a throwaway PostgreSQL database (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="1,000 officials")
    parser.add_argument("--officials", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    officials = 1_000 if args.quick else args.officials
    repeat = 3 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as folder:
        os.environ["REGISTER_INSTANCE"] = folder
        app = fresh_app(args.url, Path(folder), WTF_CSRF_ENABLED=False)
        with app.app_context():
            started = time.perf_counter()
            cycle_id = populate(officials)
            print(f"generated {officials:,} officials in {time.perf_counter() - started:.1f}s "
                  f"on {database_label(app)}")  # fmt: skip
            from register.models import DeclarationCycle

            cycle = db.session.get(DeclarationCycle, cycle_id)
            result = compute(db.session, cycle, today=TODAY, joiner_days=28)
            t = result.total
            assert t.in_scope == t.filed + t.overdue + t.not_yet_due, "counts do not add up"
            print(
                f"in scope {t.in_scope:,}, filed {t.filed:,} ({t.percent_filed:.1f}%), "
                f"nil {t.nil:,}, late {t.late:,}, overdue {t.overdue:,}, "
                f"not yet due {t.not_yet_due:,}"
            )
            import register.clock

            register.clock.today = lambda: TODAY  # the dashboard as on the bench's day
            client = app.test_client()
            client.post(
                "/auth/sign-in", data={"email": "auditor@example.gov.uk", "password": PASSWORD}
            )
            department_id = result.departments[0].department_id
            exported: list[int] = []

            def get(url: str) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                if "download" in url:
                    exported.append(response.data.count(b"\n") - 1)

            cases = {
                "compute": lambda: compute(db.session, cycle, today=TODAY, joiner_days=28),
                "dashboard page": lambda: get(f"/completeness/?cycle={cycle_id}"),
                "department drill-down": lambda: get(
                    f"/completeness/cycles/{cycle_id}/departments/{department_id}?status=overdue"),
                "completeness export (CSV)": lambda: get(
                    f"/exports/download?kind=completeness&cycle={cycle_id}&format=csv"),
            }  # fmt: skip
            for label, work in cases.items():
                work()  # once untimed: templates compile on first use
                median, p95 = timings(work, repeat)
                print(f"{label:28} median {median:7.1f} ms, p95 {p95:7.1f} ms (of {repeat})")
            assert exported[-1] == t.in_scope, ("export rows", exported[-1], t.in_scope)
            print(f"the export has {exported[-1]:,} rows, one per official in scope")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
