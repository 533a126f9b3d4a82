"""Tests for the streaming award parser: real Contracts Finder data, bad input, formats, memory."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import sys
import tempfile
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.awards.csv_rows import CSV_COLUMNS
from register.awards.parse import SUFFIXES, detect_format, iter_awards
from register.awards.parsed import ParsedAward, ParsedSupplier, ParseStats
from register.awards.values import split_trading_as, supplier_identifier
from register.ingest.rejections import FormatError, RejectedRecord
from register.ingest.streams import iter_paths

DATA = Path(__file__).resolve().parent.parent / "data"
CF = DATA / "contracts_finder_ocds"
BAD = DATA / "bad_awards"
FOLDERS = ("json_1_1_raw", "json_1_1_supplier_ids_match", "json_1_1_bods_match")
PETER = "PETER DISPLAYS LTD T/A LIMELIGHT"


def _load_generator() -> Any:
    path = Path(__file__).resolve().parents[2] / "bench" / "generate_awards.py"
    spec = importlib.util.spec_from_file_location("generate_awards", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generate_awards = _load_generator()


def release(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A small Contracts Finder-shaped release with one award and one supplier."""
    data: dict[str, Any] = {
        "ocid": f"ocds-test-{n}",
        "id": f"ocds-test-{n}-1",
        "date": "2020-05-14T09:55:55Z",
        "parties": [
            {
                "id": "b",
                "roles": ["buyer"],
                "name": "BFI",
                "identifier": {"scheme": "GB-GOR", "id": "PB197"},
            },
            {
                "id": "1",
                "roles": ["supplier", "tenderer"],
                "name": PETER,
                "identifier": {"scheme": "GB-COH", "id": "874637"},
            },
        ],
        "buyer": {"id": "b", "name": "BFI"},
        "tender": {"title": "UK Film Presence at Cannes", "description": "Pavilion &amp; stand"},
        "awards": [
            {
                "id": f"award-{n}",
                "title": "",
                "status": "active",
                "date": "2020-02-18T00:00:00Z",
                "value": {"amount": 93527, "currency": "GBP"},
                "suppliers": [{"id": "1", "name": PETER}],
                "contractPeriod": {
                    "startDate": "2019-12-09T00:00:00Z",
                    "endDate": "2020-12-08T00:00:00Z",
                },
            }
        ],
    }
    data.update(changes)
    return data


def write(path: Path, text: str | bytes) -> Path:
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def parse(path: Path) -> tuple[list[ParsedAward], list[RejectedRecord]]:
    items = list(iter_awards(path))
    awards = [i for i in items if isinstance(i, ParsedAward)]
    return awards, [i for i in items if isinstance(i, RejectedRecord)]


def parse_until_error(path: Path) -> tuple[list[ParsedAward | RejectedRecord], str]:
    items: list[ParsedAward | RejectedRecord] = []
    with pytest.raises(FormatError) as error:
        for item in iter_awards(path):
            items.append(item)
    return items, str(error.value)


# ---------------------------------------------------------------------------------------------
# Real data


def naive_counts(folder: Path) -> tuple[int, int, int]:
    """Independent count with json.load: awards, award suppliers, GB-COH supplier parties."""
    awards = suppliers = coh = 0
    for path in sorted(folder.glob("*.json")):
        for rel in json.loads(path.read_text())["releases"]:
            parties = {p["id"]: p for p in rel["parties"]}
            for award in rel.get("awards", []):
                awards += 1
                for ref in award["suppliers"]:
                    suppliers += 1
                    ident = parties[ref["id"]].get("identifier") or {}
                    coh += ident.get("scheme") == "GB-COH" and bool(ident.get("id"))
    return awards, suppliers, coh


