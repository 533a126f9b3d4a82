"""Fixtures for this package: cheap hashing and per-request login state, shared with tests/auth."""

from tests.auth.conftest import fast_password_hashing, fresh_login_state  # noqa: F401 - autouse
