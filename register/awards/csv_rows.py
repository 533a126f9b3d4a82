"""Award CSV files: one row per award and supplier, the rows of one award adjacent.

Later rows of an award may leave award columns blank; a different value there rejects the award.
A repeated, non-adjacent award is yielded again as a separate award, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from register.awards.parsed import ParsedAward, ParsedSupplier, ParseStats, reject
from register.awards.values import (
    clean_description,
    parse_amount,
    parse_currency,
    parse_date,
    parse_datetime,
    split_trading_as,
    supplier_identifier,
)
from register.ingest.names import clean_name
from register.ingest.rejections import FormatError, InvalidRecord, RejectedRecord
from register.ingest.streams import iter_lines

__all__ = ["CSV_COLUMNS", "CSV_REQUIRED_COLUMNS", "iter_csv"]

CSV_COLUMNS: tuple[str, ...] = (
    "ocid",
    "award_id",
    "release_date",
    "title",
    "description",
    "status",
    "buyer_name",
    "buyer_identifier",
    "value",
    "currency",
    "award_date",
    "contract_start",
    "contract_end",
    "supplier_name",
    "supplier_scheme",
    "supplier_id",
)
CSV_REQUIRED_COLUMNS: tuple[str, ...] = ("ocid", "award_id", "supplier_name")
_CSV_AWARD_COLUMNS = CSV_COLUMNS[:13]


def iter_csv(
    path: Path, stream: IO[bytes], stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    lines = iter_lines(path, stream)
    current_line = 0

    def texts() -> Iterator[str]:
        nonlocal current_line
        for number, text in lines:
            current_line = number
            yield text

    reader = csv.reader(texts())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FormatError(f"{path}: empty file (no CSV header row)") from None
    except csv.Error as exc:
        raise FormatError(f"{path}: invalid CSV header ({exc})") from None
    missing = [c for c in CSV_REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FormatError(f"{path}: missing required CSV columns: {', '.join(missing)}")
    index = {c: header.index(c) for c in CSV_COLUMNS if c in header}
    group: list[tuple[int, list[str]]] = []
    first_line = current_line + 1
    try:
        for row in reader:
            start, first_line = first_line, current_line + 1
            if not any(cell.strip() for cell in row):
                continue
            source = f"{path}:{start}"
            if len(row) != len(header):
                reason = f"row has {len(row)} fields, the header has {len(header)}"
                yield reject(source, reason, _csv_text([row]), stats)
                continue
            cells = {c: row[i].strip() for c, i in index.items()}
            if not cells["ocid"] or not cells["award_id"]:
                reason = "missing ocid" if not cells["ocid"] else "missing award_id"
                yield reject(source, reason, _csv_text([row]), stats)
                continue
            if group and _csv_key(group[0][1], index) != (cells["ocid"], cells["award_id"]):
                yield _csv_award(path, group, index, stats)
                group = []
            group.append((start, row))
    except csv.Error as exc:
        error: FormatError | None = FormatError(
            f"{path}: invalid CSV at line {current_line} ({exc})"
        )
    except FormatError as exc:
        error = exc
    else:
        error = None
    if group:  # the rows read before a file error are still good
        yield _csv_award(path, group, index, stats)
    if error:
        raise error


def _csv_key(row: list[str], index: dict[str, int]) -> tuple[str, str]:
    return row[index["ocid"]].strip(), row[index["award_id"]].strip()


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().rstrip("\n")


def _csv_award(
    path: Path, group: list[tuple[int, list[str]]], index: dict[str, int], stats: ParseStats
) -> ParsedAward | RejectedRecord:
    source = f"{path}:{group[0][0]}"
    rows = [row for _, row in group]
    first = {c: rows[0][i].strip() for c, i in index.items()}
    try:
        for column in _CSV_AWARD_COLUMNS:
            if column in index:
                for row in rows[1:]:
                    other = row[index[column]].strip()
                    if other and other != first[column]:
                        raise InvalidRecord(
                            f"rows of award {first['award_id']!r} disagree on {column}:"
                            f" {first[column]!r} and {other!r}"
                        )
        suppliers: list[ParsedSupplier] = []
        for row in rows:
            supplier = _csv_supplier({c: row[i].strip() for c, i in index.items()})
            if supplier and supplier not in suppliers:
                suppliers.append(supplier)
        award = ParsedAward(
            ocid=clean_name(first["ocid"]) or "",
            award_id=clean_name(first["award_id"]) or "",
            release_id=None,
            release_date=parse_datetime(first.get("release_date"), "release_date"),
            title=clean_name(first.get("title")),
            description=clean_description(first.get("description")),
            status=clean_name(first.get("status")),
            buyer_name=clean_name(first.get("buyer_name")),
            buyer_identifier=clean_name(first.get("buyer_identifier")),
            value=parse_amount(first.get("value")),
            currency=parse_currency(first.get("currency")),
            award_date=parse_date(first.get("award_date"), "award_date"),
            contract_start=parse_date(first.get("contract_start"), "contract_start"),
            contract_end=parse_date(first.get("contract_end"), "contract_end"),
            suppliers=tuple(suppliers),
            source=source,
        )
    except InvalidRecord as exc:
        return reject(source, str(exc), _csv_text(rows), stats)
    stats.awards += 1
    return award


def _csv_supplier(cells: dict[str, str]) -> ParsedSupplier | None:
    scheme, identifier = cells.get("supplier_scheme", ""), cells.get("supplier_id", "")
    if identifier and not scheme:
        raise InvalidRecord(f"supplier_id {identifier!r} has no supplier_scheme")
    pair = supplier_identifier(scheme, identifier)
    raw_name = clean_name(cells["supplier_name"])
    if not raw_name and not pair:
        return None
    name, aliases = split_trading_as(raw_name) if raw_name else ("", ())
    return ParsedSupplier(name, aliases, (pair,) if pair else (), None)