# (awards, suppliers, GB-COH identifiers) per folder: first computed with iter_awards, then
# confirmed by naive_counts above (json.load of every file), which this test also re-runs.
EXPECTED = {
    "json_1_1_raw": (100, 789, 99),
    "json_1_1_supplier_ids_match": (73, 349, 213),
    "json_1_1_bods_match": (56, 204, 204),
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_real_contracts_finder_counts(folder: str) -> None:
    stats = ParseStats()
    awards: list[ParsedAward] = []
    for path in iter_paths([CF / folder], SUFFIXES):
        assert detect_format(path) == "release_package"
        for item in iter_awards(path, stats):
            assert isinstance(item, ParsedAward), item
            awards.append(item)
    suppliers = [s for a in awards for s in a.suppliers]
    coh = [i for s in suppliers for i in s.identifiers if i[0] == "GB-COH"]
    assert (len(awards), len(suppliers), len(coh)) == EXPECTED[folder]
    assert EXPECTED[folder] == naive_counts(CF / folder)
    assert stats == ParseStats(releases=len(awards), awards=len(awards))
    assert all(len(number) == 8 and number.isalnum() for _, number in coh)
    assert all(a.currency == "GBP" and a.value is not None and a.award_date for a in awards)


def test_real_file_details() -> None:
    path = CF / "json_1_1_raw" / "ocds-b5fd17raw-0054a4e6-0715-42c6-9109-e219fe9d3289.json"
    [award] = iter_awards(path)
    assert isinstance(award, ParsedAward)
    assert award.ocid == "ocds-b5fd17raw-0054a4e6-0715-42c6-9109-e219fe9d3289"
    assert award.award_id == "0b4c6bb5-f880-408f-a9bd-7c2bf26d80bd"
    assert award.release_date == datetime(2019, 7, 5, tzinfo=UTC)
    assert award.title == "UK Film Presence at Cannes 2020 - AWARD"  # award title is ""
    assert award.buyer_name == "BFI"
    assert (award.value, award.currency) == (Decimal(93527), "GBP")
    assert award.award_date == date(2020, 2, 18)
    assert (award.contract_start, award.contract_end) == (date(2019, 12, 9), date(2020, 12, 8))
    assert award.suppliers == (
        ParsedSupplier("PETER DISPLAYS LTD", ("LIMELIGHT",), (), "1"),
        ParsedSupplier("Premier", (), (), "2"),
    )
    assert award.source == f"{path}#releases[0].awards[0]"


def test_real_messy_names_and_numbers() -> None:
    suppliers = {
        s.name: s
        for path in iter_paths((CF / folder for folder in FOLDERS), SUFFIXES)
        for a in iter_awards(path)
        if isinstance(a, ParsedAward)
        for s in a.suppliers
    }
    assert "GEN II Engineering & Technology Training Ltd (Gen2)" in suppliers  # &amp;amp;
    assert "MCCONECHY'S TYRE SERVICE LIMITED" in suppliers  # &#039;
    assert suppliers["Serco Ltd"].aliases == ("Serco Education",)
    assert suppliers["Relx (UK) Ltd"].aliases == ("LexisNexis",)
    assert suppliers["Relx (UK) Ltd"].identifiers == (("GB-COH", "02746621"),)
    assert suppliers["Cision Group Ltd"].identifiers == (("GB-COH", "00874637"),)
    assert suppliers["KPMG LLP"].identifiers == (("GB-COH", "OC301540"),)
    assert suppliers["TA Browne Contract Services Ltd"].aliases == ()
    assert suppliers["Tarmac Trading Limited"].aliases == ()


# ---------------------------------------------------------------------------------------------
# Bad input: one file per kind; the good records in the same file are still yielded


def test_invalid_json_line() -> None:
    path = BAD / "invalid_json_line.jsonl"
    awards, rejected = parse(path)
    assert [a.ocid for a in awards] == ["ocds-test-1", "ocds-test-3"]
    [bad] = rejected
    assert bad.source == f"{path}:2"
    assert bad.reason == "invalid JSON: Expecting ',' delimiter (column 24)"
    assert bad.record == '{"ocid": "ocds-test-2" "awards": []}\n'


def test_missing_ocid() -> None:
    path = BAD / "missing_ocid.jsonl"
    awards, rejected = parse(path)
    assert [a.ocid for a in awards] == ["ocds-test-1", "ocds-test-3"]
    assert [(r.source, r.reason) for r in rejected] == [(f"{path}:2", "missing ocid")]
    assert json.loads(rejected[0].record)["id"] == "ocds-test-2-1"


def test_non_numeric_value() -> None:
    path = BAD / "non_numeric_value.jsonl"
    awards, rejected = parse(path)
    assert [(a.ocid, a.value) for a in awards] == [("ocds-test-1", Decimal("1234.50"))]
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{path}:2#awards[0]", "value 'abc' is not a number")
    ]


def test_bad_currency() -> None:
    path = BAD / "bad_currency.jsonl"
    awards, rejected = parse(path)
    assert [(a.ocid, a.currency) for a in awards] == [("ocds-test-1", "GBP")]  # "gbp"
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{path}:2#awards[0]", "currency 'pounds' is not a 3-letter ISO 4217 code")
    ]


