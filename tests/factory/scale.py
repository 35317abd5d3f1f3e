"""A synthetic legacy-layout snapshot of any size (millions of works) with the real shape, for the
benchmarks; `benchmarks/synth.py` is its command line.

Heavy-tailed citer counts (a few works with hundreds of thousands of citers at 10 million works),
hyper-authored works, self-citations, older duplicate copies across partitions, merges (chains
included), references to works not in the snapshot, missing referenced_works_count, negative
cited_by_count on some stale copies. DuckDB generates and writes everything (`sql/synth_*.sql`
beside this file: set-based, within `memory_limit`, spilling to a temp folder beside the output);
Python only runs the passes (one per partition, then one for the older copies, so no pass holds more
than its share of the ~12 references per work), renames the files and writes the manifest
(`layouts.legacy_manifest`).

Growing adds works after the ones already there: the snapshot's size is kept in OUT/synth.json, so a
second growth of the same size writes new works, not the same ones again.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from tests.factory.layouts import legacy_manifest, manifest_entry, write_manifest

SQL = Path(__file__).resolve().parent / "sql"
ID_BASE = 4_000_000_000  # ids the size of OpenAlex's 2025 ones, so BIGINT and the order key are exercised
RECORD = "synth.json"  # in OUT: how many works the snapshot holds, for the next growth


class SizeMismatch(ValueError):
    """A growth asked for another size than the snapshot holds."""


def held_works(out: Path) -> int | None:
    """How many works the snapshot at `out` holds (None: not written by this generator)."""
    record = out / RECORD
    return json.loads(record.read_text())["works"] if record.exists() else None


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text()


def _params(text: str, values: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if f"${k}" in text}


def generate(
    out: Path,
    works: int,
    partitions: int = 20,
    seed: int = 1,
    mean_refs: float = 12.0,
    dup_fraction: float = 0.02,
    merge_fraction: float = 0.001,
    grow: float = 0.0,
    memory_limit: str = "4GB",
) -> dict[str, object]:
    """Generate (or, with grow > 0, grow by one partition of `grow` × `works` new works) a snapshot
    under `out`; returns its figures."""
    started = time.perf_counter()
    held = held_works(out)
    if grow and held is not None and works != held:
        raise SizeMismatch(f"{out} holds {held:,} works: grow it with --works {held} (or without --works)")
    connection = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
    spill = out.parent / f".{out.name}-duckdb-tmp"
    connection.execute(f"set temp_directory = '{spill}'").fetchall()
    new_works = int(works * grow)
    values: dict[str, object] = {
        "seed": seed, "first": ID_BASE, "last": ID_BASE + works + new_works, "mean_refs": mean_refs,
        "n_cited": works, "partitions": partitions, "start_date": "2024-01-01", "dup_fraction": dup_fraction,
        "grow_from": ID_BASE + works if grow else 0, "update_fraction": grow / 2,
    }
    text = _sql("synth_works")
    connection.execute(f"create table synth_works as {text}", _params(text, values)).fetchall()
    references = _sql("synth_references")
    connection.execute(
        f"create table synth_cited as select referenced_id as work_id, count(*) as citers "
        f"from ({references}) group by referenced_id",
        _params(references, {**values, "chunk": -1}),
    ).fetchall()
    staging = out / "staging-json"
    shutil.rmtree(staging, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    lines = _sql("synth_lines")
    # One partition at a time, then the older copies: a pass's references, then its lines (the
    # references of a 10-million-work snapshot, ~120 million rows, never sit in memory together).
    for chunk in [partitions] if grow else [*range(partitions), -2]:
        chunk_values = {**values, "chunk": chunk}
        connection.execute(
            f"create or replace table synth_chunk_refs as {references}", _params(references, chunk_values)
        ).fetchall()
        connection.execute(
            f"copy ({lines}) to '{staging}' (format json, compression gzip, partition_by (part_day), "
            f"filename_pattern 'pass{chunk + 2:03d}_{{i}}', overwrite_or_ignore true)",
            _params(lines, chunk_values),
        ).fetchall()
    works_dir = out / "data" / "works"
    for folder in sorted(staging.iterdir()):
        day = folder.name.split("=", 1)[1]
        target = works_dir / f"updated_date={day}"
        target.mkdir(parents=True, exist_ok=True)
        existing = len(list(target.glob("part_*.gz")))
        for index, file in enumerate(sorted(folder.iterdir()), start=existing):
            file.rename(target / f"part_{index:03d}.gz")
    shutil.rmtree(staging)
    if merge_fraction and not grow:
        merged = out / "data" / "merged_ids" / "works"
        merged.mkdir(parents=True, exist_ok=True)
        # Each merged work goes into its predecessor id; consecutive merged ids make chains.
        connection.execute(
            f"""
            copy (
                select '2024-06-01' as merge_date, 'W' || work_id as id, 'W' || (work_id - 1) as merge_into_id
                from synth_works
                where (hash(work_id, 'merge', $seed) % 1000000007) / 1000000007.0 < $merge_fraction
                order by work_id
            ) to '{merged / "2024-06-01.csv.gz"}' (header true, compression gzip)
            """,
            {"seed": seed, "merge_fraction": merge_fraction},
        ).fetchall()
    manifest = write_legacy_manifest(out, connection)
    connection.close()
    (out / RECORD).write_text(json.dumps({"works": works + new_works, "seed": seed, "partitions": partitions}) + "\n")
    shutil.rmtree(spill, ignore_errors=True)
    return {
        "works": works + new_works,
        "files": len(manifest["entries"]),
        "records": manifest["meta"]["record_count"],
        "gzip_bytes": manifest["meta"]["content_length"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def write_legacy_manifest(out: Path, connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The legacy manifest over every part file under data/works, each file's lines counted by
    DuckDB (they were written by DuckDB too); written last, as OpenAlex does."""
    works_dir = out / "data" / "works"
    entries = []
    for path in sorted(works_dir.glob("updated_date=*/part_*.gz")):
        records = connection.execute(
            "select count(*) from read_csv($p, columns = {'l': 'VARCHAR'}, header = false, auto_detect = false, "
            "delim = chr(30), quote = '', escape = '', max_line_size = 67108864)",
            {"p": str(path)},
        ).fetchall()[0][0]
        entries.append(manifest_entry(f"s3://openalex/{path.relative_to(out).as_posix()}", path.stat().st_size, records))
    body = legacy_manifest(entries)
    write_manifest(works_dir / "manifest", body)
    return json.loads(body)
