"""Load test: gunicorn on PostgreSQL on 127.0.0.1, a realistic mix of users, latency figures.

It seeds the database (bench/seed_scale.py: 20,000 officials, 1,000,000 awards, 100,000 flags),
starts two gunicorn instances on two ports with the production configuration
(register/gunicorn_conf.py) against that one PostgreSQL, behind a pretend TLS-terminating load
balancer (X-Forwarded-Proto: https) that sends alternate users to alternate instances, and runs
virtual users for the duration: officials (60%) viewing their declarations, filing interests and
(a tenth of their actions) submitting their declaration or reopening a submitted one for
amendment, each submission screened against every award; compliance officers (25%) working
the review queue, opening flags and deciding some; and auditors (15%) viewing completeness,
drilling down and exporting. Each user waits 0.5-2 s between pages, as a person does, and signs
in again every 30 pages. Users arrive over a 10 s ramp-up that is not counted. Half way through,
an award import (`flask --app wsgi awards import` of 2,000 generated releases, 300 at --quick,
a tenth of whose suppliers are named as organisations the officials declared) runs beside them,
and they go on until it has finished.
Each request is timed at the client; the report gives throughput, p50/p95/p99 latency and the
error rate, overall, per instance and per page, the requests that took longer than gunicorn's
worker timeout or got no answer, the import's duration and summary, and the slowest pages from
both servers' own JSON request logs.

    python bench/load.py --url postgresql+psycopg://register:...@127.0.0.1:5432/register_bench
    python bench/load.py --url ... --no-seed           # reuse the seeded database
    python bench/load.py --url ... --quick             # tiny data, 10 users, 10 s (the test)
    python bench/load.py --url ... --keep bench/out/load  # keep both servers' logs

The target is p95 under 500 ms, no errors, no request over gunicorn's timeout and a
successful import; --check exits 1 when any is missed.
"""

from __future__ import annotations

import argparse
import contextlib
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
from itertools import zip_longest
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from bench.generate_awards import generate_releases  # noqa: E402
from bench.seed_scale import BENCH_PASSWORD, CYCLE, FULL, QUICK, seed  # noqa: E402

TARGET_P95_MS = 500.0
# Who each virtual user is, in turn: 12 officials, 5 compliance officers, 3 auditors per 20.
MIX = "OCOAOCOOCOOCOAOCOOAO"
KINDS = {"O": "official", "C": "compliance", "A": "auditor"}
# Officials' actions: my declarations, their declaration, file an interest, check answers,
# management plans, and (10%) submit or reopen for amendment.
OFFICIAL_WEIGHTS = (27, 27, 18, 9, 9, 10)
PAGES_PER_SESSION = 30
RAMP_UP_SECONDS = 10
IMPORT_TIMEOUT = 900  # seconds: an import that takes longer is killed and fails the test
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Official:
    """An official's current-cycle declaration as this run last left it.

    Each official belongs to one virtual user only, so the state kept here is the truth: the
    user files interests and checks answers on a draft, submits a draft, and reopens a
    submitted declaration for amendment before submitting it again with a reason.
    """

    email: str
    declaration: int
    state: str  # "draft" or "submitted"
    versions: int  # submitted versions: an amendment needs a reason
    interests: int  # live interests: none would make a nil return, screening nothing


@dataclass
class Accounts:
    """Who the virtual users sign in as, read from the seeded database."""

    cycle_id: int
    department_ids: list[int]
    officials: list[Official]
    compliance: dict[str, list[int]]  # email -> flags in the officer's departments
    auditors: list[str]
    declared: list[str]  # organisations in submitted declarations, for the mid-test import
    # Import runs already recorded: each run's mid-test import is generated with its own seed,
    # so that a run against a database used before (--no-seed) imports new awards, not the
    # last run's again (which would be all unchanged and screen nothing).
    import_runs: int