def test_truncated_package() -> None:
    path = BAD / "truncated_package.json"
    items, message = parse_until_error(path)
    assert [(i.ocid, i.source) for i in items if isinstance(i, ParsedAward)] == [
        ("ocds-test-1", f"{path}#releases[0].awards[0]")
    ]
    assert message == f"{path}: truncated JSON at byte {path.stat().st_size}"


def test_not_utf8_csv() -> None:
    path = BAD / "not_utf8.csv"
    items, message = parse_until_error(path)
    assert [(i.ocid, i.value, i.source) for i in items if isinstance(i, ParsedAward)] == [
        ("ocds-test-1", Decimal("1234.50"), f"{path}:2")
    ]
    position = path.read_bytes().index(b"\xe9")
    assert message == f"{path}: not UTF-8 (byte 0xe9 at position {position}, line 3)"


def test_csv_missing_required_columns() -> None:
    path = BAD / "missing_columns.csv"
    items, message = parse_until_error(path)
    assert items == []
    assert message == f"{path}: missing required CSV columns: award_id, supplier_name"


def test_unknown_format() -> None:
    path = BAD / "unknown_format.xml"
    message = (
        f"{path}: unknown format: not an OCDS release package, record package, release,"
        " JSON Lines or CSV"
    )
    with pytest.raises(FormatError, match="unknown format") as error:
        detect_format(path)
    assert str(error.value) == message
    assert parse_until_error(path) == ([], message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "empty file"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8 (UTF-16 or UTF-32 byte order mark)"),
        (
            b'{"releases": [{"ocid": "x"} {"ocid": "y"}]}',
            "invalid JSON before byte 43 (parse error: after array element, I expect ',' or ']')",
        ),
        (b"{oops", "invalid JSON (lexical error: invalid char in json text.)"),
        (b'{"uri": "https://example.org"}', "unknown format"),
        (b"[1, 2]", "unknown format"),
        (b'{"releases": [{"ocid": "caf\xe9"}]}', "not UTF-8 (before byte 32)"),
        (b'{"releases": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}", "nested more than 100 levels"),
    ],
)
def test_malformed_json_files(tmp_path: Path, text: bytes, message: str) -> None:
    path = write(tmp_path / "pkg.json", text)
    with pytest.raises(FormatError, match="^" + str(path).replace("\\", "\\\\")) as error:
        list(iter_awards(path))
    assert message in str(error.value)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "pkg.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(release()).encode())[:-12])
    with pytest.raises(FormatError, match="corrupt gzip data"):
        list(iter_awards(path))


# ---------------------------------------------------------------------------------------------
# Formats


def csv_text(*rows: dict[str, str]) -> str:
    lines = [",".join(CSV_COLUMNS)]
    lines += [",".join(row.get(c, "") for c in CSV_COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


FORMATS = {
    "release_package": ("pkg.json", json.dumps({"version": "1.1", "releases": [release()]})),
    "record_package": (
        "records.json",
        json.dumps({"records": [{"ocid": "ocds-test-1", "compiledRelease": release()}]}),
    ),
    "release": ("release.json", json.dumps(release(), indent=2)),
    "jsonl": ("lines.jsonl", json.dumps(release()) + "\n"),
    "csv": (
        "awards.csv",
        csv_text({"ocid": "ocds-test-1", "award_id": "award-1", "supplier_name": PETER}),
    ),
}


@pytest.mark.parametrize("gz", ["", ".gz"])
@pytest.mark.parametrize("kind", list(FORMATS))
def test_detect_format_and_parse(tmp_path: Path, kind: str, gz: str) -> None:
    name, text = FORMATS[kind]
    path = write(tmp_path / (name + gz), text)
    assert detect_format(path) == kind
    awards, rejected = parse(path)
    assert rejected == []
    assert [(a.ocid, a.award_id) for a in awards] == [("ocds-test-1", "award-1")]
    assert awards[0].suppliers[0].name == "PETER DISPLAYS LTD"


def test_detect_by_content(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(release(n)) for n in (1, 2))
    assert detect_format(write(tmp_path / "lines.json", lines)) == "jsonl"
    assert detect_format(write(tmp_path / "lines.json.gz", lines)) == "jsonl"
    assert detect_format(write(tmp_path / "export.txt", FORMATS["csv"][1])) == "csv"
    bom = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + FORMATS["release_package"][1].encode())
    assert detect_format(bom) == "release_package"
    assert len(parse(bom)[0]) == 1


def test_jsonl_lines_may_be_packages(tmp_path: Path) -> None:
    lines = [
        json.dumps({"releases": [release(1), release(2)]}),
        "",
        json.dumps({"records": [{"ocid": "ocds-test-3", "compiledRelease": release(3)}]}),
    ]
    path = write(tmp_path / "mixed.jsonl", "\n".join(lines))
    awards, rejected = parse(path)
    assert rejected == []
    assert [a.source for a in awards] == [
        f"{path}:1#releases[0].awards[0]",
        f"{path}:1#releases[1].awards[0]",
        f"{path}:3#records[0].awards[0]",
    ]


def test_record_package_embedded_releases(tmp_path: Path) -> None:
    old, new = release(1, date="2019-01-01T00:00:00Z"), release(1)
    del new["ocid"]  # taken from the record
    records = [
        {"ocid": "ocds-test-1", "releases": [old, new]},
        {"ocid": "ocds-test-2", "releases": [{"url": "https://example.org/r.json"}]},
    ]
    path = write(tmp_path / "records.json", json.dumps({"records": records}))
    awards, rejected = parse(path)
    assert [(a.ocid, a.release_date) for a in awards] == [
        ("ocds-test-1", datetime(2020, 5, 14, 9, 55, 55, tzinfo=UTC))
    ]
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{path}#records[1]", "record has neither a compiledRelease nor embedded releases")
    ]


