"""Name-matching accuracy: the register's comparison and nomenklatura's logic-v2 on labelled pairs.

Each labelled file (`name_a,name_b,match,category,source`, see tests/data/README.md) is scored by
both engines; precision, recall and F1 are printed overall and per category, with the time each
comparison takes.

- register, organisations: `register.matching.compare_names(a, b)`, its own `matched`;
  people: `register.matching.people.compare_person_name_text(a, b) is not None`.
- logic-v2: `nomenklatura.matching.LogicV2.compare` on two followthemoney entities holding only
  a `name` (an `Organization` for organisations, a `Person` for people), with the algorithm's
  default configuration; a pair matches when the score reaches 0.70, the match threshold of
  OpenSanctions' yente API (`SCORE_THRESHOLD`). nomenklatura is a test extra: the app never
  imports it.

Time per pair: every pair is timed on its own, `--repeat` times; the engines' memo caches
(bounded `lru_cache`s in register.matching, nomenklatura and rigour) are emptied before each run,
so a run compares names it has not seen. The median and p95 over pairs of each pair's median run
are printed, in microseconds.

    python bench/name_accuracy.py                  # tests/data/name_pairs/*.csv, every pair
    python bench/name_accuracy.py --quick          # a few pairs per category, a few seconds
    python bench/name_accuracy.py --pairs FILE --kind person --misses
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from register.matching import compare_names  # noqa: E402
from register.matching.people import compare_person_name_text  # noqa: E402

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "name_pairs"
DEFAULT_FILES = {"organisations.csv": "organisation", "people.csv": "person"}
COLUMNS = ["name_a", "name_b", "match", "category", "source"]
LOGIC_V2_THRESHOLD = 0.70
QUICK_PER_CATEGORY = 4
CACHED_PACKAGES = ("register.matching", "nomenklatura", "rigour")
LRU_CACHE = type(functools.lru_cache(maxsize=1)(lambda: None))


@dataclass(frozen=True)
class Pair:
    name_a: str
    name_b: str
    match: bool
    category: str


@dataclass
class Verdict:
    """What one engine said about one pair."""

    matched: bool
    detail: str  # the score or quality behind the decision, for --misses and --csv


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, matched: bool) -> None:
        if matched:
            self.tp, self.fp = self.tp + truth, self.fp + (not truth)
        else:
            self.fn, self.tn = self.fn + truth, self.tn + (not truth)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        counted = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / counted if counted else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.tp + self.fp + self.fn + self.tn,
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
        }  # fmt: skip


@dataclass
class EngineResult:
    name: str
    verdicts: list[Verdict]
    median_us: float
    p95_us: float
    overall: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)


class Engine:
    """One way of deciding whether two written names are the same organisation or person."""

    name = ""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def prepare(self, pairs: list[Pair]) -> list[Any]:
        """The arguments of one comparison per pair, built outside the timed call."""
        return [(p.name_a, p.name_b) for p in pairs]

    def compare(self, prepared: Any) -> Any:
        raise NotImplementedError

    def verdict(self, outcome: Any) -> Verdict:
        raise NotImplementedError


class RegisterEngine(Engine):
    name = "register"

    def compare(self, prepared: tuple[str, str]) -> Any:
        if self.kind == "person":
            return compare_person_name_text(*prepared)
        return compare_names(*prepared)

    def verdict(self, outcome: Any) -> Verdict:
        if self.kind == "person":
            return Verdict(outcome is not None, f"quality {outcome}")
        similarity, matched = outcome
        return Verdict(bool(matched), f"similarity {similarity:.1f}")


class LogicV2Engine(Engine):
    name = "logic-v2"

    def __init__(self, kind: str, org_schema: str, threshold: float) -> None:
        super().__init__(kind)
        from followthemoney import model
        from nomenklatura.matching import LogicV2

        self.model = model
        self.algorithm = LogicV2
        self.config = LogicV2.default_config()
        self.schema = "Person" if kind == "person" else org_schema
        self.threshold = threshold

    def entity(self, entity_id: str, name: str) -> Any:
        entity = self.model.make_entity(self.schema)
        entity.id = entity_id
        entity.add("name", name)
        return entity

    def prepare(self, pairs: list[Pair]) -> list[Any]:
        return [
            (self.entity(f"a{i}", p.name_a), self.entity(f"b{i}", p.name_b))
            for i, p in enumerate(pairs)
        ]

    def compare(self, prepared: tuple[Any, Any]) -> Any:
        return self.algorithm.compare(prepared[0], prepared[1], self.config)

    def verdict(self, outcome: Any) -> Verdict:
        return Verdict(outcome.score >= self.threshold, f"score {outcome.score:.3f}")


def memo_caches(packages: Iterable[str]) -> list[Callable[[], None]]:
    """`cache_clear` of every bounded lru_cache in the modules of `packages` (unbounded
    `functools.cache`s load reference data once and are left alone)."""
    clears: dict[int, Callable[[], None]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(tuple(packages)):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, LRU_CACHE) and value.cache_parameters()["maxsize"] is not None:
                clears[id(value)] = value.cache_clear
    return list(clears.values())


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def run_engine(engine: Engine, pairs: list[Pair], repeat: int) -> EngineResult:
    """Decide every pair (a pass that also loads the engine's reference data), then time every
    pair `repeat` times, emptying the memo caches before each run."""
    prepared = engine.prepare(pairs)
    verdicts = [engine.verdict(engine.compare(arguments)) for arguments in prepared]
    clears = memo_caches(CACHED_PACKAGES)
    per_pair: list[list[float]] = [[] for _ in pairs]
    for _ in range(repeat):
        for clear in clears:
            clear()
        for times, arguments in zip(per_pair, prepared, strict=True):
            started = time.perf_counter_ns()
            engine.compare(arguments)
            times.append((time.perf_counter_ns() - started) / 1000)
    medians = sorted(statistics.median(times) for times in per_pair)
    result = EngineResult(
        engine.name, verdicts, statistics.median(medians), percentile(medians, 0.95)
    )
    for pair, verdict in zip(pairs, verdicts, strict=True):
        result.overall.add(pair.match, verdict.matched)
        result.by_category.setdefault(pair.category, Tally()).add(pair.match, verdict.matched)
    return result


def read_pairs(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise SystemExit(f"{path}: columns {reader.fieldnames}, expected {COLUMNS}")
        pairs = []
        for line, row in enumerate(reader, start=2):
            if row["match"] not in ("true", "false"):
                raise SystemExit(f"{path}:{line}: match {row['match']!r} is not true or false")
            pairs.append(
                Pair(row["name_a"], row["name_b"], row["match"] == "true", row["category"])
            )
    return pairs


def quick_subset(pairs: list[Pair]) -> list[Pair]:
    """The first few pairs of each category and label, so every category is still scored."""
    taken: dict[tuple[str, bool], int] = {}
    subset = []
    for pair in pairs:
        key = (pair.category, pair.match)
        if taken.get(key, 0) < QUICK_PER_CATEGORY:
            taken[key] = taken.get(key, 0) + 1
            subset.append(pair)
    return subset


def figure(value: float | None) -> str:
    return "    -" if value is None else f"{value:.3f}"


def print_report(label: str, kind: str, pairs: list[Pair], results: list[EngineResult]) -> None:
    true_count = sum(p.match for p in pairs)
    false_count = len(pairs) - true_count
    print(f"== {label} ({kind}): {len(pairs)} pairs, {true_count} true, {false_count} false")
    print("engine     pairs   TP   FP   FN   TN  precision recall     F1  us/pair median     p95")
    for r in results:
        t = r.overall
        print(
            f"{r.name:<9} {len(pairs):>6} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.tn:>4}"
            f"      {figure(t.precision)}  {figure(t.recall)}  {figure(t.f1)}"
            f"  {r.median_us:>14.1f} {r.p95_us:>7.1f}"
        )
    print("per category:")
    header = f"  {'category':<27} {'n':>4} {'true':>4}"
    for r in results:
        header += f" | {r.name:<9} TP  FP  FN     P     R    F1"
    print(header)
    for category in sorted({p.category for p in pairs}):
        members = [p for p in pairs if p.category == category]
        line = f"  {category:<27} {len(members):>4} {sum(p.match for p in members):>4}"
        for r in results:
            t = r.by_category[category]
            line += (
                f" | {'':<9}{t.tp:>3} {t.fp:>3} {t.fn:>3} "
                f"{figure(t.precision)} {figure(t.recall)} {figure(t.f1)}"
            )
        print(line)


def print_misses(pairs: list[Pair], results: list[EngineResult]) -> None:
    for r in results:
        wrong = [(p, v) for p, v in zip(pairs, r.verdicts, strict=True) if p.match != v.matched]
        print(f"misses of {r.name}: {len(wrong)}")
        for p, v in sorted(wrong, key=lambda pv: (pv[0].category, pv[0].match)):
            kind = "FN" if p.match else "FP"
            print(f"  {kind} [{p.category}] {p.name_a!r} / {p.name_b!r} ({v.detail})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few pairs of each category")
    parser.add_argument("--pairs", type=Path, action="append", help="a labelled pair file")
    parser.add_argument("--kind", choices=["organisation", "person"], help="what --pairs holds")
    parser.add_argument("--repeat", type=int, help="timing runs (default 5, --quick 2)")
    parser.add_argument("--threshold", type=float, default=LOGIC_V2_THRESHOLD, help="logic-v2")
    parser.add_argument(
        "--org-schema", choices=["Organization", "Company"], default="Organization",
        help="followthemoney schema of logic-v2's organisation entities",
    )  # fmt: skip
    parser.add_argument(
        "--misses", action="store_true", help="list the pairs each engine gets wrong"
    )
    parser.add_argument("--csv", type=Path, help="write every pair's verdicts here")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.pairs and not args.kind:
        parser.error("--pairs needs --kind organisation or --kind person")
    files = [(path, args.kind) for path in args.pairs or []] or [
        (PAIRS / name, kind) for name, kind in DEFAULT_FILES.items() if (PAIRS / name).exists()
    ]
    repeat = args.repeat or (2 if args.quick else 5)

    print(
        f"name accuracy: register vs nomenklatura logic-v2 (match at score >= "
        f"{args.threshold:.2f}, organisations as {args.org_schema}); "
        f"time: median of {repeat} runs per pair"
    )
    figures: dict[str, Any] = {"threshold": args.threshold, "repeat": repeat, "files": []}
    rows: list[list[Any]] = []
    for path, kind in files:
        pairs = read_pairs(path)
        if args.quick:
            pairs = quick_subset(pairs)
        engines: list[Engine] = [
            RegisterEngine(kind),
            LogicV2Engine(kind, args.org_schema, args.threshold),
        ]
        results = [run_engine(engine, pairs, repeat) for engine in engines]
        print_report(path.name, kind, pairs, results)
        if args.misses:
            print_misses(pairs, results)
        figures["files"].append({
            "file": str(path), "kind": kind, "pairs": len(pairs),
            "engines": {
                r.name: {
                    **r.overall.as_dict(), "us_per_pair_median": r.median_us,
                    "us_per_pair_p95": r.p95_us,
                    "categories": {c: t.as_dict() for c, t in sorted(r.by_category.items())},
                }
                for r in results
            },
        })  # fmt: skip
        for i, p in enumerate(pairs):
            rows.append(
                [path.name, kind, p.name_a, p.name_b, str(p.match).lower(), p.category]
                + [
                    x
                    for r in results
                    for x in (str(r.verdicts[i].matched).lower(), r.verdicts[i].detail)
                ]
            )
    if args.csv:
        with args.csv.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["file", "kind", "name_a", "name_b", "match", "category"]
                + [f"{e}_{c}" for e in ("register", "logic_v2") for c in ("match", "detail")]
            )
            writer.writerows(rows)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
