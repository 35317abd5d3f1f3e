"""Every OpenAlex layout — legacy, June-2026 JSON Lines, June-2026 Parquet — read from wherever
`--snapshot` points, manifest first, scored identically."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from published import assert_same_table

from datarank import DataRankError
from datarank.cli import main
from datarank.parquet_parts import read_batches
from datarank.pipeline import run
from datarank.settings import Settings
from datarank.snapshot import open_snapshot
from tests.factory.layouts import PARQUET_SCHEMA, Release, jsonl_gz, parquet_bytes, write_release
from tests.factory.randoms import random_release
from tests.factory.records import work

LAYOUTS = ("parquet", "jsonl", "legacy")


def tiny_release() -> Release:
    """Seven works, small enough to score by hand (see test_tiny_snapshot_scores_as_computed_by_hand)."""
    return Release(
        files={
            "updated_date=2025-01-01/part_000": [
                work(4, cited_by_count=1, updated_date="2025-01-01T00:00:00", heavy=True),  # superseded by the copy below
                work(5, cited_by_count=9, refs=[1], authors=[9], updated_date="2025-01-01T00:00:00", heavy=True),  # merged into W6
                {**work(8, heavy=True), "id": "https://openalex.org/not-a-work"},  # quarantined
            ],
            "updated_date=2025-02-01/part_000": [
                work(1, cited_by_count=10, authors=[1], updated_date="2025-02-01T00:00:00", heavy=True),
                work(2, cited_by_count=3, refs=[1, 999], authors=[2], updated_date="2025-02-01T00:00:00", heavy=True),
                work(3, cited_by_count=0, refs=[1], authors=[1], updated_date="2025-02-01T00:00:00", heavy=True),
            ],
            "updated_date=2025-02-01/part_001": [
                work(4, cited_by_count=5, refs=[1, 5], authors=[4], updated_date="2025-02-01T12:00:00", heavy=True),
                work(6, cited_by_count=2, authors=[3], updated_date="2025-02-01T00:00:00", heavy=True),
                work(7, cited_by_count=50, refs=[1, 6], authors=[7], updated_date="2025-02-01T00:00:00", heavy=True),  # deleted
            ],
        },
        merges=[("2025-03-01", 5, 6)],
        deletions=[(7, "2025-03-02")],
    )


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny release in each layout, each run once: layout → data dir."""
    base = tmp_path_factory.mktemp("tiny")
    out = {}
    for layout in LAYOUTS:
        write_release(base / layout, tiny_release(), layout)
        run(Settings(snapshot=str(base / layout), data_dir=base / f"out-{layout}"))
        out[layout] = base / f"out-{layout}"
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_tiny_snapshot_scores_as_computed_by_hand(tiny_runs: dict[str, Path], layout: str) -> None:
    scores = pl.read_parquet(tiny_runs[layout] / "current" / "scores.parquet")
    datarank = dict(zip(scores["work_id"], scores["datarank"], strict=True))
    # W5 merged into W6, W7 deleted; the older copy of W4 superseded; "not-a-work" quarantined.
    assert sorted(datarank) == ["W1", "W2", "W3", "W4", "W6"]
    # W1 (C 10): citers W4 (newer copy: C 5, 2 refs), W2 (C 3, 2 refs), W3 (C 0, shares author A1:
    # self-citation). W7 cited W1 but was deleted.
    assert datarank["W1"] == pytest.approx(0.15 * math.log(11) + 0.85 * (math.log(6) / 2 + math.log(4) / 2), rel=1e-12)
    # W6 (C 2): cited by W4 through W4's reference to W5, merged into W6.
    assert datarank["W6"] == pytest.approx(0.15 * math.log(3) + 0.85 * math.log(6) / 2, rel=1e-12)
    assert datarank["W2"] == pytest.approx(0.15 * math.log(4), rel=1e-12)
    assert datarank["W3"] == 0.0
    quarantine = pl.read_parquet(tiny_runs[layout] / "current" / "quarantine.parquet")
    assert quarantine["reason"].to_list() == ["invalid work id"]
    assert quarantine["source_file"].str.contains("updated_date=2025-01-01/part_").all()


def test_tiny_snapshot_is_the_same_in_every_layout(tiny_runs: dict[str, Path]) -> None:
    tables = {layout: _tables(tiny_runs[layout]) for layout in LAYOUTS}
    for layout in ("jsonl", "legacy"):
        for name, frame in tables["parquet"].items():
            assert_same_table(frame, tables[layout][name], (layout, name))