def test_several_awards_fallbacks_and_tender_only(tmp_path: Path) -> None:
    second = {
        "id": "award-1b",
        "description": "Lot 2",
        "value": {"amount": " 12,000 ", "currency": None},
        "suppliers": [
            {"id": "1"},  # name and identifier from the party
            {"name": "Morning Lane Associates Limited trading as MLA"},
            {"name": ""},  # neither name nor identifier: dropped
        ],
    }
    first = release(1)["awards"][0]
    del first["contractPeriod"]
    rel = release(
        1,
        buyer=None,
        awards=[first, second],
        contracts=[{"awardID": "award-1", "period": {"startDate": "2021-01-01"}}],
    )
    single = release(2)
    del single["awards"][0]["suppliers"]  # the single award takes the supplier parties
    tender_only = release(3)
    del tender_only["awards"]
    path = write(tmp_path / "r.jsonl", "\n".join(json.dumps(r) for r in (rel, single, tender_only)))
    stats = ParseStats()
    a, b, c = iter_awards(path, stats)
    assert stats == ParseStats(releases=3, releases_without_awards=1, awards=3)
    assert isinstance(a, ParsedAward) and isinstance(b, ParsedAward) and isinstance(c, ParsedAward)
    assert (a.buyer_name, a.buyer_identifier) == ("BFI", "GB-GOR-PB197")  # from the role
    assert (a.contract_start, a.award_date) == (date(2021, 1, 1), date(2020, 2, 18))
    assert (a.title, a.description) == ("UK Film Presence at Cannes", "Pavilion & stand")
    assert (b.value, b.currency, b.award_date, b.description) == (
        Decimal(12000),
        None,
        None,
        "Lot 2",
    )
    peter = ParsedSupplier("PETER DISPLAYS LTD", ("LIMELIGHT",), (("GB-COH", "00874637"),), "1")
    assert b.suppliers == (
        peter,
        ParsedSupplier("Morning Lane Associates Limited", ("MLA",), (), None),
    )
    assert c.suppliers == (peter,)


def test_release_level_and_award_level_rejections(tmp_path: Path) -> None:
    bad_award = release(2)
    bad_award["awards"].append({"id": "award-2b", "date": "18/02/2020"})
    lines = [
        json.dumps(release(1, date="yesterday")),
        json.dumps(bad_award),
        json.dumps(release(3, awards={"id": "x"})),
        "[1, 2]",
        '{"ocid": "ocds-test-5", "awards": [{"id": "a", "value": {"amount": NaN}}]}',
    ]
    path = write(tmp_path / "bad.jsonl", "\n".join(lines))
    awards, rejected = parse(path)
    assert [a.award_id for a in awards] == ["award-2"]
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{path}:1", "release date 'yesterday' is not an ISO 8601 date"),
        (f"{path}:2#awards[1]", "award date '18/02/2020' is not an ISO 8601 date"),
        (f"{path}:3", "'awards' is not a list"),
        (f"{path}:4", "release is not a JSON object"),
        (f"{path}:5", "invalid JSON: NaN is not valid JSON"),
    ]
    assert rejected[1].record == '{"id":"award-2b","date":"18/02/2020"}'


