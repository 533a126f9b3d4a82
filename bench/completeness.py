"""Benchmark the completeness dashboard on a generated register in SQLite.

Builds a migrated SQLite database with 20 departments and 20,000 officials (filed on time,
filed late, nil returns, overdue, joiners with later due dates and leavers), then times the
aggregate computation and the whole dashboard page as an auditor, and prints the medians.

    python bench/completeness.py            # 20,000 officials
    python bench/completeness.py --quick    # 1,000 officials, a few seconds
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from register import create_app  # noqa: E402
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
                "failed_logins": 0,
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


def median_seconds(action: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 officials")
    parser.add_argument("--officials", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    officials = 1_000 if args.quick else args.officials
    repeat = 3 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as folder:
        os.environ["REGISTER_INSTANCE"] = folder
        url = f"sqlite:///{folder}/bench.sqlite"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
            started = time.perf_counter()
            cycle_id = populate(officials)
            print(f"generated {officials:,} officials in {time.perf_counter() - started:.1f}s")
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
            compute_s = median_seconds(
                lambda: compute(db.session, cycle, today=TODAY, joiner_days=28), repeat
            )
            import register.web

            register.web.uk_today = lambda: TODAY  # type: ignore[assignment]
            client = app.test_client()
            client.post(
                "/auth/sign-in", data={"email": "auditor@example.gov.uk", "password": PASSWORD}
            )

            def page() -> None:
                response = client.get(f"/completeness/?cycle={cycle_id}")
                assert response.status_code == 200, response.status_code

            page_s = median_seconds(page, repeat)
            department_id = result.departments[0].department_id

            def drill() -> None:
                url = f"/completeness/cycles/{cycle_id}/departments/{department_id}?status=overdue"
                assert client.get(url).status_code == 200

            drill_s = median_seconds(drill, repeat)
            db.session.remove()
            db.engine.dispose()
    print(
        f"median of {repeat}: compute {compute_s * 1000:.1f} ms, dashboard page "
        f"{page_s * 1000:.1f} ms, department drill-down {drill_s * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
