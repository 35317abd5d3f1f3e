"""What people read from a published version: exports, `explain`, read-only SQL.

Everything here reads the lake's published Parquet files; nothing here writes into the lake.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from datarank import DataRankError
from datarank.db import literal, run_sql
from datarank.lake import VERSION_TABLES, Lake
from datarank.score import catalog_views

EXPORT_FORMATS = ("csv", "parquet", "json")
_ID_PATTERN = r"^(?:https?://openalex\.org/)?[Ww](\d{1,18})$"


def read_only_connection(data_dir: Path, version: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views (`scores`, `works`, …, `runs`) read one published version,
    and which can read nothing else: external access is off except for the lake's own files."""
    lake = Lake(data_dir)
    folder = lake.version_dir(version)
    connection = duckdb.connect()
    allowed = [str(folder / f"{table}.parquet") for table in VERSION_TABLES]
    allowed += [str(path) for path in lake.run_files()]
    run_sql(connection, f"set allowed_paths = [{', '.join(literal(p) for p in allowed)}]")
    run_sql(connection, "set enable_external_access = false")
    for statement in catalog_views(folder, lake.run_files()):
        run_sql(connection, statement)
    run_sql(connection, "set lock_configuration = true")
    return connection


def query(data_dir: Path, sql: str, version: str | None = None) -> pl.DataFrame:
    """Run one read-only SELECT over the published views.

    Raises:
        DataRankError: the text is not exactly one SELECT (or EXPLAIN) statement, or DuckDB
            refuses it (unknown column, a file outside the lake, …).
    """
    connection = read_only_connection(data_dir, version)
    try:
        try:
            statements = connection.extract_statements(sql)
        except duckdb.Error as error:
            raise DataRankError(f"query: {_first_line(error)}") from None
        if len(statements) != 1:
            raise DataRankError(f"query: give exactly one statement, got {len(statements)}")
        kind = statements[0].type
        if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
            raise DataRankError(f"query: only SELECT statements are allowed (read-only), got {kind.name}")
        try:
            return connection.sql(sql).pl()
        except duckdb.Error as error:
            raise DataRankError(f"query: {_first_line(error)}") from None
    finally:
        connection.close()


def export(
    data_dir: Path,
    output: Path,
    fmt: str | None = None,
    top: int | None = None,
    year: int | None = None,
    work_type: str | None = None,
    version: str | None = None,
) -> int:
    """Write the ranked table (best first), optionally filtered, to `output`; returns rows written.

    `version` picks a published version (default: the current one).

    The format comes from `fmt` or the file's extension; `json` writes JSON Lines (one work per
    line). The file appears whole or not at all (written under a temporary name, then renamed).
    """
    fmt = fmt or output.suffix.lstrip(".").lower()
    if fmt == "jsonl" or fmt == "ndjson":
        fmt = "json"
    if fmt not in EXPORT_FORMATS:
        raise DataRankError(f"export: unknown format {fmt!r}; use --format {'|'.join(EXPORT_FORMATS)}")
    if top is not None and top < 1:
        raise DataRankError("export: --top must be at least 1")
    if not output.parent.is_dir():
        raise DataRankError(f"export: folder {output.parent} does not exist")
    scores = Lake(data_dir).version_dir(version) / "scores.parquet"
    connection = duckdb.connect()
    try:
        relation = connection.sql(
            f"""
            select * exclude (work_number)
            from read_parquet({literal(str(scores))})
            where ($year is null or publication_year = $year)
                and ($type is null or lower(type) = lower($type))
            order by rank
            limit coalesce($top, 9223372036854775807)
            """,
            params={"year": year, "type": work_type, "top": top},
        )
        relation.create_view("export_rows")
        partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.partial")
        options = {"csv": "format csv, header true", "parquet": "format parquet, compression zstd", "json": "format json"}
        try:
            run_sql(connection, f"copy export_rows to {literal(str(partial))} ({options[fmt]})")
            rows = connection.sql("select count(*) from export_rows").fetchall()[0][0]
            partial.replace(output)
        except (duckdb.Error, OSError) as error:
            partial.unlink(missing_ok=True)
            raise DataRankError(f"export: cannot write {output}: {_first_line(error)}") from None
        return rows
    finally:
        connection.close()


@dataclass(frozen=True)
class Citer:
    """One considered citer of the explained work."""

    rank: int
    work_id: str
    title: str | None
    cited_by_count: int
    outdegree: int
    signal: float
    is_self_citation: bool
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """The breakdown the seed page shows for one paper, from a published version."""

    version: str
    cap: int
    damping: float
    works_ranked: int
    work: dict[str, Any]
    citers: list[Citer]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


def explain(data_dir: Path, work_id: str, top: int = 10, version: str | None = None) -> Explanation:
    """The score of one work with its parts and its top considered citers (by contribution)."""
    number = parse_work_id(work_id)
    lake = Lake(data_dir)
    folder = lake.version_dir(version)
    manifest = json.loads((folder / "manifest.json").read_text())
    connection = duckdb.connect()
    try:
        scores = literal(str(folder / "scores.parquet"))
        citers = literal(str(folder / "citers.parquet"))
        work = connection.sql(f"select * from read_parquet({scores}) where work_number = $n", params={"n": number}).pl()
        if work.is_empty():
            raise DataRankError(f"explain: W{number} is not in the snapshot of version {folder.name}")
        works_ranked = connection.sql(f"select count(*) from read_parquet({scores})").fetchall()[0][0]
        rows = connection.sql(
            f"""
            select citers.citer_rank, 'W' || citers.citing_id as work_id, scores.title,
                citers.citer_cited_by_count, citers.citer_outdegree, citers.citer_signal,
                citers.is_self_citation, citers.contribution
            from read_parquet({citers}) as citers
            left join read_parquet({scores}) as scores on scores.work_number = citers.citing_id
            where citers.cited_id = $n
            order by citers.contribution desc, citers.citer_rank
            limit $top
            """,
            params={"n": number, "top": top},
        ).fetchall()
    finally:
        connection.close()
    return Explanation(
        version=folder.name,
        cap=manifest["parameters"]["cap"],
        damping=manifest["parameters"]["damping"],
        works_ranked=works_ranked,
        work=work.to_dicts()[0],
        citers=[Citer(*row) for row in rows],
    )


def parse_work_id(text: str) -> int:
    """`W2741809807`, `w2741809807` or `https://openalex.org/W2741809807` → 2741809807."""
    match = re.match(_ID_PATTERN, text.strip())
    if not match:
        raise DataRankError(f"not an OpenAlex work id: {text!r} (expected e.g. W2741809807)")
    return int(match.group(1))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
