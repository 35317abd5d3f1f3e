"""Random snapshots and releases: small, messy, and shaped to reach every rule of SPEC §2–§3.

`random_snapshot(rng)` makes a small messy graph (5–40 works) in the legacy layout that hits every
rule at least once; `random_snapshots()` is the same thing as a hypothesis strategy. The cases it
always prepares are listed in `RandomSnapshot.cases`; `check_prepared_cases` confirms, on what a run
published, that each one was reached (and reports them as hypothesis events).

`random_release(seed)` is a `Release` of a few hundred works with the heavy fields, duplicates
across partitions, merges, deletions and bad lines, to write in any layout (`layouts.write_release`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tests.factory.layouts import DELETED_SENTINEL, Line, Merge, Release, write_legacy_snapshot
from tests.factory.records import OPENALEX, openalex_indicators, work

#: C of the citers of `PreparedCases.popular` that tie at the cap. No other citer of it has a C this
#: high except those in `PreparedCases.above`, so the cap's cut falls inside the tie.
TIED_C = 5


@dataclass
class MergedTwice:
    """A work merged twice: into `early` on one date, into `late` on a later one. `late` is where
    references to `source` go (after following its chain); `rows` says how the two rows are written."""

    source: int
    early: int
    late: int
    rows: str


@dataclass
class PreparedCases:
    """What `random_snapshot` always places, whatever else it draws (duplicates carry these fields)."""

    #: The work whose citers fill the cap.
    popular: int
    #: Its citers with C = TIED_C: more of them than the cap leaves after `above`, so the id
    #: tie-break decides who is considered.
    tied: list[int]
    #: Its citers with a greater C (none, or one when the cap is 2 or more): always considered.
    above: list[int]
    #: Of `tied`, those sharing an author id with `popular`: always the smallest id of `tied`
    #: (inside the cap: an excluded self-citation), sometimes also the largest (outside it).
    self_citers: list[int]
    #: Works merged twice, with two dates and two targets (none, or one).
    merged_twice: list[MergedTwice] = field(default_factory=list)

    def considered(self, cap: int) -> list[int]:
        """`popular`'s considered citers in the cap's order (C desc, then id asc)."""
        return self.above + sorted(self.tied)[: cap - len(self.above)]


@dataclass
class RandomSnapshot:
    """What `random_snapshot` made: pass the fields to `write_legacy_snapshot`, run with `cap`."""

    partitions: dict[str, list[Line]]
    merged: list[tuple[str, str] | Merge]
    parts_per_partition: int
    cap: int
    notes: list[str] = field(default_factory=list)
    #: The cases it prepared (None for a snapshot put together by hand).
    cases: PreparedCases | None = None

    def write(self, root: Path, *, keep_unchanged: bool = False) -> Path:
        return write_legacy_snapshot(
            root, self.partitions, self.merged, self.parts_per_partition, keep_unchanged=keep_unchanged
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for a failing snapshot: its notes, lines per partition and merges
        (the records themselves run past hypothesis's 30 kB limit for a report)."""
        lines = {date: len(items) for date, items in sorted(self.partitions.items())}
        printer.text(
            f"RandomSnapshot(cap={self.cap}, parts_per_partition={self.parts_per_partition}, lines={lines}, "
            f"merged={self.merged}, notes={self.notes})"
        )


# Few distinct values, so cap ties are common; None/"missing"/negative all mean C = 0.
_CITED_BY = [None, ..., -3, 0, 0, 1, 1, 2, 5, 5, 5, 10, 50, 2999]
_DATES = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
_MERGE_DATES = ["2024-01-15", "2024-02-15", "2024-03-15", "2024-04-15", "2024-05-15"]
#: How the two rows of a work merged twice are written.
MERGED_TWICE_ROWS = (
    "one list, latest row last",
    "one list, latest row first",
    "two lists, latest in the later-named one",
    "two lists, latest in the earlier-named one",
)
_WORK_REF = re.compile(r"w([0-9]+)$", re.IGNORECASE)


def _stamp(rng: random.Random) -> str:
    return f"2024-0{rng.randint(1, 4)}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00"