def accounts(conninfo: str) -> Accounts:
    with psycopg.connect(conninfo) as connection:
        cycle_id = connection.execute(
            "SELECT id FROM declaration_cycle WHERE name = %s", (CYCLE,)
        ).fetchone()[0]  # type: ignore[index]
        departments = [r[0] for r in connection.execute("SELECT id FROM department ORDER BY id")]
        # Drafts and submitted declarations in turn (a draft first): the seed's are 1 in 5
        # drafts, and a draft's first submit action submits it, a submitted one's reopens it.
        by_state = [
            connection.execute(
                "SELECT u.email, d.id, d.state, d.version_count, (SELECT count(*) FROM "
                "interest i WHERE i.declaration_id = d.id AND NOT i.removed) "
                'FROM "user" u JOIN declaration d ON d.official_id = u.id '
                "WHERE u.email LIKE 'bench.official%%' AND d.cycle_id = %s AND d.state = %s "
                "ORDER BY u.id LIMIT 1000",
                (cycle_id, state),
            ).fetchall()
            for state in ("draft", "submitted")
        ]
        officials = [row for pair in zip_longest(*by_state) for row in pair if row]
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
        declared = [
            r[0]
            for r in connection.execute(
                "SELECT DISTINCT i.organisation_name FROM interest i "
                "JOIN declaration d ON d.id = i.declaration_id "
                "WHERE d.state = 'submitted' AND d.cycle_id = %s AND NOT i.removed "
                "ORDER BY i.organisation_name LIMIT 500",
                (cycle_id,),
            )
        ]
        runs = connection.execute("SELECT count(*) FROM import_run").fetchone()
        import_runs = int(runs[0]) if runs else 0
    return Accounts(
        cycle_id,
        departments,
        [Official(*row) for row in officials],
        compliance,
        auditors,
        declared,
        import_runs,
    )


@dataclass
class Sample:
    """One request: its page name, the instance's port, client-side latency, how it went."""

    name: str
    port: int
    ms: float
    ok: bool
    answered: bool  # False: the connection failed or closed with no response


@dataclass
class Stats:
    """Every request timed after the ramp-up."""

    counting_from: float  # time.monotonic() when the ramp-up ends
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, problem: str = "") -> None:
        if time.monotonic() < self.counting_from:
            return
        with self.lock:
            self.samples.append(sample)
            if not sample.ok and len(self.errors) < 20:
                self.errors.append(f"{sample.name} (port {sample.port}): {problem}")


class Browser:
    """One person's session over one keep-alive connection, with cookies and CSRF tokens."""

    def __init__(self, host: str, port: int, stats: Stats, timeout: float) -> None:
        self.host, self.port, self.stats = host, port, stats
        # Longer than gunicorn's worker timeout, so a request the server gave up on is seen
        # failing (no response) or slower than the timeout, never cut short by the client.
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.ok = False  # whether the last request (before any redirect) got what it expected

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
            ms = (time.perf_counter() - started) * 1000
            self.stats.add(Sample(name, self.port, ms, False, False), repr(exc))
            self.ok = False
            return ""
        elapsed = (time.perf_counter() - started) * 1000
        ok = status in expect and not (status == 302 and "/auth/sign-in" in location)
        self.stats.add(
            Sample(name, self.port, elapsed, ok, True), f"{method} {path} -> {status} {location}"
        )
        if status == 302 and ok:
            target = urlsplit(location)
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
            text = self.request(name + " (redirect)", "GET", path, expect=(200, 302))
        self.ok = ok
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


def file_interest(browser: Browser, rng: random.Random, who: Official) -> None:
    path = f"/declarations/{who.declaration}/interests/new/membership"
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
    if browser.ok:
        who.interests += 1


def submit(browser: Browser, rng: random.Random, who: Official) -> None:
    """Check answers, attest and submit the draft (with a reason if it is an amendment): the
    server screens the declaration against every award before it answers."""
    if not who.interests:
        # A nil return screens nothing; the test is there to measure the screening.
        file_interest(browser, rng, who)
    path = f"/declarations/{who.declaration}/review"
    page = browser.request("check answers", "GET", path)
    form = [("csrf_token", browser.token(page))]
    if 'name="nil_return"' in page and not who.interests:
        form.append(("nil_return", "y"))
    if who.versions:
        form.append(("amendment_reason", "Added a membership that started last year."))
    form += [("attest", "y"), ("submit", "Submit declaration")]
    browser.request("submit declaration", "POST", path, form, expect=(302,))
    if browser.ok:
        who.state, who.versions = "submitted", who.versions + 1


def amend(browser: Browser, who: Official) -> None:
    """Reopen a submitted declaration for amendment from its page's button."""
    page = browser.request("declaration", "GET", f"/declarations/{who.declaration}")
    form = [("csrf_token", browser.token(page))]
    browser.request(
        "amend declaration", "POST", f"/declarations/{who.declaration}/amend", form, (302,)
    )
    if browser.ok:
        who.state = "draft"