def test_random_snapshot_scores_identically_in_all_three_layouts(tmp_path: Path) -> None:
    release = random_release(seed=7)
    results = {}
    for layout in LAYOUTS:
        write_release(tmp_path / layout, release, layout)
        state = run(Settings(snapshot=str(tmp_path / layout), data_dir=tmp_path / f"out-{layout}"))
        assert state.ingest_summary["snapshot"]["layout"] == layout
        results[layout] = _tables(tmp_path / f"out-{layout}")
    works = results["parquet"]["works"]
    assert works.height > 250  # the comparison is not between empty tables
    assert results["parquet"]["citations"].height > 500
    for layout in ("jsonl", "legacy"):
        for name, frame in results["parquet"].items():
            assert_same_table(frame, results[layout][name], (layout, name))


# ---------------------------------------------------------------- where --snapshot points
@pytest.fixture(scope="module")
def bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bucket root holding all three layouts (the legacy one both at data/works and, as after the
    June 2026 move, at legacy-data/works)."""
    root = tmp_path_factory.mktemp("bucket")
    for layout in LAYOUTS:
        write_release(root, tiny_release(), layout)
    moved = root / "legacy-data"
    write_release(moved.parent / "moved", tiny_release(), "legacy")
    (root / "moved" / "data").rename(moved)
    (root / "moved").rmdir()
    return root


@pytest.mark.parametrize(
    ("where", "layout", "works_dir"),
    [
        ("", "parquet", "data/parquet/works"),
        ("data", "parquet", "data/parquet/works"),
        ("data/parquet", "parquet", "data/parquet/works"),
        ("data/parquet/works", "parquet", "data/parquet/works"),
        ("data/jsonl", "jsonl", "data/jsonl/works"),
        ("data/jsonl/works", "jsonl", "data/jsonl/works"),
        ("data/works", "legacy", "data/works"),
        ("legacy-data", "legacy", "legacy-data/works"),
        ("legacy-data/works", "legacy", "legacy-data/works"),
    ],
)
def test_snapshot_may_point_at_the_root_data_or_a_works_folder(bucket: Path, where: str, layout: str, works_dir: str) -> None:
    snapshot = open_snapshot(str(bucket / where) if where else str(bucket))
    assert (snapshot.layout, snapshot.works_dir) == (layout, str(bucket / works_dir))
    assert len(snapshot.files) == 3
    assert all(Path(f.url).is_file() for f in snapshot.files)
    # Keys name the layout's folder whatever the mirror: the legacy tree's urls still say data/works.
    assert snapshot.files[0].key == f"{works_dir}/updated_date=2025-01-01/part_000.{'parquet' if layout == 'parquet' else 'gz'}"


def test_the_cli_says_which_layout_it_found(bucket: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", "--snapshot", str(bucket / "data"), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"snapshot parquet layout (parquet parts) at {bucket}/data/parquet/works")


def test_a_folder_without_a_manifest_is_refused(bucket: Path) -> None:
    with pytest.raises(DataRankError, match="no OpenAlex works manifest under"):
        open_snapshot(str(bucket / "data" / "merged_ids"))


# ---------------------------------------------------------------- manifest first
def test_files_come_from_the_manifest_not_a_glob(tmp_path: Path) -> None:
    write_release(tmp_path, tiny_release(), "jsonl")
    stray = tmp_path / "data/jsonl/works/updated_date=2025-02-01/part_0009.gz"  # written, not yet in a manifest
    stray.write_bytes(jsonl_gz([work(77, cited_by_count=1000, heavy=True)]))
    state = run(Settings(snapshot=str(tmp_path), data_dir=tmp_path / "out"), stages=("ingest",))
    assert state.ingest_summary["counts"]["works"] == 5
    assert {f["key"] for f in state.ingest_summary["files"]} == {
        f"data/jsonl/works/updated_date={name}.gz" for name in ("2025-01-01/part_000", "2025-02-01/part_000", "2025-02-01/part_001")
    }


def test_a_file_of_the_wrong_size_fails_the_run_naming_it(tmp_path: Path) -> None:
    write_release(tmp_path, tiny_release(), "legacy")
    out = tmp_path / "out"
    run(Settings(snapshot=str(tmp_path), data_dir=out))
    part = tmp_path / "data/works/updated_date=2025-02-01/part_001.gz"
    part.write_bytes(part.read_bytes()[:-10])  # truncated, as a release still being copied
    result = CliRunner().invoke(main, ["run", "--snapshot", str(tmp_path), "--data-dir", str(out)])
    assert result.exit_code == 1
    assert f"{part}: {part.stat().st_size} bytes but the manifest says {part.stat().st_size + 10}" in result.output
    assert (out / "current").resolve().name == "v000001"  # the last published version is untouched
    part.unlink()
    result = CliRunner().invoke(main, ["run", "--snapshot", str(tmp_path), "--data-dir", str(out)])
    assert result.exit_code == 1
    assert f"{part}: listed in the manifest but missing" in result.output


def test_record_counts_that_differ_from_the_manifest_are_reported(tmp_path: Path) -> None:
    write_release(tmp_path, tiny_release(), "legacy")
    manifest_path = tmp_path / "data/works/manifest"
    manifest = json.loads(manifest_path.read_text())
    manifest["entries"][1]["meta"]["record_count"] = 4  # the file holds 3
    manifest["meta"]["record_count"] = 10  # the files hold 9
    for entry in manifest["entries"]:  # urls may lack the s3:// prefix
        entry["url"] = entry["url"].removeprefix("s3://")
    manifest_path.write_text(json.dumps(manifest))
    result = CliRunner().invoke(main, ["ingest", "--snapshot", str(tmp_path), "--data-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning  data/works/updated_date=2025-02-01/part_000.gz: 3 lines, the manifest says 4" in result.output
    assert "warning  the manifest counts 10 records, the part files hold 9 lines" in result.output
    summary = json.loads((tmp_path / "out/lake/core/current/ingest.json").read_text())
    assert summary["report"]["record_count_mismatches"] == [
        {"key": "data/works/updated_date=2025-02-01/part_000.gz", "manifest_records": 4, "lines": 3}
    ]
    assert summary["report"]["records"] == {"manifest_total": 10, "manifest_files_total": 10, "lines_read": 9}


def test_legacy_part_names_of_three_and_four_digits(tmp_path: Path) -> None:
    release = Release(
        files={
            "updated_date=2025-01-01/part_000": [work(1, cited_by_count=1, updated_date="2025-01-01T00:00:00", heavy=True)],
            "updated_date=2025-01-01/part_0001": [work(1, cited_by_count=2, updated_date="2025-01-01T00:00:00", heavy=True)],
        }
    )
    write_release(tmp_path, release, "legacy")
    run(Settings(snapshot=str(tmp_path), data_dir=tmp_path / "out"))
    works = pl.read_parquet(tmp_path / "out/current/works.parquet")
    # Same updated_date: the later part file wins (part 1 after part 0, whatever the digits).
    assert works["cited_by_count"].to_list() == [2]


# ---------------------------------------------------------------- the Parquet reader
def test_parquet_reads_only_the_leaves_it_keeps(tmp_path: Path) -> None:
    lines = [work(n, cited_by_count=n, refs=[1, 2, 3], authors=list(range(n % 5)), heavy=True) for n in range(1, 4001)]
    body = parquet_bytes(lines, row_group_size=2000)
    handle = _CountingFile(body)
    schema, batches, rows = read_batches(handle, "part")
    table = pa.Table.from_batches(list(batches), schema=schema)
    assert rows == table.num_rows == 4000
    work_4 = lines[3]
    assert table.column("authorships").to_pylist()[3] == [  # work 4: author ids, ORCIDs, institutions, countries only
        {"author": {"id": f"https://openalex.org/A{a}", "orcid": authorship["author"]["orcid"]},
         "institutions": [{"ror": institution["ror"], "id": institution["id"], "display_name": institution["display_name"],
                           "country_code": institution.get("country_code")} for institution in authorship["institutions"]],
         "countries": authorship.get("countries")}
        for a, authorship in zip(range(4), work_4["authorships"], strict=True)
    ]
    # What was read: the footer and the column chunks of the kept leaves, never the others
    # (abstract_inverted_index, affiliation strings, author names, oa_url). Small leaves between kept
    # ones (a location's landing page) may come along: PyArrow reads column chunks less than 8 KB
    # apart in one request.
    metadata = pq.ParquetFile(io.BytesIO(body)).metadata
    sizes: dict[str, int] = {}
    for group in range(metadata.num_row_groups):
        for column in range(metadata.num_columns):
            chunk = metadata.row_group(group).column(column)
            sizes[chunk.path_in_schema] = sizes.get(chunk.path_in_schema, 0) + chunk.total_compressed_size
    kept_leaves = {"authorships.list.element.author.id", "authorships.list.element.author.orcid",
                   *(f"authorships.list.element.institutions.list.element.{leaf}" for leaf in ("ror", "id", "display_name", "country_code")),
                   "authorships.list.element.countries.list.element"}
    heavy = {path for path in sizes if path.startswith(("abstract", "authorships")) or path == "open_access.oa_url"}
    heavy -= kept_leaves
    kept = sum(size for path, size in sizes.items() if path not in heavy)
    assert sum(sizes[path] for path in heavy) > 0.4 * len(body)  # reading any of it would show
    # PyArrow opens a file by reading its last 64 KB (footer included) in one go.
    assert handle.read_bytes <= kept + 65_536 + 2 * metadata.serialized_size, (handle.read_bytes, kept, len(body))


def test_parquet_columns_missing_or_of_other_types(tmp_path: Path) -> None:
    """A file without open_access or referenced_works_count, with tz-aware timestamps and int32 counts,
    reads as nulls and casts; referenced_works of another type fails the file with a clear message."""
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("cited_by_count", pa.int32()),
            ("referenced_works", pa.list_(pa.string())),
            ("authorships", PARQUET_SCHEMA.field("authorships").type),
            ("updated_date", pa.timestamp("ms", tz="UTC")),
        ]
    )
    lines = [work(1, cited_by_count=4, refs=[2], authors=[5], updated_date="2025-05-05T10:00:00", heavy=True), work(2, heavy=True)]
    write_release(tmp_path / "ok", Release(files={"updated_date=2025-05-05/part_0000": lines}), "parquet")
    part = tmp_path / "ok/data/parquet/works/updated_date=2025-05-05/part_0000.parquet"
    _rewrite_parquet(part, lines, schema)
    run(Settings(snapshot=str(tmp_path / "ok"), data_dir=tmp_path / "out"))
    works = pl.read_parquet(tmp_path / "out/current/works.parquet").sort("work_id")
    assert works["cited_by_count"].to_list() == [4, 0]
    assert works["referenced_works_count"].to_list() == [None, None]
    assert works["is_oa"].to_list() == [None, None]
    assert str(works["updated_date"][0]) == "2025-05-05 10:00:00"  # UTC wall time, whatever the local zone
    assert pl.read_parquet(tmp_path / "out/current/citations.parquet").rows() == [(1, 2)]

    bad = pa.schema([("id", pa.string()), ("referenced_works", pa.string())])
    _rewrite_parquet(part, [{"id": "W1", "referenced_works": '["W2"]'}], bad)
    result = CliRunner().invoke(main, ["ingest", "--snapshot", str(tmp_path / "ok"), "--data-dir", str(tmp_path / "out2")])
    assert result.exit_code == 1
    assert "column referenced_works is string, expected a list of strings" in result.output
    assert "part_0000.parquet" in result.output


# ---------------------------------------------------------------- helpers
def _tables(data_dir: Path) -> dict[str, pl.DataFrame]:
    current = data_dir / "current"
    return {
        "scores": pl.read_parquet(current / "scores.parquet").sort("work_number"),
        "researchers": pl.read_parquet(current / "researchers.parquet").sort("author_number"),
        "works": pl.read_parquet(current / "works.parquet").sort("work_id"),
        "citations": pl.read_parquet(current / "citations.parquet").sort(pl.all()),
        "authorships": pl.read_parquet(current / "authorships.parquet").sort(pl.all()),
        "quarantine": pl.read_parquet(current / "quarantine.parquet").select("source_file", "reason").sort(pl.all())
        .with_columns(pl.col("source_file").str.replace(r"^.*updated_date=", "").str.replace(r"\..*$", "")),
    }


def _rewrite_parquet(path: Path, lines: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Rewrite one part with another schema and fix its size in the manifest."""
    body = parquet_bytes(lines, schema)
    path.write_bytes(body)
    manifest_path = path.parents[1] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        entry["meta"]["content_length"] = len(body)
        entry["meta"]["record_count"] = len(lines)
    manifest_path.write_text(json.dumps(manifest))