def _ref_number(ref: Any) -> int | None:
    match = _WORK_REF.search(ref) if isinstance(ref, str) else None
    return int(match.group(1)) if match else None


Change = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Change:
    return lambda rec: rec.__setitem__(key, value)


def _drop(key: str) -> Change:
    return lambda rec: rec.pop(key, None)


def _cite(number: int) -> Change:
    def change(rec: dict[str, Any]) -> None:
        rec["referenced_works"] = list(rec["referenced_works"] or []) + [f"{OPENALEX}W{number}"]

    return change


def random_snapshot(rng: random.Random, min_works: int = 5, max_works: int = 40) -> RandomSnapshot:
    """A small messy snapshot (at least 5 works) that exercises every rule of SPEC §2–§3.

    Always present (`RandomSnapshot.cases` lists the first four):
    - a work whose citers fill a cap of 1–4 with more citers than the cap, most of them tied on C
      so the id tie-break decides who is considered, and a citer sharing its author among the
      considered ones (an excluded self-citation);
    - sometimes (3 in 4) a work merged twice, into two targets on two dates, the two rows in one
      list or two and in either order;
    - a duplicate across partitions (and in the same partition with equal updated_date, so the
      partition/file/line tie-break matters), a merge chain and merges on several dates, references
      to missing works, a self-reference, shared authors, null/missing/negative cited_by_count, a
      missing referenced_works_count, an author with a null id, malformed reference ids.
    A random duplicate of a work that carries a prepared case carries the case's fields too, so no
    copy can undo it; no merge drops such a work or redirects a reference to the popular work.
    """
    n = rng.randint(max(5, min_works), max(5, max_works))
    # Ids of one to three digits, so numeric order (W9 < W10) differs from string order.
    numbers = rng.sample(range(1, 400), n + 6)
    ids, missing = numbers[:n], numbers[n:]  # `missing`: referenced but never exported
    authors = list(range(1, max(3, n // 3) + 1))
    cap = rng.randint(1, min(4, n - 4))
    notes: list[str] = []

    def refs_for(me: int) -> list[int | str | None]:
        k = rng.randint(0, min(6, n))
        refs: list[int | str | None] = list(rng.sample(ids, k))
        if rng.random() < 0.5:
            refs.append(popular)
        if rng.random() < 0.2:
            refs.append(rng.choice(missing))
        if rng.random() < 0.1:
            refs.append(me)  # self-reference
        if refs and rng.random() < 0.15:
            refs.append(rng.choice(refs))  # the same reference twice
        if rng.random() < 0.1:
            refs.append(rng.choice(["bad", None, f"{OPENALEX}Wabc", f"{OPENALEX}A5"]))
        if rng.random() < 0.1 and refs and isinstance(refs[0], int):
            refs[0] = rng.choice([f"W{refs[0]}", f"w{refs[0]}", f"{OPENALEX.upper()}W{refs[0]}"])
        rng.shuffle(refs)
        return refs

    def draw_work(me: int, stamp: str | None = None) -> dict[str, Any]:
        refs = refs_for(me)
        rwc_choice = rng.random()
        if rwc_choice < 0.6:
            rwc: Any = "auto"
        elif rwc_choice < 0.75:
            rwc = ...
        elif rwc_choice < 0.85:
            rwc = None
        else:
            rwc = rng.choice([0, 1, 3, 40])  # disagrees with the list; the field wins
        author_list: list[int | str | None] = rng.sample(authors, rng.randint(0, min(3, len(authors))))
        if rng.random() < 0.1:
            author_list.append(None)
        rec = work(
            me,
            cited_by_count=rng.choice(_CITED_BY),
            refs=refs,
            authors=author_list,
            updated_date=stamp or _stamp(rng),
            referenced_works_count=rwc,
            **openalex_indicators(me),
        )
        if rng.random() < 0.05:
            rec["authorships"] = rng.choice([None, [], [{"author": None}]])
        if rng.random() < 0.05:
            rec["referenced_works"] = None
        if rng.random() < 0.05:
            for key in ("title", "doi", "open_access", "publication_year", "type"):
                rec.pop(key, None)
        return rec

    # Roles. `popular` has `above` (C > TIED_C), then `tied` (C = TIED_C) citers; `rest` carry the
    # other quirks and the merges.
    popular = ids[0]
    above = [ids[1]] if cap >= 2 and rng.random() < 0.5 else []
    room = cap - len(above)  # places left for the tied citers: fewer than there are of them
    tie_size = min(room + rng.randint(1, 2), n - 3 - len(above))
    tied = ids[1 + len(above) : 1 + len(above) + tie_size]
    rest = ids[1 + len(above) + tie_size :]
    # What a prepared work's every copy carries (its first copy and any random duplicate).
    pins: dict[int, list[Change]] = {}

    def pin(number: int, *changes: Change) -> None:
        pins.setdefault(number, []).extend(changes)

    # The cap: its citers with tied C, more than the cap leaves, so the id tie-break decides who is
    # considered; the smallest id shares author A1 with `popular` (a self-citation inside the cap,
    # excluded after the cap), and sometimes the largest too (outside the cap: not counted).
    pin(popular, _set("authorships", [{"author": {"id": f"{OPENALEX}A1"}}, {"author": {"id": None}}]))
    for number in above:
        pin(number, _set("cited_by_count", rng.choice([10, 50, 2999])), _cite(popular))
    for number in tied:
        pin(number, _set("cited_by_count", TIED_C), _cite(popular))
    self_citers = [min(tied)] + ([max(tied)] if rng.random() < 0.5 else [])
    for number in self_citers:
        pin(number, _set("authorships", [{"author": {"id": f"{OPENALEX}A1"}}]))
    notes.append(f"popular W{popular}, above {above}, tied citers {tied}, self-citers {self_citers}, cap {cap}")

    # Quirks: null, missing and negative C (on works outside the tie; `popular` when few are left);
    # a citer with no referenced_works_count whose list cites `popular` twice, a missing work and
    # two malformed ids; a self-reference.
    quirky = (rest + [popular])[:3]
    pin(quirky[0], _set("cited_by_count", None))
    pin(quirky[1], _drop("cited_by_count"))
    pin(quirky[2], _set("cited_by_count", -7))
    no_count = rng.choice(tied)
    pin(
        no_count,
        _set("referenced_works", [f"{OPENALEX}W{popular}", f"{OPENALEX}W{popular}", f"{OPENALEX}W{missing[0]}", "bad", None]),
        _drop("referenced_works_count"),
    )
    self_ref = rng.choice(ids)
    pin(self_ref, _cite(self_ref))

    # Merges, on several dates, of works that carry no prepared case, never into `popular`: a chain
    # a → b → c, a merge into a missing work, a merge of an id never exported, and (3 in 4) a work
    # merged twice, into two targets on two dates. `popular` cites the head of the chain and the
    # work merged twice.
    protected = {popular, *above, *tied, *quirky, self_ref}
    free = [number for number in rest if number not in protected]
    merged: list[tuple[str, str] | Merge] = []

    def merge(source: int, into: int, date: str | None = None, file: str | None = None) -> Merge:
        date = date or rng.choice(_MERGE_DATES)
        return Merge(f"W{source}", f"W{into}", date, file or date)

    chain = free[-2:] if len(free) >= 2 else []
    into_missing = free[-3:-2] if len(free) >= 3 else []
    twice = (free[-4] if len(free) >= 4 else missing[3]) if rng.random() < 0.75 else None
    sources = {*chain, *into_missing, *([twice] if twice is not None else [])}
    targets = [number for number in ids if number != popular and number not in sources]
    if chain:
        a, b = chain
        c = rng.choice(targets)
        merged += [merge(a, b), merge(b, c)]
        pin(popular, _cite(a))  # the citation lands on c
        notes.append(f"merge chain W{a}->W{b}->W{c}")
    for number in into_missing:
        merged.append(merge(number, missing[1]))
    merged.append(merge(missing[2], rng.choice(targets)))
    cases_twice: list[MergedTwice] = []
    if twice is not None:
        early, late = rng.sample(targets + [missing[4]] + chain[:1], 2)
        first, last = sorted(rng.sample(_MERGE_DATES, 2))
        rows = rng.choice(MERGED_TWICE_ROWS)
        one_list = rng.choice([first, last])
        if rows == MERGED_TWICE_ROWS[0]:
            pair = [merge(twice, early, first, one_list), merge(twice, late, last, one_list)]
        elif rows == MERGED_TWICE_ROWS[1]:
            pair = [merge(twice, late, last, one_list), merge(twice, early, first, one_list)]
        elif rows == MERGED_TWICE_ROWS[2]:
            pair = [merge(twice, early, first, first), merge(twice, late, last, last)]
        else:
            pair = [merge(twice, late, last, first), merge(twice, early, first, last)]
        for row in pair:
            merged.insert(rng.randint(0, len(merged)), row)
        pin(popular, _cite(twice))
        pin(rng.choice(tied), _cite(twice))
        cases_twice.append(MergedTwice(twice, early, late, rows))
        notes.append(f"W{twice} merged into W{early} on {first}, into W{late} on {last} ({rows})")

    placed: list[tuple[str, dict[str, Any] | str]] = []  # (partition, line)
    for me in ids:
        rec = draw_work(me)
        for change in pins.get(me, []):
            change(rec)
        placed.append((rng.choice(_DATES), rec))

    # Duplicates: newer copy in a later partition; newer copy in an EARLIER partition (updated_date
    # decides, not the folder); equal updated_date in two partitions (later partition wins).
    for me in rng.sample(ids, min(len(ids), rng.randint(2, 5))):
        kind = rng.choice(["newer", "older", "tie"])
        date = rng.choice(_DATES)
        stamp = _stamp(rng) if kind != "tie" else "2024-02-15T00:00:00"
        copy = draw_work(me, stamp)
        for change in pins.get(me, []):
            change(copy)
        placed.append((date, copy))
        if kind == "tie":
            existing = next(r for d, r in placed if isinstance(r, dict) and r["id"] == copy["id"])
            existing["updated_date"] = stamp
        notes.append(f"duplicate W{me} ({kind})")

    # Only `above` and `tied` cite `popular` with a C of TIED_C or more, whichever copy wins.
    for _, line in placed:
        if not isinstance(line, dict) or _ref_number(line["id"]) in {popular, *above, *tied}:
            continue
        count = line.get("cited_by_count")
        if isinstance(count, int) and count >= TIED_C and line["referenced_works"]:
            line["referenced_works"] = [r for r in line["referenced_works"] if _ref_number(r) != popular]

    # A few bad lines (quarantined, never crash the run).
    for _ in range(rng.choice([0, 0, 1, 2])):
        placed.append((rng.choice(_DATES), rng.choice(["not json {", "[1, 2]", '"W1"', '{"id": null}',
                                                        '{"title": "no id"}', '{"id": "X12"}'])))

    rng.shuffle(placed)
    partitions: dict[str, list[Line]] = {}
    for date, line in placed:
        partitions.setdefault(date, []).append(line)
    cases = PreparedCases(popular, tied, above, self_citers, cases_twice)
    return RandomSnapshot(partitions, merged, rng.choice([1, 1, 2]), cap, notes, cases)


@st.composite
def random_snapshots(draw: st.DrawFn, min_works: int = 5, max_works: int = 40) -> RandomSnapshot:
    """Hypothesis strategy over `random_snapshot`."""
    return random_snapshot(draw(st.randoms(use_true_random=False)), min_works, max_works)


def check_prepared_cases(
    snapshot: RandomSnapshot, scores: pl.DataFrame, citers: pl.DataFrame | None = None
) -> list[str]:
    """Confirm in a run's published tables that every case `snapshot.cases` prepared was reached.

    Args:
        snapshot: What `random_snapshot` made (run with `snapshot.cap`).
        scores: The run's scores.parquet.
        citers: Its citers.parquet, to check also who was considered, in what order, and which
            considered citer was the self-citation.

    Returns:
        The cases reached, by name; inside a hypothesis test each is also recorded as an event
        (`pytest --hypothesis-show-statistics` shows how often).
    """
    cases = snapshot.cases
    assert cases is not None, "a snapshot made by random_snapshot carries its prepared cases"
    rows = {row["work_id"]: row for row in scores.to_dicts()}
    cap = snapshot.cap
    popular = rows.get(f"W{cases.popular}")
    assert popular is not None, f"the popular work W{cases.popular} is not in scores"
    why = f"W{cases.popular} ({snapshot.notes[0]})"
    assert popular["citers_in_snapshot"] >= len(cases.above) + len(cases.tied) > cap, why
    assert (popular["cap_bound"], popular["citers_considered"]) == (True, cap), why
    assert popular["self_citations_excluded"] >= 1, why
    for number in cases.tied:
        assert rows[f"W{number}"]["cited_by_count"] == TIED_C, f"tied citer W{number}"
    for number in cases.above:
        assert rows[f"W{number}"]["cited_by_count"] > TIED_C, f"citer above the tie W{number}"
    reached = ["cap binds", "tied citers at the cap", "self-citation excluded inside the cap"]
    if citers is not None:
        mine = citers.filter(pl.col("cited_id") == cases.popular).sort("citer_rank")
        assert mine["citing_id"].to_list() == cases.considered(cap), why
        self_flags = dict(zip(mine["citing_id"], mine["is_self_citation"], strict=True))
        assert self_flags[min(cases.tied)] is True, why
    if len(cases.self_citers) > 1:
        reached.append("self-citation outside the cap")
    if cases.above:
        reached.append("a citer above the tie")
    for twice in cases.merged_twice:
        assert f"W{twice.source}" not in rows, f"W{twice.source} was merged, yet it is scored"
        reached.append(f"merged twice ({twice.rows})")
    if currently_in_test_context():
        for name in reached:
            event(name)
    return reached


# ---------------------------------------------------------------- a random release
#: Publication years and types of `random_release`'s works: most within the last five years of its
#: 2025 partitions (fair_v1's check), datasets (its linked datasets), paratext (its gate).
YEARS = [2018, 2021, 2022, 2023, 2024, 2025, 2025, None]
TYPES = ["article", "article", "article", "review", "dataset", "book-chapter", "paratext", " Article "]


def random_release(seed: int, works: int = 300, partitions: int = 6, parts_per_partition: int = 2) -> Release:
    """A release of `works` works with duplicates across partitions, merges, deletions and a few
    bad lines: enough for every rule of the core tables to act. A third of the works have no DOI."""
    rng = random.Random(seed)
    numbers = rng.sample(range(1000, 1000 + works * 20), works)
    authors = list(range(1, works // 3 + 2))
    dates = sorted({f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" for _ in range(partitions * 3)})[:partitions]
    release = Release()
    for number in numbers:
        copies = 1 if rng.random() < 0.8 else 2
        for date in sorted(rng.sample(dates, copies)):
            references = rng.sample(numbers, rng.randrange(0, 8)) + [rng.randrange(10**8, 10**9)] * rng.randrange(0, 2)
            line = work(
                number,
                cited_by_count=rng.choice([0, 0, 1, 2, 5, 10, 40, 300]),
                refs=references,
                authors=rng.sample(authors, rng.randrange(0, 4)),
                updated_date=f"{date}T0{rng.randrange(10)}:00:00.{rng.randrange(10**6):06d}",
                publication_year=rng.choice(YEARS),
                type=rng.choice(TYPES),
                heavy=True,
                rng=rng,
                **({"doi": None} if number % 3 == 0 else {}),
            )
            name = f"updated_date={date}/part_{rng.randrange(parts_per_partition):03d}"
            release.files.setdefault(name, []).append(line)
    first = sorted(release.files)[0]
    release.files[first].append(work(0, cited_by_count=3, heavy=True) | {"id": f"{OPENALEX}A123"})  # not a work id
    release.files[first].append(work(0, cited_by_count=3, heavy=True) | {"id": None})  # no id
    merged = rng.sample(numbers, 6)
    release.merges = [("2025-06-01", merged[i], merged[i + 1]) for i in (0, 2)] + [("2025-06-02", merged[4], DELETED_SENTINEL)]
    release.deletions = [(number, "2025-06-03") for number in rng.sample(numbers, 4)]
    return release
