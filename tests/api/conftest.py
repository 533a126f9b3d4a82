"""Fixtures: the known mix (tests/completeness/mix.py) and fast password hashing."""

from tests.completeness.fixtures import fast_hashing, mix  # noqa: F401 - fixtures