def official(browser: Browser, rng: random.Random, who: Official, _: Accounts) -> None:
    # A tenth of the actions submit (a draft) or reopen for amendment (a submitted one).
    task = rng.choices(["mine", "show", "file", "review", "plans", "submit"], OFFICIAL_WEIGHTS)[0]
    draft = who.state == "draft"
    if task == "mine":
        browser.request("my declarations", "GET", "/declarations/")
    elif task == "show" or (task in ("file", "review") and not draft):
        browser.request("declaration", "GET", f"/declarations/{who.declaration}")
    elif task == "file":
        file_interest(browser, rng, who)
    elif task == "review":
        browser.request("check answers", "GET", f"/declarations/{who.declaration}/review")
    elif task == "plans":
        browser.request("my plans", "GET", "/review/my-plans")
    elif draft:
        submit(browser, rng, who)
    else:
        amend(browser, who)


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
    n: int,
    port: int,
    mine: list[Official],
    data: Accounts,
    stats: Stats,
    ramp_up: float,
    deadline: float,
    client_timeout: float,
    imported: threading.Event,
) -> None:
    """User `n`, on the instance at `port`, until the deadline and the import are both past; an
    official signs in as each of `mine` in turn (no other user has them, so what it knows of
    their declarations stays true)."""
    rng = random.Random(n)
    browser = Browser("127.0.0.1", port, stats, client_timeout)
    kind = KINDS[MIX[n % len(MIX)]]
    pages = 0
    time.sleep(rng.uniform(0, ramp_up))  # people do not all arrive in the same second
    while time.monotonic() < deadline or not imported.is_set():
        if pages % PAGES_PER_SESSION == 0:
            if kind == "official":
                who: Any = mine[(pages // PAGES_PER_SESSION) % len(mine)]
                browser.sign_in(who.email)
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


def free_port(*taken: int) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            return port


def gunicorn_timeout() -> int:
    """The worker timeout register/gunicorn_conf.py gives the servers, in seconds (it reads
    GUNICORN_TIMEOUT from this environment, which the servers inherit unchanged)."""
    from register import gunicorn_conf

    return int(gunicorn_conf.timeout)


def server_env(url: str, secret_key: str, audit_key: str, instance: Path) -> dict[str, str]:
    """The production environment every process of the register gets (web and command line)."""
    return {
        **os.environ,
        "REGISTER_CONFIG": "production",
        "DATABASE_URL": url,
        # The same keys on every instance, as behind a real load balancer.
        "SECRET_KEY": secret_key,
        # A throwaway database: its chain mixes the seeding's testing key and this one, and
        # the load test never verifies it.
        "AUDIT_KEY": audit_key,
        "BASE_URL": "https://127.0.0.1",  # behind the pretend TLS load balancer
        # The virtual users sign in with the demo password alone: the mix measures the pages,
        # not two-factor set-up (production otherwise requires it of the staff roles).
        "MFA_REQUIRED_ROLES": "",
        "TRUSTED_PROXY_HOPS": "1",
        "REQUEST_LOG_STDERR": "1",
        "REGISTER_INSTANCE": str(instance),
    }


def start_gunicorn(
    env: dict[str, str], port: int, workers: int | None, log: Path
) -> subprocess.Popen[bytes]:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "BASE_URL": f"https://127.0.0.1:{port}"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "python:register.gunicorn_conf",
            # Each instance its own control socket: by default every gunicorn on the host
            # shares ~/.gunicorn/gunicorn.ctl, and a second one takes it from the first.
            "--control-socket",
            str(log.parent / "gunicorn.ctl"),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    return process


def wait_for(process: subprocess.Popen[bytes], port: int, log: Path, seconds: int = 180) -> None:
    """Wait for the instance to answer (its master loads the name data first: slow on a busy
    machine, and two instances start at once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    raise SystemExit(
        f"gunicorn on port {port} did not answer /healthz within {seconds} s: see {log}"
    )


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    """Stop the instances gracefully (gunicorn allows 30 s), killing any still there after 60."""
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def awards_file(path: Path, releases: int, declared: list[str], seed_value: int = 16) -> int:
    """Write `releases` generated OCDS releases (JSON Lines) where about one supplier in ten is
    named as an organisation the officials declared (without its identifier, so the names are
    what match); return how many suppliers were given a declared name."""
    rng = random.Random(seed_value)
    planted = 0
    with path.open("w", encoding="utf-8") as out:
        for release in generate_releases(releases, seed=seed_value):
            parties = {party["id"]: party for party in release["parties"]}
            for award in release.get("awards", []):
                for ref in award["suppliers"]:
                    if declared and rng.random() < 0.1:
                        name = rng.choice(declared)
                        ref["name"] = parties[ref["id"]]["name"] = name
                        parties[ref["id"]]["identifier"] = {"scheme": "", "id": ""}
                        planted += 1
            out.write(json.dumps(release, ensure_ascii=False) + "\n")
    return planted


@dataclass
class Import:
    """The award import run half way through: when, how long, what it said."""

    releases: int
    planted: int
    started_at: float = 0.0  # seconds after the ramp-up
    seconds: float = 0.0
    returncode: int | None = None
    output: str = ""

    def lines(self) -> list[str]:
        """The import's summary lines (totals and screening), or its last lines."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        summary = [line for line in lines if line.startswith(("Total:", "Matching:"))]
        return summary or lines[-3:]


def run_import(
    env: dict[str, str],
    path: Path,
    result: Import,
    at: float,
    counting_from: float,
    done: threading.Event,
) -> None:
    """At `at`, import `path` as an administrator would, with the servers' environment; the
    users go on until it has finished, so the whole import runs under load."""
    try:
        time.sleep(max(0.0, at - time.monotonic()))
        flask = Path(sys.executable).parent / "flask"
        started = time.monotonic()
        result.started_at = started - counting_from
        try:
            completed = subprocess.run(
                [str(flask), "--app", "wsgi", "awards", "import", str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=IMPORT_TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:  # killed: the users stop, the check fails
            result.returncode = -1
            result.output = f"killed after {IMPORT_TIMEOUT} s: " + str(exc.stdout or "")
        else:
            result.returncode = completed.returncode
            result.output = completed.stdout + completed.stderr
        result.seconds = time.monotonic() - started
    finally:
        done.set()


def server_side(logs: list[Path]) -> dict[str, list[float]]:
    """Server-side durations per endpoint from the JSON request logs of every instance."""
    durations: dict[str, list[float]] = defaultdict(list)
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # two processes' lines interleaved
                if entry.get("message") == "request":
                    durations[str(entry.get("endpoint"))].append(float(entry["duration_ms"]))
    return durations


@dataclass
class Outcome:
    p95: float
    errors: int
    over_timeout: int


def report(
    stats: Stats, seconds: float, logs: list[Path], ports: list[int], timeout: int, job: Import
) -> Outcome:
    samples = stats.samples
    latencies = [s.ms for s in samples]
    errors = sum(1 for s in samples if not s.ok)
    total = len(samples)
    p95 = percentile(latencies, 95)
    over = [s for s in samples if s.ms > timeout * 1000 or not s.answered]
    print(f"\nRequests: {total:,} in {seconds:.0f} s; throughput {total / seconds:.1f} req/s")
    print(
        f"Latency ms: p50 {percentile(latencies, 50):.0f}, p95 {p95:.0f}, "
        f"p99 {percentile(latencies, 99):.0f}, max {max(latencies, default=0):.0f}"
    )
    print(f"Errors: {errors} ({100 * errors / max(total, 1):.2f}%)")
    print(
        f"Over gunicorn's {timeout} s timeout or unanswered: {len(over)} "
        f"({sum(1 for s in over if not s.answered)} unanswered)"
    )
    for port in ports:
        mine = [s.ms for s in samples if s.port == port]
        print(
            f"Instance on port {port}: {len(mine):,} requests, p50 "
            f"{percentile(mine, 50):.0f}, p95 {percentile(mine, 95):.0f} ms"
        )
    if job.returncode is None:
        print("Award import: did not run")
    else:
        print(
            f"Award import: {job.releases:,} releases ({job.planted} suppliers named as declared "
            f"organisations), started at {job.started_at:.0f} s, took {job.seconds:.1f} s, "
            f"exit {job.returncode}"
        )
        for line in job.lines():
            print(f"  import: {line}")
    by_page: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_page[sample.name].append(sample.ms)
    print(f"\n{'page':<38}{'count':>7}{'p50':>7}{'p95':>7}{'p99':>7}")
    for name, values in sorted(by_page.items(), key=lambda kv: -percentile(kv[1], 95)):
        print(
            f"{name:<38}{len(values):>7}{statistics.median(values):>7.0f}"
            f"{percentile(values, 95):>7.0f}{percentile(values, 99):>7.0f}"
        )
    slowest = sorted(server_side(logs).items(), key=lambda kv: -percentile(kv[1], 95))[:5]
    print(
        "\nServer-side p95 (ms), slowest endpoints, both instances: "
        + ", ".join(f"{name} {percentile(values, 95):.0f}" for name, values in slowest)
    )
    for problem in stats.errors:
        print(f"  error: {problem}")
    return Outcome(p95, errors, len(over))


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
    parser.add_argument("--seconds", type=int, help="duration (default 120; quick 10)")
    parser.add_argument("--workers", type=int, help="gunicorn workers each (default from CPUs)")
    parser.add_argument(
        "--port", type=int, default=8765, help="first instance's port, the second's is next; 0: any"
    )
    parser.add_argument(
        "--releases", type=int, help="releases in the mid-test import (default 2000; quick 300)"
    )
    parser.add_argument(
        "--keep", type=Path, help="keep the servers' logs and the import file in this folder"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless p95 < 500 ms, 0 errors, 0 over the timeout and the import succeeded",
    )
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set BENCH_DATABASE_URL")
    users = args.users or (10 if args.quick else 50)
    seconds = args.seconds or (10 if args.quick else 120)
    releases = args.releases or (300 if args.quick else 2000)
    if args.port:
        ports = [args.port, args.port + 1]
    else:
        first = free_port()
        ports = [first, free_port(first)]
    if not args.no_seed:
        sizes = QUICK if args.quick else FULL
        print(
            f"Seeding: {sizes.officials:,} officials, {sizes.awards:,} awards, "
            f"{sizes.flags:,} flags"
        )
        seed(args.url, sizes)
    conninfo = make_url(args.url).set(drivername="postgresql").render_as_string(False)
    data = accounts(conninfo)
    officials = [n for n in range(users) if KINDS[MIX[n % len(MIX)]] == "official"]
    if len(data.officials) < len(officials):
        raise SystemExit(
            f"{len(officials)} official users need as many officials with a {CYCLE} "
            f"declaration; the database has {len(data.officials)}"
        )
    # Each official user has officials of its own: no two users change one declaration.
    pools = {n: data.officials[k :: len(officials)] for k, n in enumerate(officials)}
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.nullcontext(str(args.keep.resolve()))
        if args.keep
        else tempfile.TemporaryDirectory()
    ) as folder:
        env = server_env(args.url, secrets.token_hex(32), secrets.token_hex(32), Path(folder))
        timeout = gunicorn_timeout()
        logs, servers = [], []
        try:
            for port in ports:
                instance = Path(folder) / f"port-{port}"
                instance.mkdir(exist_ok=True)
                logs.append(instance / "gunicorn.log")
                servers.append(
                    start_gunicorn(
                        {**env, "REGISTER_INSTANCE": str(instance)}, port, args.workers, logs[-1]
                    )
                )
            for server, port, log in zip(servers, ports, logs, strict=True):
                wait_for(server, port, log)
            source = Path(folder) / "awards-mid-test.jsonl"
            generated_with = 16 + data.import_runs
            job = Import(releases, awards_file(source, releases, data.declared, generated_with))
            ramp_up = 3 if args.quick else RAMP_UP_SECONDS
            print(
                f"Running {users} users for {seconds} s (after a {ramp_up} s ramp-up) against "
                f"gunicorn on ports {ports[0]} and {ports[1]}, {timeout} s worker timeout; "
                f"an import of {releases:,} releases at {seconds / 2:.0f} s "
                "(the users go on until it ends)"
            )
            counting_from = time.monotonic() + ramp_up
            deadline = counting_from + seconds
            stats = Stats(counting_from)
            client_timeout = timeout + 30
            imported = threading.Event()
            threads = [
                threading.Thread(
                    target=virtual_user,
                    args=(
                        n,
                        ports[n % len(ports)],
                        pools.get(n, []),
                        data,
                        stats,
                        ramp_up,
                        deadline,
                        client_timeout,
                        imported,
                    ),
                )
                for n in range(users)
            ]
            importer = threading.Thread(
                target=run_import,
                args=(
                    {**env, "REGISTER_INSTANCE": folder},
                    source,
                    job,
                    counting_from + seconds / 2,
                    counting_from,
                    imported,
                ),
            )
            for thread in [*threads, importer]:
                thread.start()
            for thread in [*threads, importer]:
                thread.join()  # the users stop once the deadline and the import are past
            elapsed = time.monotonic() - counting_from
        finally:
            stop(servers)
        outcome = report(stats, elapsed, logs, ports, timeout, job)
    failures = []
    if outcome.p95 >= TARGET_P95_MS:
        failures.append(f"p95 {outcome.p95:.0f} ms is not under {TARGET_P95_MS:.0f} ms")
    if outcome.errors:
        failures.append(f"{outcome.errors} errors")
    if outcome.over_timeout:
        failures.append(f"{outcome.over_timeout} requests over the timeout or unanswered")
    if job.returncode != 0:
        failures.append(f"the award import failed (exit {job.returncode})")
    if args.check and failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