def test_rejected_record_text_is_truncated(tmp_path: Path) -> None:
    path = write(tmp_path / "big.jsonl", json.dumps({"title": "x" * 5000}) + "\n")
    [rejected] = iter_awards(path)
    assert isinstance(rejected, RejectedRecord)
    assert rejected.reason == "missing ocid"
    assert len(rejected.record) == 2000 and rejected.record.endswith("…")


def test_csv_grouping(tmp_path: Path) -> None:
    award = {
        "ocid": "ocds-1",
        "award_id": "a1",
        "release_date": "2020-05-14T09:55:55Z",
        "title": "Insurance &amp; risk",
        "value": '"1,234.50"',
        "currency": "GBP",
        "award_date": "2020-02-18",
    }
    rows = [
        {**award, "supplier_name": "Morning Lane Associates Ltd", "supplier_scheme": "GB-COH",
         "supplier_id": "8012345"},
        {"ocid": "ocds-1", "award_id": "a1", "supplier_name": "Peter Ltd T/A Limelight"},
        {"ocid": "ocds-1", "award_id": "a2", "value": "10", "supplier_name": "A Ltd"},
        {"ocid": "ocds-1", "award_id": "a2", "value": "20", "supplier_name": "B Ltd"},
        {"ocid": "ocds-1", "award_id": "a3", "value": "abc", "supplier_name": "C Ltd"},
        {"ocid": "", "award_id": "a4", "supplier_name": "D Ltd"},
        {"ocid": "ocds-1", "award_id": "a5", "supplier_name": "E Ltd", "supplier_id": "123"},
        {"ocid": "ocds-1", "award_id": "a1", "supplier_name": "Late Ltd"},  # not adjacent
    ]  # fmt: skip
    path = write(tmp_path / "awards.csv", csv_text(*rows) + "\n,,,\nx,y,z,w\n")
    awards, rejected = parse(path)
    first, late = awards
    assert (first.source, first.title, first.value, first.award_date) == (
        f"{path}:2",
        "Insurance & risk",
        Decimal("1234.50"),
        date(2020, 2, 18),
    )
    assert first.release_date == datetime(2020, 5, 14, 9, 55, 55, tzinfo=UTC)
    assert first.suppliers == (
        ParsedSupplier("Morning Lane Associates Ltd", (), (("GB-COH", "08012345"),), None),
        ParsedSupplier("Peter Ltd", ("Limelight",), (), None),
    )
    assert (late.award_id, late.source, [s.name for s in late.suppliers]) == (
        "a1",
        f"{path}:9",
        ["Late Ltd"],
    )
    rejected.sort(key=lambda r: int(r.source.rsplit(":", 1)[1]))  # a row error can come first
    assert [(r.source, r.reason) for r in rejected] == [
        (f"{path}:4", "rows of award 'a2' disagree on value: '10' and '20'"),
        (f"{path}:6", "value 'abc' is not a number"),
        (f"{path}:7", "missing ocid"),
        (f"{path}:8", "supplier_id '123' has no supplier_scheme"),
        (f"{path}:12", "row has 4 fields, the header has 16"),
    ]
    assert rejected[0].record.count("\n") == 1  # both rows of the award


@pytest.mark.parametrize(
    ("raw", "name", "aliases"),
    [
        (PETER, "PETER DISPLAYS LTD", ("LIMELIGHT",)),
        ("Premier People Solutions Ltd., T/A Premier Partnership", "Premier People Solutions Ltd.",
         ("Premier Partnership",)),
        ("Whittle Ltd (T/A Hanksinon Whittle)", "Whittle Ltd", ("Hanksinon Whittle",)),
        ("Foo (t/a Bar) Ltd", "Foo Ltd", ("Bar",)),
        ("Foo Ltd T/As Bar t/a Baz", "Foo Ltd", ("Bar", "Baz")),
        ("Precise Media Monitoring TA Kantar Media UK Ltd", "Precise Media Monitoring",
         ("Kantar Media UK Ltd",)),
        ("T/A Only", "T/A Only", ()),
        ("STA Travel", "STA Travel", ()),
        ("Real Ideas Trading", "Real Ideas Trading", ()),
    ],
)  # fmt: skip
def test_split_trading_as(raw: str, name: str, aliases: tuple[str, ...]) -> None:
    assert split_trading_as(raw) == (name, aliases)


