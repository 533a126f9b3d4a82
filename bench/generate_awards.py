"""Generate realistic OCDS award releases, modelled on UK Contracts Finder data.

The shapes and the mess follow the real files in tests/data/contracts_finder_ocds: suppliers
referenced by id from ``awards[].suppliers[]`` into ``parties[]`` (with ``x_awardValue``),
``&amp;`` and ``&#039;`` entities (sometimes double-escaped), "T/A" trading names, upper and
mixed case, Ltd/Limited variants, GB-COH numbers with their leading zeros dropped, empty
identifier schemes. Also: amounts sometimes as strings ("1,234.50") or missing, some missing
dates, several suppliers per award, a few releases with two or three awards and a few
tender-only releases without awards (the parser yields nothing for those).

    python bench/generate_awards.py 200000 bench/out/awards.jsonl.gz

writes one release per line (JSON Lines, gzipped if the name ends in .gz).
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SURNAMES = (
    "Morning Lane",
    "Hanson",
    "Wagstaff",
    "Bristow",
    "Peter",
    "Whittle",
    "Gresham",
    "Alba",
    "Rotadex",
    "Senator",
    "Flint Bishop",
    "Hill Dickinson",
    "Penningtons",
    "Galliford",
    "Graham",
    "Bertram",
    "Reflexions",
    "Premier",
    "Serco",
    "Muckle",
    "Veale",
    "Phoenix",
    "Ferco",
    "Posturite",
    "Southerns",
    "Kinnarps",
    "Dams",
    "Rackline",
    "Showcase",
    "Reventus",
    "Pilon",
    "Greyline",
    "McConechy's",
    "O'Brien",
    "D'Ignazio",
    "Sanctuary",
    "Endeavour",
    "Castle",
    "Northgate",
    "Riverside",
    "Oakwood",
    "Beacon",
    "Harbour",
    "Summit",
    "Meridian",
    "Pennine",
    "Thames",
    "Severn",
    "Cotswold",
    "Mendip",
    "Lakeland",
    "Wessex",
    "Mercia",
    "Anglia",
    "Cambrian",
)
SECTORS = (
    "Associates",
    "Consulting",
    "Building & Maintenance",
    "Painting & Decorating",
    "Office Furniture",
    "Care Services",
    "Engineering & Technology",
    "Facilities Management",
    "Training",
    "Healthcare",
    "Transport",
    "Construction",
    "Legal Services",
    "IT Solutions",
    "Cleaning Services",
    "Catering",
    "Security",
    "Recruitment",
    "Environmental",
    "Media",
)
FORMS = ("Ltd", "Limited", "LLP", "PLC", "CIC", "Ltd.", "")
TRADING = ("T/A", "t/a", "trading as", "T/as")
BUYERS = (
    ("Department for Education", "GB-GOR", "D6"),
    ("Ministry of Justice", "GB-GOR", "D18"),
    ("Crown Commercial Service", "GB-GOR", "PB189"),
    ("Derby City Council", "GB-LAE", "DER"),
    ("Rutland County Council", "GB-LAE", "RCC"),
    ("LANCASHIRE CONSTABULARY", "GB-SRS", "sid4gov.cabinetoffice.gov.uk/zbKz776r"),
    ("BFI", "", ""),
    ("NHS Supply Chain", "", ""),
    ("Hertfordshire County Council", "GB-LAE", "HRT"),
    ("University of Leeds", "GB-SRS", "sid4gov.cabinetoffice.gov.uk/8PQu5m2e"),
)
TITLES = (
    "Insurance Services",
    "Office Furniture Framework",
    "Children's Social Care Placements",
    "Legal Services Panel",
    "Highways Maintenance",
    "Cleaning of Council Buildings",
    "IT Support & Maintenance",
    "Consultancy for Child Protection Reform",
    "Supply of Tyres",
    "Print & Design Services",
    "Training for Social Workers",
)


@dataclass(frozen=True)
class Company:
    name: str
    trading_name: str | None
    scheme: str
    number: str


def _company(rng: random.Random) -> Company:
    form = rng.choice(FORMS)
    name = " ".join(p for p in (rng.choice(SURNAMES), rng.choice(SECTORS), form) if p)
    trading = f"{rng.choice(SURNAMES)} {rng.choice(SECTORS)}" if rng.random() < 0.1 else None
    roll = rng.random()
    if roll < 0.45:
        prefix = rng.choice(("", "", "", "", "SC", "OC", "NI"))
        number = prefix + str(rng.randrange(10 ** (8 - len(prefix)))).zfill(8 - len(prefix))
        return Company(name, trading, "GB-COH", number)
    if roll < 0.5:
        return Company(name, trading, "GB-CQC", f"1-{rng.randrange(10**8, 10**10)}")
    return Company(name, trading, "", "")


def _spelling(rng: random.Random, company: Company) -> str:
    """One of the messy ways a notice spells the company's name."""
    name = company.name
    if rng.random() < 0.3:
        name = (
            name.replace("Limited", "Ltd") if "Limited" in name else name.replace("Ltd", "Limited")
        )
    if company.trading_name and rng.random() < 0.6:
        name = f"{name} {rng.choice(TRADING)} {company.trading_name}"
    roll = rng.random()
    if roll < 0.3:
        name = name.upper()
    elif roll < 0.35:
        name = name.lower()
    name = name.replace("&", "&amp;amp;" if rng.random() < 0.05 else "&amp;")
    return name.replace("'", "&#039;")


