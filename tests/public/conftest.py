"""Fixtures: the known mix (tests/completeness/mix.py)."""

from tests.completeness.fixtures import mix  # noqa: F401 - fixture
