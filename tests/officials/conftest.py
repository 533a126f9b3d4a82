"""Fixtures for the official's record: the review tests' Morning Lane scene."""

import pytest

from tests.review.helpers import Scene, build_scene


@pytest.fixture
def scene(make_user, department) -> Scene:
    return build_scene(make_user, department)
