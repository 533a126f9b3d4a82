"""Fixtures for review tests: the Morning Lane scene, cheap hashing and fresh login state."""

import pytest

from tests.review.helpers import Scene, build_scene


@pytest.fixture
def scene(make_user, department) -> Scene:
    return build_scene(make_user, department)
