"""A real OpenID provider for the single sign-on tests: panva's certified `oidc-provider` on
Node.js (server.js beside this file), started on a free loopback port; never a mock.

`npm ci` in this folder installs it (.ci/run does); without Node.js or the package the tests
that need it skip, and in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

FOLDER = Path(__file__).parent
START_SECONDS = 30


def _node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "the single sign-on tests need Node.js (apt-get install nodejs npm)"
    elif not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        problem = f"the single sign-on tests need oidc-provider: run `npm ci` in {FOLDER}"
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    assert node is not None
    return node


@contextmanager
def running_provider(
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    accounts: dict[str, dict[str, Any]],
    log: Path,
) -> Iterator[str]:
    """Run the provider until the block ends; yields its issuer (http://127.0.0.1:<port>).

    `accounts` maps a login typed on the provider's form to the claims it signs in with."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "OIDC_TEST_CLIENT_ID": client_id,
        "OIDC_TEST_CLIENT_SECRET": client_secret,
        "OIDC_TEST_REDIRECT_URI": redirect_uri,
        "OIDC_TEST_POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
        "OIDC_TEST_ACCOUNTS": json.dumps(accounts),
    }
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [_node(), "server.js"],
            cwd=FOLDER,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        timer = threading.Timer(START_SECONDS, process.kill)  # a provider that never says
        timer.start()
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline().decode()
            timer.cancel()
            if not first_line.startswith("issuer "):
                process.wait(5)
                pytest.fail(f"the OpenID provider did not start: {log.read_text()}")
            yield first_line.split()[1]
        finally:
            timer.cancel()
            if process.stdin is not None:
                process.stdin.close()  # server.js stops when its input ends
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
