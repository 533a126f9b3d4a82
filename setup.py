"""Ship templates/, static/ and migrations/ in the wheel (the metadata is in pyproject.toml).

They stay at the top of the repository (the layout is fixed); the build copies them into the
package, as `register/_shipped/...`, where `register.app_files` finds them once installed. An
editable install (`pip install -e .`) copies nothing: the app then reads them from the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

APP_FILES = ("templates", "static", "migrations")
HERE = Path(__file__).resolve().parent


class BuildWithAppFiles(build_py):
    """build_py, then the app's top-level folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        shipped = Path(self.build_lib) / "register" / "_shipped"
        for name in APP_FILES:
            target = shipped / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithAppFiles})
