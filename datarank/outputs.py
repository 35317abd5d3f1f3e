"""What people read from a published version: exports, `explain`, read-only SQL.

Everything here reads the lake's published Parquet files; nothing here writes into the lake.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from datarank import DataRankError
from datarank.db import limits, literal, run_sql, sql_text
from datarank.lake import VERSION_TABLES, Lake
from datarank.catalog import VIEW_MACROS, catalog_views
from datarank.settings import DEFAULT_TIERS, EXPORT_FORMATS, ExportSpec

_ID_PATTERN = r"^(?:https?://openalex\.org/)?[Ww](\d{1,18})$"


def read_only_connection(
    data_dir: Path, version: str | None = None, memory_limit: str | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views (`scores`, `works`, …, `runs`) read one published version,
    and which can read nothing else: external access is off except for the lake's own files."""
    lake = Lake(data_dir)
    folder = lake.version_dir(version)
    connection = duckdb.connect(config=limits(memory_limit, threads))
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
        if kind == duckdb.StatementType.EXPLAIN:  # EXPLAIN [ANALYZE] runs its statement: a SELECT only
            inner = re.sub(r"^\s*explain\s+(analy[sz]e\s+)?", "", statements[0].query, flags=re.IGNORECASE)
            try:
                explained = connection.extract_statements(inner)
            except duckdb.Error:
                explained = []
            kind = explained[0].type if len(explained) == 1 else kind
        if kind != duckdb.StatementType.SELECT:
            raise DataRankError(f"query: only SELECT statements are allowed (read-only), got {kind.name}")
        try:
            return connection.sql(sql).pl()
        except duckdb.Error as error:
            raise DataRankError(f"query: {_first_line(error)}") from None
    finally:
        connection.close()


def export(data_dir: Path, spec: ExportSpec, version: str | None = None) -> int:
    """Write the ranked table (best first), filtered as `spec` says, to `spec.path(data_dir)`;
    returns rows written.

    `version` picks a published version (default: the current one).

    The format comes from `spec.format` or the file's extension; `json` writes JSON Lines (one work
    per line). The file appears whole or not at all (written under a temporary name, then renamed).
    """
    output, top, year, work_type = spec.path(data_dir), spec.top, spec.year, spec.type
    fmt = spec.format or output.suffix.lstrip(".").lower()
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
    """The breakdown the seed page shows for one paper, from a published version.

    `work` is the paper's row of `scores` as it is (every column, same names, the FAIR score and
    its checklist among them); `context` adds what only `works` and the FAIR tables have (the DOI
    itself, OA status, retraction, the venue, whether FAIR scoring passed it over as paratext);
    `abstract` is the paper's abstract when the version kept abstracts (`--abstracts`), else None;
    `fair` names the FAIR score's version and weights file; `tiers` are the version's tier
    cut-offs (top percentages of S1–S4).
    """

    version: str
    cap: int
    damping: float
    works_ranked: int
    work: dict[str, Any]
    citers: list[Citer]
    context: dict[str, Any] = field(default_factory=dict)
    tiers: list[float] = field(default_factory=list)
    abstract: str | None = None
    fair: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


def explain(data_dir: Path, work_id: str, top: int = 10, version: str | None = None) -> Explanation:
    """The score of one work with its parts and its top considered citers (by contribution)."""
    number = parse_work_id(work_id)
    folder = Lake(data_dir).version_dir(version)
    found = explain_many(folder, [number], top=top)
    if not found:
        raise DataRankError(f"explain: W{number} is not in the snapshot of version {folder.name}")
    return found[0]


def explain_many(folder: Path, work_numbers: list[int], top: int = 10) -> list[Explanation]:
    """Explanations of several works of one published version (`folder`), in rank order.

    Three queries whatever the number of works (their scores rows, their top citers, the count of
    works), so a report of N pages does not scan the version N times. Works not in the version are
    left out.
    """
    if top < 0:
        raise DataRankError("explain: --top must not be negative")
    manifest = json.loads((folder / "manifest.json").read_text())
    parameters = manifest["parameters"]
    connection = duckdb.connect()
    try:
        for macro in VIEW_MACROS:  # the abstract is rebuilt from its inverted index
            run_sql(connection, sql_text(macro))
        scores = literal(str(folder / "scores.parquet"))
        works = literal(str(folder / "works.parquet"))
        citers = literal(str(folder / "citers.parquet"))
        numbers = {"numbers": list(work_numbers)}
        # Versions published before the FAIR score have no venue, paratext flag or abstracts.
        paper = {
            "fair_signals": ("fair_signals.venue, fair_signals.paratext",
                             "left join read_parquet({}) as fair_signals on fair_signals.work_id = scores.work_number"),
            "abstracts": ("openalex_abstract_text(abstracts.abstract_index) as abstract",
                          "left join read_parquet({}) as abstracts on abstracts.work_id = scores.work_number"),
        }
        extra = [(columns, join.format(literal(str(folder / f"{table}.parquet"))))
                 for table, (columns, join) in paper.items() if (folder / f"{table}.parquet").exists()]
        rows = connection.sql(
            f"""
            select scores.*, works.doi, works.oa_status, works.is_retracted{"".join(f", {c}" for c, _ in extra)}
            from read_parquet({scores}) as scores
            left join read_parquet({works}) as works on works.work_id = scores.work_number
            {" ".join(join for _, join in extra)}
            where scores.work_number in (select unnest($numbers))
            order by scores.rank
            """,
            params=numbers,
        ).pl()
        works_ranked = connection.sql(f"select count(*) from read_parquet({scores})").fetchall()[0][0]
        top_citers = connection.sql(
            f"""
            with considered as (
                select
                    *,
                    row_number() over (partition by cited_id order by contribution desc, citer_rank) as position
                from read_parquet({citers})
                where cited_id in (select unnest($numbers))
            )
            select considered.cited_id, considered.citer_rank, 'W' || considered.citing_id as work_id,
                scores.title, considered.citer_cited_by_count, considered.citer_outdegree,
                considered.citer_signal, considered.is_self_citation, considered.contribution
            from considered
            left join read_parquet({scores}) as scores on scores.work_number = considered.citing_id
            where considered.position <= $top
            order by considered.cited_id, considered.position
            """,
            params={**numbers, "top": top},
        ).pl()
    finally:
        connection.close()
    citers_by_work = {key[0]: frame.drop("cited_id").rows() for key, frame in top_citers.partition_by(
        "cited_id", as_dict=True, maintain_order=True).items()}
    context_columns = ["doi", "oa_status", "is_retracted", "venue", "paratext"]
    fair = manifest.get("fair") or {}
    return [
        Explanation(
            version=folder.name,
            cap=parameters["cap"],
            damping=parameters["damping"],
            works_ranked=works_ranked,
            work={key: value for key, value in row.items() if key not in (*context_columns, "abstract")},
            citers=[Citer(*citer) for citer in citers_by_work.get(row["work_number"], [])],
            context={key: row.get(key) for key in context_columns},
            tiers=list(parameters.get("tiers", DEFAULT_TIERS)),
            abstract=row.get("abstract"),
            fair={key: fair.get(key) for key in ("version", "weights_file", "abstracts")} if fair else {},
        )
        for row in rows.to_dicts()
    ]


def parse_work_id(text: str) -> int:
    """`W2741809807`, `w2741809807` or `https://openalex.org/W2741809807` → 2741809807."""
    match = re.match(_ID_PATTERN, text.strip())
    if not match:
        raise DataRankError(f"not an OpenAlex work id: {text!r} (expected e.g. W2741809807)")
    return int(match.group(1))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
