"""Fixtures of the sign-in tests."""

from tests.auth.two_factor_helpers import moving_clock  # noqa: F401 - fixture
