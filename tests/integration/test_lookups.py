"""Lookups by id read only the row groups that can hold the id: the published scores, works,
fair_signals, abstracts and citers are written sorted by work id, with min/max statistics in every
row group (the speed itself is measured by benchmarks/lookups.py, not here)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from oracle import compute

from datarank.outputs import explain_many
from tests.factory.growth import SAMPLE


def test_scores_and_citers_are_sorted_by_work_id_with_statistics(published_sample: Path) -> None:
    version = published_sample / "current"
    scores = pl.read_parquet(version / "scores.parquet")
    assert scores["work_number"].to_list() == sorted(scores["work_number"].to_list())
    # explain reads the DOI and OA status in works, the venue and paratext flag in fair_signals
    for name in ("works", "fair_signals", "abstracts"):
        ids = pl.read_parquet(version / f"{name}.parquet", columns=["work_id"])["work_id"].to_list()
        assert len(ids) > 1 and ids == sorted(ids), name
    citers = pl.read_parquet(version / "citers.parquet")
    keys = list(zip(citers["cited_id"].to_list(), citers["citer_rank"].to_list(), strict=True))
    assert keys == sorted(keys)
    for name, column in (("scores", "work_number"), ("works", "work_id"), ("fair_signals", "work_id"),
                         ("abstracts", "work_id"), ("citers", "cited_id")):
        metadata = pq.ParquetFile(version / f"{name}.parquet").metadata
        index = metadata.schema.to_arrow_schema().get_field_index(column)
        for group in range(metadata.num_row_groups):
            statistics = metadata.row_group(group).column(index).statistics
            assert statistics is not None and statistics.has_min_max, (name, group)


def test_explain_by_a_list_of_ids_gives_each_work_its_own_rows(published_sample: Path) -> None:
    # Explain reads each file by the list of ids in a query of its own and joins in Python: the
    # citers and context of each work must be its own, a work no work cites has none, and a list
    # gives what each id alone gives. Expected values from tests/oracle.py.
    expected = compute(SAMPLE)
    cited = max(expected.rows, key=lambda n: (expected.rows[n].citers_considered, -n))  # 6 citers
    uncited = min(n for n, row in expected.rows.items() if row.citers_in_snapshot == 0)
    folder = published_sample / "current"
    together = explain_many(folder, [uncited, 1, cited])  # W1 is not in the snapshot: left out
    assert [e.work["work_number"] for e in together] == sorted([cited, uncited], key=lambda n: expected.rows[n].rank)
    for explanation in together:
        number = explanation.work["work_number"]
        assert explain_many(folder, [number]) == [explanation]
        record = expected.records[number]
        assert (explanation.work["title"], explanation.context["doi"]) == (record["title"], record.get("doi"))
        want = sorted((c for (p, _), c in expected.citers.items() if p == number), key=lambda c: (-c.contribution, c.rank))
        assert [(c.work_id, c.title, c.rank) for c in explanation.citers] == [
            (f"W{c.citing}", expected.records[c.citing]["title"], c.rank) for c in want[:10]]
    assert len(together[0 if together[0].work["work_number"] == cited else 1].citers) == 6
