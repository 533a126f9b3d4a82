"""No number in any export, page or download of the demo is written in scientific notation.

The demo holds the Morning Lane shareholding (50%, once shown as "5E+1%") and a £180 gift
(once "1.8E+2"). Every role signs in and follows every link it can see; every export is taken
in CSV and XLSX; every official downloads their personal data; a public edition is published
and read as a visitor. All of it is scanned.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from datetime import date
from html import unescape
from urllib.parse import urljoin, urlparse

from openpyxl import load_workbook
from sqlalchemy import select

from register.demo.build import DEMO_PASSWORD
from register.extensions import db
from register.formatting import SCIENTIFIC
from register.models import DeclarationCycle, User

PAGE_LIMIT = 250  # per role: the demo has fewer pages than this
SKIP = ("/auth/sign-out", "/static/", "/exports/download")


def _sign_in(client, email: str) -> None:
    client.post("/auth/sign-out")
    response = client.post("/auth/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email


def _scientific(text: str) -> list[str]:
    return SCIENTIFIC.findall(text)


def _crawl(client, start: str = "/") -> dict[str, str]:
    """Every page reachable by GET links from `start`: path -> text."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url, follow_redirects=True)
        text = response.get_data(as_text=True)
        seen[url] = text
        if "html" not in response.mimetype:
            continue
        for href in re.findall(r'href="([^"#]+)', text):
            target = urlparse(urljoin(url, unescape(href)))
            if target.netloc or not target.path.startswith("/"):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if path not in seen:
                queue.append(path)
    return seen


def _xlsx_text(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for row in sheet.iter_rows(values_only=True)
    )


def test_no_page_export_or_download_of_the_demo_uses_scientific_notation(client, demo):
    found: dict[str, list[str]] = {}

    def scan(where: str, text: str) -> None:
        if hits := _scientific(text):
            found[where] = hits

    officials = db.session.scalars(select(User.email).where(User.role == "official")).all()
    others = ["compliance@example.gov.uk", "auditor@example.gov.uk", "admin@example.gov.uk"]
    pages = 0
    for email in [*officials, *others]:
        _sign_in(client, email)
        for path, text in _crawl(client).items():
            scan(f"{email} {path}", text)
            pages += 1
        my_data = client.get("/auth/my-data")
        if my_data.status_code == 200:
            scan(f"{email} personal data", my_data.get_data(as_text=True))
    assert pages > 60  # the crawl reached the declarations, versions, flags and awards

    _sign_in(client, "auditor@example.gov.uk")
    cycles = db.session.scalars(select(DeclarationCycle)).all()
    for kind in ("completeness", "declarations", "flags", "audit"):
        for cycle in cycles:
            for fmt in ("csv", "xlsx"):
                response = client.get(
                    "/exports/download",
                    query_string={"kind": kind, "cycle": cycle.id, "format": fmt},
                )
                assert response.status_code == 200, (kind, cycle.name, fmt)
                data = response.get_data()
                text = _xlsx_text(data) if fmt == "xlsx" else data.decode("utf-8-sig")
                scan(f"export {kind} {cycle.name} {fmt}", text)

    _sign_in(client, "admin@example.gov.uk")
    for cycle in cycles:
        response = client.post("/admin/public-register/", data={"cycle_id": cycle.id})
        assert response.status_code == 302
    client.post("/auth/sign-out")
    for path, text in _crawl(client, "/public/").items():
        scan(f"public {path}", text)

    assert found == {}


def test_the_morning_lane_shareholding_reads_50_in_the_declarations_export(runner, demo, tmp_path):
    """The issue's must-show: `flask export declarations --cycle 2025/26` has 50 (not 5E+1)."""
    import csv

    out = tmp_path / "declarations.csv"
    result = runner.invoke(
        args=["export", "declarations", "--cycle", "2025/26", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    shares = [r for r in rows if r["category"] == "shareholding"]
    assert [r["percentage"] for r in shares] == ["50"]
    xlsx = tmp_path / "declarations.xlsx"
    result = runner.invoke(
        args=["export", "declarations", "--cycle", "2025/26", "--format", "xlsx",
              "--output", str(xlsx)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    rows_x = list(sheet.iter_rows(values_only=True))
    header = list(rows_x[0])
    share = next(r for r in rows_x[1:] if r[header.index("category")] == "shareholding")
    assert share[header.index("percentage")] == 50  # a number cell, not the text "5E+1"
    assert isinstance(share[header.index("percentage")], int | float)
    start = share[header.index("start_date")]
    assert start is not None and start.date() == date(2009, 2, 1)  # a date cell


def test_personal_data_json_of_the_morning_lane_official(client, demo):
    _sign_in(client, "isabelle.trowe@example.gov.uk")
    data = json.loads(client.get("/auth/my-data").get_data(as_text=True))
    interests = [
        i for d in data["declarations"] for v in d["versions"] for i in v["content"]["interests"]
    ]
    assert [i["percentage"] for i in interests if i["category"] == "shareholding"] == ["50"]
