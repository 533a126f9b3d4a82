"""The crown and GDS Transport are reserved for GOV.UK: pages use the register's own icon."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_pages_link_the_registers_own_icon_and_no_crown(client) -> None:
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert "/static/images/favicon.svg" in page
    for reserved in ("govuk-icon", "favicon.ico", "govuk-crest", "manifest.json", "opengraph"):
        assert reserved not in page, reserved
    assert client.get("/static/images/favicon.svg").status_code == 200
    shipped = {p.name for p in STATIC.rglob("*")}
    assert not {n for n in shipped if "crest" in n or n.startswith(("govuk-icon", "favicon.ico"))}
    assert not [n for n in shipped if n.endswith((".woff", ".woff2"))]  # no GDS Transport
