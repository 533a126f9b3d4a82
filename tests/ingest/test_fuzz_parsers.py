"""Hypothesis throws random and half-valid files at every file parser: each yields parsed
records or rejections, or refuses the file with FormatError, and never raises anything else."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.awards.parse import iter_awards
from register.awards.parsed import ParsedAward
from register.ingest.rejections import FormatError, RejectedRecord
from register.ownership.parse import ParsedOfficer, iter_officers

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["2026-01-01", "GB-COH", "12345678", "£1,000", "1e400"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
# Keys the parsers look for, so the fuzz reaches past the first check.
AWARD_KEYS = ["ocid", "id", "date", "tag", "buyer", "awards", "value", "amount", "currency",
              "suppliers", "name", "identifier", "scheme", "parties", "roles", "releases",
              "records", "compiledRelease", "title", "status"]  # fmt: skip
BODS_KEYS = ["statementID", "statementType", "subject", "describedByEntityStatement",
             "interestedParty", "describedByPersonStatement", "entityType", "identifiers",
             "scheme", "id", "names", "fullName", "interests", "startDate", "endDate",
             "birthDate", "recordDetails", "recordType"]  # fmt: skip


def shaped(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(keys), inner, max_size=6)
        ),
        max_leaves=30,
    )


def _package(release: dict[str, Any]) -> dict[str, Any]:
    return {"uri": "x", "publishedDate": "2026-01-01T00:00:00Z", "releases": [release]}


def mostly(value: Any) -> st.SearchStrategy[Any]:
    """`value` five times in six, anything otherwise."""
    return st.integers(0, 5).flatmap(lambda n: scalars if n == 0 else st.just(value))


# Valid release packages with one field at a time replaced by anything, to reach the checks on
# each value (amounts, dates, names, identifiers) past the structural ones.
releases = st.fixed_dictionaries({
    "ocid": mostly("ocds-fuzz-1"),
    "id": st.just("1"),
    "date": mostly("2026-01-01T00:00:00Z"),
    "tag": st.just(["award"]),
    "buyer": st.fixed_dictionaries({"name": mostly("Department for Fuzz")}),
    "awards": st.lists(st.fixed_dictionaries({
        "id": mostly("a1"),
        "date": mostly("2026-02-01"),
        "value": st.fixed_dictionaries({"amount": mostly(100),
                                        "currency": mostly("GBP")}),
        "suppliers": st.lists(st.fixed_dictionaries({
            "name": mostly("Acme Ltd"),
            "identifier": st.fixed_dictionaries({"scheme": mostly("GB-COH"),
                                                 "id": mostly("01234567")}),
        }), max_size=2),
    }), max_size=2),
}).map(_package)  # fmt: skip


def files(keys: list[str], csv_header: str) -> st.SearchStrategy[bytes]:
    documents = shaped(keys) | json_values | releases
    return st.one_of(
        st.binary(max_size=300),
        documents.map(lambda doc: json.dumps(doc).encode()),
        st.lists(documents, max_size=4).map(
            lambda docs: "\n".join(json.dumps(d) for d in docs).encode()
        ),
        st.lists(st.lists(st.text(max_size=15), max_size=8), max_size=5).map(
            lambda rows: (csv_header + "\n" + "\n".join(",".join(r) for r in rows)).encode()
        ),
        st.tuples(documents, st.integers(0, 40)).map(
            lambda pair: json.dumps(pair[0]).encode()[: -pair[1] or None]  # truncated
        ),
    )


def run(parser: Any, data: bytes, suffix: str, kinds: tuple[type, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            for item in parser(path):
                assert isinstance(item, kinds), item
        except FormatError:
            pass


@FUZZ
@given(files(AWARD_KEYS, "ocid,award_id,supplier_name,value,currency,award_date"),
       st.sampled_from([".json", ".jsonl", ".csv"]))  # fmt: skip
def test_award_parser_never_raises_anything_but_a_refusal(data, suffix):
    run(iter_awards, data, suffix, (ParsedAward, RejectedRecord))


@FUZZ
@given(files(BODS_KEYS, "company_number,name,role,appointed_on,resigned_on,birth_month,birth_year"),
       st.sampled_from([".json", ".jsonl", ".csv"]))  # fmt: skip
def test_officer_parser_never_raises_anything_but_a_refusal(data, suffix):
    run(iter_officers, data, suffix, (ParsedOfficer, RejectedRecord))
