"""A relative's employer is the relative's: its own identifier, whose it is on the flag, the
relationship's own dates (issue 12, item 4)."""

from __future__ import annotations

import json
from datetime import date
from html import unescape

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import runtime
from register.awards.importer import import_file
from register.declarations.queries import records_from_version
from register.extensions import db
from register.matching import InterestRecord, MatchConfig, SupplierRecord, score_pair
from register.models import Declaration, Flag, Interest
from register.screening import screen_declaration
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import add, open_cycle, start, submit

TRUST = "Hackney Community Trust"


def _release(ocid: str, supplier: str, day: str, identifier: dict | None = None) -> dict:
    party = {"id": "S", "roles": ["supplier"], "name": supplier}
    if identifier:
        party["identifier"] = identifier
    return {
        "ocid": ocid, "id": f"{ocid}-r", "date": f"{day}T00:00:00Z", "tag": ["award"],
        "buyer": {"id": "B", "name": "Some Council"},
        "parties": [{"id": "B", "roles": ["buyer"], "name": "Some Council"}, party],
        "awards": [{"id": "A1", "date": f"{day}T00:00:00Z",
                    "value": {"amount": 5_000_000, "currency": "GBP"},
                    "suppliers": [{"id": "S", "name": supplier}]}],
    }  # fmt: skip


def _relationship(**extra: str) -> MultiDict:
    data = MultiDict([
        ("whose", "self"),  # the form's default: the official declares their own relationship
        ("related_person_name", "Gareth Price"), ("relationship_type", "close_friend"),
        ("organisation_name", TRUST), ("identifier_scheme", "GB-CHC"),
        ("organisation_identifier", "1099999"),
        ("other_organisations-0-name", "Serco Group plc"),
        ("other_organisations-0-identifier_scheme", ""),
        ("other_organisations-0-organisation_identifier", ""),
        ("other_organisations-0-role", "Bid manager"),
        ("other_organisations-1-name", "Hackney Quest"),
        ("other_organisations-1-identifier_scheme", "GB-CHC"),
        ("other_organisations-1-organisation_identifier", "1105656"),
        *date_fields("start_date", 1, 6, 2022),
    ])  # fmt: skip
    for key, value in extra.items():
        data[key] = value
    return data


def test_each_other_organisation_keeps_its_own_scheme_and_number(client, make_user, department):
    sign_in(client, make_user("official"))
    url = start(client, open_cycle([department]))
    response = add(client, url, "relationship", _relationship())
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[-2000:]
    interest = db.session.scalars(select(Interest)).one()
    orgs = [
        (o.name, o.identifier_scheme, o.organisation_identifier)
        for o in interest.related_organisations
    ]
    assert orgs == [("Serco Group plc", None, None), ("Hackney Quest", "GB-CHC", "1105656")]
    assert submit(client, url).status_code == 302
    declaration = db.session.scalars(select(Declaration)).one()
    records = {
        r.organisation_name: r.identifiers
        for r, _ in records_from_version(declaration.versions[-1], declaration.official)
    }
    assert records == {
        TRUST: (("GB-CHC", "1099999"),),
        "Serco Group plc": (),  # never the trust's charity number
        "Hackney Quest": (("GB-CHC", "1105656"),),
    }


def test_a_number_needs_its_own_kind(client, make_user, department):
    sign_in(client, make_user("official"))
    url = start(client, open_cycle([department]))
    data = _relationship(**{"other_organisations-0-organisation_identifier": "1234567"})
    page = add(client, url, "relationship", data).get_data(as_text=True)
    assert "Choose what kind of number this is" in page
    assert db.session.scalars(select(Interest)).all() == []


