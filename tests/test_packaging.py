"""The wheel carries everything the app needs: installed, it migrates and serves from anywhere.

Builds the wheel from a copy of the sources (a stale `build/` in the checkout cannot leak into
it), installs it without dependencies into a fresh virtual environment that borrows this
environment's packages through a .pth file (so no network), then, from an empty folder and with
no PYTHONPATH, runs `flask --app register db upgrade` and `flask --app register run` and loads the
sign-in page and a stylesheet. Takes about 15 s.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
FOLDERS = ("register", "templates", "static", "migrations")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, str]:
    """GET `url`, retrying until the server is up or `deadline` (time.monotonic) passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the register's wheel installed; its python."""
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, source / name)
    for name in FOLDERS:
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    wheels = tmp / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), "."],
        cwd=source,
        check=True,
    )
    (wheel,) = wheels.glob("register-*.whl")

    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    new_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies come from this environment, appended after the new one's own packages,
    # so its `register` is the wheel's. A plain path line: the editable install's finder in this
    # environment's site-packages is not run.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(new_site) / "project-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )
    return python


def test_the_installed_wheel_migrates_and_serves_the_sign_in_page(
    installed: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "empty"
    workdir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "FLASK_APP", "DATABASE_URL"}
        and not key.startswith(("REGISTER_", "TEST_DATABASE"))
    }
    env["REQUEST_LOG_STDERR"] = "0"
    flask = [str(installed), "-m", "flask", "--app", "register"]

    imported = subprocess.run(
        [
            str(installed),
            "-c",
            "import register, register.app_files as f; print(register.__file__)"
            "; print(f.TEMPLATES); print(f.STATIC); print(f.MIGRATIONS)",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    venv_dir = installed.parent.parent
    for path in map(Path, imported):  # the wheel's package and copies, not the checkout's
        assert path.is_relative_to(venv_dir), path
        assert path.exists(), path

    subprocess.run([*flask, "db", "upgrade"], cwd=workdir, env=env, check=True, timeout=60)
    # The default SQLite file is in the installed app's instance folder, not the working folder.
    (database,) = (venv_dir / "var" / "register-instance").glob("*.sqlite*")
    assert database.stat().st_size > 0
    assert list(workdir.iterdir()) == []

    port = _free_port()
    server = subprocess.Popen(
        [*flask, "run", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status, page = _get(f"http://127.0.0.1:{port}/auth/sign-in", deadline)
        assert status == 200
        assert "Sign in" in page
        assert "/static/css/register.css" in page
        status, css = _get(f"http://127.0.0.1:{port}/static/css/register.css", deadline)
        assert status == 200
        assert css.strip()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert "Traceback" not in errors, errors
