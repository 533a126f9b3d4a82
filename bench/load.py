"""Load test: gunicorn on PostgreSQL on 127.0.0.1, a realistic mix of users, latency figures.

It seeds the database (bench/seed_scale.py: 20,000 officials, 1,000,000 awards, 100,000 flags),
starts gunicorn with the production configuration (register/gunicorn_conf.py) behind a pretend
TLS-terminating load balancer (X-Forwarded-Proto: https), and runs virtual users for the
duration: officials (60%) viewing their declarations and filing interests, compliance officers
(25%) working the review queue, opening flags and deciding some, and auditors (15%) viewing
completeness, drilling down and exporting. Each user waits 0.5-2 s between pages, as a person
does, and signs in again every 30 pages. Users arrive over a 10 s ramp-up that is not counted.
Each request is timed at the client; the report gives throughput, p50/p95/p99 latency and the
error rate, overall and per page, and the slowest pages from the server's own JSON request log.

    python bench/load.py --url postgresql+psycopg://register:...@127.0.0.1:5432/register_bench
    python bench/load.py --url ... --no-seed           # reuse the seeded database
    python bench/load.py --url ... --quick             # tiny data, 10 users, 10 s (the test)

The target is p95 under 500 ms and no errors; --check exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from bench.seed_scale import BENCH_PASSWORD, CYCLE, FULL, QUICK, seed  # noqa: E402

TARGET_P95_MS = 500.0
# Who each virtual user is, in turn: 12 officials, 5 compliance officers, 3 auditors per 20.
MIX = "OCOAOCOOCOOCOAOCOOAO"
KINDS = {"O": "official", "C": "compliance", "A": "auditor"}
PAGES_PER_SESSION = 30
RAMP_UP_SECONDS = 10
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Accounts:
    """Who the virtual users sign in as, read from the seeded database."""

    cycle_id: int
    department_ids: list[int]
    officials: list[tuple[str, int]]  # email, id of a draft declaration
    compliance: dict[str, list[int]]  # email -> flags in the officer's departments
    auditors: list[str]


def accounts(conninfo: str) -> Accounts:
    with psycopg.connect(conninfo) as connection:
        cycle_id = connection.execute(
            "SELECT id FROM declaration_cycle WHERE name = %s", (CYCLE,)
        ).fetchone()[0]  # type: ignore[index]
        departments = [r[0] for r in connection.execute("SELECT id FROM department ORDER BY id")]
        officials = connection.execute(
            'SELECT u.email, d.id FROM "user" u JOIN declaration d ON d.official_id = u.id '
            "WHERE u.email LIKE 'bench.official%%' AND d.state = 'draft' AND d.cycle_id = %s "
            "ORDER BY u.id LIMIT 2000",
            (cycle_id,),
        ).fetchall()
        compliance: dict[str, list[int]] = {}
        for (email,) in connection.execute(
            "SELECT email FROM \"user\" WHERE email LIKE 'bench.compliance%%' ORDER BY id"
        ).fetchall():
            compliance[email] = [
                r[0]
                for r in connection.execute(
                    "SELECT f.id FROM flag f JOIN compliance_assignment c "
                    'ON c.department_id = f.department_id JOIN "user" u ON u.id = c.user_id '
                    "WHERE u.email = %s AND f.status <> 'decided' ORDER BY f.id LIMIT 300",
                    (email,),
                )
            ]
        auditors = [
            r[0]
            for r in connection.execute(
                "SELECT email FROM \"user\" WHERE email LIKE 'bench.auditor%%' ORDER BY id"
            )
        ]
    return Accounts(cycle_id, departments, [tuple(r) for r in officials], compliance, auditors)


@dataclass
class Stats:
    """Every request's page name, client-side latency and whether it went wrong."""

    counting_from: float  # time.monotonic() when the ramp-up ends
    samples: list[tuple[str, float, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, ms: float, ok: bool, problem: str = "") -> None:
        if time.monotonic() < self.counting_from:
            return
        with self.lock:
            self.samples.append((name, ms, ok))
            if not ok and len(self.errors) < 20:
                self.errors.append(f"{name}: {problem}")


class Browser:
    """One person's session over one keep-alive connection, with cookies and CSRF tokens."""

    def __init__(self, host: str, port: int, stats: Stats) -> None:
        self.host, self.port, self.stats = host, port, stats
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self,
        name: str,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> str:
        """Send one request (following one redirect as a separate timed GET); return the body."""
        headers = {
            "X-Forwarded-Proto": "https",  # the load balancer terminated TLS
            "Referer": f"https://{self.host}:{self.port}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            status, text, location = self._send(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.stats.add(name, (time.perf_counter() - started) * 1000, False, repr(exc))
            return ""
        elapsed = (time.perf_counter() - started) * 1000
        ok = status in expect and not (status == 302 and "/auth/sign-in" in location)
        self.stats.add(name, elapsed, ok, f"{method} {path} -> {status} {location}")
        if status == 302 and ok:
            target = urlsplit(location)
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
            return self.request(name + " (redirect)", "GET", path, expect=(200, 302))
        return text

    def _send(
        self, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> tuple[int, str, str]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # the server closed a kept-alive connection: reconnect
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return response.status, text, response.getheader("Location", "")

    def token(self, page: str) -> str:
        match = CSRF.search(page)
        return match.group(1) if match else ""

    def sign_in(self, email: str) -> None:
        self.cookies.clear()
        page = self.request("sign-in page", "GET", "/auth/sign-in")
        form = [("csrf_token", self.token(page)), ("email", email), ("password", BENCH_PASSWORD)]
        self.request("sign in", "POST", "/auth/sign-in", form, expect=(302,))


def official(browser: Browser, rng: random.Random, who: tuple[str, int], _: Accounts) -> None:
    _email, declaration = who
    task = rng.choices(["mine", "show", "file", "review", "plans"], [3, 3, 2, 1, 1])[0]
    if task == "mine":
        browser.request("my declarations", "GET", "/declarations/")
    elif task == "show":
        browser.request("declaration", "GET", f"/declarations/{declaration}")
    elif task == "file":
        path = f"/declarations/{declaration}/interests/new/membership"
        page = browser.request("new interest form", "GET", path)
        today = date.today()
        form = [
            ("csrf_token", browser.token(page)),
            ("whose", "self"),
            ("organisation_name", f"Society of {rng.choice(['Engineers', 'Auditors'])}"),
            ("role", "Member"),
            ("identifier_scheme", ""),
            ("organisation_identifier", ""),
            ("start_date", str(today.day)),
            ("start_date", str(today.month)),
            ("start_date", str(today.year - 1)),
            ("end_date", ""),
            ("end_date", ""),
            ("end_date", ""),
            ("details", ""),
        ]
        browser.request("file interest", "POST", path, form, expect=(302,))
    elif task == "review":
        browser.request("check answers", "GET", f"/declarations/{declaration}/review")
    else:
        browser.request("my plans", "GET", "/review/my-plans")


def compliance(browser: Browser, rng: random.Random, who: str, data: Accounts) -> None:
    flags = data.compliance[who]
    task = rng.choices(
        ["queue", "filtered", "flag", "decide", "dashboard", "search"], [3, 2, 3, 1, 1, 1]
    )[0]
    if task == "queue":
        browser.request("review queue", "GET", "/review/")
    elif task == "filtered":
        query = rng.choice(["risk=high", "status=open&min_score=70", "min_value=1000000"])
        browser.request("review queue filtered", "GET", f"/review/?{query}")
    elif task == "flag" and flags:
        browser.request("flag", "GET", f"/review/flags/{rng.choice(flags)}")
    elif task == "decide" and flags:
        flag = rng.choice(flags)
        page = browser.request("flag", "GET", f"/review/flags/{flag}")
        form = [
            ("csrf_token", browser.token(page)),
            ("outcome", "not_same_organisation"),
            ("reason", "Different company: checked the registered office."),
        ]
        browser.request("decide flag", "POST", f"/review/flags/{flag}/decide", form, (302,))
    elif task == "dashboard":
        browser.request("review dashboard", "GET", "/review/dashboard")
    else:
        name = rng.choice(["harbour", "Willow Digital", "kestrel consulting"])
        browser.request("award search", "GET", "/awards/?" + urlencode({"q": name}))


def auditor(browser: Browser, rng: random.Random, who: str, data: Accounts) -> None:
    task = rng.choices(["dashboard", "department", "exports", "export", "audit"], [3, 3, 1, 1, 1])[
        0
    ]
    if task == "dashboard":
        browser.request("completeness", "GET", f"/completeness/?cycle={data.cycle_id}")
    elif task == "department":
        department = rng.choice(data.department_ids)
        status = rng.choice(["in_scope", "overdue", "filed"])
        browser.request(
            "completeness department",
            "GET",
            f"/completeness/cycles/{data.cycle_id}/departments/{department}?status={status}",
        )
    elif task == "exports":
        browser.request("exports", "GET", "/exports/")
    elif task == "export":
        query = {
            "kind": "completeness",
            "format": "csv",
            "cycle": data.cycle_id,
            "department": rng.choice(data.department_ids),
        }
        browser.request("export completeness csv", "GET", "/exports/download?" + urlencode(query))
    else:
        browser.request("audit log", "GET", "/audit/")


def virtual_user(
    n: int, port: int, data: Accounts, stats: Stats, ramp_up: float, deadline: float
) -> None:
    rng = random.Random(n)
    browser = Browser("127.0.0.1", port, stats)
    kind = KINDS[MIX[n % len(MIX)]]
    pages = 0
    time.sleep(rng.uniform(0, ramp_up))  # people do not all arrive in the same second
    while time.monotonic() < deadline:
        if pages % PAGES_PER_SESSION == 0:
            if kind == "official":
                who: Any = data.officials[(n + pages) % len(data.officials)]
                browser.sign_in(who[0])
            elif kind == "compliance":
                who = list(data.compliance)[(n + pages) % len(data.compliance)]
                browser.sign_in(who)
            else:
                who = data.auditors[n % len(data.auditors)]
                browser.sign_in(who)
        {"official": official, "compliance": compliance, "auditor": auditor}[kind](
            browser, rng, who, data
        )
        pages += 1
        time.sleep(rng.uniform(0.5, 2.0))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(url: str, port: int, workers: int | None, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REGISTER_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        # A throwaway database: its chain mixes the seeding's testing key and this one, and
        # the load test never verifies it.
        "AUDIT_KEY": secrets.token_hex(32),
        "BASE_URL": f"https://127.0.0.1:{port}",  # behind the pretend TLS load balancer
        # The virtual users sign in with the demo password alone: the mix measures the pages,
        # not two-factor set-up (production otherwise requires it of the staff roles).
        "MFA_REQUIRED_ROLES": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "TRUSTED_PROXY_HOPS": "1",
        "REQUEST_LOG_STDERR": "1",
        "REGISTER_INSTANCE": str(log.parent),
    }
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:register.gunicorn_conf", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s: see {log}")


def server_side(log: Path) -> dict[str, list[float]]:
    """Server-side durations per endpoint from the JSON request log."""
    durations: dict[str, list[float]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("message") == "request":
                durations[str(entry.get("endpoint"))].append(float(entry["duration_ms"]))
    return durations


def report(stats: Stats, seconds: float, log: Path) -> tuple[float, int]:
    latencies = [ms for _, ms, _ in stats.samples]
    errors = sum(1 for _, _, ok in stats.samples if not ok)
    total = len(stats.samples)
    p95 = percentile(latencies, 95)
    print(f"\nRequests: {total:,} in {seconds:.0f} s; throughput {total / seconds:.1f} req/s")
    print(
        f"Latency ms: p50 {percentile(latencies, 50):.0f}, p95 {p95:.0f}, "
        f"p99 {percentile(latencies, 99):.0f}, max {max(latencies, default=0):.0f}"
    )
    print(f"Errors: {errors} ({100 * errors / max(total, 1):.2f}%)")
    by_page: dict[str, list[float]] = defaultdict(list)
    for name, ms, _ in stats.samples:
        by_page[name].append(ms)
    print(f"\n{'page':<38}{'count':>7}{'p50':>7}{'p95':>7}{'p99':>7}")
    for name, values in sorted(by_page.items(), key=lambda kv: -percentile(kv[1], 95)):
        print(
            f"{name:<38}{len(values):>7}{statistics.median(values):>7.0f}"
            f"{percentile(values, 95):>7.0f}{percentile(values, 99):>7.0f}"
        )
    slowest = sorted(server_side(log).items(), key=lambda kv: -percentile(kv[1], 95))[:5]
    print(
        "\nServer-side p95 (ms), slowest endpoints: "
        + ", ".join(f"{name} {percentile(values, 95):.0f}" for name, values in slowest)
    )
    for problem in stats.errors:
        print(f"  error: {problem}")
    return p95, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="SQLAlchemy URL of a PostgreSQL database to replace (seed)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny data, 10 users, 10 s")
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    parser.add_argument("--users", type=int, help="concurrent users (default 50; quick 10)")
    parser.add_argument("--seconds", type=int, help="duration (default 120; quick 15)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default from CPUs)")
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    parser.add_argument("--check", action="store_true", help="exit 1 unless p95 < 500 ms, 0 errors")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set BENCH_DATABASE_URL")
    users = args.users or (10 if args.quick else 50)
    seconds = args.seconds or (10 if args.quick else 120)
    port = args.port or free_port()
    if not args.no_seed:
        sizes = QUICK if args.quick else FULL
        print(
            f"Seeding: {sizes.officials:,} officials, {sizes.awards:,} awards, "
            f"{sizes.flags:,} flags"
        )
        seed(args.url, sizes)
    conninfo = make_url(args.url).set(drivername="postgresql").render_as_string(False)
    data = accounts(conninfo)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "gunicorn.log"
        server = start_gunicorn(args.url, port, args.workers, log)
        try:
            ramp_up = 3 if args.quick else RAMP_UP_SECONDS
            print(
                f"Running {users} users for {seconds} s (after a {ramp_up} s ramp-up) against "
                f"gunicorn on port {port}"
            )
            counting_from = time.monotonic() + ramp_up
            deadline = counting_from + seconds
            stats = Stats(counting_from)
            threads = [
                threading.Thread(
                    target=virtual_user, args=(n, port, data, stats, ramp_up, deadline)
                )
                for n in range(users)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - counting_from
        finally:
            server.terminate()
            server.wait(timeout=30)
        p95, errors = report(stats, elapsed, log)
    if args.check and (p95 >= TARGET_P95_MS or errors):
        print(f"FAILED: target p95 < {TARGET_P95_MS:.0f} ms with no errors")
        sys.exit(1)


if __name__ == "__main__":
    main()