def _amount(rng: random.Random) -> Any:
    value = round(rng.lognormvariate(11, 1.8), 2)
    roll = rng.random()
    if roll < 0.6:
        return int(value)
    if roll < 0.8:
        return value
    if roll < 0.95:
        return f"{value:,.2f}"
    return None


def _when(rng: random.Random, start: date, days: int) -> str:
    return f"{start + timedelta(days=rng.randrange(days))}T00:00:00Z"


def _supplier_count(rng: random.Random) -> int:
    return rng.choices((1, 2, 3, 4, 6, 10, 20), weights=(45, 25, 12, 8, 5, 4, 1))[0]


def generate_releases(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield `n` OCDS release dicts; the same (n, seed) always gives the same releases."""
    rng = random.Random(seed)
    companies = [_company(rng) for _ in range(max(50, n // 4))]
    for number in range(n):
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        published = date(2017, 1, 1) + timedelta(days=rng.randrange(2500))
        buyer_name, buyer_scheme, buyer_id = rng.choice(BUYERS)
        buyer_party_id = uuid.UUID(int=rng.getrandbits(128)).hex
        parties: list[dict[str, Any]] = [
            {
                "id": buyer_party_id,
                "roles": ["buyer"],
                "name": buyer_name,
                "identifier": {"scheme": buyer_scheme, "id": buyer_id, "legalName": None},
            }
        ]
        title = rng.choice(TITLES).replace("&", "&amp;").replace("'", "&#039;")
        release: dict[str, Any] = {
            "ocid": f"ocds-b5fd17-{key}",
            "id": f"ocds-b5fd17-{key}-{number}---award",
            "date": f"{published}T00:00:00Z",
            "tag": ["tender"],
            "initiationType": "tender",
            "parties": parties,
            "language": "en-GB",
            "tender": {
                "id": f"ocds-b5fd17-{key}-{number}",
                "title": title,
                "description": f"Provision of {title.lower()} for {buyer_name}.",
                "status": "complete",
            },
            "buyer": {"id": buyer_party_id, "name": buyer_name},
        }
        if rng.random() < 0.03:
            yield release  # a tender notice without an award
            continue
        awards = []
        for _ in range(rng.choices((1, 2, 3), weights=(90, 7, 3))[0]):
            refs = []
            for company in rng.sample(companies, _supplier_count(rng)):
                party_id = str(len(parties))
                name = _spelling(rng, company)
                ident = company.number
                if company.scheme == "GB-COH" and ident.isdigit() and rng.random() < 0.2:
                    ident = ident.lstrip("0")
                parties.append(
                    {
                        "id": party_id,
                        "roles": ["supplier", "tenderer"],
                        "identifier": {
                            "scheme": company.scheme,
                            "id": ident,
                            "legalName": company.name if company.scheme == "GB-CQC" else None,
                        },
                        "sme": rng.random() < 0.4,
                        "vco": False,
                        "name": name,
                        "x_awardValue": {"currency": "GBP", "amount": _amount(rng)},
                    }
                )
                refs.append({"id": party_id, "name": name})
            start = date.fromisoformat(release["date"][:10]) + timedelta(days=rng.randrange(90))
            award: dict[str, Any] = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "title": "",
                "description": "See description of related tender",
                "status": "active",
                "value": {"amount": _amount(rng), "currency": "GBP"},
                "suppliers": refs,
            }
            if rng.random() < 0.95:
                award["date"] = _when(rng, published, 60)
            if rng.random() < 0.95:
                end = start + timedelta(days=rng.randrange(30, 1500))
                award["contractPeriod"] = {
                    "startDate": f"{start}T00:00:00Z",
                    "endDate": f"{end}T00:00:00Z",
                }
            awards.append(award)
        release["awards"] = awards
        yield release


def write_jsonl(n: int, out: Path, seed: int = 0) -> None:
    """Write `n` generated releases to `out`, one per line (gzipped if it ends in .gz)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if out.name.endswith(".gz") else open
    with opener(out, "wt", encoding="utf-8") as f:
        for release in generate_releases(n, seed):
            f.write(json.dumps(release, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not argv[0].isdigit():
        print("usage: python bench/generate_awards.py N OUT.jsonl[.gz] [SEED]", file=sys.stderr)
        return 2
    write_jsonl(int(argv[0]), Path(argv[1]), int(argv[2]) if len(argv) == 3 else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