class _CountingFile(io.BytesIO):
    """An in-memory file that counts the bytes read from it."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


def test_an_unreadable_part_fails_the_run_and_the_next_run_resumes(tmp_path: Path) -> None:
    """A corrupt gzip of the right size (a broken copy) fails the run naming the file; the other
    parts are still read and stay in the lake, so the run after the fix reads only the fixed file."""
    release = random_release(seed=5, works=60, partitions=3)
    write_release(tmp_path, release, "jsonl")
    part = sorted((tmp_path / "data/jsonl/works").rglob("*.gz"))[1]
    good = part.read_bytes()
    part.write_bytes(good[:20] + bytes(len(good) - 20))  # same size, garbage after the header
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--snapshot", str(tmp_path), "--data-dir", str(out), "--threads", "2"])
    assert result.exit_code == 1
    assert result.output.startswith(f"datarank: error: {part}: corrupt gzip (")
    assert result.output.count("\n") == 1
    assert not (out / "current").exists()
    part.write_bytes(good)
    state = run(Settings(snapshot=str(tmp_path), data_dir=out, threads=2))
    read = [f["key"] for f in state.ingest_summary["files"] if f["status"] == "read"]
    assert read == [part.relative_to(tmp_path).as_posix()]
    run(Settings(snapshot=str(tmp_path), data_dir=tmp_path / "fresh"))
    fresh = _tables(tmp_path / "fresh")
    for name, frame in _tables(out).items():
        assert_same_table(frame, fresh[name], name)
