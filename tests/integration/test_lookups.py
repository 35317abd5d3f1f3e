"""Lookups by id read only the row groups that can hold the id: the published scores, works,
fair_signals, abstracts and citers are written sorted by work id, with min/max statistics in every
row group (the speed itself is measured by benchmarks/lookups.py, not here)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq


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
