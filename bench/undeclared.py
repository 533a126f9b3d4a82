"""Benchmark undeclared-interest screening: officials against company officer records.

Builds a SQLite register (schema from the models) with generated officials, award suppliers and
officer records, including namesakes with and without birth dates and planted true matches, then
screens it in a fresh process and reports the time and that process's peak memory.

    python bench/undeclared.py            # 20,000 officials x 1,000,000 officer records
    python bench/undeclared.py --quick    # 500 x 20,000, a few seconds
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from register.audit.log import use_key  # noqa: E402
from register.matching.people import parse_person_name  # noqa: E402
from register.models import (  # noqa: E402
    Award,
    AwardSupplier,
    Base,
    CompanyOfficer,
    Department,
    Flag,
    User,
)
from register.screening.undeclared import screen_undeclared  # noqa: E402

SYLLABLES = re.findall(
    r"\w+", "ab al an ar bel bor ca cor da del en fa fer gan hal is ka kel lan lo ma"
)
SIZES = {"full": (20_000, 1_000_000), "quick": (500, 20_000)}
SUPPLIER_COMPANIES = 20_000
COMPANIES = 400_000
DEPARTMENTS = 20
PLANTED_SHARE = 0.01


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).title()


def build(path: Path, officials: int, officers: int, seed: int = 8) -> int:
    """Write the register; returns how many officials were planted as undeclared officers."""
    rng = random.Random(seed)
    forenames = sorted({_word(rng, 2) for _ in range(3000)})
    surnames = sorted({_word(rng, 3) for _ in range(8000)})
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    suppliers = [f"{n:08d}" for n in rng.sample(range(1, COMPANIES), SUPPLIER_COMPANIES)]
    with Session(engine) as session:
        session.execute(insert(Department), [
            {"code": f"D{d}", "name": f"Department {d}"} for d in range(1, DEPARTMENTS + 1)
        ])  # fmt: skip
        people = []
        for i in range(officials):
            dated = rng.random() < 0.7
            people.append({
                "email": f"o{i}@example.gov.uk", "role": "official", "password_hash": "x",
                "full_name": f"{rng.choice(forenames)} {rng.choice(surnames)}",
                "department_id": rng.randint(1, DEPARTMENTS),
                "birth_month": rng.randint(1, 12) if dated else None,
                "birth_year": rng.randint(1950, 1995) if dated else None,
            })  # fmt: skip
        planted = rng.sample(range(officials), int(officials * PLANTED_SHARE))
        for i in planted:
            people[i]["job_title"] = "planted"
        session.execute(insert(User), people)
        awards = [
            {"ocid": f"ocds-bench-{n}", "award_id": "1", "content_digest": str(n),
             "department_id": rng.randint(1, DEPARTMENTS), "buyer_name": "A buyer",
             "award_date": date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))}
            for n in range(len(suppliers))
        ]  # fmt: skip
        session.execute(insert(Award), awards)
        session.execute(insert(AwardSupplier), [
            {"award_id": n + 1, "position": 0, "name": f"Company {number} Ltd",
             "company_number": number}
            for n, number in enumerate(suppliers)
        ])  # fmt: skip
        rows = []
        for n in range(officers):
            if n < len(planted):  # a true match: the official, a supplier, birth date if known
                official = people[planted[n]]
                forename, surname = official["full_name"].split()
                company = suppliers[n]
                month, year = official["birth_month"], official["birth_year"]
            else:  # a stranger: random name (namesakes happen), mostly non-supplier companies
                forename, surname = rng.choice(forenames), rng.choice(surnames)
                company = (
                    rng.choice(suppliers)
                    if rng.random() < 0.2
                    else f"{rng.randrange(COMPANIES):08d}"
                )
                month, year = rng.randint(1, 12), rng.randint(1940, 2000)
            name = f"{surname.upper()}, {forename}"
            parsed = parse_person_name(name)
            assert parsed is not None
            rows.append({
                "source": "bench", "record_key": str(n), "kind": "officer",
                "company_number": company, "name": name, "person_key": parsed.text,
                "role": "Director", "appointed_on": date(2015, 1, 1), "resigned_on": None,
                "birth_month": month, "birth_year": year, "content_digest": str(n),
            })  # fmt: skip
            if len(rows) == 50_000:
                session.execute(insert(CompanyOfficer), rows)
                rows = []
        if rows:
            session.execute(insert(CompanyOfficer), rows)
        session.commit()
    engine.dispose()
    return len(planted)


BENCH_AUDIT_KEY = b"bench: the key of a throwaway database"


def screen(path: Path) -> None:
    """Run the screening (in its own process) and print its time, memory and flags."""
    use_key(BENCH_AUDIT_KEY)  # no app here: the screening's audit entries need a key
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        started = time.perf_counter()
        report = screen_undeclared(session)
        session.commit()
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        by_risk = select(Flag.risk_level, func.count(Flag.id)).group_by(Flag.risk_level)
        levels = {risk: count for risk, count in session.execute(by_risk)}
        planted = session.scalar(select(func.count(User.id)).where(User.job_title == "planted"))
        found = session.scalar(
            select(func.count(func.distinct(Flag.official_id)))
            .join(User, Flag.official_id == User.id)
            .where(User.job_title == "planted")
        )
    print(f"screening: {elapsed:.1f} s, peak memory {peak:.0f} MB")
    print(f"  {report.summary()}")
    print(f"  flags by risk: {levels}")
    print(f"  planted matches flagged: {found:,} of {planted:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, a few seconds")
    parser.add_argument("--screen", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.screen:
        screen(args.screen)
        return
    officials, officers = SIZES["quick" if args.quick else "full"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        started = time.perf_counter()
        planted = build(path, officials, officers)
        print(f"{officials:,} officials x {officers:,} officer records "
              f"({SUPPLIER_COMPANIES:,} supplier companies, {planted:,} planted matches); "
              f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
        sys.stdout.flush()
        run = subprocess.run([sys.executable, __file__, "--screen", str(path)],
                             capture_output=True, text=True)  # fmt: skip
        print(run.stdout, end="")
        if run.returncode:
            sys.exit(run.stderr)


if __name__ == "__main__":
    main()