@pytest.mark.parametrize(
    ("scheme", "ident", "expected"),
    [
        ("GB-COH", "874637", ("GB-COH", "00874637")),
        (" gb-coh ", "sc 62229", ("GB-COH", "SC062229")),
        ("GB-COH", "IP19059R", ("GB-COH", "IP19059R")),
        ("GB-COH", 2746621, ("GB-COH", "02746621")),
        ("GB-COH", "0", None),
        ("GB-COH", "N/A", None),
        ("GB-CQC", " 1-111009372 ", ("GB-CQC", "1-111009372")),
        ("", "123", None),
        ("GB-CQC", None, None),
    ],
)
def test_supplier_identifier(scheme: Any, ident: Any, expected: tuple[str, str] | None) -> None:
    assert supplier_identifier(scheme, ident) == expected


# ---------------------------------------------------------------------------------------------
# Streaming and robustness


def test_streaming_memory_stays_flat(tmp_path: Path) -> None:
    """50k generated releases: a small traced peak over the first 5k, then no growth 10k to 50k.

    tracemalloc slows parsing fivefold, so it covers the first 5k only; from 10k to 50k,
    sys.getallocatedblocks() must stay flat (keeping one award in a hundred adds ~8,000 blocks).
    """
    releases = generate_awards.generate_releases(500, seed=1)
    templates = [json.dumps(r) for r in releases if len(r["parties"]) <= 3]  # keeps it fast
    path = tmp_path / "big.jsonl"
    with path.open("w") as f:
        for line in itertools.islice(itertools.cycle(templates), 50_000):
            f.write(line + "\n")
    stats = ParseStats()
    peak = blocks = None
    tracemalloc.start()
    try:
        for item in iter_awards(path, stats):
            assert isinstance(item, ParsedAward)
            if peak is None and stats.releases >= 5_000:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            if blocks is None and stats.releases >= 10_000:
                blocks = sys.getallocatedblocks()
    finally:
        tracemalloc.stop()
    assert stats.releases == 50_000
    assert peak is not None and blocks is not None
    assert peak < 1_000_000, peak
    assert sys.getallocatedblocks() - blocks < 1_000


def test_generator_is_deterministic_and_messy() -> None:
    releases = list(generate_awards.generate_releases(300, seed=7))
    assert releases == list(generate_awards.generate_releases(300, seed=7))
    text = json.dumps(releases)
    for mess in ("&amp;", "T/A", "GB-COH", '"amount": "', "Limited", "Ltd"):
        assert mess in text
    assert any("awards" not in r for r in releases)
    assert any(len(a["suppliers"]) > 1 for r in releases for a in r.get("awards", []))


def test_generator_cli(tmp_path: Path) -> None:
    out = tmp_path / "out" / "awards.jsonl.gz"
    assert generate_awards.main(["40", str(out)]) == 0
    stats = ParseStats()
    items = list(iter_awards(out, stats))
    assert stats.releases == 40 and all(isinstance(i, ParsedAward) for i in items)
    assert generate_awards.main(["many"]) == 2


JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = ("ocid", "id", "date", "awards", "suppliers", "parties", "value", "amount", "currency",
        "buyer", "identifier", "scheme", "roles", "contractPeriod", "releases", "records",
        "compiledRelease", "name", "title", "startDate")  # fmt: skip
OCDS_ISH = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)
FILE_SUFFIXES = st.sampled_from([".json", ".jsonl", ".csv", ".json.gz", ".txt"])


def check_never_crashes(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / name, data)
        try:
            for item in iter_awards(path):
                assert isinstance(item, ParsedAward | RejectedRecord)
        except FormatError as error:
            assert str(error).startswith(str(path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), suffix=FILE_SUFFIXES)
def test_arbitrary_bytes_never_crash(data: bytes, suffix: str) -> None:
    check_never_crashes("f" + suffix, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=OCDS_ISH | JSON, suffix=FILE_SUFFIXES, as_lines=st.booleans())
def test_json_ish_never_crashes(value: Any, suffix: str, as_lines: bool) -> None:
    text = json.dumps(value)
    if as_lines:
        text = text + "\n" + json.dumps({"ocid": "x", "awards": [value]})
    check_never_crashes("f" + suffix, text.encode())