def test_a_versions_related_numbers_without_a_scheme_are_companies_house(make_user):
    official = make_user("official")
    version = type("Version", (), {"id": 1, "content": json.dumps({"interests": [{
        "id": 7, "lineage": "x", "category": "relationship", "whose": "close_associate",
        "organisation_name": TRUST, "identifier_scheme": "GB-CHC",
        "organisation_identifier": "1099999", "relationship_type": "sibling",
        "related_organisations": [
            {"name": "Serco Group plc", "organisation_identifier": "02048608", "role": None}
        ],
    }]})})()  # fmt: skip
    records = [r for r, _ in records_from_version(version, official)]
    assert [r.identifiers for r in records] == [(("GB-CHC", "1099999"),), (("GB-COH", "02048608"),)]
    assert {r.relationship for r in records} == {"sibling"}


def test_the_flag_says_whose_it_is_and_honours_the_relationships_dates(
    client, make_user, department, tmp_path
):
    before = tmp_path / "before.json"  # awarded before the relationship began (June 2022)
    before.write_text(json.dumps(_release("ocds-serco-2021", "Serco Group plc", "2021-03-01")))
    after = tmp_path / "after.json"
    after.write_text(json.dumps(_release("ocds-serco-2023", "SERCO GROUP PLC", "2023-03-01")))
    import_file(db.session, before)
    import_file(db.session, after)
    db.session.commit()
    official = make_user("official")
    sign_in(client, official)
    url = start(client, open_cycle([department]))
    assert add(client, url, "relationship", _relationship()).status_code == 302
    assert submit(client, url).status_code == 302
    declaration = db.session.scalars(select(Declaration)).one()
    screen_declaration(db.session, declaration, runtime.settings())
    db.session.commit()
    flags = db.session.scalars(select(Flag).where(Flag.supplier_name.ilike("serco%"))).all()
    assert [f.award.ocid for f in flags] == ["ocds-serco-2023"]  # not the award before
    flag = flags[0]
    assert "employer of the official's close friend" in flag.explanation
    assert "own interest" not in flag.explanation
    assert "relationship held at the award date" in flag.explanation
    reasons = {r["code"]: r["weight"] for r in json.loads(flag.reasons)}
    assert "own_interest" not in reasons and reasons["associate"] == 3.0

    client.post("/auth/sign-out")
    sign_in(client, make_user("compliance"))
    page = unescape(client.get(f"/review/flags/{flag.id}").get_data(as_text=True))
    assert "Serco Group plc" in page
    assert "1099999" not in page  # the trust's charity number is not Serco's
    assert "Gareth Price's, the official's close friend" in page  # whose it is, not "Self"


def test_the_engine_weighs_a_relationship_by_the_relationship():
    def record(**kw):
        fields = dict(
            interest_id=1, official_id=1, department_id=None, organisation_name="Serco Group plc",
            identifiers=(), whose="self", category="relationship", start_date=date(2022, 6, 1),
            end_date=None, source_key="rel:0", relationship="sibling",
        )  # fmt: skip
        fields.update(kw)
        return InterestRecord(**fields)

    supplier = SupplierRecord(1, 1, "Serco Group plc", (), "Council", None, date(2023, 3, 1),
                              None, "GBP")  # fmt: skip
    result = score_pair(record(), supplier, MatchConfig())
    assert result is not None
    texts = [r.text for r in result.reasons]
    assert "employer of the official's sibling" in texts
    assert "the official's own interest" not in texts
    assert score_pair(record(start_date=date(2023, 6, 1)), supplier, MatchConfig()) is None
    ended = score_pair(record(end_date=date(2022, 12, 1)), supplier, MatchConfig())
    assert ended is not None and "relationship ended 3 months before the award" in [
        r.text for r in ended.reasons
    ]
    unknown = score_pair(
        record(start_date=None, relationship="close_friend"), supplier, MatchConfig()
    )
    assert unknown is not None and unknown.risk_level != "high"
    assert any("start date not given" in r.text for r in unknown.reasons)
    lifelong = score_pair(record(start_date=None), supplier, MatchConfig())
    assert lifelong is not None and "relationship held at the award date" in [
        r.text for r in lifelong.reasons
    ]
