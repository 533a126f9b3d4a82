"""Where the app's templates, static files and migrations are, in a checkout or installed.

In the repository they stay at the top level, beside `register/` (the layout is fixed). A wheel
ships copies inside the package, in `register/_shipped/` (setup.py's build step puts them there),
so an installed register finds them wherever it is installed, whatever the working folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_shipped"
ROOT = SHIPPED if (SHIPPED / "templates").is_dir() else PACKAGE.parent

TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
MIGRATIONS = ROOT / "migrations"
