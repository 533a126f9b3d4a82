"""Download names from typed cycle names never break or inject into the header."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header

from register.downloads import content_disposition


@pytest.mark.parametrize(
    ("name", "fallback", "exact"),
    [
        ("declarations-2025-26.csv", "declarations-2025-26.csv", "declarations-2025-26.csv"),
        (
            'register-2026–27 "draft".csv',
            "register-2026-27-draft-.csv",
            'register-2026–27 "draft".csv',
        ),
        ("cycle\r\nSet-Cookie: x=1.csv", "cycleSet-Cookie-x-1.csv", "cycleSet-Cookie: x=1.csv"),
        ("Café; filename=evil.csv", "Cafe-filename-evil.csv", "Café; filename=evil.csv"),
        ('"', "download", '"'),
    ],
)
def test_names_are_encoded_not_interpolated(name, fallback, exact):
    value = content_disposition(name)
    Headers([("Content-Disposition", value)])  # a header werkzeug will send: one Latin-1 line
    value.encode("latin-1")
    assert "\n" not in value and "\r" not in value
    kind, options = parse_options_header(value)
    assert kind == "attachment"
    assert options["filename"] == exact  # werkzeug prefers filename*, decoded
    assert f'filename="{fallback}"' in value
