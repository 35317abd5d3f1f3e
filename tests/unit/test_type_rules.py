"""Every rule docs/metric.md ("Field types") states for a field holding a value of another JSON type,
by hand: a record holding that value, and what the run publishes for it.

One snapshot holds every case, each on works of its own, so that one run serves them all; a case
names its works and the published values it expects (scores.parquet, else works.parquet)."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from published import Published, run_pipeline

from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX, work

LN4 = math.log(4)
#: (what the case shows, its lines, [(work, published column, value)])
Case = tuple[str, list[Any], list[tuple[str, str, Any]]]


def _count(number: int, value: Any) -> Case:
    return (f"cited_by_count {value!r}", [work(number, cited_by_count=value)], [])


def _outdegree(number: int, value: Any, outdegree: int, published: Any) -> Case:
    """A citer W<number> (C 3) with referenced_works_count `value` cites W<number + 1> twice and a
    work outside the snapshot once: two distinct valid ids. W<number + 1> gets ln(4) / outdegree."""
    citer = work(number, cited_by_count=3, refs=[number + 1, number + 1, 99_999], referenced_works_count=value)
    return (
        f"referenced_works_count {value!r}",
        [citer, work(number + 1)],
        [(f"W{number + 1}", "network_score", LN4 / outdegree), (f"W{number}", "referenced_works_count", published)],
    )


CASES: list[Case] = [
    # cited_by_count: C(p) as published, and B = ln(1 + C)
    *[
        (name, lines, [(f"W{n}", "cited_by_count", c), (f"W{n}", "base_score", math.log(1 + c))])
        for (name, lines, _), n, c in [
            (_count(1, "12"), 1, 12),  # a number in a string reads as the number
            (_count(2, 12.0), 2, 12),
            (_count(3, 12.7), 3, 13),  # a fraction is rounded to the nearest integer
            (_count(4, "abc"), 4, 0),  # no number: null, so 0
            (_count(5, True), 5, 1),  # true reads as 1 (false as 0)
            (_count(7, None), 7, 0),
            (_count(8, ...), 8, 0),  # missing
            (_count(9, -4), 9, 0),  # negative: 0
            (_count(10, [12]), 10, 0),  # an array or an object: null
            (_count(11, {"n": 12}), 11, 0),
            (_count(12, 2**63), 12, 0),  # past BIGINT: null
        ]
    ],
    # referenced_works_count: outdegree(q), or where null the distinct valid ids (here 2); the
    # published field is the value as read
    _outdegree(20, "4", 4, 4),
    _outdegree(22, 4.0, 4, 4),
    _outdegree(24, 4.6, 5, 5),
    _outdegree(26, "abc", 2, None),
    _outdegree(28, True, 1, 1),
    _outdegree(30, None, 2, None),
    _outdegree(32, ..., 2, None),
    _outdegree(34, -3, 1, -3),  # max(outdegree, 1)
    _outdegree(36, [4], 2, None),
    # publication_year (INTEGER)
    *[
        (f"publication_year {value!r}", [work(n, publication_year=value)], [(f"W{n}", "publication_year", year)])
        for n, value, year in [
            (40, "2020", 2020), (41, 2020.0, 2020), (42, 2020.6, 2021), (43, "abc", None), (44, True, 1),
            (45, None, None), (46, 3_000_000_000, None), (47, [2020], None),
        ]
    ],
    # is_retracted: a JSON true or false only (FAIR context: a value of another type does not count)
    *[
        (f"is_retracted {value!r}", [work(n, is_retracted=value)], [(f"W{n}", "is_retracted", flag)])
        for n, value, flag in [
            (50, True, True), (57, False, False), (51, "true", None), (52, "TRUE", None), (53, "yes", None),
            (55, 1, None), (56, 2.5, None), (58, "no", None), (60, "abc", None), (63, None, None),
            (64, ["true"], None), (65, {"a": True}, None),
        ]
    ],
    # open_access.is_oa: only a JSON true counts (scores.is_oa, a checklist flag: false otherwise);
    # oa_status (VARCHAR); open_access that is no object: no status
    *[
        (f"open_access {value!r}", [work(n, open_access=value)],
         [(f"W{n}", "is_oa", is_oa), (f"W{n}", "oa_status", status)])
        for n, value, is_oa, status in [
            (69, {"is_oa": True, "oa_status": "gold"}, True, "gold"),
            (70, {"is_oa": "false", "oa_status": "closed"}, False, "closed"),
            (71, {"is_oa": 1, "oa_status": 5}, False, "5"),
            (72, {"is_oa": "abc"}, False, None),
            (73, "gold", False, None),
            (74, [True], False, None),
            (75, None, False, None),
        ]
    ],
    # strings: type, title/display_name, doi; a value of another type reads as its JSON text
    *[
        (f"type {value!r}", [work(n, type=value)], [(f"W{n}", "type", text)])
        for n, value, text in [
            (80, 5, "5"), (81, 2.5, "2.5"), (82, True, "true"), (83, ["a", 1], '["a",1]'), (84, {"a": 1}, '{"a":1}'),
            (85, None, None),
        ]
    ],
    ("title a number", [work(90, title=12)], [("W90", "title", "12")]),
    ("title an array", [work(91, title=["x", "y"])], [("W91", "title", '["x","y"]')]),
    ("display_name before title", [work(92, title="Other", display_name="Shown")], [("W92", "title", "Shown")]),
    ("display_name null", [work(93, title="The title", display_name=None)], [("W93", "title", "The title")]),
    ("title null", [work(94, title=None)], [("W94", "title", None)]),
    ("doi a number", [work(95, doi=123)], [("W95", "doi", None), ("W95", "has_doi", False)]),  # no string: no DOI
    ("doi null", [work(96, doi=None)], [("W96", "doi", None), ("W96", "has_doi", False)]),
    # work ids: the three spellings SPEC §3 allows, any case, surrounding spaces
    ("id bare", [work(100) | {"id": "W100"}], [("W100", "cited_by_count", 0)]),
    ("id lower case", [work(101) | {"id": f"{OPENALEX}w101"}], [("W101", "cited_by_count", 0)]),
    ("id with spaces", [work(102) | {"id": " W102 "}], [("W102", "cited_by_count", 0)]),
    # referenced_works: entries that are no valid work id are dropped (and counted); a value that is
    # no list is no references
    (
        "malformed references",
        [work(110, referenced_works=[f"{OPENALEX}W111", "bad", 7, None, f"{OPENALEX}A5", ["W111"], "W112", "w111"],
              referenced_works_count=8), work(111), work(112)],
        [("W111", "citers_in_snapshot", 1), ("W112", "citers_in_snapshot", 1), ("W110", "n_referenced_ids", 2),
         ("W110", "referenced_works_count", 8)],
    ),
    (
        "references no list",
        [work(113, referenced_works=f"{OPENALEX}W114"), work(114)],
        [("W114", "citers_in_snapshot", 0), ("W113", "n_referenced_ids", None)],
    ),
    # updated_date: a value that is no date (or no string) loses to any date
    (
        "updated_date a number",
        [work(120, updated_date="2024-01-02", title="dated"), work(120, updated_date=20240103, title="a number")],
        [("W120", "title", "dated")],
    ),
    (
        "updated_date no date",
        [work(121, updated_date="2024-01-01", title="dated"), work(121, updated_date="2024-02-30", title="no date")],
        [("W121", "title", "dated")],
    ),
]
#: Authorships: each entry without a valid author id is dropped and counted.
AUTHORS = work(130) | {"authorships": [
    {"author": {"id": None}}, {"author": None}, {}, "x", {"author": {"id": f"{OPENALEX}A7"}}, {"author": {"id": 7}},
    {"author": {"id": "a8"}},
]}
NO_AUTHOR_LIST = work(131) | {"authorships": f"{OPENALEX}A9"}
NUMBER_ID = work(140) | {"id": 140}  # quarantined: "invalid work id"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("type-rules")
    lines = [line for _, case_lines, _ in CASES for line in case_lines] + [AUTHORS, NO_AUTHOR_LIST, NUMBER_ID]
    return run_pipeline(write_legacy_snapshot(root / "snapshot", {"2024-01-01": lines}), root / "out")


def _published_value(published: Published, work_id: str, column: str) -> Any:
    if column in published.scores.columns:
        return published.row(work_id)[column]
    works = pl.read_parquet(published.current / "works.parquet").filter(pl.col("work_id") == int(work_id[1:]))
    assert works.height == 1, work_id
    return works[column][0]


@pytest.mark.parametrize("case", CASES, ids=[name for name, _, _ in CASES])
def test_a_field_of_another_type_is_published_as_documented(published: Published, case: Case) -> None:
    _, _, expected = case
    for work_id, column, want in expected:
        got = _published_value(published, work_id, column)
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-12), (work_id, column)
        else:
            assert got == want, (work_id, column)
            assert type(got) is type(want), (work_id, column, got)


def test_authors_without_a_valid_id_are_dropped_and_counted(published: Published) -> None:
    authorships = pl.read_parquet(published.current / "authorships.parquet")
    assert sorted(authorships.filter(pl.col("work_id") == 130)["author_id"]) == [7, 8]
    assert authorships.filter(pl.col("work_id") == 131).height == 0
    # W130: id null, author null, no author, an entry that is a string, id 7 (a number: "7"). No
    # other work of the snapshot has an author without a valid id.
    assert published.counts["invalid_authors"] == 5


def test_references_that_are_no_valid_work_id_are_counted(published: Published) -> None:
    # W110: "bad", 7, null, an author id, a list. No other work has an invalid reference.
    assert published.counts["invalid_references"] == 5


def test_a_work_id_that_is_no_string_is_quarantined(published: Published) -> None:
    assert "W140" not in set(published.scores["work_id"])
    rows = published.quarantine.filter(pl.col("line_head").str.starts_with('{"id": 140,'))
    assert rows["reason"].to_list() == ["invalid work id"]
    assert published.quarantine.height == 1
