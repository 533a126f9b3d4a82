"""Undeclared-interest flags in the exports and the API, and never in the public register."""

from __future__ import annotations

from sqlalchemy import select

from register.extensions import db
from register.models import Declaration, Flag, PublishedEdition
from register.models.flags import DECLARED
from tests.api.helpers import make_token
from tests.exports.test_exports import _csv, _download, _xlsx
from tests.ownership.test_screening import _screen, sign_in

OFFICER = {
    "company_number": "00442696",
    "company_name": "Lyreco UK Ltd",
    "officer_name": "TROWE, Isabelle Mary",
}


def _cycle_id(world) -> int:
    return db.session.scalar(select(Declaration.cycle_id).where(
        Declaration.official_id == world.planted.id))  # fmt: skip


def _flags(runner, world) -> tuple[Flag, Flag, Flag]:
    """The planted and name-only undeclared flags, and a declared-interest flag (match run)."""
    flags = _screen(runner, world)
    assert runner.invoke(args=["match", "run"]).exit_code == 0
    declared = db.session.scalars(select(Flag).where(Flag.kind == DECLARED)).one()
    return flags[world.planted.id], flags[world.name_only.id], declared


def test_flags_export_includes_undeclared_flags_with_their_company_record(runner, world, app):
    planted, name_only, declared = _flags(runner, world)
    client = app.test_client()
    sign_in(client, world.auditor)
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        rows = {str(r["flag_id"]): r for r in read(_download(client, kind="flags", format=fmt))}
        assert set(rows) == {str(planted.id), str(name_only.id), str(declared.id)}, fmt
        row = rows[str(planted.id)]
        assert {k: row[k] for k in OFFICER} == OFFICER, fmt
        assert (row["kind"], row["officer_role"], row["risk_level"]) == (
            "undeclared", "Director", "high")  # fmt: skip
        assert str(row["officer_appointed_on"]).startswith("2012-05-01"), fmt
        assert str(row["officer_resigned_on"]).startswith("2024-09-30"), fmt
        assert row["declared_organisation"] in ("", None), fmt  # nothing was declared
        assert row["prompt_released_at"] in ("", None), fmt
        assert (row["cycle"], row["supplier_name"]) == ("2025/26", "Lyreco UK Ltd"), fmt
        assert "ended 8 months before the award" in row["explanation"], fmt
        assert rows[str(name_only.id)]["cycle"] in ("", None), fmt  # never filed a declaration
        other = rows[str(declared.id)]
        assert (other["kind"], other["declared_organisation"]) == ("declared", "Apetito Ltd")
        assert other["company_number"] in ("", None) and other["cycle"] == "2025/26"
    # A cycle's export: the flags screened against that cycle's declarations.
    by_cycle = _csv(_download(client, kind="flags", format="csv", cycle=_cycle_id(world)))
    assert {r["flag_id"] for r in by_cycle} == {str(planted.id), str(declared.id)}


def test_api_flags_include_undeclared_flags(runner, world, client):
    planted, name_only, declared = _flags(runner, world)
    tokens = {user.role + str(user.id): make_token(db.session, user, "t")[1]
              for user in (world.auditor, world.compliance, world.other_compliance)}  # fmt: skip
    db.session.commit()

    def get(user, query: str = "") -> dict:
        token = tokens[user.role + str(user.id)]
        response = client.get(f"/api/v1/flags{query}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.json
        return response.json

    body = get(world.auditor)
    items = {item["id"]: item for item in body["items"]}
    assert set(items) == {planted.id, name_only.id, declared.id} and body["total"] == 3
    item = items[planted.id]
    assert (item["kind"], item["declared_organisation"], item["risk_level"]) == (
        "undeclared", None, "high")  # fmt: skip
    assert item["undeclared"] == {**OFFICER, "role": "Director", "appointed_on": "2012-05-01",
                                  "resigned_on": "2024-09-30", "released_at": None}  # fmt: skip
    assert item["award"]["award_date"] == "2025-06-01"
    assert items[declared.id]["kind"] == "declared" and items[declared.id]["undeclared"] is None
    assert items[declared.id]["declared_organisation"] == "Apetito Ltd"
    assert [i["id"] for i in get(world.auditor, "?kind=undeclared")["items"]] == [
        planted.id, name_only.id]  # fmt: skip
    by_cycle = get(world.auditor, "?cycle=2025/26")["items"]
    assert {i["id"] for i in by_cycle} == {planted.id, declared.id}
    assert get(world.compliance)["total"] == 3
    assert get(world.other_compliance)["total"] == 0  # another department's compliance officer
    schema = client.get("/api/v1/openapi.json").json["paths"]["/flags"]["get"]
    flag = schema["responses"]["200"]["content"]["application/json"]["schema"]
    properties = flag["properties"]["items"]["items"]["properties"]
    assert properties["kind"]["enum"] == ["declared", "undeclared"]
    assert "company_number" in properties["undeclared"]["properties"]
    assert "kind" in {p["name"] for p in schema["parameters"]}


def test_public_register_leaves_undeclared_findings_out(runner, world, client):
    _flags(runner, world)
    world.planted.is_senior = True
    db.session.commit()
    sign_in(client, world.admin)
    response = client.post("/admin/public-register/", data={"cycle_id": _cycle_id(world)})
    assert response.status_code == 302
    client.post("/auth/sign-out")
    edition = db.session.scalars(select(PublishedEdition)).one()
    for suffix in ("", ".json", ".csv"):
        text = client.get(f"/public/editions/{edition.id}{suffix}").get_data(as_text=True)
        assert "Trowe Family Trust" in text, suffix  # the declared interest is published
        for secret in ("Lyreco", "00442696", "TROWE, Isabelle", "undeclared", "Director"):
            assert secret not in text, (suffix, secret)
